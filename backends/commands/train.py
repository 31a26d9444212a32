"""`netcanvas train PROJECT`: train headless with a progress line, per-epoch metrics and a log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Any

from backends.commands.cli import EXIT_FAILED, EXIT_OK
from backends.commands.common import load_or_report
from nodes.training_settings import TrainingSettings, TrainingSettingsError


def _format_metrics(metrics: dict[str, float]) -> str:
    parts = []
    for key, value in metrics.items():
        parts.append(f"{key} {value * 100:.1f}%" if key == "accuracy" else f"{key} {value:.4g}")
    return ", ".join(parts)


class _Printer:
    """Turns training events into terminal output and JSON lines."""

    def __init__(self, log: IO[str] | None, quiet: bool) -> None:
        self.log, self.quiet = log, quiet
        self.interactive = sys.stderr.isatty() and not quiet
        self.epochs = 0

    def __call__(self, event: Any) -> None:
        from backends.training import events as ev

        if isinstance(event, ev.RunStarted):
            self.epochs = event.epochs
            print(
                f"training on {event.device}: {event.train_samples} samples, {event.steps_per_epoch} steps "
                f"per epoch, {event.trainable_parameters:,} trainable parameters"
            )
            for note in event.notes:
                print(f"  note: {note}")
        elif isinstance(event, ev.Progress) and self.interactive:
            width = 30
            filled = int(event.fraction_done * width)
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] epoch {event.epoch}/{self.epochs} "
                f"loss {event.losses[-1]:.4f}  {event.samples_per_second:,.0f} samples/s  "
                f"ETA {event.eta_seconds:.0f}s "
            )
            sys.stderr.flush()
        elif isinstance(event, ev.EpochEnd):
            self._clear()
            val = f", val loss {event.val_loss:.4f}" if event.val_loss is not None else ""
            metrics = _format_metrics(event.val_metrics)
            print(
                f"epoch {event.epoch:>4}/{self.epochs}: train loss {event.train_loss:.4f}{val}"
                + (f", {metrics}" if metrics else "")
                + f"  ({event.samples_per_second:,.0f} samples/s)"
            )
            self._log({"event": "epoch", **{k: v for k, v in vars(event).items()}})
        elif isinstance(event, ev.Finished):
            self._clear()
            print(
                f"finished ({event.reason}) after {event.epochs_run} epochs in {event.elapsed_seconds:.1f}s"
            )
            print(f"test: {_format_metrics(event.test_metrics)}")
            if event.confusion is not None:
                print("confusion matrix (rows: true class, columns: predicted):")
                for row in event.confusion:
                    print("  " + " ".join(f"{int(v):>5}" for v in row))
            if event.advice:
                print(f"advice: {event.advice}")
            self._log(
                {
                    "event": "finished",
                    "reason": event.reason,
                    "test": event.test_metrics,
                    "advice": event.advice,
                }
            )
        elif isinstance(event, ev.Failed):
            self._clear()
            print(f"error: {event.message}", file=sys.stderr)
            if event.hint:
                print(f"hint: {event.hint}", file=sys.stderr)
            record = {"event": "failed", "kind": event.kind, "message": event.message}
            self._log({**record, "step": event.step, "steps_kept": event.steps_kept})

    def _clear(self) -> None:
        if self.interactive:
            sys.stderr.write("\r" + " " * 100 + "\r")

    def _log(self, record: dict[str, Any]) -> None:
        if self.log is not None:
            self.log.write(json.dumps(record, default=float) + "\n")
            self.log.flush()


def run_train(args: argparse.Namespace) -> int:
    doc = load_or_report(args.project)
    if doc is None:
        return EXIT_FAILED
    try:
        settings = TrainingSettings.from_dict(doc.settings.get("training"))
        overrides = {"device": args.device}
        if args.epochs is not None:
            overrides["epochs"] = args.epochs
        settings = settings.replace(**overrides)
    except TrainingSettingsError as exc:
        print(f"error: {args.project}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        log = open(args.log, "w", encoding="utf-8") if args.log else None  # noqa: SIM115 - closed below
    except OSError as exc:
        print(f"error: cannot write the log {args.log}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED
    try:
        return _train(doc, settings, Path(args.project).resolve().parent, _Printer(log, args.quiet), args)
    finally:
        if log is not None:
            log.close()


def _train(
    doc: Any, settings: TrainingSettings, base_dir: Path, printer: _Printer, args: argparse.Namespace
) -> int:
    from backends.training.loop import TrainingJob
    from backends.training.session import TrainingSession
    from backends.weights import WeightsError, save_weights

    job = TrainingJob(doc=doc, settings=settings, base_dir=base_dir, views=False)
    session = TrainingSession(job, printer).start()
    try:
        while session.running:
            session.wait(0.2)
    except KeyboardInterrupt:
        print("\nstopping after this batch...", file=sys.stderr)
        session.stop()
        session.wait()
    outcome = session.outcome
    if outcome is None or outcome.failed is not None:
        return EXIT_FAILED
    if args.save_weights and outcome.built is not None:
        try:
            save_weights(outcome.built.model, args.save_weights, {"project": doc.name})
        except WeightsError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"saved weights to {args.save_weights}")
    return EXIT_OK
