"""The 说明 sheet: what the workbook is, how it was made, how to read it, which checks it runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from . import style
from ..editions import Edition
from ..editions.types import TABLE_2, TABLE_3, TABLE_4, Kind
from ..report.model import Report
from ..editions.equations import table_rules
from .checks import CHECK_SHEET, verdict_ref
from .formulas import Calc
from .layout import row_points

NOTES_SHEET = "说明"
FACTS_ROW = 2  # the facts fill rows 2–8, column B
_WIDTHS = (14.0, 96.0)


def notes_items(edition: Edition) -> list[str]:
    """How to read the workbook, one paragraph per item."""
    items = [
        f"本工作簿包括{TABLE_2}、{TABLE_3}、{TABLE_4}三张表格（栏目、文字和合并单元格与{edition.document}"
        f"规定的表格一致）和“{CHECK_SHEET}”工作表（逐项核对勾稽关系）。",
        "浅黄色底纹的单元格是填报的数字（输入单元格），可以修改；各“总计”列、“（七）总计”行、表四各“总计”"
        f"以及“{CHECK_SHEET}”工作表中的数字和结论都是公式，修改输入单元格后自动重新计算。",
        "各工作表均已设置保护，但没有密码，只为防止误改公式和表头；确需修改时，在“审阅”菜单中选择"
        "“撤销工作表保护”即可，无需输入密码。",
        "文件中同时保存了每个公式的计算结果，不计算公式的软件（如文件预览、数据分析程序）也能看到总计和"
        "校验结论；Excel、WPS、LibreOffice 打开时会重新计算。",
        f"“{CHECK_SHEET}”工作表每行列出左边、右边和差额（左边−右边）：差额为 0 显示“通过”，否则显示“不符”"
        "并以红色标出。",
    ]
    for block in edition.active_blocks:
        for field in block.fields:
            if field.kind is Kind.MONEY:
                items.append(f"{TABLE_2}“{field.label}”按填报的数字保留原有的小数位数。")
            elif field.kind is Kind.AMOUNT:
                items.append(
                    f"{TABLE_2}“{field.label}”按填报时的写法显示单位（元或万元），数字本身不换算；"
                    "未写单位的按万元计并显示“万元”。"
                )
    return items


def write_notes_sheet(
    ws: Worksheet, report: Report, calc: Calc, source: str | None, made_at: dt.datetime
) -> None:
    """Fill the 说明 sheet (the workbook's first sheet)."""
    edition = report.spec
    texts = report_texts(report, source, made_at)
    ws.title = NOTES_SHEET
    _text(ws["A1"], texts["A1"])
    ws["A1"].font = style.TITLE
    ws.merge_cells("A1:B1")
    ws.row_dimensions[1].height = style.TITLE_POINTS
    row = FACTS_ROW
    for label, _ in facts(report, source, made_at):
        _line(ws, row, label, texts[f"B{row}"])
        row += 1
    ws.cell(row, 2, calc.formula(NOTES_SHEET, f"B{row}", verdict_ref()))
    _line(ws, row, "校验结论")
    row = _section(ws, row + 2, "阅读说明")
    _line(ws, row, "底纹示例", "输入单元格（浅黄色底纹，可以修改）")
    ws.cell(row, 2).fill = style.INPUT_FILL
    for number, text in enumerate(notes_items(edition), start=1):
        _line(ws, row + number, f"{number}.", text)
    row = _section(ws, row + len(notes_items(edition)) + 2, "校验规则")
    checked = table_rules(edition)
    for rule in edition.rules:
        where = f"见“{CHECK_SHEET}”工作表" if rule in checked else "需对照上年度报告，本工作簿不作校验"
        _line(ws, row, rule.id, f"{rule.table}，{rule.text}（{where}）")
        row += 1
    for index, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions["AB"[index - 1]].width = width
    style.setup_page(ws, None, None, landscape=False)
    style.protect(ws)


def facts(report: Report, source: str | None, made_at: dt.datetime) -> list[tuple[str, str]]:
    """Who, which year, which format, when and how the workbook was made (label, text)."""
    edition = report.spec
    return [
        ("报告机关", report.agency),
        ("报告年度", f"{report.year}年"),
        ("格式版本", f"{edition.id}版：{edition.document}《{edition.title}》"),
        ("成文日期", f"{report.date.year}年{report.date.month}月{report.date.day}日" if report.date else "未填写"),
        ("生成时间", made_at.strftime("%Y-%m-%d %H:%M")),
        ("生成方式", f"由 docgen {__version__} 根据输入文件自动生成"),
        ("输入文件", Path(source).name if source else "未记录"),
    ]


def workbook_title(report: Report) -> str:
    """The workbook's title, also the heading of this sheet."""
    return f"{report.display_title} · 审核工作簿"


def report_texts(report: Report, source: str | None, made_at: dt.datetime) -> dict[str, str]:
    """The cells of the sheet that differ from report to report: the title (A1) and the facts."""
    texts = {"A1": workbook_title(report)}
    for row, (_, text) in enumerate(facts(report, source, made_at), start=FACTS_ROW):
        texts[f"B{row}"] = text
    return texts


def report_heights(report: Report, source: str | None, made_at: dt.datetime) -> dict[int, float]:
    """The heights of the rows of the facts, which follow the length of their text."""
    return {row: _height(text) for row, (_, text) in enumerate(facts(report, source, made_at), start=FACTS_ROW)}


def _section(ws: Worksheet, row: int, title: str) -> int:
    """A section heading; returns the row below it."""
    ws.cell(row, 1, title).font = style.TITLE
    return row + 1


def _line(ws: Worksheet, row: int, label: str, text: str | None = None) -> None:
    head = ws.cell(row, 1, label)
    head.font, head.alignment = style.HEADER, style.LEFT
    body = ws.cell(row, 2)
    if text is not None:
        _text(body, text)
    body.font, body.alignment = style.BODY, style.LEFT
    ws.row_dimensions[row].height = _height(text or "")


def _text(cell, text: str) -> None:
    """Text stays text, even when it starts with "=" (an agency's name is never a formula)."""
    cell.value = text
    if text:
        cell.data_type = "s"


def _height(text: str) -> float:
    return row_points(text, _WIDTHS[1])
