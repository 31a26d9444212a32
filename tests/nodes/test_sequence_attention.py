"""Sequence and attention nodes: their messages and edge cases, judged against torch."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from backends.module_builder import build_model
from nodes.analysis import Analysis, analyze
from nodes.graph import GraphDocument

RECURRENT = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


def _single(type_id: str, shape: list[int], params: dict | None = None, *, tokens: bool = False):
    """A graph Input 'x' -> one node named 'layer'; returns the document, node id and analysis."""
    doc = GraphDocument("Case")
    x = doc.add_node("Input", name="x", params={"shape": shape, "dtype": "token ids" if tokens else "float"})
    node = doc.add_node(type_id, name="layer", params=params or {})
    doc.connect(x.id, "out", node.id, "in")
    return doc, node.id, analyze(doc)


def _errors(analysis: Analysis) -> list[str]:
    return [p.message for p in analysis.errors]


def _advice(analysis: Analysis) -> list[str]:
    return [p.message for p in analysis.warnings if p.code == "advice"]


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# --- attention heads ---------------------------------------------------------------


def test_heads_that_do_not_divide_embed_dim_are_an_error_naming_both() -> None:
    with pytest.raises(AssertionError):  # torch refuses the same configuration
        nn.MultiheadAttention(10, 4, batch_first=True)
    _, _, analysis = _single("SelfAttention", [5, 10], {"num_heads": 4})
    assert _errors(analysis) == [
        "Multi-head self-attention 'layer' needs embed_dim (10) divisible by num_heads (4), since "
        "each head gets an equal share of the features; try num_heads 1, 2, 5 or 10, or change "
        "the feature size"
    ]


def test_heads_that_do_not_divide_d_model_are_an_error_naming_both() -> None:
    with pytest.raises(AssertionError):
        nn.TransformerEncoderLayer(6, 4, batch_first=True)
    _, _, analysis = _single("TransformerEncoderLayer", [3, 6], {"nhead": 4})
    message = _errors(analysis)[0]
    assert message.startswith("Transformer encoder layer 'layer' needs d_model (6) divisible by nhead (4)")
    assert "try nhead 1, 2, 3 or 6" in message


@pytest.mark.parametrize("heads", [1, 2, 5, 10])
def test_suggested_head_counts_are_accepted(heads: int) -> None:
    _, _, analysis = _single("SelfAttention", [5, 10], {"num_heads": heads})
    assert not analysis.errors


def test_a_declared_embed_dim_must_match_the_input() -> None:
    _, _, analysis = _single("SelfAttention", [5, 8], {"embed_dim": 16})
    assert _errors(analysis) == [
        "Multi-head self-attention 'layer' expects 16 input features but receives 8 from 'x'; "
        "set embed_dim to 8, or to auto to follow the incoming wire"
    ]


# --- layout: every sequence layer needs (N, seq, features) --------------------------

SEQUENCE_LAYERS = [
    ("RNN", "RNN"),
    ("LSTM", "LSTM"),
    ("GRU", "GRU"),
    ("SelfAttention", "Multi-head self-attention"),
    ("TransformerEncoderLayer", "Transformer encoder layer"),
]


@pytest.mark.parametrize(("type_id", "title"), SEQUENCE_LAYERS)
def test_flat_features_are_refused_with_a_reshape_suggestion(type_id: str, title: str) -> None:
    _, _, analysis = _single(type_id, [16])
    (message,) = _errors(analysis)
    assert message.startswith(f"{title} 'layer' expects a sequence shaped (N, seq, features); ")
    assert "add a Reshape to [16, 1]" in message and "Embedding" in message
    assert message.endswith("It receives (N, 16) from 'x'")


@pytest.mark.parametrize(("type_id", "title"), SEQUENCE_LAYERS)
def test_images_are_refused_and_the_suggested_reshape_works(type_id: str, title: str) -> None:
    _, _, analysis = _single(type_id, [1, 28, 28])
    (message,) = _errors(analysis)
    assert message == (
        f"{title} 'layer' expects a sequence shaped (N, seq, features); add a Reshape to "
        "[28, 28] to read it as 28 steps of 28 features. It receives (N, 1, 28, 28) from 'x'"
    )
    doc = GraphDocument("Fixed")
    x = doc.add_node("Input", params={"shape": [1, 28, 28]})
    reshape = doc.add_node("Reshape", params={"shape": [28, 28]})
    layer = doc.add_node(type_id)
    doc.connect(x.id, "out", reshape.id, "in")
    doc.connect(reshape.id, "out", layer.id, "in")
    fixed = analyze(doc)
    assert not fixed.errors
    built = build_model(doc, fixed).model.eval()
    with torch.no_grad():
        out = built(torch.randn(2, 1, 28, 28))
    assert tuple(out.shape) == tuple(2 if d == "N" else d for d in fixed.output_shape(layer.id))


def test_token_ids_must_pass_through_an_embedding_first() -> None:
    _, _, analysis = _single("LSTM", [12], tokens=True)
    (message,) = _errors(analysis)
    assert message.startswith("LSTM 'layer' expects real-valued features but receives integer ids")
    assert "Embedding" in message


def test_embedding_refuses_real_values() -> None:
    _, _, analysis = _single("Embedding", [12])
    (message,) = _errors(analysis)
    assert message.startswith("Embedding 'layer' expects integer token ids but receives real values")


def test_embedding_padding_idx_must_be_a_valid_id() -> None:
    with pytest.raises(AssertionError):  # torch agrees
        nn.Embedding(10, 4, padding_idx=10)
    _, _, analysis = _single("Embedding", [5], {"num_embeddings": 10, "padding_idx": 10}, tokens=True)
    assert _errors(analysis) == [
        "Embedding 'layer' has padding_idx 10 but only 10 embeddings (ids 0 to 9); "
        "choose a padding_idx below 10"
    ]


def test_embedding_then_lstm_matches_torch() -> None:
    doc = GraphDocument("Text")
    x = doc.add_node("Input", params={"shape": [12], "dtype": "token ids"})
    embed = doc.add_node("Embedding", params={"num_embeddings": 50, "embedding_dim": 8, "padding_idx": 0})
    lstm = doc.add_node("LSTM", name="lstm", params={"hidden_size": 32})
    doc.connect(x.id, "out", embed.id, "in")
    doc.connect(embed.id, "out", lstm.id, "in")
    analysis = analyze(doc)
    assert analysis.output_shape(embed.id) == ("N", 12, 8)
    built = build_model(doc, analysis)
    assert "self.lstm = nn.LSTM(8, 32, batch_first=True)" in built.code.source
    assert "self.lstm(embed1)[0][:, -1]" in built.code.source
    reference = nn.Sequential(nn.Embedding(50, 8, padding_idx=0), nn.LSTM(8, 32, batch_first=True))
    assert analysis.totals().trainable == _count(reference)
    ids = torch.randint(0, 50, (4, 12))
    reference[0].load_state_dict(built.model.embed1.state_dict())
    reference[1].load_state_dict(built.model.lstm.state_dict())
    with torch.no_grad():
        assert torch.equal(built.model(ids), reference(ids)[0][:, -1])


# --- recurrent layers against torch ---------------------------------------------------


@pytest.mark.parametrize("type_id", sorted(RECURRENT))
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_last_step_matches_torch(type_id: str, num_layers: int, bidirectional: bool) -> None:
    params = {"hidden_size": 7, "num_layers": num_layers, "bidirectional": bidirectional}
    doc, node_id, analysis = _single(type_id, [6, 5], params)
    assert not analysis.errors
    directions = 2 if bidirectional else 1
    assert analysis.output_shape(node_id) == ("N", 7 * directions)
    reference = RECURRENT[type_id](5, 7, num_layers=num_layers, bidirectional=bidirectional, batch_first=True)
    assert analysis.info[node_id].count.trainable == _count(reference)
    built = build_model(doc, analysis)
    reference.load_state_dict(built.model.layer.state_dict())
    x = torch.randn(4, 6, 5)
    with torch.no_grad():
        got = built.model(x)
        sequence, hidden = reference(x)
    h_n = hidden[0] if type_id == "LSTM" else hidden
    # The forward direction ends at the last step, the backward direction at the first.
    assert torch.equal(got[:, :7], sequence[:, -1, :7])
    assert torch.allclose(got[:, :7], h_n[-directions])
    if bidirectional:
        assert torch.equal(got[:, 7:], sequence[:, 0, 7:])
        assert torch.allclose(got[:, 7:], h_n[-1])


@pytest.mark.parametrize("type_id", sorted(RECURRENT))
def test_recurrent_sequence_output_keeps_every_step(type_id: str) -> None:
    params = {"hidden_size": 4, "bidirectional": True, "output": "sequence", "num_layers": 2}
    doc, node_id, analysis = _single(type_id, [9, 3], params)
    assert analysis.output_shape(node_id) == ("N", 9, 8)
    built = build_model(doc, analysis)
    with torch.no_grad():
        assert tuple(built.model(torch.randn(2, 9, 3)).shape) == (2, 9, 8)


def test_rnn_relu_and_no_bias_are_written_and_counted() -> None:
    params = {"hidden_size": 6, "nonlinearity": "relu", "bias": False}
    doc, node_id, analysis = _single("RNN", [4, 3], params)
    built = build_model(doc, analysis)
    assert "nn.RNN(3, 6, nonlinearity='relu', bias=False, batch_first=True)" in built.code.source
    reference = nn.RNN(3, 6, nonlinearity="relu", bias=False, batch_first=True)
    assert analysis.info[node_id].count.trainable == _count(reference)


def test_a_declared_input_size_must_match() -> None:
    _, _, analysis = _single("GRU", [5, 4], {"input_size": 8})
    assert _errors(analysis) == [
        "GRU 'layer' expects 8 input features but receives 4 from 'x'; "
        "set input_size to 4, or to auto to follow the incoming wire"
    ]


# --- the dropout advice ----------------------------------------------------------------


def test_dropout_with_one_layer_is_advised_against_as_torch_warns() -> None:
    with pytest.warns(UserWarning, match="dropout"):
        nn.LSTM(4, 4, dropout=0.2, batch_first=True)
    _, _, analysis = _single("LSTM", [5, 4], {"dropout": 0.2})
    assert not analysis.errors
    assert _advice(analysis) == [
        "LSTM 'layer': dropout 0.2 has no effect with num_layers 1: it only acts between stacked "
        "layers; raise num_layers, or add a Dropout node after this layer instead"
    ]


@pytest.mark.parametrize(("dropout", "num_layers"), [(0.2, 2), (0.0, 1)])
def test_no_dropout_advice_when_it_acts(dropout: float, num_layers: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(4, 4, num_layers=num_layers, dropout=dropout, batch_first=True)
    _, _, analysis = _single("GRU", [5, 4], {"dropout": dropout, "num_layers": num_layers})
    assert _advice(analysis) == []


# --- attention layers against torch ---------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_self_attention_matches_torch(bias: bool) -> None:
    doc, node_id, analysis = _single("SelfAttention", [5, 8], {"num_heads": 2, "bias": bias})
    assert analysis.output_shape(node_id) == ("N", 5, 8)
    built = build_model(doc, analysis)
    assert "self.layer(x, x, x, need_weights=False)[0]" in built.code.source
    reference = nn.MultiheadAttention(8, 2, bias=bias, batch_first=True)
    assert analysis.info[node_id].count.trainable == _count(reference)
    reference.load_state_dict(built.model.layer.state_dict())
    x = torch.randn(3, 5, 8)
    built.model.eval()
    reference.eval()
    with torch.no_grad():
        assert torch.allclose(built.model(x), reference(x, x, x)[0], atol=1e-6)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"dim_feedforward": 20, "activation": "gelu", "norm_first": True},
        {"nhead": 2, "dim_feedforward": 7, "bias": False, "dropout": 0.0},
    ],
)
def test_transformer_encoder_layer_matches_torch(params: dict) -> None:
    doc, node_id, analysis = _single("TransformerEncoderLayer", [6, 12], params)
    assert analysis.output_shape(node_id) == ("N", 6, 12)
    merged = {"nhead": 4, "dim_feedforward": 256, "activation": "relu", "norm_first": False, "bias": True}
    merged.update({k: v for k, v in params.items() if k != "dropout"})
    reference = nn.TransformerEncoderLayer(12, batch_first=True, **merged)
    assert analysis.info[node_id].count.trainable == _count(reference)
    built = build_model(doc, analysis)
    reference.load_state_dict(built.model.layer.state_dict())
    x = torch.randn(2, 6, 12)
    built.model.eval()
    reference.eval()
    with torch.no_grad():
        assert torch.allclose(built.model(x), reference(x), atol=1e-5)
