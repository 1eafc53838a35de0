"""Finishing a rendered body where the layout depends on the text itself.

- Second-level headings written inside the narrative — a line "（一）主动公开方面" or a run-in
  "（一）主动公开方面。全年……" — are set in 楷体 like the template's own （一） headings
  (GB/T 9704); "一是……" stays body text. A heading line is kept with the paragraph below.
- The 落款 of a document without a seal (GB/T 9704 §7.3.5): the agency two characters in from
  the right, the date on the next line starting two characters right of the agency's first
  character; a date longer than that is set two characters in and the agency moves left by as
  much. The last paragraph of the text is kept on the page of the 落款.

- A figure wider than its table cell (a 6-digit count in one of table 四's fifteen columns) is
  set narrower (character scale, w:w) so that it stays on one line.

``finish_body`` works on the body element of word/document.xml after docxtpl rendered it; only
paragraphs directly in the body are touched (never table cells), and only those in the body
style (headings) or the 落款 style (sign-off), so a custom template keeps control of the rest.
"""

from __future__ import annotations

import copy
import re
import unicodedata

from docx.oxml.ns import qn

SUBHEADING_FACE = "楷体_GB2312"
SIGNOFF_STYLE = "落款"  # style id (and name) of the sign-off paragraphs
BODY_STYLES = ("", "Normal", "a")  # the default paragraph style: no w:pStyle, or its id
BODY_PT = 16
SIGNOFF_RIGHT = 2  # characters between the 落款 and the right margin
DATE_SHIFT = 2  # characters the date starts right of the agency's first character
HEADING_MAX = 40  # a longer opening is a sentence, not a heading

_W_P, _W_R, _W_T, _W_PPR, _W_RPR = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:pPr"), qn("w:rPr")
_HEADING = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[）)]")
_RUN_IN_END = "。：:"


def finish_body(body) -> None:
    """Apply the finishing steps to a rendered document body element (in place)."""
    for table in body.iter(qn("w:tbl")):
        _fit_figures(table)
    paragraphs = [child for child in body if child.tag == _W_P]
    signoff = []
    for p in paragraphs:
        style = _style_of(p)
        if style in BODY_STYLES:
            _mark_heading(p)
        elif style == SIGNOFF_STYLE:
            signoff.append(p)
    if signoff:
        _place_signoff(signoff)
        _keep_before(paragraphs, signoff[0])


def heading_length(text: str) -> int:
    """How many leading characters of a paragraph are a （一）-style heading (0: none).

    The whole paragraph when it is a short line of its own; up to and including the first
    "。" or "：" when the heading runs in; 0 when the paragraph does not open with （一）.
    """
    match = _HEADING.match(text)
    if not match:
        return 0
    stripped = text.rstrip()
    inner = stripped[:-1] if stripped[-1:] in _RUN_IN_END else stripped
    if len(stripped) <= HEADING_MAX and not any(c in inner for c in "。！？；：:，,"):
        return len(text)
    for i, c in enumerate(text[: HEADING_MAX + 1]):
        if c in _RUN_IN_END and i >= match.end():
            return i + 1
    return 0


def text_width(text: str) -> float:
    """Width in body characters: full-width characters count 1, half-width ones 0.5."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def signoff_indents(agency: str, date: str) -> tuple[float, float]:
    """Right indents (characters) of the agency and date lines, per GB/T 9704 §7.3.5.2."""
    agency_w, date_w = text_width(agency.strip()), text_width(date.strip())
    agency_right = SIGNOFF_RIGHT
    date_right = agency_right + agency_w - DATE_SHIFT - date_w
    if date_right < SIGNOFF_RIGHT:
        date_right = SIGNOFF_RIGHT
        agency_right = date_right + date_w + DATE_SHIFT - agency_w
    return agency_right, date_right


# -- steps -------------------------------------------------------------------------------------
NUMBER_STYLES = {"表格数字": 12.0, "表三数字": 10.5}  # style id -> size (pt) of the official template's figure cells
_FIGURE = re.compile(r"^[-−]?[\d,.]+(?:万?元)?$")


def _fit_figures(table) -> None:
    """Scale down a figure that would not fit its cell on one line."""
    tblpr = table.find(qn("w:tblPr"))
    margin = 0
    if tblpr is not None and tblpr.find(qn("w:tblCellMar")) is not None:
        mar = tblpr.find(qn("w:tblCellMar"))
        margin = sum(int(e.get(qn("w:w"), 0)) for e in mar if e.tag in (qn("w:left"), qn("w:right")))
    for tc in table.iter(qn("w:tc")):
        width = tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
        if width is None or not width.get(qn("w:w"), "").isdigit():
            continue
        room = (int(width.get(qn("w:w"))) - margin) / 20 - 1  # points, a point to spare
        for p in tc.iter(_W_P):
            size = NUMBER_STYLES.get(_style_of(p))
            text = _text(p).strip()
            if size is None or not _FIGURE.match(text):
                continue
            needed = text_width(text) * size
            if needed > room > 0:
                scale = max(50, int(100 * room / needed))
                for run in p.iter(_W_R):
                    _set_scale(run, scale)


def _run_properties(run):
    """The run's w:rPr, created as its first child when it has none."""
    rpr = run.find(_W_RPR)
    if rpr is None:
        rpr = run.makeelement(_W_RPR, {})
        run.insert(0, rpr)
    return rpr


def _set_scale(run, percent: int) -> None:
    rpr = _run_properties(run)
    for old in rpr.findall(qn("w:w")):
        rpr.remove(old)
    scale = rpr.makeelement(qn("w:w"), {qn("w:val"): str(percent)})
    before = {qn(f"w:{t}") for t in ("sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath", "kern", "position")}
    anchor = next((c for c in rpr if c.tag in before), None)
    if anchor is not None:
        anchor.addprevious(scale)
    else:
        rpr.append(scale)
def _style_of(p) -> str:
    ppr = p.find(_W_PPR)
    style = ppr.find(qn("w:pStyle")) if ppr is not None else None
    return style.get(qn("w:val"), "") if style is not None else ""


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(_W_T))


def _mark_heading(p) -> None:
    text = _text(p)
    length = heading_length(text)
    if not length:
        return
    if length == len(text):
        _keep_next(p)
    done = 0
    for run in [r for r in p if r.tag == _W_R]:
        texts = run.findall(_W_T)
        size = sum(len(t.text or "") for t in texts)
        if done >= length or not size:
            done += size
            continue
        if done + size > length and len(texts) == 1:
            rest = copy.deepcopy(run)
            cut = length - done
            texts[0].text, rest.find(_W_T).text = texts[0].text[:cut], texts[0].text[cut:]
            for t in (texts[0], rest.find(_W_T)):
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            run.addnext(rest)
        _set_face(run, SUBHEADING_FACE)
        done += size


def _set_face(run, face: str) -> None:
    rpr = _run_properties(run)
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    fonts = rpr.makeelement(qn("w:rFonts"), {qn(f"w:{a}"): face for a in ("ascii", "hAnsi", "eastAsia", "cs")})
    fonts.set(qn("w:hint"), "eastAsia")
    style = rpr.find(qn("w:rStyle"))
    if style is not None:
        style.addnext(fonts)
    else:
        rpr.insert(0, fonts)


def _ppr(p):
    ppr = p.find(_W_PPR)
    if ppr is None:
        ppr = p.makeelement(_W_PPR, {})
        p.insert(0, ppr)
    return ppr


def _insert_ordered(ppr, element, after: tuple[str, ...]) -> None:
    """Put `element` into a pPr after the last of the named earlier siblings (schema order)."""
    anchor = None
    for child in ppr:
        if child.tag in {qn(f"w:{t}") for t in after}:
            anchor = child
    if anchor is None:
        ppr.insert(0, element)
    else:
        anchor.addnext(element)


def _keep_next(p) -> None:
    ppr = _ppr(p)
    if ppr.find(qn("w:keepNext")) is None:
        _insert_ordered(ppr, ppr.makeelement(qn("w:keepNext"), {}), ("pStyle",))


def _set_right_indent(p, chars: float) -> None:
    ppr = _ppr(p)
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = ppr.makeelement(qn("w:ind"), {})
        _insert_ordered(
            ppr,
            ind,
            ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "suppressLineNumbers",
             "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct",
             "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing"),
        )
    ind.set(qn("w:rightChars"), str(round(chars * 100)))
    ind.set(qn("w:right"), str(round(chars * BODY_PT * 20)))


def _place_signoff(signoff: list) -> None:
    agency = signoff[0]
    date = signoff[1] if len(signoff) > 1 else None
    agency_right, date_right = signoff_indents(_text(agency), _text(date) if date is not None else "")
    _set_right_indent(agency, agency_right if date is not None else SIGNOFF_RIGHT)
    if date is not None:
        _set_right_indent(date, date_right)
        _keep_next(agency)


def _keep_before(paragraphs: list, first_signoff) -> None:
    """The last paragraph with text before the 落款 stays on its page."""
    index = paragraphs.index(first_signoff)
    for p in reversed(paragraphs[:index]):
        if _text(p).strip():
            _keep_next(p)
            return
