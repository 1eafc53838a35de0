"""`docgen render`: one input → its outputs (.docx, .xlsx, .pdf), all or nothing.

Every output of an input is first written to a temporary file in the output folder; only when
all of them succeeded are they renamed over their targets. A refused or failed input leaves no
file of its own and earlier outputs of the same name untouched.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .audit import Audit, audit
from .checks import has_errors
from .errors import EXIT_INCONSISTENT, EXIT_OK, DocgenError, Problem
from .fsutil import atomic_path

FORMATS = ("docx", "xlsx", "pdf")
DEFAULT_FORMATS = ("docx", "xlsx")


@dataclass
class Options:
    outdir: Path = Path("output")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    force: bool = False
    template: Path | None = None
    pdf_timeout: float = 180.0


@dataclass
class Outcome:
    """What became of one input."""

    file: str
    exit_code: int
    messages: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    error: str = ""  # why nothing was written, when something failed after loading

    @property
    def status(self) -> str:
        if self.written:
            return "已生成" if self.exit_code == EXIT_OK else "已生成（强制）"
        return "数字不一致，未生成" if self.exit_code == EXIT_INCONSISTENT else "无法使用，未生成"


def parse_formats(text: str) -> tuple[str, ...]:
    """`docx,xlsx,pdf` → a tuple in canonical order; DocgenError for an unknown format."""
    wanted = [part.strip().lower().lstrip(".") for part in text.split(",") if part.strip()]
    unknown = [w for w in wanted if w not in FORMATS]
    if unknown or not wanted:
        raise DocgenError(f"--formats：不认识的输出格式“{'、'.join(unknown) or text}”，可选：{'、'.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in wanted)


def render_file(path: Path, options: Options, shown: str | None = None) -> Outcome:
    """Check one input and, unless refused, write all its outputs."""
    result = audit(path, shown)
    outcome = Outcome(result.file, result.exit_code, result.messages())
    if result.loaded is None or (has_errors(result.findings) and not options.force):
        return outcome
    try:
        outcome.written = write_outputs(result, path.stem, options)
    except DocgenError as exc:
        outcome.exit_code = exc.exit_code
        outcome.error = exc.message
    return outcome


def write_outputs(result: Audit, stem: str, options: Options) -> list[Path]:
    from .word import write_docx
    from .workbook import write_xlsx

    report = result.loaded.report
    targets = {fmt: options.outdir / f"{stem}.{fmt}" for fmt in options.formats}
    with ExitStack() as stack:
        temps = {fmt: stack.enter_context(atomic_path(target)) for fmt, target in targets.items()}
        if "docx" in temps or "pdf" in temps:
            docx = temps.get("docx") or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="docgen-"))) / f"{stem}.docx"
            write_docx(report, docx, options.template)
        if "xlsx" in temps:
            write_xlsx(report, temps["xlsx"], source=Path(result.file).name)
        if "pdf" in temps:
            from .office import docx_to_pdf

            docx_to_pdf(docx, temps["pdf"], timeout=options.pdf_timeout)
    return list(targets.values())


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """Output names come from input file names only; a repeated name is an error for the later file."""
    seen: dict[str, Path] = {}
    clashes = []
    for path in paths:
        if path.stem in seen:
            clashes.append(Problem(str(path), None, "", f"输出文件名与“{seen[path.stem]}”相同（{path.stem}），会互相覆盖；请改名后重试"))
        seen.setdefault(path.stem, path)
    if clashes:
        from .errors import InputError

        raise InputError(clashes)
    return {path: path.stem for path in paths}
