"""A report's workbook filled into a stencil: the workbook built once, per report only its own cells.

Building the workbook cell by cell with openpyxl (``build``) spends nearly all its time on what
every report of an edition shares: labels, merges, borders, fonts, validations, page setup. A
``Stencil`` is that workbook built and saved once, for the first report of its kind, with every
cell that can differ from one report to the next cut out of the sheet XML:

- the typed figures, and every formula (for its cached value) — the cells recorded in the ``Calc``;
- the line under each table heading naming the agency and year (``tables.report_info``);
- the title and facts of the 说明 sheet and the heights of their rows (``notes.report_texts``,
  ``notes.report_heights``), and the title in the document properties.

A report is then written by evaluating the formulas over its figures and joining the stencil's
text around its cells. Reports are of one kind when they share the edition and the number
formats of their typed figures (money keeps the decimals it was written with and an amount its
unit, each needing its own cell style). The cells equal those of the workbook built directly
(``reference.reference_xlsx``; tests compare every cell).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

from openpyxl.compat import safe_string

from ..report.model import Report
from ..zipwrite import Member, deflate, package
from .build import build_recorded
from .cache import encode_value, sheet_parts
from .layout import WorkbookLayout, layout_for
from .notes import NOTES_SHEET, report_heights, report_texts, workbook_title
from .style import cell_value, number_format
from .tables import figure_value, report_info

Key = tuple[str, Any]  # (sheet, cell address) or (sheet, row number)
Slot = Callable[[Any], str]  # the XML of a cut-out piece for one report's datum
Writer = Callable[[str, str, Any], str]  # (address, attributes, datum) -> the XML of a cell

_PIECE = re.compile(r'<row r="(?P<row>\d+)"[^>]*>|<c r="(?P<cell>[A-Z]+\d+)"(?P<attrs>[^>]*?)(?:/>|>(?P<inner>.*?)</c>)', re.S)
_TYPE = re.compile(r' t="[^"]*"')
_HEIGHT = re.compile(r' ht="[^"]*"')
_FORMULA = re.compile(r"<f(?: [^>]*)?>.*?</f>|<f(?: [^>]*)?/>", re.S)
_CORE = re.compile(r"(<dc:title[^>]*>).*?(</dc:title>)|(<dcterms:(?:created|modified)[^>]*>).*?(</dcterms:(?:created|modified)>)", re.S)
_MAX_STENCILS = 16
CORE_PART = "docProps/core.xml"


def workbook_bytes(report: Report, source: str | None = None, made_at: dt.datetime | None = None) -> bytes:
    """The auditors' workbook of ``report`` as .xlsx bytes."""
    made_at = made_at or dt.datetime.now()
    layout = layout_for(report.spec)
    figures = [(name, figure, figure_value(report, figure)) for name, sheet in layout.sheets for figure in sheet.inputs]
    kind = (report.edition, tuple(number_format(figure.kind, value) for _, figure, value in figures))
    stencil = _STENCILS.get(kind)
    if stencil is None:
        stencil = Stencil(report, source, made_at)
        if len(_STENCILS) >= _MAX_STENCILS:
            _STENCILS.pop(next(iter(_STENCILS)))
        _STENCILS[kind] = stencil
    inputs = {(name, figure.address): cell_value(value) for name, figure, value in figures}
    return stencil.fill(report, source, made_at, inputs)


class Stencil:
    """The saved workbook of one report with its report-specific pieces cut out."""

    def __init__(self, report: Report, source: str | None, made_at: dt.datetime) -> None:
        book, calc = build_recorded(report, source, made_at)
        self._calc = calc
        saved = io.BytesIO()
        book.save(saved)
        texts = _texts(layout_for(report.spec), report, source, made_at)
        heights = _heights(report, source, made_at)
        writers: dict[Key, Writer] = {key: _input for key in calc.values}
        writers.update({key: _text for key in texts})
        self._sheets: dict[str, tuple[list[str], list[tuple[Key, Slot]]]] = {}
        self._members: list[Member | str] = []
        with zipfile.ZipFile(saved) as archive:
            parts = {part: name for name, part in sheet_parts(archive).items()}
            for info in archive.infolist():
                data = archive.read(info.filename)
                if info.filename in parts:
                    name = parts[info.filename]
                    self._sheets[info.filename] = _cut(data.decode("utf-8"), name, writers, calc.formulas, heights)
                    self._members.append(info.filename)
                elif info.filename == CORE_PART:
                    self._core = data.decode("utf-8")
                    if len(_CORE.findall(self._core)) != 3:
                        raise ValueError(f"{CORE_PART}: expected a title and two timestamps")
                    self._members.append(info.filename)
                else:
                    self._members.append(deflate(info.filename, data))

    def fill(self, report: Report, source: str | None, made_at: dt.datetime, inputs: dict[Key, Any]) -> bytes:
        """The .xlsx bytes of ``report`` (of this stencil's kind) with typed values ``inputs``."""
        data: dict[Key, Any] = dict(inputs)
        for sheet, cells in self._calc.results(inputs).items():
            data.update(((sheet, address), value) for address, value in cells.items())
        data.update(_texts(layout_for(report.spec), report, source, made_at))
        data.update(_heights(report, source, made_at))
        made = {part: _joined(chunks, slots, data) for part, (chunks, slots) in self._sheets.items()}
        made[CORE_PART] = _core(self._core, workbook_title(report))
        return package([deflate(m, made[m].encode("utf-8")) if isinstance(m, str) else m for m in self._members], _stamp(made_at))


_STENCILS: dict[tuple, Stencil] = {}


def _texts(layout: WorkbookLayout, report: Report, source: str | None, made_at: dt.datetime) -> dict[Key, str]:
    texts: dict[Key, str] = {(name, table.info.anchor): report_info(report) for name, sheet in layout.sheets for table in sheet.tables}
    texts.update(((NOTES_SHEET, address), text) for address, text in report_texts(report, source, made_at).items())
    return texts


def _heights(report: Report, source: str | None, made_at: dt.datetime) -> dict[Key, float]:
    return {(NOTES_SHEET, row): points for row, points in report_heights(report, source, made_at).items()}


# -- cutting a sheet ------------------------------------------------------------------------------
def _cut(xml: str, sheet: str, writers: dict[Key, Writer], formulas: dict, heights: dict[Key, float]) -> tuple[list[str], list[tuple[Key, Slot]]]:
    """The sheet's text between its report-specific pieces, and a slot for each piece."""
    chunks: list[str] = []
    cut: list[tuple[Key, Slot]] = []
    last = 0
    for match in _PIECE.finditer(xml):
        if match["row"] is not None:
            key: Key = (sheet, int(match["row"]))
            slot = _row(match.group()) if key in heights else None
        else:
            key = (sheet, match["cell"])
            slot = _formula(match) if key in formulas else _cell(match, writers[key]) if key in writers else None
        if slot is not None:
            chunks.append(xml[last : match.start()])
            cut.append((key, slot))
            last = match.end()
    chunks.append(xml[last:])
    wanted = {k for k in [*writers, *formulas, *heights] if k[0] == sheet}
    missing = wanted - {key for key, _ in cut}
    if missing:
        raise ValueError(f"{sheet}: no cell or row for {sorted(map(str, missing))}")
    return chunks, cut


def _joined(chunks: list[str], slots: list[tuple[Key, Slot]], data: dict[Key, Any]) -> str:
    out = [chunks[0]]
    for (key, slot), chunk in zip(slots, chunks[1:]):
        out.append(slot(data[key]))
        out.append(chunk)
    return "".join(out)


def _formula(match: re.Match) -> Slot:
    """A formula cell: its formula kept, its cached value (and the value's type) filled in."""
    head = f'<c r="{match["cell"]}"{_TYPE.sub("", match["attrs"])}'
    found = _FORMULA.search(match["inner"] or "")
    if found is None:
        raise ValueError(f"{match['cell']} holds no formula")
    formula = found.group()

    def slot(value: Any) -> str:
        kind, text = encode_value(value)
        typed = f' t="{kind}"' if kind else ""
        return f"{head}{typed}>{formula}<v>{_escape(text)}</v></c>"

    return slot


def _cell(match: re.Match, write: Writer) -> Slot:
    address, attrs = match["cell"], match["attrs"]
    return lambda value: write(address, attrs, value)


def _input(address: str, attrs: str, value: Any) -> str:
    """A typed figure as openpyxl writes a number (the style, number format included, is the stencil's)."""
    if value is None:
        return f'<c r="{address}"{attrs}></c>'
    return f'<c r="{address}"{attrs}><v>{_number(value)}</v></c>'


def _text(address: str, attrs: str, value: str) -> str:
    """A text cell as openpyxl writes one (an inline string)."""
    head = f'<c r="{address}"{_TYPE.sub("", attrs)} t="inlineStr"'
    if not value:
        return f"{head}></c>"
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"{head}><is><t{space}>{_escape(value)}</t></is></c>"


def _row(tag: str) -> Slot:
    if not _HEIGHT.search(tag):
        raise ValueError(f"row without a height: {tag}")
    return lambda points: _HEIGHT.sub(f' ht="{_number(points)}"', tag, count=1)


def _number(value: Any) -> str:
    return safe_string(value)  # as openpyxl writes a number


def _escape(text: str) -> str:
    """Text as lxml escapes it in element content (a carriage return kept as a reference)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


# -- document properties --------------------------------------------------------------------------
def _core(xml: str, title: str) -> str:
    """docProps/core.xml with this report's title, created and modified now (as openpyxl stamps them)."""
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def fill(match: re.Match) -> str:
        if match[1] is not None:
            return f"{match[1]}{_escape(title)}{match[2]}"
        return f"{match[3]}{now}{match[4]}"

    return _CORE.sub(fill, xml)


def _stamp(made_at: dt.datetime) -> tuple[int, ...]:
    return (max(made_at.year, 1980), made_at.month, made_at.day, made_at.hour, made_at.minute, made_at.second)
