"""The 校验 sheet: rules R1–R4 as live formulas over the table sheets, written from the rules'
equations (docgen.editions.equations).

Each check is a row: where (official labels), left side, right side, difference and
=IF(difference=0,"通过","不符"); a conditional format turns 不符 red. Each side adds its terms one
by one, so it reaches a figure by a different road than the table's own formula (R2 adds the
（一）–（六） items against （七）总计's column SUM, R3 and R4 add the cells term by term against the
总计 SUM), and a total overwritten by hand is caught as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.formatting.rule import CellIsRule
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from . import style
from ..editions import Edition
from ..editions.equations import Term, equations, table_rules
from ..editions.grid import place
from ..editions.types import Rule
from .formulas import FAIL, Calc, Expr, Minus, Plus, Ref, Sum, Verdict, ZeroTest
from .layout import WorkbookLayout, ranges, row_points

CHECK_SHEET = "校验"
VERDICT_CELL = "B2"
_HEADERS = ("规则", "检查位置", "左边", "右边", "差额（左边−右边）", "结果")
_WIDTHS = (7.0, 80.0, 10.0, 10.0, 12.0, 9.0)
_FIRST_ROW = 4


@dataclass(frozen=True)
class Check:
    """One row of the 校验 sheet."""

    rule: str
    where: str
    left: Expr
    right: Expr


def term_expr(layout: WorkbookLayout, edition: Edition, term: Term) -> Expr:
    """A term of an equation on the sheets: one cell, or the SUM of a group's cells."""
    spans = [_span_of(layout, edition, path) for path in term.paths]
    sheet = layout.sheet_of(place(edition, term.paths[0]).table)
    areas = ranges([span for _, span in spans])
    if len(term.paths) == 1:
        return Ref(areas[0], sheet)
    return Sum(tuple(Ref(area, sheet) for area in areas))


def side_expr(layout: WorkbookLayout, edition: Edition, terms: tuple[Term, ...]) -> Expr:
    """A side of an equation: its terms added one by one."""
    return Plus(tuple(term_expr(layout, edition, term) for term in terms))


def _span_of(layout: WorkbookLayout, edition: Edition, path: str):
    where = place(edition, path)
    figure = layout.layout_of(where.table).figure(where.table, where.row, where.column)
    return where, figure.span


def workbook_rules(edition: Edition) -> list[Rule]:
    """The edition's rules the workbook checks (the equations within one table)."""
    return list(table_rules(edition))


def checks_of(layout: WorkbookLayout, edition: Edition, rule: Rule) -> list[Check]:
    """The check rows of one rule: one per equation, each side reaching the figures term by term."""
    return [
        Check(rule.id, eq.where, side_expr(layout, edition, eq.left), side_expr(layout, edition, eq.right))
        for eq in equations(edition, rule)
    ]


def checks_for(layout: WorkbookLayout, edition: Edition) -> list[Check]:
    """Every check row, rule by rule in the edition's order."""
    return [check for rule in workbook_rules(edition) for check in checks_of(layout, edition, rule)]


def verdict_ref() -> Ref:
    """The cell of the overall result (全部通过 / 有N项不符), for other sheets."""
    return Ref(VERDICT_CELL, CHECK_SHEET)


def write_check_sheet(book: Workbook, layout: WorkbookLayout, edition: Edition, calc: Calc) -> Worksheet:
    """Add the 校验 sheet: overall verdict, then each rule's text and its check rows."""
    ws = book.create_sheet(CHECK_SHEET)
    _heading(ws)
    row = _FIRST_ROW
    for rule in workbook_rules(edition):
        _rule_row(ws, row, rule)
        row += 1
        for check in checks_of(layout, edition, rule):
            _check_row(ws, row, check, calc)
            row += 1
    statuses = Ref(f"F{_FIRST_ROW}:F{row - 1}")
    ws[VERDICT_CELL] = calc.formula(CHECK_SHEET, VERDICT_CELL, Verdict(statuses))
    _highlight(ws, statuses.area)
    style.setup_page(ws, f"A{_FIRST_ROW}", f"1:{_FIRST_ROW - 1}")
    style.protect(ws)
    return ws


def _heading(ws: Worksheet) -> None:
    ws["A1"] = "校验（勾稽关系）"
    ws["A1"].font = style.TITLE
    ws.merge_cells("A1:F1")
    ws.row_dimensions[1].height = style.TITLE_POINTS
    ws["A2"] = "校验结论"
    ws["A2"].font = style.HEADER
    ws[VERDICT_CELL].font = style.BOLD_BODY
    ws.merge_cells(f"{VERDICT_CELL}:F2")
    for column, (text, width) in enumerate(zip(_HEADERS, _WIDTHS), start=1):
        cell = ws.cell(_FIRST_ROW - 1, column, text)
        cell.font, cell.alignment, cell.border = style.HEADER, style.CENTER, style.GRID
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[_FIRST_ROW - 1].height = row_points(_HEADERS[4], _WIDTHS[4])


def _rule_row(ws: Worksheet, row: int, rule: Rule) -> None:
    for column in range(1, len(_HEADERS) + 1):
        cell = ws.cell(row, column)
        cell.border, cell.fill, cell.font = style.GRID, style.RULE_FILL, style.BOLD_BODY
    ws.cell(row, 1, rule.id).alignment = style.CENTER
    ws.cell(row, 2, rule.text).alignment = style.LEFT
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(_HEADERS))
    ws.row_dimensions[row].height = row_points(rule.text, sum(_WIDTHS[1:]))


def _check_row(ws: Worksheet, row: int, check: Check, calc: Calc) -> None:
    left, right, diff = (f"{c}{row}" for c in "CDE")
    cells = (
        check.rule,
        check.where,
        calc.formula(CHECK_SHEET, left, check.left),
        calc.formula(CHECK_SHEET, right, check.right),
        calc.formula(CHECK_SHEET, diff, Minus(Ref(left), Ref(right))),
        calc.formula(CHECK_SHEET, f"F{row}", ZeroTest(Ref(diff))),
    )
    for column, value in enumerate(cells, start=1):
        cell = ws.cell(row, column, value)
        cell.border, cell.font = style.GRID, style.BODY
        cell.alignment = style.LEFT if column == 2 else style.CENTER if column in (1, 6) else style.NUMBER
        if column in (3, 4, 5):
            cell.number_format = style.COUNT_FORMAT
    ws.row_dimensions[row].height = row_points(check.where, _WIDTHS[1])


def _highlight(ws: Worksheet, statuses: str) -> None:
    """不符 in red, in the status column and in the overall verdict."""
    fail = {"fill": style.FAIL_FILL, "font": style.FAIL_FONT}
    ws.conditional_formatting.add(statuses, CellIsRule(operator="equal", formula=[f'"{FAIL}"'], **fail))
    good = Verdict(Ref(statuses)).good_text
    ws.conditional_formatting.add(VERDICT_CELL, CellIsRule(operator="notEqual", formula=[f'"{good}"'], **fail))
