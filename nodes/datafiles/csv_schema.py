"""The shape a CSV file will give: columns, numeric or text, categorical levels, classes.

`csv_schema` reads the header and scans every cell once (pure Python, cached on
the file's mtime and size). The loader in backends.data builds its arrays from the
same schema, so a node's inferred shape and the loaded arrays always agree.

Conventions: the first row names the columns; rows are numbered as in a
spreadsheet (the header is row 1); empty cells and NA, N/A, NaN, null, none and ?
are missing values. A column is numeric when at least 80% of its values are
numbers; any text left in it is then reported as a mistake with its row. Other
columns hold categories (text levels).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nodes.datafiles.paths import DataFileError, FileCache, existing_file

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
CATEGORICAL_MODES = ("one-hot", "ordinal", "drop")
TASKS = ("classification", "regression")
ONE_HOT_LIMIT = 100  # more levels than this is almost always an identifier column
LEVEL_LIMIT = 1000
NUMERIC_SHARE = 0.8

_cache = FileCache()

# Builds the error for a reason, optionally with row= and column=.
Fail = Callable[..., DataFileError]


def is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING_TOKENS


def parse_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


@contextmanager
def csv_rows(
    path: Path, delimiter: str, display: str
) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
    """The header and an iterator of (row number, cells); widths and encoding are checked."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DataFileError(f"cannot be read ({exc.strerror})", path=display) from None
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)

        def rows() -> Iterator[tuple[int, list[str]]]:
            try:
                for cells in reader:
                    if not cells or all(not c.strip() for c in cells):
                        continue  # blank line
                    yield reader.line_num, cells
            except UnicodeDecodeError:
                raise DataFileError(
                    "is not UTF-8 text (save it as UTF-8 CSV)", path=display, row=reader.line_num + 1
                ) from None
            except csv.Error as exc:
                raise DataFileError(f"is not valid CSV ({exc})", path=display, row=reader.line_num) from None

        stream = rows()
        first = next(stream, None)
        if first is None:
            raise DataFileError("is empty; a CSV file needs a header row and data rows", path=display)
        header = _header(first[1], display, first[0])
        yield header, _checked(stream, len(header), display)


def _header(cells: list[str], display: str, row: int) -> list[str]:
    names = [c.strip() or f"column {i + 1}" for i, c in enumerate(cells)]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataFileError(f"the header names column {name!r} twice", path=display, row=row)
        seen.add(name)
    return names


def _checked(
    rows: Iterator[tuple[int, list[str]]], width: int, display: str
) -> Iterator[tuple[int, list[str]]]:
    for row, cells in rows:
        if len(cells) != width:
            raise DataFileError(
                f"has {len(cells)} values but the header names {width} columns", path=display, row=row
            )
        yield row, cells


@dataclass
class ColumnStats:
    name: str
    numeric: int = 0
    text: int = 0
    missing: int = 0
    first_text: tuple[int, str] | None = None
    first_infinite: tuple[int, str] | None = None
    values: dict[str, None] = field(default_factory=dict)  # distinct stripped values, ordered
    overflow: bool = False  # more than LEVEL_LIMIT distinct values

    def add(self, row: int, raw: str) -> None:
        text = raw.strip()
        if text.lower() in MISSING_TOKENS:
            self.missing += 1
            return
        number = parse_number(text)
        if number is None:
            self.text += 1
            if self.first_text is None:
                self.first_text = (row, text)
        else:
            self.numeric += 1
            if number in (float("inf"), float("-inf")) and self.first_infinite is None:
                self.first_infinite = (row, text)
        if not self.overflow and text not in self.values:
            if len(self.values) >= LEVEL_LIMIT:
                self.overflow = True
            else:
                self.values[text] = None

    @property
    def present(self) -> int:
        return self.numeric + self.text

    @property
    def looks_numeric(self) -> bool:
        return self.numeric > 0 and self.numeric >= NUMERIC_SHARE * self.present


@dataclass(frozen=True)
class CsvScan:
    header: tuple[str, ...]
    columns: tuple[ColumnStats, ...]
    rows: int


def scan_csv(path: Path, delimiter: str, display: str) -> CsvScan:
    """Read every cell once and count what each column holds (no caching)."""
    with csv_rows(path, delimiter, display) as (header, rows):
        stats = [ColumnStats(name) for name in header]
        count = 0
        for row, cells in rows:
            count += 1
            for column, cell in zip(stats, cells):  # noqa: B905 - widths checked by csv_rows
                column.add(row, cell)
    return CsvScan(tuple(header), tuple(stats), count)


@dataclass(frozen=True)
class CsvFeature:
    name: str
    index: int  # position in the file
    levels: tuple[str, ...] | None = None  # text values in code order; None for numbers

    @property
    def categorical(self) -> bool:
        return self.levels is not None


@dataclass(frozen=True)
class CsvSchema:
    path: Path
    display: str
    delimiter: str
    rows: int
    features: tuple[CsvFeature, ...]
    target: CsvFeature
    task: str
    categorical: str
    classes: tuple[str, ...] = ()  # classification: class names in index order
    numeric_classes: bool = False  # labels are numbers, matched by value ("1" == "1.0")
    left_out: tuple[str, ...] = ()  # text columns dropped because categorical is "drop"
    ignored: tuple[str, ...] = ()

    def encoded_width(self, feature: CsvFeature) -> int:
        if feature.levels is not None and self.categorical == "one-hot":
            return len(feature.levels)
        return 1

    @property
    def width(self) -> int:
        return sum(self.encoded_width(f) for f in self.features)

    def feature_names(self) -> list[str]:
        names: list[str] = []
        for feature in self.features:
            if feature.levels is not None and self.categorical == "one-hot":
                names.extend(f"{feature.name}={level}" for level in feature.levels)
            else:
                names.append(feature.name)
        return names

    def class_lookup(self) -> dict[object, int]:
        if self.numeric_classes:
            return {float(name): i for i, name in enumerate(self.classes)}
        return {name: i for i, name in enumerate(self.classes)}

    def class_key(self, text: str) -> object:
        text = text.strip()
        return float(text) if self.numeric_classes else text


def csv_schema(
    path_text: str,
    *,
    base: Path | None = None,
    target: str = "",
    task: str = "classification",
    categorical: str = "one-hot",
    ignore: str = "",
    delimiter: str = "comma",
) -> CsvSchema:
    """What the file gives for these options, or DataFileError naming the row and column at fault."""
    path = existing_file(path_text, base, what="CSV file")
    display = path_text.strip()
    sep = DELIMITERS[delimiter]
    scan = _cache.get(path, ("csv", sep), lambda: scan_csv(path, sep, display))
    return _derive(scan, path, display, delimiter, target, task, categorical, ignore)


def _derive(
    scan: CsvScan,
    path: Path,
    display: str,
    delimiter: str,
    target: str,
    task: str,
    categorical: str,
    ignore: str,
) -> CsvSchema:
    def fail(reason: str, row: int | None = None, column: str | None = None) -> DataFileError:
        return DataFileError(reason, path=display, row=row, column=column)

    if scan.rows == 0:
        raise fail("has a header but no data rows")
    by_name = {c.name: (i, c) for i, c in enumerate(scan.columns)}
    target_name = target or scan.header[-1]
    if target_name not in by_name:
        raise fail(
            f"has no column {target_name!r} to use as the target; its columns are {_names(scan.header)}"
        )
    ignored = tuple(name.strip() for name in ignore.split(",") if name.strip())
    for name in ignored:
        if name not in by_name:
            raise fail(f"has no column {name!r} to ignore; its columns are {_names(scan.header)}")
        if name == target_name:
            raise fail(f"cannot ignore {name!r}: it is the target")
    index, stats = by_name[target_name]
    classes, numeric_classes = _target(stats, task, fail)

    features: list[CsvFeature] = []
    left_out: list[str] = []
    for i, column in enumerate(scan.columns):
        if i == index or column.name in ignored:
            continue
        if column.present == 0:
            raise fail("has no values at all; add it to 'ignore'", column=column.name)
        if column.looks_numeric:
            _check_numbers(column, fail, "the column's other values are numbers")
            features.append(CsvFeature(column.name, i))
        elif categorical == "drop":
            left_out.append(column.name)
        else:
            features.append(CsvFeature(column.name, i, _levels(column, categorical, fail)))
    if not features:
        raise fail("has no feature columns besides the target")
    return CsvSchema(
        path=path,
        display=display,
        delimiter=delimiter,
        rows=scan.rows,
        features=tuple(features),
        target=CsvFeature(target_name, index, classes if task == "classification" else None),
        task=task,
        categorical=categorical,
        classes=classes,
        numeric_classes=numeric_classes,
        left_out=tuple(left_out),
        ignored=ignored,
    )


def _target(stats: ColumnStats, task: str, fail: Fail) -> tuple[tuple[str, ...], bool]:
    if stats.present == 0:
        raise fail("the target column has no values", column=stats.name)
    if task == "regression":
        _check_numbers(stats, fail, "a regression target must be numeric (or choose task 'classification')")
        return (), False
    if stats.overflow:
        raise fail(
            f"the target has more than {LEVEL_LIMIT} different values; to predict a number choose "
            "task 'regression'",
            column=stats.name,
        )
    if stats.text == 0:
        values = sorted({float(v) for v in stats.values})
        classes = tuple(format_number(v) for v in values)
        numeric = True
    else:
        classes = tuple(sorted(stats.values))
        numeric = False
    if len(classes) < 2:
        raise fail(
            f"the target holds only one class ({classes[0]!r}); a classifier needs at least two",
            column=stats.name,
        )
    return classes, numeric


def _check_numbers(column: ColumnStats, fail: Fail, why: str) -> None:
    if column.first_text is not None:
        row, value = column.first_text
        more = f" ({column.text} values in this column are not numbers)" if column.text > 1 else ""
        raise fail(f"{value!r} is not a number; {why}{more}", row=row, column=column.name)
    if column.first_infinite is not None:
        row, value = column.first_infinite
        raise fail(f"{value!r} is infinite; use a finite number", row=row, column=column.name)


def _levels(column: ColumnStats, categorical: str, fail: Fail) -> tuple[str, ...]:
    if column.overflow:
        raise fail(
            f"has more than {LEVEL_LIMIT} different text values (an identifier?); add it to 'ignore'",
            column=column.name,
        )
    if categorical == "one-hot" and len(column.values) > ONE_HOT_LIMIT:
        raise fail(
            f"has {len(column.values)} different text values, too many for one-hot columns; "
            "choose categorical 'ordinal', or add it to 'ignore'",
            column=column.name,
        )
    return tuple(sorted(column.values))


def _names(header: tuple[str, ...], limit: int = 12) -> str:
    shown = ", ".join(repr(n) for n in header[:limit])
    return shown + (f" and {len(header) - limit} more" if len(header) > limit else "")


def clear_cache() -> None:
    _cache.clear()
