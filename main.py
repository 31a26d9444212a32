"""netcanvas entry point: the designer window by default, subcommands for headless work.

python main.py                     open the window with an example
python main.py PROJECT             open a project
python main.py check PROJECT       validate and print a summary table
python main.py export PROJECT ...  write PyTorch source
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from backends.commands.cli import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
