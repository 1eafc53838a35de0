"""Printing messages for people: one line per problem, a summary per file."""

from __future__ import annotations

import typer


def problem_lines(problems) -> None:
    """Errors go to standard error, warnings too; each is one line naming file, line and label."""
    for problem in problems:
        typer.echo(str(problem), err=True)


def say(text: str) -> None:
    typer.echo(text)


def worst(codes: list[int]) -> int:
    """The exit code of a run over many files: the most serious one."""
    return max(codes, default=0)
