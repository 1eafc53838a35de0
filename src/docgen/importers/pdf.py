"""PDF → the imported report: ruled tables from the PDF itself, narrative from its text layer.

pdfplumber finds the ruled tables (merged cells come back once, with None in the cells they
cover) and the words outside them with their positions; both are put in reading order, page by
page. Rows with a single filled cell (text laid out in a frame, section headings inside the
table grid) are text. When the ruled tables do not give all three tables (tables drawn without
rules, or broken across pages so their rows cannot be matched), the page text laid out by
position is read like text copied from a PDF viewer (see `layout`), and the reading that finds
more tables wins. A PDF without a text layer (a scan) is refused with a message saying so.
"""

from __future__ import annotations

from pathlib import Path

from .cells import Block, Row, clean, value

MAX_PAGES = 200
PASSWORD = "PDF 设有打开密码（已加密），无法读取；请提供未加密的版本"
LINE_TOLERANCE = 3  # points: words whose tops differ less are on one line
INDENT = 8  # points right of the page's left text edge that mark a first-line indent


def import_pdf(path: Path, shown: str):
    from . import _unusable, from_blocks, from_layout

    pages = _read(path, shown)
    if not any(text.strip() for _, text in pages):
        raise _unusable(shown, "是没有文字层的 PDF（可能是扫描件或图片），无法读取文字和表格；请提供 Word、网页或文本版本，或先用文字识别（OCR）软件转换")
    blocks = _paragraphs([b for page_blocks, _ in pages for b in page_blocks])
    layout_text = "\n".join(text for _, text in pages)
    from ..errors import InputError

    try:
        return from_blocks(blocks, shown, "pdf")
    except InputError as error:
        ruled = error
    try:
        return from_layout(layout_text, shown, "pdf")
    except InputError as error:
        raise _better(ruled, error) from None


def _paragraphs(blocks: list[Block]) -> list[Block]:
    """Consecutive text lines joined into paragraphs (see `layout.join_lines`); rows kept."""
    from .layout import join_lines

    out: list[Block] = []
    lines: list[str] = []
    for block in blocks + [Row((), -1)]:
        if isinstance(block, str):
            lines.append(block)
            continue
        out += join_lines(lines)
        lines = []
        if block.cells:
            out.append(block)
    return out


def _better(a, b):
    """Of two failed readings, the one that names fewer problems (it got further)."""
    return a if len(a.problems) <= len(b.problems) else b


def _read(path: Path, shown: str) -> list[tuple[list[Block], str]]:
    """Per page: blocks (lines and ruled-table rows in reading order) and the text laid out by position."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    from . import _unusable

    out = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise _unusable(shown, f"PDF 页数过多（{len(pdf.pages)} 页，上限 {MAX_PAGES} 页），不像是一份年度报告")
            for number, page in enumerate(pdf.pages):
                out.append((_page_blocks(page, number), page.extract_text(layout=True) or ""))
                page.flush_cache()
    except PDFPasswordIncorrect:
        raise _unusable(shown, PASSWORD) from None
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise _unusable(shown, f"PDF 文件已损坏或格式异常，无法读取（{type(exc).__name__}）") from None
    except Exception as exc:  # pdfminer raises many kinds on damaged files; pdfplumber wraps them
        if type(exc).__name__ == "InputError":
            raise
        if any(isinstance(e, PDFPasswordIncorrect) for e in (*exc.args, exc.__context__)):
            raise _unusable(shown, PASSWORD) from None
        raise _unusable(shown, f"PDF 文件无法读取（{type(exc).__name__}），可能已损坏或加密") from None
    return out


def _page_blocks(page, number: int) -> list[Block]:
    tables = [t for t in page.find_tables() if len(t.rows) >= 1]
    items: list[tuple[float, int, Block]] = []
    boxes = []
    for k, table in enumerate(tables):
        rows = table.extract()
        if not rows:
            continue
        boxes.append(table.bbox)
        width = max(len(r) for r in rows)
        for row, cells_box in zip(rows, table.rows):
            cells = [(i, " ".join((c or "").split())) for i, c in enumerate(row) if c is not None]
            filled = [(i, c) for i, c in cells if c]
            top = cells_box.bbox[1]
            if width <= 1 or (len(filled) == 1 and value(filled[0][1]) is None and not _is_label(filled[0][1])):
                if filled:
                    items.append((top, 0, filled[0][1]))
                continue
            table_id = number * 100 + k + 1
            items.append((top, 1, Row(tuple(c for _, c in cells), table_id, tuple(i for i, _ in cells))))
    for top, line in _lines_outside(page, boxes):
        items.append((top, 0, line))
    items.sort(key=lambda item: (round(item[0]), item[1]))
    return [block for _, _, block in items]


def _is_label(text: str) -> bool:
    """A single filled cell that is still part of a table (第二十条第（一）项, a header)."""
    form = clean(text)
    return form.startswith("第二十条") or form in ("行政复议", "行政诉讼")


def _lines_outside(page, boxes) -> list[tuple[float, str]]:
    """Text lines of the page outside the ruled tables, top to bottom."""

    def outside(obj) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    words = [w for w in page.extract_words(keep_blank_chars=True, use_text_flow=False, x_tolerance=1.5) if outside(w)]
    words.sort(key=lambda w: (w["top"], w["x0"]))
    lines: list[tuple[float, list]] = []
    for word in words:
        if lines and abs(lines[-1][0] - word["top"]) <= LINE_TOLERANCE:
            lines[-1][1].append(word)
        else:
            lines.append((word["top"], [word]))
    left = min((w["x0"] for w in words), default=0)
    out = []
    for top, line in lines:
        line.sort(key=lambda w: w["x0"])
        indent = "  " if line[0]["x0"] - left > INDENT else ""  # a first-line indent starts a paragraph
        out.append((top, indent + "".join(w["text"] for w in line)))
    return out
