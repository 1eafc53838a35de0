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
from ..editions.equations import equations, table_rules
from ..editions.grid import LABEL, TABLES, grid, place
from ..editions.grid import TOTAL_ROW  # noqa: F401 (re-exported: table 三's （七）总计 row id)
from ..editions.types import TABLE_2, TABLE_3, TABLE_4, Kind
from .formulas import Expr, Ref, Sum


# Label roles, for styling.
TITLE = "title"
HEADER = "header"
ROW = "row"
NOTE = "note"

_COUNT_WIDTH = 9.0  # a 6-digit count; table 四's labels (结果维持) on one line
_APPLICANT_WIDTH = 13.0  # table 三: 社会公益组织, 法律服务机构 on one line, not broken inside a word
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
    """One table of an edition drawn from its grid (docgen.editions.grid), its heading on row ``top``.

    Grid position (r, c) is sheet row ``top + 2 + r``, column ``c + 1``; each total's formula adds
    up the cells of the rule that defines it (R2 down a column, R3 and R4 along a row).
    """
    g = grid(edition, table)
    head = top + 2
    address = {c.path: cell_span(head + c.row, c.col + 1, c.rowspan, c.colspan) for c in g.values}
    totals = _total_formulas(edition, table, address)
    labels: list[Label] = []
    figures: list[Figure] = []
    for cell in g.cells:
        span = cell_span(head + cell.row, cell.col + 1, cell.rowspan, cell.colspan)
        if cell.kind == LABEL:
            role = HEADER if cell.header else NOTE if cell.row < g.header_rows else ROW
            labels.append(Label(span, cell.text, role))
        else:
            where = place(edition, cell.path)
            figures.append(Figure(table, where.row, where.column, span, cell.value_kind or Kind.COUNT, totals.get(cell.path)))
    first_values = [c.col for c in g.values if c.row == g.header_rows]
    freeze = f"{_column(min(first_values, default=0) + 1)}{head + g.header_rows}"
    widths = _WIDTHS[table](g.cols)
    return TableLayout(
        table=table,
        title=Label(cell_span(top, 1, 1, g.cols), g.caption, TITLE),
        info=cell_span(top + 1, 1, 1, g.cols),
        grid=cell_span(head, 1, g.rows, g.cols),
        header_bottom=top + 1 + g.header_rows,
        freeze=freeze,
        labels=tuple(labels),
        figures=tuple(figures),
        widths=widths,
        heights=_heights(labels, widths),
    )


_WIDTHS = {
    TABLE_2: lambda cols: (24.0,) + (16.0,) * (cols - 1),
    TABLE_3: lambda cols: (5.0, 14.0, 40.0) + (_APPLICANT_WIDTH,) * (cols - 3),  # 三、本年度办理结果 is set vertically
    TABLE_4: lambda cols: (_COUNT_WIDTH,) * cols,
}


def _column(index: int) -> str:
    return get_column_letter(index)


def _total_formulas(edition: Edition, table: str, address: dict[str, Span]) -> dict[str, Expr]:
    """Each total cell's formula: SUM of the cells on the other side of the rule that defines it."""
    out: dict[str, Expr] = {}
    for rule in table_rules(edition):
        if rule.table != table or not rule.defines_total:
            continue
        for equation in equations(edition, rule):
            cells = [address[p] for term in equation.right for p in term.paths]
            out[equation.left[0].paths[0]] = Sum(tuple(Ref(area) for area in ranges(cells)))
    return out


def ranges(cells: list[Span]) -> list[str]:
    """Cells as few areas as possible: runs of neighbours in one column or one row become a range."""
    out: list[str] = []
    run: list[Span] = []

    def flush() -> None:
        if run:
            out.append(Span(run[0].top, run[0].left, run[-1].bottom, run[-1].right).range)

    for cell in cells:
        if run and not _follows(run, cell):
            flush()
            run = []
        run.append(cell)
    flush()
    return out


def _follows(run: list[Span], cell: Span) -> bool:
    last = run[-1]
    down = cell.left == last.left and cell.right == last.right and cell.top == last.bottom + 1
    right = cell.top == last.top and cell.bottom == last.bottom and cell.left == last.right + 1
    if len(run) == 1:
        return down or right
    vertical = run[1].top > run[0].top
    return down if vertical else right


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
