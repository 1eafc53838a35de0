"""The official tables 二, 三 and 四 as grids of cells, derived once from an edition spec.

Every consumer that draws a table — the Word template builder, the auditors' workbook, the web
form — reads this grid: each cell's position, span, official label, or the input or total it
holds, named by its dotted YAML path (``applications.refused.state_secret.5``; the last part of
a table-三/四 path is the column index, 总计 included). ``value_at`` reads any such path from a
Report, so a consumer can fill a grid without knowing the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .common import SECTION_LABELS
from .types import (
    ACTIVE_ROW_HEADER,
    APPLICANT_HEADER,
    LEGAL_PERSON_HEADER,
    RESULTS_LABEL,
    TABLE3_NOTE,
    TABLE_2,
    TABLE_3,
    TABLE_4,
    TOTAL_LABEL,
    TOTAL_ROW_LABEL,
    AppGroup,
    Edition,
    Kind,
)

if TYPE_CHECKING:  # the report model imports the editions package; no import at run time
    from ..report.model import Report

LABEL, INPUT, TOTAL = "label", "input", "total"
TOTAL_ROW = "total"  # table 三's （七）总计 in a path: applications.total.<column>
SECTIONS = {TABLE_2: "active", TABLE_3: "applications", TABLE_4: "reviews"}
TABLES = tuple(SECTIONS)
TABLE3_LABEL_COLUMNS = 3  # the row-label columns of table 三 (the note cell spans them)
_CACHE: dict[int, tuple[Edition, tuple["Grid", ...]]] = {}  # id(edition) -> (edition, its grids)


@dataclass(frozen=True)
class GridCell:
    """One cell of a table's grid (merged when its span is larger than one)."""

    row: int  # 0-based position in the table's full grid
    col: int
    rowspan: int
    colspan: int
    kind: str  # "label" | "input" | "total"
    text: str  # official label text for label cells, "" otherwise
    path: str | None  # input/total cells: dotted YAML path, list index as last part
    header: bool  # column-header cell (<th scope=col>); row labels are kind "label", header False
    value_kind: Kind | None  # input cells: what they hold


@dataclass(frozen=True)
class Grid:
    """One official table: its size, header rows and cells (row-major, covering every position once)."""

    table: str  # "表二" / "表三" / "表四"
    caption: str  # the section heading the table sits under
    rows: int
    cols: int
    header_rows: int
    cells: tuple[GridCell, ...]

    @property
    def values(self) -> tuple[GridCell, ...]:
        """The input and total cells, row-major."""
        return tuple(c for c in self.cells if c.kind != LABEL)

    def cell(self, path: str) -> GridCell:
        """The input or total cell of a path; KeyError when the table has none."""
        for cell in self.cells:
            if cell.path == path:
                return cell
        raise KeyError(path)


def grids(edition: Edition) -> tuple[Grid, ...]:
    """Tables 二, 三 and 四 of an edition, in order (derived once per edition object)."""
    cached = _CACHE.get(id(edition))
    if cached is None or cached[0] is not edition:
        cached = _CACHE[id(edition)] = (edition, (_table2(edition), _table3(edition), _table4(edition)))
    return cached[1]


def grid(edition: Edition, table: str) -> Grid:
    """One table's grid; KeyError for a table that is not 表二/表三/表四."""
    return {g.table: g for g in grids(edition)}[table]


def _finish(table: str, header_rows: int, cells: list[GridCell]) -> Grid:
    rows = max(c.row + c.rowspan for c in cells)
    cols = max(c.col + c.colspan for c in cells)
    covered: dict[tuple[int, int], GridCell] = {}
    for cell in cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                if (r, c) in covered:
                    raise ValueError(f"{table}: position {(r, c)} covered twice")
                covered[(r, c)] = cell
    if len(covered) != rows * cols:
        raise ValueError(f"{table}: the grid leaves positions uncovered")
    ordered = tuple(sorted(cells, key=lambda c: (c.row, c.col)))
    return Grid(table, SECTION_LABELS[SECTIONS[table]], rows, cols, header_rows, ordered)


def _label(row: int, col: int, text: str, header: bool = False, rowspan: int = 1, colspan: int = 1) -> GridCell:
    return GridCell(row, col, rowspan, colspan, LABEL, text, None, header, None)


def _value(row: int, col: int, path: str, kind: Kind | None = Kind.COUNT, colspan: int = 1) -> GridCell:
    return GridCell(row, col, 1, colspan, INPUT if kind is not None else TOTAL, "", path, False, kind)


# -- table 二 ------------------------------------------------------------------------------------
def _table2(edition: Edition) -> Grid:
    """By blocks: a 第二十条第（X）项 row across the table, a header row, the rows; a block's last
    value column spans the columns left over."""
    width = 1 + max(len(b.fields) for b in edition.active_blocks)
    cells: list[GridCell] = []
    r = 0
    for block in edition.active_blocks:
        cells.append(_label(r, 0, block.label, header=True, colspan=width))
        spans = [1] * (len(block.fields) - 1) + [width - len(block.fields)]
        starts = [1 + sum(spans[:i]) for i in range(len(spans))]
        cells.append(_label(r + 1, 0, ACTIVE_ROW_HEADER, header=True))
        for f, start, span in zip(block.fields, starts, spans):
            cells.append(_label(r + 1, start, f.label, header=True, colspan=span))
        r += 2
        for row in block.rows:
            cells.append(_label(r, 0, row.label))
            for f, start, span in zip(block.fields, starts, spans):
                path = f"active.{row.id}" if row.scalar else f"active.{row.id}.{f.id}"
                cells.append(_value(r, start, path, f.kind, span))
            r += 1
    return _finish(TABLE_2, 0, cells)


# -- table 三 ------------------------------------------------------------------------------------
def _table3(edition: Edition) -> Grid:
    """3 label columns, one column per applicant and 总计; three header rows."""
    first = TABLE3_LABEL_COLUMNS
    data_cols = len(edition.applicants) + 1
    cells = [
        _label(0, 0, TABLE3_NOTE, rowspan=3, colspan=first),
        _label(0, first, APPLICANT_HEADER, header=True, colspan=data_cols),
    ]
    legal = [i for i, a in enumerate(edition.applicants) if a.legal_person]
    for i, applicant in enumerate(edition.applicants):
        if applicant.legal_person:
            cells.append(_label(2, first + i, applicant.label, header=True))
        else:
            cells.append(_label(1, first + i, applicant.label, header=True, rowspan=2))
    if legal:
        cells.append(_label(1, first + legal[0], LEGAL_PERSON_HEADER, header=True, colspan=legal[-1] - legal[0] + 1))
    cells.append(_label(1, first + data_cols - 1, TOTAL_LABEL, header=True, rowspan=2))

    def count_row(r: int, row_id: str, computed: bool = False) -> None:
        for i in range(data_cols):
            total = computed or i == data_cols - 1
            cells.append(_value(r, first + i, f"applications.{row_id}.{i}", None if total else Kind.COUNT))

    r = 3
    for row in edition.intake_rows:
        cells.append(_label(r, 0, row.label, colspan=first))
        count_row(r, row.id)
        r += 1
    results = r
    for item in edition.result_items:
        if isinstance(item, AppGroup):
            cells.append(_label(r, 1, item.label, rowspan=len(item.rows)))
            for row in item.rows:
                cells.append(_label(r, 2, row.label))
                count_row(r, row.id)
                r += 1
        else:
            cells.append(_label(r, 1, item.label, colspan=first - 1))
            count_row(r, item.id)
            r += 1
    cells.append(_label(r, 1, TOTAL_ROW_LABEL, colspan=first - 1))
    count_row(r, TOTAL_ROW, computed=True)
    r += 1
    cells.append(_label(results, 0, RESULTS_LABEL, rowspan=r - results))
    cells.append(_label(r, 0, edition.carried_out.label, colspan=first))
    count_row(r, edition.carried_out.id)
    return _finish(TABLE_3, 3, cells)


# -- table 四 ------------------------------------------------------------------------------------
def _table4(edition: Edition) -> Grid:
    """A group under a shared header (行政诉讼) gets a header row of its own; a group that stands
    alone (行政复议) has its result labels spanning two rows; one row of figures."""
    per_group = len(edition.review_results) + 1
    labels = [f.label for f in edition.review_results] + [TOTAL_LABEL]
    cells: list[GridCell] = []
    col = 0
    for i, group in enumerate(edition.review_groups):
        if not group.parent:
            cells.append(_label(0, col, group.label, header=True, colspan=per_group))
            cells += [_label(1, col + j, text, header=True, rowspan=2) for j, text in enumerate(labels)]
        else:
            if i == 0 or edition.review_groups[i - 1].parent != group.parent:
                siblings = 1
                while i + siblings < len(edition.review_groups) and edition.review_groups[i + siblings].parent == group.parent:
                    siblings += 1
                cells.append(_label(0, col, group.parent, header=True, colspan=per_group * siblings))
            cells.append(_label(1, col, group.label, header=True, colspan=per_group))
            cells += [_label(2, col + j, text, header=True) for j, text in enumerate(labels)]
        for j in range(per_group):
            cells.append(_value(3, col + j, f"reviews.{group.id}.{j}", None if j == per_group - 1 else Kind.COUNT))
        col += per_group
    return _finish(TABLE_4, 3, cells)


# -- paths -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    """A path taken apart: the table, the row id and the column (field id, or index with 总计 last)."""

    table: str
    row: str
    column: str | int


def place(edition: Edition, path: str) -> Place:
    """``active.licensing`` → (表二, licensing, decisions); ``applications.total.6`` → (表三, total, 6).

    KeyError when the path names no figure of the edition.
    """
    section, _, rest = path.partition(".")
    if section == SECTIONS[TABLE_2]:
        row_id, _, field_id = rest.partition(".")
        for block, row in edition.active_rows:
            if row.id == row_id:
                if not field_id and row.scalar:
                    return Place(TABLE_2, row_id, block.fields[0].id)
                if any(f.id == field_id for f in block.fields):
                    return Place(TABLE_2, row_id, field_id)
        raise KeyError(path)
    row_id, _, index = rest.rpartition(".")
    if section == SECTIONS[TABLE_3]:
        known = row_id == TOTAL_ROW or any(r.id == row_id for r in edition.app_rows)
        size = len(edition.applicants) + 1
        table = TABLE_3
    elif section == SECTIONS[TABLE_4]:
        known = any(g.id == row_id for g in edition.review_groups)
        size = len(edition.review_results) + 1
        table = TABLE_4
    else:
        raise KeyError(path)
    if not known or not index.isdigit() or int(index) >= size:
        raise KeyError(path)
    return Place(table, row_id, int(index))


def path_of(edition: Edition, table: str, row: str, column: str | int) -> str:
    """The path of a figure named (table, row, column), as ``place`` takes it apart."""
    if table == TABLE_2:
        scalar = next(r.scalar for _, r in edition.active_rows if r.id == row)
        return f"active.{row}" if scalar else f"active.{row}.{column}"
    return f"{SECTIONS[table]}.{row}.{column}"


def value_at(report: Report, path: str) -> int | Decimal | object:
    """The value of a grid path in a report: typed figures and computed totals alike."""
    where = place(report.spec, path)
    if where.table == TABLE_2:
        return report.active_value(where.row, str(where.column))
    if where.table == TABLE_3:
        return report.row_with_total(where.row)[int(where.column)]
    return report.review_with_total(where.row)[int(where.column)]
