"""Build the official Word templates, templates/<edition>/report.docx, from the edition specs.

    python -m docgen.word.templatebuild            # regenerates templates/2019 and templates/2021
    python -m docgen.word.templatebuild --out DIR  # writes DIR/<edition>/report.docx instead

The output is deterministic (same spec, same bytes) and is committed. Layout follows
GB/T 9704-2012 as agencies apply it: A4, margins 37/35/28/26 mm, body 仿宋_GB2312 3号 with a
fixed 28.9 pt line, title 方正小标宋简体 2号, "一、" headings 黑体, "（一）" headings 楷体_GB2312,
tables 仿宋_GB2312 小四 with 黑体 headers, page numbers "— N —" in 宋体 4号 (odd pages right,
even pages left, one character in). Every label and every merged cell comes from the edition
grid (docgen.editions.grid); the figures are docxtpl placeholders named by docgen.word.render.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from ..editions import EDITIONS, Edition
from ..editions.common import SECTION_LABELS
from ..editions.grid import LABEL, TABLE3_LABEL_COLUMNS, Grid, GridCell, grid, grids, place
from ..editions.types import TABLE_2, TABLE_3, TABLE_4
from .render import TEMPLATE_NAME, normalize_zip
from .context import t2_expr, t3_expr, t4_expr

# -- page and type (twips: 1 mm = 56.7, 1 pt = 20) -----------------------------------------------
PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838  # A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 2098, 1984, 1587, 1474  # 37, 35, 28, 26 mm
HEADER_DISTANCE, FOOTER_DISTANCE = 851, 1304  # 15 mm; page number about 7 mm below the text block
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 8845 = 156 mm

BODY_FACE, TITLE_FACE, HEADING_FACE, SUBHEADING_FACE, PAGE_FACE = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
BODY_PT, TITLE_PT, TABLE_PT, PAGE_PT = 16, 22, 12, 14  # 3号, 2号, 小四, 4号
LINE_TWIPS = 578  # fixed 28.9 pt: 22 lines on the 225 mm text block
LINES, CHARS = 22, 28  # GB/T 9704: 22 lines of 28 characters on the text block
# 28 characters of 3号 (16 pt) need 448 pt, the line has 442.2 pt: 3号 text is condensed by this
# much (w:spacing, twips) so that a full line holds 28 characters, punctuation included (not
# compressed). The document grid is a line grid (w:docGrid type "lines", pitch 28.9 pt): with a
# character grid ("linesAndChars", pitch 15.8 pt) LibreOffice gives every 16 pt character two
# cells and sets 14 characters a line.
GRID_TRACKING = (TEXT_WIDTH - BODY_PT * 20 * CHARS) // CHARS
TITLE_LINE_TWIPS = 720  # 36 pt for the 2号 title lines
TABLE_LINE_TWIPS = 360  # fixed 18 pt lines in tables
CELL_MARGIN, CELL_MARGIN_TB = 45, 30  # twips inside table cells: 0.8 mm left and right, 1.5 pt above and below
ROW_HEIGHT = 454  # minimum table row height, 8 mm
# Table 三 is set in 五号 (10.5 pt) on 13 pt lines so that it fits one page: a data column holds
# 自然人 or a 6-digit count on one line, a group column （三）/不予公开 on two, and the row-label
# column 13 characters (every row label but the longest four on one line).
TABLE3_PT, TABLE3_LINE_TWIPS, TABLE3_ROW_HEIGHT = 10.5, 260, 340
TABLE3_MARGIN = 20  # twips left and right inside table-三 cells, none above and below
TABLE3_RESULTS_WIDTH, TABLE3_GROUP_WIDTH, TABLE3_DATA_WIDTH = 300, 880, 680

# paragraph styles (built-in names keep Word's navigation pane and outline working)
TITLE, HEADING, SUBHEADING, BODY, FOOTER = "Title", "Heading 1", "Heading 2", "Normal", "Footer"
TABLE_TEXT, TABLE_NUMBER, TABLE_HEAD, SIGNOFF = "表格文字", "表格数字", "表格标题", "落款"
TABLE3_TEXT, TABLE3_NUMBER, TABLE3_HEAD = "表三文字", "表三数字", "表三标题"
CREATED = dt.datetime(2021, 9, 26)  # 国办公开办函〔2021〕30号; fixed so the output is deterministic


# -- table layouts -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One (possibly merged) table cell: its top-left grid position, span, text and style."""

    row: int
    col: int
    text: str
    style: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class TableLayout:
    """A table as column widths (twips), cells and the number of header rows to repeat."""

    widths: tuple[int, ...]
    cells: tuple[Cell, ...]
    header_rows: int = 0
    keep_with_next: frozenset[int] = frozenset()  # rows kept on the page of the row below
    row_height: int = ROW_HEIGHT  # minimum, twips
    margins: tuple[int, int] = (CELL_MARGIN, CELL_MARGIN_TB)  # inside cells: left/right, top/bottom

    @property
    def rows(self) -> int:
        """The number of table rows the cells cover."""
        return max(c.row + c.rowspan for c in self.cells)


def placeholder(expr: str) -> str:
    """A docxtpl placeholder for a Jinja expression: {{ expr }}."""
    return "{{ " + expr + " }}"


def table_layout(edition: Edition, table: str) -> TableLayout:
    """One official table drawn from its grid (docgen.editions.grid): labels, placeholders, spans."""
    g = grid(edition, table)
    if table == TABLE_3:
        cells = tuple(
            Cell(c.row, c.col, _table3_text(edition, c), _cell_style(c, TABLE3_TEXT, TABLE3_NUMBER, TABLE3_HEAD), c.rowspan, c.colspan)
            for c in g.cells
        )
        kept = frozenset(range(g.rows - 1))  # the whole table on one page (it fits)
        return TableLayout(_WIDTHS[table](g), cells, g.header_rows, kept, TABLE3_ROW_HEIGHT, (TABLE3_MARGIN, 0))
    cells = tuple(Cell(c.row, c.col, _cell_text(edition, c), _cell_style(c), c.rowspan, c.colspan) for c in g.cells)
    margins = (TABLE3_MARGIN, CELL_MARGIN_TB) if table == TABLE_4 else (CELL_MARGIN, CELL_MARGIN_TB)  # 15 narrow columns
    return TableLayout(_WIDTHS[table](g), cells, header_rows=g.header_rows, keep_with_next=_kept_rows(g), margins=margins)


def _cell_style(cell: GridCell, text: str = TABLE_TEXT, number: str = TABLE_NUMBER, head: str = TABLE_HEAD) -> str:
    if cell.kind != LABEL:
        return number
    return head if cell.header else text


_GROUP_LABEL = re.compile(r"^([（(][一二三四五六七八九十]+[）)])(.+)$")


def _table3_text(edition: Edition, cell: GridCell) -> str:
    """Table-三 labels broken where a narrow column would cut a word: a group label after its
    number (（三）/不予公开), a 法人或其他组织 column header every two characters (社会/公益/组织)."""
    text = _cell_text(edition, cell)
    if cell.kind != LABEL:
        return text
    group = _GROUP_LABEL.match(text)
    if group and cell.colspan == 1 and cell.col == 1:
        return group.group(1) + "\n" + group.group(2)
    if cell.header and cell.rowspan == 1 and cell.colspan == 1 and cell.col >= TABLE3_LABEL_COLUMNS and len(text) > 3:
        return "\n".join(text[i : i + 2] for i in range(0, len(text), 2))
    return text


def _cell_text(edition: Edition, cell: GridCell) -> str:
    """A label's text, or the docxtpl placeholder of a figure."""
    if cell.path is None:
        return cell.text
    where = place(edition, cell.path)
    if where.table == TABLE_2:
        return placeholder(t2_expr(where.row, str(where.column)))
    if where.table == TABLE_3:
        return placeholder(t3_expr(tuple(where.row.split(".")), int(where.column)))
    return placeholder(t4_expr(where.row, int(where.column)))


def _kept_rows(g: Grid) -> frozenset[int]:
    """Rows kept on the page of the row below: the header rows; in table 二, each block but its last row."""
    if g.header_rows:
        return frozenset(range(g.header_rows))
    starts = sorted({c.row for c in g.cells if c.colspan == g.cols}) + [g.rows]
    return frozenset(r for a, b in zip(starts, starts[1:]) for r in range(a, b - 1))


def _table2_widths(g: Grid) -> tuple[int, ...]:
    first = 2845
    return (first,) + _share(TEXT_WIDTH - first, g.cols - 1)


def _table3_widths(g: Grid) -> tuple[int, ...]:
    data_cols = g.cols - TABLE3_LABEL_COLUMNS
    labels = (TABLE3_RESULTS_WIDTH, TABLE3_GROUP_WIDTH)
    return labels + (TEXT_WIDTH - sum(labels) - TABLE3_DATA_WIDTH * data_cols,) + (TABLE3_DATA_WIDTH,) * data_cols


_WIDTHS = {TABLE_2: _table2_widths, TABLE_3: _table3_widths, TABLE_4: lambda g: _share(TEXT_WIDTH, g.cols)}


def _share(total: int, parts: int) -> tuple[int, ...]:
    """`total` twips split into `parts` near-equal integer widths."""
    base, extra = divmod(total, parts)
    return tuple(base + (1 if i < extra else 0) for i in range(parts))


# -- XML helpers ---------------------------------------------------------------------------------------
def _el(tag: str, **attrs: str):
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), str(value))
    return element


def _replace(parent, tag: str, **attrs: str):
    """Put a fresh <tag attrs/> in `parent` in place of any existing one."""
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    element = _el(tag, **attrs)
    parent.append(element)
    return element


def set_faces(rpr, face: str) -> None:
    """One face for Latin and East Asian text, without theme fonts (which would override it)."""
    existing = rpr.find(qn("w:rFonts"))
    fonts = _el("w:rFonts", ascii=face, hAnsi=face, eastAsia=face, cs=face, hint="eastAsia")
    if existing is not None:
        existing.addprevious(fonts)
        rpr.remove(existing)
    else:
        rpr.insert(0, fonts)


def _strip_theme_fonts(styles_element) -> None:
    for fonts in styles_element.iter(qn("w:rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attr}"), None)


def _indent_chars(ppr, first_chars: int = 0, right_chars: int = 0, pt: float = BODY_PT) -> None:
    """Indents in characters (w:*Chars, hundredths) with their twip equivalent for other readers."""
    attrs = {"firstLineChars": first_chars * 100, "firstLine": round(first_chars * pt * 20)}
    if right_chars:
        attrs.update(rightChars=right_chars * 100, right=round(right_chars * pt * 20))
    _replace(ppr, "w:ind", **attrs)


# -- styles -----------------------------------------------------------------------------------------------
def _style(doc, name: str, based_on: str | None = None):
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.quick_style = True
    element = style.element
    for tag in ("w:pPr", "w:rPr", "w:link"):
        for old in element.findall(qn(tag)):
            element.remove(old)
    if based_on:
        style.base_style = doc.styles[based_on]
    return style


def _para_style(doc, name: str, face: str, pt: float, based_on: str | None = BODY, **fmt) -> None:
    """A paragraph style: face (Latin and East Asian), size, alignment, spacing and indents.

    fmt: align, line (twips), rule ("exact" or "auto"), before/after (twips), first/right
    (indents in characters), keep (with next), outline (level), grid (False: off the
    character grid, for text in another size than the 3号 body).
    """
    style = _style(doc, name, based_on)
    set_faces(style.element.get_or_add_rPr(), face)
    style.font.size = Pt(pt)
    tracking = GRID_TRACKING if fmt.get("grid", True) and pt == BODY_PT else 0
    _replace(style.element.get_or_add_rPr(), "w:spacing", val=tracking)
    style.font.bold = False
    style.paragraph_format.alignment = fmt.get("align", WD_ALIGN_PARAGRAPH.JUSTIFY)
    ppr = style.element.get_or_add_pPr()
    _replace(ppr, "w:snapToGrid", val=1 if fmt.get("grid", True) else 0)
    spacing = {"before": fmt.get("before", 0), "after": fmt.get("after", 0)}
    _replace(ppr, "w:spacing", **spacing, line=fmt.get("line", LINE_TWIPS), lineRule=fmt.get("rule", "exact"))
    _indent_chars(ppr, fmt.get("first", 0), fmt.get("right", 0), pt)
    if fmt.get("keep"):
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.keep_together = True
    if "outline" in fmt:
        _replace(ppr, "w:outlineLvl", val=fmt["outline"])


def define_styles(doc) -> None:
    """Normal, title, two heading levels, table text, sign-off and footer, all with East Asian faces."""
    _defaults(doc)
    _para_style(doc, BODY, BODY_FACE, BODY_PT, based_on=None, first=2)
    _para_style(doc, TITLE, TITLE_FACE, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, line=TITLE_LINE_TWIPS, after=LINE_TWIPS, grid=False)
    _para_style(doc, HEADING, HEADING_FACE, BODY_PT, first=2, keep=True, outline=0)
    _para_style(doc, SUBHEADING, SUBHEADING_FACE, BODY_PT, first=2, keep=True, outline=1)
    _para_style(doc, TABLE_TEXT, BODY_FACE, TABLE_PT, align=WD_ALIGN_PARAGRAPH.LEFT, line=TABLE_LINE_TWIPS, grid=False)
    _para_style(doc, TABLE_NUMBER, BODY_FACE, TABLE_PT, TABLE_TEXT, align=WD_ALIGN_PARAGRAPH.CENTER, line=TABLE_LINE_TWIPS, grid=False)
    _para_style(doc, TABLE_HEAD, HEADING_FACE, TABLE_PT, TABLE_TEXT, align=WD_ALIGN_PARAGRAPH.CENTER, line=TABLE_LINE_TWIPS, grid=False)
    _para_style(doc, TABLE3_TEXT, BODY_FACE, TABLE3_PT, TABLE_TEXT, align=WD_ALIGN_PARAGRAPH.LEFT, line=TABLE3_LINE_TWIPS, grid=False)
    _para_style(doc, TABLE3_NUMBER, BODY_FACE, TABLE3_PT, TABLE_TEXT, align=WD_ALIGN_PARAGRAPH.CENTER, line=TABLE3_LINE_TWIPS, grid=False)
    _para_style(doc, TABLE3_HEAD, HEADING_FACE, TABLE3_PT, TABLE_TEXT, align=WD_ALIGN_PARAGRAPH.CENTER, line=TABLE3_LINE_TWIPS, grid=False)
    _para_style(doc, SIGNOFF, BODY_FACE, BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, right=2)
    _para_style(doc, FOOTER, PAGE_FACE, PAGE_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, line=240, rule="auto", grid=False)
    _table_style(doc)
    _strip_theme_fonts(doc.styles.element)


def _defaults(doc) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_faces(rpr, BODY_FACE)
    _replace(rpr, "w:sz", val=BODY_PT * 2)
    _replace(rpr, "w:szCs", val=BODY_PT * 2)
    _replace(rpr, "w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    _replace(ppr, "w:spacing", after=0, line=240, lineRule="auto")


def _table_style(doc) -> None:
    """Table Grid, used by every table: full single borders and the table text face."""
    style = doc.styles["Table Grid"]
    set_faces(style.element.get_or_add_rPr(), BODY_FACE)
    style.font.size = Pt(TABLE_PT)


# -- document ----------------------------------------------------------------------------------------------
def setup_page(doc) -> None:
    """A4 portrait, GB/T 9704 margins, different odd and even page footers."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Twips(PAGE_WIDTH), Twips(PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Twips(MARGIN_TOP), Twips(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Twips(MARGIN_LEFT), Twips(MARGIN_RIGHT)
    section.header_distance, section.footer_distance = Twips(HEADER_DISTANCE), Twips(FOOTER_DISTANCE)
    section.gutter = Twips(0)
    doc.settings.odd_and_even_pages_header_footer = True
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = _el("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_TWIPS))
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _page_number(paragraph, odd: bool) -> None:
    """"— N —" with a PAGE field: odd pages right-aligned, even pages left-aligned, one character in."""
    paragraph.style = FOOTER
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    one_char = PAGE_PT * 20
    ppr = paragraph._p.get_or_add_pPr()
    side = "right" if odd else "left"
    _replace(ppr, "w:ind", **{f"{side}Chars": 100, side: one_char, "firstLineChars": 0, "firstLine": 0})
    paragraph.add_run("— ")
    run = paragraph.add_run()
    run._r.append(_el("w:fldChar", fldCharType="begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    paragraph.add_run()._r.append(instr)
    paragraph.add_run()._r.append(_el("w:fldChar", fldCharType="separate"))
    paragraph.add_run("1")
    paragraph.add_run()._r.append(_el("w:fldChar", fldCharType="end"))
    paragraph.add_run(" —")


def add_paragraph(doc, text: str, style: str = BODY):
    """Append a paragraph of one run in a named style."""
    return doc.add_paragraph(text, style=style)


def add_loop(doc, items: str, style: str = BODY, var: str = "p") -> None:
    """A paragraph repeated for each item of a context list (docxtpl's paragraph tags)."""
    add_paragraph(doc, "{%p for " + var + " in " + items + " %}")
    add_paragraph(doc, placeholder(var), style)
    add_paragraph(doc, "{%p endfor %}")


def add_table(doc, layout: TableLayout):
    """A table from a layout: merged cells, fixed widths, borders, repeated header, rows kept whole."""
    table = doc.add_table(rows=layout.rows, cols=len(layout.widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_properties(table, layout.widths, layout.margins)
    for i, width in enumerate(layout.widths):
        table.columns[i].width = Twips(width)
    for cell in layout.cells:
        target = table.cell(cell.row, cell.col)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
        paragraph = target.paragraphs[0]
        paragraph.style = cell.style
        paragraph.add_run(cell.text)
    _cell_properties(table, layout.widths)
    for i, row in enumerate(table.rows):
        if i in layout.keep_with_next:
            for tc in row._tr.tc_lst:
                for p in tc.p_lst:
                    p.get_or_add_pPr().append(_el("w:keepNext"))
        trpr = row._tr.get_or_add_trPr()
        trpr.append(_el("w:cantSplit"))
        trpr.append(_el("w:trHeight", val=layout.row_height, hRule="atLeast"))
        if i < layout.header_rows:
            trpr.append(_el("w:tblHeader"))
    return table


def _table_properties(table, widths: tuple[int, ...], margins: tuple[int, int]) -> None:
    tblpr = table._tbl.tblPr
    _replace(tblpr, "w:tblW", w=sum(widths), type="dxa")
    borders = _replace(tblpr, "w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="single", sz=4, space=0, color="000000"))
    cell_margins = _replace(tblpr, "w:tblCellMar")
    side_margin, top_margin = margins
    for side, value in (("top", top_margin), ("left", side_margin), ("bottom", top_margin), ("right", side_margin)):
        cell_margins.append(_el(f"w:{side}", w=value, type="dxa"))
    for old in tblpr.findall(qn("w:tblLook")):
        tblpr.remove(old)


# Schema order of the property elements docgen writes (Word refuses a file whose order is wrong).
_ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd "
    "snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
    "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs em "
    "lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
    "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription",
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing jc hidden",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
}
_ORDER_INDEX = {qn(f"w:{k}"): {qn(f"w:{t}"): i for i, t in enumerate(v.split())} for k, v in _ORDER.items()}


def order_properties(root) -> None:
    """Sort the children of every pPr, rPr, tblPr, trPr and tcPr below `root` into schema order."""
    for tag, index in _ORDER_INDEX.items():
        for props in root.iter(tag):
            children = sorted(props, key=lambda c: index.get(c.tag, len(index)))
            for child in children:
                props.append(child)


def _cell_properties(table, widths: tuple[int, ...]) -> None:
    """Each cell's width (the sum of its grid columns) and vertical centring."""
    for tr in table._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Twips(sum(widths[col : col + span]))
            col += span
    for row in table.rows:
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def build_document(edition: Edition):
    """The whole template for an edition, as a python-docx Document."""
    doc = Document()
    _drop_thumbnail(doc)
    define_styles(doc)
    setup_page(doc)
    _settings(doc)
    _properties(doc, edition)
    add_paragraph(doc, placeholder("title"), TITLE)
    add_loop(doc, "preamble")
    add_paragraph(doc, SECTION_LABELS["overview"], HEADING)
    add_loop(doc, "overview.intro")
    add_paragraph(doc, "{%p for s in overview.sections %}")
    add_paragraph(doc, placeholder("s.number") + placeholder("s.title"), SUBHEADING)
    add_loop(doc, "s.paragraphs")
    add_paragraph(doc, "{%p endfor %}")
    after_table = False
    for table in grids(edition):
        _heading(doc, table.caption, after_table)
        add_table(doc, table_layout(edition, table.table))
        after_table = True
    for section in ("problems", "other_matters"):
        _heading(doc, SECTION_LABELS[section], after_table)
        add_loop(doc, section)
        after_table = False
    _signoff(doc)
    for root in (doc.styles.element, doc.element, *(f.part.element for f in _footers(doc))):
        order_properties(root)
    return doc


def _footers(doc):
    section = doc.sections[0]
    return (section.footer, section.even_page_footer)


def _heading(doc, text: str, after_table: bool) -> None:
    """A "一、" heading; half a line above it when it follows a table."""
    paragraph = add_paragraph(doc, text, HEADING)
    if after_table:
        paragraph.paragraph_format.space_before = Twips(LINE_TWIPS // 2)


def _signoff(doc) -> None:
    """Agency and date one blank line below the text (GB/T 9704 §7.3.5, no seal); their right
    indents depend on their lengths and are set per report (word.finish)."""
    agency = add_paragraph(doc, placeholder("agency"), SIGNOFF)
    agency.paragraph_format.space_before = Twips(LINE_TWIPS)
    add_paragraph(doc, "{%p if date %}")
    add_paragraph(doc, placeholder("date"), SIGNOFF)
    add_paragraph(doc, "{%p endif %}")


def _drop_thumbnail(doc) -> None:
    rels = doc.part.package.rels
    for rid, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            rels.pop(rid)


def _settings(doc) -> None:
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    control = settings.find(qn("w:characterSpacingControl"))
    if control is not None:
        control.set(qn("w:val"), "doNotCompress")  # punctuation takes a full character (GB/T 9704 grid)


def _properties(doc, edition: Edition) -> None:
    props = doc.core_properties
    props.title = ""
    props.author = "docgen"
    props.comments = ""
    props.subject = f"政府信息公开工作年度报告（{edition.document}）"
    props.keywords = ""
    props.last_modified_by = ""
    props.revision = 1
    props.created = props.modified = CREATED


def build_bytes(edition: Edition) -> bytes:
    """The template of an edition as .docx bytes; equal specs give equal bytes."""
    out = io.BytesIO()
    build_document(edition).save(out)
    return normalize_zip(out.getvalue())


def repo_templates() -> Path:
    """templates/ of the source tree (this file is src/docgen/word/templatebuild.py)."""
    return Path(__file__).resolve().parents[3] / "templates"


def write_templates(folder: Path) -> list[Path]:
    """Write <folder>/<edition>/report.docx for every edition; return the paths written."""
    from ..fsutil import write_bytes

    written = []
    for edition in EDITIONS.values():
        target = Path(folder) / str(edition.id) / TEMPLATE_NAME
        write_bytes(target, build_bytes(edition))
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the official templates."""
    parser = argparse.ArgumentParser(prog="python -m docgen.word.templatebuild", description="按格式版本生成官方 Word 模板")
    parser.add_argument("--out", type=Path, default=repo_templates(), help="输出文件夹（默认：源码树中的 templates/）")
    args = parser.parse_args(argv)
    for path in write_templates(args.out):
        print(f"已生成 {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
