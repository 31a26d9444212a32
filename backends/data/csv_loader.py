"""Load a CSV file into RawData, following the schema the CsvData node inferred.

Order of work: parse cells; drop rows without a target; drop rows with missing
values (or keep them to fill); split; fill gaps with training-split statistics;
encode text columns as one-hot columns or integer codes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from backends.data.errors import DataError, as_data_error
from backends.data.prepare import RawData, split_indices
from nodes.datafiles import DataFileError
from nodes.datafiles.csv_schema import DELIMITERS, CsvSchema, csv_rows, csv_schema, is_missing, parse_number

Params = Mapping[str, Any]


def load_csv(params: Params, base: Path | None) -> RawData:
    try:
        schema = csv_schema(
            params["path"],
            base=base,
            target=params["target"],
            task=params["task"],
            categorical=params["categorical"],
            ignore=params["ignore"],
            delimiter=params["delimiter"],
        )
        x, y, notes = _read(schema)
    except DataFileError as exc:
        raise as_data_error(exc) from None
    names = [f.name for f in schema.features]
    if params["missing"] == "drop":
        keep = ~np.isnan(x).any(axis=1)
        if not keep.any():
            raise DataError("every row has a missing value; choose missing 'fill'", path=schema.display)
        if not keep.all():
            notes.append(_dropped_note(int((~keep).sum()), np.isnan(x[~keep]).sum(axis=0), names))
            x, y = x[keep], y[keep]
    labels = y if schema.task == "classification" else None
    indices = split_indices(
        len(x), labels, params["validation_fraction"], params["test_fraction"], params["seed"]
    )
    notes.extend(_fill(x, indices[0], schema))
    x, mask = _encode(x, schema)
    if schema.left_out:
        notes.append(f"left out text columns {_quoted(schema.left_out)} (categorical: drop)")
    if schema.ignored:
        notes.append(f"ignored columns {_quoted(schema.ignored)}")
    return RawData(
        x,
        y,
        schema.task,
        schema.feature_names(),
        list(schema.classes) if schema.task == "classification" else None,
        notes=notes,
        scale_mask=mask,
        indices=indices,
        x_name=schema.display,
        y_name=schema.display,
        y_column=schema.target.name,
        title=Path(schema.display).name,
    )


def _read(schema: CsvSchema) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features (NaN where missing; text as level codes) and targets, row by row."""
    features = schema.features
    codes = [{level: i for i, level in enumerate(f.levels)} if f.levels else None for f in features]
    classes = schema.class_lookup()
    target = schema.target
    rows: list[list[float]] = []
    targets: list[float] = []
    no_target = 0

    def fail(reason: str, row: int, column: str) -> DataError:
        return DataError(reason + " (has the file changed?)", path=schema.display, row=row, column=column)

    with csv_rows(schema.path, DELIMITERS[schema.delimiter], schema.display) as (_, lines):
        for line, cells in lines:
            text = cells[target.index].strip()
            if is_missing(text):
                no_target += 1
                continue
            if schema.task == "classification":
                label = classes.get(schema.class_key(text) if parse_number(text) is not None else text)
                if label is None:
                    raise fail(f"{text!r} is not one of the classes", line, target.name)
                targets.append(label)
            else:
                number = parse_number(text)
                if number is None or not math.isfinite(number):
                    raise fail(f"{text!r} is not a finite number", line, target.name)
                targets.append(number)
            row: list[float] = []
            for feature, levels in zip(features, codes, strict=True):
                cell = cells[feature.index].strip()
                if is_missing(cell):
                    row.append(math.nan)
                elif levels is not None:
                    if cell not in levels:
                        raise fail(f"{cell!r} is a new value", line, feature.name)
                    row.append(levels[cell])
                else:
                    number = parse_number(cell)
                    if number is None or not math.isfinite(number):
                        raise fail(f"{cell!r} is not a finite number", line, feature.name)
                    row.append(number)
            rows.append(row)
    notes = []
    if no_target:
        notes.append(f"dropped {no_target} rows with no value in the target column {target.name!r}")
    if not rows:
        raise DataError(f"no row has a value in the target column {target.name!r}", path=schema.display)
    kind = np.int64 if schema.task == "classification" else np.float64
    return np.array(rows, dtype=np.float64), np.array(targets, dtype=kind), notes


def _dropped_note(count: int, per_column: np.ndarray, names: list[str]) -> str:
    detail = ", ".join(f"{int(k)} in {name!r}" for k, name in zip(per_column, names, strict=True) if k)
    return f"dropped {count} rows with missing values ({detail})"


def _fill(x: np.ndarray, train: np.ndarray, schema: CsvSchema) -> list[str]:
    """Fill gaps in place with the training split's mean (numbers) or most common value (text)."""
    notes = []
    for j, feature in enumerate(schema.features):
        gaps = np.isnan(x[:, j])
        if not gaps.any():
            continue
        known = x[train, j][~np.isnan(x[train, j])]
        if len(known) == 0:
            raise DataError(
                "has no values in the training split to fill missing ones with; choose missing 'drop' "
                "or ignore this column",
                path=schema.display,
                column=feature.name,
            )
        if feature.levels is not None:
            code = int(np.bincount(known.astype(np.int64)).argmax())
            value, text = float(code), f"the most common value {feature.levels[code]!r}"
        else:
            value = float(known.mean())
            text = f"the training mean {value:.4g}"
        x[gaps, j] = value
        notes.append(f"filled {int(gaps.sum())} missing values in {feature.name!r} with {text}")
    return notes


def _encode(x: np.ndarray, schema: CsvSchema) -> tuple[np.ndarray, np.ndarray]:
    """Expand text columns into one-hot columns (or keep codes); the mask marks columns to scale."""
    columns: list[np.ndarray] = []
    mask: list[bool] = []
    for j, feature in enumerate(schema.features):
        if feature.levels is not None and schema.categorical == "one-hot":
            codes = x[:, j].astype(np.int64)
            columns.append(np.eye(len(feature.levels))[codes])
            mask.extend([False] * len(feature.levels))
        else:
            columns.append(x[:, j : j + 1])
            mask.append(True)
    return np.concatenate(columns, axis=1), np.array(mask)


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(repr(n) for n in names)
