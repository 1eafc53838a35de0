"""A Word report (.docx) → blocks: body paragraphs and table rows in document order.

python-docx repeats a horizontally merged cell once per grid column it spans; consecutive
repeats of the same cell are read once. A vertically merged cell repeats in each row it spans,
which is what a label column needs.
"""

from __future__ import annotations

from pathlib import Path

from .cells import Block, Row


MAX_TABLE_ROWS = 1_000  # a report's tables have a few dozen rows; the rest of a longer table is not read


def docx_blocks(path: Path) -> list[Block]:
    """Every body paragraph and every table row of the document, in order (nested tables included).

    Tables are read straight from the XML, row by row (python-docx looks a vertically merged cell
    up through the whole table, which takes minutes on a table of 100,000 rows), and only their
    first MAX_TABLE_ROWS rows.
    """
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    blocks: list[Block] = []
    counter = [0]
    tr, tc, p, tbl = qn("w:tr"), qn("w:tc"), qn("w:p"), qn("w:tbl")

    def cell_text(cell) -> str:
        return " ".join(Paragraph(child, document).text for child in cell.iterchildren(p)).strip()

    def table_rows(table) -> None:
        counter[0] += 1
        number = counter[0]
        above: list[tuple[int, int, str]] = []  # the row above: (first column, last column, text)
        for index, row in enumerate(table.iterchildren(tr)):
            if index >= MAX_TABLE_ROWS:
                break
            cells, columns, spans = [], [], []
            column = _grid_before(row)
            for cell in row.iterchildren(tc):
                span = _grid_span(cell)
                if _continues(cell):  # a vertical merge: the text of the cell above at this column
                    text = next((t for first, last, t in above if first <= column <= last), "")
                else:
                    text = cell_text(cell)
                cells.append(text)
                columns.append(column)
                spans.append((column, column + span - 1, text))
                for inner in cell.iterchildren(tbl):
                    table_rows(inner)
                column += span
            above = spans
            blocks.append(Row(tuple(cells), number, tuple(columns)))

    def walk(parent) -> None:
        for child in parent.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if tag == "p":
                blocks.append(Paragraph(child, document).text)
            elif tag == "tbl":
                table_rows(child)
            elif tag in ("sdt", "sdtContent", "customXml"):
                walk(child)

    walk(document.element.body)
    return blocks


def _w(name: str) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{name}")


def _property(element, container: str, name: str):
    props = element.find(_w(container))
    return None if props is None else props.find(_w(name))


def _grid_before(row) -> int:
    found = _property(row, "trPr", "gridBefore")
    return _int(found.get(_w("val"))) if found is not None else 0


def _grid_span(cell) -> int:
    found = _property(cell, "tcPr", "gridSpan")
    return max(_int(found.get(_w("val"))), 1) if found is not None else 1


def _continues(cell) -> bool:
    found = _property(cell, "tcPr", "vMerge")
    return found is not None and found.get(_w("val"), "continue") == "continue"


def _int(text: str | None) -> int:
    try:
        return min(int(text or 0), 1_000)
    except ValueError:
        return 0
