"""docgen import of Word reports: this project's own (render → import → same figures) and
reports agencies made by hand (spacing, full-width digits, "/" and "—", thousands separators,
shuffled tables, blank rows, merged and unmerged cells)."""

from __future__ import annotations

import subprocess

import pytest

from conftest import EXAMPLE_2021, SEED_2019, needs_soffice
from docgen.editions import EDITIONS
from docgen.importers import import_file
from docgen.report.load import load
from docgen.word import render as word
from test_import_fixtures import figures_report, handmade_docx
from test_import_text import same_figures

EDITION_IDS = sorted(EDITIONS)


@pytest.mark.parametrize("path", [SEED_2019, EXAMPLE_2021], ids=["2019", "2021"])
def test_render_then_import_gives_the_same_report(path, tmp_path):
    """render → import: same figures, header, narrative; no warnings, no findings."""
    report = load(path).report
    docx = word.write_docx(report, tmp_path / "r.docx")
    imported = import_file(docx)
    got = imported.report
    assert imported.kind == "docx" and imported.edition_from == "labels"
    assert same_figures(got, report)
    assert (got.agency, got.year, got.date, got.title) == (report.agency, report.year, report.date, report.title)
    assert got.preamble == report.preamble and got.overview == report.overview
    assert got.problems == report.problems and got.other_matters == report.other_matters
    assert imported.warnings == [] and imported.findings() == []


@pytest.mark.parametrize("edition", EDITION_IDS)
def test_render_then_import_figures_everywhere(edition, tmp_path, cli):
    """Non-zero figures in every cell survive render → import → check."""
    report = figures_report(edition)
    docx = word.write_docx(report, tmp_path / "r.docx")
    out = tmp_path / "r.yaml"
    result = cli("import", docx, "-o", out)
    assert result.code == 0, result.text
    assert same_figures(load(out).report, report)
    assert cli("check", out).code == 0


VARIANTS = {
    "plain": {},
    "spacing": {"spacing": True},
    "full-width": {"full_width": True},
    "slash-zeros": {"dash": "/"},
    "dash-zeros": {"dash": "—"},
    "blank-zeros": {"dash": ""},
    "thousands": {"thousands": True},
    "shuffled-tables": {"shuffle": True},
    "blank-rows": {"blank_rows": True},
    "unmerged": {"merge": False},
    "everything": {"spacing": True, "full_width": True, "dash": "—", "thousands": True, "shuffle": True, "blank_rows": True},
    "unmerged-blank": {"merge": False, "dash": "", "blank_rows": True},
}


@pytest.mark.parametrize("edition", EDITION_IDS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_handmade_variants(edition, variant, tmp_path):
    report = figures_report(edition)
    path = handmade_docx(report, tmp_path / "hand.docx", **VARIANTS[variant])
    imported = import_file(path)
    assert imported.report.edition == edition
    assert same_figures(imported.report, report), variant
    assert (imported.report.agency, imported.report.year) == (report.agency, report.year)
    assert imported.findings() == []
    blank_totals = [w for w in imported.warnings if "总计栏为空" in w.what]
    assert imported.warnings == blank_totals  # only blank 总计 cells (zeros written blank) are noted
    if not VARIANTS[variant].get("dash") == "":
        assert blank_totals == []


def test_handmade_thousands_really_used(tmp_path):
    """The variant does write 1,234 (guards the fixture itself)."""
    import docx

    path = handmade_docx(figures_report(2019), tmp_path / "t.docx", thousands=True, full_width=True)
    texts = [c.text for t in docx.Document(str(path)).tables for r in t.rows for c in r.cells]
    assert "１，２３４" in texts and "２，４６８" in texts


def test_printed_cells_that_disagree(tmp_path):
    """A 总计 cell typed wrong by hand: an R3 warning naming the row; the figures still import."""
    report = figures_report(2021)
    received_row, total_column = 3, 9
    wrong = str(report.row_total("received") + 7)
    path = handmade_docx(report, tmp_path / "bad.docx", printed={(1, received_row, total_column): wrong})
    imported = import_file(path)
    assert same_figures(imported.report, report)
    findings = imported.findings()
    assert [(f.rule, f.level) for f in findings] == [("R3", "error")]
    assert f"表中总计为 {wrong}" in findings[0].what and "一、本年新收政府信息公开申请数量" in findings[0].where


def test_unreadable_cell_is_a_warning(tmp_path):
    report = figures_report(2021)
    path = handmade_docx(report, tmp_path / "odd.docx", printed={(1, 5, 3): "2.5"})
    imported = import_file(path)
    assert any("（一）予以公开 · 自然人" in w.where and "2.5" in w.what for w in imported.warnings)
    assert imported.report.row("granted")[0] == 0


@needs_soffice
def test_libreoffice_resaved_report(tmp_path):
    """A hand-made report opened and saved again by LibreOffice still imports the same."""
    report = figures_report(2019)
    (tmp_path / "src").mkdir()
    source = handmade_docx(report, tmp_path / "src" / "hand.docx", dash="/")
    out = tmp_path / "out"
    profile = tmp_path / "profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    imported = import_file(out / "hand.docx")
    assert same_figures(imported.report, report) and imported.findings() == []
