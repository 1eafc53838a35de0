"""The report model: one report's figures and narrative, keyed by the edition's ids.

Typed figures only; every total is computed here from them, never stored.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from decimal import Decimal
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from ..editions import Edition, get as get_edition
from ..editions.types import TOTAL, Kind

YUAN, WAN = "元", "万元"
YUAN_PER_WAN = 10000
# Enough digits that no realistic amount of money is ever rounded.
_EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.InvalidOperation])


def yuan_to_wan(value: Decimal) -> Decimal:
    """An amount in 元 in 万元, exactly: the one conversion between the two units."""
    return _EXACT.divide(Decimal(value), YUAN_PER_WAN)

# Bounds on figures, so every figure fits a spreadsheet cell exactly (15 significant digits) and
# the Word report and the workbook always show the same number.
MAX_COUNT_DIGITS = 9  # up to 999,999,999
MAX_MONEY_DIGITS = 12  # digits before the decimal point
MAX_MONEY_DECIMALS = 6  # digits after it (trailing zeros not counted): 元 with 分 written in 万元
MAX_SIGNIFICANT = 15  # what a spreadsheet cell holds exactly
_MAX_EXPONENT_DIGITS = 4  # 1e400 is looked at; 1e99999999 is refused from its text alone


def count_problem(text: str) -> str | None:
    """Why a whole number written as `text` is out of bounds, or None."""
    digits = text.strip().lstrip("+-").lstrip("0")
    if len(digits) > MAX_COUNT_DIGITS:
        return f"数字过大（{len(digits)} 位），件数不应超过 {MAX_COUNT_DIGITS} 位"
    return None


def money_problem(value: "Decimal | str") -> str | None:
    """Why an amount is out of bounds (digits before or after the decimal point), or None.

    A string is checked before it is made a Decimal, so a huge exponent costs nothing.
    """
    if isinstance(value, str):
        exponent = re.search(r"[eE]([-+]?)0*([0-9]*)$", value.strip())
        if exponent and len(exponent.group(2)) > _MAX_EXPONENT_DIGITS:
            return _money_bounds(f"指数过{'小' if exponent.group(1) == '-' else '大'}")
        try:
            value = Decimal(value.strip())
        except Exception:  # noqa: BLE001 - callers have matched the text already
            return None
    if not value.is_finite():
        return _money_bounds("不是有限的数")
    sign, digits, exp = value.as_tuple()
    digits = tuple(digits)
    while len(digits) > 1 and digits[-1] == 0:  # 25.10 has one decimal, 1E+3 no fraction
        digits, exp = digits[:-1], exp + 1
    if digits == (0,):
        return None
    whole = len(digits) + exp
    if whole > MAX_MONEY_DIGITS:
        return _money_bounds(f"整数部分 {whole} 位")
    if -exp > MAX_MONEY_DECIMALS:
        return _money_bounds(f"小数部分 {-exp} 位")
    if len(digits) > MAX_SIGNIFICANT:
        return _money_bounds(f"共 {len(digits)} 位有效数字，电子表格只能精确保存 {MAX_SIGNIFICANT} 位")
    return None


def _money_bounds(what: str) -> str:
    return f"金额超出范围（{what}）：整数部分最多 {MAX_MONEY_DIGITS} 位，小数部分最多 {MAX_MONEY_DECIMALS} 位，合计最多 {MAX_SIGNIFICANT} 位"


DEFAULT_UNIT = "万元"  # the unit of an amount written without one (input contract)


class Amount(BaseModel):
    """An exact amount with the unit it was written with ("" means 万元, the table's unit)."""

    model_config = ConfigDict(frozen=True)

    value: Decimal
    unit: str = ""

    @property
    def text(self) -> str:
        return format_decimal(self.value) + self.unit

    def __eq__(self, other: object) -> bool:
        """Equal amounts: the same number in the same unit, a bare amount being in 万元."""
        if not isinstance(other, Amount):
            return NotImplemented
        return self.value == other.value and (self.unit or DEFAULT_UNIT) == (other.unit or DEFAULT_UNIT)

    def __hash__(self) -> int:
        return hash((self.value, self.unit or DEFAULT_UNIT))

    @property
    def shown(self) -> str:
        """As printed in a table: always with its unit (an amount written bare is in 万元)."""
        return format_decimal(self.value) + (self.unit or DEFAULT_UNIT)

    @property
    def wan(self) -> Decimal:
        """The amount in 万元."""
        return yuan_to_wan(self.value) if self.unit == YUAN else self.value


class Section(BaseModel):
    title: str
    text: str = ""


class Overview(BaseModel):
    intro: str = ""
    sections: list[Section] = Field(default_factory=list)


ActiveValue = int | Decimal | Amount


class Report(BaseModel):
    """A report as typed by a clerk: figures by edition id, narrative as plain text."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    edition: int
    agency: str
    year: int
    date: dt.date | None = None
    title: str = ""
    preamble: str = ""
    overview: Overview = Field(default_factory=Overview)
    # table 二: row id -> field id -> value
    active: dict[str, dict[str, ActiveValue]] = Field(default_factory=dict)
    # table 三: row id ("received", "refused.state_secret") -> six counts
    applications: dict[str, list[int]] = Field(default_factory=dict)
    # table 四: group id -> four counts
    reviews: dict[str, list[int]] = Field(default_factory=dict)
    problems: str = ""
    other_matters: str = ""

    # -- the edition and defaults ----------------------------------------------------
    @cached_property
    def spec(self) -> Edition:
        return get_edition(self.edition)

    @property
    def display_title(self) -> str:
        return self.title or f"{self.agency}{self.year}年政府信息公开工作年度报告"

    # -- table 二 --------------------------------------------------------------------------
    def active_value(self, row_id: str, field_id: str) -> ActiveValue:
        value = self.active.get(row_id, {}).get(field_id)
        if value is not None:
            return value
        kind = next(f.kind for b, r in self.spec.active_rows if r.id == row_id for f in b.fields if f.id == field_id)
        return zero_of(kind)

    # -- table 三 --------------------------------------------------------------------------
    def row(self, row_id: str) -> list[int]:
        """A table-三 row's six typed counts (zeros when the row was left out)."""
        return list(self.applications.get(row_id) or [0] * len(self.spec.applicants))

    def row_total(self, row_id: str) -> int:
        """The 总计 column of a typed row."""
        return sum(self.row(row_id))

    def results_total(self) -> list[int]:
        """（七）总计: the sum of every result row, per applicant column."""
        out = [0] * len(self.spec.applicants)
        for row in self.spec.result_rows:
            out = [a + b for a, b in zip(out, self.row(row.id))]
        return out

    def row_with_total(self, row_id: str) -> list[int]:
        values = self.results_total() if row_id == TOTAL else self.row(row_id)
        return values + [sum(values)]

    # -- table 四 --------------------------------------------------------------------------
    def review(self, group_id: str) -> list[int]:
        return list(self.reviews.get(group_id) or [0] * len(self.spec.review_results))

    def review_with_total(self, group_id: str) -> list[int]:
        values = self.review(group_id)
        return values + [sum(values)]


def zero_of(kind: Kind) -> ActiveValue:
    if kind is Kind.MONEY:
        return Decimal(0)
    if kind is Kind.AMOUNT:
        return Amount(value=Decimal(0))
    return 0


def format_decimal(value: Decimal) -> str:
    """A decimal as written: no exponent, no float rounding (4166.241619 stays 4166.241619)."""
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def display_value(value: ActiveValue) -> str:
    """A table-二 value as the filing prints it: an amount with its unit, anything else as written."""
    return value.shown if isinstance(value, Amount) else format_value(value)


def format_value(value: ActiveValue) -> str:
    if isinstance(value, Amount):
        return value.text
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


_ASCII_EDGE = re.compile(r"[A-Za-z0-9]")


def paragraphs(text: str) -> list[str]:
    """Blank-line-separated paragraphs; the lines inside one paragraph are joined."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        joined = lines[0]
        for line in lines[1:]:
            gap = " " if _ASCII_EDGE.match(joined[-1]) and _ASCII_EDGE.match(line[0]) else ""
            joined += gap + line
        out.append(joined)
    return out
