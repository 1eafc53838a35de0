"""The real client: LibreOffice opens the rendered .docx and makes a PDF with the labels, the
figures and GB/T 9704 page numbers."""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import EXAMPLE_2021, SEED_2019, needs_soffice
from docgen.editions.common import SECTION_LABELS
from docgen.editions.types import APPLICANT_HEADER, LEGAL_PERSON_HEADER
from docgen.report.load import load
from docgen.report.model import format_value
from docgen.word.render import write_docx

pytestmark = needs_soffice


@pytest.fixture(scope="module", params=[EXAMPLE_2021, SEED_2019], ids=lambda p: p.stem)
def converted(request, tmp_path_factory):
    """(report, pdf text with white space removed, raw pdf text, text laid out as on the page)."""
    from docgen.office import docx_to_pdf, pdf_text

    folder = tmp_path_factory.mktemp("pdf")
    report = load(request.param).report
    docx = write_docx(report, folder / f"{request.param.stem}.docx")
    pdf = docx_to_pdf(docx, folder / f"{request.param.stem}.pdf")
    text = pdf_text(pdf)
    layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    return report, re.sub(r"\s+", "", text), text, layout


def test_pdf_has_title_sections_and_signoff(converted):
    report, flat, _, _ = converted
    assert flat.startswith(report.display_title)
    for label in SECTION_LABELS.values():
        assert label in flat
    for section in report.overview.sections:
        assert section.title in flat
    assert report.agency in flat.split(SECTION_LABELS["other_matters"])[-1]


def test_pdf_has_table_labels(converted):
    report, flat, _, _ = converted
    spec = report.spec
    labels = [b.label for b in spec.active_blocks] + [APPLICANT_HEADER, LEGAL_PERSON_HEADER]
    labels += [r.label for r in spec.intake_rows] + [g.label for g in spec.review_groups]
    for label in labels:
        assert label in flat, label


def test_pdf_has_figures(converted):
    report, flat, _, layout = converted
    money = [format_value(report.active_value(r.id, f.id)) for b, r in report.spec.active_rows for f in b.fields]
    for value in money:
        assert value in flat
    received = " ".join(str(v) for v in report.row_with_total("received"))
    label = report.spec.intake_rows[0].label
    row = next(line for line in layout.splitlines() if label in line)
    assert " ".join(row.split(label)[1].split()) == received  # one table row: 自然人 … 总计, in order


def test_pdf_page_numbers(converted):
    _, _, text, _ = converted
    pages = text.rstrip("\f").split("\f")
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert re.search(rf"—\s*{number}\s*—", page), f"page {number} has no “— {number} —”"
