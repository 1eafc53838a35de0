"""Shared types that describe one national edition of the report format.

An edition is pure data: the official labels, the English ids of the input file, the merged
layout of the tables and the consistency rules. Loader, checks, Word template, workbook and
importers all read these objects; none of them knows an edition by its number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    """What a table-二 cell holds."""

    COUNT = "count"  # non-negative integer
    CHANGE = "change"  # integer, may be negative (2019 本年增/减)
    MONEY = "money"  # exact non-negative decimal, in 万元
    AMOUNT = "amount"  # exact decimal with an optional unit (元 / 万元) as written


@dataclass(frozen=True)
class Field:
    """One value column of a table-二 block."""

    id: str
    label: str
    kind: Kind = Kind.COUNT


@dataclass(frozen=True)
class ActiveRow:
    """One row of table 二 (信息内容 column), e.g. 规章.

    A row with ``scalar=True`` is written as a bare value in the input file
    (``licensing: 0``) instead of a mapping of its fields.
    """

    id: str
    label: str
    aliases: tuple[str, ...] = ()
    scalar: bool = False


@dataclass(frozen=True)
class ActiveBlock:
    """A 第二十条第（X）项 block of table 二: its value columns and its rows."""

    label: str
    fields: tuple[Field, ...]
    rows: tuple[ActiveRow, ...]


@dataclass(frozen=True)
class Applicant:
    """A data column of table 三 (申请人情况)."""

    id: str
    label: str
    legal_person: bool  # under 法人或其他组织


@dataclass(frozen=True)
class AppRow:
    """A row of table 三 that holds six typed counts.

    ``key`` is its path below ``applications`` in the input file, e.g. ("refused", "state_secret").
    """

    key: tuple[str, ...]
    label: str
    aliases: tuple[str, ...] = ()
    short: str = ""  # a shorter label for messages (一、本年新收)

    @property
    def id(self) -> str:
        return ".".join(self.key)

    @property
    def short_label(self) -> str:
        return self.short or self.label


@dataclass(frozen=True)
class AppGroup:
    """A group of rows in table 三, e.g. （三）不予公开 with its eight reasons."""

    id: str
    label: str
    rows: tuple[AppRow, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewGroup:
    """One group of four figures in table 四 (行政复议, or one kind of 行政诉讼)."""

    id: str
    label: str  # the group's own header: 行政复议 / 未经复议直接起诉 / 复议后起诉
    parent: str = ""  # the header above it, shared with its neighbours (行政诉讼), or "" for none
    aliases: tuple[str, ...] = ()

    @property
    def full_label(self) -> str:
        """For messages: 行政诉讼 · 未经复议直接起诉."""
        return f"{self.parent} · {self.label}" if self.parent else self.label


PER_COLUMN, PER_ROW = "column", "row"
TOTAL = "total"  # the id of 总计: table 三's （七）总计 row, and the 总计 column of tables 三 and 四


@dataclass(frozen=True)
class Rule:
    """A consistency rule (勾稽关系): its text as the reference states it and, for the rules within
    one table, its equation as data.

    ``per`` says how the equation repeats: for every column (its sides list row ids: a table-三
    row, a group id standing for all of the group's rows, or ``TOTAL`` for （七）总计) or for every
    row (its sides list column ids: applicant or review-result ids, or ``TOTAL`` for 总计; the rows
    of table 四 are its groups). A rule whose left side is ``(TOTAL,)`` defines that total: docgen
    computes the total by it, so it can only fail against a total a document states.
    """

    id: str
    level: str  # "error" or "warning"
    table: str
    text: str
    per: str = ""  # PER_COLUMN, PER_ROW, or "" for a rule that is not one table's equation
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    right_text: str = ""  # how a message names the right side when listing it would be too long
    note: str = ""  # appended to a finding's message, e.g. the sentence printed in the table
    previous_year: bool = False  # the right side is read from last year's report (R5)

    @property
    def defines_total(self) -> bool:
        return self.left == (TOTAL,)


@dataclass(frozen=True)
class Carried:
    """A table-二 figure that continues last year's (现行有效件数, 上一年项目数量).

    Next year's draft (rollover) starts it from the sum of last year's ``from_last`` fields; with
    ``added``/``removed`` and a ``rule``, it is checked across years: this year's value = last
    year's ``from_last`` + ``added`` − ``removed``.
    """

    field: str
    from_last: tuple[str, ...]
    added: str = ""
    removed: str = ""
    rule: str = ""


@dataclass(frozen=True)
class Narrative:
    """A narrative part of the report: a 一…六 section or the title matter."""

    id: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edition:
    """Everything docgen knows about one edition of the national format."""

    id: int
    document: str  # 国办公开办函〔2021〕30号
    title: str
    years: str  # human description of the report years it serves
    first_year: int
    last_year: int | None
    active_blocks: tuple[ActiveBlock, ...]
    # Table 三
    applicants: tuple[Applicant, ...]
    intake_rows: tuple[AppRow, ...]  # 一、本年新收 / 二、上年结转
    result_items: tuple[AppRow | AppGroup, ...]  # under 三、本年度办理结果, before （七）总计
    carried_out: AppRow  # 四、结转下年度继续办理
    # Table 四
    review_groups: tuple[ReviewGroup, ...]
    review_results: tuple[Field, ...]
    rules: tuple[Rule, ...]
    carried: tuple[Carried, ...] = ()  # table-二 figures that continue last year's
    overview_limit: int | None = None  # 一、总体情况: 篇幅原则上不超过 this many characters
    other_matters_default: str = "本年度无其他需要报告的事项。"  # 六、其他需要报告的事项 in a new input file
    extra_aliases: dict[str, str] = field(default_factory=dict)

    # -- derived views --------------------------------------------------------------
    @property
    def active_rows(self) -> tuple[tuple[ActiveBlock, ActiveRow], ...]:
        return tuple((b, r) for b in self.active_blocks for r in b.rows)

    @property
    def result_rows(self) -> tuple[AppRow, ...]:
        """Leaf rows under 三、本年度办理结果, in table order (excluding （七）总计)."""
        out: list[AppRow] = []
        for item in self.result_items:
            out.extend(item.rows if isinstance(item, AppGroup) else (item,))
        return tuple(out)

    @property
    def app_rows(self) -> tuple[AppRow, ...]:
        """Every typed row of table 三 in table order."""
        return self.intake_rows + self.result_rows + (self.carried_out,)

    @property
    def received(self) -> AppRow:
        """一、本年新收政府信息公开申请数量."""
        return self.intake_rows[0]

    @property
    def carried_in(self) -> AppRow:
        """二、上年结转政府信息公开申请数量."""
        return self.intake_rows[1]

    @property
    def granted(self) -> AppRow:
        """（一）予以公开: the first result row."""
        return self.result_rows[0]

    @property
    def partly_granted(self) -> AppRow:
        """（二）部分公开: the second result row."""
        return self.result_rows[1]

    def app_row(self, row_id: str) -> AppRow:
        for row in self.app_rows:
            if row.id == row_id:
                return row
        raise KeyError(row_id)

    def group_of(self, row: AppRow) -> AppGroup | None:
        for item in self.result_items:
            if isinstance(item, AppGroup) and row in item.rows:
                return item
        return None

    def app_row_path(self, row: AppRow) -> str:
        """The row's official label path, for messages: 三、本年度办理结果 · （三）不予公开 · 1.属于国家秘密."""
        if row in self.intake_rows or row is self.carried_out:
            return row.label
        group = self.group_of(row)
        parts = [RESULTS_LABEL] + ([group.label] if group else []) + [row.label]
        return " · ".join(parts)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def serves(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)


# Labels shared by both editions -------------------------------------------------------
TABLE_2 = "表二"
TABLE_3 = "表三"
TABLE_4 = "表四"
RESULTS_LABEL = "三、本年度办理结果"
TOTAL_ROW_LABEL = "（七）总计"
TOTAL_LABEL = "总计"
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
LEGAL_PERSON_HEADER = "法人或其他组织"
ACTIVE_ROW_HEADER = "信息内容"
REVIEW_HEADER = "行政复议"
LITIGATION_HEADER = "行政诉讼"
