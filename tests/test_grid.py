"""The official grid (docgen.editions.grid): one derivation of tables 二/三/四, checked against the
reference's description of the published tables, and the Word template and workbook drawn from it."""

from __future__ import annotations

import io

import pytest
from docx import Document

from conftest import EXAMPLE_2021, SEED_2019
from docgen.editions import EDITIONS
from docgen.editions.grid import INPUT, LABEL, TOTAL, Grid, grid, grids, value_at
from docgen.editions.types import TABLE_2, TABLE_3, TABLE_4, Kind
from docgen.report.load import load
from docgen.word.render import official_template
from docgen.workbook.layout import stacked_layout

EDITION_IDS = sorted(EDITIONS)


def by_text(g: Grid, text: str):
    found = [c for c in g.cells if c.kind == LABEL and c.text == text]
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_every_position_is_covered_once_row_major(edition_id):
    for g in grids(EDITIONS[edition_id]):
        seen = {}
        for cell in g.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    assert (r, c) not in seen
                    seen[(r, c)] = cell
        assert len(seen) == g.rows * g.cols
        assert list(g.cells) == sorted(g.cells, key=lambda c: (c.row, c.col))
        assert all((c.kind == INPUT) == (c.value_kind is not None) for c in g.cells)
        assert all((c.kind == LABEL) == (c.path is None) and (c.kind == LABEL or c.text == "") for c in g.cells)


@pytest.mark.parametrize(("edition_id", "results_rows"), [(2019, 20), (2021, 22)])
def test_table3_spans_are_those_of_the_published_tables(edition_id, results_rows):
    g = grid(EDITIONS[edition_id], TABLE_3)
    assert (g.cols, g.header_rows, g.caption) == (10, 3, "三、收到和处理政府信息公开申请情况")
    note = g.cells[0]
    assert (note.row, note.col, note.rowspan, note.colspan, note.header) == (0, 0, 3, 3, False)
    assert by_text(g, "申请人情况").colspan == 7
    assert by_text(g, "自然人").rowspan == 2 and by_text(g, "总计").rowspan == 2
    assert by_text(g, "法人或其他组织").colspan == 5
    assert by_text(g, "三、本年度办理结果").rowspan == results_rows
    assert by_text(g, "（三）不予公开").rowspan == 8 and by_text(g, "（五）不予处理").rowspan == 5
    other = by_text(g, "（六）其他处理")
    assert (other.rowspan, other.colspan) == ((1, 2) if edition_id == 2019 else (3, 1))
    assert by_text(g, "一、本年新收政府信息公开申请数量").colspan == 3
    assert all(c.header for c in g.cells if c.row < 3 and c is not note)
    assert not any(c.header for c in g.cells if c.row >= 3)


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_table4_headers(edition_id):
    g = grid(EDITIONS[edition_id], TABLE_4)
    assert (g.rows, g.cols, g.header_rows) == (4, 15, 3)
    assert by_text(g, "行政复议").colspan == 5 and by_text(g, "行政诉讼").colspan == 10
    assert by_text(g, "未经复议直接起诉").colspan == 5
    assert [c.path for c in g.cells if c.row == 3][:5] == [f"reviews.review.{i}" for i in range(5)]
    assert [c.kind for c in g.cells if c.row == 3][:5] == [INPUT] * 4 + [TOTAL]


def test_paths_of_the_contract():
    g2019, g2021 = (grids(EDITIONS[e]) for e in EDITION_IDS)
    paths2021 = {c.path: c for g in g2021 for c in g.values}
    paths2019 = {c.path: c for g in g2019 for c in g.values}
    assert paths2021["active.regulations.issued"].value_kind is Kind.COUNT
    assert paths2021["active.licensing"].colspan == 3  # a single-value row's cell spans 3
    assert paths2021["active.fees"].value_kind is Kind.MONEY
    assert paths2019["active.procurement.amount"].value_kind is Kind.AMOUNT
    assert paths2019["applications.other.0"].kind == INPUT and "applications.other.0" not in paths2021
    assert paths2021["applications.other.other.0"].kind == INPUT
    assert paths2021["applications.received.6"].kind == TOTAL
    assert [paths2021[f"applications.total.{i}"].kind for i in range(7)] == [TOTAL] * 7
    assert paths2021["applications.refused.state_secret.5"].kind == INPUT
    assert paths2021["reviews.litigation_after_review.4"].kind == TOTAL
    assert grid(EDITIONS[2021], TABLE_2).header_rows == 0


@pytest.mark.parametrize("source", [EXAMPLE_2021, SEED_2019])
def test_value_at_reads_every_figure_of_the_model(source):
    report = load(source).report
    g2, g3, g4 = grids(report.spec)
    for cell in g2.values:
        _, row, *field = cell.path.split(".")
        assert value_at(report, cell.path) == report.active_value(row, field[0] if field else cell_field(report, row))
    for cell in g3.values:
        row, _, i = cell.path.removeprefix("applications.").rpartition(".")
        assert value_at(report, cell.path) == report.row_with_total(row)[int(i)]
    for cell in g4.values:
        _, group, i = cell.path.split(".")
        assert value_at(report, cell.path) == report.review_with_total(group)[int(i)]
    assert sum(value_at(report, f"applications.total.{i}") for i in range(6)) == value_at(report, "applications.total.6")
    with pytest.raises(KeyError):
        value_at(report, "applications.nonexistent.0")


def cell_field(report, row_id: str) -> str:
    return next(b.fields[0].id for b, r in report.spec.active_rows if r.id == row_id)


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_committed_word_template_holds_the_grid(edition_id):
    """Each table of the committed template: every grid cell's text at its position, merges as spanned."""
    doc = Document(io.BytesIO(official_template(edition_id)))
    for table, g in zip(doc.tables, grids(EDITIONS[edition_id])):
        assert (len(table.rows), len(table.columns)) == (g.rows, g.cols)
        for cell in g.cells:
            top = table.cell(cell.row, cell.col)
            bottom = table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1)
            assert top._tc is bottom._tc  # one merged cell
            if cell.kind == LABEL:
                assert top.text.replace("\n", "") == cell.text  # a label may be broken to fit a narrow column
            else:
                assert top.text.startswith("{{ t")


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_workbook_layout_places_the_grid(edition_id):
    spec = EDITIONS[edition_id]
    sheet = stacked_layout(spec)
    for g in grids(spec):
        table = sheet.table(g.table)
        labels = {(l.span.top - table.grid.top, l.span.left - 1): l for l in table.labels}
        figures = {(f.span.top - table.grid.top, f.span.left - 1): f for f in table.figures}
        assert len(labels) + len(figures) == len(g.cells)
        for cell in g.cells:
            placed = labels.get((cell.row, cell.col)) if cell.kind == LABEL else figures[(cell.row, cell.col)]
            assert (len(placed.span.rows), len(placed.span.columns)) == (cell.rowspan, cell.colspan)
            if cell.kind == LABEL:
                assert placed.text == cell.text
            else:
                assert (placed.total is not None) == (cell.kind == TOTAL)
