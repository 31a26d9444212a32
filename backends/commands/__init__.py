"""Headless commands behind `python main.py SUBCOMMAND`; each prints and returns an exit code."""
