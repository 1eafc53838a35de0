"""Table rows → the edition's figures, by the official labels (never by position).

Rows are matched by their last label cell (the most specific one: 1.属于国家秘密 rather than
（三）不予公开), compared in a normalised form that ignores spacing, full/half-width forms, quotes
and enumerator styles, with a close-match fallback for typing slips. Blank, "/" and "—" cells
count as 0. Printed totals are kept as `Stated` so the checks can compare them with the sums.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from .. import editions
from ..rules.checks import Stated
from ..editions import Edition
from ..editions.types import (
    ACTIVE_ROW_HEADER,
    APPLICANT_HEADER,
    LEGAL_PERSON_HEADER,
    LITIGATION_HEADER,
    RESULTS_LABEL,
    REVIEW_HEADER,
    TABLE_2,
    TABLE_3,
    TABLE_4,
    TOTAL_LABEL,
    TOTAL_ROW_LABEL,
    ActiveBlock,
    ActiveRow,
    AppGroup,
    AppRow,
    Kind,
)
from ..report.model import YUAN, Amount, count_problem, format_decimal, money_problem, yuan_to_wan
from .cells import Block, Row, Value, bare, clean, is_separator, value

TOTAL = "total"
FUZZY_CUTOFF = 0.85
BLOCK_PREFIX = clean("第二十条")


@dataclass
class Figures:
    """What the tables of a document say, in the edition's ids."""

    active: dict[str, dict] = field(default_factory=dict)
    applications: dict[str, list[int]] = field(default_factory=dict)
    reviews: dict[str, list[int]] = field(default_factory=dict)
    stated: Stated = field(default_factory=Stated)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (where, what)
    found: set[str] = field(default_factory=set)  # "active", "applications", "reviews"


def detect_edition(blocks: list[Block]) -> Edition | None:
    """The edition whose own labels (those the other edition lacks) the tables use most."""
    texts = {clean(part) for block in blocks if isinstance(block, Row) for cell in block.cells for part in _parts(cell)}
    texts |= {bare(t) for t in texts}
    hits = {e.id: len(_markers(e) & texts) for e in editions.EDITIONS.values()}
    best = max(hits.values())
    winners = [e for e, n in hits.items() if n == best]
    return editions.get(winners[0]) if best and len(winners) == 1 else None


def _markers(edition: Edition) -> set[str]:
    others = set()
    for other in editions.EDITIONS.values():
        if other.id != edition.id:
            others |= _label_forms(other, aliases=True)
    common = {clean(a.label) for a in edition.applicants} | {clean(f.label) for f in edition.review_results}
    return {f for f in _label_forms(edition, aliases=False) - others - common if len(f) >= 3}


def _label_forms(edition: Edition, aliases: bool) -> set[str]:
    names: list[str] = []
    for block, row in edition.active_rows:
        names += [row.label, *(row.aliases if aliases else ())] + [f.label for f in block.fields]
    for row in edition.app_rows:
        names += [row.label, *(row.aliases if aliases else ())]
    names += [item.label for item in edition.result_items if isinstance(item, AppGroup)]
    return {clean(n) for n in names} | {bare(clean(n)) for n in names}


def _parts(cell: str) -> list[str]:
    """A label cell split at " / " (flattened headers such as 三、本年度办理结果 / （一）予以公开)."""
    return [p for p in (part.strip() for part in cell.split(" / ")) if p]


def read_figures(blocks: list[Block], edition: Edition) -> Figures:
    """Every figure of tables 二, 三 and 四 that the rows state, with warnings for doubtful cells."""
    reader = _Reader(edition)
    for block in blocks:
        if isinstance(block, Row):
            reader.row(block)
    return reader.finish()


class _Reader:
    """Reads rows one by one, remembering the context a row needs: the last table-二 header,
    the table holding table 四's headers, and the grid columns of table 三's headers."""

    def __init__(self, edition: Edition):
        self.spec = edition
        self.applicants, self.results = len(edition.applicants), len(edition.review_results)  # table sizes
        self.out = Figures()
        self.index = _index(edition)
        self.header: list[str] | None = None  # table 二 column labels after 信息内容
        self.review_table: int | None = None
        self.subtotals: dict[str, tuple[list[Value], str]] = {}
        self.grid: dict[int, dict[str, int]] = {}  # table -> applicant/总计 header label -> grid column

    def warn(self, where: str, what: str) -> None:
        self.out.warnings.append((where, what))

    # -- one row ------------------------------------------------------------------------------
    def row(self, row: Row) -> None:
        if is_separator(row.cells) or not any(cell.strip() for cell in row.cells):
            return
        if row.columns is not None:
            self.learn_columns(row)
        labels, values = _split(row.cells)
        if self.context(row, [clean(label) for label in labels]):
            return
        if len(values) >= 3 * self.results and len(labels) <= 1 and row.table == self.review_table and not all(v.blank for v in values):
            self.reviews_row(values)
            return
        if not labels or not values:
            return
        target = self.match(labels[-1])
        if target is None:
            if len(values) >= self.applicants and any(not v.blank for v in values) and "applications" in self.out.found:
                self.warn(TABLE_3, f"未识别的行“{labels[-1]}”，已忽略")
        elif isinstance(target, tuple):
            self.active_row(*target, values)
        elif isinstance(target, AppGroup):
            self.subtotals.setdefault(target.id, (self.by_columns(row) or values, target.label))
        else:
            self.app_row(target, self.by_columns(row) or values)

    def context(self, row: Row, forms: list[str]) -> bool:
        """Note header rows (信息内容…, 第二十条…, 行政复议/行政诉讼); True when the row is only a header."""
        if forms and forms[0] == clean(ACTIVE_ROW_HEADER):
            self.header = forms[1:]
            return True
        if forms and forms[0].startswith(BLOCK_PREFIX):
            self.header = None
        if any(f.startswith(clean(REVIEW_HEADER)) for f in forms) and any(clean(LITIGATION_HEADER) in f for f in forms):
            self.review_table = row.table
        return False

    def learn_columns(self, row: Row) -> None:
        """Remember where the applicant and 总计 column headers of table 三 stand."""
        names = [clean(a.label) for a in self.spec.applicants] + [clean(TOTAL_LABEL)]
        grid = self.grid.setdefault(row.table, {})
        for cell, column in zip(row.cells, row.columns or ()):
            if clean(cell) in names:
                grid.setdefault(clean(cell), column)

    def by_columns(self, row: Row) -> list[Value] | None:
        """The row's figures under the applicant and 总计 headers, when the table's grid is known."""
        names = [clean(a.label) for a in self.spec.applicants] + [clean(TOTAL_LABEL)]
        grid = self.grid.get(row.table, {})
        if row.columns is None or not all(n in grid for n in names):
            return None
        out = []
        for name in names:
            at = max((j for j, start in enumerate(row.columns) if start <= grid[name]), default=None)
            cell = value(row.cells[at]) if at is not None else None
            if cell is None:
                return None
            out.append(cell)
        return out

    def match(self, label: str):
        form = clean(label)
        for key in (form, bare(form)):
            if key in self.index:
                return self.index[key]
        if len(bare(form)) >= 4:
            close = difflib.get_close_matches(form, list(self.index), n=1, cutoff=FUZZY_CUTOFF)
            if close:
                target = self.index[close[0]]
                self.fuzzy_note(label, target)
                return target
        return None

    def fuzzy_note(self, label: str, target) -> None:
        """A warning naming the label found by a close match and the official one it was read as."""
        if isinstance(target, tuple):
            where, official = f"{TABLE_2} · {target[0].label} · {target[1].label}", target[1].label
        elif isinstance(target, AppGroup):
            where, official = f"{TABLE_3} · {RESULTS_LABEL} · {target.label}", target.label
        elif target == TOTAL:
            where, official = self.row_label(TOTAL), TOTAL_ROW_LABEL
        else:
            where, official = self.row_label(target), target.label
        self.warn(where, f"原文标签为“{' '.join(label.split())}”，与官方标签不完全一致，按“{official}”读取")

    # -- table 二 ---------------------------------------------------------------------------------
    def active_row(self, block: ActiveBlock, row: ActiveRow, values: list[Value]) -> None:
        where = f"{TABLE_2} · {block.label} · {row.label}"
        if row.id in self.out.active:
            self.warn(where, "重复出现，已采用第一处的数字")
            return
        fields = self.columns(block)
        values = _trim(values, len(fields))
        if len(values) > len(fields):
            self.warn(where, f"有 {len(values)} 个数，格式中只有 {len(fields)} 栏，只读取前 {len(fields)} 个")
        elif len(values) < len(fields):
            missing = "、".join(f.label for f, _ in fields[len(values) :])
            self.warn(where, f"只有 {len(values)} 个数，格式中有 {len(fields)} 栏；{missing}按 0 计")
        cells = {}
        for (fld, header), cell in zip(fields, values):
            number = self.active_value(fld.kind, cell, header, f"{where} · {fld.label}")
            if number is not None:
                cells[fld.id] = number
        self.out.active[row.id] = cells
        self.out.found.add("active")

    def columns(self, block: ActiveBlock):
        """The block's fields in the order the last 信息内容 header row gives, else the official order."""
        official = [(f, clean(f.label)) for f in block.fields]
        if not self.header:
            return official
        by_form = {clean(f.label): f for f in block.fields}
        ordered = []
        for text in self.header:
            close = difflib.get_close_matches(text, list(by_form), n=1, cutoff=0.8)
            if not close:
                return official
            ordered.append((by_form[close[0]], text))
        if len({f.id for f, _ in ordered}) != len(ordered):
            return official
        return ordered

    def active_value(self, kind: Kind, cell: Value, header: str, where: str):
        bounds = self.bounds(kind, cell)
        if bounds:
            self.warn(where, f"{bounds}，已按 0 读取")
            return Amount(value=Decimal(0)) if kind is Kind.AMOUNT else Decimal(0) if kind is Kind.MONEY else 0
        if kind is Kind.AMOUNT:
            unit = cell.unit if cell.unit in ("元", "万元") else ("元" if "元" in header and "万元" not in header else "")
            if cell.number < 0:
                self.warn(where, f"金额为负数（{format_decimal(cell.number)}），已按 0 读取")
                return Amount(value=Decimal(0))
            return Amount(value=cell.number, unit=unit)
        if kind is Kind.MONEY:
            number = cell.number
            if cell.unit == YUAN:
                number = yuan_to_wan(number)
                self.warn(where, f"原表写作 {format_decimal(cell.number)}元，已换算为 {format_decimal(number)} 万元")
            if number < 0:
                self.warn(where, f"金额为负数（{format_decimal(number)}），已按 0 读取")
                return Decimal(0)
            return number
        if not cell.is_integer or (kind is Kind.COUNT and cell.number < 0):
            self.warn(where, f"应为{'整数' if kind is Kind.CHANGE else '非负整数'}，原表为 {format_decimal(cell.number)}，已按 0 读取")
            return 0
        return int(cell.number)

    # -- table 三 ---------------------------------------------------------------------------------
    def app_row(self, row: AppRow | str, values: list[Value]) -> None:
        label = self.row_label(row)
        row_id = TOTAL if row == TOTAL else row.id
        if row_id in self.out.applications or (row_id == TOTAL and self.out.stated.results_total is not None):
            self.warn(label, "重复出现，已采用第一处的数字")
            return
        values = _trim(values, self.applicants + 1)
        if len(values) < self.applicants:
            self.warn(label, f"只有 {len(values)} 个数（应为 {self.applicants} 列加总计），未读取，按 0 计")
            return
        if len(values) > self.applicants + 1:
            self.warn(label, f"有 {len(values)} 个数，格式中只有 {self.applicants} 列加总计，只读取前 {self.applicants + 1} 个")
        columns = [a.label for a in self.spec.applicants]
        total = values[self.applicants] if len(values) > self.applicants else None
        if row_id == TOTAL:
            self.out.stated.results_total = [self.printed(v, f"{label} · {c}") for v, c in zip(values, columns)]
        else:
            self.out.applications[row_id] = [self.count(v, f"{label} · {c}") or 0 for v, c in zip(values, columns)]
        if total is not None:
            printed = self.printed(total, f"{label} · {TOTAL_LABEL}")
            if printed is not None:
                self.out.stated.row_totals[row_id] = printed
        self.out.found.add("applications")

    def row_label(self, row: AppRow | str) -> str:
        if row == TOTAL:
            return f"{TABLE_3} · {RESULTS_LABEL} · {TOTAL_ROW_LABEL}"
        return f"{TABLE_3} · {self.spec.app_row_path(row)}"

    @staticmethod
    def bounds(kind: Kind, cell: Value) -> str | None:
        """Why a number is beyond what a report holds (see model.count_problem / money_problem), or None."""
        if kind in (Kind.AMOUNT, Kind.MONEY):
            return money_problem(cell.number)
        return count_problem(format(abs(cell.number).to_integral_value(), "f"))

    def count(self, cell: Value, where: str) -> int | None:
        bounds = self.bounds(Kind.COUNT, cell)
        if bounds:
            self.warn(where, f"{bounds}，已按 0 读取")
            return None
        if not cell.is_integer or cell.number < 0:
            self.warn(where, f"应为非负整数，原表为 {format_decimal(cell.number)}，已按 0 读取")
            return None
        return int(cell.number)

    def printed(self, cell: Value, where: str) -> int | None:
        """A printed total: None when left blank (not stated) or unreadable."""
        if cell.blank:
            return None
        return self.count(cell, where)

    # -- table 四 ---------------------------------------------------------------------------------
    def reviews_row(self, values: list[Value]) -> None:
        if "reviews" in self.out.found:
            return
        width = self.results + 1
        groups = self.spec.review_groups
        values = _trim(values, len(groups) * width)
        if len(values) == len(groups) * width:
            stride, totals = width, True
        elif len(values) == len(groups) * self.results:
            stride, totals = self.results, False
        else:
            self.warn(TABLE_4, f"数字行有 {len(values)} 个数，应为 {len(groups) * width} 个（三组各 {width} 个），未读取")
            return
        for i, group in enumerate(groups):
            chunk = values[i * stride : (i + 1) * stride]
            where = f"{TABLE_4} · {group.full_label}"
            self.out.reviews[group.id] = [self.count(v, f"{where} · {f.label}") or 0 for v, f in zip(chunk, self.spec.review_results)]
            if totals:
                printed = self.printed(chunk[-1], f"{where} · {TOTAL_LABEL}")
                if printed is not None:
                    self.out.stated.review_totals[group.id] = printed
        self.out.found.add("reviews")

    # -- after the last row ------------------------------------------------------------------------
    def finish(self) -> Figures:
        self.single_other_row()
        self.check_subtotals()
        self.blank_totals()
        return self.out

    def single_other_row(self) -> None:
        """A 2021 table with one （六）其他处理 row (the 2019 layout): its figures go to 3.其他."""
        for item in self.spec.result_items:
            if not (isinstance(item, AppGroup) and item.rows and item.id == "other" and item.id in self.subtotals):
                continue
            if any(r.id in self.out.applications for r in item.rows):
                continue
            values, label = self.subtotals.pop(item.id)
            target = item.rows[-1]
            self.app_row(target, values)
            if target.id in self.out.applications:
                for row in item.rows[:-1]:
                    self.out.applications[row.id] = [0] * self.applicants
                others = "、".join(r.label for r in item.rows[:-1])
                self.warn(
                    f"{TABLE_3} · {RESULTS_LABEL} · {item.label}",
                    f"原表只有一行“{label}”（2019版格式的行），没有{self.spec.id}版的分项；其数字计入“{target.label}”，{others}按 0 计，请核对",
                )

    def check_subtotals(self) -> None:
        for group_id, (values, label) in self.subtotals.items():
            group = next(i for i in self.spec.result_items if isinstance(i, AppGroup) and i.id == group_id)
            sums = [sum(self.out.applications.get(r.id, [0] * self.applicants)[c] for r in group.rows) for c in range(self.applicants)]
            sums.append(sum(sums))
            columns = [a.label for a in self.spec.applicants] + [TOTAL_LABEL]
            for cell, expected, column in zip(values, sums, columns):
                if not cell.blank and cell.number != expected:
                    self.warn(
                        f"{TABLE_3} · {RESULTS_LABEL} · {label} · {column}",
                        f"原表小计为 {format_decimal(cell.number)}，但各分项之和为 {expected}",
                    )

    def blank_totals(self) -> None:
        """Totals printed blank while the figures are not all zero: a warning, never a rule error."""
        stated = self.out.stated
        if stated.results_total is not None:
            computed = [sum(self.out.applications.get(r.id, [0] * self.applicants)[c] for r in self.spec.result_rows) for c in range(self.applicants)]
            for applicant, printed, value_ in zip(self.spec.applicants, stated.results_total, computed):
                if printed is None and value_:
                    self.warn(f"{TABLE_3} · {TOTAL_ROW_LABEL} · {applicant.label}列", f"原表为空（各项之和为 {value_}）")
        for row_id, counts in self.out.applications.items():
            if row_id not in stated.row_totals and sum(counts):
                where = f"{TABLE_3} · {self.spec.app_row_path(self.spec.app_row(row_id))} · {TOTAL_LABEL}"
                self.warn(where, f"原表总计栏为空（各列之和为 {sum(counts)}）")


def _split(cells: tuple[str, ...]) -> tuple[list[str], list[Value]]:
    """A row's label texts (up to its last label cell, split at " / ") and the values after them."""
    kinds = [(cell, value(cell)) for cell in cells]
    last = max((i for i, (_, v) in enumerate(kinds) if v is None), default=-1)
    labels = [part for cell, v in kinds[: last + 1] if v is None for part in _parts(cell)]
    return labels, [v for _, v in kinds[last + 1 :] if v is not None]


def _trim(values: list[Value], size: int) -> list[Value]:
    """Drop blank cells beyond `size`: trailing ones first (padding of flattened tables), then
    leading ones (empty label cells of a table whose label columns are not merged)."""
    values = list(values)
    while len(values) > size and values[-1].blank:
        values.pop()
    while len(values) > size and values[0].blank:
        values.pop(0)
    return values


def _index(edition: Edition) -> dict[str, object]:
    """Cleaned label forms → what they name: an AppRow, TOTAL, an AppGroup, or (block, ActiveRow)."""
    index: dict[str, object] = {}

    def add(names, target) -> None:
        for name in names:
            for form in (clean(name), bare(clean(name))):
                if form:
                    index.setdefault(form, target)

    for row in edition.app_rows:
        add((row.label, *row.aliases), row)
    add((TOTAL_ROW_LABEL,), TOTAL)
    for item in edition.result_items:
        if isinstance(item, AppGroup):
            add((item.label, *item.aliases), item)
    for block, row in edition.active_rows:
        add((row.label, *row.aliases), (block, row))
    own = {row.id: (block, row) for block, row in edition.active_rows}
    for other in editions.EDITIONS.values():
        for _, row in other.active_rows:
            if row.id in own:
                add((row.label, *row.aliases), own[row.id])
    headers = [TOTAL_LABEL, APPLICANT_HEADER, LEGAL_PERSON_HEADER, REVIEW_HEADER, LITIGATION_HEADER, ACTIVE_ROW_HEADER]
    headers += [a.label for a in edition.applicants] + [f.label for f in edition.review_results] + [g.label for g in edition.review_groups]
    for name in headers:  # column headers are never row labels
        index.pop(clean(name), None)
    return index
