"""Expanding command-line inputs (files and folders) into the input files to process."""

from __future__ import annotations

from pathlib import Path

from .errors import InputError, Problem

YAML_SUFFIXES = (".yaml", ".yml")
OFFICE_LOCK_PREFIX = "~$"  # Word, Excel and WPS keep "~$name.docx" beside a file they have open


def is_input_name(name: str) -> bool:
    """Not hidden, and not an office suite's lock file."""
    return not name.startswith((".", OFFICE_LOCK_PREFIX))


def expand(paths: list[Path], suffixes: tuple[str, ...] = YAML_SUFFIXES) -> list[Path]:
    """Files as given; folders replaced by their matching files (sorted, not recursive; hidden files
    and office lock files ``~$*`` skipped)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes and p.is_file() and is_input_name(p.name))
            if not found:
                raise InputError([Problem(str(path), None, "", f"文件夹中没有输入文件（{'、'.join(suffixes)}）")])
            out.extend(found)
        else:
            out.append(path)
    seen: set[Path] = set()
    unique = []
    for path in out:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique
