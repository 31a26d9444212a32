"""Data loading: every source keeps the shapes its node promised, preparation is
reproducible and leak-free, and broken files fail with messages naming the place."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from backends.data import AugmentFlags, DataError, DataSplits, augment_batch, load_dataset, preview
from backends.data.loader import source_types
from backends.data.prepare import fit_scaling, split_indices
from backends.data.splits import SPLIT_NAMES
from nodes import registry
from nodes.analysis import analyze
from nodes.data_entry import entry_params
from nodes.datafiles import using_base_dir
from nodes.graph import GraphDocument
from nodes.spec import Role

ROOT = Path(__file__).resolve().parents[2]

MIXED_CSV = """\
id,age,colour,height,label
1,31,red,1.70,yes
2,,green,1.62,no
3,45,blue,1.80,maybe
4,28,red,,yes
5,52,green,1.75,no
6,33,blue,1.66,maybe
7,41,red,1.90,yes
8,39,,1.58,no
9,25,green,1.71,maybe
10,60,blue,1.69,yes
11,47,red,1.77,no
12,36,green,1.64,maybe
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def no_files(folder: Path) -> None:
    pass


def mixed_csv(folder: Path) -> None:
    write(folder, "table.csv", MIXED_CSV)


def image_npz(folder: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(folder / "images.npz", x=rng.random((40, 1, 6, 6)).astype(np.float32), y=np.arange(40) % 4)


def npy_pair(folder: Path) -> None:
    rng = np.random.default_rng(1)
    np.save(folder / "x.npy", rng.standard_normal((30, 3)))
    np.save(folder / "labels.npy", np.array(["cat", "dog", "eel"])[np.arange(30) % 3])
    np.save(folder / "targets.npy", rng.standard_normal((30, 2)))


def sequences_npz(folder: Path) -> None:
    np.savez(folder / "seq.npz", x=np.ones((25, 7, 2)), y=np.linspace(0, 1, 25))


# (type id, parameters, files to write): a spread over every source and the options
# that change shapes.
CASES: list[tuple[str, dict, Callable[[Path], None]]] = [
    ("Spirals", {}, no_files),
    ("Spirals", {"classes": 5, "samples": 101, "turns": 3.0, "noise": 0.3}, no_files),
    ("Moons", {"samples": 21, "noise": 0.0}, no_files),
    ("Circles", {"factor": 0.9, "scaling": "minmax"}, no_files),
    ("XorData", {"noise": 0.5, "validation_fraction": 0.0, "test_fraction": 0.0}, no_files),
    ("Blobs", {"classes": 10, "features": 17, "scaling": "standardize"}, no_files),
    ("LinearlySeparable", {"features": 6, "label_noise": 0.2}, no_files),
    ("SineRegression", {"periods": 4.0, "scaling": "standardize"}, no_files),
    ("SequenceData", {}, no_files),
    ("SequenceData", {"seq_len": 3, "samples": 50, "scaling": "standardize"}, no_files),
    ("Iris", {}, no_files),
    ("Wine", {"scaling": "minmax", "test_fraction": 0.45}, no_files),
    ("BreastCancer", {"scaling": "none"}, no_files),
    ("Digits", {}, no_files),
    ("Digits", {"layout": "flat", "augment_flip": True}, no_files),
    ("Digits", {"augment_shift": 2, "augment_noise": 0.2, "scaling": "standardize"}, no_files),
    ("CsvData", {"path": "table.csv"}, mixed_csv),
    ("CsvData", {"path": "table.csv", "missing": "fill", "categorical": "ordinal"}, mixed_csv),
    ("CsvData", {"path": "table.csv", "categorical": "drop", "ignore": "id"}, mixed_csv),
    (
        "CsvData",
        {"path": "table.csv", "target": "height", "task": "regression", "missing": "fill"},
        mixed_csv,
    ),
    ("CsvData", {"path": "table.csv", "target": "colour", "ignore": "id,label"}, mixed_csv),
    ("NumpyData", {"path": "images.npz", "augment_flip": True}, image_npz),
    ("NumpyData", {"path": "x.npy", "labels": "labels.npy", "scaling": "standardize"}, npy_pair),
    ("NumpyData", {"path": "x.npy", "labels": "targets.npy", "task": "regression"}, npy_pair),
    ("NumpyData", {"path": "seq.npz", "task": "regression", "test_fraction": 0.0}, sequences_npz),
]


def promised(type_id: str, params: dict, base: Path) -> tuple:
    """The shapes the node's inference reports, without loading anything."""
    spec = registry.get(type_id)
    clean = {p.name: p.coerce(params.get(p.name, p.default)) for p in spec.params}
    with using_base_dir(base):
        return spec.infer(clean, ())


def test_cases_cover_every_source() -> None:
    sources = {s.type_id for s in registry.all_specs() if s.role is Role.SOURCE}
    assert {case[0] for case in CASES} == sources == set(source_types())


@pytest.mark.parametrize(("type_id", "params", "setup"), CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_loaded_shapes_match_the_nodes_promise(type_id: str, params: dict, setup, tmp_path: Path) -> None:
    setup(tmp_path)
    x_shape, y_shape = promised(type_id, params, tmp_path)
    data = load_dataset(type_id, params, tmp_path)
    assert x_shape[0] == "N" and y_shape[0] == "N"
    for name in SPLIT_NAMES:
        x, y = data.split(name)
        assert x.shape[1:] == tuple(x_shape[1:]), name
        assert y.shape[1:] == tuple(y_shape[1:]), name
        assert len(x) == len(y)
        assert x.dtype == np.float32
        assert y.dtype == (np.int64 if data.task == "classification" else np.float32)
        assert np.isfinite(x).all()
    assert len(data.x_train) > 0
    if data.task == "classification":
        assert y_shape == ("N",)
        assert data.num_classes == len(data.class_names) >= 2
        assert data.y_train.min() >= 0 and data.y_train.max() < data.num_classes
    else:
        assert data.num_classes is None and data.class_names == []
    if len(x_shape) == 2:
        assert len(data.feature_names) == x_shape[1]


@pytest.mark.parametrize(
    ("type_id", "params", "setup"), CASES[::3], ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_graph_wired_to_the_promised_shapes_analyses_cleanly(
    type_id: str, params: dict, setup, tmp_path: Path
) -> None:
    setup(tmp_path)
    x_shape, _ = promised(type_id, params, tmp_path)
    data = load_dataset(type_id, params, tmp_path)
    doc = GraphDocument("Wired")
    source = doc.add_node(type_id, params=params)
    x = doc.add_node("Input", params={"shape": list(data.feature_shape)})
    dtype = "class index" if data.task == "classification" else "float"
    y = doc.add_node("Target", params={"shape": list(data.target_shape), "dtype": dtype})
    doc.connect(source.id, "x", x.id, "data")
    doc.connect(source.id, "y", y.id, "data")
    with using_base_dir(tmp_path):
        analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    assert analysis.output_shape(x.id) == x_shape


# -- reproducibility -----------------------------------------------------------------


def assert_same(a: DataSplits, b: DataSplits) -> None:
    for name in SPLIT_NAMES:
        for left, right in zip(a.split(name), b.split(name), strict=True):
            np.testing.assert_array_equal(left, right)


def differs(a: DataSplits, b: DataSplits) -> bool:
    return not np.array_equal(a.x_train, b.x_train) or not np.array_equal(a.y_train, b.y_train)


@pytest.mark.parametrize(
    "type_id",
    [
        "Spirals",
        "Moons",
        "Circles",
        "XorData",
        "Blobs",
        "LinearlySeparable",
        "SineRegression",
        "SequenceData",
        "Iris",
        "Digits",
    ],
)
def test_same_seed_same_data_other_seed_other_data(type_id: str) -> None:
    first = load_dataset(type_id, {"seed": 3})
    assert_same(first, load_dataset(type_id, {"seed": 3}))
    assert differs(first, load_dataset(type_id, {"seed": 4}))


def test_csv_split_follows_the_seed(tmp_path: Path) -> None:
    mixed_csv(tmp_path)
    params = {"path": "table.csv", "missing": "fill", "scaling": "none"}
    first = load_dataset("CsvData", {**params, "seed": 1}, tmp_path)
    assert_same(first, load_dataset("CsvData", {**params, "seed": 1}, tmp_path))
    assert differs(first, load_dataset("CsvData", {**params, "seed": 2}, tmp_path))


def test_splits_partition_the_samples(tmp_path: Path) -> None:
    ids = np.arange(200, dtype=np.float64)[:, None]
    np.savez(tmp_path / "ids.npz", x=ids, y=np.arange(200) % 3)
    data = load_dataset(
        "NumpyData", {"path": "ids.npz", "validation_fraction": 0.25, "test_fraction": 0.15}, tmp_path
    )
    seen = np.concatenate([data.split(name)[0][:, 0] for name in SPLIT_NAMES])
    np.testing.assert_array_equal(np.sort(seen), ids[:, 0])
    sizes = data.sizes()  # rounded per class, so within one sample per class of the shares
    assert abs(sizes["val"] - 50) <= 3 and abs(sizes["test"] - 30) <= 3


# -- stratification and scaling ------------------------------------------------------


def test_stratified_split_keeps_class_proportions(tmp_path: Path) -> None:
    labels = np.repeat([0, 1, 2], [100, 40, 10])
    np.savez(tmp_path / "imbalanced.npz", x=np.random.default_rng(0).random((150, 2)), y=labels)
    params = {"path": "imbalanced.npz", "validation_fraction": 0.2, "test_fraction": 0.2}
    for seed in range(3):
        data = load_dataset("NumpyData", {**params, "seed": seed}, tmp_path)
        assert data.class_counts("val") == [20, 8, 2]
        assert data.class_counts("test") == [20, 8, 2]
        assert data.class_counts("train") == [60, 24, 6]


def test_stratification_on_a_bundled_set() -> None:
    data = load_dataset("Digits", {"validation_fraction": 0.3, "test_fraction": 0.1})
    totals = np.add.reduce([np.array(data.class_counts(name)) for name in SPLIT_NAMES])
    assert np.all(np.abs(np.array(data.class_counts("val")) - 0.3 * totals) <= 1)
    assert np.all(np.abs(np.array(data.class_counts("test")) - 0.1 * totals) <= 1)


def test_every_class_keeps_a_training_sample() -> None:
    labels = np.array([0, 0, 0, 0, 1, 2, 2])
    train, val, test = split_indices(len(labels), labels, 0.45, 0.45, seed=0)
    assert set(labels[train]) == {0, 1, 2}
    assert len(train) + len(val) + len(test) == len(labels)


@pytest.mark.parametrize("type_id", ["Blobs", "Wine", "SequenceData"])
def test_standardize_uses_training_statistics_only(type_id: str) -> None:
    params = {"validation_fraction": 0.3, "test_fraction": 0.2, "seed": 5}
    raw = load_dataset(type_id, {**params, "scaling": "none"})
    scaled = load_dataset(type_id, {**params, "scaling": "standardize"})
    axes = tuple(range(raw.x_train.ndim - 1))
    mean = raw.x_train.astype(np.float64).mean(axis=axes)
    std = raw.x_train.astype(np.float64).std(axis=axes)
    np.testing.assert_allclose(scaled.scaling.shift, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scaled.scaling.scale, std, rtol=1e-5)
    for name in SPLIT_NAMES:
        np.testing.assert_allclose(
            scaled.split(name)[0], (raw.split(name)[0] - mean) / std, rtol=1e-4, atol=1e-4
        )
    np.testing.assert_allclose(scaled.x_train.mean(axis=axes), 0, atol=1e-5)
    everything = np.concatenate([raw.x_train, raw.x_val, raw.x_test]).astype(np.float64).mean(axis=axes)
    assert not np.allclose(scaled.scaling.shift, everything, rtol=1e-6, atol=1e-9)


def test_minmax_on_images_is_per_channel_from_training() -> None:
    data = load_dataset("Digits", {"scaling": "minmax"})
    assert data.scaling.shift.shape == (1, 1, 1)
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0


def test_fit_scaling_leaves_masked_and_constant_columns_alone() -> None:
    x = np.array([[1.0, 0.0, 5.0], [3.0, 1.0, 5.0]])
    scaling = fit_scaling(x, "standardize", mask=np.array([True, False, True]))
    np.testing.assert_allclose(scaling.apply(x), [[-1, 0, 0], [1, 1, 0]])


# -- CSV preparation ---------------------------------------------------------------------


def test_csv_one_hot_and_missing_rows(tmp_path: Path) -> None:
    mixed_csv(tmp_path)
    data = load_dataset("CsvData", {"path": "table.csv", "scaling": "standardize"}, tmp_path)
    assert data.class_names == ["maybe", "no", "yes"]
    assert data.feature_names == ["id", "age", "colour=blue", "colour=green", "colour=red", "height"]
    assert sum(data.sizes().values()) == 9
    assert "dropped 3 rows with missing values (1 in 'age', 1 in 'colour', 1 in 'height')" in data.notes
    one_hot = np.concatenate([data.split(n)[0][:, 2:5] for n in SPLIT_NAMES])
    assert set(np.unique(one_hot)) == {0.0, 1.0}  # one-hot columns are not scaled
    np.testing.assert_array_equal(one_hot.sum(axis=1), 1)


def test_csv_fill_uses_the_training_mean(tmp_path: Path) -> None:
    mixed_csv(tmp_path)
    params = {"path": "table.csv", "missing": "fill", "scaling": "none", "validation_fraction": 0.3}
    data = load_dataset("CsvData", params, tmp_path)
    ages = {int(row[0]): float(row[1]) for row in np.concatenate([data.x_train, data.x_val, data.x_test])}
    train_ids = {int(i) for i in data.x_train[:, 0]}
    known = [a for i, a in ages.items() if i in train_ids and i != 2]
    assert ages[2] == pytest.approx(np.mean(known), rel=1e-6)
    assert any(
        note.startswith("filled 1 missing values in 'age' with the training mean") for note in data.notes
    )
    assert any("'colour' with the most common value" in note for note in data.notes)


def test_csv_rows_without_target_are_dropped(tmp_path: Path) -> None:
    write(tmp_path, "t.csv", "a,label\n1,x\n2,\n3,y\n4,x\n5,y\n")
    data = load_dataset("CsvData", {"path": "t.csv", "validation_fraction": 0, "test_fraction": 0}, tmp_path)
    assert len(data.x_train) == 4
    assert "dropped 1 rows with no value in the target column 'label'" in data.notes


# -- broken files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "params", "words"),
    [
        ("absent.csv", None, {}, ["absent.csv", "does not exist"]),
        ("empty.csv", "", {}, ["empty.csv", "is empty"]),
        ("header.csv", "a,b,label\n", {}, ["header.csv", "no data rows"]),
        (
            "text.csv",
            "age,weight,label\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(1, 9)) + "x7,3,1\n",
            {},
            ["text.csv", "row 10", "column 'age'", "'x7' is not a number"],
        ),
        ("one.csv", "a,label\n1,same\n2,same\n", {}, ["one.csv", "column 'label'", "only one class"]),
        ("ragged.csv", "a,b,label\n1,2,x\n1,2,3,y\n", {}, ["ragged.csv", "row 3", "4 values"]),
        ("inf.csv", "a,label\n1,x\n-inf,y\n", {}, ["inf.csv", "row 3", "column 'a'", "infinite"]),
        (
            "regress.csv",
            "a,price\n1,10\n2,cheap\n3,12\n",
            {"task": "regression"},
            ["regress.csv", "row 3", "column 'price'", "'cheap'"],
        ),
        ("nolabel.csv", "a,label\n1,x\n", {"target": "class"}, ["nolabel.csv", "no column 'class'"]),
        ("gaps.csv", "a,b,label\n,1,x\n2,,y\n", {}, ["gaps.csv", "every row has a missing value", "fill"]),
    ],
)
def test_broken_csv_files(
    tmp_path: Path, name: str, content: str | None, params: dict, words: list[str]
) -> None:
    if content is not None:
        write(tmp_path, name, content)
    with pytest.raises(DataError) as info:
        load_dataset("CsvData", {"path": name, **params}, tmp_path)
    for word in words:
        assert word in str(info.value)


def test_csv_error_fields(tmp_path: Path) -> None:
    write(tmp_path, "t.csv", "age,label\n" + "".join(f"{i},{i % 2}\n" for i in range(9)) + "old,1\n")
    with pytest.raises(DataError) as info:
        load_dataset("CsvData", {"path": "t.csv"}, tmp_path)
    assert (info.value.path, info.value.row, info.value.column) == ("t.csv", 11, "age")


def save_npz(**arrays: np.ndarray) -> Callable[[Path], None]:
    return lambda folder: np.savez(folder / "d.npz", **arrays)


@pytest.mark.parametrize(
    ("setup", "params", "words"),
    [
        (
            save_npz(x=np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 6.0]]), y=np.arange(3)),
            {},
            ["d.npz[x]", "[1, 1]", "NaN"],
        ),
        (save_npz(x=np.array([[1.0], [np.inf]]), y=np.arange(2)), {}, ["d.npz[x]", "[1, 0]", "infinite"]),
        (
            save_npz(x=np.ones((3, 2)), y=np.array([0.0, np.nan, 1.0])),
            {"task": "regression"},
            ["d.npz[y]", "NaN"],
        ),
        (save_npz(x=np.ones((3, 2)), y=np.zeros(3)), {}, ["d.npz[y]", "only one class"]),
        (save_npz(x=np.ones((3, 2)), y=np.zeros(5)), {}, ["d.npz[y]", "5 labels", "3 samples"]),
        (save_npz(x=np.ones((3, 2))), {}, ["d.npz", "no array 'y'"]),
        (save_npz(x=np.array(["a", "b"]), y=np.arange(2)), {}, ["d.npz[x]", "text", "numbers"]),
        (lambda d: (d / "d.npz").write_bytes(b"PK\x03\x04 broken"), {}, ["d.npz"]),
    ],
)
def test_broken_numpy_files(tmp_path: Path, setup, params: dict, words: list[str]) -> None:
    setup(tmp_path)
    with pytest.raises(DataError) as info:
        load_dataset("NumpyData", {"path": "d.npz", **params}, tmp_path)
    for word in words:
        assert word in str(info.value)


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(tmp_path / "y.npy", np.arange(2))
    with pytest.raises(DataError, match=r"x\.npy.*Python objects"):
        load_dataset("NumpyData", {"path": "x.npy", "labels": "y.npy"}, tmp_path)


def test_bad_parameters_and_types() -> None:
    with pytest.raises(DataError, match="samples must be at least 20"):
        load_dataset("Spirals", {"samples": 3})
    with pytest.raises(DataError, match="unknown data set type"):
        load_dataset("Nope", {})
    with pytest.raises(DataError, match="not a data set"):
        load_dataset("Linear", {})


# -- preview and augmentation -------------------------------------------------------------


def test_preview_lists_sizes_shape_and_classes() -> None:
    text = preview("Iris", {"validation_fraction": 0.2, "test_fraction": 0.2})
    assert "150 samples (train 90, validation 30, test 30)" in text
    assert "features: (4,)" in text
    assert "setosa" in text and "30 / 10 / 10" in text
    assert "real values" in preview("SineRegression", {})


def test_preview_of_a_broken_file_raises_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"missing\.csv"):
        preview("CsvData", {"path": "missing.csv"}, tmp_path)


def images(batch: int = 64) -> torch.Tensor:
    return torch.arange(batch * 2 * 5 * 6, dtype=torch.float32).reshape(batch, 2, 5, 6)


def test_augment_flags_come_from_parameters() -> None:
    data = load_dataset("Digits", {"augment_flip": True, "augment_shift": 1, "augment_noise": 0.1})
    assert data.augment == AugmentFlags(flip=True, shift=1, noise=0.1)
    assert load_dataset("Digits", {"layout": "flat", "augment_flip": True}).augment == AugmentFlags()


def test_augment_nothing_is_identity() -> None:
    x = images()
    assert augment_batch(x, AugmentFlags()) is x


def test_augment_flip_mirrors_some_images() -> None:
    x = images()
    out = augment_batch(x, AugmentFlags(flip=True), torch.Generator().manual_seed(0))
    flipped = [torch.equal(o, i.flip(-1)) for o, i in zip(out, x, strict=True)]
    kept = [torch.equal(o, i) for o, i in zip(out, x, strict=True)]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert 10 < sum(flipped) < 54


def test_augment_shift_moves_by_at_most_the_limit() -> None:
    x = images()
    out = augment_batch(x, AugmentFlags(shift=2), torch.Generator().manual_seed(1))
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="replicate")
    moves = set()
    for b in range(len(x)):
        matches = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if torch.equal(out[b], padded[b, :, 2 + dy : 2 + dy + 5, 2 + dx : 2 + dx + 6])
        ]
        assert matches, f"image {b} is not a shift of its input"
        moves.add(matches[0])
    assert len(moves) > 5


def test_augment_noise_and_reproducibility() -> None:
    x = torch.zeros(32, 1, 8, 8)
    flags = AugmentFlags(flip=True, shift=1, noise=0.5)
    a = augment_batch(x, flags, torch.Generator().manual_seed(7))
    b = augment_batch(x, flags, torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and a.shape == x.shape and a.dtype == x.dtype
    assert float(a.std()) == pytest.approx(0.5, rel=0.1)
    assert not torch.equal(a, augment_batch(x, flags, torch.Generator().manual_seed(8)))


def test_augment_accepts_node_parameters() -> None:
    x = images(8)
    params = {"augment_flip": False, "augment_shift": 0, "augment_noise": 0.25, "seed": 3}
    a = augment_batch(x, params, torch.Generator().manual_seed(0))
    b = augment_batch(x, AugmentFlags(noise=0.25), torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and not torch.equal(a, x)


def test_augment_needs_image_batches() -> None:
    with pytest.raises(ValueError, match="channels, height, width"):
        augment_batch(torch.zeros(4, 10), AugmentFlags(flip=True))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_augment_on_the_gpu() -> None:
    x = images().cuda()
    flags = AugmentFlags(flip=True, shift=1, noise=0.1)
    out = augment_batch(x, flags, torch.Generator(device="cuda").manual_seed(0))
    assert out.device == x.device and out.shape == x.shape
    cpu_generator = augment_batch(x, flags, torch.Generator().manual_seed(0))
    assert cpu_generator.device == x.device


def test_importing_backends_data_does_not_import_torch() -> None:
    script = "import sys, backends.data; assert 'torch' not in sys.modules"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("type_id", ["Spirals", "SineRegression", "SequenceData", "Digits"])
def test_entry_nodes_the_designer_inserts_match_the_arrays_the_data_set_loads(type_id: str) -> None:
    doc = GraphDocument("Entries")
    node = doc.add_node(type_id)
    shapes = analyze(doc).info[node.id].out_shapes
    splits = load_dataset(type_id, {})
    x, y = entry_params("x", shapes["x"]), entry_params("y", shapes["y"])
    assert x["shape"] == splits.x_train.shape[1:] and splits.x_train.dtype == np.float32
    assert y["shape"] == splits.y_train.shape[1:]
    assert y["dtype"] == ("class index" if splits.y_train.dtype == np.int64 else "float")
