"""Writing tables 二, 三 and 四 onto a worksheet from a ``SheetLayout``.

``write_frame`` puts down what every report of an edition shares (headings, labels, borders,
merges, widths, print setup); ``write_figures`` fills the figures: typed values as input cells,
totals as formulas, each recorded in a ``Calc`` so the formulas' values can be cached.
"""

from __future__ import annotations

from typing import Callable

from openpyxl.cell.cell import Cell
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import style
from ..editions.types import TABLE_2, TABLE_3, Kind
from ..report.model import Report
from .formulas import Calc
from .layout import HEADER, NOTE, ROW, TITLE, Figure, Label, SheetLayout, Span

FigureSource = Callable[[Figure], object]  # a model value, or an Expr for a computed figure

_LABEL_STYLE = {
    TITLE: (style.TITLE, style.LEFT),
    HEADER: (style.HEADER, style.CENTER),
    ROW: (style.BODY, style.LEFT),
    NOTE: (style.NOTE, style.CENTER),
}

_VALIDATION = {
    Kind.COUNT: ("whole", "greaterThanOrEqual", "请填写不小于 0 的整数"),
    Kind.CHANGE: ("whole", "between", "请填写整数（减少时填负数）"),
    Kind.MONEY: ("decimal", "greaterThanOrEqual", "请填写不小于 0 的数字"),
    Kind.AMOUNT: ("decimal", "greaterThanOrEqual", "请填写不小于 0 的数字"),
}
_WHOLE_RANGE = ("-999999999", "999999999")


def report_info(report: Report) -> str:
    """The line under each table heading."""
    return f"报告机关：{report.agency}　　报告年度：{report.year}年"


def figure_value(report: Report, figure: Figure) -> object:
    """A figure's value in the report model (totals included)."""
    if figure.table == TABLE_2:
        return report.active_value(figure.row, str(figure.column))
    if figure.table == TABLE_3:
        return report.row_with_total(figure.row)[int(figure.column)]
    return report.review_with_total(figure.row)[int(figure.column)]


def write_report_sheet(ws: Worksheet, sheet: str, layout: SheetLayout, report: Report, calc: Calc) -> None:
    """A complete table sheet for one report: frame, typed figures and total formulas."""
    write_frame(ws, layout, report_info(report))
    write_figures(ws, sheet, layout, calc, lambda figure: figure_value(report, figure))
    style.protect(ws)


def write_frame(ws: Worksheet, layout: SheetLayout, info: str) -> None:
    """Headings, labels, borders and merges of every table of the layout, and the page setup."""
    for table in layout.tables:
        _put_label(ws, table.title)
        ws.row_dimensions[table.title.span.top].height = style.TITLE_POINTS
        _put_label(ws, Label(table.info, info, ROW))
        _style_grid(ws, table.grid)
        for label in table.labels:
            _put_label(ws, label)
        for row, points in table.heights:
            ws.row_dimensions[row].height = points
    for index, width in enumerate(layout.widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    style.setup_page(ws, layout.freeze, layout.print_titles, one_page=len(layout.tables) == 1)  # a table on one sheet prints on one page


def write_figures(ws: Worksheet, sheet: str, layout: SheetLayout, calc: Calc, source: FigureSource) -> None:
    """Every figure: totals as formulas; others from ``source`` — a value makes an input cell
    (light fill, unlocked), an expression (e.g. a roll-up sum over other sheets) a formula."""
    validations: dict[Kind, DataValidation] = {}
    for figure in layout.figures:
        value = figure.total if figure.total is not None else source(figure)
        cell = _figure_cell(ws, figure)
        if _is_expr(value):
            cell.value = calc.formula(sheet, figure.address, value)
            cell.number_format = style.number_format(figure.kind) if figure.kind in (Kind.COUNT, Kind.CHANGE) else "General"
        else:
            _put_input(cell, figure, value)
            calc.value(sheet, figure.address, style.cell_value(value))
            _validation(ws, validations, figure.kind).add(figure.span.range)


def _is_expr(value: object) -> bool:
    return hasattr(value, "text") and hasattr(value, "evaluate")


def _figure_cell(ws: Worksheet, figure: Figure) -> Cell:
    if not figure.span.is_cell:
        ws.merge_cells(figure.span.range)
    cell = ws[figure.address]
    cell.alignment = style.NUMBER
    return cell


def _put_input(cell: Cell, figure: Figure, value: object) -> None:
    cell.value = style.cell_value(value)
    cell.number_format = style.number_format(figure.kind, value)
    for row in cell.parent.iter_rows(
        min_row=figure.span.top, max_row=figure.span.bottom, min_col=figure.span.left, max_col=figure.span.right
    ):
        for part in row:
            part.fill = style.INPUT_FILL
            part.protection = style.UNLOCKED


def _validation(ws: Worksheet, made: dict[Kind, DataValidation], kind: Kind) -> DataValidation:
    """One data validation per kind of figure on the sheet, created on first use."""
    if kind not in made:
        kind_of, operator, message = _VALIDATION[kind]
        low, high = _WHOLE_RANGE if operator == "between" else ("0", None)
        made[kind] = DataValidation(
            type=kind_of,
            operator=operator,
            formula1=low,
            formula2=high,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="数字不符合要求",
            error=message,
        )
        ws.add_data_validation(made[kind])
    return made[kind]


def _style_grid(ws: Worksheet, grid: Span) -> None:
    """Border and body face on every cell of the table, merged ranges included (set before merging)."""
    for row in ws.iter_rows(min_row=grid.top, max_row=grid.bottom, min_col=grid.left, max_col=grid.right):
        for cell in row:
            cell.border = style.GRID
            cell.font = style.BODY
            cell.protection = style.LOCKED


def _put_label(ws: Worksheet, label: Label) -> None:
    font, alignment = _LABEL_STYLE[label.role]
    if label.role == ROW and list(label.span.columns) == [1] and len(label.span.rows) > len(label.text):
        alignment = style.VERTICAL  # 三、本年度办理结果 down its tall, narrow merged cell, one character a line
    cell = ws[label.span.anchor]
    cell.value = label.text
    cell.font = font
    cell.alignment = alignment
    if not label.span.is_cell:
        ws.merge_cells(label.span.range)
