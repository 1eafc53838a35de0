"""Printing for people: where each kind of message goes, and how much is said.

Standard output carries results: findings (one line per problem, naming file, line and label),
the verdict or result line of each file, summaries. Standard error carries the rest: progress,
command-line mistakes, diagnostics (-v), interruptions. -q keeps errors and verdicts only.
"""

from __future__ import annotations

import sys

import typer

QUIET, NORMAL, VERBOSE = 0, 1, 2
_level = NORMAL


def set_level(value: int) -> None:
    global _level
    _level = value


def level() -> int:
    return _level


def problem_lines(problems, err: bool = False) -> None:
    """Findings: one line each, on standard output (``err``: on standard error, when standard
    output carries data such as a roll-up's YAML). Warnings are left out with -q."""
    for problem in problems:
        if _level == QUIET and getattr(problem, "level", "error") != "error":
            continue
        typer.echo(str(problem), err=err)


def say(text: str) -> None:
    """A result line that says all went well (left out with -q)."""
    if _level > QUIET:
        typer.echo(text)


def verdict(text: str) -> None:
    """A result line shown even with -q (a file's verdict)."""
    typer.echo(text)


def note(text: str) -> None:
    """A diagnostic for -v, on standard error."""
    if _level >= VERBOSE:
        typer.echo(text, err=True)


def worst(codes: list[int]) -> int:
    """The exit code of a run over many files: the most serious one."""
    return max(codes, default=0)


def console_safe() -> None:
    """Never fail on a console that cannot show a character (a GBK console on Windows): print
    a replacement character instead, as a last resort (messages keep to GBK characters)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and encoding not in ("utf8", "utf16", "utf32"):
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a detached or odd stream: leave it
                pass


def table(headings, rows, footer: str = "") -> None:
    """A table of results on standard output, shown also with -q: columns aligned for Chinese text
    (rich measures the width of each character), an ASCII frame on a console that cannot show box
    characters (GBK), cells printed as they are (never read as markup)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=box.SIMPLE_HEAD)
    for heading in headings:
        grid.add_column(heading, overflow="fold")
    for row in rows:
        grid.add_row(*(Text(str(cell)) for cell in row))
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160, highlight=False)
    console.print(grid)
    if footer:
        console.print(footer, markup=False)
