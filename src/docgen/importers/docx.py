"""A Word report (.docx) → blocks: body paragraphs and table rows in document order.

python-docx repeats a horizontally merged cell once per grid column it spans; consecutive
repeats of the same cell are read once. A vertically merged cell repeats in each row it spans,
which is what a label column needs.
"""

from __future__ import annotations

from pathlib import Path

from .cells import Block, Row


def docx_blocks(path: Path) -> list[Block]:
    """Every body paragraph and every table row of the document, in order (nested tables included)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    blocks: list[Block] = []
    counter = [0]

    def table_rows(table: Table) -> None:
        counter[0] += 1
        number = counter[0]
        for row in table.rows:
            cells, columns, last = [], [], None
            start = row.grid_cols_before
            for column, cell in enumerate(row.cells, start=start):
                if cell._tc is last:
                    continue
                last = cell._tc
                cells.append(" ".join(p.text for p in cell.paragraphs).strip())
                columns.append(column)
                for inner in cell.tables:
                    table_rows(inner)
            blocks.append(Row(tuple(cells), number, tuple(columns)))

    def walk(parent) -> None:
        for child in parent.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if tag == "p":
                blocks.append(Paragraph(child, document).text)
            elif tag == "tbl":
                table_rows(Table(child, document))
            elif tag in ("sdt", "sdtContent", "customXml"):
                walk(child)

    walk(document.element.body)
    return blocks
