"""The one exception hierarchy. Every error a user can cause is a DocgenError with a Chinese
message and the exit code the CLI returns for it."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INCONSISTENT = 1
EXIT_UNUSABLE = 2
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located by file, line and official label path."""

    file: str
    line: int | None
    where: str  # official label path, e.g. 表三 · 一、本年新收政府信息公开申请数量 · 自然人
    what: str  # what is wrong and what was found
    level: str = "error"  # or "warning"

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        head = f"{loc}: " if loc else ""
        tag = "" if self.level == "error" else "警告："
        where = f"{self.where}：" if self.where else ""
        return f"{head}{tag}{where}{self.what}"


class DocgenError(Exception):
    """A user-facing error: the message is Chinese and printed without a traceback."""

    exit_code = EXIT_UNUSABLE

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(DocgenError):
    """An input file cannot be used; carries every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class InconsistentError(DocgenError):
    """The figures break a consistency rule (勾稽关系)."""

    exit_code = EXIT_INCONSISTENT


class TemplateError(DocgenError):
    """A Word template cannot be used."""


class OutputError(DocgenError):
    """An output cannot be written."""


class OfficeError(DocgenError):
    """LibreOffice is missing, hangs or fails."""
