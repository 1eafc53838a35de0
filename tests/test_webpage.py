"""`--formats html`: one self-contained, accessible page with the official tables, and
`docgen import` reads it back to the same report."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest

from conftest import EXAMPLE_2021, SEED_2019, minimal
from docgen.editions import EDITIONS
from docgen.editions.grid import LABEL, grids
from docgen.importers import import_file
from docgen.report.load import load
from docgen.report.model import Overview, Report, Section
from docgen.webpage import render_html, write_html
from support.city import city_report

FIELDS = ("edition", "agency", "year", "date", "title", "preamble", "overview", "problems", "other_matters")


def figures(report: Report) -> tuple:
    """Every figure as the report holds it (a row left out reads as zeros)."""
    spec = report.spec
    active = [(r.id, f.id, report.active_value(r.id, f.id)) for b, r in spec.active_rows for f in b.fields]
    return active, [report.row(r.id) for r in spec.app_rows], [report.review(g.id) for g in spec.review_groups]


def _hostile() -> Report:
    return Report(
        edition=2021,
        agency="研发&创新<中心>管理局",
        year=2025,
        date=dt.date(2026, 1, 20),
        title="研发&创新<中心>管理局2025年度政府信息公开工作年度报告",
        preamble="统计期限为2025年1月1日至12月31日。<script>alert(1)</script>",
        overview=Overview(intro="{{ 7*7 }} 与 \"引号\" 和 'apostrophe'。", sections=[Section(title="主动公开<b>", text="（一）分项。研发&创新。")]),
        problems="（一）主动公开方面\n\n公开不够及时。",
        other_matters="本年度未收取信息处理费。",
    )


REPORTS = {
    "example-2021": lambda: load(EXAMPLE_2021).report,
    "rushankou-2020": lambda: load(SEED_2019).report,
    "city-2019": lambda: city_report(2019),
    "city-2021": lambda: city_report(2021),
    "hostile": _hostile,
}


@pytest.mark.parametrize("name", list(REPORTS))
def test_import_reads_the_page_back_exactly(name, tmp_path):
    report = REPORTS[name]()
    page = write_html(report, tmp_path / f"{name}.html")
    imported = import_file(page)
    assert imported.kind == "html"
    for field in FIELDS:
        assert getattr(imported.report, field) == getattr(report, field), field
    assert figures(imported.report) == figures(report)
    assert not [f for f in imported.findings() if f.level == "error"]  # printed totals agree (R2–R4)
    assert not imported.warnings


@pytest.mark.parametrize("edition_id", list(EDITIONS))
def test_tables_in_the_official_merged_layout(edition_id):
    report = city_report(edition_id)
    root = lxml.html.document_fromstring(render_html(report))
    tables = root.findall(".//table")
    assert len(tables) == 3
    for table, g in zip(tables, grids(report.spec)):
        assert table.find("caption") is not None and g.table in table.find("caption").text_content()
        rows = table.findall(".//tr")
        assert len(rows) == g.rows
        for r, tr in enumerate(rows):
            expected = sorted((c for c in g.cells if c.row == r), key=lambda c: c.col)
            cells = [c for c in tr if c.tag in ("td", "th")]
            assert len(cells) == len(expected)
            for cell, spec in zip(cells, expected):
                assert int(cell.get("rowspan", 1)) == spec.rowspan and int(cell.get("colspan", 1)) == spec.colspan
                if spec.kind == LABEL:
                    assert cell.text_content() == spec.text
                    if spec.header or r >= g.header_rows:
                        assert cell.tag == "th" and cell.get("scope") in ("col", "colgroup", "row", "rowgroup")
                else:
                    assert cell.tag == "td"
        if g.header_rows:
            assert len(table.find("thead").findall("tr")) == g.header_rows
    widths = {c.get("colspan", "1") for c in tables[1].findall(".//th")}
    assert {"3", "7", "5"} <= widths  # the note is a td; 一、二、四 span 3, 申请人情况 7, 法人或其他组织 5


def test_self_contained_and_escaped():
    text = render_html(_hostile())
    root = lxml.html.document_fromstring(text)
    assert root.get("lang") == "zh-CN" and root.find(".//meta[@charset]") is not None
    assert not root.findall(".//script") and not root.findall(".//link") and not root.findall(".//img")
    assert not [e for e in root.iter() if isinstance(e.tag, str) and (e.get("src") or e.get("href"))]
    assert root.find(".//style") is not None
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert root.find(".//h1").text_content() == "研发&创新<中心>管理局2025年度政府信息公开工作年度报告"
    assert not root.findall(".//b")
    heading = root.xpath('.//span[@class="subheading"]')
    assert [h.text_content() for h in heading] == ["（一）分项。", "（一）主动公开方面"]


def test_render_formats_html(cli, write, tmp_path):
    path = write("r.yaml", minimal())
    out = tmp_path / "out"
    result = cli("render", path, "-o", out, "--formats", "html")
    assert result.code == 0, result.text
    assert sorted(p.name for p in out.iterdir()) == ["r.html"]
    assert (out / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "html" in cli("render", "--help").text
