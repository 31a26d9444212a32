"""Argument parsing and dispatch for the netcanvas command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

DESCRIPTION = """\
netcanvas: draw a neural network, train it with PyTorch, export readable Python.

Run without a command to open the designer window (optionally with a PROJECT file).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netcanvas",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate a project and print its summary table",
        description="Validate a project: a summary table (node, type, output shape, parameter count, "
        "connections), the totals, then every error and warning. Exits 1 if the model cannot be built.",
    )
    check.add_argument("project", help="a netcanvas project file (.json)")

    export = commands.add_parser(
        "export",
        help="write the network as PyTorch source",
        description="Write the project as Python. 'python' gives one nn.Module subclass with its loss "
        "and optimizer; 'script' gives a standalone training script.",
    )
    export.add_argument("project", help="a netcanvas project file (.json)")
    export.add_argument("--format", choices=("python", "script"), default="python", help="what to write")
    export.add_argument("-o", "--output", help="file to write (default: print to standard output)")

    train = commands.add_parser("train", help="train a project headless and report metrics")
    train.add_argument("project", help="a netcanvas project file (.json)")
    train.add_argument("--epochs", type=int, help="override the project's number of epochs")
    train.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    train.add_argument("--log", help="write per-epoch metrics as JSON lines to this file")
    train.add_argument("--save-weights", help="save the trained weights (.safetensors)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _handlers() -> dict[str, Callable[[argparse.Namespace], int]]:
    # Imported on demand: `check` must not pay for torch, and the window must not wait for it.
    def check(args: argparse.Namespace) -> int:
        from backends.commands.check import run_check

        return run_check(args.project)

    def export(args: argparse.Namespace) -> int:
        from backends.commands.export import run_export

        return run_export(args.project, args.format, args.output)

    def train(args: argparse.Namespace) -> int:
        from backends.commands.train import run_train

        return run_train(args)

    return {"check": check, "export": export, "train": train}


COMMANDS = ("check", "export", "train")


def print_help() -> None:
    _parser().print_help()


def run(argv: list[str]) -> int:
    handlers = _handlers()
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 0 for --help and 2 for mistakes
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
