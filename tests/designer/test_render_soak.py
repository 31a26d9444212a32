"""Render soak: a canvas and a live pyqtgraph plot repainted hundreds of times in one process.

Some Qt binding releases (PySide6 6.12.0 on Python 3.11) lose a reference to None in
every Python paint() override, which kills the app with `Fatal Python error:
none_dealloc` after a few hundred frames. This runs in a subprocess so such a crash
fails the test instead of the test run, and also checks that the reference count of
None does not fall while painting (a fall is what ends in the crash). It may rise:
PySide6 6.11 takes one extra reference to None per pyqtgraph setData() call, which is
harmless because None is never freed while a reference remains.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SOAK = textwrap.dedent(
    """
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from designer.canvas import CanvasView, GraphScene
    from designer.controller import DocumentController

    controller = DocumentController()
    controller.load("resources/examples/residual_mlp.json")
    scene = GraphScene(controller)
    view = CanvasView(scene)
    view.resize(900, 600)
    view.show()
    plot = pg.PlotWidget()
    curve = plot.plot()
    plot.resize(600, 300)
    plot.show()
    levels = {n.id: 0.1 for n in controller.doc.nodes()}

    def frame(i):
        scene.set_gradient_levels({k: v * (1 + i % 7) for k, v in levels.items()})
        curve.setData(np.sin(np.linspace(0, 6, 400) + i / 10))
        view.viewport().repaint()
        plot.repaint()
        app.processEvents()

    for i in range(50):  # warm-up: caches, fonts and first-use allocations settle
        frame(i)
    before = sys.getrefcount(None)
    for i in range(400):
        frame(i)
    drift = sys.getrefcount(None) - before
    print("drift", drift)
    """
)


def test_canvas_and_plot_survive_hundreds_of_repaints() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SOAK], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    drift = int(result.stdout.split("drift", 1)[1].split()[0])
    # A broken binding loses one reference per paint() call: hundreds here.
    assert drift > -50, f"sys.getrefcount(None) fell by {-drift} over 400 frames"
