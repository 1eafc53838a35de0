"""Consistency rules (勾稽关系) → findings. Pure functions over the report model.

Totals are computed from the typed figures, so R2–R4 can only fail against totals that a
document *states* (an imported report, an edited workbook): pass them as ``Stated``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from ..editions.types import TABLE_3, TABLE_4, TOTAL_LABEL, TOTAL_ROW_LABEL
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

    def problem(self, file: str) -> Problem:
        return Problem(file, self.line, self.where, f"[{self.rule}] {self.what}", self.level)


@dataclass
class Stated:
    """Totals as a document printed them, where they were read from one."""

    row_totals: dict[str, int] = field(default_factory=dict)  # table-三 row id ("total" for （七）) -> 总计
    results_total: list[int | None] | None = None  # （七）总计 per applicant column
    review_totals: dict[str, int] = field(default_factory=dict)  # table-四 group id -> 总计


def check(report: Report, stated: Stated | None = None, lines: dict[str, int] | None = None) -> list[Finding]:
    """All findings of rules R1–R4 (and the narrative length note) for one report."""
    lines = lines or {}
    findings = r1(report, lines) + r2(report, stated, lines) + r3(report, stated, lines) + r4(report, stated, lines)
    findings += overview_length(report, lines)
    return findings


def has_errors(findings: list[Finding]) -> bool:
    return any(f.level == ERROR for f in findings)


def _fmt_sum(labels_values: list[tuple[str, int]]) -> str:
    total = sum(v for _, v in labels_values)
    parts = " + ".join(f"{label} {value}" for label, value in labels_values)
    return f"{parts} = {total}" if len(labels_values) > 1 else parts


def r1(report: Report, lines: dict[str, int]) -> list[Finding]:
    """Table 三, every column: 一 + 二 = （七）总计 + 四."""
    spec = report.spec
    received, carried_in = (report.row_with_total(r.id) for r in spec.intake_rows)
    total, carried_out = report.row_with_total("total"), report.row_with_total(spec.carried_out.id)
    columns = [a.label for a in spec.applicants] + [TOTAL_LABEL]
    out = []
    for i, column in enumerate(columns):
        left = received[i] + carried_in[i]
        right = total[i] + carried_out[i]
        if left != right:
            what = (
                f"一、本年新收 {received[i]} + 二、上年结转 {carried_in[i]} = {left}，"
                f"但（七）总计 {total[i]} + 四、结转下年度继续办理 {carried_out[i]} = {right}，相差 {left - right}"
                f"（第一项加第二项之和应等于第三项加第四项之和）"
            )
            line = lines.get("applications.received") or lines.get("applications")
            out.append(Finding("R1", ERROR, f"{TABLE_3} · {column}列", what, line))
    return out


def r2(report: Report, stated: Stated | None, lines: dict[str, int]) -> list[Finding]:
    """Table 三, every column: （七）总计 = the sum of （一）–（六）."""
    if stated is None or stated.results_total is None:
        return []
    computed = report.results_total()
    out = []
    for applicant, printed, value in zip(report.spec.applicants, stated.results_total, computed):
        if printed is not None and printed != value:
            what = f"表中（七）总计为 {printed}，但（一）至（六）各项之和为 {value}，相差 {printed - value}"
            out.append(Finding("R2", ERROR, f"{TABLE_3} · {TOTAL_ROW_LABEL} · {applicant.label}列", what, lines.get("applications")))
    return out


def r3(report: Report, stated: Stated | None, lines: dict[str, int]) -> list[Finding]:
    """Table 三, every row: 总计 = 自然人 + the five 法人或其他组织 columns."""
    if stated is None:
        return []
    spec = report.spec
    out = []
    rows = [(r.id, spec.app_row_path(r)) for r in spec.app_rows] + [("total", f"三、本年度办理结果 · {TOTAL_ROW_LABEL}")]
    for row_id, label in rows:
        printed = stated.row_totals.get(row_id)
        values = report.row_with_total(row_id)
        if printed is not None and printed != values[-1]:
            parts = [(a.label, v) for a, v in zip(spec.applicants, values)]
            what = f"表中总计为 {printed}，但 {_fmt_sum(parts)}，相差 {printed - values[-1]}"
            out.append(Finding("R3", ERROR, f"{TABLE_3} · {label} · {TOTAL_LABEL}", what, lines.get(f"applications.{row_id}")))
    return out


def r4(report: Report, stated: Stated | None, lines: dict[str, int]) -> list[Finding]:
    """Table 四, each group: 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计."""
    if stated is None:
        return []
    spec = report.spec
    out = []
    for group in spec.review_groups:
        printed = stated.review_totals.get(group.id)
        values = report.review(group.id)
        if printed is not None and printed != sum(values):
            parts = [(f.label, v) for f, v in zip(spec.review_results, values)]
            what = f"表中总计为 {printed}，但 {_fmt_sum(parts)}，相差 {printed - sum(values)}"
            out.append(Finding("R4", ERROR, f"{TABLE_4} · {group.full_label} · {TOTAL_LABEL}", what, lines.get(f"reviews.{group.id}")))
    return out


OVERVIEW_LIMIT = 1000


def overview_length(report: Report, lines: dict[str, int]) -> list[Finding]:
    """2021 format: 一、总体情况 篇幅原则上不超过一千字 — a note, never an error."""
    if report.edition < 2021:
        return []
    text = report.overview.intro + "".join(s.title + s.text for s in report.overview.sections)
    count = sum(1 for c in text if unicodedata.category(c)[0] in "LN")
    if count <= OVERVIEW_LIMIT:
        return []
    what = f"共 {count} 字（不计标点），格式要求篇幅原则上不超过一千字"
    return [Finding("篇幅", WARNING, "一、总体情况", what, lines.get("overview"))]
