"""Building the auditors' workbook of one report cell by cell with openpyxl."""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook

from .. import __version__
from ..report.model import Report
from .checks import write_check_sheet
from .formulas import Calc, Value
from .layout import layout_for
from .notes import NOTES_SHEET, workbook_title, write_notes_sheet
from .tables import write_report_sheet


def build_workbook(
    report: Report, source: str | None = None, made_at: dt.datetime | None = None
) -> tuple[Workbook, dict[str, dict[str, Value]]]:
    """The workbook of one report and the computed value of each formula cell (sheet -> address -> value)."""
    book, calc = build_recorded(report, source, made_at)
    return book, calc.results()


def build_recorded(report: Report, source: str | None = None, made_at: dt.datetime | None = None) -> tuple[Workbook, Calc]:
    """The workbook of one report, built cell by cell, and the record of its figures and formulas."""
    layout = layout_for(report.spec)
    calc = Calc()
    book = Workbook()
    notes = book.active
    notes.title = NOTES_SHEET
    for name, sheet_layout in layout.sheets:
        write_report_sheet(book.create_sheet(name), name, sheet_layout, report, calc)
    write_check_sheet(book, layout, report.spec, calc)
    write_notes_sheet(notes, report, calc, source, made_at or dt.datetime.now())
    calc.texts_as_text(book)
    book.calculation.fullCalcOnLoad = True
    book.properties.creator = f"docgen {__version__}"
    book.properties.title = workbook_title(report)
    return book, calc
