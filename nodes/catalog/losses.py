"""Losses: one number that says how far the network's predictions are from the targets.

Every loss takes the network's output on `prediction` and the answers on `target`,
and hands a scalar to the optimizer. The shape and dtype rules here catch the
classic beginner mistakes before torch does (or, worse, before torch silently
broadcasts (N, 1) against (N,) into an (N, N) comparison).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nodes.params import FloatParam
from nodes.shapes import Shape, ShapeError, features, format_shape
from nodes.spec import Arg, Category, DType, NodeSpec, Params, Port, Role

# Type ids of the activation nodes the advice refers to.
SOFTMAX = "Softmax"
LOG_SOFTMAX = "LogSoftmax"
SIGMOID = "Sigmoid"

LOSS_INPUTS = (Port("prediction"), Port("target"))
LOSS_OUTPUTS = (Port("loss", kind="loss"),)


def _scalar(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    return ((),)


def sample_shape(shape: Shape) -> str:
    """How a shape is typed into a Target's shape field: (N, 3, 4) -> [3, 4]."""
    return "[" + ", ".join(str(d) for d in features(shape)) + "]"


def _check_prediction_dtype(dtypes: Sequence[DType]) -> None:
    if dtypes and dtypes[0] is DType.INDEX:
        raise ShapeError(
            "expects real-valued predictions but receives integer ids; feed it the output "
            "of a layer such as Linear"
        )


# -- regression and binary cross-entropy: the target has the prediction's shape ----------


def _same_shape_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    prediction, target = shapes
    if target != prediction:
        raise ShapeError(
            f"expects a target shaped like the prediction {format_shape(prediction)} but receives "
            f"{format_shape(target)}; set the Target's shape to {sample_shape(prediction)}"
        )
    return ((),)


def _float_targets(what: str) -> Callable[[Params, Sequence[Shape], Sequence[DType]], None]:
    """A dtype rule for losses that compare real values element by element."""

    def check(params: Params, shapes: Sequence[Shape], dtypes: Sequence[DType]) -> None:
        _check_prediction_dtype(dtypes)
        if len(dtypes) > 1 and dtypes[1] is DType.INDEX:
            fix = "set the Target's dtype to float"
            if len(shapes) > 1 and shapes[1] != shapes[0]:
                fix += f" and its shape to {sample_shape(shapes[0])}"
            raise ShapeError(f"expects {what} but receives class indices; {fix}")

    return check


def _bce_advice(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    if kinds and kinds[0] != SIGMOID:
        return [
            "BCELoss expects probabilities between 0 and 1, but its prediction does not come "
            "from a Sigmoid; add a Sigmoid before it, or better, use BCEWithLogitsLoss on the "
            "raw scores (it is numerically safer)"
        ]
    return []


def _bce_logits_advice(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    if kinds and kinds[0] == SIGMOID:
        return [
            "BCEWithLogitsLoss applies the sigmoid itself; remove the Sigmoid before it "
            "(or switch to BCELoss)"
        ]
    return []


# -- classification: class scores (N, C, ...) against class indices (N, ...) ------------


def _index_shape(prediction: Shape) -> Shape:
    """The class-index target for a prediction (N, C, d1, ...): (N, d1, ...)."""
    return (prediction[0], *prediction[2:])


def _class_infer(probabilities: bool) -> Callable[[Params, Sequence[Shape]], tuple[Shape, ...]]:
    def infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
        prediction, target = shapes
        if len(prediction) < 2:
            raise ShapeError(
                f"expects class scores shaped (N, classes) but receives {format_shape(prediction)}; "
                "give the layer before it one output per class"
            )
        index = _index_shape(prediction)
        if target == index or (probabilities and target == prediction):
            return ((),)
        fix = f"set the Target's shape to {sample_shape(index)} and its dtype to 'class index'"
        if probabilities:
            raise ShapeError(
                f"expects class indices shaped {format_shape(index)} or class probabilities shaped "
                f"like the prediction {format_shape(prediction)} but receives {format_shape(target)}; "
                f"for class indices {fix}"
            )
        raise ShapeError(
            f"expects class indices shaped {format_shape(index)} for a prediction "
            f"{format_shape(prediction)} but receives {format_shape(target)}; {fix}"
        )

    return infer


def _class_dtypes(probabilities: bool) -> Callable[[Params, Sequence[Shape], Sequence[DType]], None]:
    """Index targets must be whole numbers; probability targets (CrossEntropy) real values.

    Only a target whose shape already fits one of the forms is judged here; any other
    shape is reported by the shape rule, whose message names the dtype too.
    """

    def check(params: Params, shapes: Sequence[Shape], dtypes: Sequence[DType]) -> None:
        _check_prediction_dtype(dtypes)
        if len(shapes) < 2 or len(dtypes) < 2 or len(shapes[0]) < 2:
            return
        prediction, target = shapes
        index = _index_shape(prediction)
        if target == index and dtypes[1] is DType.FLOAT:
            fix = "set the Target's dtype to 'class index'"
            if probabilities:
                fix += f", or its shape to {sample_shape(prediction)} for class probabilities"
            raise ShapeError(
                f"expects class indices (whole numbers) for a target shaped {format_shape(target)} "
                f"but receives real values; {fix}"
            )
        if probabilities and target == prediction and dtypes[1] is DType.INDEX:
            raise ShapeError(
                "expects class probabilities (real values) for a target shaped like the prediction "
                f"{format_shape(prediction)} but receives class indices; set the Target's dtype to "
                f"float, or its shape to {sample_shape(index)} for class indices"
            )

    return check


def _single_class(shapes: Sequence[Shape]) -> list[str]:
    prediction, target = shapes
    if len(prediction) >= 2 and prediction[1] == 1 and target == _index_shape(prediction):
        return [
            "the prediction has a single class score, and cross-entropy over one class is always "
            "zero, so nothing is learned; give the last layer one output per class, or use "
            "BCEWithLogitsLoss for a yes/no answer"
        ]
    return []


def _cross_entropy_advice(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    advice = []
    if kinds and kinds[0] == SOFTMAX:
        advice.append(
            "CrossEntropyLoss applies log-softmax itself; remove the Softmax and feed it the raw "
            "scores (logits)"
        )
    elif kinds and kinds[0] == SIGMOID:
        advice.append(
            "CrossEntropyLoss expects raw scores (logits); the Sigmoid before it squashes them "
            "into (0, 1) and slows learning, so remove it"
        )
    return advice + _single_class(shapes)


def _nll_advice(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    advice = []
    if kinds and kinds[0] == SOFTMAX:
        advice.append(
            "NLLLoss expects log-probabilities but receives probabilities from a Softmax; "
            "replace the Softmax with LogSoftmax (or remove it and use CrossEntropyLoss)"
        )
    elif kinds and kinds[0] != LOG_SOFTMAX:
        advice.append(
            "NLLLoss expects log-probabilities; add a LogSoftmax (over dim 1) before it, or use "
            "CrossEntropyLoss on the raw scores"
        )
    return advice + _single_class(shapes)


def _no_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return []


def _loss(**fields: Any) -> NodeSpec:
    """A loss node: the ports, role and scalar output every loss shares."""
    return NodeSpec(
        category=Category.LOSS,
        role=Role.LOSS,
        inputs=LOSS_INPUTS,
        outputs=LOSS_OUTPUTS,
        infer=fields.pop("infer", _same_shape_infer),
        module_args=fields.pop("module_args", _no_args),
        short_name="loss",
        **fields,
    )


REGRESSION_TARGETS = "real-valued targets"
BINARY_TARGETS = "float targets between 0 and 1"

MSE = _loss(
    type_id="MSELoss",
    title="MSE",
    explanation=(
        "Mean squared error: the average of (prediction - target)^2. The standard loss for "
        "regression, such as predicting a price or a coordinate. Large errors count much more "
        "than small ones, so outliers pull hard. Use no activation on the last layer and a "
        "float Target shaped like the prediction, e.g. [1]."
    ),
    torch_class="torch.nn.MSELoss",
    check_dtypes=_float_targets(REGRESSION_TARGETS),
    examples=(
        ({}, (("N", 1), ("N", 1))),
        ({}, (("N", 3), ("N", 3))),
        ({}, (("N", 2, 4), ("N", 2, 4))),
    ),
)

L1 = _loss(
    type_id="L1Loss",
    title="MAE (L1)",
    explanation=(
        "Mean absolute error: the average of |prediction - target|. A regression loss that "
        "treats every unit of error the same, so it is less thrown by outliers than MSE, "
        "though its gradient does not shrink near the answer. Use no activation on the last "
        "layer and a float Target shaped like the prediction."
    ),
    torch_class="torch.nn.L1Loss",
    check_dtypes=_float_targets(REGRESSION_TARGETS),
    examples=(({}, (("N", 1), ("N", 1))), ({}, (("N", 4), ("N", 4)))),
)

HUBER = _loss(
    type_id="HuberLoss",
    title="Huber",
    explanation=(
        "A regression loss that is squared error for small errors and absolute error for "
        "large ones, switching at delta. It learns smoothly near the answer like MSE while "
        "shrugging off outliers like MAE. Use no activation on the last layer and a float "
        "Target shaped like the prediction."
    ),
    params=(
        FloatParam(
            name="delta",
            default=1.0,
            minimum=0.0,
            min_exclusive=True,
            maximum=1000.0,
            help="error size where the loss turns from squared to absolute",
        ),
    ),
    torch_class="torch.nn.HuberLoss",
    module_args=lambda params, shapes: [Arg("delta", params["delta"], 1.0)],
    check_dtypes=_float_targets(REGRESSION_TARGETS),
    key_params=("delta",),
    examples=(({}, (("N", 1), ("N", 1))), ({"delta": 0.5}, (("N", 3), ("N", 3)))),
)

BCE = _loss(
    type_id="BCELoss",
    title="Binary cross-entropy",
    explanation=(
        "Binary cross-entropy for yes/no answers: how surprised the network is by the true "
        "label given the probability it predicted. The prediction must already be a "
        "probability, so the last layer needs a Sigmoid; the Target is float 0 or 1 shaped "
        "like the prediction, e.g. [1]. BCE with logits is the safer choice."
    ),
    torch_class="torch.nn.BCELoss",
    check_dtypes=_float_targets(BINARY_TARGETS),
    advise=_bce_advice,
    examples=(({}, (("N", 1), ("N", 1))), ({}, (("N", 5), ("N", 5)))),
)

BCE_LOGITS = _loss(
    type_id="BCEWithLogitsLoss",
    title="BCE with logits",
    explanation=(
        "Binary cross-entropy that applies the sigmoid itself, which is more numerically "
        "stable than a Sigmoid followed by BCE. The best default for yes/no and multi-label "
        "problems: give the last layer no activation (raw scores, or logits) and use a float "
        "Target of 0s and 1s shaped like the prediction."
    ),
    torch_class="torch.nn.BCEWithLogitsLoss",
    check_dtypes=_float_targets(BINARY_TARGETS),
    advise=_bce_logits_advice,
    examples=(({}, (("N", 1), ("N", 1))), ({}, (("N", 4), ("N", 4))), ({}, (("N", 2, 3), ("N", 2, 3)))),
)

CROSS_ENTROPY = _loss(
    type_id="CrossEntropyLoss",
    title="Cross-entropy",
    explanation=(
        "The standard loss for choosing one of C classes. It turns the raw scores (logits) "
        "into probabilities with a softmax and measures how little probability went to the "
        "right class. Give the last layer C outputs and no activation, and use a 'class "
        "index' Target with shape []; a float Target shaped like the prediction gives class "
        "probabilities instead. Label smoothing keeps it from growing over-confident."
    ),
    params=(
        FloatParam(
            name="label_smoothing",
            default=0.0,
            minimum=0.0,
            maximum=1.0,
            help="share of the target spread over all classes (0.1 is common)",
        ),
    ),
    infer=_class_infer(probabilities=True),
    torch_class="torch.nn.CrossEntropyLoss",
    module_args=lambda params, shapes: [Arg("label_smoothing", params["label_smoothing"], 0.0)],
    check_dtypes=_class_dtypes(probabilities=True),
    advise=_cross_entropy_advice,
    key_params=("label_smoothing",),
    input_dtype=DType.ANY,
    examples=(
        ({}, (("N", 5), ("N",))),
        ({"label_smoothing": 0.1}, (("N", 4, 6), ("N", 6))),
        ({}, (("N", 3), ("N", 3))),
    ),
)

NLL = _loss(
    type_id="NLLLoss",
    title="NLL",
    explanation=(
        "Negative log-likelihood: minus the log-probability the network gave the right class. "
        "It expects log-probabilities, so the last layer needs a LogSoftmax over the classes; "
        "LogSoftmax followed by NLL equals CrossEntropy on raw scores. Use a 'class index' "
        "Target with shape []."
    ),
    infer=_class_infer(probabilities=False),
    torch_class="torch.nn.NLLLoss",
    check_dtypes=_class_dtypes(probabilities=False),
    advise=_nll_advice,
    input_dtype=DType.ANY,
    examples=(({}, (("N", 5), ("N",))), ({}, (("N", 3, 4, 4), ("N", 4, 4)))),
)

SPECS = [MSE, L1, HUBER, BCE, BCE_LOGITS, CROSS_ENTROPY, NLL]
