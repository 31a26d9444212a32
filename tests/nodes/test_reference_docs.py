from pathlib import Path

from nodes import registry
from nodes.reference import reference_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "nodes.md"


def test_committed_node_reference_matches_the_catalog() -> None:
    assert DOC.read_text(encoding="utf-8") == reference_markdown(), (
        "run: python -m nodes.reference > docs/nodes.md"
    )


def test_every_node_type_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for spec in registry.all_specs():
        assert f"(`{spec.type_id}`)" in text
