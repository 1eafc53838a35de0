"""Rules across years (R5, R6), section 五 repeated from last year, and rollover drafts.

R5 — this year's 二、上年结转 equals last year's 四、结转下年度继续办理, per column — is an error.
R6 — 现行有效件数 continuity (the spec's carried figures with a rule) — is a warning: document
clean-ups break it. A
section 五 (nearly) the same as last year's is a warning: the format forbids 年年雷同.
"""

from __future__ import annotations

import difflib
import re

from .checks import WARNING, Finding
from ..editions.equations import cross_year_rules
from ..editions.common import SECTION_LABELS
from ..editions.types import TABLE_2, TABLE_3
from ..report.model import Report

DRAFT_MARKER = "【草稿：请根据本年度情况改写】"
PROMPT_MARKER = "【待填写】"
SIMILAR = 0.9
NUMERALS = "一二三四五六七八九十"
_DRAFT = re.compile(r"【\s*草稿")
_PROMPT = re.compile(r"【\s*待填写")
_NOISE = re.compile(r"[\s\W_]+")
_YEAR = re.compile(r"\d{4}")


def is_draft(text: str) -> bool:
    """Whether a narrative part still carries a rollover marker (draft or prompt)."""
    return bool(_DRAFT.search(text) or _PROMPT.search(text))


def narrative_parts(report: Report) -> list[tuple[str, str, str, str]]:
    """(where, line key, text, field) of every narrative part, named by its official heading;
    ``field`` is the part's path (overview.sections.0.text), which a finding names in its cells
    so the web editor marks the text field."""
    overview = SECTION_LABELS["overview"]
    parts = [("前言", "preamble", report.preamble, "preamble"), (overview, "overview.intro", report.overview.intro, "overview.intro")]
    for i, section in enumerate(report.overview.sections):
        enum = f"（{NUMERALS[i]}）" if i < len(NUMERALS) else ""
        parts.append((f"{overview} · {enum}{section.title}", "overview.sections", section.text, f"overview.sections.{i}.text"))
    parts += [
        (SECTION_LABELS["problems"], "problems", report.problems, "problems"),
        (SECTION_LABELS["other_matters"], "other_matters", report.other_matters, "other_matters"),
    ]
    return parts


def draft_findings(report: Report, lines: dict[str, int] | None = None) -> list[Finding]:
    """A warning for every narrative part still carrying a rollover marker."""
    lines = lines or {}
    out = []
    for where, key, text, path in narrative_parts(report):
        if _PROMPT.search(text):
            what = "尚未填写（仍是 docgen rollover 留下的“【待填写】”提示），请根据本年度实际情况填写"
        elif _DRAFT.search(text):
            what = f"仍是 docgen rollover 沿用上年度内容生成的草稿（带有“{DRAFT_MARKER}”标记），请根据本年度情况改写后删除该标记"
        else:
            continue
        out.append(Finding("草稿", WARNING, where, what, lines.get(key) or lines.get(key.split(".")[0]), (path,)))
    return out


def cross_year_findings(report: Report, previous: Report, lines: dict[str, int] | None = None) -> list[Finding]:
    """Findings comparing a report with last year's: the year gap, R5, R6 and section 五."""
    lines = lines or {}
    out = []
    if report.year != previous.year + 1:
        if previous.year >= report.year:
            what = f"上年度报告为 {previous.year}年度，不早于本报告（{report.year}年度），是否把两个文件的顺序弄反了？未核对 R5、R6"
        else:
            what = f"上年度报告为 {previous.year}年度，本报告为 {report.year}年度，不是相邻年度，未核对 R5（上年结转）和 R6（现行有效件数）"
        out.append(Finding("年度", WARNING, "报告年度", what, lines.get("year")))
    else:
        out += r5(report, previous, lines) + r6(report, previous, lines)
    return out + repeated_problems(report, previous, lines)


def r5(report: Report, previous: Report, lines: dict[str, int]) -> list[Finding]:
    """The spec's cross-year equations (R5: 二、上年结转 = last year's 四、结转下年度继续办理), per
    applicant column."""
    spec = report.spec
    out = []
    for rule in cross_year_rules(spec):
        this_row, last_row = spec.app_row(rule.left[0]), previous.spec.app_row(rule.right[0])
        now, then = report.row(this_row.id), previous.row(last_row.id)
        for column, (applicant, a, b) in enumerate(zip(spec.applicants, now, then)):
            if a != b:
                what = (
                    f"本年“{this_row.label}”为 {a}，但上年度（{previous.year}年）报告“{last_row.label}”为 {b}，"
                    f"相差 {a - b}{rule.note}"
                )
                line = lines.get(f"applications.{this_row.id}") or lines.get("applications")
                cells = (f"applications.{this_row.id}.{column}",)
                out.append(Finding(rule.id, rule.level, f"{TABLE_3} · {this_row.label} · {applicant.label}列", what, line, cells))
    return out


def r6(report: Report, previous: Report, lines: dict[str, int]) -> list[Finding]:
    """Continuity of the spec's carried table-二 figures that a rule checks (R6: 现行有效件数 =
    last year's + 本年制发件数 − 本年废止件数), as the rule's level (a warning)."""
    out = []
    before_fields = {(row.id, f.id) for block, row in previous.spec.active_rows for f in block.fields}
    for carried in report.spec.carried:
        if not carried.rule:
            continue
        rule = report.spec.rule(carried.rule)
        for block, row in report.spec.active_rows:
            labels = {f.id: f.label for f in block.fields}
            if not {carried.field, carried.added, carried.removed} <= set(labels):
                continue
            if not all((row.id, f) in before_fields for f in carried.from_last):
                continue
            now = {f: report.active_value(row.id, f) for f in (carried.field, carried.added, carried.removed)}
            before = sum(previous.active_value(row.id, f) for f in carried.from_last)
            expected = before + now[carried.added] - now[carried.removed]
            if now[carried.field] != expected:
                field, added, removed = labels[carried.field], labels[carried.added], labels[carried.removed]
                what = (
                    f"{field} {now[carried.field]}，但上年度（{previous.year}年）{field} {before} + "
                    f"{added} {now[carried.added]} - {removed} {now[carried.removed]} = {expected}，相差 {now[carried.field] - expected}"
                    f"（文件清理后可能不一致，请核实）"
                )
                where = f"{TABLE_2} · {block.label} · {row.label} · {field}"
                cells = tuple(f"active.{row.id}" if row.scalar else f"active.{row.id}.{f}" for f in (carried.field, carried.added, carried.removed))
                out.append(Finding(rule.id, rule.level, where, what, lines.get(f"active.{row.id}") or lines.get("active"), cells))
    return out


def similarity(a: str, b: str) -> float:
    """How alike two texts are (0–1), ignoring spacing, punctuation and the years in them."""
    a, b = (_YEAR.sub("#", _NOISE.sub("", t)) for t in (a, b))
    if not a or not b:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return matcher.quick_ratio()
    return matcher.ratio()


def repeated_problems(report: Report, previous: Report, lines: dict[str, int]) -> list[Finding]:
    """Section 五 the same or nearly the same as last year's: a warning."""
    if _PROMPT.search(report.problems) or _DRAFT.search(report.problems):
        return []
    ratio = similarity(report.problems, previous.problems)
    if ratio < SIMILAR:
        return []
    label = SECTION_LABELS["problems"]
    what = f"与上年度（{previous.year}年）报告的这一部分相似度为 {ratio:.0%}；格式要求不得出现年年雷同，请根据本年度情况改写"
    return [Finding("雷同", WARNING, label, what, lines.get("problems"), ("problems",))]
