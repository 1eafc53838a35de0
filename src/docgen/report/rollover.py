"""`docgen rollover`: last year's report → next year's input file, as a draft.

Carried over: 上年结转 (last year's 结转下年度继续办理, per column); 2021 edition: 现行有效件数;
2019 edition: 上一年项目数量 = last year's 上一年项目数量 + 本年增/减. Every other figure starts at 0.
The narrative is kept, each part marked as a draft that `check` flags until it is rewritten;
section 五 is not copied (the format forbids 年年雷同) — a prompt stands in its place. The
preamble is standard text: its statistics period and its mentions of last year move to the new
year. The sign-off is kept: the same agency, the 成文日期 a year later.
"""

from __future__ import annotations

import datetime as dt
import re

from .. import editions
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
    carried = last.row(last.spec.carried_out.id)
    if sum(carried):
        notes.append(
            f"“{spec.intake_rows[1].label}”已按上年度“{last.spec.carried_out.label}”逐列填入（共 {sum(carried)} 件）；"
            "填写本年度办理结果之前，表三勾稽关系（R1）不会通过"
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
        applications={spec.intake_rows[1].id: carried},
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
    """Table 二: 现行有效件数 and 上一年项目数量 carried forward where both editions have them."""
    before = {(row.id, f.id) for block, row in last.spec.active_rows for f in block.fields}
    out: dict[str, dict] = {}
    missing = []
    for block, row in spec.active_rows:
        fields = {f.id for f in block.fields}
        if "in_force" in fields:
            if (row.id, "in_force") in before:
                out[row.id] = {"in_force": last.active_value(row.id, "in_force")}
            else:
                missing.append(row.label)
        if "previous" in fields and {(row.id, "previous"), (row.id, "change")} <= before:
            items = last.active_value(row.id, "previous") + last.active_value(row.id, "change")
            if items < 0:
                label = next(f.label for f in block.fields if f.id == "previous")
                notes.append(f"{row.label}：上年度上一年项目数量加本年增/减为 {items}（负数），本年“{label}”按 0 填写，请核实")
                items = 0
            out[row.id] = {"previous": items}
    if missing:
        label = next(f.label for b in spec.active_blocks for f in b.fields if f.id == "in_force")
        notes.append(f"上年度格式没有“{label}”，{'、'.join(missing)}的{label}请按实际填写")
    return out
