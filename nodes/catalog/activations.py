"""Activation functions: element-wise non-linearities, plus Softmax and LogSoftmax.

Besides the node declarations this module holds ACTIVATION_CURVES, each activation
and its derivative as plain float -> float functions, which the inspector plots.
They are written with `math` only (this package never imports torch) and tested
against torch autograd in tests/nodes/test_activations_merges.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from nodes.catalog._helpers import same_shape
from nodes.params import ChoiceParam, FloatParam, IntParam, Param
from nodes.shapes import Shape, ShapeError, format_shape, normalize_dim
from nodes.spec import Arg, ArgsFn, Category, NodeSpec, Params

# Defaults shared by the parameter declarations and the curve functions.
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
STEP_THRESHOLD = 0.0
GELU_MODES = ("none", "tanh")

# ---- the curves ---------------------------------------------------------------
#
# Every function takes x and, as keywords, the node's parameters; unknown keywords
# are ignored so that a node's whole parameter dict can be passed. Derivatives follow
# torch at the kinks: ReLU'(0) = 0, LeakyReLU'(0) = slope, ELU'(0) = alpha, Step' = 0.
#
# Softmax and LogSoftmax act on a whole vector, not on one number. Their curves use
# the two-class view: the first output when the logits are [x, 0], i.e.
# softmax([x, 0])[0] = sigmoid(x) and log_softmax([x, 0])[0] = log(sigmoid(x)), and
# the derivative with respect to x. That is the curve a binary classifier moves along.


def _sigmoid(x: float, **_: Any) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _sigmoid_grad(x: float, **_: Any) -> float:
    s = _sigmoid(x)
    return s * (1.0 - s)


def _log_sigmoid(x: float, **_: Any) -> float:
    if x >= 0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


def _log_sigmoid_grad(x: float, **_: Any) -> float:
    return 1.0 - _sigmoid(x)


def _relu(x: float, **_: Any) -> float:
    return x if x > 0 else 0.0


def _relu_grad(x: float, **_: Any) -> float:
    return 1.0 if x > 0 else 0.0


def _leaky_relu(x: float, negative_slope: float = LEAKY_SLOPE, **_: Any) -> float:
    return x if x > 0 else negative_slope * x


def _leaky_relu_grad(x: float, negative_slope: float = LEAKY_SLOPE, **_: Any) -> float:
    return 1.0 if x > 0 else negative_slope


def _elu(x: float, alpha: float = ELU_ALPHA, **_: Any) -> float:
    return x if x > 0 else alpha * math.expm1(x)


def _elu_grad(x: float, alpha: float = ELU_ALPHA, **_: Any) -> float:
    return 1.0 if x > 0 else alpha * math.exp(x)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


def _gelu(x: float, approximate: str = "none", **_: Any) -> float:
    if approximate == "tanh":
        return 0.5 * x * (1.0 + math.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3)))
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


def _gelu_grad(x: float, approximate: str = "none", **_: Any) -> float:
    if approximate == "tanh":
        t = math.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3))
        inner = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * x**2)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * inner
    cdf = 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
    pdf = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return cdf + x * pdf


def _silu(x: float, **_: Any) -> float:
    return x * _sigmoid(x)


def _silu_grad(x: float, **_: Any) -> float:
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


def _tanh(x: float, **_: Any) -> float:
    return math.tanh(x)


def _tanh_grad(x: float, **_: Any) -> float:
    t = math.tanh(x)
    return 1.0 - t * t


def _step(x: float, threshold: float = STEP_THRESHOLD, **_: Any) -> float:
    return 1.0 if x >= threshold else 0.0


def _step_grad(x: float, threshold: float = STEP_THRESHOLD, **_: Any) -> float:
    return 0.0  # flat on both sides; undefined at the threshold, where torch also gives 0


Curve = Callable[..., float]

# type id -> (f, f'), each called as f(x, **node_params).
ACTIVATION_CURVES: dict[str, tuple[Curve, Curve]] = {
    "ReLU": (_relu, _relu_grad),
    "LeakyReLU": (_leaky_relu, _leaky_relu_grad),
    "ELU": (_elu, _elu_grad),
    "GELU": (_gelu, _gelu_grad),
    "SiLU": (_silu, _silu_grad),
    "Sigmoid": (_sigmoid, _sigmoid_grad),
    "Tanh": (_tanh, _tanh_grad),
    "Softmax": (_sigmoid, _sigmoid_grad),  # two-class view, see above
    "LogSoftmax": (_log_sigmoid, _log_sigmoid_grad),  # two-class view, see above
    "Step": (_step, _step_grad),
}


def activation_curve(
    type_id: str, params: Params | None = None
) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """The curve of one node as two float -> float functions, its parameters bound.

    Raises KeyError for a type id that has no curve (check `type_id in ACTIVATION_CURVES`).
    """
    f, df = ACTIVATION_CURVES[type_id]
    spec = next(s for s in SPECS if s.type_id == type_id)
    values = {**spec.defaults(), **(params or {})}
    return partial(f, **values), partial(df, **values)


# ---- shape rules and advice ---------------------------------------------------


def _softmax_dim(params: Params, shapes: Sequence[Shape]) -> int:
    rank = len(shapes[0])
    dim = params["dim"]
    try:
        return normalize_dim(dim, rank)
    except ShapeError:
        raise ShapeError(
            f"has dim={dim} but its input {format_shape(shapes[0])} has only {rank} dimensions; "
            f"choose a dim from {-rank} to {rank - 1} (dim 0 is the batch)"
        ) from None


def _softmax_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _softmax_dim(params, shapes)
    return (shapes[0],)


_NORMALISERS = ("Softmax", "LogSoftmax")


def _softmax_advise(params: Params, shapes: Sequence[Shape], sources: Sequence[str]) -> list[str]:
    advice = []
    if _softmax_dim(params, shapes) == 0:
        advice.append(
            f"dim={params['dim']} is the batch, so each sample's output depends on the others "
            "in its batch; use dim=1 (or -1 for the last dimension)"
        )
    if any(s in _NORMALISERS for s in sources):
        advice.append("follows another Softmax or LogSoftmax; normalising twice flattens the output")
    return advice


def _relu_advise(params: Params, shapes: Sequence[Shape], sources: Sequence[str]) -> list[str]:
    if any(s == "ReLU" for s in sources):
        return ["follows another ReLU and changes nothing; remove one of them"]
    return []


def _no_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return []


def _activation(
    type_id: str,
    *,
    title: str = "",
    explanation: str,
    short_name: str,
    params: tuple[Param, ...] = (),
    args: ArgsFn = _no_args,
    examples: tuple[tuple[dict[str, Any], tuple[Shape, ...]], ...],
    **extra: Any,
) -> NodeSpec:
    """An activation module node: nn.<type_id>, element-wise unless told otherwise."""
    values: dict[str, Any] = {
        "infer": same_shape,
        "torch_class": f"torch.nn.{type_id}",
        "module_args": args,
        **extra,
    }
    return NodeSpec(
        type_id=type_id,
        category=Category.ACTIVATION,
        title=title or type_id,
        explanation=explanation,
        params=params,
        short_name=short_name,
        key_params=tuple(p.name for p in params),
        examples=examples,
        **values,
    )


# ---- the declarations -------------------------------------------------------------

RELU = _activation(
    "ReLU",
    explanation=(
        "Rectified linear unit: keeps positive values and replaces negative ones with 0, "
        "max(0, x). Output range [0, inf). The default choice between hidden layers: cheap, "
        "and its gradient is 1 for positive inputs, so deep networks still learn. Pitfall: a "
        "unit whose input stays negative outputs 0 with gradient 0 and stops learning (a "
        "'dead' ReLU); LeakyReLU or a smaller learning rate helps."
    ),
    short_name="relu",
    advise=_relu_advise,
    examples=(({}, (("N", 16),)), ({}, (("N", 4, 6, 6),))),
)

LEAKY_RELU = _activation(
    "LeakyReLU",
    explanation=(
        "Like ReLU, but negative inputs are multiplied by a small slope instead of zeroed: "
        "x for x > 0, negative_slope * x otherwise. Output range (-inf, inf). Use it when "
        "many ReLU units die (always output 0); the small negative slope keeps a gradient "
        "flowing. Typical slopes are 0.01 to 0.2."
    ),
    short_name="lrelu",
    params=(
        FloatParam(
            name="negative_slope",
            label="negative slope",
            default=LEAKY_SLOPE,
            minimum=0.0,
            maximum=1.0,
            help="factor applied to negative inputs",
        ),
    ),
    args=lambda params, shapes: [Arg("negative_slope", params["negative_slope"], LEAKY_SLOPE)],
    examples=(({}, (("N", 16),)), ({"negative_slope": 0.2}, (("N", 3, 5),))),
)

ELU = _activation(
    "ELU",
    explanation=(
        "Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise. Output range "
        "(-alpha, inf). Smooth where ReLU has a corner and negative outputs push the mean "
        "activation towards 0, which can speed up training. Slightly more costly than ReLU "
        "because of the exponential."
    ),
    short_name="elu",
    params=(
        FloatParam(
            name="alpha",
            default=ELU_ALPHA,
            minimum=0.0,
            maximum=10.0,
            help="value the output approaches for very negative inputs is -alpha",
        ),
    ),
    args=lambda params, shapes: [Arg("alpha", params["alpha"], ELU_ALPHA)],
    examples=(({}, (("N", 8),)), ({"alpha": 0.5}, (("N", 2, 4, 4),))),
)

GELU = _activation(
    "GELU",
    explanation=(
        "Gaussian error linear unit: x times the probability that a standard normal value is "
        "below x, a smooth ReLU that dips slightly below 0 (minimum about -0.17). Output range "
        "about [-0.17, inf). The usual choice inside Transformers such as BERT and GPT. The "
        "'tanh' approximation is a little faster and matches older checkpoints."
    ),
    short_name="gelu",
    params=(
        ChoiceParam(
            name="approximate",
            default="none",
            choices=GELU_MODES,
            help="'none' computes the exact formula, 'tanh' an approximation",
        ),
    ),
    args=lambda params, shapes: [Arg("approximate", params["approximate"], "none")],
    examples=(({}, (("N", 32),)), ({"approximate": "tanh"}, (("N", 10, 32),))),
)

SILU = _activation(
    "SiLU",
    title="SiLU (Swish)",
    explanation=(
        "Sigmoid linear unit, also called Swish: x * sigmoid(x). A smooth ReLU-like curve "
        "whose output dips slightly below 0 (minimum about -0.28), range about [-0.28, inf). "
        "Used in EfficientNet and many modern convolutional and language models; a good "
        "alternative to ReLU when you can afford the sigmoid."
    ),
    short_name="silu",
    examples=(({}, (("N", 16),)), ({}, (("N", 8, 4, 4),))),
)

SIGMOID = _activation(
    "Sigmoid",
    explanation=(
        "The logistic function 1 / (1 + exp(-x)): squashes any number into (0, 1), so it "
        "reads as a probability. Use it on the output of a binary (yes/no) classifier with "
        "BCELoss, or for gates. Pitfall: for large |x| the curve is flat and its gradient "
        "(at most 0.25) vanishes, so stacks of sigmoid hidden layers learn slowly; prefer "
        "ReLU there. With BCEWithLogitsLoss leave the sigmoid out: the loss applies it."
    ),
    short_name="sigmoid",
    examples=(({}, (("N", 1),)), ({}, (("N", 3, 7),))),
)

TANH = _activation(
    "Tanh",
    explanation=(
        "Hyperbolic tangent: squashes any number into (-1, 1), centred on 0. A classic "
        "hidden-layer activation (and the one inside RNN cells); outputs centred on 0 train "
        "better than Sigmoid's. Pitfall: for large |x| the curve is flat and gradients "
        "vanish, so deep stacks of Tanh layers learn slowly; ReLU is the modern default."
    ),
    short_name="tanh",
    examples=(({}, (("N", 16),)), ({}, (("N", 5, 8),))),
)

_DIM = IntParam(
    name="dim",
    default=1,
    minimum=-5,
    maximum=4,
    help="dimension whose values are normalised; 0 is the batch, -1 the last",
)


def _dim_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return [Arg("dim", params["dim"], None)]  # always written: nn.Softmax() without dim is deprecated


SOFTMAX = _activation(
    "Softmax",
    explanation=(
        "Turns a vector of scores (logits) into probabilities: exp(x_i) / sum_j exp(x_j) "
        "along `dim`, so every output is in (0, 1) and they sum to 1. Use it to read class "
        "probabilities at prediction time. Putting Softmax before CrossEntropyLoss is a "
        "mistake: that loss applies log-softmax itself, and a second softmax flattens the "
        "scores and slows learning. Feed CrossEntropyLoss the raw Linear output instead."
    ),
    short_name="softmax",
    params=(_DIM,),
    args=_dim_args,
    infer=_softmax_infer,
    advise=_softmax_advise,
    examples=(({}, (("N", 10),)), ({"dim": -1}, (("N", 4, 7),)), ({"dim": 1}, (("N", 3, 5, 5),))),
)

LOG_SOFTMAX = _activation(
    "LogSoftmax",
    explanation=(
        "The logarithm of Softmax along `dim`, computed in one numerically stable step: "
        "x_i - log(sum_j exp(x_j)). Outputs are log-probabilities in (-inf, 0]. Pair it with "
        "NLLLoss. CrossEntropyLoss already equals LogSoftmax followed by NLLLoss, so do not "
        "put LogSoftmax (or Softmax) in front of CrossEntropyLoss."
    ),
    short_name="log_softmax",
    params=(_DIM,),
    args=_dim_args,
    infer=_softmax_infer,
    advise=_softmax_advise,
    examples=(({}, (("N", 10),)), ({"dim": 2}, (("N", 4, 7),))),
)


def _step_forward(ref: str, inputs: Sequence[str], params: Params) -> str:
    x = inputs[0]
    return f"({x} >= {float(params['threshold'])!r}).to({x}.dtype)"


STEP = NodeSpec(
    type_id="Step",
    category=Category.ACTIVATION,
    title="Step",
    explanation=(
        "The classic perceptron's threshold (Heaviside step): outputs 1 where x >= threshold "
        "and 0 elsewhere, so the range is {0, 1}. Good for seeing how Rosenblatt's perceptron "
        "decides. Pitfall: its gradient is 0 everywhere (undefined at the jump), so "
        "backpropagation cannot train layers before it; train with Sigmoid or Tanh and switch "
        "to Step afterwards, or learn with the perceptron rule."
    ),
    params=(
        FloatParam(
            name="threshold",
            default=STEP_THRESHOLD,
            minimum=-1000.0,
            maximum=1000.0,
            help="inputs at or above this value give 1",
        ),
    ),
    infer=same_shape,
    forward=_step_forward,
    blocks_gradient=True,
    short_name="step",
    key_params=("threshold",),
    examples=(({}, (("N", 1),)), ({"threshold": 0.5}, (("N", 4, 3),))),
)

SPECS = [RELU, LEAKY_RELU, ELU, GELU, SILU, SIGMOID, TANH, SOFTMAX, LOG_SOFTMAX, STEP]
