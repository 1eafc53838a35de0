"""The auditors' workbook (.xlsx): tables 二, 三, 四 with live formulas and cached values, a
说明 sheet and a 校验 sheet of rules R1–R4.

Each layer in its own module:

- ``layout``: where each label and figure sits, derived from the edition spec;
- ``tables`` / ``checks`` / ``notes`` (and ``rollup`` for a county roll-up): writing the sheets, every
  cell recorded in a ``formulas.Calc``;
- ``cache``: after saving, the computed formula values go into the file;
- ``stencil``: how docgen writes a report's workbook — the workbook built as above once per
  edition, then per report only its report-specific cells, straight into the sheet XML.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..fsutil import atomic_path
from ..report.model import Report
from .build import build_recorded, build_workbook
from .cache import add_cached_values
from .checks import CHECK_SHEET
from .formulas import Calc
from .layout import SheetLayout, WorkbookLayout, layout_for, stacked_layout, table_layout
from .notes import NOTES_SHEET
from .stencil import workbook_bytes
from .tables import figure_value, write_figures, write_frame, write_report_sheet


def write_xlsx(report: Report, target: Path | str, source: str | None = None, *, made_at: dt.datetime | None = None) -> Path:
    """Write the auditors' workbook of ``report`` to ``target`` atomically and return ``target``.

    ``source`` is the input file the report was loaded from; only its name is shown (说明 sheet).
    Raises OutputError when the file cannot be written; an earlier file of the same name is
    then left as it was.
    """
    target = Path(target)
    with atomic_path(target) as temp:
        temp.write_bytes(workbook_bytes(report, source, made_at))
    return target


__all__ = [
    "CHECK_SHEET",
    "NOTES_SHEET",
    "Calc",
    "SheetLayout",
    "WorkbookLayout",
    "add_cached_values",
    "build_recorded",
    "build_workbook",
    "figure_value",
    "layout_for",
    "stacked_layout",
    "table_layout",
    "write_figures",
    "write_frame",
    "write_report_sheet",
    "workbook_bytes",
    "write_xlsx",
]
