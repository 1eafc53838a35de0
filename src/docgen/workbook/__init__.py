"""The auditors' workbook (.xlsx): tables 二, 三, 四 with live formulas and cached values, a
说明 sheet and a 校验 sheet of rules R1–R4.

Three layers, each in its own module:

- ``layout``: where each label and figure sits, derived from the edition spec;
- ``tables`` / ``checks`` / ``notes`` (and ``rollup`` for a county roll-up): writing the sheets, every
  cell recorded in a ``formulas.Calc``;
- ``cache``: after saving, the computed formula values go into the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from .. import __version__
from ..fsutil import atomic_path
from ..model import Report
from .checks import CHECK_SHEET, write_check_sheet
from .formulas import Calc, Value
from .layout import SheetLayout, WorkbookLayout, layout_for, stacked_layout, table_layout
from .notes import NOTES_SHEET, write_notes_sheet
from .tables import figure_value, write_figures, write_frame, write_report_sheet
from .cache import add_cached_values


def build_workbook(
    report: Report, source: str | None = None, made_at: dt.datetime | None = None
) -> tuple[Workbook, dict[str, dict[str, Value]]]:
    """The workbook of one report and the computed value of each formula cell (sheet -> address -> value)."""
    layout = layout_for(report.spec)
    calc = Calc()
    book = Workbook()
    notes = book.active
    notes.title = NOTES_SHEET
    for name, sheet_layout in layout.sheets:
        write_report_sheet(book.create_sheet(name), name, sheet_layout, report, calc)
    write_check_sheet(book, layout, report.spec, calc)
    write_notes_sheet(notes, report, calc, source, made_at or dt.datetime.now())
    book.calculation.fullCalcOnLoad = True
    book.properties.creator = f"docgen {__version__}"
    book.properties.title = f"{report.display_title} · 审核工作簿"
    return book, calc.results()


def write_xlsx(report: Report, target: Path | str, source: str | None = None, *, made_at: dt.datetime | None = None) -> Path:
    """Write the auditors' workbook of ``report`` to ``target`` atomically and return ``target``.

    ``source`` is the input file the report was loaded from; only its name is shown (说明 sheet).
    Raises OutputError when the file cannot be written; an earlier file of the same name is
    then left as it was.
    """
    target = Path(target)
    book, cached = build_workbook(report, source, made_at)
    with atomic_path(target) as temp:
        book.save(temp)
        add_cached_values(temp, cached)
    return target


__all__ = [
    "CHECK_SHEET",
    "NOTES_SHEET",
    "Calc",
    "SheetLayout",
    "WorkbookLayout",
    "add_cached_values",
    "build_workbook",
    "figure_value",
    "layout_for",
    "stacked_layout",
    "table_layout",
    "write_figures",
    "write_frame",
    "write_report_sheet",
    "write_xlsx",
]
