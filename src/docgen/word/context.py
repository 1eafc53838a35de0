"""The render context of a report (what a Word template's placeholders read) and its schema.

Placeholder paths (``t3.received[0]``), the context built from a Report, the text helpers it
uses, and the context's shape for checking templates.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from typing import Any

from markupsafe import Markup, escape

from ..editions import Edition
from ..editions.common import SECTION_LABELS
from ..editions.types import RESULTS_LABEL, TABLE_2, TABLE_3, TABLE_4, TOTAL_LABEL, TOTAL_ROW_LABEL
from ..report.model import Report, display_value, paragraphs

TOTAL_KEY = "total"  # t3.total: （七）总计
_CONTROL_SPACE = "\t\n\r\x0b\x0c\x85"

Path_ = tuple[str, ...]  # a context path: ("t3", "refused", "state_secret", "0")
ANY = "[]"  # a path segment standing for any item of a list


# -- placeholder paths (shared with the template builder and the checker) ------------------
def t2_expr(row_id: str, field_id: str) -> str:
    """The Jinja expression of a table-二 cell, e.g. ``t2.regulations.issued``."""
    return f"t2.{row_id}.{field_id}"


def t3_expr(key: tuple[str, ...], column: int) -> str:
    """The Jinja expression of a table-三 cell; ``key`` is an AppRow key or ("total",)."""
    return f"t3.{'.'.join(key)}[{column}]"


def t4_expr(group_id: str, column: int) -> str:
    """The Jinja expression of a table-四 cell, e.g. ``t4.review[4]`` (总计)."""
    return f"t4.{group_id}[{column}]"


# -- context ----------------------------------------------------------------------------------
def build_context(report: Report) -> dict[str, Any]:
    """Everything a template can show, as display strings.

    Keys: title, agency, year, date (2026年1月20日 or ""), preamble (paragraphs),
    overview {intro (paragraphs), sections [{number （一）, title, paragraphs}]},
    problems, other_matters (paragraphs), t2 {row: {field: text}},
    t3 {row or group: {row: (7 texts)} / (7 texts), total: (7 texts)}, t4 {group: (5 texts)}.
    Narrative lists are lists; fixed table rows are tuples.
    """
    spec = report.spec
    context = {
        "title": title_text(report),
        "agency": clean_text(report.agency),
        "year": str(report.year),
        "date": format_date(report.date),
        "preamble": text_paragraphs(report.preamble),
        "overview": {
            "intro": text_paragraphs(report.overview.intro),
            "sections": [
                {"number": f"（{chinese_number(i)}）", "title": clean_text(s.title), "paragraphs": text_paragraphs(s.text)}
                for i, s in enumerate(report.overview.sections, 1)
            ],
        },
        "problems": text_paragraphs(report.problems),
        "other_matters": text_paragraphs(report.other_matters),
        "t2": _table2(report, spec),
        "t3": _table3(report, spec),
        "t4": {g.id: _texts(report.review_with_total(g.id)) for g in spec.review_groups},
    }
    return _protect(context)


_DOCXTPL_MARKERS = ("{_{", "}_}", "{_%", "%_}")  # docxtpl turns these into {{ }} {% %} after rendering


def _protect(value: Any) -> Any:
    """Text that docxtpl would alter after rendering, written with character references instead."""
    if isinstance(value, dict):
        return {k: _protect(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_protect(v) for v in value)
    if isinstance(value, str) and any(m in value for m in _DOCXTPL_MARKERS):
        escaped = str(escape(value))
        return Markup(escaped.replace("{", "&#123;").replace("}", "&#125;").replace("%", "&#37;"))
    return value


def title_text(report: Report) -> str:
    """The title, given or default, broken into balanced lines at meaningful points (titles.py).

    docxtpl turns each line feed into a line break (w:br) inside the title paragraph.
    """
    from .titles import title_lines

    return "\n".join(title_lines(clean_text(report.display_title), clean_text(report.agency)))


def _table2(report: Report, spec: Edition) -> dict[str, dict[str, str]]:
    return {
        row.id: {f.id: display_value(report.active_value(row.id, f.id)) for f in block.fields}
        for block, row in spec.active_rows
    }


def _table3(report: Report, spec: Edition) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for row in spec.app_rows:
        node = table
        for part in row.key[:-1]:
            node = node.setdefault(part, {})
        node[row.key[-1]] = _texts(report.row_with_total(row.id))
    if TOTAL_KEY in table:
        raise ValueError(f"an edition row is keyed {TOTAL_KEY!r}, which names （七）总计 in templates")
    table[TOTAL_KEY] = _texts(report.row_with_total(TOTAL_KEY))
    return table


def _texts(values: list[int]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def clean_text(text: str) -> str:
    """Text without control characters: tabs and line breaks become spaces, others are dropped."""
    if not any(unicodedata.category(c) == "Cc" or c in "\ufffe\uffff" for c in text):
        return text
    out = []
    for c in text:
        if c in _CONTROL_SPACE:
            out.append(" ")
        elif unicodedata.category(c) != "Cc" and c not in "\ufffe\uffff":
            out.append(c)
    return "".join(out)


def text_paragraphs(text: str) -> list[str]:
    """A narrative field as its paragraphs (blank-line separated), free of control characters."""
    return [p for p in (clean_text(p).strip() for p in paragraphs(text)) if p]


def format_date(date: dt.date | None) -> str:
    """2026-01-20 → 2026年1月20日; no date → ""."""
    return f"{date.year}年{date.month}月{date.day}日" if date else ""


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (1–99; larger numbers as digits)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


# -- the context's shape, for checking templates ------------------------------------------
def context_paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """The leaf paths of a context: dict keys by name, tuple items by index, list items as ANY."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from context_paths(item, prefix + (key,))
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from context_paths(item, prefix + (str(i),))
    elif isinstance(value, list):
        seen: set[Path_] = set()
        for item in value:
            for path in context_paths(item, prefix + (ANY,)):
                if path not in seen:
                    seen.add(path)
                    yield path
    else:
        yield prefix


OPTIONAL_PATHS: frozenset[Path_] = frozenset({("year",)})


def context_schema(edition: Edition) -> dict[Path_, str]:
    """Every leaf path of an edition's context, with the official label path it shows."""
    labels = _labels(edition)
    return {path: labels.get(path, "") for path in context_paths(build_context(_sample(edition)))}


def _sample(edition: Edition) -> Report:
    """A report of the edition with every narrative list non-empty, to read the context's shape."""
    return Report(
        edition=edition.id,
        agency="机关",
        year=edition.first_year,
        date=dt.date(edition.first_year + 1, 1, 1),
        preamble="段落",
        overview={"intro": "段落", "sections": [{"title": "小标题", "text": "段落"}]},
        problems="段落",
        other_matters="段落",
    )


def _labels(edition: Edition) -> dict[Path_, str]:
    overview = SECTION_LABELS["overview"]
    labels: dict[Path_, str] = {
        ("title",): "报告标题",
        ("agency",): "落款 · 报告机关",
        ("date",): "落款 · 成文日期",
        ("year",): "报告年度",
        ("preamble", ANY): "前言（各段）",
        ("overview", "intro", ANY): f"{overview} · 开头各段",
        ("overview", "sections", ANY, "number"): f"{overview} · 小节序号（一）（二）…",
        ("overview", "sections", ANY, "title"): f"{overview} · 小节标题",
        ("overview", "sections", ANY, "paragraphs", ANY): f"{overview} · 小节各段",
        ("problems", ANY): SECTION_LABELS["problems"],
        ("other_matters", ANY): SECTION_LABELS["other_matters"],
    }
    for block, row in edition.active_rows:
        for f in block.fields:
            labels[("t2", row.id, f.id)] = f"{TABLE_2} · {block.label} · {row.label} · {f.label}"
    columns = [a.label for a in edition.applicants] + [TOTAL_LABEL]
    rows = [(r.key, edition.app_row_path(r)) for r in edition.app_rows]
    rows.append(((TOTAL_KEY,), f"{RESULTS_LABEL} · {TOTAL_ROW_LABEL}"))
    for key, where in rows:
        for i, column in enumerate(columns):
            labels[("t3", *key, str(i))] = f"{TABLE_3} · {where} · {column}"
    results = [r.label for r in edition.review_results] + [TOTAL_LABEL]
    for group in edition.review_groups:
        for i, column in enumerate(results):
            labels[("t4", group.id, str(i))] = f"{TABLE_4} · {group.full_label} · {column}"
    return labels


def show_path(path: Path_) -> str:
    """("t3", "received", "0") → t3.received[0]; ("preamble", ANY) → preamble[]."""
    out = ""
    for part in path:
        if part == ANY:
            out += "[]"
        elif part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
