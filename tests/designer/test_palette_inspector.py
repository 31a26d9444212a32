"""The palette, the inspector and the problems list, driven as real widgets (offscreen)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication

from designer.controller import DocumentController
from designer.inspector import HINT, InspectorWidget
from designer.inspector.controls import log_step
from designer.inspector.editors import (
    BoolEditor,
    ChoiceEditor,
    FloatEditor,
    IntEditor,
    PathEditor,
    ShapeEditor,
    TextEditor,
    format_value,
)
from designer.palette import NODE_MIME_TYPE, PaletteWidget, node_mime_data, type_id_from_mime
from designer.problems import ProblemsWidget, count_text
from nodes import registry
from nodes.catalog.activations import activation_curve
from nodes.params import (
    BoolParam,
    ChoiceParam,
    FloatParam,
    IntParam,
    ParamError,
    PathParam,
    ShapeParam,
    TextParam,
)

pytestmark = pytest.mark.gui

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
ALL_TYPES = [spec.type_id for spec in registry.all_specs()]


# ---- helpers ---------------------------------------------------------------------


@pytest.fixture
def controller(qtbot) -> DocumentController:
    return DocumentController()


@pytest.fixture
def spiral(qtbot) -> DocumentController:
    controller = DocumentController()
    controller.load(EXAMPLES / "spiral_mlp.json")
    return controller


def make_inspector(qtbot, controller: DocumentController) -> InspectorWidget:
    widget = InspectorWidget(controller)
    qtbot.addWidget(widget)
    widget.resize(340, 860)
    widget.show()
    return widget


def type_into(qtbot, widget, text: str) -> None:
    """Replace a field's text the way a person does: select all, type, press Enter."""
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def error_of(param, value) -> str:
    with pytest.raises(ParamError) as info:
        param.coerce(value)
    return str(info.value)


# ---- palette -----------------------------------------------------------------------


def test_palette_lists_every_registered_type(qtbot) -> None:
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    assert palette.visible_type_ids() == ALL_TYPES
    titles = [palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())]
    assert titles == ["Data", "Layers", "Activations", "Merges", "Losses", "Optimizers"]
    linear = palette.item_for("Linear")
    assert "fully connected" in linear.toolTip(0)
    assert linear.toolTip(0).startswith("<qt>")  # rich text, so Qt wraps it


def test_palette_search_filters_and_hides_empty_categories(qtbot) -> None:
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.search, "conv")
    shown = palette.visible_type_ids()
    assert {"Conv1d", "Conv2d", "ConvTranspose2d"} <= set(shown)
    assert "Linear" not in shown
    assert palette.item_for("Linear").isHidden()
    # Name matches come before entries that only mention the word in their explanation.
    layers = [t for t in shown if registry.get(t).category.value == "layer"]
    assert layers[:3] == ["Conv1d", "Conv2d", "ConvTranspose2d"]
    headers = {palette.tree.topLevelItem(i).text(0): palette.tree.topLevelItem(i) for i in range(6)}
    assert headers["Losses"].isHidden() and not headers["Layers"].isHidden()

    palette.set_filter("cross entropy")  # every word must match
    assert "CrossEntropyLoss" in palette.visible_type_ids()
    assert "MSELoss" not in palette.visible_type_ids()
    palette.set_filter("zzzz-no-such-node")
    assert palette.visible_type_ids() == []
    assert palette.empty_label.isVisibleTo(palette)
    palette.set_filter("")
    assert palette.visible_type_ids() == ALL_TYPES  # registry order restored


def test_palette_drag_mime_data_carries_the_type_id(qtbot) -> None:
    mime = node_mime_data("Conv2d")
    assert mime.hasFormat(NODE_MIME_TYPE)
    assert bytes(mime.data(NODE_MIME_TYPE).data()) == b"Conv2d"
    assert type_id_from_mime(mime) == "Conv2d"

    palette = PaletteWidget()
    qtbot.addWidget(palette)
    from_tree = palette.tree.mimeData([palette.item_for("LSTM")])
    assert bytes(from_tree.data(NODE_MIME_TYPE).data()) == b"LSTM"
    assert palette.tree.mimeTypes() == [NODE_MIME_TYPE]


def test_palette_double_click_and_enter_request_a_node(qtbot) -> None:
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    palette.show()
    item = palette.item_for("Linear")
    palette.tree.scrollToItem(item)
    centre = palette.tree.visualItemRect(item).center()
    with qtbot.waitSignal(palette.add_requested, timeout=1000) as blocker:
        # QTest's double click lacks the press that precedes it on a real mouse.
        qtbot.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        qtbot.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert blocker.args == ["Linear"]

    palette.tree.setCurrentItem(palette.item_for("Adam"))
    with qtbot.waitSignal(palette.add_requested, timeout=1000) as blocker:
        qtbot.keyClick(palette.tree, Qt.Key.Key_Return)
    assert blocker.args == ["Adam"]

    # Enter in the search adds the best match: a name match, even when an entry earlier in
    # the list only mentions the words in its explanation (Target mentions cross entropy).
    qtbot.keyClicks(palette.search, "cross entropy")
    with qtbot.waitSignal(palette.add_requested, timeout=1000) as blocker:
        qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert blocker.args == ["CrossEntropyLoss"]


# ---- inspector: building -------------------------------------------------------------

EDITOR_CLASSES = [
    (PathParam, PathEditor),
    (BoolParam, BoolEditor),
    (IntParam, IntEditor),
    (FloatParam, FloatEditor),
    (ChoiceParam, ChoiceEditor),
    (ShapeParam, ShapeEditor),
    (TextParam, TextEditor),
]


def test_inspector_builds_an_editor_for_every_parameter_of_every_type(qtbot, controller) -> None:
    ids = {type_id: controller.add_node(type_id, (0.0, 0.0)) for type_id in ALL_TYPES}
    controller.reanalyze()
    inspector = make_inspector(qtbot, controller)
    for type_id, node_id in ids.items():
        inspector.show_node(node_id)
        spec = registry.get(type_id)
        assert list(inspector.editors) == [p.name for p in spec.params], type_id
        for param in spec.params:
            editor = inspector.editors[param.name]
            wanted = next(cls for kind, cls in EDITOR_CLASSES if isinstance(param, kind))
            assert type(editor) is wanted, (type_id, param.name)
            assert editor.error is None
        assert (inspector.plot is not None) == (spec.category.value == "activation"), type_id
    assert controller.undo_stack.count() == len(ALL_TYPES)  # building the forms edited nothing


def test_inspector_shows_header_shapes_and_count(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    assert inspector.hint.text() == HINT and inspector.hint.isVisibleTo(inspector)
    inspector.show_node("n5")  # Linear 'fc2': 64 -> 64
    assert not inspector.hint.isVisibleTo(inspector)
    assert inspector.name_edit.text() == "fc2"
    assert inspector.summary.rows == {
        "Input": "(N, 64)",
        "Output": "(N, 64)",
        "Parameters": "4,160 trainable",
    }
    in_features = inspector.editors["in_features"]
    assert in_features.auto.isChecked() and in_features.spin.text() == "auto (64)"


# ---- inspector: editing ------------------------------------------------------------------


def test_out_of_range_value_is_refused_with_the_param_error(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n3")
    editor = inspector.editors["out_features"]
    type_into(qtbot, editor.spin, "0")
    expected = error_of(registry.get("Linear").param("out_features"), 0)
    assert editor.error == expected
    # The message also says which value still applies.
    assert editor.message.text() == f"{expected}; still 64" and editor.message.isVisibleTo(inspector)
    assert spiral.doc.node("n3").params["out_features"] == 64
    assert spiral.undo_stack.count() == 0

    node_id = spiral.add_node("LeakyReLU", (0.0, 0.0))
    inspector.show_node(node_id)
    slope = inspector.editors["negative_slope"]
    type_into(qtbot, slope.spin, "abc")
    assert slope.error == error_of(registry.get("LeakyReLU").param("negative_slope"), "abc")
    type_into(qtbot, slope.spin, "5")
    assert slope.error == "negative slope must be at most 1, got 5"
    assert spiral.doc.node(node_id).params["negative_slope"] == 0.01
    assert spiral.undo_stack.count() == 1  # only the add


def test_valid_change_lands_in_the_document_and_undoes(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n3")
    editor = inspector.editors["out_features"]
    editor.spin.lineEdit().selectAll()
    qtbot.keyClicks(editor.spin, "256")  # typing alone applies nothing: Enter or focus out does
    assert spiral.doc.node("n3").params["out_features"] == 64
    type_into(qtbot, editor.spin, "0")  # an error first: a good value then clears it
    type_into(qtbot, editor.spin, "128")
    assert editor.error is None
    assert spiral.doc.node("n3").params["out_features"] == 128
    assert spiral.undo_stack.count() == 1
    spiral.undo_stack.undo()
    assert spiral.doc.node("n3").params["out_features"] == 64
    assert editor.spin.value() == 64
    spiral.undo_stack.redo()
    assert editor.spin.value() == 128
    assert spiral.undo_stack.count() == 1  # showing undo/redo never pushed new edits


def test_whole_number_fields_refuse_fractions_instead_of_dropping_keystrokes(qtbot, spiral) -> None:
    # A plain QSpinBox drops "." and "e" while typing, so "2.5" became 25 and "1e3" 13.
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n3")
    editor = inspector.editors["out_features"]
    out_features = registry.get("Linear").param("out_features")
    for text in ("2.5", "1e3", "twelve"):
        type_into(qtbot, editor.spin, text)
        assert editor.error == error_of(out_features, text)
        assert "whole number" in editor.error
        assert editor.message.text().endswith("; still 64")
        assert editor.spin.value() == 64 and editor.spin.text() == "64"
    assert spiral.doc.node("n3").params["out_features"] == 64
    type_into(qtbot, editor.spin, "64")  # the value it already has, typed again: the error goes
    assert editor.error is None and spiral.undo_stack.count() == 0
    type_into(qtbot, editor.spin, "99999999999")  # past the declared maximum, not only a C int's
    assert editor.error == error_of(out_features, "99999999999")
    assert spiral.undo_stack.count() == 0
    type_into(qtbot, editor.spin, "32")
    assert editor.error is None
    assert spiral.doc.node("n3").params["out_features"] == 32


def test_a_whole_number_too_big_for_the_field_is_refused_even_without_a_maximum(qtbot) -> None:
    editor = IntEditor(IntParam(name="count", default=3, minimum=1))
    qtbot.addWidget(editor)
    editor.show()
    committed: list[object] = []
    editor.committed.connect(committed.append)
    type_into(qtbot, editor.spin, "99999999999")
    assert editor.error == "count must be at most 2147483647, got 99999999999"
    assert editor.spin.value() == 3 and committed == []


def test_document_changes_update_the_form_without_echoing(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n10")  # Adam
    assert spiral.set_param("n10", "lr", 0.05)  # as another widget would
    assert spiral.set_param("n10", "amsgrad", True)
    assert inspector.editors["lr"].spin.text() == "0.05"
    assert inspector.editors["amsgrad"].check.isChecked()
    assert spiral.undo_stack.count() == 2
    spiral.rename("n10", "opt")
    assert inspector.name_edit.text() == "opt"
    assert spiral.undo_stack.count() == 3


def test_float_editor_reads_scientific_notation_and_steps_on_a_log_ladder(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n10")
    lr = inspector.editors["lr"]
    type_into(qtbot, lr.spin, "3e-4")
    assert spiral.doc.node("n10").params["lr"] == pytest.approx(3e-4)
    lr.spin.stepBy(1)
    assert spiral.doc.node("n10").params["lr"] == pytest.approx(5e-4)
    lr.spin.stepBy(-2)
    assert spiral.doc.node("n10").params["lr"] == pytest.approx(1e-4)
    assert [log_step(0.001, n) for n in (1, 2, 3, -1)] == [0.002, 0.005, 0.01, 0.0005]
    type_into(qtbot, lr.spin, "0")
    assert lr.error == "learning rate (lr) must be greater than 0, got 0"
    beta1 = inspector.editors["beta1"]  # linear: additive steps that respect the bounds
    beta1.spin.stepBy(1)
    assert spiral.doc.node("n10").params["beta1"] == pytest.approx(0.95)
    beta1.spin.stepBy(5)  # beta1 < 1 strictly: the arrow has nowhere to go
    assert spiral.doc.node("n10").params["beta1"] == pytest.approx(0.95)
    assert not beta1.spin.stepEnabled() & QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
    decay = inspector.editors["weight_decay"]
    assert not decay.spin.stepEnabled() & QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
    decay.spin.stepBy(30)  # lands on the inclusive maximum
    assert spiral.doc.node("n10").params["weight_decay"] == 1.0


def test_optional_int_auto_box_and_other_editors(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n3")
    in_features = inspector.editors["in_features"]
    in_features.auto.setChecked(False)  # leaves auto at the value it resolved to
    assert spiral.doc.node("n3").params["in_features"] == 2
    in_features.auto.setChecked(True)
    assert spiral.doc.node("n3").params["in_features"] is None
    in_features.auto.setChecked(False)
    type_into(qtbot, in_features.spin, "auto")  # the word the range line offers works as typed
    assert spiral.doc.node("n3").params["in_features"] is None and in_features.auto.isChecked()
    assert in_features.error is None
    inspector.editors["bias"].check.setChecked(False)
    assert spiral.doc.node("n3").params["bias"] is False

    inspector.show_node("n2")  # Input: shape "1, 28, 28" style text
    shape = inspector.editors["shape"]
    assert shape.edit.text() == "2"
    qtbot.keyClicks(shape.edit, "0")
    assert spiral.doc.node("n2").params["shape"] == [2] and spiral.undo_stack.count() == 5
    type_into(qtbot, shape.edit, "1,28, 28")
    assert spiral.doc.node("n2").params["shape"] == (1, 28, 28)
    assert shape.edit.text() == "1, 28, 28"
    type_into(qtbot, shape.edit, "1, x")
    assert shape.error == error_of(registry.get("Input").param("shape"), "1, x")

    inspector.show_node("n1")  # Spirals: a choice
    scaling = inspector.editors["scaling"]
    choices = registry.get("Spirals").param("scaling").choices
    scaling.combo.activated.emit(choices.index(choices[-1]))
    assert spiral.doc.node("n1").params["scaling"] == choices[-1]


def test_path_editor_filter_and_relative_paths(qtbot, controller, tmp_path) -> None:
    node_id = controller.add_node("CsvData", (0.0, 0.0))
    inspector = make_inspector(qtbot, controller)
    inspector.show_node(node_id)
    path = inspector.editors["path"]
    assert path.file_filter().startswith("Data files (*.csv *.txt *.tsv)")
    path.base_dir = lambda: tmp_path
    assert path.relative_to_base(tmp_path / "data" / "points.csv") == "data/points.csv"
    type_into(qtbot, path.edit, "data/points.csv")
    assert controller.doc.node(node_id).params["path"] == "data/points.csv"


def test_rename_through_the_name_field(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n3")
    type_into(qtbot, inspector.name_edit, "hidden1")
    assert spiral.doc.node("n3").name == "hidden1"
    type_into(qtbot, inspector.name_edit, "   ")
    assert spiral.doc.node("n3").name == "hidden1"
    assert inspector.name_error.text() == "a node needs a name"
    assert inspector.name_edit.text() == "hidden1"


def test_removing_or_replacing_shows_the_hint(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n3")
    spiral.remove_nodes(["n3"])
    assert inspector.node_id is None and inspector.hint.isVisibleTo(inspector)
    inspector.show_node("n5")
    spiral.load(EXAMPLES / "xor_mlp.json")
    assert inspector.node_id is None


# ---- activation plot and problems -------------------------------------------------------


def test_activation_plot_matches_activation_curve_and_follows_params(qtbot, controller) -> None:
    node_id = controller.add_node("LeakyReLU", (0.0, 0.0))
    inspector = make_inspector(qtbot, controller)
    inspector.show_node(node_id)
    plot = inspector.plot
    assert plot is not None
    x, y, dy = plot.curve_data()
    assert x[0] == -4.0 and x[-1] == 4.0
    f, df = activation_curve("LeakyReLU", controller.doc.node(node_id).params)
    for i in range(0, len(x), 37):
        assert y[i] == pytest.approx(f(x[i])) and dy[i] == pytest.approx(df(x[i]))
    type_into(qtbot, inspector.editors["negative_slope"].spin, "0.2")
    x, y, dy = plot.curve_data()
    assert y[0] == pytest.approx(-0.8) and dy[0] == pytest.approx(0.2)
    controller.undo_stack.undo()
    _, y, _ = plot.curve_data()
    assert y[0] == pytest.approx(-0.04)

    gelu = controller.add_node("GELU", (0.0, 0.0))
    inspector.show_node(gelu)
    x, y, dy = inspector.plot.curve_data()
    f, df = activation_curve("GELU", {})
    assert np.allclose(y, [f(v) for v in x]) and np.allclose(dy, [df(v) for v in x])


def test_inspector_lists_the_nodes_problems(qtbot, controller) -> None:
    node_id = controller.add_node("Linear", (0.0, 0.0))
    controller.reanalyze()
    inspector = make_inspector(qtbot, controller)
    inspector.show_node(node_id)
    problems = controller.analysis.problems_for(node_id)
    assert problems
    assert len(inspector.problems.messages) == len(problems)
    assert any("connected" in m for m in inspector.problems.messages)


def test_problems_widget_lists_problems_and_activates_their_node(qtbot, controller) -> None:
    widget = ProblemsWidget(controller)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.header.text() == count_text(controller.analysis)  # an empty graph has some
    first = controller.add_node("Linear", (0.0, 0.0))
    second = controller.add_node("ReLU", (200.0, 0.0))
    controller.reanalyze()
    analysis = controller.analysis
    assert widget.count() == len(analysis.problems) > 0
    assert widget.header.text() == count_text(analysis)
    shown = {widget.list.item(i).text() for i in range(widget.count())}
    assert shown == {p.message[0].upper() + p.message[1:] for p in analysis.problems}

    row = next(
        i for i in range(widget.count()) if widget.list.item(i).data(Qt.ItemDataRole.UserRole) == second
    )
    item = widget.list.item(row)
    widget.list.scrollToItem(item)
    with qtbot.waitSignal(widget.problem_activated, timeout=1000) as blocker:
        qtbot.mouseClick(
            widget.list.viewport(), Qt.MouseButton.LeftButton, pos=widget.list.visualItemRect(item).center()
        )
    assert blocker.args == [second]
    widget.list.setCurrentRow(
        next(i for i in range(widget.count()) if widget.list.item(i).data(Qt.ItemDataRole.UserRole) == first)
    )
    with qtbot.waitSignal(widget.problem_activated, timeout=1000) as blocker:
        qtbot.keyClick(widget.list, Qt.Key.Key_Return)
    assert blocker.args == [first]


def test_count_text_words() -> None:
    from nodes.analysis import Analysis, Problem, Severity

    def analysis(errors: int, warnings: int) -> Analysis:
        problems = [Problem(Severity.ERROR, "e")] * errors + [Problem(Severity.WARNING, "w")] * warnings
        return Analysis(info={}, problems=problems, order=[])

    assert count_text(analysis(2, 1)) == "2 errors, 1 warning"
    assert count_text(analysis(1, 0)) == "1 error"
    assert count_text(analysis(0, 3)) == "3 warnings"
    assert count_text(analysis(0, 0)) == "No problems"


def test_format_value_spellings() -> None:
    assert format_value(FloatParam(name="lr", default=0.1), 1e-08) == "1e-08"
    assert format_value(FloatParam(name="p", default=0.1), 0.5) == "0.5"
    assert format_value(FloatParam(name="p", default=0.1), 2.0) == "2"
    assert format_value(ShapeParam(name="shape", default=()), [1, 28, 28]) == "1, 28, 28"
    assert format_value(IntParam(name="n", default=None, optional=True), None) == "auto"


# ---- rendering ------------------------------------------------------------------------------


def test_widgets_render(qtbot, spiral, tmp_path) -> None:
    """Grab each widget to a PNG (a smoke test of painting; look at them by hand)."""
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n3")
    relu = spiral.add_node("LeakyReLU", (0.0, 0.0))
    spiral.reanalyze()
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    palette.resize(260, 720)
    palette.show()
    QApplication.processEvents()
    assert inspector.grab().save(str(tmp_path / "inspector_linear.png"))
    inspector.show_node(relu)
    QApplication.processEvents()
    assert inspector.grab().save(str(tmp_path / "inspector_relu.png"))
    assert palette.grab().save(str(tmp_path / "palette.png"))


def test_mouse_wheel_leaves_unfocused_fields_alone(qtbot, spiral) -> None:
    inspector = make_inspector(qtbot, spiral)
    inspector.show_node("n3")
    spin = inspector.editors["out_features"].spin
    centre = QPointF(spin.rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(spin.mapToGlobal(spin.rect().center())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(spin, wheel)
    assert not wheel.isAccepted()  # passed on, so the inspector scrolls instead
    assert spiral.doc.node("n3").params["out_features"] == 64


def wait_for_preview(qtbot, inspector: InspectorWidget) -> str:
    qtbot.waitUntil(lambda: inspector.preview is not None and not inspector.preview.busy, timeout=30_000)
    return inspector.preview.text.text()


def test_a_data_set_node_previews_what_it_loads_and_follows_edits(qtbot, spiral) -> None:
    from backends.data import load_dataset

    inspector = make_inspector(qtbot, spiral)
    source = next(n for n in spiral.doc.nodes() if n.type_id == "Spirals")
    inspector.show_node(source.id)
    text = wait_for_preview(qtbot, inspector)
    data = load_dataset("Spirals", source.params)  # the reference: what training will load
    sizes = data.sizes()
    assert f"{sum(sizes.values())} samples" in text and f"train {sizes['train']}" in text
    assert "features: (2,) per sample" in text and "2 classes" in text
    assert not inspector.preview.failed
    assert spiral.set_param(source.id, "samples", 400)
    text = wait_for_preview(qtbot, inspector)
    assert "400 samples" in text
    # Other kinds of node have no preview.
    linear = next(n for n in spiral.doc.nodes() if n.type_id == "Linear")
    inspector.show_node(linear.id)
    assert inspector.preview is None


def test_a_missing_data_file_shows_in_the_preview_in_red(qtbot, controller, tmp_path: Path) -> None:
    node_id = controller.add_node("CsvData", (0, 0))
    assert node_id is not None
    inspector = make_inspector(qtbot, controller)
    assert controller.set_param(node_id, "path", str(tmp_path / "nowhere.csv"))
    inspector.show_node(node_id)
    text = wait_for_preview(qtbot, inspector)
    assert inspector.preview.failed and "nowhere.csv" in text
    assert "color" in inspector.preview.text.styleSheet()


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("linear", "Linear"),
        ("dense", "Linear"),
        ("fully connected", "Linear"),
        ("lstm", "LSTM"),
        ("mse", "MSELoss"),
    ],
)
def test_search_puts_the_best_name_match_first_and_marks_it(qtbot, query: str, first: str) -> None:
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    palette.set_filter(query)
    shown = palette.visible_type_ids()
    assert shown[0] == first, shown[:5]
    assert palette.tree.currentItem() is palette.item_for(first)  # what Enter adds is visible
    with qtbot.waitSignal(palette.add_requested) as blocker:
        qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert blocker.args == [first]


def test_searching_loss_lists_the_losses_before_nodes_that_only_mention_one(qtbot) -> None:
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    palette.set_filter("loss")
    shown = palette.visible_type_ids()
    losses = {s.type_id for s in registry.all_specs() if s.category.value == "loss"}
    first_other = next(i for i, t in enumerate(shown) if t not in losses)
    assert set(shown[:first_other]) == losses
    palette.set_filter("")
    assert palette.tree.topLevelItem(0).text(0).startswith("Data")  # the usual order comes back
