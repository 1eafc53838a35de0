"""`docgen rollover`: last year's report → next year's input file, as a draft.

Carried over, as the edition spec says: the rows of its cross-year rules (二、上年结转 = last year's
结转下年度继续办理, per column) and its carried table-二 figures (现行有效件数; 上一年项目数量 = last
year's 上一年项目数量 + 本年增/减). Every other figure starts at 0.
The narrative is kept, each part marked as a draft that `check` flags until it is rewritten;
section 五 is not copied (the format forbids 年年雷同) — a prompt stands in its place. The
preamble is standard text: its statistics period and its mentions of last year move to the new
year. The sign-off is kept: the same agency, the 成文日期 a year later.
"""

from __future__ import annotations

import datetime as dt
import re

from .. import editions
from ..editions.equations import cross_year_rules
from ..rules.crossyear import DRAFT_MARKER, PROMPT_MARKER
from .dump import to_yaml
from ..editions import Edition
from ..editions.common import SECTION_LABELS
from .model import Overview, Report, Section
from .skeleton import PERIOD


def rollover(last: Report) -> tuple[Report, list[str]]:
    """The next year's report and notes (in Chinese) on what was and was not carried over."""
    year = last.year + 1
    spec = editions.for_year(year)
    notes: list[str] = []
    if spec.id != last.edition:
        notes.append(f"{year}年度适用{spec.id}版格式（{spec.document}），上年度为{last.edition}版：只沿用两版都有的项目")
    applications = {}
    for rule in cross_year_rules(spec):  # R5: 二、上年结转 = last year's 四、结转下年度继续办理
        carried = last.row(rule.right[0])
        applications[rule.left[0]] = carried
        if sum(carried):
            notes.append(
                f"“{spec.app_row(rule.left[0]).label}”已按上年度“{last.spec.app_row(rule.right[0]).label}”逐列填入"
                f"（共 {sum(carried)} 件）；填写本年度办理结果之前，表三勾稽关系（R1）不会通过"
            )
    report = Report(
        edition=spec.id,
        agency=last.agency,
        year=year,
        date=_next_date(last.date),
        title=last.title.replace(str(last.year), str(year)) if str(last.year) in last.title else "",
        preamble=_draft(moved_preamble(last.preamble, last.year, year)),
        overview=Overview(
            intro=_draft(last.overview.intro),
            sections=[Section(title=s.title, text=_draft(s.text)) for s in last.overview.sections],
        ),
        active=_active(last, spec, notes),
        applications=applications,
        problems=f"{PROMPT_MARKER}请根据{year}年度实际情况填写存在的主要问题及改进情况。格式要求不得与往年雷同，因此未沿用上年度内容。",
        other_matters=_draft(last.other_matters),
    )
    return report, notes


def rollover_text(last: Report, source: str) -> tuple[str, list[str]]:
    """The next year's input file text (commented) and the notes."""
    report, notes = rollover(last)
    header = [
        f"{report.agency}{report.year}年度政府信息公开工作年度报告 — 由 docgen rollover 根据“{source}”（{last.year}年度）生成的草稿",
        f"正文沿用上年度内容并标记为草稿（{DRAFT_MARKER}），改写后请删除标记；{SECTION_LABELS['problems']}需重新填写。",
        *notes,
    ]
    return to_yaml(report, header), notes


def moved_preamble(text: str, last_year: int, year: int) -> str:
    """The standard preamble of the next year: the statistics period and last year's mentions
    (2025年, 2025年度) become the new year's; other years (a law of 2019 …) stay."""
    text = PERIOD.sub(f"{year}年1月1日至12月31日", text)
    return re.sub(rf"(?<!\d){last_year}(?=\s*年)", str(year), text)


def _next_date(date: dt.date | None) -> dt.date | None:
    """The 成文日期 a year on (29 February becomes 28 February)."""
    if date is None:
        return None
    try:
        return date.replace(year=date.year + 1)
    except ValueError:
        return date.replace(year=date.year + 1, day=28)


def _draft(text: str) -> str:
    return f"{DRAFT_MARKER}\n\n{text}" if text.strip() else ""


def _active(last: Report, spec: Edition, notes: list[str]) -> dict[str, dict]:
    """Table 二: the spec's carried figures (现行有效件数, 上一年项目数量) started from last year's
    where last year's format has the fields they come from."""
    before = {(row.id, f.id): f.label for block, row in last.spec.active_rows for f in block.fields}
    out: dict[str, dict] = {}
    for carried in spec.carried:
        missing = []
        label = ""
        for block, row in spec.active_rows:
            labels = {f.id: f.label for f in block.fields}
            if carried.field not in labels:
                continue
            label = labels[carried.field]
            sources = [(row.id, f) for f in carried.from_last]
            if not all(source in before for source in sources):
                missing.append(row.label)
                continue
            value = sum(last.active_value(*source) for source in sources)
            if value < 0:
                what = "加".join(before[source] for source in sources)
                notes.append(f"{row.label}：上年度{what}为 {value}（负数），本年“{label}”按 0 填写，请核实")
                value = 0
            out.setdefault(row.id, {})[carried.field] = value
        if missing:
            notes.append(f"上年度格式没有“{label}”，{'、'.join(missing)}的{label}请按实际填写")
    return out
