"""Printing the auditors' workbook: each table sheet on one page (表三 included), headers never
broken inside a word, the page number in every footer — checked in the file and in LibreOffice's PDF."""

from __future__ import annotations

import re
import subprocess

import openpyxl
import pytest

from conftest import EXAMPLE_2021, SEED_2019, needs_soffice
from docgen.editions.types import RESULTS_LABEL, TABLE_2, TABLE_3, TABLE_4
from docgen.report.load import load
from docgen.workbook import write_xlsx
from support.city import city_report


@pytest.mark.parametrize("source", [EXAMPLE_2021, SEED_2019], ids=lambda p: p.stem)
def test_page_setup(source, tmp_path):
    book = openpyxl.load_workbook(write_xlsx(load(source).report, tmp_path / "w.xlsx"))
    for ws in book.worksheets:
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text, ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    for name in (TABLE_2, TABLE_3, TABLE_4):
        assert book[name].page_setup.fitToHeight == 1, name
    results = next(c for row in book[TABLE_3].iter_rows() for c in row if c.value == RESULTS_LABEL)
    assert results.alignment.text_rotation == 255  # stacked down its merged cell, never cut inside a word


@needs_soffice
@pytest.mark.parametrize("edition_id", [2019, 2021])
def test_printed_by_libreoffice(edition_id, tmp_path):
    from docgen.office import convert_document

    report = city_report(edition_id)
    pdf = convert_document(write_xlsx(report, tmp_path / "city.xlsx"), "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    pages = text.rstrip("\f").split("\f")
    for number, page in enumerate(pages, 1):
        assert re.search(rf"第 {number} 页，共 {len(pages)} 页", page), f"page {number} has no page number"
    spec = report.spec
    for sheet in (TABLE_2, TABLE_3, TABLE_4):
        printed = [i for i, page in enumerate(pages) if re.search(rf"{sheet}\s+第 \d+ 页", page)]
        assert len(printed) == 1, f"{sheet} prints on pages {printed}"
    page = next(page for page in pages if re.search(rf"{TABLE_3}\s+第 \d+ 页", page))
    for row in [*spec.intake_rows, *spec.app_rows, spec.carried_out]:
        assert row.label[:10] in page, row.label
    for applicant in spec.applicants:
        assert applicant.label in page, f"{applicant.label} is broken inside the word"
