"""The training loop: a frozen graph snapshot, its generated module, a data set, and reports.

`run_training` runs in the calling thread and never raises for a training problem:
bad data, a NaN loss, running out of memory or an exception in the model become a
`Failed` event, and the weights kept are the last good ones. Knows nothing of Qt.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from backends.codegen.model_source import CodegenError
from backends.module_builder import BuiltModel, build_model
from backends.training.advice import chance_loss, run_advice
from backends.training.control import TrainingControl
from backends.training.data_feed import Feed, FeedError, Split, build_feed
from backends.training.device import DeviceError, resolve_device
from backends.training.evaluation import Evaluator
from backends.training.events import (
    REPORT_INTERVAL,
    EpochEnd,
    Event,
    Failed,
    Finished,
    Histograms,
    Paused,
    Progress,
    Resumed,
    RunStarted,
)
from backends.training.probe import LayerProbe
from backends.training.schedules import make_scheduler
from nodes.analysis import analyze
from nodes.graph import GraphDocument
from nodes.training_plan import PlanError, TrainingPlan, plan_training
from nodes.training_settings import TrainingSettings

EventSink = Callable[[Event], None]
SMALL_MODEL = 20_000  # parameters; below this a CPU run uses one thread (restored afterwards)


@dataclass
class TrainingJob:
    doc: GraphDocument  # a snapshot: the caller's edits never reach a running job
    settings: TrainingSettings = field(default_factory=TrainingSettings)
    base_dir: Path | None = None  # where relative data paths are resolved
    report_interval: float = REPORT_INTERVAL  # seconds between Progress events
    instrument: bool = True  # per-layer gradient norms and histograms
    histogram_interval: float = 0.2  # seconds at least between histograms, whatever the step count
    views: bool = True  # decision boundary / regression curve pictures


@dataclass
class TrainingOutcome:
    built: BuiltModel | None = None
    finished: Finished | None = None
    failed: Failed | None = None
    history: list[EpochEnd] = field(default_factory=list)
    plan: TrainingPlan | None = None
    stopped_at: float | None = None  # perf_counter() when the loop noticed a stop request


class _NonFiniteLoss(Exception):
    """The loss of `step` was `value` (NaN or infinite), or its update left weights that are not."""

    def __init__(self, step: int, value: float, update: bool = False) -> None:
        self.step, self.value, self.update = step, value, update


def run_training(
    job: TrainingJob, on_event: EventSink, control: TrainingControl | None = None
) -> TrainingOutcome:
    outcome = TrainingOutcome()
    trainer = None
    threads = torch.get_num_threads()
    try:
        trainer = _Trainer(job, on_event, control or TrainingControl(), outcome)
        trainer.run()
    except (PlanError, CodegenError) as exc:
        outcome.failed = Failed(str(exc), kind="graph")
    except (FeedError, DeviceError) as exc:
        outcome.failed = Failed(str(exc), kind="data" if isinstance(exc, FeedError) else "error")
    except _NonFiniteLoss as exc:
        if exc.update:
            what = f"the gradients became infinite or NaN at step {exc.step}"
        else:
            what = f"the loss became {'NaN' if math.isnan(exc.value) else 'infinite'} at step {exc.step}"
        outcome.failed = Failed(
            f"{what}; training stopped and the weights from before that step are kept",
            hint="lower the learning rate (try ten times smaller), turn on gradient clipping, "
            "or scale the input data",
            step=exc.step,
            kind="nan",
            steps_kept=exc.step - 1,
        )
    except torch.cuda.OutOfMemoryError:
        outcome.failed = Failed(
            "the GPU ran out of memory",
            hint="use a smaller batch size or a smaller model, or train on the CPU",
            kind="out_of_memory",
        )
    except Exception as exc:  # any fault in a user-designed model becomes a report
        outcome.failed = Failed(_describe(exc), hint=_data_hint(exc), kind=_kind_of(exc))
    if outcome.failed is not None:
        if trainer is not None and outcome.failed.kind != "nan":
            outcome.failed.steps_kept = trainer.step
            outcome.failed.step = trainer.step + 1 if trainer.in_step else None
        on_event(outcome.failed)
    torch.set_num_threads(threads)
    return outcome


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def _kind_of(exc: Exception) -> str:
    return "data" if type(exc).__name__ == "DataError" else "error"


def _data_hint(exc: Exception) -> str:
    if _kind_of(exc) == "data":
        return "fix the data file or the data set node's settings"
    return "check the shapes on the canvas; if they look right, this may be a bug in netcanvas"


class _Trainer:
    def __init__(
        self, job: TrainingJob, on_event: EventSink, control: TrainingControl, outcome: TrainingOutcome
    ):
        self.job, self.emit, self.control, self.outcome = job, on_event, control, outcome
        self.settings = job.settings
        self.step = 0  # steps completed
        self.in_step = False  # between the start of a step's forward pass and its update

    # ---- setup -------------------------------------------------------------------

    def _prepare(self) -> None:
        from backends.data import load_dataset  # the data package pulls in scikit-learn lazily

        doc = self.job.doc
        analysis = analyze(doc)
        plan = plan_training(doc, analysis)
        self.outcome.plan = plan
        self.device = resolve_device(self.settings.device)
        torch.manual_seed(self.settings.seed)
        self.built = build_model(doc, analysis)
        self.outcome.built = self.built
        self.model = self.built.model.to(self.device)
        if _convolves_images(self.model) and self.device.type in ("cpu", "cuda"):
            # oneDNN and cuDNN run 2-D convolutions faster on channels-last weights (digits CNN: ~1.25x
            # a step on the CPU); the exported script does the same, so its numbers still match.
            self.model = self.model.to(memory_format=torch.channels_last)
        self.loss_fn = self.built.make_loss().to(self.device)
        self.optimizer = self.built.make_optimizer(self.model)
        self.loss_type = doc.node(plan.loss_id).type_id
        # A blind guess spreads over the scores the model gives (16 outputs: ln 16), not over
        # the data set's classes; the advice compares the loss with that guess.
        prediction = (analysis.info[plan.loss_id].in_shapes or [None])[0]
        scores = prediction[1] if prediction is not None and len(prediction) >= 2 else None
        self.blind_guess_loss = chance_loss(self.loss_type, scores if isinstance(scores, int) else None)
        source = doc.node(plan.source_id)
        self.splits = load_dataset(
            source.type_id, dict(analysis.info[source.id].params or {}), self.job.base_dir
        )
        input_node = doc.node(plan.input_id)
        target = doc.node(plan.target_id) if plan.target_id else None
        self.feed: Feed = build_feed(
            self.splits,
            self.device,
            dict(analysis.info[input_node.id].params or {}),
            input_node.name,
            dict(analysis.info[target.id].params or {}) if target else None,
            target.name if target else "",
        )
        self.augment = _augmenter(self.splits)
        self.probe = LayerProbe(self.model)
        if self.device.type == "cpu" and sum(p.numel() for p in self.probe.params) < SMALL_MODEL:
            # Tiny models spend their time in per-op overhead, where a second intra-op
            # thread only adds contention (bench: spiral MLP 137k vs 46k samples/s on 2 cores).
            torch.set_num_threads(1)
        self.params = self.probe.params
        self.scheduler = make_scheduler(self.settings, self.optimizer)
        self.amp = self.settings.mixed_precision and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda") if self.amp else None
        self.evaluator = Evaluator(self.model, self.loss_fn, self.loss_type, self.splits, self.feed)
        self.generator = torch.Generator().manual_seed(self.settings.seed)
        n = len(self.feed.train)
        self.batch_size = n if self.settings.batch_size == 0 else min(self.settings.batch_size, n)
        self.steps_per_epoch = math.ceil(n / self.batch_size)
        self.total_steps = self.steps_per_epoch * self.settings.epochs
        # The weights (parameters and buffers such as BatchNorm's statistics) that steps k-1 and k
        # started from, kept while every loss so far was finite: when the reporter later finds that
        # step k's loss was not, it restores those of step k, or of step k-1 if step k-1's update
        # already broke them. On the CPU the flag is read on the host (free); elsewhere it stays on
        # the device so that no step waits for the host.
        self.state_tensors = [*self.model.parameters(), *self.model.buffers()]
        self.kept_states = [[t.detach().clone() for t in self.state_tensors] for _ in range(2)]
        self.host_checks = _reads_loss_on_host(self.device)
        self.all_finite: bool | torch.Tensor = (
            True if self.host_checks else torch.ones((), dtype=torch.bool, device=self.device)
        )

    # ---- the run -----------------------------------------------------------------

    def run(self) -> None:
        self._prepare()
        notes = list(getattr(self.splits, "notes", []))
        early_stopping = self.settings.early_stopping and self.feed.val is not None
        if self.settings.early_stopping and not early_stopping:
            notes.append("early stopping needs a validation split; it is off for this run")
        self.emit(
            RunStarted(
                device=str(self.device),
                epochs=self.settings.epochs,
                steps_per_epoch=self.steps_per_epoch,
                train_samples=len(self.feed.train),
                layer_names=list(self.probe.layer_names),
                task=self.splits.task,
                num_classes=self.splits.num_classes,
                class_names=list(getattr(self.splits, "class_names", []) or []),
                trainable_parameters=sum(p.numel() for p in self.params),
                notes=notes,
            )
        )
        self.started = time.perf_counter()
        self._restart_window()
        self.samples_seen = 0
        self.pending_losses: list[torch.Tensor] = []
        self.last_report = self.started
        self.last_histogram, self.last_histogram_step = -math.inf, 0
        best_loss, best_epoch, best_state, waited = math.inf, 0, None, 0
        reason, epoch = "completed", 0
        for epoch in range(1, self.settings.epochs + 1):
            epoch_loss = self._train_epoch(epoch)
            if epoch_loss is None:
                reason = "stopped"
                epoch -= 1
                break
            val_loss, val_metrics = self.evaluator.evaluate(self.feed.val)
            monitored = val_loss if val_loss is not None else epoch_loss
            if monitored < best_loss:
                best_loss, best_epoch, waited = monitored, epoch, 0
                if early_stopping:  # off without a validation split: keep the last weights then
                    best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            else:
                waited += 1
            self._step_scheduler(monitored)
            self._emit_epoch(epoch, epoch_loss, val_loss, val_metrics, best_epoch)
            if early_stopping and waited >= self.settings.patience:
                reason = "early stopping"
                break
        restored = best_state is not None and reason != "stopped"
        if restored:
            self.model.load_state_dict(best_state)
        self._finish(reason, epoch, best_epoch, restored)

    def _train_epoch(self, epoch: int) -> float | None:
        """One pass over the training split; None if a stop was requested."""
        self.model.train()
        order = torch.randperm(len(self.feed.train), generator=self.generator)
        if self.feed.on_device:
            order = order.to(self.device)
        total = torch.zeros((), device=self.device)
        seen = 0
        for first in range(0, len(order), self.batch_size):
            if not self._poll_control(epoch):
                self.outcome.stopped_at = time.perf_counter()
                self._report(epoch, force=True)
                return None
            self.in_step = True
            x, y = self.feed.batch(self.feed.train, order[first : first + self.batch_size])
            if self.augment is not None:
                x = self.augment(x, self.generator)
            loss = self._train_step(x, y)
            total += loss.detach() * x.shape[0]
            seen += x.shape[0]
            if time.perf_counter() - self.last_report >= self.job.report_interval:
                self._report(epoch)
        self._report(epoch, force=True)
        return float(total) / max(seen, 1)

    def _train_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        self._keep_good_state()
        autocast = torch.autocast("cuda", dtype=torch.float16) if self.amp else nullcontext()
        with autocast:
            loss = self.loss_fn(self.model(x), y)
            if self.settings.l1 > 0:
                loss = loss + self.settings.l1 * sum(p.abs().sum() for p in self.params if p.dim() > 1)
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        self._note_finite(loss)
        if self.job.instrument:
            self.probe.record_gradient_norms()
        if self.settings.grad_clip > 0:
            nn.utils.clip_grad_norm_(self.params, self.settings.grad_clip)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.step += 1
        self.in_step = False
        self.window_steps += 1
        self.window_samples += x.shape[0]
        self.samples_seen += x.shape[0]
        self.pending_losses.append(loss.detach())
        if self.job.instrument and self.step % self.settings.histogram_every == 0:
            self._emit_histograms()
        return loss

    def _emit_histograms(self, final: bool = False) -> None:
        """Every `histogram_every` steps, but no more often than a person can look at them."""
        now = time.perf_counter()
        if final or now - self.last_histogram >= self.job.histogram_interval:
            self.last_histogram, self.last_histogram_step = now, self.step
            self.emit(Histograms(self.step, self.probe.histograms()))

    @torch.no_grad()
    def _keep_good_state(self) -> None:
        """While every loss so far was finite, remember the weights this step starts from."""
        kept = self.kept_states[(self.step + 1) % 2]
        if self.host_checks:
            if self.all_finite:
                torch._foreach_copy_(kept, self.state_tensors)
        else:
            for old, current in zip(kept, self.state_tensors, strict=True):
                torch.where(self.all_finite, current, old, out=old)

    def _note_finite(self, loss: torch.Tensor) -> None:
        if self.host_checks:
            self.all_finite = self.all_finite and math.isfinite(loss.detach().item())
        else:
            self.all_finite &= torch.isfinite(loss.detach())

    def _poll_control(self, epoch: int) -> bool:
        """Honour pause, resume, a new learning rate and stop; False means stop now."""
        if self.control.paused and not self.control.stopped:
            self._report(epoch)  # the plots show every step trained before the pause
            self.emit(Paused(self.step))
            while self.control.paused and not self.control.stopped:
                self.control.wait_while_paused()
            # Taken after the wait: a new rate sent just before "resume" must be in Resumed.
            self._apply_learning_rate()
            self._restart_window()  # a pause is not training time
            if not self.control.stopped:
                self.emit(Resumed(self.step, self._learning_rate()))
        self._apply_learning_rate()
        return not self.control.stopped

    def _apply_learning_rate(self) -> None:
        value = self.control.take_learning_rate()
        if value is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = value

    def _learning_rate(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    # ---- reporting -----------------------------------------------------------------

    def _report(self, epoch: int, force: bool = False) -> None:
        if not self.pending_losses:
            return
        losses = torch.stack(self.pending_losses).float().cpu().numpy()
        first_step = self.step - len(losses) + 1
        self.pending_losses.clear()
        grad_norms = self.probe.drain_gradient_norms() if self.job.instrument else {}
        bad = ~np.isfinite(losses)
        if bad.any():
            index = int(np.argmax(bad))
            step, update = first_step + index, False
            kept = self.kept_states[step % 2]
            if step > 1 and not all(torch.isfinite(t).all() for t in kept if t.is_floating_point()):
                # The loss was fine one step earlier, but that step's update (its gradients) was not.
                step, update = step - 1, True
                kept = self.kept_states[step % 2]
            with torch.no_grad():  # back to the weights from before the bad step
                torch._foreach_copy_(self.state_tensors, kept)
            shown = step - first_step
            if shown > 0:  # the good steps before it are still worth a plot
                norms = {name: values[:shown] for name, values in grad_norms.items()}
                self._emit_progress(epoch, first_step, losses[:shown], norms)
            raise _NonFiniteLoss(step, float(losses[index]), update)
        self._emit_progress(epoch, first_step, losses, grad_norms)

    def _emit_progress(
        self, epoch: int, first_step: int, losses: np.ndarray, grad_norms: dict[str, np.ndarray]
    ) -> None:
        now = time.perf_counter()
        wall = max(now - self.window_start, 1e-9)
        rate, cores_used = self.window_samples / wall, (time.process_time() - self.window_cpu) / wall
        self._restart_window()
        self.last_report = now
        last_step = first_step + len(losses) - 1
        done = last_step / max(self.total_steps, 1)
        self.emit(
            Progress(
                epoch=epoch,
                steps=np.arange(first_step, last_step + 1),
                losses=losses,
                grad_norms=grad_norms,
                weight_norms=self.probe.weight_norms() if self.job.instrument else {},
                learning_rate=self._learning_rate(),
                samples_per_second=rate,
                eta_seconds=self._eta(),
                fraction_done=done,
                cores_used=cores_used,
            )
        )

    def _restart_window(self) -> None:
        """Start measuring the next report's rate and CPU use from now."""
        self.window_start, self.window_steps, self.window_samples = time.perf_counter(), 0, 0
        self.window_cpu = time.process_time()

    def _eta(self) -> float:
        elapsed = time.perf_counter() - self.started
        return elapsed / max(self.step, 1) * (self.total_steps - self.step)

    def _step_scheduler(self, monitored: float) -> None:
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(monitored)
        else:
            self.scheduler.step()

    def _emit_epoch(
        self, epoch: int, train_loss: float, val_loss: float | None, metrics: dict, best: int
    ) -> None:
        elapsed = time.perf_counter() - self.started
        event = EpochEnd(
            epoch=epoch,
            train_loss=train_loss,
            val_loss=val_loss,
            val_metrics=metrics,
            learning_rate=self._learning_rate(),
            samples_per_second=self.samples_seen / max(elapsed, 1e-9),
            elapsed_seconds=elapsed,
            eta_seconds=self._eta(),
            best_epoch=best,
        )
        self.outcome.history.append(event)
        self.emit(event)
        if self.job.views:
            view = self.evaluator.view(epoch, last=epoch == self.settings.epochs)
            if view is not None:
                self.emit(view)

    def _finish(self, reason: str, epochs_run: int, best_epoch: int, restored: bool) -> None:
        if self.job.instrument and self.step > 0 and (restored or self.last_histogram_step != self.step):
            self._emit_histograms(final=True)  # the weights the run ends with
        if self.job.views and reason != "completed":
            # A stopped or early-stopped run ends with a picture of the weights it keeps.
            view = self.evaluator.view(epochs_run, last=True)
            if view is not None:
                self.emit(view)
        split_name, split = next(
            (name, part)
            for name, part in (
                ("test", self.feed.test),
                ("validation", self.feed.val),
                ("training", self.feed.train),
            )
            if part is not None
        )
        metrics, confusion = self.evaluator.final(split)
        finished = Finished(
            reason=reason,
            epochs_run=epochs_run,
            best_epoch=best_epoch,
            test_metrics=metrics,
            confusion=confusion,
            class_names=list(getattr(self.splits, "class_names", []) or []),
            elapsed_seconds=time.perf_counter() - self.started,
            split=split_name,
            samples=len(split),
            advice=run_advice(
                reason,
                [e.train_loss for e in self.outcome.history],
                best_epoch,
                # The rate the run started from: a schedule's decayed rate is no advice.
                float(self.optimizer.param_groups[0].get("initial_lr", self._learning_rate())),
                metrics.get("accuracy"),
                self.blind_guess_loss,
                chance_loss(self.loss_type, self.splits.num_classes),
            ),
        )
        self.outcome.finished = finished
        self.emit(finished)


def _convolves_images(model: nn.Module) -> bool:
    return any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in model.modules())


def _reads_loss_on_host(device: torch.device) -> bool:
    """Whether reading each step's loss on the host is free (no queue of device work to wait for)."""
    return device.type == "cpu"


def _augmenter(splits: object) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None:
    """Image augmentation as the data set asks (its loader turns it off for non-images)."""
    flags = getattr(splits, "augment", None)
    if flags is None or not flags.any:
        return None
    from backends.data import augment_batch

    return lambda x, generator: augment_batch(x, flags, generator)


__all__ = ["Split", "TrainingJob", "TrainingOutcome", "run_training"]
