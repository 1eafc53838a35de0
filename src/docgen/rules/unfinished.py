"""Unfinished text: what `check` and `render` warn about before a report goes out.

- the stand-ins `docgen init` writes (请填写报告机关名称, "主动公开方面的工作情况。" …) still there;
- an empty narrative part (一、总体情况 with nothing in it, a section without text, 五 or 六 empty);
- a year that is not the report year where the text speaks of the report year: the statistics
  period ("统计期限为2025年1月1日至12月31日" in a 2026 report), a paragraph opening "2025年，",
  a year in the title;
- a report year still in the future;
- no 成文日期, or one before the report year has ended.

Every finding is a warning: the figures may be right and the filing still unfinished.
"""

from __future__ import annotations

import datetime as dt
import re

from .checks import WARNING, Finding
from .crossyear import narrative_parts
from ..editions.common import SECTION_LABELS
from ..report.model import Report, paragraphs
from ..report.skeleton import INTRO_PLACEHOLDER, PERIOD, PROBLEMS_PLACEHOLDER, SECTION_PLACEHOLDER

PLACEHOLDER_MARK = "请填写"  # in init's 请填写报告机关名称, and in any stand-in a clerk writes the same way
_INIT_TEXTS = tuple(
    re.compile(re.escape(text).replace(re.escape("{year}"), r"\d{4}").replace(re.escape("{topic}"), ".{1,20}"))
    for text in (INTRO_PLACEHOLDER, SECTION_PLACEHOLDER, PROBLEMS_PLACEHOLDER)
)
_OPENING_YEAR = re.compile(r"^(\d{4})年(?:度)?(?:以来)?[，,]")
_TITLE_YEAR = re.compile(r"(\d{4})\s*年")


def unfinished_findings(report: Report, lines: dict[str, int] | None = None, today: dt.date | None = None) -> list[Finding]:
    """Warnings for a report that still reads as unfinished."""
    lines = lines or {}
    today = today or dt.date.today()
    out = _placeholders(report, lines) + _empty_parts(report, lines) + _wrong_years(report, lines)
    out += _year_and_date(report, lines, today)
    return out


def _finding(rule: str, where: str, what: str, line: int | None, *cells: str) -> Finding:
    return Finding(rule, WARNING, where, what, line, cells)


def _line(lines: dict[str, int], key: str) -> int | None:
    return lines.get(key) or lines.get(key.split(".")[0])


def _placeholders(report: Report, lines: dict[str, int]) -> list[Finding]:
    out = []
    if PLACEHOLDER_MARK in report.agency:
        out.append(_finding("未完成", "报告机关", f"仍是 docgen init 写入的占位文字“{report.agency}”，请填写报告机关名称", lines.get("agency"), "agency"))
    for where, key, text, path in narrative_parts(report):
        for paragraph in paragraphs(text):
            if PLACEHOLDER_MARK in paragraph or any(p.fullmatch(paragraph) for p in _INIT_TEXTS):
                shown = paragraph if len(paragraph) <= 30 else paragraph[:30] + "…"
                what = f"仍是 docgen init 写入的示例文字“{shown}”，请改写为本机关的实际情况"
                out.append(_finding("未完成", where, what, _line(lines, key), path))
                break
    return out


def _empty_parts(report: Report, lines: dict[str, int]) -> list[Finding]:
    out = []
    overview = report.overview
    if not overview.intro.strip() and not overview.sections:
        out.append(_finding("未完成", SECTION_LABELS["overview"], "没有内容，请填写本年度政府信息公开工作总体情况", _line(lines, "overview"), "overview.intro"))
    for where, key, text, path in narrative_parts(report):
        if key == "overview.sections" and not text.strip():
            out.append(_finding("未完成", where, "小节只有标题，没有内容", _line(lines, key), path))
    for key in ("problems", "other_matters"):
        if not getattr(report, key).strip():
            out.append(_finding("未完成", SECTION_LABELS[key], "没有内容；没有需要报告的事项时也应写明（如“本年度无其他需要报告的事项。”）", lines.get(key), key))
    return out


def _wrong_years(report: Report, lines: dict[str, int]) -> list[Finding]:
    year = report.year
    out = []
    for where, key, text, path in narrative_parts(report):
        for paragraph in paragraphs(text):
            for match in PERIOD.finditer(paragraph):
                years = {int(y) for y in match.groups() if y}
                if years != {year}:
                    what = f"统计期限写的是“{match.group(0)}”，本报告为{year}年度（统计期限应为{year}年1月1日至12月31日）"
                    out.append(_finding("年份", where, what, _line(lines, key), path))
            opening = _OPENING_YEAR.match(paragraph)
            if opening and int(opening.group(1)) != year:
                what = f"段落以“{opening.group(0)}”开头，本报告为{year}年度；是否沿用了其他年度的文字？"
                out.append(_finding("年份", where, what, _line(lines, key), path))
    if report.title:
        other = sorted({int(y) for y in _TITLE_YEAR.findall(report.title)} - {year})
        if other:
            what = f"标题“{report.title}”中的年份（{'、'.join(str(y) for y in other)}年）不是报告年度{year}年"
            out.append(_finding("年份", "报告标题", what, lines.get("title"), "title"))
    return out


def _year_and_date(report: Report, lines: dict[str, int], today: dt.date) -> list[Finding]:
    out = []
    if report.year > today.year:
        what = f"报告年度为{report.year}年，晚于今年（{today.year}年）；年度报告在次年编制，请核对年份"
        out.append(_finding("年份", "报告年度", what, lines.get("year")))
    if report.date is None:
        what = f"没有填写成文日期（date），落款将只有机关名称；请填写成文日期（如 date: {report.year + 1}-01-20）"
        out.append(_finding("未完成", "落款 · 成文日期", what, lines.get("year"), "date"))
    elif report.date.year <= report.year:
        what = f"成文日期{report.date.isoformat()}在报告年度（{report.year}年）结束之前；年度报告应在次年编制"
        out.append(_finding("日期", "落款 · 成文日期", what, lines.get("date"), "date"))
    return out
