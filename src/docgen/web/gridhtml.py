"""The official tables 二, 三 and 四 as HTML, for the editor and for a revision's view.

The tables are drawn from the edition's grid (editions.grid, the same grid as the Word and Excel
tables): merged cells, official labels, one native <input> per input cell (``data-cell``), one
<output> per computed total (``data-total``). Everything that depends only on the edition — the
markup between the values — is put together once per edition and mode; a page then only writes
each cell's value and marks (``data-error``; in a revision's view ``data-changed``), which keeps
opening the editor cheap.
"""

from __future__ import annotations

from functools import cache

from markupsafe import Markup, escape

from .. import editions
from ..editions.grid import INPUT, TOTAL, grids
from .labels import label_of

_INPUT_MODES = {"count": "numeric", "change": "text"}  # value kind -> inputmode; amounts: decimal


Piece = tuple[str, str, str, str]  # (markup before the value, path, kind, the input's attributes after its value)


@cache
def _pieces(edition_id: int, readonly: bool, linked: bool = False) -> tuple[tuple[tuple[Piece, ...], str], ...]:
    """Per table: the pieces of markup around every value cell, and the markup after the last.
    ``linked`` (a 汇总): every figure is a link to its drill-down instead of an input; the piece
    then ends where the link's address goes (the page writes it: it names the report)."""
    spec = editions.get(edition_id)
    tables = []
    for g in grids(spec):
        rows: list[list] = [[] for _ in range(g.rows)]
        for cell in g.cells:
            rows[cell.row].append(cell)
        pieces: list[Piece] = []
        out = [f'<table class="grid" data-table="{escape(g.table)}">\n<caption class="sr-only">{escape(g.table)}：{escape(g.caption)}</caption>\n']
        for row in rows:
            out.append("<tr>")
            for c in sorted(row, key=lambda c: c.col):
                span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
                if linked and c.kind in (INPUT, TOTAL):
                    path = escape(c.path)
                    cls = "in figure" if c.kind == INPUT else "total"
                    out.append(f'<td class="{cls}"{span}><a' + (f' data-cell="{path}"' if c.kind == INPUT else ' class="drill"') + ' href="')
                    title = f"{label_of(spec, c.path)}：查看由哪些机关构成" if c.kind == INPUT else "查看由哪些机关构成"
                    after = f'{path}" title="{escape(title)}"' + ("" if c.kind == INPUT else f'><output data-total="{path}"')
                    pieces.append(("".join(out), c.path, c.kind, after))
                    out = []
                elif c.kind == INPUT:
                    path = escape(c.path)
                    out.append(f'<td class="in"{span}><input data-cell="{path}" name="{path}" value="')
                    mode = _INPUT_MODES.get(getattr(c.value_kind, "value", c.value_kind), "decimal")
                    after = f'" data-row="{c.row}" data-col="{c.col}" aria-label="{escape(label_of(spec, c.path))}" inputmode="{mode}"'
                    pieces.append(("".join(out), c.path, INPUT, after + (" readonly" if readonly else "")))
                    out = []
                elif c.kind == TOTAL:
                    out.append(f'<td class="total"{span}><output data-total="{escape(c.path)}"')
                    pieces.append(("".join(out), c.path, TOTAL, ""))
                    out = []
                elif c.header:
                    out.append(f'<th{span} scope="col">{escape(c.text)}</th>')
                elif c.rowspan > 2 and c.colspan > 1:
                    out.append(f'<td{span} class="note">{escape(c.text)}</td>')
                else:
                    out.append(f'<th{span} scope="row" class="label">{escape(c.text)}</th>')
            out.append("</tr>\n")
        out.append("</table>")
        tables.append((tuple(pieces), "".join(out)))
    return tuple(tables)


def tables_html(
    report,
    values: dict[str, str],
    totals: dict[str, str],
    marks: dict[str, str],
    readonly: bool = False,
    changed: frozenset[str] | set[str] = frozenset(),
    current: dict[str, str] | None = None,
    drill: str | None = None,
    returned: dict[str, str] | None = None,
) -> list[Markup]:
    """Each official table of the report's edition as HTML, values and marks filled in.
    ``drill`` (a 汇总): the address its figures link to, followed by the figure's path.
    ``returned``: the cells a reviewer named when returning the report, with the reason."""
    current = current or {}
    returned = returned or {}
    html = []
    for pieces, tail in _pieces(report.spec.id, readonly, drill is not None):
        out: list[str] = []
        for before, path, kind, after in pieces:
            mark = f' data-error="{marks[path]}"' if path in marks else ""
            if path in changed:
                mark += f' data-changed title="当前版本：{escape(current.get(path, ""))}"'
            if path in returned:
                mark += f' data-returned="{escape(returned[path])}"'
            if drill is not None:
                value = values.get(path, "") if kind == INPUT else totals.get(path, "")
                close = "</a></td>" if kind == INPUT else "</output></a></td>"
                out += (before, escape(drill), after, mark, ">", escape(value), close)
            elif kind == INPUT:
                out += (before, escape(values.get(path, "")), after, mark, "></td>")
            else:
                out += (before, mark, ">", escape(totals.get(path, "")), "</output></td>")
        out.append(tail)
        html.append(Markup("".join(out)))
    return html
