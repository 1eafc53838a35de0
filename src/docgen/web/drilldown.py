"""Drill-down from a 汇总 figure to the agencies that make it up.

A figure is named by its grid path (``applications.received.0``, a total such as
``applications.total.6``, ``active.licensing.made``, ``reviews.review.3``); each part's value is
read with ``editions.grid.value_at`` from the very revision that was summed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from ..editions import Edition
from ..editions.grid import TABLE_2, TABLE_3, TOTAL_ROW, grids, place, value_at
from ..editions.types import TOTAL_LABEL, TOTAL_ROW_LABEL
from ..report.model import Amount, Report, format_value
from . import countyrollup
from .countyrollup import Part
from .portaldb import rollup_parts
from .service import WebError, loaded_of
from .store import Store

_CACHE: OrderedDict[tuple, list[tuple[Part, Report]]] = OrderedDict()
_CACHE_MAX = 2  # a 汇总 of 1,000 reports is read once, not on every click
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Line:
    """One agency's value of the figure."""

    agency: str
    report_id: int
    revision: int
    value: object
    shown: str

    @property
    def zero(self) -> bool:
        return magnitude(self.value) == 0


@dataclass(frozen=True)
class Drill:
    rollup_id: int
    path: str
    label: str
    total: object  # the 汇总 report's value
    shown_total: str
    lines: list[Line]
    agrees: bool  # the parts add up to the 汇总 value (they always do unless figures were changed by hand)

    @property
    def nonzero(self) -> int:
        return sum(1 for line in self.lines if not line.zero)


def figure_paths(spec: Edition) -> list[str]:
    """Every figure of tables 二, 三, 四: typed cells and computed totals, in table order."""
    return [c.path for g in grids(spec) for c in g.cells if c.path]


def cell_label(spec: Edition, path: str) -> str:
    """The official label of a figure: 表三 · 一、本年新收政府信息公开申请数量 · 自然人."""
    where = place(spec, path)
    if where.table == TABLE_2:
        for block, row in spec.active_rows:
            if row.id == where.row:
                column = next(f.label for f in block.fields if f.id == where.column)
                return f"{TABLE_2} · {row.label} · {column}"
    index = int(where.column)
    if where.table == TABLE_3:
        row = TOTAL_ROW_LABEL if where.row == TOTAL_ROW else spec.app_row_path(spec.app_row(where.row))
        column = spec.applicants[index].label if index < len(spec.applicants) else TOTAL_LABEL
        return f"{TABLE_3} · {row} · {column}"
    group = next(g for g in spec.review_groups if g.id == where.row)
    column = spec.review_results[index].label if index < len(spec.review_results) else TOTAL_LABEL
    return f"表四 · {group.full_label} · {column}"


def magnitude(value: object) -> Decimal:
    """A figure as a number (an amount in 万元), for ordering and adding."""
    if isinstance(value, Amount):
        return value.wan
    return Decimal(value) if isinstance(value, (int, Decimal)) else Decimal(0)


def _key(store: Store, rollup_id: int, parts: list[tuple[int, int]]) -> tuple:
    return (id(store), rollup_id, tuple(sorted(parts)))


def part_reports(store: Store, rollup_id: int) -> list[tuple[Part, Report]]:
    """The summed revisions of a 汇总's parts, loaded (the last two 汇总 are kept loaded)."""
    query = select(rollup_parts.c.report_id, rollup_parts.c.revision).where(rollup_parts.c.rollup_id == rollup_id)
    with store.engine.connect() as conn:
        key = _key(store, rollup_id, [(r.report_id, r.revision) for r in conn.execute(query)])
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    loaded = [(part, loaded_of(content).report) for part, content in countyrollup.recorded_parts(store, rollup_id)]
    remember(store, rollup_id, loaded)
    return loaded


def remember(store: Store, rollup_id: int, loaded: list[tuple[Part, Report]]) -> None:
    """Keep a 汇总's loaded parts (the 汇总 itself has just loaded them: the first drill-down is quick)."""
    loaded = sorted(loaded, key=lambda item: (item[0].agency, item[0].report_id))
    key = _key(store, rollup_id, [(p.report_id, p.revision) for p, _ in loaded])
    with _LOCK:
        _CACHE[key] = loaded
        while len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)


def drill(store: Store, rollup_id: int, path: str) -> Drill:
    """Each part's value of one figure of a 汇总, non-zero first (largest first), then by name."""
    stored = store.get(rollup_id)
    if stored is None:
        raise WebError("没有这份汇总报告", status=404)
    county = loaded_of(stored.content).report
    path = (path or "").strip()
    try:
        label = cell_label(county.spec, path)
        total = value_at(county, path)
    except (KeyError, ValueError, IndexError):
        raise WebError(f"汇总报告中没有这个数字（“{path[:60]}”）", status=404) from None
    parts = part_reports(store, rollup_id)
    if not parts:
        raise WebError(f"“{stored.agency}”{stored.year}年度的报告不是汇总报告（尚未汇总）", status=404)
    lines = []
    for part, report in parts:
        value = value_at(report, path)
        lines.append(Line(part.agency, part.report_id, part.revision, value, _shown(value)))
    lines.sort(key=lambda line: (line.zero, -magnitude(line.value), line.agency))
    agrees = sum((magnitude(line.value) for line in lines), Decimal(0)) == magnitude(total)
    return Drill(rollup_id, path, label, total, _shown(total), lines, agrees)


def _shown(value: object) -> str:
    return value.shown if isinstance(value, Amount) else format_value(value)
