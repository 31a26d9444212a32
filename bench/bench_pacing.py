"""Does the window's full-machine pace pay for itself? The widened CNN trained from the
window with the pace switched off and on, each run next to a headless run of the same project.

    python -m bench.bench_pacing [--runs 8] [--epochs 50]

While the training process leaves less than half a core free (backends/training/load.py),
the window takes its events twice a second, the plots keep to a small CPU budget (about a
frame a second), and the progress bar and canvas gauges change about once a second. This
bench switches all of that off (`load.SPARE_CORES` below any load) and on, in one window
and in turns,
and prints for each: the window process's CPU (all its threads, in cores), the loss
plot's frames a second, and the median of the paired window / headless throughput ratios
with their range. On a machine with cores to spare both rows should read the same.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_gui import (
    WIDE,
    HeadlessRunner,
    describe_machine,
    make_app,
    make_window,
    train_in_window,
    wait_until,
)

SETTINGS = {"pace off": -1e9, "pace on": None}  # SPARE_CORES for each; None: the app's own


def prepare(window: Any, epochs: int) -> Path:
    from nodes import project

    window.open_example("digits_cnn")
    window.training.panel.set_setting("epochs", epochs)
    for node_name, values in WIDE.items():
        node = window.controller.doc.find_by_name(node_name)
        for param, value in values.items():
            assert window.controller.set_param(node.id, param, value)
    window.controller.undo_stack.setClean()
    folder = Path(tempfile.mkdtemp(prefix="netcanvas-bench-pacing-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "wide.json"
    project.save(window.controller.doc, path)  # the headless runner trains exactly this
    return path


def measure(app: Any, window: Any, headless: HeadlessRunner) -> dict[str, float]:
    cpu = time.process_time()  # the window's whole process: GUI thread and pipe reader
    run = train_in_window(app, window, None)
    window_cores = (time.process_time() - cpu) / run["wall"]
    return {"ratio": run["rate"] / headless.run()["rate"], "cores": window_cores, "fps": run["fps"]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import backends.training.load as load

    app_default = load.SPARE_CORES
    app = make_app()
    window = make_window()
    panel = window.training.panel
    wait_until(app, lambda: panel.runner.devices is not None, 30)
    headless = HeadlessRunner(prepare(window, args.epochs))
    measure(app, window, headless)  # warm-up: imports, allocations, pools
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in SETTINGS}
    for turn in range(args.runs):
        order = list(SETTINGS.items()) if turn % 2 == 0 else list(reversed(SETTINGS.items()))
        for name, spare in order:  # alternating which goes first, so drift hits both alike
            load.SPARE_CORES = app_default if spare is None else spare
            rows[name].append(measure(app, window, headless))
    load.SPARE_CORES = app_default
    headless.close()
    window.controller.undo_stack.setClean()
    panel.shutdown()
    window.close()

    print(f"netcanvas plot pacing on a full machine: {describe_machine()}")
    print(f"widened digits CNN, {args.epochs} epochs, {args.runs} interleaved turns\n")
    print(f"{'setting':<10} {'window cores':>13} {'loss plot fps':>14} {'ratio (range)':>20}")
    for name, results in rows.items():
        ratios = [r["ratio"] for r in results]
        spread = f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
        cores = statistics.median(r["cores"] for r in results)
        fps = statistics.median(r["fps"] for r in results)
        print(f"{name:<10} {cores:>13.3f} {fps:>14.1f} {spread:>20}")
    print(
        "    window cores: the window process's CPU time / wall time during its runs; ratio: window /\n"
        "    headless samples a second, the median of the pairs with their range (target >= 0.90x)"
    )


if __name__ == "__main__":
    main()
