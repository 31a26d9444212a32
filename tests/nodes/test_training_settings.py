from dataclasses import fields
from pathlib import Path

import pytest

from nodes.training_settings import TRAINING_PARAMS, TrainingSettings, TrainingSettingsError

ROOT = Path(__file__).resolve().parents[2]


def test_declarations_and_dataclass_agree() -> None:
    assert [f.name for f in fields(TrainingSettings)] == [p.name for p in TRAINING_PARAMS]
    assert TrainingSettings().to_dict() == {p.name: p.default for p in TRAINING_PARAMS}


def test_values_are_coerced_and_checked() -> None:
    settings = TrainingSettings.from_dict({"epochs": "7", "schedule": "cosine", "grad_clip": 1})
    assert (settings.epochs, settings.schedule, settings.grad_clip) == (7, "cosine", 1.0)
    with pytest.raises(TrainingSettingsError, match="epochs must be at least 1, got 0"):
        TrainingSettings.from_dict({"epochs": 0})
    with pytest.raises(TrainingSettingsError, match="unknown training setting 'epoch'"):
        TrainingSettings.from_dict({"epoch": 3})
    with pytest.raises(TrainingSettingsError, match="schedule must be one of"):
        TrainingSettings.from_dict({"schedule": "warmup"})


def test_replace_validates() -> None:
    assert TrainingSettings().replace(batch_size=0).batch_size == 0
    with pytest.raises(TrainingSettingsError):
        TrainingSettings().replace(batch_size=-1)


BAD = {"epochs": -5, "batch_size": 10, "epoch": 3, "schedule": "warmup"}


def test_salvage_keeps_the_valid_settings_and_names_each_left_out() -> None:
    kept, problems = TrainingSettings.salvage(BAD)
    assert kept == {"batch_size": 10}
    assert problems == [
        "training setting epochs must be at least 1, got -5",
        "unknown training setting 'epoch'",
        "training setting schedule must be one of none, step, cosine, plateau; got 'warmup'",
    ]
    for name in ("epochs", "schedule"):  # each message is the one from_dict gives for that entry alone
        with pytest.raises(TrainingSettingsError) as info:
            TrainingSettings.from_dict({name: BAD[name]})
        assert str(info.value) in problems
    assert TrainingSettings.salvage(None) == ({}, [])


def test_invalid_settings_in_a_project_are_problems_that_block_training_only() -> None:
    from nodes import project
    from nodes.analysis import analyze

    doc = project.load(ROOT / "resources" / "examples" / "xor_mlp.json")
    assert not analyze(doc).training_blockers()
    doc.set_meta("training", BAD)
    analysis = analyze(doc)
    found = [p for p in analysis.problems if p.code == "training_settings"]
    assert [p.message for p in found] == TrainingSettings.salvage(BAD)[1]
    assert analysis.can_build and not analysis.can_train
