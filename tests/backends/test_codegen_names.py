"""User text never becomes code: hostile names turn into safe identifiers or comments."""

from __future__ import annotations

import io
import keyword
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
import torch
from torch import nn

from backends.codegen.model_source import generate_model
from backends.codegen.naming import MODULE_ATTRIBUTES, RESERVED, Namespace, to_class_name
from backends.module_builder import build_model
from nodes.analysis import analyze
from nodes.graph import GraphDocument

HOSTILE = [
    "fc1",
    "fc1",  # duplicate
    "__import__('os').system('echo PWNED')",
    'x"); import os; os.system("echo PWNED")  #',
    "line\nbreak = 1\nimport os",
    "class",
    "print",
    "self",
    "torch",
    "forward",
    "training",
    "eval",
    "Ünïcödé layer ✓",
    "😀",
    "",
    "123abc",
    "a\u2028b",
    "x1",
]


def hostile_chain(names: list[str], project: str = "My 'model'\nimport os") -> GraphDocument:
    doc = GraphDocument(project, description='first line\n# second\n"""import os"""')
    previous = doc.add_node("Input", name="x1", params={"shape": [3]}).id
    for name in names:
        node = doc.add_node("Linear", name=name, params={"out_features": 3})
        doc.connect(previous, "out", node.id, "in")
        previous = node.id
    return doc


def code_names(source: str) -> set[str]:
    """Every identifier token outside comments and strings."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.string for t in tokens if t.type == tokenize.NAME}


def test_hostile_names_compile_to_unique_safe_identifiers(tmp_path: Path) -> None:
    doc = hostile_chain(HOSTILE)
    built = build_model(doc)
    names = list(built.code.attribute_names.values())
    assert len(set(names)) == len(names) == len(HOSTILE)
    for name in names:
        assert name.isidentifier() and name.isascii()
        assert not keyword.iskeyword(name) and name not in RESERVED
    # Nothing a user typed became a name the generated code uses, except as a sanitised identifier.
    assert not {"os", "system", "__import__", "echo", "PWNED"} & code_names(built.code.source)
    out = built.model(torch.randn(2, 3))
    assert out.shape == (2, 3)


def test_exported_file_runs_alone_and_names_nothing_dangerous(tmp_path: Path) -> None:
    doc = hostile_chain(HOSTILE)
    source = generate_model(doc, analyze(doc)).source
    target = tmp_path / "model.py"
    target.write_text(source, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-I", str(target)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "PWNED" not in result.stdout + result.stderr
    assert "output shape: (4, 3)" in result.stdout


def test_user_text_stays_inside_comments() -> None:
    doc = hostile_chain(["a"])
    source = generate_model(doc, analyze(doc)).source
    for line in source.splitlines():
        if "import os" in line:
            assert line.lstrip().startswith("#"), line
    compile(source, "<test>", "exec")


def test_module_attribute_list_covers_torch() -> None:
    public = {n for n in dir(nn.Module) if not n.startswith("_")}
    instance = {n for n in vars(nn.Module()) if not n.startswith("_")}
    assert public | instance <= MODULE_ATTRIBUTES


def test_namespace_is_stable_and_unique() -> None:
    names = Namespace()
    first = names.claim("a", "Hidden Layer")
    assert first == "hidden_layer"
    assert names.claim("a", "something else") == first
    assert names.claim("b", "Hidden Layer") == "hidden_layer_2"
    assert names.claim("c", "lambda") == "lambda_"
    assert names.claim("d", "lambda") == "lambda_2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("xor mlp", "XorMlp"),
        ("MLP for XOR", "MLPForXOR"),
        ("2 spirals", "Net2Spirals"),
        ("", "Net"),
        ("Ünï", "Uni"),
    ],
)
def test_class_names(text: str, expected: str) -> None:
    assert to_class_name(text) == expected
