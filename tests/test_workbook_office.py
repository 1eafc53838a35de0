"""The auditors' workbook in a real client: LibreOffice opens it, recalculates every formula
(docgen.office forces recalculation on load, so cached values are ignored) and the results must
equal the report model."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import needs_soffice
from openpyxl.utils.cell import coordinate_to_tuple
from test_workbook import (
    FAIL,
    PASS,
    REPORTS,
    RICH_2019,
    assert_figures_match,
    check_rows,
    expected_failures,
    grid_of,
    report_of,
    with_extra_received,
)

from docgen.editions.types import TABLE_2, TABLE_3, TABLE_4
from docgen.report.model import Amount
from docgen.office import workbook_to_csv
from docgen.workbook import build_workbook, write_xlsx
from docgen.workbook.formulas import Calc, Ref, Sum
from docgen.workbook.layout import stacked_layout
from docgen.workbook.tables import figure_value, write_figures, write_frame, write_report_sheet
from docgen.workbook.cache import add_cached_values

pytestmark = needs_soffice


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """Each example report's workbook as LibreOffice recalculates it: name -> sheet -> rows."""
    folder = tmp_path_factory.mktemp("office")
    return {name: workbook_to_csv(write_xlsx(report, folder / f"{name}.xlsx")) for name, report in REPORTS.items()}


def figures_of(sheets) -> tuple:
    return sheets[TABLE_3], sheets[TABLE_4], sheets[TABLE_2]


@pytest.mark.parametrize("name", list(REPORTS))
def test_libreoffice_totals_and_checks_equal_the_model(recalculated, name):
    sheets = recalculated[name]
    report = REPORTS[name]

    assert list(sheets) == ["说明", "表二", "表三", "表四", "校验"]
    assert_figures_match(*figures_of(sheets), report)
    rows = check_rows(sheets["校验"])
    assert len(rows) == 7 + 7 + len(report.spec.app_rows) + 1 + len(report.spec.review_groups)
    assert {row[5] for row in rows} == {PASS}
    assert all(row[4] == "0" for row in rows)
    assert sheets["校验"][1][1] == "全部通过"
    assert ["校验结论", "全部通过"] in sheets["说明"]


@pytest.mark.parametrize(("name", "column"), [("example-2021", 0), ("rich-2019", 3)])
def test_libreoffice_marks_exactly_the_broken_columns(tmp_path, name, column):
    report = with_extra_received(REPORTS[name], column)
    expected = expected_failures(report)
    applicant = report.spec.applicants[column].label
    assert expected == {("R1", f"{TABLE_3} · {applicant}列"), ("R1", f"{TABLE_3} · 总计列")}

    sheets = workbook_to_csv(write_xlsx(report, tmp_path / "bad.xlsx"))

    assert_figures_match(*figures_of(sheets), report)
    rows = check_rows(sheets["校验"])
    assert {(r[0], r[1]) for r in rows if r[5] == FAIL} == expected
    assert [r[4] for r in rows if r[5] == FAIL] == ["1", "1"]
    assert sum(1 for r in rows if r[5] == PASS) == len(rows) - 2
    assert sheets["校验"][1][1] == "有2项不符"


def test_wrong_cached_values_are_caught_and_recalculated(tmp_path):
    report = REPORTS["example-2021"]
    path = write_xlsx(report, tmp_path / "tampered.xlsx")
    _, cached = build_workbook(report)
    wrong = {
        sheet: {address: FAIL if value == PASS else "有99项不符" if isinstance(value, str) else value + 1000 for address, value in cells.items()}
        for sheet, cells in cached.items()
    }
    add_cached_values(path, wrong)

    stale = openpyxl.load_workbook(path, data_only=True)
    with pytest.raises(AssertionError):
        assert_figures_match(grid_of(stale[TABLE_3]), grid_of(stale[TABLE_4]), grid_of(stale[TABLE_2]), report)
    assert {row[5] for row in check_rows(grid_of(stale["校验"]))} == {FAIL}

    sheets = workbook_to_csv(path)

    assert_figures_match(*figures_of(sheets), report)
    assert {row[5] for row in check_rows(sheets["校验"])} == {PASS}
    assert sheets["校验"][1][1] == "全部通过"


def at(grid: list[list[str]], address: str) -> str:
    row, column = coordinate_to_tuple(address)
    return grid[row - 1][column - 1]


def test_rollup_built_from_the_layout_recalculates(tmp_path):
    first, second = REPORTS["rich-2019"], report_of(RICH_2019.replace("[5, 1, 0, 2, 0, 1]", "[7, 1, 0, 2, 0, 1]"))
    layout = stacked_layout(first.spec)
    book, calc = openpyxl.Workbook(), Calc()
    summary = book.active
    summary.title = "汇总"
    for name, report in (("甲镇", first), ("乙镇", second)):
        write_report_sheet(book.create_sheet(name), name, layout, report, calc)
    write_frame(summary, layout, "汇总")
    write_figures(summary, "汇总", layout, calc, lambda f: Sum((Ref(f.address, "甲镇"), Ref(f.address, "乙镇"))))
    path = tmp_path / "rollup.xlsx"
    book.save(path)

    grid = workbook_to_csv(path)["汇总"]

    for figure in layout.figures:
        values = [figure_value(r, figure) for r in (first, second)]
        expected = sum(v.value if isinstance(v, Amount) else v for v in values)
        assert at(grid, figure.address) == str(expected), figure.key
