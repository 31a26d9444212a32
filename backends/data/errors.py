"""The one exception data loading raises; its message names the file, row and column at fault."""

from __future__ import annotations

from nodes.datafiles import DataFileError


class DataError(DataFileError):
    """A data set that cannot be loaded or prepared, in words a learner can act on.

    Attributes `path`, `row` (spreadsheet numbering: the header is row 1), `column`
    and `reason` are set where they are known; str() joins them.
    """


def as_data_error(exc: DataFileError) -> DataError:
    """The header-level error from nodes.datafiles as a DataError (the same message)."""
    if isinstance(exc, DataError):
        return exc
    return DataError(exc.reason, path=exc.path, row=exc.row, column=exc.column)
