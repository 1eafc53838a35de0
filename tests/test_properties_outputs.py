"""Property tests over the real outputs: random consistent reports of both editions render to a
.docx and a workbook, both hold exactly the model's figures, and both import back to them."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings

from docgen.editions.types import TABLE_2, TABLE_3, TABLE_4
from docgen.importers import import_file
from docgen.report.model import Amount
from docgen.word.render import write_docx
from docgen.workbook import layout_for, write_xlsx
from strategies import reports

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def figures(report) -> dict:
    """Every typed figure and every total of a report, keyed like the workbook layout; an amount
    as its number as written (the workbook shows its unit through the number format)."""
    spec = report.spec
    out = {}
    for block, row in spec.active_rows:
        for field in block.fields:
            value = report.active_value(row.id, field.id)
            out[(TABLE_2, row.id, field.id)] = value.value if isinstance(value, Amount) else value
    for row_id in [r.id for r in spec.app_rows] + ["total"]:
        for column, value in enumerate(report.row_with_total(row_id)):
            out[(TABLE_3, row_id, column)] = value
    for group in spec.review_groups:
        for column, value in enumerate(report.review_with_total(group.id)):
            out[(TABLE_4, group.id, column)] = value
    return out


def same_number(a, b) -> bool:
    return Decimal(str(a)) == Decimal(str(b))


@SETTINGS
@given(reports())
def test_workbook_cached_values_equal_model(report):
    layout = layout_for(report.spec)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.xlsx"
        write_xlsx(report, path)
        book = openpyxl.load_workbook(path, data_only=True)
        for (table, row, column), expected in figures(report).items():
            ref = layout.ref(table, row, column)
            cell = book[ref.sheet][ref.area]
            assert same_number(cell.value, expected), (table, row, column, cell.value, expected)


@SETTINGS
@given(reports())
def test_docx_and_xlsx_import_back_to_the_same_figures(report):
    with tempfile.TemporaryDirectory() as folder:
        for suffix, writer in ((".docx", write_docx), (".xlsx", write_xlsx)):
            path = Path(folder) / f"r{suffix}"
            writer(report, path)
            back = import_file(path).report
            assert back.edition == report.edition and back.year == report.year
            assert back.applications == {k: v for k, v in report.applications.items()} | {
                r.id: back.row(r.id) for r in report.spec.app_rows if r.id not in report.applications
            }
            assert back.reviews == report.reviews
            for (table, row, column), expected in figures(report).items():
                if table == TABLE_2:
                    got, want = back.active_value(row, column), report.active_value(row, column)
                    if isinstance(want, Amount):
                        got, want = got.wan, want.wan
                    assert same_number(got, want), (suffix, row, column, got, want)
