"""Tests for the auditors' workbook (docgen.workbook and its layout, formulas and cache modules).

Expected figures are computed from the Report (row_with_total, review_with_total, active_value)
and located on the sheet by their official labels, never by the layout under test.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE_2021, SEED_2019, minimal
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.cell import range_boundaries

from docgen import __version__
from docgen.rules.checks import check
from docgen.editions.types import (
    ACTIVE_ROW_HEADER,
    APPLICANT_HEADER,
    LEGAL_PERSON_HEADER,
    RESULTS_LABEL,
    TABLE3_NOTE,
    TABLE_2,
    TABLE_3,
    TABLE_4,
    TOTAL_LABEL,
    TOTAL_ROW_LABEL,
    AppGroup,
    Kind,
)
from docgen.errors import OutputError
from docgen.report.load import load, load_text
from docgen.report.model import Amount, Report
from docgen.workbook import build_workbook, write_xlsx
from docgen.workbook.formulas import Calc, Minus, Ref, Sum, Verdict, ZeroTest
from docgen.workbook.layout import TOTAL_ROW, layout_for, stacked_layout
from docgen.workbook.style import INPUT_COLOR
from docgen.workbook.tables import figure_value, write_figures, write_frame, write_report_sheet
from docgen.workbook.cache import add_cached_values

SHEETS = ["说明", "表二", "表三", "表四", "校验"]
PASS, FAIL = "通过", "不符"

# A 2019-edition report with figures everywhere the 2019 blocks differ: a negative 本年增/减,
# 采购总金额 with a unit, several applicant columns, table 四 groups.
RICH_2019 = minimal(
    2019,
    active="""
        active:
          regulations:         {made: 2, published: 2, total: 15}
          normative_documents: {made: 5, published: 4, total: 40}
          licensing:       {previous: 120, change: -3, decisions: 88}
          other_services:  {previous: 10, change: 2, decisions: 7}
          penalty:         {previous: 30, change: 0, decisions: 12}
          coercion:        {previous: 4, change: -1, decisions: 1}
          fees:            {previous: 6, change: -2}
          procurement:     {projects: 3, amount: 251000元}
        """,
    applications="""
        applications:
          received:       [5, 1, 0, 2, 0, 1]
          carried_in:     [1, 0, 0, 0, 0, 0]
          granted:        [3, 1, 0, 1, 0, 0]
          refused:
            state_secret: [1, 0, 0, 0, 0, 0]
          unable:
            not_held:     [0, 0, 0, 1, 0, 0]
          other:          [1, 0, 0, 0, 0, 1]
          carried_out:    [1, 0, 0, 0, 0, 0]
        """,
    reviews="""
        reviews:
          review:                  [1, 1, 0, 1]
          litigation_after_review: [0, 2, 1, 0]
        """,
)


def report_of(text: str) -> Report:
    return load_text(text, "inline.yaml").report


def example_reports() -> dict[str, Report]:
    return {
        "seed-2019": load(SEED_2019).report,
        "example-2021": load(EXAMPLE_2021).report,
        "rich-2019": report_of(RICH_2019),
    }


REPORTS = example_reports()


@pytest.fixture(params=list(REPORTS), scope="module")
def named(request):
    return request.param, REPORTS[request.param]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Each example written once: name -> (path, formulas workbook, cached-values workbook)."""
    folder = tmp_path_factory.mktemp("books")
    out = {}
    for name, report in REPORTS.items():
        path = write_xlsx(report, folder / f"{name}.xlsx", source=f"/somewhere/{name}.yaml")
        out[name] = (path, openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True))
    return out


def with_extra_received(report: Report, column: int = 0) -> Report:
    """The report with one more 一、本年新收 in one applicant column than its results account for."""
    apps = {key: list(values) for key, values in report.applications.items()}
    row = report.row("received")
    row[column] += 1
    apps["received"] = row
    return report.model_copy(update={"applications": apps})


# -- reading sheets by official label (shared with test_workbook_office.py) ------------------


def grid_of(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def blank(value) -> bool:
    return value is None or value == ""


def row_index(grid: list[list], label: str, columns: int = 3) -> int:
    """The only row whose first ``columns`` cells hold ``label``."""
    found = [i for i, row in enumerate(grid) if label in row[:columns]]
    assert len(found) == 1, f"{label!r} found in rows {found}"
    return found[0]


def leaf_label(report: Report, row_id: str) -> str:
    return TOTAL_ROW_LABEL if row_id == TOTAL_ROW else report.spec.app_row(row_id).label


def table3_figures(grid: list[list], report: Report) -> dict[str, list]:
    """Row id -> the seven numbers right of the row's label (six applicants and 总计)."""
    ids = [r.id for r in report.spec.app_rows] + [TOTAL_ROW]
    return {row_id: grid[row_index(grid, leaf_label(report, row_id))][3:10] for row_id in ids}


def table4_figures(grid: list[list]) -> list:
    """The fifteen numbers of table 四: its last row."""
    return [v for v in grid[-1] if not blank(v)]


def table2_figures(grid: list[list], report: Report) -> dict[tuple[str, str], object]:
    """(row id, field id) -> the value in the row of the row's label, fields in order."""
    out = {}
    for block, row in report.spec.active_rows:
        values = [v for v in grid[row_index(grid, row.label, 1)][1:] if not blank(v)]
        assert len(values) == len(block.fields), (row.label, values)
        out.update({(row.id, f.id): v for f, v in zip(block.fields, values)})
    return out


def check_rows(grid: list[list]) -> list[tuple]:
    """(rule, where, left, right, difference, status) of every check row of the 校验 sheet."""
    return [tuple(row[:6]) for row in grid if len(row) >= 6 and row[5] in (PASS, FAIL)]


def number(value) -> Decimal:
    return Decimal(str(value))


def expected_table2(report: Report) -> dict[tuple[str, str], Decimal]:
    out = {}
    for block, row in report.spec.active_rows:
        for f in block.fields:
            value = report.active_value(row.id, f.id)
            out[(row.id, f.id)] = value.value if isinstance(value, Amount) else Decimal(value)
    return out


def expected_failures(report: Report) -> set[tuple[str, str]]:
    """(rule, where) of every finding docgen.rules.checks reports for the figures."""
    return {(f.rule, f.where) for f in check(report) if f.rule.startswith("R")}


def assert_figures_match(grid3, grid4, grid2, report: Report) -> None:
    """The three tables on a sheet read back as the report model's figures."""
    for row_id, values in table3_figures(grid3, report).items():
        assert [number(v) for v in values] == report.row_with_total(row_id), row_id
    expected4 = [v for g in report.spec.review_groups for v in report.review_with_total(g.id)]
    assert [number(v) for v in table4_figures(grid4)] == expected4
    assert {k: number(v) for k, v in table2_figures(grid2, report).items()} == expected_table2(report)


# -- sheets, labels and merged layout ------------------------------------------------------


def merged_size(ws, coordinate: str) -> tuple[int, int]:
    """(rows, columns) of the merged range anchored at a cell; (1, 1) when not merged."""
    for merged in ws.merged_cells.ranges:
        if merged.coord.split(":")[0] == coordinate:
            return merged.max_row - merged.min_row + 1, merged.max_col - merged.min_col + 1
    return 1, 1


def cells_with(ws, text: str) -> list:
    return [c for row in ws.iter_rows() for c in row if c.value == text]


def only_cell(ws, text: str):
    found = cells_with(ws, text)
    assert len(found) == 1, f"{text!r}: {[c.coordinate for c in found]}"
    return found[0]


def test_sheets_in_order(books):
    for _, book, _ in books.values():
        assert book.sheetnames == SHEETS


@pytest.mark.parametrize("name", ["seed-2019", "example-2021"])
def test_table3_labels_and_merges_follow_the_official_table(books, name):
    report = REPORTS[name]
    spec = report.spec
    ws = books[name][1][TABLE_3]
    size = lambda text: merged_size(ws, only_cell(ws, text).coordinate)  # noqa: E731

    assert size(TABLE3_NOTE) == (3, 3)
    assert size(APPLICANT_HEADER) == (1, 7)
    assert size(LEGAL_PERSON_HEADER) == (1, 5)
    assert size(TOTAL_LABEL) == (2, 1)
    for applicant in spec.applicants:
        assert size(applicant.label) == ((1, 1) if applicant.legal_person else (2, 1))
    assert size(RESULTS_LABEL) == ((22, 1) if spec.id == 2021 else (20, 1))
    for row in spec.intake_rows + (spec.carried_out,):
        assert size(row.label) == (1, 3)
    group_rows = {"refused": 8, "unable": 3, "not_processed": 5, "other": 3}
    for item in spec.result_items:
        if isinstance(item, AppGroup):
            assert size(item.label) == (group_rows[item.id], 1)
            assert all(size(r.label) == (1, 1) for r in item.rows)
        else:
            assert size(item.label) == (1, 2)
    assert size(TOTAL_ROW_LABEL) == (1, 2)
    # labels in the official order, one row each
    rows = [only_cell(ws, r.label).row for r in spec.intake_rows + spec.result_rows]
    rows += [only_cell(ws, TOTAL_ROW_LABEL).row, only_cell(ws, spec.carried_out.label).row]
    assert rows == list(range(rows[0], rows[0] + len(rows)))


@pytest.mark.parametrize("name", ["seed-2019", "example-2021"])
def test_table4_has_two_header_levels(books, name):
    spec = REPORTS[name].spec
    ws = books[name][1][TABLE_4]
    assert merged_size(ws, only_cell(ws, "行政复议").coordinate) == (1, 5)
    assert merged_size(ws, only_cell(ws, "行政诉讼").coordinate) == (1, 10)
    for group in spec.review_groups[1:]:
        assert merged_size(ws, only_cell(ws, group.label).coordinate) == (1, 5)
    for label in [f.label for f in spec.review_results] + [TOTAL_LABEL]:
        cells = sorted(cells_with(ws, label), key=lambda c: c.column)
        assert [merged_size(ws, c.coordinate) for c in cells] == [(2, 1), (1, 1), (1, 1)]
        assert cells[1].row == cells[2].row == cells[0].row + 1


@pytest.mark.parametrize("name", ["seed-2019", "example-2021"])
def test_table2_is_laid_out_by_blocks(books, name):
    spec = REPORTS[name].spec
    ws = books[name][1][TABLE_2]
    assert len(cells_with(ws, ACTIVE_ROW_HEADER)) == len(spec.active_blocks)
    for block in spec.active_blocks:
        block_cell = only_cell(ws, block.label)
        assert merged_size(ws, block_cell.coordinate) == (1, 4)
        headers = [ws.cell(block_cell.row + 1, c).value for c in range(1, 5)]
        assert [h for h in headers if h] == [ACTIVE_ROW_HEADER] + [f.label for f in block.fields]
        for row in block.rows:
            cell = only_cell(ws, row.label)
            value_spans = [merged_size(ws, ws.cell(cell.row, c).coordinate)[1] for c in range(2, 5) if ws.cell(cell.row, c).value is not None]
            assert sum(value_spans) == 3  # the value cells fill the table's width
            assert len(value_spans) == len(block.fields)


def test_2019_two_field_blocks_span_the_last_field():
    spec = REPORTS["seed-2019"].spec
    layout = layout_for(spec).layout_of(TABLE_2)
    assert layout.figure(TABLE_2, "procurement", "amount").span.range.count(":") == 1
    assert layout.figure(TABLE_2, "procurement", "projects").span.range.count(":") == 0


# -- formulas and cached values ----------------------------------------------------------


def formula_cells(book) -> list:
    return [c for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_every_total_is_a_formula_over_its_own_row_or_column(books, named):
    name, report = named
    ws = books[name][1][TABLE_3]
    grid = grid_of(ws)
    first = row_index(grid, report.spec.result_rows[0].label) + 1
    last = row_index(grid, report.spec.result_rows[-1].label) + 1
    for row in report.spec.app_rows:
        r = row_index(grid, row.label) + 1
        assert ws.cell(r, 10).value == f"=SUM(D{r}:I{r})"
    total = row_index(grid, TOTAL_ROW_LABEL) + 1
    for column in "DEFGHI":
        assert ws[f"{column}{total}"].value == f"=SUM({column}{first}:{column}{last})"
    assert ws[f"J{total}"].value == f"=SUM(D{total}:I{total})"
    ws4 = books[name][1][TABLE_4]
    data = ws4.max_row
    assert [ws4.cell(data, c).value for c in (5, 10, 15)] == [f"=SUM(A{data}:D{data})", f"=SUM(F{data}:I{data})", f"=SUM(K{data}:N{data})"]


def test_totals_of_the_layout_are_formulas_and_inputs_are_not(books, named):
    name, report = named
    book = books[name][1]
    layout = layout_for(report.spec)
    for sheet, sheet_layout in layout.sheets:
        for figure in sheet_layout.figures:
            cell = book[sheet][figure.address]
            assert (cell.data_type == "f") == (figure.total is not None), figure.key


def test_formula_counts(books):
    counts = {name: len(formula_cells(book)) for name, (_, book, _) in books.items()}
    # 表三 totals + 表四 totals + 4 per check row + the verdict (校验 and 说明)
    for name, report in REPORTS.items():
        spec = report.spec
        rows3 = len(spec.app_rows) + 1
        checks = 7 + 7 + rows3 + len(spec.review_groups)
        assert counts[name] == rows3 + 6 + len(spec.review_groups) + 4 * checks + 2
        assert counts[name] >= 40
    assert counts["example-2021"] == 204 and counts["seed-2019"] == counts["rich-2019"] == 194


def test_every_formula_cell_has_a_cached_value(books):
    for _, book, cached in books.values():
        for cell in formula_cells(book):
            assert cached[cell.parent.title][cell.coordinate].value is not None, cell.coordinate


def test_cached_values_equal_the_model(books, named):
    name, report = named
    cached = books[name][2]
    assert_figures_match(grid_of(cached[TABLE_3]), grid_of(cached[TABLE_4]), grid_of(cached[TABLE_2]), report)
    rows = check_rows(grid_of(cached["校验"]))
    assert {row[5] for row in rows} == {PASS}
    assert all(row[2] == row[3] and row[4] == 0 for row in rows)
    assert cached["校验"]["B2"].value == "全部通过"
    assert only_cell(books[name][1]["说明"], "校验结论").offset(0, 1).value == "='校验'!B2"
    assert only_cell(cached["说明"], "校验结论").offset(0, 1).value == "全部通过"


def test_check_rows_cover_every_rule_column_row_and_group(books, named):
    name, report = named
    rows = check_rows(grid_of(books[name][2]["校验"]))
    spec = report.spec
    per_rule = {rule: sum(1 for r in rows if r[0] == rule) for rule in ("R1", "R2", "R3", "R4")}
    assert per_rule == {"R1": 7, "R2": 7, "R3": len(spec.app_rows) + 1, "R4": len(spec.review_groups)}
    wheres = [r[1] for r in rows]
    assert len(set(wheres)) == len(wheres)
    for rule in spec.rules:
        if rule.id in per_rule:
            assert only_cell(books[name][1]["校验"], rule.text)


def test_check_formulas_reach_the_totals_by_another_road(books):
    ws = books["example-2021"][1]["校验"]
    r2 = next(row for row in ws.iter_rows() if row[0].value == "R2" and row[1].value.endswith("自然人列"))
    left, right = r2[2].value, r2[3].value
    assert left.startswith("='表三'!D") and "SUM" not in left
    assert right.count("SUM(") == 4 and right.count("+") == 5  # （一）+（二）+ 4 groups
    status = r2[5].value
    assert status == f'=IF(E{r2[0].row}=0,"通过","不符")'


def test_inconsistent_report_fails_exactly_where_checks_py_says(tmp_path):
    report = with_extra_received(REPORTS["example-2021"])
    expected = expected_failures(report)
    assert expected == {("R1", "表三 · 自然人列"), ("R1", "表三 · 总计列")}
    path = write_xlsx(report, tmp_path / "bad.xlsx")
    rows = check_rows(grid_of(openpyxl.load_workbook(path, data_only=True)["校验"]))
    failed = {(r[0], r[1]) for r in rows if r[5] == FAIL}
    assert failed == expected
    assert all(r[4] == 1 for r in rows if r[5] == FAIL)
    assert openpyxl.load_workbook(path, data_only=True)["校验"]["B2"].value == "有2项不符"


def test_not_passing_is_highlighted_red(books):
    ws = books["example-2021"][1]["校验"]
    rules = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    statuses = [(sqref, rule) for sqref, rule in rules if rule.formula == ['"不符"']]
    assert len(statuses) == 1
    sqref, rule = statuses[0]
    assert rule.operator == "equal" and rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")
    status_rows = [r[0].row for r in ws.iter_rows() if r[5].value and str(r[5].value).startswith("=IF(")]
    _, top, _, bottom = range_boundaries(sqref)
    assert top <= min(status_rows) and bottom >= max(status_rows) and sqref.startswith("F")


# -- input cells, protection, formats, look --------------------------------------------------


def test_inputs_unlocked_and_filled_totals_locked(books, named):
    name, report = named
    book = books[name][1]
    for sheet, sheet_layout in layout_for(report.spec).sheets:
        ws = book[sheet]
        assert ws.protection.sheet is True and not ws.protection.password
        for figure in sheet_layout.figures:
            cell = ws[figure.address]
            if figure.total is None:
                assert cell.protection.locked is False and cell.fill.fgColor.rgb.endswith(INPUT_COLOR)
            else:
                assert cell.protection.locked is True and cell.fill.fill_type is None
    for sheet in ("说明", "校验"):
        assert book[sheet].protection.sheet is True and not book[sheet].protection.password


def test_number_formats(books):
    example = books["example-2021"][1]
    rich = books["rich-2019"][1]
    for cell in formula_cells(example):
        if cell.parent.title in (TABLE_3, TABLE_4):
            assert cell.number_format == "0"
    fees = example[TABLE_2][layout_for(2021).cell_of(TABLE_2, "fees", "amount")]
    assert fees.value == Decimal("24252.311082") or fees.value == pytest.approx(24252.311082)
    assert fees.number_format == "0.000000"
    change = rich[TABLE_2][layout_for(2019).cell_of(TABLE_2, "licensing", "change")]
    assert change.value == -3 and change.number_format == "0"
    amount = rich[TABLE_2][layout_for(2019).cell_of(TABLE_2, "procurement", "amount")]
    assert amount.value == 251000 and amount.number_format == '0"元"'


@pytest.mark.parametrize(
    ("written", "value", "fmt"),
    [("25.10万元", Decimal("25.10"), '0.00"万元"'), ("25.1", Decimal("25.1"), '0.0"万元"'), ("0", Decimal(0), '0"万元"')],
)
def test_amount_keeps_its_unit_and_decimals(tmp_path, written, value, fmt):
    report = report_of(minimal(2019, active=f"active:\n  procurement: {{projects: 1, amount: {written}}}"))
    book = openpyxl.load_workbook(write_xlsx(report, tmp_path / "a.xlsx"))
    cell = book[TABLE_2][layout_for(2019).cell_of(TABLE_2, "procurement", "amount")]
    assert number(cell.value) == value and cell.number_format == fmt


def outer_sides(ws, cell) -> list[str]:
    """The sides of a cell that lie on the outline of its merged range (all four when not merged)."""
    box = next((m for m in ws.merged_cells.ranges if cell.coordinate in m), None)
    if box is None:
        return ["left", "right", "top", "bottom"]
    edges = {"left": cell.column == box.min_col, "right": cell.column == box.max_col}
    edges.update(top=cell.row == box.min_row, bottom=cell.row == box.max_row)
    return [side for side, on_edge in edges.items() if on_edge]


def test_every_table_cell_is_bordered_and_set_in_a_chinese_face(books, named):
    name, report = named
    book = books[name][1]
    for sheet, sheet_layout in layout_for(report.spec).sheets:
        ws = book[sheet]
        grid = sheet_layout.tables[0].grid
        for row in ws.iter_rows(min_row=grid.top, max_row=grid.bottom, max_col=grid.right):
            for cell in row:
                for side in outer_sides(ws, cell):
                    assert getattr(cell.border, side).style == "thin", (sheet, cell.coordinate, side)
                if not isinstance(cell, MergedCell):
                    assert cell.font.name in ("仿宋", "黑体") and cell.font.charset == 134, cell.coordinate


def test_page_setup_and_frozen_headers(books):
    book = books["example-2021"][1]
    ws = book[TABLE_3]
    first_data = only_cell(ws, REPORTS["example-2021"].spec.intake_rows[0].label).row
    assert ws.freeze_panes == f"D{first_data}"
    assert ws.print_title_rows == f"$1:${first_data - 1}"
    ws4 = book[TABLE_4]
    assert ws4.freeze_panes == f"A{ws4.max_row}"
    for sheet in book:
        assert int(sheet.page_setup.paperSize) == 9  # A4
        one_page = sheet.title in (TABLE_2, TABLE_3, TABLE_4)  # a table prints on one page; 说明 and 校验 run on
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == (1 if one_page else 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert all(book[s].page_setup.orientation == "landscape" for s in (TABLE_2, TABLE_3, TABLE_4, "校验"))
    wrapped = only_cell(ws, REPORTS["example-2021"].spec.result_rows[-2].label)
    assert wrapped.alignment.wrap_text and ws.row_dimensions[wrapped.row].height > 20
    assert ws.column_dimensions["C"].width >= 30


def test_notes_sheet_says_what_how_and_when(tmp_path):
    report = REPORTS["example-2021"]
    made = dt.datetime(2026, 1, 21, 9, 30)
    path = write_xlsx(report, tmp_path / "n.xlsx", source="/data/in/example-2021.yaml", made_at=made)
    text = "\n".join(str(v) for row in grid_of(openpyxl.load_workbook(path)["说明"]) for v in row if v)
    for expected in (report.agency, f"{report.year}年", report.spec.document, "example-2021.yaml", f"docgen {__version__}", "2026-01-21 09:30", "浅黄色", "撤销工作表保护", "没有密码"):
        assert expected in text
    assert "/data/in" not in text
    for rule in report.spec.rules:
        assert rule.text in text


# -- writing ---------------------------------------------------------------------------------


def test_failed_write_leaves_the_earlier_file(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"earlier")

    def disk_full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(OutputError, match="磁盘空间不足"):
        write_xlsx(REPORTS["example-2021"], target)
    assert target.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_write_replaces_and_returns_the_target(tmp_path):
    target = tmp_path / "deep" / "报告.xlsx"
    assert write_xlsx(REPORTS["seed-2019"], target) == target
    assert openpyxl.load_workbook(target).sheetnames == SHEETS
    assert sorted(p.name for p in target.parent.iterdir()) == ["报告.xlsx"]


# -- the cache, the formulas ------------------------------------------------------------------


def small_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "表三"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = 2, 3, "=A1+A2", '=IF(A3=5,"通过","不符")'
    book.create_sheet("校验")["A1"] = "=表三!A3*2"
    book.save(path)
    return path


def test_cache_puts_values_into_formula_cells_only(tmp_path):
    path = small_book(tmp_path / "s.xlsx")
    before = zipfile.ZipFile(path)
    names = before.namelist()
    untouched = {n: before.read(n) for n in names if "worksheets" not in n}
    add_cached_values(path, {"表三": {"A3": 5, "A4": "通过"}, "校验": {"A1": Decimal("10.50")}})
    after = zipfile.ZipFile(path)
    assert after.namelist() == names
    assert {n: after.read(n) for n in untouched} == untouched
    sheet = after.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="A4" t="str"><f>[^<]*</f><v>通过</v></c>', sheet)
    cached = openpyxl.load_workbook(path, data_only=True)
    assert (cached["表三"]["A3"].value, cached["表三"]["A4"].value, cached["校验"]["A1"].value) == (5, "通过", 10.5)
    assert openpyxl.load_workbook(path)["表三"]["A3"].value == "=A1+A2"


def test_cache_refuses_cells_without_formula_and_unknown_sheets(tmp_path):
    path = small_book(tmp_path / "s.xlsx")
    original = path.read_bytes()
    with pytest.raises(ValueError, match="A1 holds no formula"):
        add_cached_values(path, {"表三": {"A1": 1}})
    with pytest.raises(ValueError, match="no formula cell at B9"):
        add_cached_values(path, {"表三": {"B9": 1}})
    with pytest.raises(ValueError, match="no such sheet"):
        add_cached_values(path, {"表五": {"A1": 1}})
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.xlsx"]


def test_calc_evaluates_in_dependency_order_across_sheets():
    calc = Calc()
    calc.formula("校验", "C1", ZeroTest(Minus(Ref("B1", "表三"), Ref("A3", "表三"))))
    calc.formula("表三", "B1", Sum((Ref("A1:A2"),)))
    calc.formula("表三", "A3", Sum((Ref("A1"), Ref("A2"))))
    calc.value("表三", "A1", 2)
    calc.value("表三", "A2", 3)
    calc.formula("校验", "D1", Verdict(Ref("C1:C2")))
    assert calc.results() == {"校验": {"C1": "通过", "D1": "全部通过"}, "表三": {"B1": 5, "A3": 5}}
    assert Verdict(Ref("C1:C2")).text() == 'IF(COUNTIF(C1:C2,"不符")=0,"全部通过","有"&COUNTIF(C1:C2,"不符")&"项不符")'
    calc.formula("表三", "A1", Sum((Ref("B1"),)))
    with pytest.raises(ValueError, match="circular"):
        calc.results()


# -- the layout API for other workbooks (roll-up) ---------------------------------------------


def test_cell_of_names_the_cell_the_labels_point_to(books, named):
    name, report = named
    layout = layout_for(report.spec)
    grid = grid_of(books[name][2][TABLE_3])
    for row in report.spec.app_rows:
        r = row_index(grid, row.label) + 1
        assert [layout.cell_of(TABLE_3, row.id, c) for c in range(7)] == [f"{col}{r}" for col in "DEFGHIJ"]
    assert layout.ref(TABLE_3, "received", 0).text() == f"'表三'!D{row_index(grid, report.spec.intake_rows[0].label) + 1}"
    assert layout.sheet_of(TABLE_4) == "表四"
    assert layout_for(report.spec) is layout_for(report.spec.id)  # built once per edition


def test_stacked_layout_puts_all_tables_on_one_sheet_without_overlap():
    for report in REPORTS.values():
        sheet = stacked_layout(report.spec)
        assert [t.table for t in sheet.tables] == [TABLE_2, TABLE_3, TABLE_4]
        taken = {}
        for table in sheet.tables:
            cells = [(r, c) for label in (table.title,) + table.labels for r in label.span.rows for c in label.span.columns]
            cells += [(r, c) for f in table.figures for r in f.span.rows for c in f.span.columns]
            for cell in cells:
                assert cell not in taken, (cell, table.table, taken.get(cell))
                taken[cell] = table.table
        assert sheet.tables[1].top > sheet.tables[0].bottom + 1


def test_a_rollup_summary_can_be_built_from_the_layout():
    """Two agency sheets and a summary whose every typed figure sums them by cross-sheet formula."""
    first, second = REPORTS["rich-2019"], report_of(RICH_2019.replace("测试县人民政府", "另一镇人民政府"))
    layout = stacked_layout(first.spec)
    book, calc = openpyxl.Workbook(), Calc()
    for name, report in (("甲镇", first), ("乙镇", second)):
        write_report_sheet(book.create_sheet(name), name, layout, report, calc)
    summary = book.active
    write_frame(summary, layout, "汇总")
    write_figures(summary, "汇总", layout, calc, lambda f: Sum((Ref(f.address, "甲镇"), Ref(f.address, "乙镇"))))
    results = calc.results()["汇总"]
    for figure in layout.figures:
        value = figure_value(first, figure)
        value = value.value if isinstance(value, Amount) else value
        assert results[figure.address] == 2 * value, figure.key
    address = layout.cell_of(TABLE_3, "received", 0)
    assert summary[address].value == f"=SUM('甲镇'!{address},'乙镇'!{address})"
    assert book["甲镇"][address].value == first.row("received")[0]


def test_kinds_of_table2_figures_come_from_the_spec():
    for edition in (2019, 2021):
        layout = layout_for(edition).layout_of(TABLE_2)
        spec = REPORTS["seed-2019" if edition == 2019 else "example-2021"].spec
        kinds = {(r.id, f.id): f.kind for b, r in spec.active_rows for f in b.fields}
        assert {f.key[1:]: f.kind for f in layout.figures} == kinds
        assert (Kind.AMOUNT in kinds.values()) == (edition == 2019)


def test_build_workbook_returns_cached_values_for_every_formula():
    book, cached = build_workbook(REPORTS["example-2021"])
    formulas = {(c.parent.title, c.coordinate) for c in formula_cells(book)}
    assert formulas == {(sheet, address) for sheet, cells in cached.items() for address in cells}
