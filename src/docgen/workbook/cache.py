"""Cached values for formula cells of a saved .xlsx file.

openpyxl writes each formula with an empty value (``<c r="J6"><f>SUM(D6:I6)</f><v></v></c>``), so
a reader that does not calculate (openpyxl with data_only=True, pandas, file previewers) sees
blank totals. ``add_cached_values`` rewrites the worksheet parts of the saved package and puts
the computed value into each formula cell's ``<v>``, as Excel itself stores it: a number as
is, a text result with ``t="str"``, a boolean with ``t="b"``. Nothing else in the package
changes, so Excel and LibreOffice open the file as openpyxl wrote it.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from lxml import etree

from ..report.model import format_decimal
from .formulas import Value

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_C, _F, _V = (f"{{{_MAIN}}}{name}" for name in ("c", "f", "v"))


def add_cached_values(path: Path | str, values: Mapping[str, Mapping[str, Value]]) -> None:
    """Store ``values`` (sheet name -> cell address -> value) as the cached results of formula cells.

    Raises ValueError when a sheet does not exist or a listed cell holds no formula. The file is
    replaced only once the new package is complete.
    """
    path = Path(path)
    temp = path.with_name(path.name + ".cached")
    try:
        with zipfile.ZipFile(path) as archive:
            parts = sheet_parts(archive)
            unknown = sorted(set(values) - set(parts))
            if unknown:
                raise ValueError(f"no such sheet: {', '.join(unknown)}")
            patched = {parts[name]: _patch(archive.read(parts[name]), cells, name) for name, cells in values.items()}
            with zipfile.ZipFile(temp, "w") as out:
                for info in archive.infolist():
                    out.writestr(info, patched.get(info.filename) or archive.read(info.filename))
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the package ("xl/worksheets/sheet1.xml"), in workbook order."""
    workbook = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{{{_PKG_REL}}}Relationship")}
    out = {}
    for sheet in workbook.iter(f"{{{_MAIN}}}sheet"):
        target = targets[sheet.get(f"{{{_DOC_REL}}}id")]
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return out


def _patch(data: bytes, cells: Mapping[str, Value], sheet: str) -> bytes:
    root = etree.fromstring(data)
    done = set()
    for cell in root.iter(_C):
        address = cell.get("r")
        if address not in cells:
            continue
        formula = cell.find(_F)
        if formula is None:
            raise ValueError(f"{sheet}!{address} holds no formula")
        _set_value(cell, formula, cells[address])
        done.add(address)
    missing = sorted(set(cells) - done)
    if missing:
        raise ValueError(f"{sheet}: no formula cell at {', '.join(missing)}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _set_value(cell: etree._Element, formula: etree._Element, value: Value) -> None:
    kind, text = encode_value(value)
    cached = cell.find(_V)
    if cached is None:
        cached = etree.Element(_V)
        formula.addnext(cached)
    cached.text = text
    if kind:
        cell.set("t", kind)
    elif "t" in cell.attrib:
        del cell.attrib["t"]


def encode_value(value: Value) -> tuple[str | None, str]:
    """(cell type, text of <v>) for a formula result, as Excel stores it."""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return "str", value
    if isinstance(value, Decimal):
        return None, format_decimal(value)
    if value is None:
        return None, "0"  # a formula pointing at an empty cell shows 0
    return None, repr(value) if isinstance(value, float) else str(value)
