"""One input file checked end to end: load it, apply the rules, decide the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .checks import Finding, check, has_errors
from .crossyear import cross_year_findings, draft_findings
from ..errors import EXIT_INCONSISTENT, EXIT_OK, EXIT_UNUSABLE, InputError, Problem
from ..report.load import Loaded, load
from ..report.model import Report
from .narrative import narrative_findings
from .unfinished import unfinished_findings


@dataclass
class Audit:
    """What `check` knows of one file: the loaded report (when usable) and every message."""

    file: str
    loaded: Loaded | None = None
    problems: list[Problem] = field(default_factory=list)  # input errors (unusable file)
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.loaded is None:
            return EXIT_UNUSABLE
        return EXIT_INCONSISTENT if has_errors(self.findings) else EXIT_OK

    def messages(self) -> list[Problem]:
        """Every message in file order: input problems, loader warnings, rule findings."""
        if self.loaded is None:
            return list(self.problems)
        out = list(self.loaded.warnings) + [f.problem(self.file) for f in self.findings]
        return sorted(out, key=lambda p: (p.level != "error", p.line or 0))


def audit(path: Path, shown: str | None = None, previous: Report | None = None) -> Audit:
    """Load one input file and collect every finding: R1–R4, narrative against tables, rollover
    drafts, unfinished text, and — given last year's report — R5, R6 and section 五 repeated."""
    shown = shown or str(path)
    try:
        loaded = load(path, shown)
    except InputError as exc:
        return Audit(shown, problems=exc.problems)
    return Audit(shown, loaded, findings=findings_of(loaded, previous))


def findings_of(loaded: Loaded, previous: Report | None = None) -> list[Finding]:
    """Every rule finding of a loaded report (what `check` prints after the loader's warnings);
    the web editor runs this same function on every change."""
    report, lines = loaded.report, loaded.lines
    findings = check(report, lines=lines) + narrative_findings(report, lines) + draft_findings(report, lines)
    findings += unfinished_findings(report, lines)
    if previous is not None:
        findings += cross_year_findings(report, previous, lines)
    return findings
