"""Just enough of a user's data file to know its shapes, read in pure Python.

Node shape inference runs on every edit, so it must never load a whole data set
or import numpy. These helpers read a CSV header plus one scan for categorical
levels, or a .npy header, and cache the result keyed on (path, mtime, size). The
loaders in `backends.data` reuse the same schema, so the shapes a node promises
are the shapes training receives.

Relative paths resolve against one base folder, set by whoever knows where the
project lives (`set_base_dir` / `using_base_dir`); see paths.py for why.
"""

from nodes.datafiles.paths import (
    DataFileError,
    FileCache,
    base_dir,
    existing_file,
    resolve_path,
    set_base_dir,
    using_base_dir,
)

__all__ = [
    "DataFileError",
    "FileCache",
    "base_dir",
    "existing_file",
    "resolve_path",
    "set_base_dir",
    "using_base_dir",
]
