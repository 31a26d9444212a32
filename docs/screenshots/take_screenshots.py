"""Render the README's screenshots with the real window on the offscreen platform.

QT_QPA_PLATFORM=offscreen python docs/screenshots/take_screenshots.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent

from PySide6.QtWidgets import QApplication  # noqa: E402


def pump(app: QApplication, seconds: float, until: object = None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (callable(until) and until()):
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    from designer.controller import DocumentController
    from designer.main_window import MainWindow
    from designer.theme import apply_theme

    apply_theme(app)
    window = MainWindow(DocumentController())
    window.resize(1440, 900)
    window.show()
    window.open_example("spiral_mlp")
    panel = window.training.panel
    pump(app, 3, lambda: panel.runner.devices is not None)

    # A run in progress: enough samples that it lasts a few seconds.
    source = next(n for n in window.controller.doc.nodes() if n.type_id == "Spirals")
    window.controller.set_param(source.id, "samples", 20_000)
    panel.set_setting("epochs", 40)
    done: list[object] = []
    panel.run_done.connect(done.append)
    panel.train()
    pump(app, 60, lambda: len(window.training.plots.epochs) >= 6)
    window.training.plots.flush()
    pump(app, 0.2)
    window.grab().save(str(HERE / "training_running.png"))
    pump(app, 120, lambda: bool(done))
    window.training.plots.flush()
    fc1 = window.controller.doc.find_by_name("fc1")
    window.scene.clearSelection()
    window.scene.node_item(fc1.id).setSelected(True)
    pump(app, 0.3)
    window.grab().save(str(HERE / "main_window.png"))

    # A shape error, pointed at on the canvas, in the inspector and in the Problems list.
    fc2 = window.controller.doc.find_by_name("fc2")
    window.controller.set_param(fc2.id, "in_features", 32)
    window.controller.reanalyze()
    window.scene.clearSelection()
    window.scene.node_item(fc2.id).setSelected(True)
    window.bottom.setCurrentWidget(window.problems)
    pump(app, 0.5)
    window.grab().save(str(HERE / "shape_error.png"))

    window.controller.undo_stack.setClean()
    panel.shutdown()
    window.close()


if __name__ == "__main__":
    main()
