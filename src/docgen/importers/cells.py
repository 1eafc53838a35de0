"""The document-neutral form of an imported report, and reading single cells.

Every importer turns its file into a list of blocks in document order: a paragraph of text, or
one row of a table (its cells' texts, merged cells counted once). Tables and narrative are then
recovered from the blocks alone, so text, HTML, Word and workbook share one reader.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Row:
    """One table row: the cells' texts; `table` numbers the table the row belongs to.

    `columns`, when the format knows it (Word), is the grid column where each cell starts, so
    figures can be placed under their column headers even when label cells are not merged.
    """

    cells: tuple[str, ...]
    table: int
    columns: tuple[int, ...] | None = None


Block = str | Row  # a paragraph, or a table row

_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十0-9]+\)|[0-9]+\.)")
_ENUM_SEP = re.compile(r"^(\d+)\s*[、.．]")
_ZERO_MARKS = re.compile(r"^(?:[/／\\\-－—–―_]{1,3}|无)$")
_NUMBER = re.compile(r"^([+\-−]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_UNIT = re.compile(r"(万元|元|件次|件|个|项|起|条)$")


def clean(text: str) -> str:
    """Label comparison form: NFKC, no white space or quotes, enumerators as "1." ."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text).translate(_QUOTES)
    return _ENUM_SEP.sub(r"\1.", text)


def bare(text: str) -> str:
    """A cleaned label without its enumerator: (三)不予公开 → 不予公开."""
    return _ENUM.sub("", text)


@dataclass(frozen=True)
class Value:
    """A cell read as a number: the value, the unit written after it, and whether it was blank."""

    number: Decimal
    unit: str = ""
    blank: bool = False  # "", "/", "—" … meaning zero

    @property
    def is_integer(self) -> bool:
        return self.number == self.number.to_integral_value()


def value(text: str) -> Value | None:
    """The cell as a number, or None when it is a label.

    Blank cells and "/", "—", "-", "无" mean 0; thousands separators and full-width digits are
    read; a trailing unit (件, 元, 万元…) is kept aside.
    """
    cell = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if cell == "" or _ZERO_MARKS.match(cell):
        return Value(Decimal(0), blank=True)
    unit_match = _UNIT.search(cell)
    unit = unit_match.group(1) if unit_match else ""
    number = cell[: len(cell) - len(unit)] if unit else cell
    match = _NUMBER.match(number)
    if not match:
        return None
    sign, digits, fraction = match.groups()
    try:
        amount = Decimal(digits.replace(",", "") + (fraction or ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    return Value(-amount if sign in ("-", "−") else amount, unit)


def is_separator(cells: tuple[str, ...]) -> bool:
    """A Markdown table rule such as |---|:---:|."""
    return bool(cells) and all(re.fullmatch(r"\s*:?-{3,}:?\s*", c) for c in cells)
