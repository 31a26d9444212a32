"""Layers for sequences: token embeddings and the recurrent family (RNN, LSTM, GRU).

Sequences are batch first, (N, seq, features), everywhere in netcanvas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nodes.catalog._helpers import resolve_auto, weights
from nodes.catalog._sequences import sequence_dims
from nodes.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param
from nodes.shapes import Shape, ShapeError
from nodes.spec import Arg, Category, DType, NodeSpec, ParamCount, Params

OUTPUT_SEQUENCE = "sequence"
OUTPUT_LAST = "last step"

# --- Embedding ------------------------------------------------------------------


def _embedding_check(params: Params) -> None:
    padding, size = params.get("padding_idx"), params["num_embeddings"]
    if padding is not None and padding >= size:
        raise ShapeError(
            f"has padding_idx {padding} but only {size} embeddings (ids 0 to {size - 1}); "
            f"choose a padding_idx below {size}"
        )


def _embedding_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _embedding_check(params)
    return ((*shapes[0], params["embedding_dim"]),)


def _embedding_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return [
        Arg("num_embeddings", params["num_embeddings"]),
        Arg("embedding_dim", params["embedding_dim"]),
        Arg("padding_idx", params.get("padding_idx"), None),
    ]


EMBEDDING = NodeSpec(
    type_id="Embedding",
    category=Category.LAYER,
    title="Embedding",
    explanation=(
        "A lookup table that turns whole-number ids (words, characters, categories) into "
        "learned vectors: id 7 selects row 7 of a num_embeddings x embedding_dim table. "
        "Use it first on text or other token ids, so that later layers receive real-valued "
        "features; (N, seq) ids become (N, seq, embedding_dim). Every id must be below "
        "num_embeddings, the vocabulary size."
    ),
    params=(
        IntParam(
            name="num_embeddings",
            default=100,
            minimum=1,
            maximum=10_000_000,
            help="vocabulary size: how many different ids there are",
        ),
        IntParam(
            name="embedding_dim",
            default=16,
            minimum=1,
            maximum=100_000,
            help="length of the vector learned for each id",
        ),
        IntParam(
            name="padding_idx",
            default=None,
            optional=True,
            minimum=0,
            maximum=10_000_000,
            help="an id whose vector stays zero and is never trained (for padding); auto means none",
        ),
    ),
    infer=_embedding_infer,
    torch_class="torch.nn.Embedding",
    module_args=_embedding_args,
    count=lambda params, shapes: weights(params["num_embeddings"] * params["embedding_dim"]),
    short_name="embed",
    key_params=("num_embeddings", "embedding_dim"),
    input_dtype=DType.INDEX,
    output_dtype=DType.FLOAT,
    examples=(
        ({}, (("N", 12),)),
        ({"num_embeddings": 10, "embedding_dim": 4, "padding_idx": 0}, (("N", 5, 3),)),
        ({"num_embeddings": 2, "embedding_dim": 7}, (("N", 1),)),
    ),
)

# --- RNN, LSTM, GRU -------------------------------------------------------------


def _directions(params: Params) -> int:
    return 2 if params["bidirectional"] else 1


def _recurrent_in(params: Params, shapes: Sequence[Shape]) -> int:
    _, width = sequence_dims(shapes[0])
    return resolve_auto(params, "input_size", width, "input features")


def _recurrent_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _recurrent_in(params, shapes)
    steps, _ = sequence_dims(shapes[0])
    width = params["hidden_size"] * _directions(params)
    if params["output"] == OUTPUT_LAST:
        return ((shapes[0][0], width),)
    return ((shapes[0][0], steps, width),)


def _recurrent_forward(has_cell_state: bool):
    def forward(ref: str, inputs: Sequence[str], params: Params) -> str:
        # Recurrent modules return (every step's output, final hidden state).
        if params["output"] != OUTPUT_LAST:
            return f"{ref}({inputs[0]})[0]"
        if not params["bidirectional"]:
            return f"{ref}({inputs[0]})[0][:, -1]"
        # Both directions' final states: the backward pass ends at the first step, so
        # outputs[:, -1] would hold a backward state that has read only one step.
        final = f"{ref}({inputs[0]})[1]" + ("[0]" if has_cell_state else "")
        return f"{final}[-2:].transpose(0, 1).flatten(1)"

    return forward


def _recurrent_advise(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    if params["dropout"] > 0 and params["num_layers"] == 1:
        return [
            f"dropout {params['dropout']:g} has no effect with num_layers 1: it only acts between "
            "stacked layers; raise num_layers, or add a Dropout node after this layer instead"
        ]
    return []


def _recurrent_params(extra: tuple[Param, ...]) -> tuple[Param, ...]:
    return (
        IntParam(
            name="input_size",
            default=None,
            optional=True,
            minimum=1,
            maximum=1_000_000,
            help="features per time step; auto takes it from the incoming wire",
        ),
        IntParam(
            name="hidden_size",
            default=32,
            minimum=1,
            maximum=100_000,
            help="size of the hidden state: the memory carried from step to step",
        ),
        IntParam(
            name="num_layers",
            default=1,
            minimum=1,
            maximum=32,
            help="recurrent layers stacked on each other, each reading the previous one's outputs",
        ),
        *extra,
        BoolParam(name="bias", default=True, help="learn additive biases"),
        BoolParam(
            name="bidirectional",
            default=False,
            help="also read the sequence backwards; doubles the output features",
        ),
        FloatParam(
            name="dropout",
            default=0.0,
            minimum=0.0,
            maximum=1.0,
            max_exclusive=True,
            help="dropout between stacked layers (needs num_layers of 2 or more)",
        ),
        ChoiceParam(
            name="output",
            default=OUTPUT_LAST,
            choices=(OUTPUT_SEQUENCE, OUTPUT_LAST),
            help="every step's output (N, seq, hidden), e.g. to stack another recurrent layer, "
            "or only the final step's (N, hidden), e.g. to classify the whole sequence",
        ),
    )


def _recurrent_spec(
    *,
    type_id: str,
    title: str,
    gates: int,
    explanation: str,
    short_name: str,
    extra_params: tuple[Param, ...] = (),
    extra_args: tuple[tuple[str, Any], ...] = (),
    examples: tuple[tuple[dict[str, Any], tuple[Shape, ...]], ...],
) -> NodeSpec:
    """One recurrent node type; `gates` is how many weight blocks each layer learns."""

    def args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
        return [
            Arg("input_size", _recurrent_in(params, shapes)),
            Arg("hidden_size", params["hidden_size"]),
            Arg("num_layers", params["num_layers"], 1),
            *(Arg(name, params[name], default) for name, default in extra_args),
            Arg("bias", params["bias"], True),
            Arg("batch_first", True, False),
            Arg("dropout", params["dropout"], 0.0),
            Arg("bidirectional", params["bidirectional"], False),
        ]

    def count(params: Params, shapes: Sequence[Shape]) -> ParamCount:
        hidden, directions = params["hidden_size"], _directions(params)
        size = gates * hidden
        total = 0
        for layer in range(params["num_layers"]):
            n_in = _recurrent_in(params, shapes) if layer == 0 else hidden * directions
            per_direction = size * n_in + size * hidden + (2 * size if params["bias"] else 0)
            total += per_direction * directions
        return weights(total)

    return NodeSpec(
        type_id=type_id,
        category=Category.LAYER,
        title=title,
        explanation=explanation,
        params=_recurrent_params(extra_params),
        infer=_recurrent_infer,
        torch_class=f"torch.nn.{type_id}",
        module_args=args,
        forward=_recurrent_forward(type_id == "LSTM"),
        count=count,
        advise=_recurrent_advise,
        short_name=short_name,
        key_params=("hidden_size", "output"),
        examples=examples,
    )


RNN = _recurrent_spec(
    type_id="RNN",
    title="RNN",
    gates=1,
    explanation=(
        "A simple recurrent layer: it reads a sequence (N, seq, features) one step at a time, "
        "mixing each step with a hidden state that remembers what came before. Good for "
        "learning how recurrence works on short sequences; over long ones its memory fades "
        "(vanishing gradients), which LSTM and GRU were designed to fix."
    ),
    short_name="rnn",
    extra_params=(
        ChoiceParam(
            name="nonlinearity",
            default="tanh",
            choices=("tanh", "relu"),
            help="squashing function applied to the hidden state at each step",
        ),
    ),
    extra_args=(("nonlinearity", "tanh"),),
    examples=(
        ({"hidden_size": 8}, (("N", 5, 3),)),
        (
            {
                "hidden_size": 6,
                "num_layers": 2,
                "nonlinearity": "relu",
                "bidirectional": True,
                "dropout": 0.1,
                "output": OUTPUT_SEQUENCE,
            },
            (("N", 4, 2),),
        ),
        ({"input_size": 4, "hidden_size": 5, "bias": False}, (("N", 7, 4),)),
    ),
)

LSTM = _recurrent_spec(
    type_id="LSTM",
    title="LSTM",
    gates=4,
    explanation=(
        "Long short-term memory: a recurrent layer whose gates decide, at every step of a "
        "sequence (N, seq, features), what to forget, what to store and what to output. It "
        "keeps information over far longer sequences than a plain RNN, and is a strong "
        "default for text, time series and other ordered data. Choose output 'last step' to "
        "classify a whole sequence, 'sequence' to feed another layer per step."
    ),
    short_name="lstm",
    examples=(
        ({"hidden_size": 32}, (("N", 6, 8),)),
        ({"hidden_size": 5, "num_layers": 3, "dropout": 0.2, "output": OUTPUT_SEQUENCE}, (("N", 4, 3),)),
        ({"input_size": 2, "hidden_size": 4, "bidirectional": True, "bias": False}, (("N", 9, 2),)),
    ),
)

GRU = _recurrent_spec(
    type_id="GRU",
    title="GRU",
    gates=3,
    explanation=(
        "Gated recurrent unit: like an LSTM it uses gates to decide what to remember at each "
        "step of a sequence (N, seq, features), but with a simpler design and about a quarter "
        "fewer parameters. Often trains as well as an LSTM and a little faster; a good choice "
        "for small data sets."
    ),
    short_name="gru",
    examples=(
        ({"hidden_size": 16, "output": OUTPUT_SEQUENCE}, (("N", 5, 4),)),
        ({"hidden_size": 3, "num_layers": 2, "bidirectional": True}, (("N", 6, 7),)),
        ({"input_size": 1, "hidden_size": 2, "bias": False}, (("N", 10, 1),)),
    ),
)

SPECS = [EMBEDDING, RNN, LSTM, GRU]
