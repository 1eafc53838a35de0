"""Paragraphs → the report's title matter and narrative sections.

Section headings are found by their numeral (一、…六、) in order and by resemblance to the
official label, so 五、政府信息公开工作存在的主要问题及改进情况 is still 五. Subsections of 一 are
the paragraphs that open with （一）（二）… in sequence; a title written on the same line as its
text (（一）主动公开方面。按照…) is split off at the first full stop, colon or space.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from ..editions.common import HEADER_KEYS, SECTIONS
from .cells import Block, Row, clean
from .chinese import clean_paragraph

NUMERALS = "一二三四五六七八九十"
HEADING_MAX = 40
HEADING_RATIO = 0.5
SUBTITLE_MAX = 25
_SUB = re.compile(rf"^[（(]\s*([{NUMERALS}]+)\s*[)）]\s*(.*)$")
_DATE = re.compile(r"^[（(]?\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*[)）]?$")
_TITLE_HINT = re.compile(r"(政府信息公开|政务公开).*报告")
_TITLE_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})\s*年度?(?P<agency>.+?)(?:政府信息公开|政务公开)")
_TITLE_AGENCY_FIRST = re.compile(r"^(?P<agency>.+?)(?:关于)?(?P<year>\d{4})\s*年度?")
_AGENCY_TAIL = re.compile(r"(?:关于|政府信息公开工作|政府信息公开|政务公开)+$")
_UNIT = "人民政府|街道办事处|管理委员会|管委会|委员会|办公室|办公厅|厅|局|镇|乡|街道|县|区|市"
_AGENCY_AT_START = re.compile(rf"(?:^|\d{{4}}\s*年度?[，,]?\s*)([\u4e00-\u9fff]{{2,14}}?(?:{_UNIT}))")
_PERIOD_YEAR = re.compile(r"统计(?:期限|时限|区间|时间)[^。]{0,12}?(\d{4})\s*年\s*1\s*月\s*1\s*日")
_ANY_YEAR = re.compile(r"(20\d\d)\s*年")
_NAMED_AGENCY = re.compile(rf"{HEADER_KEYS['agency'][0]}\s*[:：]\s*([^\s　:：，,]+)")
_NAMED_YEAR = re.compile(rf"{HEADER_KEYS['year'][0]}\s*[:：]\s*(\d{{4}})")
_FURNITURE = re.compile(r"^(?:【[^】]{1,10}】\s*)+$")  # 【打印本页】【关闭窗口】 on saved pages


@dataclass
class Narrative:
    """The report's words as recovered from a document."""

    title: str = ""
    agency: str = ""
    year: int | None = None
    date: dt.date | None = None
    preamble: list[str] = field(default_factory=list)
    intro: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    other_matters: list[str] = field(default_factory=list)
    headings: set[str] = field(default_factory=set)  # ids of the sections whose heading was found
    signature: str = ""  # the sign-off line naming the agency at the end, when there is one


def read_narrative(blocks: list[Block]) -> Narrative:
    """Title, agency, year, date, preamble and sections 一、五、六 of a document."""
    items: list[tuple[int, str]] = []
    for i, block in enumerate(blocks):
        if isinstance(block, str):
            text = clean_paragraph(block)
            if text and not _FURNITURE.match(text):
                items.append((i, text))
    out = Narrative()
    heads = _headings(items)
    out.headings = set(heads)
    first_row = next((i for i, b in enumerate(blocks) if isinstance(b, Row)), len(blocks))
    start_of_body = heads["overview"][0] if "overview" in heads else first_row
    head_items = [(i, t) for i, t in items if i < start_of_body]
    title_at = _title(head_items)
    if title_at is not None:
        out.title = head_items[title_at][1]
        if title_at > 0 and _agency_line(head_items[title_at - 1][1]) and re.match(r"^\d{4}\s*年", out.title):
            out.title = head_items[title_at - 1][1] + out.title  # 某某县人民政府 / 2024年…报告 on two lines
            head_items = head_items[: title_at - 1] + head_items[title_at:]
            title_at -= 1
        head_items = head_items[title_at + 1 :]
    out.preamble = _without_date(out, [t for _, t in head_items])
    stops = sorted([pos for pos, _ in heads.values()] + [i for i, b in enumerate(blocks) if isinstance(b, Row)] + [len(blocks)])

    def body(section_id: str) -> list[str]:
        if section_id not in heads:
            return []
        pos, rest = heads[section_id]
        end = next(s for s in stops if s > pos)
        return ([rest] if rest else []) + [t for i, t in items if pos < i < end]

    _overview(out, body("overview"))
    out.problems = body("problems")
    out.other_matters = _without_signature(out, body("other_matters"))
    _agency_and_year(out, items)
    return out


def _headings(items: list[tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """Section id → (block position, text written after the heading on the same line)."""
    found: dict[str, tuple[int, str]] = {}
    after = -1
    for n, (section_id, label) in enumerate(SECTIONS):
        numeral = NUMERALS[n] + "、"
        official = label.split("、", 1)[1]
        for pos, text in items:
            if pos <= after or not text.startswith(numeral) or "|" in text:
                continue
            rest = _heading_rest(text[len(numeral) :].strip(), official)
            if rest is not None:
                found[section_id] = (pos, rest)
                after = pos
                break
    return found


def _heading_rest(body: str, official: str) -> str | None:
    """"" for a heading line, the text after the label for a heading run into its text, else None."""
    if len(body) <= HEADING_MAX and not body.endswith("。"):
        ratio = difflib.SequenceMatcher(None, clean(body), clean(official)).ratio()
        if ratio >= HEADING_RATIO or clean(official) in clean(body):
            return ""
    if body.startswith(official) and len(body) > len(official):
        return body[len(official) :].lstrip("。：: ")
    return None


def _title(items: list[tuple[int, str]]) -> int | None:
    """The index of the last title-like paragraph before 一、 (the real title follows any page header)."""
    found = None
    for k, (_, text) in enumerate(items):
        text = re.sub(r"^(?:标题|题目|名称)\s*[:：]\s*", "", text)
        if (
            len(text) <= 80
            and _TITLE_HINT.search(text)
            and not text.endswith(("。", "：", ":", "；"))
            and not text.startswith(("本报告", "根据", "按照"))
        ):
            found = k
    if found is not None:
        _, text = items[found]
        items[found] = (items[found][0], re.sub(r"^(?:标题|题目|名称)\s*[:：]\s*", "", text))
    return found


def _agency_line(text: str) -> bool:
    """A short line naming an agency alone (the first line of a title set on two lines)."""
    return len(text) <= 30 and not re.search(r"[。，；：:,\d]", text) and bool(re.search(rf"(?:{_UNIT})$", text))


def _without_date(out: Narrative, paragraphs: list[str]) -> list[str]:
    kept = []
    for text in paragraphs:
        date = _date(text)
        if date and out.date is None:
            out.date = date
        elif not date:
            kept.append(text)
    return kept


def _date(text: str) -> dt.date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _without_signature(out: Narrative, paragraphs: list[str]) -> list[str]:
    """Drop the sign-off at the end of 六 (an agency line and a date), keeping the date."""
    paragraphs = list(paragraphs)
    while paragraphs:
        last = paragraphs[-1]
        date = _date(last)
        if date:
            out.date = out.date or date
            paragraphs.pop()
        elif len(last) <= 30 and not re.search(r"[。，；：！？]", last) and re.search(rf"(?:{_UNIT}|办公室)$", last):
            out.signature = last
            paragraphs.pop()
        else:
            break
    return paragraphs


def _overview(out: Narrative, paragraphs: list[str]) -> None:
    expected = 0
    for text in paragraphs:
        match = _SUB.match(text)
        if match and match.group(1) == NUMERALS[expected % len(NUMERALS)] and expected < len(NUMERALS):
            expected += 1
            title, first = _split_title(match.group(2))
            out.sections.append((title, [first] if first else []))
        elif out.sections:
            out.sections[-1][1].append(text)
        else:
            out.intro.append(text)


def _split_title(text: str) -> tuple[str, str]:
    """（一）主动公开方面。按照… → ("主动公开方面", "按照…"); a short line is a title alone."""
    if len(text) <= SUBTITLE_MAX and "。" not in text:
        return text.rstrip("：:"), ""
    match = re.search(r"[。：:；]|\s", text[: SUBTITLE_MAX + 1])
    if match and match.start() > 0:
        return text[: match.start()].strip(), text[match.end() :].strip()
    return "", text


def _agency_and_year(out: Narrative, items: list[tuple[int, str]]) -> None:
    if out.title:
        title = clean(out.title)
        match = _TITLE_YEAR_FIRST.match(title) or _TITLE_AGENCY_FIRST.match(title)
        if match:
            out.year = int(match.group("year"))
            out.agency = _AGENCY_TAIL.sub("", match.group("agency")).strip("，,：: ")
    texts = [t for _, t in items]
    for text in texts:  # a line such as 报告机关：某某县人民政府　报告年度：2025年
        named = _NAMED_AGENCY.search(text)
        if named and not out.agency:
            out.agency = named.group(1)
        named = _NAMED_YEAR.search(text)
        if named and out.year is None:
            out.year = int(named.group(1))
    if out.year is None:
        period = next((m for t in texts for m in _PERIOD_YEAR.finditer(t)), None)
        years = Counter(int(y) for t in texts for y in _ANY_YEAR.findall(t))
        if period:
            out.year = int(period.group(1))
        elif years:
            out.year = years.most_common(1)[0][0]
    if not out.agency:
        names = Counter(m.group(1) for t in texts for m in _AGENCY_AT_START.finditer(t) if not m.group(1).startswith(("我", "本", "全", "各", "该")))
        out.agency = out.signature or (names.most_common(1)[0][0] if names else "")
