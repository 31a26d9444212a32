from dataclasses import fields

import pytest

from nodes.training_settings import TRAINING_PARAMS, TrainingSettings, TrainingSettingsError


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
