"""Optimizers: the rule that turns the loss's gradients into changes of the weights.

An optimizer node takes the loss on its one input and becomes
`make_optimizer(model)` in the generated code. The learning rate is always
written out, even when it equals torch's default: it is the first knob a learner
turns, and older torch releases gave SGD no default at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nodes.params import BoolParam, FloatParam
from nodes.shapes import Shape, ShapeError
from nodes.spec import Arg, ArgsFn, Category, NodeSpec, Params, Port, Role


class _Always:
    """An Arg default no value equals, so the argument is always written."""

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "ALWAYS"


ALWAYS = _Always()

LOSS_INPUT = (Port("loss", kind="loss"),)


def _no_outputs(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    return ()


def learning_rate(default: float) -> FloatParam:
    return FloatParam(
        name="lr",
        label="learning rate",
        default=default,
        minimum=0.0,
        min_exclusive=True,
        maximum=10.0,
        log_scale=True,
        help="size of each step; too large diverges, too small crawls",
    )


def weight_decay(default: float) -> FloatParam:
    return FloatParam(
        name="weight_decay",
        label="weight decay",
        default=default,
        minimum=0.0,
        maximum=1.0,
        help="pulls every weight towards zero each step (a regulariser)",
    )


def epsilon(default: float) -> FloatParam:
    return FloatParam(
        name="eps",
        label="epsilon",
        default=default,
        minimum=0.0,
        min_exclusive=True,
        maximum=1.0,
        log_scale=True,
        help="tiny number added to the denominator to avoid dividing by zero",
    )


def momentum(default: float = 0.0) -> FloatParam:
    return FloatParam(
        name="momentum",
        default=default,
        minimum=0.0,
        maximum=1.0,
        max_exclusive=True,
        help="share of the previous step carried into the next (0.9 is usual)",
    )


def _beta(name: str, default: float, help: str) -> FloatParam:
    return FloatParam(name=name, default=default, minimum=0.0, maximum=1.0, max_exclusive=True, help=help)


def _lr_arg(params: Params) -> Arg:
    return Arg("lr", params["lr"], ALWAYS)


def _optimizer(**fields: Any) -> NodeSpec:
    """An optimizer node: the loss input, no outputs, nothing to infer."""
    return NodeSpec(
        category=Category.OPTIMIZER,
        role=Role.OPTIMIZER,
        inputs=LOSS_INPUT,
        outputs=(),
        infer=fields.pop("infer", _no_outputs),
        short_name="optimizer",
        **fields,
    )


# -- SGD -------------------------------------------------------------------------------


def _sgd_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    if params["nesterov"] and params["momentum"] <= 0:
        raise ShapeError(
            "uses Nesterov momentum but momentum is 0; set momentum above 0 (0.9 is usual) "
            "or turn nesterov off"
        )
    return ()


def _sgd_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return [
        _lr_arg(params),
        Arg("momentum", params["momentum"], 0.0),
        Arg("weight_decay", params["weight_decay"], 0.0),
        Arg("nesterov", params["nesterov"], False),
    ]


SGD = _optimizer(
    type_id="SGD",
    title="SGD",
    explanation=(
        "Stochastic gradient descent: after each batch, move every weight a small step "
        "(the learning rate) against its gradient. The simplest optimizer and the one to "
        "understand first. Momentum keeps a running direction, which speeds it through "
        "flat valleys; Nesterov looks ahead along that direction. Try lr 0.01 to 0.1."
    ),
    params=(
        learning_rate(0.01),
        momentum(),
        weight_decay(0.0),
        BoolParam(name="nesterov", default=False, help="Nesterov's look-ahead momentum (needs momentum)"),
    ),
    infer=_sgd_infer,
    torch_class="torch.optim.SGD",
    module_args=_sgd_args,
    key_params=("lr", "momentum"),
    examples=(
        ({}, ((),)),
        ({"lr": 0.1, "momentum": 0.9, "nesterov": True}, ((),)),
        ({"momentum": 0.5, "weight_decay": 0.0005}, ((),)),
    ),
)

# -- RMSprop ---------------------------------------------------------------------------


def _rmsprop_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return [
        _lr_arg(params),
        Arg("alpha", params["alpha"], 0.99),
        Arg("eps", params["eps"], 1e-8),
        Arg("weight_decay", params["weight_decay"], 0.0),
        Arg("momentum", params["momentum"], 0.0),
        Arg("centered", params["centered"], False),
    ]


RMSPROP = _optimizer(
    type_id="RMSprop",
    title="RMSprop",
    explanation=(
        "Divides each weight's step by a running average of its recent squared gradients, "
        "so weights with large, noisy gradients take smaller steps and quiet ones larger. "
        "A good choice for recurrent networks. Alpha sets how quickly the average forgets; "
        "'centered' also subtracts the mean gradient."
    ),
    params=(
        learning_rate(0.01),
        _beta("alpha", 0.99, "how slowly the average of squared gradients forgets"),
        epsilon(1e-8),
        weight_decay(0.0),
        momentum(),
        BoolParam(name="centered", default=False, help="normalise by the gradient's variance"),
    ),
    torch_class="torch.optim.RMSprop",
    module_args=_rmsprop_args,
    key_params=("lr",),
    examples=(
        ({}, ((),)),
        ({"lr": 0.001, "alpha": 0.9, "momentum": 0.5, "centered": True}, ((),)),
    ),
)

# -- Adam and AdamW --------------------------------------------------------------------


def _adam_params(lr: float, decay: float) -> tuple[FloatParam | BoolParam, ...]:
    return (
        learning_rate(lr),
        _beta("beta1", 0.9, "how slowly the running average of gradients forgets"),
        _beta("beta2", 0.999, "how slowly the running average of squared gradients forgets"),
        epsilon(1e-8),
        weight_decay(decay),
        BoolParam(name="amsgrad", default=False, help="never let the step-size denominator shrink"),
    )


def _adam_args(decay: float) -> ArgsFn:
    def args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
        return [
            _lr_arg(params),
            Arg("betas", (params["beta1"], params["beta2"]), (0.9, 0.999)),
            Arg("eps", params["eps"], 1e-8),
            Arg("weight_decay", params["weight_decay"], decay),
            Arg("amsgrad", params["amsgrad"], False),
        ]

    return args


ADAM = _optimizer(
    type_id="Adam",
    title="Adam",
    explanation=(
        "Adaptive moment estimation: keeps a running average of each weight's gradient "
        "(momentum, beta1) and of its square (beta2), and steps by their ratio, so every "
        "weight gets its own step size. Works well with little tuning; lr 0.001 is the usual "
        "start and a good default optimizer for most networks."
    ),
    params=_adam_params(0.001, 0.0),
    torch_class="torch.optim.Adam",
    module_args=_adam_args(0.0),
    key_params=("lr",),
    examples=(
        ({}, ((),)),
        ({"lr": 0.01, "beta1": 0.8, "beta2": 0.99}, ((),)),
        ({"eps": 1e-6, "weight_decay": 0.001, "amsgrad": True}, ((),)),
    ),
)

ADAMW = _optimizer(
    type_id="AdamW",
    title="AdamW",
    explanation=(
        "Adam with decoupled weight decay: weights shrink towards zero directly each step "
        "instead of through the gradient, where Adam's per-weight scaling would weaken it. "
        "The usual choice for transformers and whenever you want regularisation with Adam; "
        "weight decay 0.01 to 0.1 is typical."
    ),
    params=_adam_params(0.001, 0.01),
    torch_class="torch.optim.AdamW",
    module_args=_adam_args(0.01),
    key_params=("lr", "weight_decay"),
    examples=(
        ({}, ((),)),
        ({"lr": 0.0003, "weight_decay": 0.1, "beta2": 0.95}, ((),)),
        ({"weight_decay": 0.0, "amsgrad": True}, ((),)),
    ),
)

# -- Adagrad ---------------------------------------------------------------------------


def _adagrad_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return [
        _lr_arg(params),
        Arg("lr_decay", params["lr_decay"], 0.0),
        Arg("weight_decay", params["weight_decay"], 0.0),
        Arg("eps", params["eps"], 1e-10),
    ]


ADAGRAD = _optimizer(
    type_id="Adagrad",
    title="Adagrad",
    explanation=(
        "Divides each weight's step by the square root of the sum of all its past squared "
        "gradients, so rarely updated weights (such as embeddings of rare words) keep larger "
        "steps. The sum only grows, so learning slows over time; RMSprop and Adam fix that "
        "with running averages."
    ),
    params=(
        learning_rate(0.01),
        FloatParam(
            name="lr_decay",
            label="lr decay",
            default=0.0,
            minimum=0.0,
            maximum=1.0,
            help="shrinks the learning rate as lr / (1 + step * lr_decay)",
        ),
        weight_decay(0.0),
        epsilon(1e-10),
    ),
    torch_class="torch.optim.Adagrad",
    module_args=_adagrad_args,
    key_params=("lr",),
    examples=(({}, ((),)), ({"lr": 0.1, "lr_decay": 0.001, "weight_decay": 0.0001}, ((),))),
)

SPECS = [SGD, RMSPROP, ADAM, ADAMW, ADAGRAD]
