"""Published text or saved HTML of a report → blocks.

Text: every non-empty line is a paragraph, except lines whose cells are separated by "|" or tabs
(and lines of bare numbers) — those are table rows, a run of them one table. HTML: the
innermost <table> elements are the data tables (pages often wrap everything in a layout
table); everything else is read as paragraphs at block boundaries.
"""

from __future__ import annotations

import re

from .cells import Block, Row, value

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th",
    "section", "article", "header", "footer", "title", "blockquote", "pre", "hr", "center", "dd", "dt",
}
_SKIP_TAGS = {"script", "style", "noscript", "head", "select", "option", "button", "iframe", "svg"}
_SITE_TAGS = {"nav", "aside", "footer", "menu"}
_SITE_CLASS = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|share|bdsharebuttonbox|footer|foot|sidebar|side|toolbar|topbar|copyright|friendlink|links|position|location)(?:$|[\s_-])", re.I)
LINK_SHARE = 0.6  # a short block whose text is mostly links is site navigation
LINK_BLOCK_MAX = 300
_NUMBERS_ONLY = re.compile(r"^\s*(?:[\d,.\-—/]+\s+){5,}[\d,.\-—/]+\s*$")


def looks_like_html(text: str) -> bool:
    """Whether the text is an HTML page (by its first tags), not plain text."""
    head = text[:4000].lower()
    return bool(re.search(r"<(?:!doctype\s+html|html|body|table|p|div)[\s>]", head))


def text_blocks(text: str) -> list[Block]:
    """Plain text → blocks."""
    blocks: list[Block] = []
    table = 0
    in_table = False
    for line in text.splitlines():
        cells = _cells(line)
        if cells is not None:
            if not in_table:
                table += 1
                in_table = True
            blocks.append(Row(cells, table))
            continue
        in_table = False
        if line.strip():
            blocks.append(line.strip())
    return blocks


def _cells(line: str) -> tuple[str, ...] | None:
    if "|" in line:
        parts = line.split("|")
        if line.strip().startswith("|"):
            parts = parts[1:]
        if line.strip().endswith("|") and len(parts) > 1 and not parts[-1].strip():
            parts = parts[:-1]
        return tuple(p.strip() for p in parts)
    if "\t" in line.strip():
        cells = tuple(p.strip() for p in line.strip().split("\t"))
        if len(cells) >= 3 or any(value(c) is not None and not value(c).blank for c in cells):
            return cells
    if _NUMBERS_ONLY.match(line):
        return tuple(line.split())
    return None


def html_blocks(text: str) -> list[Block]:
    """An HTML page → blocks (paragraphs and the rows of its innermost tables)."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError):
        return []
    walker = _HtmlWalker()
    walker.walk(root)
    walker.flush()
    return walker.blocks


def _site_furniture(element, tag: str) -> bool:
    """The site's navigation, share buttons, side bars and footer (not the report)."""
    if tag in _SITE_TAGS:
        return True
    if tag == "header":
        return not element.xpath(".//h1|.//h2")
    names = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(names.strip()) and bool(_SITE_CLASS.search(names)) and not element.xpath(".//table")


class _HtmlWalker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.tables = 0
        self.link_chars = 0  # characters of the buffer inside <a> elements

    def flush(self) -> None:
        raw = "".join(self.buffer)
        text = " ".join(raw.split())
        size = len("".join(raw.split()))
        if text and not (size <= LINK_BLOCK_MAX and self.link_chars >= LINK_SHARE * size):
            self.blocks.append(text)
        self.buffer = []
        self.link_chars = 0

    def walk(self, element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _SKIP_TAGS or not isinstance(element.tag, str) or _hidden(element) or _site_furniture(element, tag):
            self.buffer.append(element.tail or "")
            return
        if tag == "a":
            self.link_chars += len("".join(element.text_content().split()))
        if tag == "table" and not element.xpath(".//table"):
            self.flush()
            self.table(element)
            self.buffer.append(element.tail or "")
            return
        block = tag in _BLOCK_TAGS
        if block:
            self.flush()
        self.buffer.append(element.text or "")
        for child in element:
            self.walk(child)
        if block:
            self.flush()
        self.buffer.append(element.tail or "")

    def table(self, element) -> None:
        self.tables += 1
        for tr in element.iter("tr"):
            cells = tuple(
                " ".join(visible_text(cell).split())
                for cell in tr
                if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th") and not _hidden(cell)
            )
            if cells:
                self.blocks.append(Row(cells, self.tables))


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _hidden(element) -> bool:
    """Whether a browser shows nothing of the element (hidden attribute or inline style)."""
    if not isinstance(element.tag, str):
        return False
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style") or ""))


def visible_text(element) -> str:
    """The text of an element as a browser shows it: scripts, styles and hidden elements left out."""
    out: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if isinstance(child.tag, str) and tag not in _SKIP_TAGS and not _hidden(child):
            out.append(" " if tag == "br" else visible_text(child))
        out.append(child.tail or "")
    return "".join(out)
