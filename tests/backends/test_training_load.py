"""The full-machine rule: a run that leaves less than half a core free, judged over a few reports."""

from __future__ import annotations

import pytest

from backends.training.load import TrainerLoad, usable_cores


def test_nothing_is_known_before_the_first_report() -> None:
    assert not TrainerLoad(cores=2).full
    assert TrainerLoad().cores == usable_cores() >= 1


@pytest.mark.parametrize(
    ("cores", "used", "full"), [(2, 1.0, False), (2, 1.6, True), (16, 15.2, False), (16, 15.6, True)]
)
def test_a_steady_load_is_full_when_less_than_half_a_core_is_left(
    cores: int, used: float, full: bool
) -> None:
    trainer = TrainerLoad(cores=cores)
    for _ in range(20):
        trainer.note(used)
    assert trainer.cores_used == pytest.approx(used, rel=1e-3)
    assert trainer.full is full


def test_one_busy_report_is_not_a_full_machine_and_a_new_run_starts_afresh() -> None:
    trainer = TrainerLoad(cores=2)
    trainer.note(2.0)  # a busy first report (a warm-up) alone
    assert not trainer.full
    for _ in range(5):
        trainer.note(1.0)  # a single-threaded trainer leaves a core free
    trainer.note(2.0)  # a busy tenth of a second (say, an evaluation on both threads)
    assert not trainer.full
    for _ in range(6):
        trainer.note(2.0)
    assert trainer.full
    trainer.forget()
    assert not trainer.full and trainer.cores_used is None
