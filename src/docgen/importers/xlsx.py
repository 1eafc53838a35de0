"""This project's auditors' workbook (.xlsx) → Report, read by the workbook layout.

The layout (`workbook.layout.layout_for`) names the cell of every typed figure, so the figures
are read from those input cells — also after someone changed them in Excel, WPS or LibreOffice.
Agency, year, edition and date come from the 说明 sheet. A workbook whose labels are not where
the layout puts them (another program's, or an older layout) is read like any other document:
its rows are matched by their labels.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from .. import editions
from ..rules.checks import Stated
from ..editions.common import HEADER_KEYS
from ..editions.types import TABLE_2, TABLE_3, TABLE_4, Kind
from ..errors import InputError, Problem
from ..report.names import clean_name, name_key
from ..report.model import Amount, Report, count_problem, format_decimal, money_problem
from .cells import Block, Row, clean, value

TITLE_SUFFIX = " · "
MAX_SHEET_ROWS = 1_000  # a report's tables have a few dozen rows; the rest of a longer sheet is not read  # the 说明 title reads “{title} · 审核工作簿”


def import_workbook(path: Path, shown: str):
    """Read a workbook: by the layout when it matches, else by labels like any document."""
    import openpyxl

    from ..workbook import CHECK_SHEET, NOTES_SHEET
    from . import Imported, from_blocks

    book = openpyxl.load_workbook(path, data_only=True)  # a formula typed into an input cell counts by its value
    facts = _facts(book[NOTES_SHEET]) if NOTES_SHEET in book.sheetnames else {}
    edition = _edition(facts.get("edition", ""))
    if edition is not None and _matches_layout(book, edition):
        report, warnings = _by_layout(book, edition, facts, shown)
        return Imported(report, Stated(), warnings, "xlsx", False, "workbook")
    blocks = workbook_blocks(book, skip=(NOTES_SHEET, CHECK_SHEET))
    if facts.get("title"):
        blocks.insert(0, facts["title"])
    return from_blocks(blocks, shown, "xlsx")


def _facts(ws) -> dict[str, str]:
    """报告机关, 报告年度, 格式版本, 成文日期 and the title, from the 说明 sheet."""
    labels = {clean(label): key for key, (label, _) in HEADER_KEYS.items()}
    out: dict[str, str] = {}
    title = ws["A1"].value
    if isinstance(title, str):
        out["title"] = title.rpartition(TITLE_SUFFIX)[0] or title
    for row in ws.iter_rows(min_col=1, max_col=2, values_only=True):
        key = labels.get(clean(str(row[0] or "")))
        if key and key not in out and row[1] is not None:
            out[key] = str(row[1]).strip()
    return out


def _edition(text: str):
    match = re.match(r"\s*(\d{4})\s*版", text)
    if match and int(match.group(1)) in editions.EDITIONS:
        return editions.get(int(match.group(1)))
    return None


def _matches_layout(book, edition) -> bool:
    """Whether every row label of the layout is where the layout puts it."""
    from ..workbook.layout import ROW, layout_for

    for name, sheet in layout_for(edition).sheets:
        if name not in book.sheetnames:
            return False
        ws = book[name]
        for table in sheet.tables:
            for label in table.labels:
                if label.role == ROW and clean(str(ws[label.span.anchor].value or "")) != clean(label.text):
                    return False
    return True


def _by_layout(book, edition, facts: dict[str, str], shown: str) -> tuple[Report, list[Problem]]:
    from ..workbook.layout import layout_for

    warnings: list[Problem] = []
    active: dict[str, dict] = {}
    applications: dict[str, list[int]] = {}
    reviews: dict[str, list[int]] = {}
    for name, sheet in layout_for(edition).sheets:
        ws = book[name]
        for figure in sheet.inputs:
            cell = ws[figure.address]
            where = f"{name}!{figure.address}（{_label(edition, figure)}）"
            number = _number(cell.value, figure.kind, cell.number_format, where, warnings, shown)
            if figure.table == TABLE_2:
                active.setdefault(figure.row, {})[str(figure.column)] = number
            elif figure.table == TABLE_3:
                applications.setdefault(figure.row, [0] * len(edition.applicants))[int(figure.column)] = number
            elif figure.table == TABLE_4:
                reviews.setdefault(figure.row, [0] * len(edition.review_results))[int(figure.column)] = number
    year = re.match(r"\s*(\d{4})", facts.get("year", ""))
    if not year:
        raise InputError([Problem(shown, None, "说明", "无法作为年度报告导入：“说明”表中没有报告年度")])
    title = facts.get("title", "")
    report = Report(
        edition=edition.id,
        agency=clean_name(facts.get("agency", "")) if name_key(facts.get("agency", "")) else "请填写报告机关名称",
        year=int(year.group(1)),
        date=_date(facts.get("date", "")),
        active=active,
        applications=applications,
        reviews=reviews,
    )
    if title and title != report.display_title:
        report.title = title
    warnings.append(Problem(shown, None, "正文", "工作簿中没有正文（前言，一、五、六部分），请在输入文件中补充", "warning"))
    return report, warnings


def _label(edition, figure) -> str:
    if figure.table == TABLE_2:
        block, row = next((b, r) for b, r in edition.active_rows if r.id == figure.row)
        field = next(f for f in block.fields if f.id == figure.column)
        return f"{TABLE_2} · {block.label} · {row.label} · {field.label}"
    if figure.table == TABLE_3:
        return f"{TABLE_3} · {edition.app_row_path(edition.app_row(figure.row))} · {edition.applicants[int(figure.column)].label}"
    group = next(g for g in edition.review_groups if g.id == figure.row)
    return f"{TABLE_4} · {group.full_label} · {edition.review_results[int(figure.column)].label}"


def _number(raw, kind: Kind, number_format: str, where: str, warnings: list[Problem], shown: str):
    """An input cell's value as the model wants it; 0 with a warning when it is not usable."""

    def bad(what: str):
        warnings.append(Problem(shown, None, where, f"{what}，已按 0 读取", "warning"))
        return _zero(kind)

    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _zero(kind)
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.datetime)):
        return bad(f"不是数字（“{raw}”）")
    if isinstance(raw, (int, float)):
        number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    else:
        cell = value(str(raw))
        if cell is None:
            return bad(f"不是数字（“{raw}”）")
        number = cell.number
    if not number.is_finite():
        return bad(f"不是数字（“{raw}”）")
    if kind in (Kind.COUNT, Kind.CHANGE):
        bounds = count_problem(format(number.to_integral_value(), "f")) if abs(number) >= 1 else None
        if bounds:
            return bad(bounds)
        if number != number.to_integral_value() or (kind is Kind.COUNT and number < 0):
            return bad(f"应为{'整数' if kind is Kind.CHANGE else '非负整数'}，实际为 {format_decimal(number)}")
        return int(number)
    if number < 0:
        return bad(f"金额不能为负数（{format_decimal(number)}）")
    bounds = money_problem(number)
    if bounds:
        return bad(bounds)
    number = _places(number, number_format)
    if kind is Kind.AMOUNT:
        unit = "万元" if "万元" in number_format else "元" if "元" in number_format else ""
        return Amount(value=number, unit=unit)
    return number


def _zero(kind: Kind):
    return Amount(value=Decimal(0)) if kind is Kind.AMOUNT else Decimal(0) if kind is Kind.MONEY else 0


def _places(number: Decimal, number_format: str) -> Decimal:
    """Keep the decimals the cell shows (25.10 stays 25.10), never fewer than the value has."""
    match = re.search(r"0\.(0+)", number_format or "")
    shown = len(match.group(1)) if match else 0
    have = -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0
    return number.quantize(Decimal(1).scaleb(-shown)) if shown > have else number


def _date(text: str) -> dt.date | None:
    match = re.match(r"\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    try:
        return dt.date(*(int(g) for g in match.groups())) if match else None
    except ValueError:
        return None


def workbook_blocks(book, skip: tuple[str, ...] = ()) -> list[Block]:
    """Any workbook → blocks: each sheet a table; a row with one text cell is a paragraph."""
    from openpyxl.cell.cell import MergedCell

    blocks: list[Block] = []
    for number, ws in enumerate(book.worksheets, start=1):
        if ws.title in skip:
            continue
        for index, row in enumerate(ws.iter_rows()):
            if index >= MAX_SHEET_ROWS:
                break
            cells = tuple(_text(c.value) for c in row if not isinstance(c, MergedCell))
            filled = [c for c in cells if c]
            if len(filled) == 1 and value(filled[0]) is None:
                blocks.append(filled[0])
            elif filled:
                blocks.append(Row(cells, number))
    return blocks


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()
