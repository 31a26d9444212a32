"""Data set nodes: declarations, shape inference from parameters and file headers, and
what analysis shows when a user's file is missing or broken. Pure Python, no torch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nodes import registry
from nodes.analysis import analyze
from nodes.catalog import datasets
from nodes.datafiles import DataFileError, resolve_path, using_base_dir
from nodes.datafiles.csv_schema import csv_schema
from nodes.datafiles.npy_header import npy_info, npz_info
from nodes.graph import GraphDocument
from nodes.params import ParamError, PathParam, TextParam
from nodes.shapes import ShapeError
from nodes.spec import Category, Role

SOURCES = [spec for spec in registry.all_specs() if spec.role is Role.SOURCE]
ROOT = Path(__file__).resolve().parents[2]

MIXED_CSV = """\
id,age,colour,height,label
1,31,red,1.70,yes
2,,green,1.62,no
3,45,blue,1.80,maybe
4,28,red,,yes
5,52,green,1.75,no
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def infer(type_id: str, **overrides: object) -> tuple:
    spec = registry.get(type_id)
    params = {p.name: p.coerce(overrides.get(p.name, p.default)) for p in spec.params}
    return spec.infer(params, ())


# -- declarations -------------------------------------------------------------------


def test_every_source_type_is_declared() -> None:
    expected = {
        "Spirals",
        "Moons",
        "Circles",
        "XorData",
        "Blobs",
        "LinearlySeparable",
        "SineRegression",
        "SequenceData",
        "Iris",
        "Wine",
        "BreastCancer",
        "Digits",
        "CsvData",
        "NumpyData",
    }
    assert {spec.type_id for spec in SOURCES} == expected
    assert {spec.type_id for spec in datasets.SPECS} == expected


@pytest.mark.parametrize("spec", SOURCES, ids=lambda s: s.type_id)
def test_source_declaration(spec) -> None:
    assert spec.category is Category.DATA
    assert spec.inputs == ()
    assert [p.name for p in spec.outputs] == ["x", "y"]
    assert len(spec.explanation) >= 80
    for name in ("seed", "validation_fraction", "test_fraction", "scaling"):
        assert spec.has_param(name), name
    assert spec.examples and all(shapes == () for _, shapes in spec.examples)
    for param in spec.params:
        if hasattr(param, "minimum") and param.minimum is not None:
            assert param.maximum is not None, f"{param.name} needs a range"


def test_image_sources_offer_augmentation() -> None:
    with_flags = {s.type_id for s in SOURCES if s.has_param("augment_flip")}
    assert with_flags == {"Digits", "NumpyData"}


@pytest.mark.parametrize(
    ("type_id", "overrides", "x", "y"),
    [
        ("Spirals", {"classes": 5}, ("N", 2), ("N",)),
        ("Moons", {}, ("N", 2), ("N",)),
        ("Circles", {}, ("N", 2), ("N",)),
        ("XorData", {}, ("N", 2), ("N",)),
        ("Blobs", {"features": 7}, ("N", 7), ("N",)),
        ("LinearlySeparable", {"features": 3}, ("N", 3), ("N",)),
        ("SineRegression", {}, ("N", 1), ("N", 1)),
        ("SequenceData", {"seq_len": 12}, ("N", 12, 1), ("N", 1)),
        ("Iris", {}, ("N", 4), ("N",)),
        ("Wine", {}, ("N", 13), ("N",)),
        ("BreastCancer", {}, ("N", 30), ("N",)),
        ("Digits", {}, ("N", 1, 8, 8), ("N",)),
        ("Digits", {"layout": "flat"}, ("N", 64), ("N",)),
    ],
)
def test_infer_from_parameters(type_id: str, overrides: dict, x: tuple, y: tuple) -> None:
    assert infer(type_id, **overrides) == (x, y)


def test_infer_does_not_need_numpy_or_torch(tmp_path: Path) -> None:
    write(tmp_path, "table.csv", MIXED_CSV)
    np.savez(tmp_path / "arrays.npz", x=np.zeros((5, 1, 4, 4), np.float32), y=np.arange(5))
    script = textwrap.dedent(
        f"""
        import sys
        from nodes.catalog import datasets
        from nodes.datafiles import using_base_dir
        with using_base_dir({str(tmp_path)!r}):
            for spec in datasets.SPECS:
                params = spec.defaults()
                files = {{"CsvData": "table.csv", "NumpyData": "arrays.npz"}}
                params.update(path=files.get(spec.type_id, ""))
                spec.infer(params, ())
        heavy = [m for m in ("numpy", "torch", "sklearn") if m in sys.modules]
        assert not heavy, heavy
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# -- CSV schema ------------------------------------------------------------------------


def test_csv_schema_one_hot(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", MIXED_CSV)
    schema = csv_schema(str(path))
    assert [f.name for f in schema.features] == ["id", "age", "colour", "height"]
    assert schema.target.name == "label"  # empty target means the last column
    assert schema.classes == ("maybe", "no", "yes")
    assert schema.width == 3 + 3
    assert schema.feature_names() == ["id", "age", "colour=blue", "colour=green", "colour=red", "height"]
    assert infer("CsvData", path=str(path)) == (("N", 6), ("N",))


@pytest.mark.parametrize(
    ("overrides", "x", "y"),
    [
        ({"categorical": "ordinal"}, ("N", 4), ("N",)),
        ({"categorical": "drop"}, ("N", 3), ("N",)),
        ({"ignore": "id, colour"}, ("N", 2), ("N",)),
        ({"target": "height", "task": "regression"}, ("N", 8), ("N", 1)),  # label is one-hot too
        ({"target": "colour", "ignore": "id"}, ("N", 5), ("N",)),
    ],
)
def test_csv_options_change_the_shape(tmp_path: Path, overrides: dict, x: tuple, y: tuple) -> None:
    path = write(tmp_path, "t.csv", MIXED_CSV)
    assert infer("CsvData", path=str(path), **overrides) == (x, y)


def test_csv_numeric_classes_are_matched_by_value(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", "a,b\n1,2\n2,1.0\n3,1\n4,10\n")
    schema = csv_schema(str(path))
    assert schema.classes == ("1", "2", "10")
    assert schema.numeric_classes


def test_csv_semicolons_and_tabs(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "a;b;c\n1;2;x\n3;4;y\n")
    assert infer("CsvData", path=str(path), delimiter="semicolon") == (("N", 2), ("N",))
    path = write(tmp_path, "t.tsv", "a\tb\n1\tx\n3\ty\n")
    assert infer("CsvData", path=str(path), delimiter="tab") == (("N", 1), ("N",))


def test_relative_paths_resolve_against_the_base_folder(tmp_path: Path) -> None:
    write(tmp_path, "t.csv", MIXED_CSV)
    with using_base_dir(tmp_path):
        assert resolve_path("t.csv") == tmp_path / "t.csv"
        assert infer("CsvData", path="t.csv") == (("N", 6), ("N",))
    assert resolve_path("t.csv", tmp_path / "sub") == tmp_path / "sub" / "t.csv"
    assert resolve_path(str(tmp_path / "t.csv"), "/elsewhere") == tmp_path / "t.csv"


def test_the_cache_notices_a_changed_file(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "a,b,label\n1,2,x\n3,4,y\n")
    assert infer("CsvData", path=str(path)) == (("N", 2), ("N",))
    path.write_text("a,label\n1,x\n3,y\n", encoding="utf-8")
    assert infer("CsvData", path=str(path)) == (("N", 1), ("N",))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["is empty"]),
        ("a,b,label\n", ["no data rows"]),
        ("a,label\n1,x\n2,x\n3,x\n", ["column 'label'", "only one class", "'x'"]),
        ("a,b,label\n1,2,x\n3,4\n", ["row 3", "has 2 values", "3 columns"]),
        ("a,a,label\n1,2,x\n", ["row 1", "'a' twice"]),
        (
            "age,label\n1,x\n2,y\n3,x\n4,y\nabc,x\n6,y\n7,x\n8,y\n",
            ["row 6", "column 'age'", "'abc' is not a number"],
        ),
        ("age,label\n1,x\ninf,y\n", ["row 3", "column 'age'", "infinite"]),
        ("a,label\n1,x\n2,y\n", None),  # fine
    ],
)
def test_csv_mistakes_name_row_and_column(tmp_path: Path, text: str, words: list[str] | None) -> None:
    path = write(tmp_path, "bad.csv", text)
    if words is None:
        csv_schema(str(path))
        return
    with pytest.raises(DataFileError) as info:
        csv_schema(str(path))
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_csv_target_and_ignore_names_are_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", MIXED_CSV)
    with pytest.raises(DataFileError, match=r"no column 'lable'.*'label'"):
        csv_schema(str(path), target="lable")
    with pytest.raises(DataFileError, match="no column 'nope' to ignore"):
        csv_schema(str(path), ignore="nope")
    with pytest.raises(DataFileError, match=r"row 2, column 'colour'.*must be numeric"):
        csv_schema(str(path), target="colour", task="regression")


def test_csv_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("a,label\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="UTF-8"):
        csv_schema(str(path))


def test_too_many_levels_for_one_hot(tmp_path: Path) -> None:
    rows = "".join(f"name{i},{i % 2}\n" for i in range(150))
    path = write(tmp_path, "ids.csv", "name,label\n" + rows)
    with pytest.raises(DataFileError, match=r"column 'name'.*too many for one-hot"):
        csv_schema(str(path))
    assert csv_schema(str(path), categorical="ordinal").width == 1


# -- NumPy headers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("array", "version"),
    [
        (np.zeros((7, 3), np.float32), None),
        (np.zeros((4, 1, 5, 5), np.uint8), None),
        (np.array(["a", "bb", "c"]), None),
        (np.zeros((6,), np.int64), (2, 0)),
        (np.zeros((2, 2), ">f8"), (3, 0)),
        (np.asfortranarray(np.zeros((3, 4))), None),
    ],
)
def test_npy_header_matches_numpy(tmp_path: Path, array: np.ndarray, version: tuple | None) -> None:
    path = tmp_path / "a.npy"
    with open(path, "wb") as handle:
        np.lib.format.write_array(handle, array, version=version)
    info = npy_info(str(path))
    assert info.shape == array.shape
    assert info.kind == array.dtype.kind


def test_npz_headers_compressed(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez_compressed(path, x=np.zeros((9, 2, 3)), y=np.arange(9), extra=np.ones(1))
    infos = npz_info(str(path))
    assert infos["x"].shape == (9, 2, 3) and infos["y"].kind == "i" and "extra" in infos


@pytest.mark.parametrize(
    ("files", "overrides", "x", "y"),
    [
        ({"d.npz": {"x": np.zeros((9, 1, 6, 6)), "y": np.arange(9)}}, {}, ("N", 1, 6, 6), ("N",)),
        (
            {"d.npz": {"x": np.zeros((9, 3)), "y": np.zeros((9, 2))}},
            {"task": "regression"},
            ("N", 3),
            ("N", 2),
        ),
        ({"d.npz": {"x": np.zeros(9), "y": np.zeros((9, 1))}}, {}, ("N", 1), ("N",)),
        ({"x.npy": np.zeros((5, 4)), "y.npy": np.zeros(5)}, {"labels": "y.npy"}, ("N", 4), ("N",)),
        (
            {"x.npy": np.zeros((5, 4)), "y.npy": np.zeros(5)},
            {"labels": "y.npy", "task": "regression"},
            ("N", 4),
            ("N", 1),
        ),
    ],
)
def test_numpy_infer(tmp_path: Path, files: dict, overrides: dict, x: tuple, y: tuple) -> None:
    for name, content in files.items():
        if name.endswith(".npz"):
            np.savez(tmp_path / name, **content)
        else:
            np.save(tmp_path / name, content)
    with using_base_dir(tmp_path):
        assert infer("NumpyData", path=next(iter(files)), **overrides) == (x, y)


@pytest.mark.parametrize(
    ("setup", "overrides", "words"),
    [
        (lambda d: np.savez(d / "d.npz", x=np.zeros((3, 2))), {"path": "d.npz"}, ["d.npz", "no array 'y'"]),
        (
            lambda d: np.savez(d / "d.npz", x=np.zeros((3, 2)), y=np.zeros(4)),
            {"path": "d.npz"},
            ["d.npz[y]", "4 labels", "3 samples"],
        ),
        (
            lambda d: np.save(d / "o.npy", np.array([{}, 1], dtype=object), allow_pickle=True),
            {"path": "o.npy", "labels": "o.npy"},
            ["o.npy", "Python objects"],
        ),
        (
            lambda d: (d / "g.npy").write_bytes(b"garbage"),
            {"path": "g.npy", "labels": "g.npy"},
            ["not a NumPy"],
        ),
        (lambda d: (d / "g.npz").write_bytes(b"garbage"), {"path": "g.npz"}, ["not a NumPy .npz"]),
        (lambda d: np.save(d / "x.npy", np.zeros((3, 2))), {"path": "x.npy"}, ["x.npy", "labels"]),
        (
            lambda d: np.savez(d / "d.npz", x=np.zeros((3, 2)), y=np.zeros((3, 2))),
            {"path": "d.npz"},
            ["one label per sample", "regression"],
        ),
        (lambda d: None, {"path": "missing.npz"}, ["missing.npz", "does not exist"]),
    ],
)
def test_numpy_mistakes(tmp_path: Path, setup, overrides: dict, words: list[str]) -> None:
    setup(tmp_path)
    with using_base_dir(tmp_path), pytest.raises(ShapeError) as info:
        infer("NumpyData", **overrides)
    for word in words:
        assert word in str(info.value)


# -- analysis of graphs with data sets --------------------------------------------------


def wired(type_id: str, params: dict, x_shape: list[int], y_shape: list[int], y_dtype: str) -> tuple:
    doc = GraphDocument("Data")
    data = doc.add_node(type_id, params=params)
    x = doc.add_node("Input", params={"shape": x_shape})
    y = doc.add_node("Target", params={"shape": y_shape, "dtype": y_dtype})
    doc.connect(data.id, "x", x.id, "data")
    doc.connect(data.id, "y", y.id, "data")
    return doc, data.id, x.id, y.id


def test_sources_feed_input_and_target() -> None:
    doc, data, _, _ = wired("Iris", {}, [4], [], "class index")
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    assert analysis.output_shape(data, "x") == ("N", 4)
    assert analysis.output_shape(data, "y") == ("N",)


def test_wrong_input_shape_is_reported_on_the_input() -> None:
    doc, _, x, _ = wired("Iris", {}, [2], [], "class index")
    problems = analyze(doc).problems_for(x)
    assert any("declares samples of shape (N, 2) but receives (N, 4)" in p.message for p in problems)


def test_missing_csv_file_is_an_error_on_its_node(tmp_path: Path) -> None:
    with using_base_dir(tmp_path):
        doc, data, x, _ = wired("CsvData", {"path": "nowhere.csv"}, [2], [], "class index")
        analysis = analyze(doc)
    problems = analysis.problems_for(data)
    assert len(problems) == 1 and problems[0].is_error
    assert "nowhere.csv" in problems[0].message and "does not exist" in problems[0].message
    assert str(tmp_path) in problems[0].message  # says where it looked
    assert not [p for p in analysis.problems_for(x) if p.is_error]  # one message, at the root cause


def test_broken_csv_row_is_shown_on_its_node(tmp_path: Path) -> None:
    write(tmp_path, "bad.csv", "a,label\n1,x\n2,y\n3\n")
    with using_base_dir(tmp_path):
        doc, data, *_ = wired("CsvData", {"path": "bad.csv"}, [1], [], "class index")
        problems = analyze(doc).problems_for(data)
    assert any("bad.csv, row 4" in p.message for p in problems)


def test_empty_path_asks_for_a_file() -> None:
    doc = GraphDocument("Data")
    node = doc.add_node("CsvData")
    problems = analyze(doc).problems_for(node.id)
    assert any("no CSV file chosen" in p.message for p in problems)


def test_augmentation_on_flat_digits_is_advised_against() -> None:
    doc = GraphDocument("Data")
    node = doc.add_node("Digits", params={"layout": "flat", "augment_shift": 1})
    warnings = [p for p in analyze(doc).problems_for(node.id) if not p.is_error]
    assert any("augmentation works on images" in p.message for p in warnings)


# -- parameters ---------------------------------------------------------------------


def test_text_params() -> None:
    param = TextParam(name="target")
    assert param.coerce("  label ") == "label"
    assert param.coerce(None) == ""
    with pytest.raises(ParamError, match="needs text"):
        param.coerce(3)
    with pytest.raises(ParamError, match="single line"):
        param.coerce("a\nb")
    path = PathParam(name="path", patterns=("*.csv",))
    assert path.coerce(os.path.join("data", "x.csv")) == os.path.join("data", "x.csv")
