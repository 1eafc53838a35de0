"""The 校验 sheet: rules R1–R4 as live formulas over the table sheets.

Each check is a row: where (official labels), left side, right side, difference and
=IF(difference=0,"通过","不符"); a conditional format turns 不符 red. The sides are built from the
layout so that each one reaches the figure by a different road than the table's own formula
(R2 adds the （一）–（六） items one by one against （七）总计's column SUM, R3 and R4 add the cells
term by term against the 总计 SUM), so a total overwritten by hand is caught as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from openpyxl.formatting.rule import CellIsRule
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from . import style
from ..editions import Edition
from ..editions.types import RESULTS_LABEL, TABLE_3, TABLE_4, TOTAL_LABEL, TOTAL_ROW_LABEL, Rule
from .formulas import FAIL, Calc, Expr, Minus, Plus, Ref, Verdict, ZeroTest
from .layout import TOTAL_ROW, WorkbookLayout, result_subtotals, row_points

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


def _r1(layout: WorkbookLayout, edition: Edition) -> list[Check]:
    """Every column of table 三: 一 + 二 = （七）总计 + 四."""
    received, carried_in = (row.id for row in edition.intake_rows)
    out = []
    for column, name in enumerate(_column_names(edition)):
        left = Plus((layout.ref(TABLE_3, received, column), layout.ref(TABLE_3, carried_in, column)))
        right = Plus((layout.ref(TABLE_3, TOTAL_ROW, column), layout.ref(TABLE_3, edition.carried_out.id, column)))
        out.append(Check("R1", f"{TABLE_3} · {name}列", left, right))
    return out


def _r2(layout: WorkbookLayout, edition: Edition) -> list[Check]:
    """Every column of table 三: （七）总计 = （一）+（二）+ all of （三）…（五）+ （六）."""
    sheet = layout.sheet_of(TABLE_3)
    table = layout.layout_of(TABLE_3)
    out = []
    for column, name in enumerate(_column_names(edition)):
        right = result_subtotals(table, edition, column, sheet)
        out.append(Check("R2", f"{TABLE_3} · {TOTAL_ROW_LABEL} · {name}列", layout.ref(TABLE_3, TOTAL_ROW, column), right))
    return out


def _r3(layout: WorkbookLayout, edition: Edition) -> list[Check]:
    """Every row of table 三: 总计 = 自然人 + the 法人或其他组织 columns."""
    typed = [(r.id, edition.app_row_path(r)) for r in edition.intake_rows + edition.result_rows]
    carried_out = edition.carried_out
    rows = typed + [(TOTAL_ROW, f"{RESULTS_LABEL} · {TOTAL_ROW_LABEL}"), (carried_out.id, carried_out.label)]
    count = len(edition.applicants)
    out = []
    for row_id, path in rows:
        right = Plus(tuple(layout.ref(TABLE_3, row_id, c) for c in range(count)))
        out.append(Check("R3", f"{TABLE_3} · {path} · {TOTAL_LABEL}", layout.ref(TABLE_3, row_id, count), right))
    return out


def _r4(layout: WorkbookLayout, edition: Edition) -> list[Check]:
    """Each group of table 四: 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计."""
    count = len(edition.review_results)
    out = []
    for group in edition.review_groups:
        right = Plus(tuple(layout.ref(TABLE_4, group.id, c) for c in range(count)))
        out.append(Check("R4", f"{TABLE_4} · {group.full_label} · {TOTAL_LABEL}", layout.ref(TABLE_4, group.id, count), right))
    return out


CHECKS: dict[str, Callable[[WorkbookLayout, Edition], list[Check]]] = {"R1": _r1, "R2": _r2, "R3": _r3, "R4": _r4}


def workbook_rules(edition: Edition) -> list[Rule]:
    """The edition's rules the workbook checks (those within one report)."""
    return [rule for rule in edition.rules if rule.id in CHECKS]


def checks_for(layout: WorkbookLayout, edition: Edition) -> list[Check]:
    """Every check row, rule by rule in the edition's order."""
    return [check for rule in workbook_rules(edition) for check in CHECKS[rule.id](layout, edition)]


def _column_names(edition: Edition) -> list[str]:
    return [a.label for a in edition.applicants] + [TOTAL_LABEL]


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
        for check in CHECKS[rule.id](layout, edition):
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
