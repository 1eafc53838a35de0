"""The roll-up workbook (汇总工作簿): an overview, the summary whose every typed figure is a formula
over the agency sheets, the 校验 sheet over the summary, and one sheet per agency.

Sheets, in order:

- 总览: one row per agency with its key figures (formulas into its sheet) and its R1 status;
- 汇总: tables 二, 三, 四 stacked; each figure ='甲镇'!D7+'乙镇'!D7+…, totals as in every workbook;
- 校验: rules R1–R4 over 汇总, as in the auditors' workbook;
- one sheet per agency: its tables 二, 三, 四 stacked, its figures typed.

Table layout, sheet writing, checks and cached values all come from the workbook modules.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__, editions
from ..workbook import style
from ..editions import Edition
from ..editions.types import LITIGATION_HEADER, TABLE_2, TABLE_3, TABLE_4, Kind
from ..errors import InputError, OutputError, Problem
from ..report.model import WAN, YUAN, YUAN_PER_WAN, Amount, Report
from .sum import Rollup
from ..workbook import Calc, add_cached_values, stacked_layout, write_figures, write_frame, write_report_sheet
from ..editions.equations import equations, table_rules
from ..workbook.checks import CHECK_SHEET, side_expr, verdict_ref, write_check_sheet
from ..workbook.formulas import FAIL, PASS, Plus, Ref, Value, as_number
from ..workbook.layout import TOTAL_ROW, Figure, SheetLayout, WorkbookLayout
from ..workbook.tables import report_info

OVERVIEW_SHEET = "总览"
SUMMARY_SHEET = "汇总"
RESERVED = (OVERVIEW_SHEET, SUMMARY_SHEET, CHECK_SHEET, "History")
MAX_SHEET_NAME = 31
MAX_FORMULA = 8000  # Excel refuses formulas longer than 8192 characters
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_REGION_END = "省市县区州盟旗"
_COMMON_SUFFIX = "人民政府"


# -- expressions the workbook modules do not have ---------------------------------------------
@dataclass(frozen=True)
class Scaled:
    """ref/divisor: an amount in 元 seen in 万元."""

    ref: Ref
    divisor: int

    def text(self) -> str:
        return f"{self.ref.text()}/{self.divisor}"

    def evaluate(self, lookup) -> Value:
        value = as_number(self.ref.evaluate(lookup))
        return Decimal(value) / self.divisor if isinstance(value, (int, Decimal)) else value / self.divisor


@dataclass(frozen=True)
class Balanced:
    """IF(AND((a)-(b)=0,…),"通过","不符"): several equalities that must all hold."""

    pairs: tuple[tuple[Plus, Plus], ...]

    def text(self) -> str:
        tests = ",".join(f"({left.text()})-({right.text()})=0" for left, right in self.pairs)
        return f'IF(AND({tests}),"{PASS}","{FAIL}")'

    def evaluate(self, lookup) -> Value:
        ok = all(as_number(left.evaluate(lookup)) == as_number(right.evaluate(lookup)) for left, right in self.pairs)
        return PASS if ok else FAIL


# -- sheet names --------------------------------------------------------------------------------
def sheet_names(agencies: list[str]) -> list[str]:
    """A valid, unique Excel sheet name per agency (≤31 characters, none of []:*?/\\, not 总览/汇总/校验).

    A shared region prefix (乳山市…) and the shared suffix 人民政府 are dropped when every name has
    them, so 乳山市乳山口镇人民政府 becomes 乳山口镇.
    """
    short = _shortened([" ".join(a.split()) for a in agencies])
    out: list[str] = []
    taken = {name.lower() for name in RESERVED}
    for name in short:
        base = _FORBIDDEN.sub("_", name).strip().strip("'").strip() or "机关"
        base = base[:MAX_SHEET_NAME].strip("'")
        candidate, number = base, 1
        while candidate.lower() in taken:
            number += 1
            tail = f"({number})"
            candidate = base[: MAX_SHEET_NAME - len(tail)].rstrip("'") + tail
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def _shortened(agencies: list[str]) -> list[str]:
    if len(agencies) < 2:
        return list(agencies)
    names = list(agencies)
    if all(n.endswith(_COMMON_SUFFIX) and len(n) > len(_COMMON_SUFFIX) for n in names):
        names = [n[: -len(_COMMON_SUFFIX)] for n in names]
    prefix = _common_prefix(names)
    cut = max((i + 1 for i, c in enumerate(prefix) if c in _REGION_END), default=0)
    if cut and all(len(n) > cut for n in names):
        names = [n[cut:] for n in names]
    return names


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


# -- the workbook -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agency:
    """One agency of the roll-up: its report, sheet name and input file."""

    report: Report
    sheet: str
    file: str


def build_rollup_workbook(result: Rollup) -> tuple[Workbook, dict[str, dict[str, Value]]]:
    """The roll-up workbook and the computed value of each formula cell (sheet -> address -> value)."""
    summed = result.report
    edition = summed.spec
    layout = stacked_layout(edition)
    reports = [part.loaded.report for part in result.parts]
    agencies = [Agency(r, s, p.file) for r, s, p in zip(reports, sheet_names([r.agency for r in reports]), result.parts)]
    calc = Calc()
    book = Workbook()
    overview = book.active
    overview.title = OVERVIEW_SHEET
    summary = book.create_sheet(SUMMARY_SHEET)
    write_check_sheet(book, WorkbookLayout(edition.id, ((SUMMARY_SHEET, layout),)), edition, calc)
    for agency in agencies:
        write_report_sheet(book.create_sheet(agency.sheet), agency.sheet, layout, agency.report, calc)
    _write_summary(summary, layout, summed, agencies, calc)
    _write_overview(overview, layout, edition, summed, agencies, calc)
    calc.texts_as_text(book)
    book.calculation.fullCalcOnLoad = True
    book.properties.creator = f"docgen {__version__}"
    book.properties.title = f"{summed.display_title} · 汇总工作簿"
    return book, calc.results()


def write_rollup_xlsx(result: Rollup, target: Path | str) -> Path:
    """Write the roll-up workbook to ``target`` (the caller makes the write atomic) and return it."""
    target = Path(target)
    book, cached = build_rollup_workbook(result)
    try:
        book.save(target)
        add_cached_values(target, cached)
    except OSError as exc:
        raise OutputError(f"无法写入“{target}”：{exc.strerror or exc}") from None
    return target


def summary_formula(figure: Figure, agencies: list[Agency], summed: Report) -> Plus:
    """The formula of one typed figure of the summary: the same cell of every agency sheet, added.

    Amounts written in 元 by some agencies and 万元 by others are added in 万元, as the model does.
    """
    units = {_unit(a.report, figure) for a in agencies} if figure.kind is Kind.AMOUNT else set()
    mixed = YUAN in units and _unit(summed, figure) != YUAN
    terms = []
    for agency in agencies:
        ref = Ref(figure.address, agency.sheet)
        terms.append(Scaled(ref, YUAN_PER_WAN) if mixed and _unit(agency.report, figure) == YUAN else ref)
    formula = Plus(tuple(terms))
    if len(formula.text()) > MAX_FORMULA:
        raise OutputError(f"汇总的机关过多（{len(agencies)} 个），汇总表的公式超过 Excel 的长度限制；请分级汇总（如先按乡镇、部门分组）")
    return formula


def _unit(report: Report, figure: Figure) -> str:
    value = report.active_value(figure.row, str(figure.column))
    return getattr(value, "unit", "")


def _write_summary(ws: Worksheet, layout: SheetLayout, summed: Report, agencies: list[Agency], calc: Calc) -> None:
    write_frame(ws, layout, report_info(summed) + f"　　（{len(agencies)} 个机关汇总）")
    write_figures(ws, SUMMARY_SHEET, layout, calc, lambda figure: summary_formula(figure, agencies, summed))
    for figure in layout.figures:
        if figure.table == TABLE_2 and figure.kind in (Kind.MONEY, Kind.AMOUNT):
            value = summed.active_value(figure.row, str(figure.column))
            ws[figure.address].number_format = style.number_format(figure.kind, value)
    style.protect(ws)


# -- 总览 -------------------------------------------------------------------------------------------
_OVERVIEW_HEADERS = (
    ("序号", 6.0),
    ("报告机关", 30.0),
    ("工作表", 14.0),
    ("输入文件", 22.0),
    ("本年新收申请", 11.0),
    ("上年结转", 10.0),
    ("办结（（七）总计）", 17.0),
    ("结转下年度", 10.0),
    ("行政复议总计", 11.0),
    ("行政诉讼总计", 11.0),
    (None, 10.0),  # the status column: status_header(edition)
)
_HEADER_ROW = 4


def key_figures(layout: SheetLayout, edition: Edition, sheet: str) -> tuple:
    """The overview's figures of one table sheet: 新收, 上年结转, 办结, 结转下年度, 复议总计, 诉讼总计."""
    total = len(edition.applicants)
    results = len(edition.review_results)
    received, carried_in = (row.id for row in edition.intake_rows)

    def ref(table: str, row: str, column: int) -> Ref:
        return Ref(layout.cell_of(table, row, column), sheet)

    review = [g for g in edition.review_groups if g.parent != LITIGATION_HEADER]
    litigation = [g for g in edition.review_groups if g.parent == LITIGATION_HEADER]
    return (
        ref(TABLE_3, received, total),
        ref(TABLE_3, carried_in, total),
        ref(TABLE_3, TOTAL_ROW, total),
        ref(TABLE_3, edition.carried_out.id, total),
        Plus(tuple(ref(TABLE_4, g.id, results) for g in review)),
        Plus(tuple(ref(TABLE_4, g.id, results) for g in litigation)),
    )


def status_rules(edition: Edition) -> list:
    """The rules the overview's 校验 column checks: every table rule that can fail on typed
    figures (R1; the rules that define a total hold on every sheet docgen writes)."""
    return [rule for rule in table_rules(edition) if not rule.defines_total]


def status_header(edition: Edition) -> str:
    return f"校验（{'、'.join(rule.id for rule in status_rules(edition))}）"


def sheet_status(layout: SheetLayout, edition: Edition, sheet: str) -> Balanced:
    """The overview status of one table sheet: every equation of ``status_rules`` (R1 in every
    column, 总计 included), as written for the 校验 sheet."""
    book = WorkbookLayout(edition.id, ((sheet, layout),))
    pairs = tuple(
        (side_expr(book, edition, eq.left), side_expr(book, edition, eq.right))
        for rule in status_rules(edition)
        for eq in equations(edition, rule)
    )
    status = Balanced(pairs)
    if len(status.text()) > MAX_FORMULA:
        raise OutputError(f"工作表名“{sheet}”过长，总览的校验公式超过 Excel 的长度限制")
    return status


def _write_overview(ws: Worksheet, layout: SheetLayout, edition: Edition, summed: Report, agencies: list[Agency], calc: Calc) -> None:
    last = len(_OVERVIEW_HEADERS)
    ws["A1"] = f"{summed.display_title} · 汇总工作簿"
    ws["A1"].font = style.TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.row_dimensions[1].height = style.TITLE_POINTS
    facts = (
        ("B2", "汇总机关", "C2:D2", summed.agency),
        ("E2", "报告年度", "F2", summed.year),
        ("G2", "格式版本", "H2", edition.id),
        ("B3", "汇总表校验", "C3:D3", calc.formula(OVERVIEW_SHEET, "C3", verdict_ref())),
        ("E3", "机关数", "F3", len(agencies)),
    )
    for label_cell, label, value_range, value in facts:
        ws[label_cell] = label
        ws[label_cell].font, ws[label_cell].alignment = style.HEADER, style.LEFT
        value_cell = value_range.split(":")[0]
        ws[value_cell] = value
        ws[value_cell].font, ws[value_cell].alignment = style.BOLD_BODY, style.LEFT
        if ":" in value_range:
            ws.merge_cells(value_range)
    ws["H2"].number_format = '0"版"'
    ws["I2"] = edition.document
    ws["F2"].number_format = '0"年"'
    ws["G3"] = f"“{SUMMARY_SHEET}”表的每个数字都是各机关工作表同一单元格之和。"
    for cell in ("I2", "G3"):
        ws[cell].font, ws[cell].alignment = style.BODY, style.LEFT
    ws.merge_cells(f"I2:{ws.cell(2, last).column_letter}2")
    ws.merge_cells(f"G3:{ws.cell(3, last).column_letter}3")
    for column, (text, width) in enumerate(_OVERVIEW_HEADERS, start=1):
        cell = ws.cell(_HEADER_ROW, column, text or status_header(edition))
        cell.font, cell.alignment, cell.border = style.HEADER, style.CENTER, style.GRID
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[_HEADER_ROW].height = 30.0
    row = _HEADER_ROW
    for number, agency in enumerate(agencies, start=1):
        row += 1
        figures = key_figures(layout, edition, agency.sheet)
        texts = [number, agency.report.agency, agency.sheet, Path(agency.file).name]
        for column, value in enumerate(texts, start=1):
            _grid_cell(ws, row, column, value, style.CENTER if column in (1, 3) else style.LEFT)
        ws.cell(row, 3).hyperlink = f"#'{agency.sheet}'!A1"
        for column, expr in enumerate(figures + (sheet_status(layout, edition, agency.sheet),), start=len(texts) + 1):
            address = ws.cell(row, column).coordinate
            _grid_cell(ws, row, column, calc.formula(OVERVIEW_SHEET, address, expr), style.CENTER if column == last else style.NUMBER)
            if column < last:
                ws.cell(row, column).number_format = style.COUNT_FORMAT
    total_row = row + 1
    _grid_cell(ws, total_row, 1, "", style.CENTER)
    _grid_cell(ws, total_row, 2, "合计", style.LEFT)
    for column in (3, 4):
        _grid_cell(ws, total_row, column, "", style.LEFT)
    for column, expr in enumerate(key_figures(layout, edition, SUMMARY_SHEET), start=5):
        address = ws.cell(total_row, column).coordinate
        _grid_cell(ws, total_row, column, calc.formula(OVERVIEW_SHEET, address, expr), style.NUMBER)
        ws.cell(total_row, column).number_format = style.COUNT_FORMAT
        ws.cell(total_row, column).font = style.BOLD_BODY
    address = ws.cell(total_row, last).coordinate
    _grid_cell(ws, total_row, last, calc.formula(OVERVIEW_SHEET, address, sheet_status(layout, edition, SUMMARY_SHEET)), style.CENTER)
    ws.cell(total_row, 2).font = style.BOLD_BODY
    ws.cell(total_row + 2, 1, f"“合计”一行取自“{SUMMARY_SHEET}”表；各机关一行取自该机关的工作表（点击“工作表”一列可跳转）。").font = style.NOTE
    style.setup_page(ws, f"A{_HEADER_ROW + 1}", f"1:{_HEADER_ROW}")
    style.protect(ws)


def _grid_cell(ws: Worksheet, row: int, column: int, value, alignment) -> None:
    cell = ws.cell(row, column, value)
    cell.border, cell.font, cell.alignment = style.GRID, style.BODY, alignment


# -- reading a roll-up workbook back (a roll-up of roll-ups) ---------------------------------------
AGENCY_CELL, YEAR_CELL, EDITION_CELL = "C2", "F2", "H2"
_FACT_LABELS = {"B2": "汇总机关", "E2": "报告年度", "G2": "格式版本"}


def is_rollup_workbook(path: Path) -> bool:
    """Whether a file is a roll-up workbook written by docgen (总览, 汇总, 校验 first)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [name for name, _ in _sheet_list(archive)]
    except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
        return False
    return names[:3] == [OVERVIEW_SHEET, SUMMARY_SHEET, CHECK_SHEET]


def read_rollup_workbook(path: Path, shown: str) -> Report:
    """The summed report of a roll-up workbook: agency, year and edition from 总览, figures from 汇总.

    Figures are the values last calculated (by docgen, Excel, WPS or LibreOffice); InputError when
    the workbook holds none or its facts are not where docgen put them.
    """
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    overview = book[OVERVIEW_SHEET]
    if any(overview[cell].value != label for cell, label in _FACT_LABELS.items()):
        raise _unreadable(shown, f"“{OVERVIEW_SHEET}”表的汇总机关、报告年度、格式版本不在原来的位置")
    agency, year, edition_id = (overview[cell].value for cell in (AGENCY_CELL, YEAR_CELL, EDITION_CELL))
    try:
        edition = editions.get(int(edition_id))
        year = int(year)
    except (TypeError, ValueError, KeyError):
        raise _unreadable(shown, f"“{OVERVIEW_SHEET}”表的报告年度或格式版本无法识别") from None
    if not isinstance(agency, str) or not agency.strip():
        raise _unreadable(shown, f"“{OVERVIEW_SHEET}”表没有汇总机关名称")
    layout = stacked_layout(edition)
    summary = book[SUMMARY_SHEET]
    active: dict[str, dict] = {}
    applications: dict[str, list[int]] = {}
    reviews: dict[str, list[int]] = {}
    for figure in layout.inputs:
        cell = summary[figure.address]
        value = _figure_value(cell.value, figure.kind, cell.number_format)
        if value is None:
            raise _unreadable(shown, f"“{SUMMARY_SHEET}”表 {figure.address} 没有计算结果；请用 Excel、WPS 或 LibreOffice 打开并保存后重试")
        if figure.table == TABLE_2:
            active.setdefault(figure.row, {})[str(figure.column)] = value
        elif figure.table == TABLE_3:
            applications.setdefault(figure.row, [0] * len(edition.applicants))[int(figure.column)] = value
        elif figure.table == TABLE_4:
            reviews.setdefault(figure.row, [0] * len(edition.review_results))[int(figure.column)] = value
    return Report(edition=edition.id, agency=" ".join(agency.split()), year=year, active=active, applications=applications, reviews=reviews)


def _figure_value(raw, kind: Kind, number_format: str):
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    number = Decimal(format(raw, ".15g"))  # what a spreadsheet's double holds, without binary noise
    if kind in (Kind.COUNT, Kind.CHANGE):
        return int(number) if number == number.to_integral_value() and (kind is Kind.CHANGE or number >= 0) else None
    if kind is Kind.AMOUNT:
        unit = WAN if f'"{WAN}"' in number_format else YUAN if f'"{YUAN}"' in number_format else ""
        return Amount(value=number, unit=unit)
    return number


def _unreadable(shown: str, what: str) -> InputError:
    return InputError([Problem(shown, None, "", f"无法读取汇总工作簿：{what}")])


def _sheet_list(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    root = etree.fromstring(archive.read("xl/workbook.xml"))
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    return [(sheet.get("name", ""), sheet.get("sheetId", "")) for sheet in root.iter(f"{main}sheet")]
