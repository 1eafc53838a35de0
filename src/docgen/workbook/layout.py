"""Where every label and figure of tables 二, 三 and 四 sits on a worksheet, derived from an
edition spec; no values, no openpyxl objects.

A figure is named by (table, row, column) as the report model names it:

- table 二 (``TABLE_2``): active row id and field id, e.g. ("fees", "amount");
- table 三 (``TABLE_3``): row id ("received", "refused.state_secret", ``TOTAL_ROW`` for （七）总计)
  and column index 0–6 in ``Report.row_with_total`` order (6 is 总计);
- table 四 (``TABLE_4``): group id and index 0–4 in ``Report.review_with_total`` order (4 is 总计).

Totals carry their formula (a ``workbook_formulas`` expression over cells of the same sheet).
A ``SheetLayout`` holds one table (the auditors' workbook) or several stacked (a roll-up sheet per
agency); a ``WorkbookLayout`` names the sheet of each table and makes cross-sheet references.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from openpyxl.utils.cell import get_column_letter

from ..editions import Edition, get as get_edition
from ..editions.common import SECTION_LABELS
from ..editions.types import (
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
    ActiveBlock,
    AppGroup,
    Kind,
)
from .formulas import Expr, Plus, Ref, Sum

TOTAL_ROW = "total"  # table 三's （七）总计, as Report.row_with_total names it
TABLES = (TABLE_2, TABLE_3, TABLE_4)
SECTION_OF = {TABLE_2: "active", TABLE_3: "applications", TABLE_4: "reviews"}

# Label roles, for styling.
TITLE = "title"
HEADER = "header"
ROW = "row"
NOTE = "note"

_COUNT_WIDTH = 9.0
_LINE_POINTS = 15.0
_MIN_ROW_POINTS = 20.0


@dataclass(frozen=True)
class Span:
    """A rectangle of cells (1-based rows and columns); a single cell when top == bottom, left == right."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def anchor(self) -> str:
        """The top-left cell, which holds the text or value of a merged range."""
        return f"{get_column_letter(self.left)}{self.top}"

    @property
    def range(self) -> str:
        """"D4:F4", or "D4" for a single cell."""
        end = f"{get_column_letter(self.right)}{self.bottom}"
        return self.anchor if self.is_cell else f"{self.anchor}:{end}"

    @property
    def is_cell(self) -> bool:
        """Whether the span is one cell (not merged)."""
        return self.top == self.bottom and self.left == self.right

    @property
    def columns(self) -> range:
        return range(self.left, self.right + 1)

    @property
    def rows(self) -> range:
        return range(self.top, self.bottom + 1)


def cell_span(row: int, column: int, rows: int = 1, columns: int = 1) -> Span:
    """A span from its top-left cell and size."""
    return Span(row, column, row + rows - 1, column + columns - 1)


@dataclass(frozen=True)
class Label:
    """A text cell of the table (merged when its span is larger than one cell)."""

    span: Span
    text: str
    role: str = HEADER


@dataclass(frozen=True)
class Figure:
    """One number of a table: its name, its cell(s), its kind and, for a total, its formula."""

    table: str
    row: str
    column: int | str
    span: Span
    kind: Kind = Kind.COUNT
    total: Expr | None = None

    @property
    def address(self) -> str:
        """The cell holding the figure (the anchor of a merged value cell)."""
        return self.span.anchor

    @property
    def key(self) -> tuple[str, str, int | str]:
        """(table, row, column), the figure's name."""
        return (self.table, self.row, self.column)


@dataclass(frozen=True)
class TableLayout:
    """One official table placed on a sheet from row ``title.span.top`` down."""

    table: str
    title: Label  # the section heading, e.g. 三、收到和处理政府信息公开申请情况
    info: Span  # the line under the heading for the agency and year
    grid: Span  # the bordered table itself
    header_bottom: int  # last header row (rows title..header_bottom repeat on printed pages)
    freeze: str  # top-left cell of the scrolling pane
    labels: tuple[Label, ...]
    figures: tuple[Figure, ...]
    widths: tuple[float, ...]  # column widths from column A
    heights: tuple[tuple[int, float], ...]  # (row, points) where a label needs more than one line

    @property
    def top(self) -> int:
        return self.title.span.top

    @property
    def bottom(self) -> int:
        return self.grid.bottom


@dataclass(frozen=True)
class SheetLayout:
    """The tables placed on one sheet, with lookup of every figure by its name."""

    tables: tuple[TableLayout, ...]
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.key: f for t in self.tables for f in t.figures})

    def table(self, table: str) -> TableLayout:
        """The layout of one table of this sheet; KeyError when the sheet does not hold it."""
        for item in self.tables:
            if item.table == table:
                return item
        raise KeyError(table)

    def figure(self, table: str, row: str, column: int | str) -> Figure:
        """The figure named (table, row, column); KeyError when there is none."""
        return self._index[(table, row, column)]

    def cell_of(self, table: str, row: str, column: int | str) -> str:
        """The address ("D7") of a figure on this sheet."""
        return self.figure(table, row, column).address

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure of the sheet, table by table in layout order."""
        return tuple(f for t in self.tables for f in t.figures)

    @property
    def inputs(self) -> tuple[Figure, ...]:
        """The typed figures (no formula)."""
        return tuple(f for f in self.figures if f.total is None)

    @property
    def totals(self) -> tuple[Figure, ...]:
        """The figures computed by a formula."""
        return tuple(f for f in self.figures if f.total is not None)

    @property
    def widths(self) -> tuple[float, ...]:
        """Column widths from column A: the widest any table of the sheet needs."""
        count = max(len(t.widths) for t in self.tables)
        return tuple(max(t.widths[i] for t in self.tables if i < len(t.widths)) for i in range(count))

    @property
    def freeze(self) -> str | None:
        """Where to freeze panes: below the headers of a single-table sheet; none when stacked."""
        return self.tables[0].freeze if len(self.tables) == 1 else None

    @property
    def print_titles(self) -> str | None:
        """Rows to repeat on every printed page ("1:5"), for a single-table sheet."""
        if len(self.tables) != 1:
            return None
        return f"{self.tables[0].top}:{self.tables[0].header_bottom}"


@dataclass(frozen=True)
class WorkbookLayout:
    """The auditors' workbook: each table on its own sheet, named after the table (表二…)."""

    edition: int
    sheets: tuple[tuple[str, SheetLayout], ...]

    def sheet_of(self, table: str) -> str:
        """The name of the sheet that holds a table."""
        return next(name for name, sheet in self.sheets if any(t.table == table for t in sheet.tables))

    def layout_of(self, table: str) -> SheetLayout:
        """The layout of the sheet that holds a table."""
        return dict(self.sheets)[self.sheet_of(table)]

    def cell_of(self, table: str, row: str, column: int | str) -> str:
        """The address of a figure on its table's sheet."""
        return self.layout_of(table).cell_of(table, row, column)

    def ref(self, table: str, row: str, column: int | str) -> Ref:
        """A reference to a figure usable from any sheet ('表三'!D7)."""
        return Ref(self.cell_of(table, row, column), self.sheet_of(table))


# -- building -------------------------------------------------------------------------------


def layout_for(edition: Edition | int) -> WorkbookLayout:
    """The auditors' workbook layout of an edition (built once per edition)."""
    return _workbook_layout(edition if isinstance(edition, int) else edition.id)


@lru_cache(maxsize=None)
def _workbook_layout(edition_id: int) -> WorkbookLayout:
    edition = get_edition(edition_id)
    sheets = tuple((table, SheetLayout((table_layout(edition, table),))) for table in TABLES)
    return WorkbookLayout(edition_id, sheets)


def stacked_layout(edition: Edition, tables: tuple[str, ...] = TABLES, gap: int = 1) -> SheetLayout:
    """Several tables on one sheet, one below the other with ``gap`` empty rows between them."""
    placed: list[TableLayout] = []
    top = 1
    for table in tables:
        placed.append(table_layout(edition, table, top))
        top = placed[-1].bottom + 1 + gap
    return SheetLayout(tuple(placed))


def table_layout(edition: Edition, table: str, top: int = 1) -> TableLayout:
    """One table of an edition, its heading on row ``top``."""
    builders = {TABLE_2: _active_table, TABLE_3: _applications_table, TABLE_4: _reviews_table}
    return builders[table](edition, top)


@dataclass
class _Draft:
    """Labels and figures collected while a table is laid out."""

    table: str
    labels: list[Label] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def label(self, span: Span, text: str, role: str = HEADER) -> None:
        self.labels.append(Label(span, text, role))

    def figure(self, row: str, column: int | str, span: Span, kind: Kind = Kind.COUNT, total: Expr | None = None) -> None:
        self.figures.append(Figure(self.table, row, column, span, kind, total))

    def finish(self, top: int, grid: Span, header_bottom: int, freeze: str, widths: tuple[float, ...]) -> TableLayout:
        title = Label(cell_span(top, 1, 1, grid.right), SECTION_LABELS[SECTION_OF[self.table]], TITLE)
        return TableLayout(
            table=self.table,
            title=title,
            info=cell_span(top + 1, 1, 1, grid.right),
            grid=grid,
            header_bottom=header_bottom,
            freeze=freeze,
            labels=tuple(self.labels),
            figures=tuple(self.figures),
            widths=widths,
            heights=_heights(self.labels, widths),
        )


def _column(index: int) -> str:
    return get_column_letter(index)


# -- table 二 -------------------------------------------------------------------------------


def _spread(count: int, width: int) -> list[int]:
    """Column spans of ``count`` fields over ``width`` value columns; the last takes what is left."""
    base = width // count
    return [base] * (count - 1) + [width - base * (count - 1)]


def _active_table(edition: Edition, top: int) -> TableLayout:
    """Table 二 by blocks: a 第二十条第（X）项 row across the table, a header row, the rows."""
    width = 1 + max(len(b.fields) for b in edition.active_blocks)
    draft = _Draft(TABLE_2)
    row = top + 2
    for block in edition.active_blocks:
        row = _active_block(draft, block, row, width)
    widths = (24.0,) + (16.0,) * (width - 1)
    return draft.finish(top, Span(top + 2, 1, row - 1, width), top + 1, f"A{top + 2}", widths)


def _active_block(draft: _Draft, block: ActiveBlock, row: int, width: int) -> int:
    draft.label(cell_span(row, 1, 1, width), block.label)
    draft.label(cell_span(row + 1, 1), ACTIVE_ROW_HEADER)
    spans = _spread(len(block.fields), width - 1)
    starts = [2 + sum(spans[:i]) for i in range(len(spans))]
    for f, start, span in zip(block.fields, starts, spans):
        draft.label(cell_span(row + 1, start, 1, span), f.label)
    row += 2
    for active_row in block.rows:
        draft.label(cell_span(row, 1), active_row.label, ROW)
        for f, start, span in zip(block.fields, starts, spans):
            draft.figure(active_row.id, f.id, cell_span(row, start, 1, span), f.kind)
        row += 1
    return row


# -- table 三 -------------------------------------------------------------------------------

_LABEL_COLUMNS = 3
_FIRST_DATA = _LABEL_COLUMNS + 1  # column D


def _applications_table(edition: Edition, top: int) -> TableLayout:
    """Table 三: 3 label columns, the applicant columns and 总计; three header rows."""
    draft = _Draft(TABLE_3)
    head = top + 2
    total_column = _FIRST_DATA + len(edition.applicants)
    _applicant_headers(draft, edition, head, total_column)
    row = head + 3
    for app_row in edition.intake_rows:
        draft.label(cell_span(row, 1, 1, _LABEL_COLUMNS), app_row.label, ROW)
        _count_row(draft, app_row.id, row, total_column)
        row += 1
    row = _results(draft, edition, row, total_column)
    draft.label(cell_span(row, 1, 1, _LABEL_COLUMNS), edition.carried_out.label, ROW)
    _count_row(draft, edition.carried_out.id, row, total_column)
    widths = (8.0, 14.0, 40.0) + (_COUNT_WIDTH,) * (total_column - _LABEL_COLUMNS)
    grid = Span(head, 1, row, total_column)
    return draft.finish(top, grid, head + 2, f"{_column(_FIRST_DATA)}{head + 3}", widths)


def _applicant_headers(draft: _Draft, edition: Edition, head: int, total_column: int) -> None:
    draft.label(cell_span(head, 1, 3, _LABEL_COLUMNS), TABLE3_NOTE, NOTE)
    draft.label(Span(head, _FIRST_DATA, head, total_column), APPLICANT_HEADER)
    legal = [i for i, a in enumerate(edition.applicants) if a.legal_person]
    for i, applicant in enumerate(edition.applicants):
        column = _FIRST_DATA + i
        if applicant.legal_person:
            draft.label(cell_span(head + 2, column), applicant.label)
        else:
            draft.label(cell_span(head + 1, column, 2), applicant.label)
    if legal:
        draft.label(Span(head + 1, _FIRST_DATA + legal[0], head + 1, _FIRST_DATA + legal[-1]), LEGAL_PERSON_HEADER)
    draft.label(cell_span(head + 1, total_column, 2), TOTAL_LABEL)


def _count_row(draft: _Draft, row_id: str, row: int, total_column: int, column_totals: tuple[Expr, ...] = ()) -> None:
    """A row of applicant counts (typed, or the given column formulas) and its 总计 formula."""
    for i, column in enumerate(range(_FIRST_DATA, total_column)):
        total = column_totals[i] if column_totals else None
        draft.figure(row_id, i, cell_span(row, column), total=total)
    across = Sum((Ref(f"{_column(_FIRST_DATA)}{row}:{_column(total_column - 1)}{row}"),))
    draft.figure(row_id, total_column - _FIRST_DATA, cell_span(row, total_column), total=across)


def _results(draft: _Draft, edition: Edition, row: int, total_column: int) -> int:
    """三、本年度办理结果: its items, groups and （七）总计; returns the row after （七）."""
    first = row
    for item in edition.result_items:
        if isinstance(item, AppGroup):
            draft.label(cell_span(row, 2, len(item.rows)), item.label, ROW)
            for app_row in item.rows:
                draft.label(cell_span(row, 3), app_row.label, ROW)
                _count_row(draft, app_row.id, row, total_column)
                row += 1
        else:
            draft.label(cell_span(row, 2, 1, 2), item.label, ROW)
            _count_row(draft, item.id, row, total_column)
            row += 1
    down = tuple(Sum((Ref(f"{_column(c)}{first}:{_column(c)}{row - 1}"),)) for c in range(_FIRST_DATA, total_column))
    draft.label(cell_span(row, 2, 1, 2), TOTAL_ROW_LABEL, ROW)
    _count_row(draft, TOTAL_ROW, row, total_column, down)
    draft.label(Span(first, 1, row, 1), RESULTS_LABEL, ROW)
    return row + 1


def result_subtotals(layout: SheetLayout, edition: Edition, column: int, sheet: str | None = None) -> Expr:
    """（一）+（二）+ SUM(（三）) + … + （六） in one column of table 三, item by item.

    An independent way to the （七）总计 figure, for the R2 check; ``sheet`` names the sheet
    of ``layout`` when the expression is used from another sheet.
    """
    terms: list[Expr] = []
    for item in edition.result_items:
        if isinstance(item, AppGroup):
            first = layout.cell_of(TABLE_3, item.rows[0].id, column)
            last = layout.cell_of(TABLE_3, item.rows[-1].id, column)
            terms.append(Sum((Ref(f"{first}:{last}", sheet),)))
        else:
            terms.append(Ref(layout.cell_of(TABLE_3, item.id, column), sheet))
    return Plus(tuple(terms))


# -- table 四 -------------------------------------------------------------------------------


def _parent_of(full_label: str, label: str) -> str | None:
    """行政诉讼 for "行政诉讼 · 未经复议直接起诉"; None for a group with no parent header."""
    head, sep, tail = full_label.rpartition(" · ")
    return head if sep and tail == label else None


def _reviews_table(edition: Edition, top: int) -> TableLayout:
    """Table 四: top headers (行政复议 / 行政诉讼), group headers, result headers, one row of figures."""
    draft = _Draft(TABLE_4)
    head = top + 2
    per_group = len(edition.review_results) + 1
    parents: dict[str, list[int]] = {}
    for g, group in enumerate(edition.review_groups):
        first = 1 + g * per_group
        parent = _parent_of(group.full_label, group.label)
        if parent is None:
            draft.label(cell_span(head, first, 1, per_group), group.label)
        else:
            parents.setdefault(parent, []).append(first)
            draft.label(cell_span(head + 1, first, 1, per_group), group.label)
        result_top = head + 2 if parent else head + 1
        total = Sum((Ref(f"{_column(first)}{head + 3}:{_column(first + per_group - 2)}{head + 3}"),))
        for r, text in enumerate([f.label for f in edition.review_results] + [TOTAL_LABEL]):
            draft.label(Span(result_top, first + r, head + 2, first + r), text)
            is_total = r == per_group - 1
            draft.figure(group.id, r, cell_span(head + 3, first + r), total=total if is_total else None)
    for parent, firsts in parents.items():
        draft.label(Span(head, firsts[0], head, firsts[-1] + per_group - 1), parent)
    width = per_group * len(edition.review_groups)
    widths = (_COUNT_WIDTH,) * width
    return draft.finish(top, Span(head, 1, head + 3, width), head + 2, f"A{head + 3}", widths)


# -- row heights ----------------------------------------------------------------------------


def row_points(text: str, width: float) -> float:
    """The height (points) a row needs for ``text`` wrapped in ``width`` column units.

    Excel does not fit row heights to wrapped text when it opens a file, so they are set.
    A CJK character is about two column units wide at the workbook's 11 pt.
    """
    units = sum(2 if ord(c) > 0x2E7F else 1 for c in text)
    lines = max(1, math.ceil(units / max(width - 1, 1)))
    return max(_MIN_ROW_POINTS, lines * _LINE_POINTS + 5)


def _heights(labels: list[Label], widths: tuple[float, ...]) -> tuple[tuple[int, float], ...]:
    """Row heights for single-row labels that wrap onto more than one line."""
    heights: dict[int, float] = {}
    for label in labels:
        if label.span.top != label.span.bottom:
            continue
        points = row_points(label.text, sum(widths[c - 1] for c in label.span.columns))
        heights[label.span.top] = max(heights.get(label.span.top, 0), points)
    return tuple(sorted(heights.items()))
