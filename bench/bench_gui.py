"""GUI benchmarks, measured side by side in one run (medians and ratios, not pass/fail).

a. Event-loop latency while a run trains in the window: a 10 ms single-shot timer probe
   restarted on every tick; lateness = how long after its due time the loop ran it.
   p95 and max, idle window first for reference.
b. Training throughput from the window (Train pressed, plots live; the window trains in
   its training process) against headless run_training of the same project and
   settings in a plain process, interleaved in pairs: samples per second of the training
   loop, and wall time from start to the end of the run. Taken from window runs without
   the latency probe (its wakeups are the bench's, not the app's); the probed runs'
   ratio is shown beside it.
c. Launch to the first painted window (designer.app.time_to_first_paint), fresh
   interpreter each time.
d. Canvas of 500 and 2,000 nodes (a chain of Linear/ReLU): scene build, full repaint
   (cards drawn afresh, and cached as pixmaps), and one drag step of a card.
e. Revalidation (nodes.analysis.analyze) after one edit on a 500-node graph, and the
   whole window's reaction to that edit.

    python -m bench.bench_gui [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULT = "RESULT "
# (label, example, epochs, {node name: {parameter: value}}): 2-6 s a run on 2 cores, long
# enough that the window settles into its pace (a big model: about a frame a second).
# Every example is under run_training's SMALL_MODEL (it trains those on one thread); the
# widened CNN (80k parameters) trains on all of torch's threads, next to the GUI thread.
WIDE = {"conv1": {"out_channels": 64}, "conv2": {"out_channels": 128}}
TRAINING_CASES = [
    ("spiral_mlp", "spiral_mlp", 300, {}),
    ("digits_cnn", "digits_cnn", 50, {}),
    ("digits_cnn 64/128 ch", "digits_cnn", 50, WIDE),
]
QUICK_CASES = [
    (label, example, max(2, epochs // 5), edits) for label, example, epochs, edits in TRAINING_CASES
]
PROBE_MS = 10


# ---- helpers ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(action: Callable[[], object]) -> float:
    """Milliseconds `action` took."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def emit(data: dict[str, Any]) -> None:
    print(RESULT + json.dumps(data), flush=True)


def run_child(*args: str, timeout: float = 900) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_gui", "--child", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT)]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"child {args} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(lines[-1][len(RESULT) :])


def make_app() -> Any:
    """The app's QApplication and theme, as `launch` sets them up; settings go to a scratch
    folder (closing the window stores its layout there, not in the user's settings)."""
    import tempfile

    from PySide6.QtCore import QSettings

    from designer.app import application
    from designer.theme import apply_theme

    scratch = tempfile.mkdtemp(prefix="netcanvas-bench-settings-")
    atexit.register(shutil.rmtree, scratch, True)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, scratch)
    app = application()
    apply_theme(app)
    return app


def make_window() -> Any:
    """The main window, shown, with start-up's objects frozen as `launch` freezes them."""
    from designer.app import freeze_startup_objects
    from designer.controller import DocumentController
    from designer.main_window import MainWindow

    window = MainWindow(DocumentController())  # recent files: in the scratch settings
    window.show()
    freeze_startup_objects()
    return window


def wait_until(app: Any, done: Callable[[], bool], timeout: float, signal: Any = None) -> None:
    """Run the event loop, as app.exec() would, until `done()` (checked when `signal` fires
    and every 50 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.perf_counter() + timeout

    def check(*_args: object) -> None:
        if done() or time.perf_counter() > deadline:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(50)
    if signal is not None:
        signal.connect(check)
    if not done():
        loop.exec()
    poll.stop()
    if signal is not None:
        signal.disconnect(check)
    if not done():
        raise TimeoutError("gave up waiting")


class LatencyProbe:
    """A single-shot timer restarted on every tick; records how late each tick ran.

    Only between begin() and end(): the timer's schedule restarts at begin(), so time the
    event loop was not running at all (a blocking call between measurements) never counts."""

    def __init__(self, interval_ms: int = PROBE_MS) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000
        self.samples: list[float] = []  # lateness in ms
        self._due = 0.0
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def begin(self) -> None:
        self.samples = []
        self._due = time.perf_counter() + self.interval
        self._timer.start()

    def end(self) -> list[float]:
        self._timer.stop()
        samples, self.samples = self.samples, []
        return samples

    def _tick(self) -> None:
        now = time.perf_counter()
        self.samples.append(max(0.0, (now - self._due) * 1000))
        self._due = now + self.interval
        self._timer.start()


# ---- child: (a) latency and (b) throughput -------------------------------------------------


def paint_counter(widget: Any) -> Any:
    """Counts the paints `widget` receives (`.count`): how often a live plot is redrawn."""
    from PySide6.QtCore import QEvent, QObject

    class Counter(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    counter = Counter(widget)
    widget.installEventFilter(counter)
    return counter


def train_in_window(app: Any, window: Any, probe: LatencyProbe | None) -> dict[str, Any]:
    """Press Train and wait for the end, probing the event loop meanwhile (unless `probe` is
    None: the probe's 100 wakeups a second are the bench's, not the app's)."""
    panel = window.training.panel
    frames = paint_counter(window.training.plots.loss_plot.viewport())
    finished: list[Any] = []
    panel.run_done.connect(finished.append)
    wall, cpu = time.perf_counter(), time.thread_time()
    if probe is not None:
        probe.begin()
    assert panel.train(), "the window refused to train"
    wait_until(app, lambda: bool(finished), 300, panel.run_done)
    lateness = probe.end() if probe is not None else []
    elapsed = time.perf_counter() - wall
    busy = (time.thread_time() - cpu) / elapsed  # the GUI thread's share of a core
    panel.run_done.disconnect(finished.append)
    window.training.plots.loss_plot.viewport().removeEventFilter(frames)
    outcome = finished[0]
    assert outcome is not None and outcome.failed is None, outcome and outcome.failed
    rate = outcome.history[-1].samples_per_second
    fps = frames.count / elapsed
    return {"rate": rate, "wall": elapsed, "busy": busy, "lateness": lateness, "fps": fps}


class HeadlessRunner:
    """run_training in a plain process of its own, started once and asked for one run at a time."""

    def __init__(self, project_path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_gui", "--child", "headless", str(project_path)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def run(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith(RESULT):
                return json.loads(line[len(RESULT) :])
        raise RuntimeError(f"the headless runner ended (exit {self.process.wait()})")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(60)


def child_headless(project_path: str) -> None:
    """Serve runs of one project: a line "run" on stdin, a RESULT line back."""
    from backends.training.loop import TrainingJob, run_training
    from nodes import project
    from nodes.training_settings import TrainingSettings

    doc = project.load(project_path)
    settings = TrainingSettings.from_dict(doc.settings.get("training"))
    for _ in sys.stdin:
        wall = time.perf_counter()
        # As the window's panel starts a run: a snapshot, default report interval and instrumentation.
        outcome = run_training(TrainingJob(doc.copy(), settings), lambda event: None)
        assert outcome.failed is None, outcome.failed
        emit({"rate": outcome.history[-1].samples_per_second, "wall": time.perf_counter() - wall})


def child_training(runs: int, quick: bool) -> None:
    import tempfile

    app = make_app()
    from nodes import project

    window = make_window()
    panel = window.training.panel
    probe = LatencyProbe()
    # The device probe starts the training process 1.5 s after the window shows.
    with contextlib.suppress(TimeoutError):
        wait_until(app, lambda: panel.runner.devices is not None, 30)
    results: dict[str, Any] = {"cases": []}

    # Reference: the window open, nothing running.
    probe.begin()
    end = time.perf_counter() + (0.5 if quick else 2.0)
    wait_until(app, lambda: time.perf_counter() > end, 10)
    results["idle"] = probe.end()

    folder = Path(tempfile.mkdtemp(prefix="netcanvas-bench-projects-"))
    atexit.register(shutil.rmtree, folder, True)
    for index, (name, example, epochs, edits) in enumerate(QUICK_CASES if quick else TRAINING_CASES):
        window.open_example(example)
        panel.set_setting("epochs", epochs)
        for node_name, values in edits.items():
            node = window.controller.doc.find_by_name(node_name)
            for param, value in values.items():
                assert window.controller.set_param(node.id, param, value)
        window.controller.undo_stack.setClean()
        path = folder / f"case{index}.json"
        project.save(window.controller.doc, path)  # the headless runner trains exactly this
        headless = HeadlessRunner(path)
        train_in_window(app, window, probe), headless.run()  # warm-up: imports, allocations, pools
        rows = []
        for _ in range(runs):  # interleaved so drift on the machine hits all alike
            # Throughput from a run without the probe: its 100 wakeups a second are the bench's.
            probed, plain = train_in_window(app, window, probe), train_in_window(app, window, None)
            rows.append((probed, plain, headless.run()))
        headless.close()
        results["cases"].append(
            {
                "name": name,
                "epochs": epochs,
                "params": panel.run_started.trainable_parameters,
                "window_rate": statistics.median(w["rate"] for _, w, _ in rows),
                "headless_rate": statistics.median(h["rate"] for _, _, h in rows),
                "ratios": [w["rate"] / h["rate"] for _, w, h in rows],
                "probed_ratios": [p["rate"] / h["rate"] for p, _, h in rows],
                "wall_ratios": [h["wall"] / w["wall"] for _, w, h in rows],
                "lateness": [x for p, _, _ in rows for x in p["lateness"]],
                "busy": statistics.median(p["busy"] for p, _, _ in rows),
                "fps": statistics.median(p["fps"] for p, _, _ in rows),
            }
        )
    window.controller.undo_stack.setClean()
    panel.shutdown()
    window.close()
    emit(results)


# ---- child: (d) canvas and (e) revalidation ------------------------------------------------


def chain(count: int) -> Any:
    """Input followed by alternating Linear and ReLU, wired in a chain, 25 cards a row."""
    from nodes.graph import GraphDocument

    doc = GraphDocument(f"chain of {count}")
    previous = doc.add_node("Input", params={"shape": [8]}).id
    for i in range(1, count):
        position = (i % 25 * 200.0, i // 25 * 160.0)
        node = doc.add_node(("Linear", "ReLU")[i % 2], position=position)
        doc.connect(previous, "out", node.id, "in")
        previous = node.id
    return doc


def child_canvas(repeats: int) -> None:
    app = make_app()
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QPixmapCache
    from PySide6.QtTest import QTest

    from designer.canvas.node_item import NodeItem
    from designer.canvas.style import GRID
    from nodes.analysis import analyze

    window = make_window()
    wait_until(app, lambda: window.view.isVisible(), 10)
    controller, scene, view = window.controller, window.scene, window.view
    viewport = view.viewport()
    results: dict[str, Any] = {"viewport": [viewport.width(), viewport.height()]}

    def repaint() -> float:
        return timed(viewport.repaint)

    def cold_repaint() -> float:
        """A repaint with every card drawn afresh (cards are cached as pixmaps once drawn)."""
        QPixmapCache.clear()
        return repaint()

    def repaints() -> tuple[float, float]:
        app.processEvents()  # the view settles (and paints once) before the paints under test
        cold = statistics.median(cold_repaint() for _ in range(max(3, repeats // 3)))
        return cold, statistics.median(repaint() for _ in range(repeats))

    def cards_in(rect: Any) -> int:
        return sum(1 for item in scene.items(rect) if isinstance(item, NodeItem))

    for count in (500, 2000):
        doc = chain(count)
        opened = timed(lambda d=doc: controller.set_document(d, None))
        app.processEvents()
        rebuild = [timed(scene.rebuild) for _ in range(max(3, repeats // 3))]
        built = []
        for _ in range(max(3, repeats // 3)):
            scene.tear_down()  # as a new window opens a file: nothing to tear down first
            built.append(timed(scene.rebuild))
        view.fit_all()
        visible = view.mapToScene(viewport.rect()).boundingRect()
        cold, warm = repaints()
        entry = {
            "nodes": count,
            "wires": len(scene.wire_items()),
            "zoom_fit": view.zoom(),
            "cards_fit": cards_in(visible),
            "open_ms": opened,
            "rebuild_ms": statistics.median(rebuild),
            "build_ms": statistics.median(built),
            "repaint_cold_ms": cold,
            "repaint_warm_ms": warm,
        }
        # At 100 % zoom, as when editing: a screenful of cards.
        view.resetTransform()
        middle = doc.nodes()[count // 2].id
        view.center_on_node(middle)
        visible = view.mapToScene(viewport.rect()).boundingRect()
        entry["cards_100"] = cards_in(visible)
        entry["repaint_100_cold_ms"], entry["repaint_100_ms"] = repaints()
        # One drag step: the mouse moves, the card and its wires follow, the view repaints.
        item = scene.node_item(middle)
        start = controller.doc.node(middle).position
        grab = view.mapFromScene(item.mapToScene(item.name_rect().center()))
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grab)
        app.processEvents()
        steps = []
        for i in range(1, 4 * repeats + 1):  # stays within about 8 x 5 cells of the start
            # A grid cell a step (cards snap to the grid: a smaller move may change nothing).
            to = grab + QPointF(GRID * (i % 8), GRID * (i // 8)).toPoint()

            def step(to: Any = to) -> None:
                QTest.mouseMove(viewport, to)
                app.processEvents()  # the repaint the move asked for

            steps.append(timed(step))
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to)
        app.processEvents()
        assert controller.doc.node(middle).position != start, "the drag did not move the card"
        entry["drag_step_ms"] = statistics.median(steps)
        entry["drag_step_max_ms"] = max(steps)
        results[str(count)] = entry

    # (e) one edit, then revalidation, on 500 nodes.
    doc = chain(500)
    controller.set_document(doc, None)
    app.processEvents()
    linear = [n.id for n in doc.nodes() if n.type_id == "Linear"][len(doc) // 4]
    analyses, reactions = [], []
    for i in range(repeats * 2):
        doc.set_param(linear, "out_features", 16 + i % 2)
        analyses.append(timed(lambda: analyze(doc)))
    for i in range(repeats * 2):
        # The user's path: one undoable edit, then the analysis and everything that shows it.
        def edit_and_react(i: int = i) -> None:
            controller.set_param(linear, "out_features", 32 + i % 2)
            controller.reanalyze()

        reactions.append(timed(edit_and_react))
    results["analyze_ms"] = statistics.median(analyses)
    results["analyze_max_ms"] = max(analyses)
    results["react_ms"] = statistics.median(reactions)
    results["problems"] = len(controller.analysis.problems)
    controller.undo_stack.setClean()
    window.close()
    emit(results)


# ---- the report -------------------------------------------------------------------------------


def describe_machine() -> str:
    import pyqtgraph
    import PySide6
    import torch

    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    return (
        f"PySide6 {PySide6.__version__}, pyqtgraph {pyqtgraph.__version__}, torch {torch.__version__} "
        f"(default {torch.get_num_threads()} threads), {os.cpu_count()} CPU cores, Qt platform {platform}, "
        f"load average {os.getloadavg()[0]:.1f} (other processes compete for the cores above 0)"
    )


def report_training(result: dict[str, Any], runs: int) -> None:
    print(f"\n(a) event-loop latency while training in the window ({PROBE_MS} ms probe, lateness in ms)")
    print(f"{'case':<34} {'ticks':>6} {'p95':>7} {'max':>7} {'GUI thread':>11} {'loss plot fps':>14}  target")
    idle = result["idle"]
    print(f"{'idle window':<34} {len(idle):>6} {percentile(idle, 95):>7.1f} {max(idle):>7.1f}")
    for case in result["cases"]:
        late = case["lateness"]
        print(
            f"{'training ' + case['name']:<34} {len(late):>6} {percentile(late, 95):>7.1f} {max(late):>7.1f}"
            f" {case['busy']:>11.2f} {case['fps']:>14.1f}  p95<=33, max<=150"
        )
    print("    GUI thread: its CPU time / wall time during these probed runs (cores; the probe's own")
    print("    100 wakeups a second included)")
    print("    loss plot fps: paints of the loss plot per second of the run (DESIGN.md: about 20-30)")

    print(f"\n(b) training throughput, window / headless run_training (interleaved, {runs} pairs)")
    print(
        f"{'project':<20} {'epochs':>6} {'window':>9} {'headless':>9} {'ratio (range)':>18}"
        f"  {'probed':>6}  {'wall ratio':>10}  target"
    )
    for case in result["cases"]:
        ratios = case["ratios"]
        spread = f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
        print(
            f"{case['name']:<20} {case['epochs']:>6}"
            f" {case['window_rate']:>9,.0f} {case['headless_rate']:>9,.0f}"
            f" {spread:>18}  {statistics.median(case['probed_ratios']):>5.2f}x"
            f"  {statistics.median(case['wall_ratios']):>9.2f}x  >= 0.90x"
        )
    print(
        "    window, headless: median samples/s of the training loop (the engine's own count); the window\n"
        "    trains in its training process, headless in a plain process of its own. ratio: median of\n"
        "    the paired ratios (window run next to headless run), with their range; probed: the same\n"
        "    for the window's runs under (a)'s latency probe; wall ratio: headless / window time from\n"
        "    pressing Train to run_done (call to return headless)"
    )
    sizes = ", ".join(f"{c['name']} {c['params']:,}" for c in result["cases"])
    print(f"    parameters: {sizes}")


def report_paint(times: list[float]) -> None:
    print("\n(c) launch to first painted window (fresh interpreter each time)")
    print(
        f"    median of {len(times)}: {statistics.median(times):,.0f} ms"
        f"   (min {min(times):,.0f}, max {max(times):,.0f})   target <= 1,000 ms"
    )


def report_canvas(result: dict[str, Any]) -> None:
    w, h = result["viewport"]
    print(f"\n(d) canvas: chain of Linear/ReLU, window 1440x900, viewport {w}x{h}, median times in ms")
    print(f"{'measure':<52} {'500 nodes':>10} {'2,000':>10}  target (500 / 2,000)")
    a, b = result["500"], result["2000"]
    rows = [
        ("scene built into an empty scene", "build_ms", "<= 200 at 2,000"),
        ("scene rebuilt (the old cards torn down first)", "rebuild_ms", ""),
        ("document opened (analysis + scene + panels)", "open_ms", ""),
        ("full repaint, fit to view, cards drawn afresh", "repaint_cold_ms", ""),
        ("full repaint, fit to view, cards cached", "repaint_warm_ms", "<= 16 / <= 33"),
        ("full repaint at 100 % zoom, cards drawn afresh", "repaint_100_cold_ms", ""),
        ("full repaint at 100 % zoom, cards cached", "repaint_100_ms", "<= 16 / <= 33"),
        ("one drag step, a grid cell (move + repaint), median", "drag_step_ms", "<= 8"),
        ("one drag step, worst", "drag_step_max_ms", ""),
    ]
    for label, key, target in rows:
        print(f"{label:<52} {a[key]:>10.1f} {b[key]:>10.1f}  {target}")
    print(
        f"    fit to view: zoom {a['zoom_fit']:.2f}, {a['cards_fit']} / {b['cards_fit']} cards on screen;"
        f" 100 %: {a['cards_100']} / {b['cards_100']} cards"
    )
    print("\n(e) revalidation after one edit, 500-node graph (ms)")
    print(
        f"    nodes.analysis.analyze: median {result['analyze_ms']:.1f}, worst {result['analyze_max_ms']:.1f}"
        "   target <= 20"
    )
    react = result["react_ms"]
    print(f"    edit + analysis + window update (controller.set_param, reanalyze): median {react:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="shorter runs (for a smoke run)")
    parser.add_argument(
        "--only", choices=("training", "paint", "canvas"), help="run one part: (a)+(b), (c) or (d)+(e)"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.child:
        kind, *rest = args.child
        if kind == "training":
            child_training(args.runs, args.quick)
        elif kind == "headless":
            child_headless(rest[0])
        elif kind == "canvas":
            child_canvas(int(rest[0]))
        return

    print(f"netcanvas GUI benchmarks: {describe_machine()}")
    quick = ["--quick"] if args.quick else []
    if args.only in (None, "training"):
        report_training(run_child("training", "--runs", str(args.runs), *quick), args.runs)
    if args.only in (None, "paint"):
        from designer.app import time_to_first_paint

        time_to_first_paint()  # warm-up: the first launch also fills the disk cache
        report_paint([time_to_first_paint() for _ in range(args.runs)])
    if args.only in (None, "canvas"):
        report_canvas(run_child("canvas", str(10 if not args.quick else 3)))


if __name__ == "__main__":
    main()
