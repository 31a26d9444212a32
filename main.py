"""netcanvas entry point: the designer window by default, subcommands for headless work.

python main.py                     open the window with an example network
python main.py PROJECT             open a project in the window
python main.py check PROJECT       validate and print a summary table
python main.py export PROJECT ...  write PyTorch source (model or training script)
python main.py train PROJECT ...   train headless
"""

from __future__ import annotations

import sys

EXIT_USAGE = 2


def open_window(project: str | None) -> int:
    try:
        from designer.app import launch
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("designer"):
            # The window is built in its own milestone; until then the commands are the app.
            from backends.commands.cli import print_help

            print(
                "The designer window is not part of this build yet; use the commands below.\n",
                file=sys.stderr,
            )
            print_help()
            return 0
        print(
            f"error: the designer window needs {exc.name}; reinstall netcanvas with its dependencies",
            file=sys.stderr,
        )
        return 1
    return launch(project)


def main(argv: list[str] | None = None) -> int:
    from backends.commands.cli import COMMANDS, run

    args = sys.argv[1:] if argv is None else argv
    if args and (args[0] in COMMANDS or args[0].startswith("-")):
        return run(args)
    if len(args) > 1:
        print(f"error: unknown command {args[0]!r}; see 'netcanvas --help'", file=sys.stderr)
        return EXIT_USAGE
    return open_window(args[0] if args else None)


if __name__ == "__main__":
    sys.exit(main())
