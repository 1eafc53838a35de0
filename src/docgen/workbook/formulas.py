"""The workbook's formulas as small expression trees.

Each expression renders its spreadsheet text and evaluates itself over known cell values, so
the cached value stored with a formula cell is computed from the very description that
produced the formula. ``Calc`` records every cell a workbook writer puts down (typed values
and formulas, across sheets) and evaluates the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Protocol, Union

from openpyxl.utils.cell import get_column_letter, range_boundaries

Value = Union[int, Decimal, float, str, None]
Lookup = Callable[[str | None, str], Value]  # (sheet or None for "this sheet", address) -> value

PASS = "通过"
FAIL = "不符"


class Expr(Protocol):
    """A formula expression: its text (without the leading "=") and its value."""

    def text(self) -> str: ...

    def evaluate(self, lookup: Lookup) -> Value: ...


def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it: always quoted, inner quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def as_number(value: Value) -> int | Decimal | float:
    """Spreadsheet arithmetic on a cell: empty and text count as 0, as SUM treats them."""
    return value if isinstance(value, (int, Decimal, float)) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class Ref:
    """A cell ("D4") or a rectangular range ("D4:D11"), on the formula's own sheet or another."""

    area: str
    sheet: str | None = None

    def text(self) -> str:
        return f"{quote_sheet(self.sheet)}!{self.area}" if self.sheet else self.area

    def cells(self) -> list[str]:
        """Every address of the area, row by row."""
        left, top, right, bottom = range_boundaries(self.area)
        return [f"{get_column_letter(c)}{r}" for r in range(top, bottom + 1) for c in range(left, right + 1)]

    def values(self, lookup: Lookup) -> list[Value]:
        """The value of every cell of the area, row by row."""
        return [lookup(self.sheet, address) for address in self.cells()]

    def evaluate(self, lookup: Lookup) -> Value:
        if ":" in self.area:
            raise ValueError(f"a range ({self.area}) is not a single value")
        return lookup(self.sheet, self.area)

    def on(self, sheet: str) -> Ref:
        """The same area seen from another sheet."""
        return Ref(self.area, sheet)


@dataclass(frozen=True)
class Sum:
    """SUM(a, b:c, ...)."""

    refs: tuple[Ref, ...]

    def text(self) -> str:
        return "SUM(" + ",".join(r.text() for r in self.refs) + ")"

    def evaluate(self, lookup: Lookup) -> Value:
        return sum((as_number(v) for ref in self.refs for v in ref.values(lookup)), 0)


@dataclass(frozen=True)
class Plus:
    """a + b + SUM(...) + ...: a sum written out term by term."""

    terms: tuple[Expr, ...]

    def text(self) -> str:
        return "+".join(t.text() for t in self.terms)

    def evaluate(self, lookup: Lookup) -> Value:
        return sum((as_number(t.evaluate(lookup)) for t in self.terms), 0)


@dataclass(frozen=True)
class Minus:
    """left - right."""

    left: Expr
    right: Expr

    def text(self) -> str:
        return f"{self.left.text()}-{self.right.text()}"

    def evaluate(self, lookup: Lookup) -> Value:
        return as_number(self.left.evaluate(lookup)) - as_number(self.right.evaluate(lookup))


@dataclass(frozen=True)
class ZeroTest:
    """IF(x=0,"通过","不符"): the status of one check."""

    value: Expr
    yes: str = PASS
    no: str = FAIL

    def text(self) -> str:
        return f'IF({self.value.text()}=0,"{self.yes}","{self.no}")'

    def evaluate(self, lookup: Lookup) -> Value:
        return self.yes if as_number(self.value.evaluate(lookup)) == 0 else self.no


@dataclass(frozen=True)
class Verdict:
    """IF(COUNTIF(r,"不符")=0,"全部通过","有"&COUNTIF(r,"不符")&"项不符"): a whole column of statuses."""

    statuses: Ref
    bad: str = FAIL
    good_text: str = "全部通过"

    def _count(self) -> str:
        return f'COUNTIF({self.statuses.text()},"{self.bad}")'

    def text(self) -> str:
        return f'IF({self._count()}=0,"{self.good_text}","有"&{self._count()}&"项{self.bad}")'

    def evaluate(self, lookup: Lookup) -> Value:
        count = sum(1 for v in self.statuses.values(lookup) if v == self.bad)
        return self.good_text if count == 0 else f"有{count}项{self.bad}"


class Calc:
    """Every cell a writer put down, by (sheet, address): typed values and formulas.

    ``results()`` evaluates the formulas (dependencies first, whatever the writing order) and
    returns the values to cache in the file.
    """

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], Value] = {}
        self._formulas: dict[tuple[str, str], Expr] = {}

    def value(self, sheet: str, address: str, value: Value) -> None:
        """Record a typed value."""
        self._values[(sheet, address)] = value

    def formula(self, sheet: str, address: str, expr: Expr) -> str:
        """Record a formula; returns the text to put in the cell ("=SUM(D4:I4)")."""
        self._formulas[(sheet, address)] = expr
        return "=" + expr.text()

    def texts_as_text(self, book) -> None:
        """Every cell of `book` that holds text but was not recorded as a formula is stored as text:
        an agency or file name starting with "=" never becomes a live formula (=HYPERLINK …)."""
        for ws in book.worksheets:
            for cell in ws._cells.values():  # noqa: SLF001 - only the cells that exist
                if cell.data_type == "f" and (ws.title, cell.coordinate) not in self._formulas:
                    cell.data_type = "s"

    @property
    def values(self) -> dict[tuple[str, str], Value]:
        """The typed values recorded, by (sheet, address)."""
        return dict(self._values)

    @property
    def formulas(self) -> dict[tuple[str, str], Expr]:
        """The formulas recorded, by (sheet, address)."""
        return dict(self._formulas)

    def results(self, values: dict[tuple[str, str], Value] | None = None) -> dict[str, dict[str, Value]]:
        """The computed value of every formula cell: sheet -> address -> value.

        ``values`` (by (sheet, address)), when given, replaces the typed values recorded: the same
        formulas over another report's figures.
        """
        known = self._values if values is None else values
        memo: dict[tuple[str, str], Value] = {}
        out: dict[str, dict[str, Value]] = {}
        for sheet, address in self._formulas:
            out.setdefault(sheet, {})[address] = self._evaluate(sheet, address, known, memo, ())
        return out

    def _evaluate(self, sheet: str, address: str, known: dict, memo: dict, path: tuple) -> Value:
        key = (sheet, address)
        if key in memo:
            return memo[key]
        if key not in self._formulas:
            return known.get(key)
        if key in path:
            raise ValueError(f"circular reference at {sheet}!{address}")

        def lookup(other: str | None, cell: str) -> Value:
            return self._evaluate(other or sheet, cell, known, memo, path + (key,))

        memo[key] = self._formulas[key].evaluate(lookup)
        return memo[key]
