"""docgen import of workbooks: this project's auditors' workbook read by its layout (also after
input cells were edited in Excel or LibreOffice), and other workbooks read by their labels."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import openpyxl
import pytest

from conftest import EXAMPLE_2021, SEED_2019, needs_soffice
from docgen.editions import EDITIONS
from docgen.editions.types import TABLE_2, TABLE_3, TABLE_4
from docgen.importers import import_file, input_file_text
from docgen.report.load import load, load_text
from docgen.report.model import Amount
from docgen import workbook
from docgen.workbook.layout import layout_for
from test_import_fixtures import active_rows, applications_rows, figures_report, reviews_rows
from test_import_text import same_figures



@pytest.mark.parametrize("path", [SEED_2019, EXAMPLE_2021], ids=["2019", "2021"])
def test_workbook_round_trip(path, tmp_path):
    report = load(path).report
    xlsx = workbook.write_xlsx(report, tmp_path / "r.xlsx")
    imported = import_file(xlsx)
    got = imported.report
    assert imported.kind == "xlsx" and imported.edition_from == "workbook"
    assert same_figures(got, report)
    assert (got.agency, got.year, got.date, got.edition) == (report.agency, report.year, report.date, report.edition)
    assert [w.where for w in imported.warnings] == ["正文"]  # a workbook has no narrative
    assert imported.findings() == []


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_workbook_round_trip_every_figure(edition, tmp_path, cli):
    report = figures_report(edition)
    if edition == 2019:
        report.active["procurement"] = {"projects": 3, "amount": Amount(value=Decimal("25.10"), unit="万元")}
    xlsx = workbook.write_xlsx(report, tmp_path / "r.xlsx")
    out = tmp_path / "r.yaml"
    result = cli("import", xlsx, "-o", out)
    assert result.code == 0, result.text
    got = load(out).report
    assert same_figures(got, report)
    if edition == 2019:
        assert got.active_value("procurement", "amount") == Amount(value=Decimal("25.10"), unit="万元")
    else:
        assert str(got.active_value("fees", "amount")) == "24252.311082"


def _cell(report, table, row, column):
    layout = layout_for(report.spec)
    return layout.sheet_of(table), layout.cell_of(table, row, column)


def test_edited_input_cells_are_read(tmp_path):
    """Figures changed in the workbook's input cells (as a clerk would in Excel) are imported."""
    report = load(EXAMPLE_2021).report
    xlsx = workbook.write_xlsx(report, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(xlsx)
    edits = {
        (TABLE_3, "received", 0): 65,
        (TABLE_3, "granted", 0): 28,
        (TABLE_4, "review", 1): 4,
        (TABLE_2, "fees", "amount"): 99.5,
        (TABLE_2, "normative_documents", "repealed"): "7",
    }
    for (table, row, column), value in edits.items():
        sheet, address = _cell(report, table, row, column)
        book[sheet][address] = value
    book.save(xlsx)
    got = import_file(xlsx).report
    assert got.row("received")[0] == 65 and got.row("granted")[0] == 28
    assert got.review("review")[1] == 4
    assert got.active_value("fees", "amount") == Decimal("99.500000")  # the cell shows six decimals
    assert got.active_value("normative_documents", "repealed") == 7
    assert got.row("received")[1:] == report.row("received")[1:]


def test_bad_input_cell_is_a_warning_naming_the_cell(tmp_path):
    report = load(EXAMPLE_2021).report
    xlsx = workbook.write_xlsx(report, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(xlsx)
    sheet, address = _cell(report, TABLE_3, "granted", 0)
    book[sheet][address] = "二十七"
    sheet2, address2 = _cell(report, TABLE_3, "partly_granted", 0)
    book[sheet2][address2] = -1
    book.save(xlsx)
    imported = import_file(xlsx)
    messages = [str(w) for w in imported.warnings]
    assert any(f"{sheet}!{address}（表三 · 三、本年度办理结果 · （一）予以公开 · 自然人）" in m and "二十七" in m for m in messages)
    assert any(f"{address2}" in m and "非负整数" in m for m in messages)
    assert imported.report.row("granted")[0] == 0
    load_text(input_file_text(imported, "r.xlsx"), "r.yaml")  # still a valid input file


@needs_soffice
@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_libreoffice_edited_workbook(edition, tmp_path):
    """Saved again by LibreOffice (recalculated, rewritten styles), the workbook imports the same."""
    report = figures_report(edition)
    if edition == 2019:
        report.active["procurement"] = {"projects": 3, "amount": Amount(value=Decimal("251000"), unit="元")}
    (tmp_path / "src").mkdir()
    xlsx = workbook.write_xlsx(report, tmp_path / "src" / "r.xlsx")
    out = tmp_path / "out"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(xlsx)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    imported = import_file(out / "r.xlsx")
    assert imported.edition_from == "workbook"
    assert same_figures(imported.report, report)


def test_without_notes_sheet_falls_back_to_reading_by_labels(tmp_path):
    """Without the 说明 sheet the layout cannot be trusted: rows are matched by their labels,
    agency and year come from the line under each table heading."""
    report = figures_report(2021)
    xlsx = workbook.write_xlsx(report, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(xlsx)
    del book[workbook.NOTES_SHEET]
    book.save(xlsx)
    imported = import_file(xlsx)
    assert imported.edition_from == "labels"
    assert (imported.report.agency, imported.report.year) == (report.agency, report.year)
    assert same_figures(imported.report, report)
    assert imported.findings() == []  # the cached totals agree with the figures


def test_handmade_workbook(tmp_path):
    """A workbook someone typed: one sheet per table, a title cell, merged label cells."""
    report = figures_report(2019)
    book = openpyxl.Workbook()
    book.active.title = "封面"
    book.active["A1"] = report.display_title
    for name, rows in (("表二", active_rows(report)), ("表三", applications_rows(report)), ("表四", reviews_rows(report))):
        ws = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row, start=1):
                if text is not None:
                    ws.cell(r, c, int(text) if text.isdigit() else text)
    path = tmp_path / "hand.xlsx"
    book.save(path)
    imported = import_file(path)
    assert imported.kind == "xlsx" and imported.report.year == report.year
    assert same_figures(imported.report, report)
