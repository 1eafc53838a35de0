"""The 勾稽 rules of an edition spelled out as equations over grid paths.

A rule (``types.Rule``) holds for every column or every row of a table; here it is repeated
over the table's columns or rows, each side becoming a list of terms, each term one cell or a
group's cells, named by the grid paths of ``grid.py``. The Python check, the workbook's 校验
sheet and the roll-up's 总览 status are all written from these equations.
"""

from __future__ import annotations

from dataclasses import dataclass

from .grid import SECTIONS
from .types import (
    PER_COLUMN,
    RESULTS_LABEL,
    TABLE_3,
    TABLE_4,
    TOTAL,
    TOTAL_LABEL,
    TOTAL_ROW_LABEL,
    AppGroup,
    Edition,
    Rule,
)


@dataclass(frozen=True)
class Term:
    """One term of a side: a cell, or the cells of a group of rows (added up), with its label."""

    label: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Equation:
    """One instance of a rule: in one column or one row, left side = right side."""

    rule: Rule
    where: str  # official labels: 表三 · 自然人列
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    line_key: str  # the input file's key whose line a finding points at (applications.received)
    fallback_key: str = ""  # used when line_key was not written

    @property
    def cells(self) -> tuple[str, ...]:
        """Every cell the equation involves, left side first."""
        return tuple(p for term in self.left + self.right for p in term.paths)


@dataclass(frozen=True)
class _Axis:
    """A table's rows or columns: id -> (label, the leaf ids it stands for), in table order."""

    items: dict[str, tuple[str, tuple[str, ...]]]
    order: tuple[str, ...]  # the leaf ids a rule repeats over
    names: dict[str, str]  # leaf id -> how a finding's location names it


def table_rules(edition: Edition) -> tuple[Rule, ...]:
    """The edition's rules that are equations within one table of one report (R1–R4)."""
    return tuple(rule for rule in edition.rules if rule.per and not rule.previous_year)


def cross_year_rules(edition: Edition) -> tuple[Rule, ...]:
    """The edition's equations between this year's report and last year's (R5)."""
    return tuple(rule for rule in edition.rules if rule.per and rule.previous_year)


_EQUATIONS: dict[tuple[int, str], tuple[Edition, tuple[Equation, ...]]] = {}  # (id(edition), rule id) -> (edition, equations)


def equations(edition: Edition, rule: Rule) -> tuple[Equation, ...]:
    """Every instance of a table rule, in table order (derived once per edition and rule: the
    web editor checks on every keystroke)."""
    cached = _EQUATIONS.get((id(edition), rule.id))
    if cached is not None and cached[0] is edition and cached[1] and cached[1][0].rule is rule:
        return cached[1]
    found = _equations(edition, rule)
    _EQUATIONS[(id(edition), rule.id)] = (edition, found)
    return found


def _equations(edition: Edition, rule: Rule) -> tuple[Equation, ...]:
    rows, cols = _axes(edition, rule.table)
    section = SECTIONS[rule.table]
    out = []
    along, across = (rows, cols) if rule.per == PER_COLUMN else (cols, rows)
    for index, leaf in enumerate(across.order):

        def side(ids: tuple[str, ...]) -> tuple[Term, ...]:
            terms = []
            for item in ids:
                label, leaves = along.items[item]
                if rule.per == PER_COLUMN:
                    paths = tuple(f"{section}.{r}.{index}" for r in leaves)
                else:
                    paths = tuple(f"{section}.{leaf}.{cols.order.index(c)}" for c in leaves)
                terms.append(Term(label, paths))
            return tuple(terms)

        left_label = along.items[rule.left[0]][0] if rule.defines_total else ""
        if rule.per == PER_COLUMN:
            parts = [rule.table, left_label, f"{across.names[leaf]}列"]
            line_key = f"{section}.{rule.left[0]}"
        else:
            parts = [rule.table, across.names[leaf], left_label]
            line_key = f"{section}.{leaf}"
        where = " · ".join(p for p in parts if p)
        fallback = section if rule.per == PER_COLUMN else ""
        out.append(Equation(rule, where, side(rule.left), side(rule.right), line_key, fallback))
    return tuple(out)


def _axes(edition: Edition, table: str) -> tuple[_Axis, _Axis]:
    if table == TABLE_3:
        rows: dict[str, tuple[str, tuple[str, ...]]] = {}
        names: dict[str, str] = {}
        for row in edition.app_rows:
            rows[row.id] = (row.short_label, (row.id,))
            names[row.id] = edition.app_row_path(row)
        for item in edition.result_items:
            if isinstance(item, AppGroup):
                rows[item.id] = (item.label, tuple(r.id for r in item.rows))
        rows[TOTAL] = (TOTAL_ROW_LABEL, (TOTAL,))
        names[TOTAL] = f"{RESULTS_LABEL} · {TOTAL_ROW_LABEL}"
        order = tuple(r.id for r in edition.intake_rows + edition.result_rows) + (TOTAL, edition.carried_out.id)
        cols = {a.id: (a.label, (a.id,)) for a in edition.applicants}
        cols[TOTAL] = (TOTAL_LABEL, (TOTAL,))
        col_order = tuple(cols)
        return _Axis(rows, order, names), _Axis(cols, col_order, {c: cols[c][0] for c in col_order})
    if table == TABLE_4:
        groups = {g.id: (g.full_label, (g.id,)) for g in edition.review_groups}
        cols = {f.id: (f.label, (f.id,)) for f in edition.review_results}
        cols[TOTAL] = (TOTAL_LABEL, (TOTAL,))
        col_order = tuple(cols)
        return _Axis(groups, tuple(groups), {g: groups[g][0] for g in groups}), _Axis(cols, col_order, {c: cols[c][0] for c in col_order})
    raise ValueError(f"no equations over {table}")
