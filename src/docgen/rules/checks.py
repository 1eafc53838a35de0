"""Consistency rules (勾稽关系) → findings. Pure functions over the report model.

Totals are computed from the typed figures, so R2–R4 can only fail against totals that a
document *states* (an imported report, an edited workbook): pass them as ``Stated``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from ..editions.equations import Equation, equations, table_rules
from ..editions.grid import TOTAL_ROW
from ..errors import Problem
from ..report.model import Report

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One broken rule: where (official labels), what (both sides' numbers), and how serious."""

    rule: str
    level: str
    where: str
    what: str
    line: int | None = None
    cells: tuple[str, ...] = ()  # grid paths of the cells the broken equation involves (applications.received.0)

    def problem(self, file: str) -> Problem:
        return Problem(file, self.line, self.where, f"[{self.rule}] {self.what}", self.level)


@dataclass
class Stated:
    """Totals as a document printed them, where they were read from one."""

    row_totals: dict[str, int] = field(default_factory=dict)  # table-三 row id ("total" for （七）) -> 总计
    results_total: list[int | None] | None = None  # （七）总计 per applicant column
    review_totals: dict[str, int] = field(default_factory=dict)  # table-四 group id -> 总计


def check(report: Report, stated: Stated | None = None, lines: dict[str, int] | None = None) -> list[Finding]:
    """All findings of rules R1–R4 (and the narrative length note) for one report.

    Each rule is evaluated from its equations in the spec: a rule that defines a total (R2–R4)
    only against the totals a document states, the others (R1) on the figures themselves.
    """
    lines = lines or {}
    spec = report.spec
    values = _values(report)
    printed = _printed(report, stated) if stated is not None else {}
    checked: set[str] = set()
    findings = []
    for rule in table_rules(spec):
        for equation in equations(spec, rule):
            line = lines.get(equation.line_key) or lines.get(equation.fallback_key)
            finding = _evaluate(equation, values, printed, checked, line)
            if finding is not None:
                findings.append(finding)
    findings += overview_length(report, lines)
    return findings


def has_errors(findings: list[Finding]) -> bool:
    return any(f.level == ERROR for f in findings)


def _fmt_sum(labels_values: list[tuple[str, int]]) -> str:
    total = sum(v for _, v in labels_values)
    parts = " + ".join(f"{label} {value}" for label, value in labels_values)
    return f"{parts} = {total}" if len(labels_values) > 1 else parts


def _values(report: Report) -> dict[str, int]:
    """Every figure of tables 三 and 四 (totals computed), by grid path."""
    spec = report.spec
    out: dict[str, int] = {}
    for row_id in [r.id for r in spec.app_rows] + [TOTAL_ROW]:
        for i, value in enumerate(report.row_with_total(row_id)):
            out[f"applications.{row_id}.{i}"] = value
    for group in spec.review_groups:
        for i, value in enumerate(report.review_with_total(group.id)):
            out[f"reviews.{group.id}.{i}"] = value
    return out


def _printed(report: Report, stated: Stated) -> dict[str, int]:
    """The totals a document states, by grid path."""
    spec = report.spec
    total_column, review_total = len(spec.applicants), len(spec.review_results)
    out = {f"applications.{row}.{total_column}": value for row, value in stated.row_totals.items()}
    for i, value in enumerate(stated.results_total or ()):
        if value is not None:
            out.setdefault(f"applications.{TOTAL_ROW}.{i}", value)
    out.update({f"reviews.{group}.{review_total}": value for group, value in stated.review_totals.items()})
    return out


def _evaluate(equation: Equation, values: dict[str, int], printed: dict[str, int], checked: set[str], line: int | None) -> Finding | None:
    rule = equation.rule

    def parts(side) -> list[tuple[str, int]]:
        return [(term.label, sum(values[p] for p in term.paths)) for term in side]

    right = parts(equation.right)
    value = sum(v for _, v in right)
    if rule.defines_total:
        cell = equation.left[0].paths[0]
        shown = printed.get(cell)
        if shown is None or cell in checked:
            return None
        checked.add(cell)
        if shown == value:
            return None
        named = f"{rule.right_text}为 {value}" if rule.right_text else f" {_fmt_sum(right)}"
        what = f"表中{equation.left[0].label}为 {shown}，但{named}，相差 {shown - value}"
    else:
        left = parts(equation.left)
        total = sum(v for _, v in left)
        if total == value:
            return None
        what = f"{_fmt_sum(left)}，但{_fmt_sum(right)}，相差 {total - value}{rule.note}"
    return Finding(rule.id, rule.level, equation.where, what, line, equation.cells)


def overview_length(report: Report, lines: dict[str, int]) -> list[Finding]:
    """一、总体情况 篇幅原则上不超过一千字 (the spec's overview_limit) — a note, never an error."""
    limit = report.spec.overview_limit
    if limit is None:
        return []
    text = report.overview.intro + "".join(s.title + s.text for s in report.overview.sections)
    count = sum(1 for c in text if unicodedata.category(c)[0] in "LN")
    if count <= limit:
        return []
    what = f"共 {count} 字（不计标点），格式要求篇幅原则上不超过 {limit} 字"
    fields = ("overview.intro", *(f"overview.sections.{i}.{part}" for i in range(len(report.overview.sections)) for part in ("title", "text")))
    return [Finding("篇幅", WARNING, "一、总体情况", what, lines.get("overview"), fields)]
