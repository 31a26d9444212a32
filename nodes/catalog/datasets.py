"""Data sets: where training samples come from.

Each source has outputs x (features) and y (targets) that wire into an Input's and
a Target's "data" port. Shape inference here never generates or loads data: the
synthetic and bundled sets know their shapes from their parameters, and user files
are read only as far as their header (a CSV also gets one cached scan for its
categorical levels). `backends.data.load_dataset` produces arrays of exactly these
shapes; tests/backends/test_data.py holds both sides to that promise.

Targets are class indices of shape (N,) for classification and (N, k) floats for
regression. SequenceData is a regression task: predict the next value of a noisy
sine wave from the previous seq_len values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nodes.datafiles import DataFileError, base_dir
from nodes.datafiles.csv_schema import CATEGORICAL_MODES, DELIMITERS, TASKS, CsvSchema, csv_schema
from nodes.datafiles.numpy_source import NumpySource, numpy_source
from nodes.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param, PathParam, TextParam
from nodes.shapes import BATCH, Shape, ShapeError, format_shape
from nodes.spec import Category, NodeSpec, Params, Port, Role

SCALINGS = ("none", "standardize", "minmax")
LAYOUTS = ("image", "flat")
MISSING_MODES = ("drop", "fill")
CLASSIFICATION, REGRESSION = TASKS

InferFn = Callable[[Params, Sequence[Shape]], tuple[Shape, ...]]


# -- parameters every source shares ---------------------------------------------------


def _preparation(scaling: str) -> tuple[Param, ...]:
    return (
        IntParam(name="seed", default=0, minimum=0, maximum=2**31 - 1, help="same seed, same data and split"),
        FloatParam(
            name="validation_fraction",
            label="validation share",
            default=0.2,
            minimum=0.0,
            maximum=0.45,
            help="share of samples held back to watch for overfitting (stratified by class)",
        ),
        FloatParam(
            name="test_fraction",
            label="test share",
            default=0.1,
            minimum=0.0,
            maximum=0.45,
            help="share held back for one final, honest score (stratified by class)",
        ),
        ChoiceParam(
            name="scaling",
            default=scaling,
            choices=SCALINGS,
            help="rescale features with statistics of the training split only",
        ),
    )


AUGMENTATION: tuple[Param, ...] = (
    BoolParam(name="augment_flip", label="random flips", default=False, help="mirror images left-right"),
    IntParam(
        name="augment_shift",
        label="random shift",
        default=0,
        minimum=0,
        maximum=2,
        help="move images by up to this many pixels",
    ),
    FloatParam(
        name="augment_noise",
        label="random noise",
        default=0.0,
        minimum=0.0,
        maximum=1.0,
        help="standard deviation of gaussian noise added to each pixel",
    ),
)
AUGMENT_FLAGS = tuple(p.name for p in AUGMENTATION)


def _samples(default: int) -> IntParam:
    return IntParam(
        name="samples", default=default, minimum=20, maximum=200_000, help="how many points to generate"
    )


def _noise(
    default: float, maximum: float = 1.0, help: str = "standard deviation of added noise"
) -> FloatParam:
    return FloatParam(name="noise", default=default, minimum=0.0, maximum=maximum, help=help)


def _classes(default: int, maximum: int) -> IntParam:
    return IntParam(name="classes", default=default, minimum=2, maximum=maximum, help="number of classes")


def _features(default: int) -> IntParam:
    return IntParam(
        name="features",
        default=default,
        minimum=1,
        maximum=1000,
        help="numbers per sample (2 can be plotted)",
    )


# Classes each built-in data set has; "param" means its `classes` parameter decides.
# Regression and user files are absent (unknown without reading the data).
CLASS_COUNTS: dict[str, int | str] = {
    "Spirals": "param",
    "Blobs": "param",
    "Moons": 2,
    "Circles": 2,
    "XorData": 2,
    "LinearlySeparable": 2,
    "Iris": 3,
    "Wine": 3,
    "BreastCancer": 2,
    "Digits": 10,
}


def wants_augmentation(params: Params) -> bool:
    return bool(params.get("augment_flip") or params.get("augment_shift") or params.get("augment_noise"))


def source(
    type_id: str,
    title: str,
    explanation: str,
    params: tuple[Param, ...],
    infer: InferFn,
    *,
    short_name: str,
    scaling: str = "none",
    augment: bool = False,
    key_params: tuple[str, ...] = (),
    examples: tuple[dict, ...] = ({},),
    advise: Callable[[Params, Sequence[Shape], Sequence[str]], list[str]] | None = None,
) -> NodeSpec:
    classes = CLASS_COUNTS.get(type_id)
    """A data set node: no inputs; outputs x and y; shared preparation parameters."""
    return NodeSpec(
        type_id=type_id,
        category=Category.DATA,
        role=Role.SOURCE,
        title=title,
        explanation=explanation,
        params=(*params, *_preparation(scaling), *(AUGMENTATION if augment else ())),
        inputs=(),
        outputs=(Port("x"), Port("y")),
        infer=infer,
        short_name=short_name,
        key_params=key_params,
        examples=tuple((overrides, ()) for overrides in examples),
        advise=advise,
        class_count=(lambda params: params.get("classes"))
        if classes == "param"
        else (lambda params: classes),
    )


def _fixed(features: tuple[int, ...], target: tuple[int, ...] = ()) -> InferFn:
    def infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
        return (BATCH, *features), (BATCH, *target)

    return infer


def _feature_count(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    return (BATCH, params["features"]), (BATCH,)


# -- synthetic ----------------------------------------------------------------------

SPIRALS = source(
    "Spirals",
    "Spirals",
    "Points on interleaved spiral arms, one class per arm. No straight line separates them, so "
    "a model without hidden layers fails here; a small MLP with a non-linear activation learns "
    "the curling boundary. More turns or noise make it harder.",
    (
        _samples(600),
        _classes(2, 8),
        FloatParam(name="turns", default=1.25, minimum=0.25, maximum=4.0, help="how far each arm winds"),
        _noise(0.05, help="standard deviation of the jitter around each arm"),
    ),
    _fixed((2,)),
    short_name="spirals",
    key_params=("classes", "noise"),
    examples=({}, {"classes": 3, "turns": 2.0, "noise": 0.1}),
)

MOONS = source(
    "Moons",
    "Two Moons",
    "Two interleaving half circles, one per class. The classic first non-linear problem: a "
    "single Linear layer draws a straight boundary and gets about 85% right; one hidden "
    "layer bends the boundary around the moons.",
    (_samples(500), _noise(0.1)),
    _fixed((2,)),
    short_name="moons",
    key_params=("noise",),
    examples=({}, {"samples": 200, "noise": 0.3}),
)

CIRCLES = source(
    "Circles",
    "Circles",
    "A ring of points around a smaller ring, one class each. The boundary is a circle, which "
    "no straight line can draw; a hidden layer (or a feature such as x^2 + y^2) solves it.",
    (
        _samples(500),
        _noise(0.05),
        FloatParam(
            name="factor", default=0.5, minimum=0.05, maximum=0.95, help="inner radius relative to the outer"
        ),
    ),
    _fixed((2,)),
    short_name="circles",
    key_params=("noise", "factor"),
    examples=({}, {"factor": 0.8, "noise": 0.1}),
)

XOR = source(
    "XorData",
    "XOR",
    "Points in a square, labelled 1 when x and y have different signs: the exclusive-or that "
    "Minsky and Papert showed a single perceptron cannot learn. Two hidden units are enough "
    "in principle; a few more make training reliable.",
    (_samples(400), _noise(0.0, help="jitter added after labelling, so points cross the axes")),
    _fixed((2,)),
    short_name="xor",
    key_params=("noise",),
    examples=({}, {"noise": 0.2}),
)

BLOBS = source(
    "Blobs",
    "Blobs",
    "Gaussian clouds of points, one per class, around random centres. With a small spread "
    "a single Linear layer separates them (softmax regression); a larger spread makes the "
    "clouds overlap so no model can be perfect.",
    (
        _samples(500),
        _classes(3, 10),
        _features(2),
        FloatParam(
            name="spread", default=1.0, minimum=0.05, maximum=10.0, help="standard deviation per cloud"
        ),
    ),
    _feature_count,
    short_name="blobs",
    key_params=("classes", "spread"),
    examples=({}, {"classes": 5, "features": 10, "spread": 2.0}),
)

LINEAR = source(
    "LinearlySeparable",
    "Linearly Separable",
    "Two classes on either side of a random flat boundary (a line in 2-D), kept apart by a "
    "margin. A single Linear layer, the perceptron, can learn it exactly; flipping some "
    "labels shows how a model copes with mistakes in its data.",
    (
        _samples(400),
        _features(2),
        FloatParam(
            name="margin", default=0.2, minimum=0.0, maximum=2.0, help="empty gap around the boundary"
        ),
        FloatParam(
            name="label_noise",
            default=0.0,
            minimum=0.0,
            maximum=0.5,
            help="share of labels flipped at random",
        ),
    ),
    _feature_count,
    short_name="linear_data",
    key_params=("margin", "label_noise"),
    examples=({}, {"features": 5, "label_noise": 0.1}),
)

SINE = source(
    "SineRegression",
    "Sine Regression",
    "Regression: predict y = sin(periods * pi * x) plus noise from x in [-1, 1]. The model "
    "outputs one number, trained with MSELoss against a float Target of shape [1]. More "
    "periods need more hidden units; watch the fitted curve follow the wave.",
    (
        _samples(400),
        _noise(0.1),
        FloatParam(name="periods", default=1.0, minimum=0.25, maximum=10.0, help="waves across [-1, 1]"),
    ),
    _fixed((1,), (1,)),
    short_name="sine",
    key_params=("periods", "noise"),
    examples=({}, {"periods": 3.0, "noise": 0.0}),
)


def _sequence_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    return (BATCH, params["seq_len"], 1), (BATCH, 1)


SEQUENCE = source(
    "SequenceData",
    "Sine Sequence",
    "A sequence task: each sample is seq_len noisy readings of a sine wave with a random "
    "phase and speed; the target is the next (clean) value. Features are (seq_len, 1), the "
    "layout RNN, LSTM and GRU expect; train with MSELoss against a float Target [1].",
    (
        _samples(1000),
        IntParam(name="seq_len", label="sequence length", default=20, minimum=2, maximum=500),
        _noise(0.05),
    ),
    _sequence_infer,
    short_name="sequence",
    key_params=("seq_len",),
    examples=({}, {"seq_len": 50, "noise": 0.2}),
)


# -- bundled with scikit-learn (loaded offline) --------------------------------------

IRIS = source(
    "Iris",
    "Iris",
    "150 iris flowers, 4 measurements each (sepal and petal length and width), in 3 species. "
    "Fisher's 1936 data set: one species is easy to tell apart, the other two overlap a "
    "little. A Linear layer already does well; a small MLP does a bit better.",
    (),
    _fixed((4,)),
    short_name="iris",
    scaling="standardize",
    examples=({}, {"scaling": "minmax", "test_fraction": 0.0}),
)

WINE = source(
    "Wine",
    "Wine",
    "178 wines from three cultivars, 13 chemical measurements each (alcohol, acidity, "
    "colour, ...). The measurements span very different ranges, which makes it a good "
    "lesson in scaling: compare training with scaling 'none' and 'standardize'.",
    (),
    _fixed((13,)),
    short_name="wine",
    scaling="standardize",
    examples=({}, {"scaling": "none"}),
)

BREAST_CANCER = source(
    "BreastCancer",
    "Breast Cancer",
    "569 tumour samples described by 30 measurements of their cell nuclei, labelled "
    "malignant (0) or benign (1). A binary classification with real medical data; "
    "standardize the features and a single Linear layer reaches about 95% accuracy.",
    (),
    _fixed((30,)),
    short_name="cancer",
    scaling="standardize",
    examples=({}, {"validation_fraction": 0.3}),
)


def _digits_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    return _fixed((1, 8, 8) if params["layout"] == "image" else (64,))(params, shapes)


def _digits_advice(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    if params["layout"] == "flat" and wants_augmentation(params):
        return ["augmentation works on images; choose layout 'image' or turn augmentation off"]
    return []


DIGITS = source(
    "Digits",
    "Digits (8x8)",
    "1797 handwritten digits 0-9 as tiny 8x8 grey images. Layout 'image' gives (1, 8, 8) for "
    "Conv2d layers, 'flat' gives 64 numbers for an MLP. Augmentation (shifts, noise) makes "
    "every epoch see slightly different images and reduces overfitting.",
    (ChoiceParam(name="layout", default="image", choices=LAYOUTS, help="images or flat vectors"),),
    _digits_infer,
    short_name="digits",
    scaling="minmax",
    augment=True,
    key_params=("layout",),
    examples=({}, {"layout": "flat", "scaling": "standardize"}, {"augment_shift": 1, "augment_noise": 0.1}),
    advise=_digits_advice,
)


# -- the user's own files -------------------------------------------------------------


def _file_error(exc: DataFileError) -> ShapeError:
    return ShapeError(f"cannot load its data: {exc}")


def read_csv_schema(params: Params) -> CsvSchema:
    """The CSV schema for a CsvData node's parameters, relative to the current base folder."""
    return csv_schema(
        params["path"],
        base=base_dir(),
        target=params["target"],
        task=params["task"],
        categorical=params["categorical"],
        ignore=params["ignore"],
        delimiter=params["delimiter"],
    )


def _csv_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    try:
        schema = read_csv_schema(params)
    except DataFileError as exc:
        raise _file_error(exc) from None
    return (BATCH, schema.width), ((BATCH,) if schema.task == CLASSIFICATION else (BATCH, 1))


def _task(default: str = CLASSIFICATION) -> ChoiceParam:
    return ChoiceParam(
        name="task", default=default, choices=TASKS, help="predict a class (a category) or a number"
    )


CSV = source(
    "CsvData",
    "CSV File",
    "Your own table: a .csv file whose first row names the columns. Choose the target column "
    "(empty means the last one); every other column is a feature. Text columns become one-hot "
    "columns (or integer codes); rows with missing values are dropped or filled with the "
    "training average. Relative paths start at the project's folder.",
    (
        PathParam(name="path", default="", patterns=("*.csv", "*.txt", "*.tsv"), help="the .csv file"),
        TextParam(name="target", default="", help="column to predict; empty means the last column"),
        _task(),
        ChoiceParam(
            name="categorical",
            default="one-hot",
            choices=CATEGORICAL_MODES,
            help="text columns: one 0/1 column per value, integer codes, or leave them out",
        ),
        ChoiceParam(
            name="missing",
            default="drop",
            choices=MISSING_MODES,
            help="rows with empty cells: drop them, or fill with the training mean (or most common value)",
        ),
        TextParam(name="ignore", default="", help="columns to leave out, separated by commas (e.g. an id)"),
        ChoiceParam(
            name="delimiter", default="comma", choices=tuple(DELIMITERS), help="what separates values"
        ),
    ),
    _csv_infer,
    short_name="csv",
    scaling="standardize",
    key_params=("path", "target", "task"),
    examples=({}, {"task": REGRESSION, "missing": "fill"}),
)


def read_numpy_source(params: Params) -> NumpySource:
    """The arrays a NumpyData node's parameters name, relative to the current base folder."""
    return numpy_source(params["path"], params["labels"], params["task"], base_dir())


def _numpy_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    try:
        data = read_numpy_source(params)
    except DataFileError as exc:
        raise _file_error(exc) from None
    return (BATCH, *data.feature_shape), (BATCH, *data.target_shape)


def _numpy_advice(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    if not wants_augmentation(params):
        return []
    x, _ = _numpy_infer(params, shapes)
    if len(x) != 4:
        return [
            "augmentation works on images shaped (channels, height, width); these samples are "
            f"{format_shape(x[1:])}, so it is skipped"
        ]
    return []


NUMPY = source(
    "NumpyData",
    "NumPy Arrays",
    "Your own arrays: an .npz saved with numpy.savez(path, x=features, y=labels), or a "
    "features .npy plus a labels .npy. x has one row per sample (images as (channels, "
    "height, width)); y holds class labels, or numbers for regression. Files are read "
    "safely: arrays of Python objects are refused.",
    (
        PathParam(
            name="path", default="", patterns=("*.npz", "*.npy"), help="the .npz, or the features .npy"
        ),
        PathParam(name="labels", default="", patterns=("*.npy",), help="labels .npy (empty for an .npz)"),
        _task(),
    ),
    _numpy_infer,
    short_name="arrays",
    augment=True,
    key_params=("path", "task"),
    examples=({}, {"task": REGRESSION}),
    advise=_numpy_advice,
)

SPECS = [
    SPIRALS,
    MOONS,
    CIRCLES,
    XOR,
    BLOBS,
    LINEAR,
    SINE,
    SEQUENCE,
    IRIS,
    WINE,
    BREAST_CANCER,
    DIGITS,
    CSV,
    NUMPY,
]
