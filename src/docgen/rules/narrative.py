"""Numbers in the narrative that state a table figure and contradict it (a warning).

Only sentences that plainly state one of the report's own figures are read — 收到…申请N件,
上年结转N件, 办结N件, 结转下年度N件, 予以公开N件, 行政复议N件, 行政诉讼N件 — and a number is
skipped whenever its sentence puts it in another scope: another year (2020年, 去年, 同比), a
sub-unit (县教育局, 各乡镇), 备案 matters, a breakdown (其中自然人…), or an approximation (近、约、
余). Precision matters more than recall: a false alarm teaches people to ignore the check.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable

from .checks import WARNING, Finding
from .crossyear import is_draft, narrative_parts
from ..editions.types import RESULTS_LABEL, TABLE_2, TABLE_3, TABLE_4, TOTAL, TOTAL_ROW_LABEL, Edition
from ..report.model import Report

RULE = "正文"
SNIPPET_MAX = 30
SENTENCE_MAX = 300  # characters before a figure read as its sentence (keeps the check linear)
LOOK_BACK = 12  # characters before a phrase searched for words that change its scope
_CN_DIGITS = "零〇一二两三四五六七八九"
_CN = rf"[{_CN_DIGITS}十百千万]+"
_F = rf"[^，。；、,;：:！？!?\d\s（）(){_CN_DIGITS}十百千]"  # filler inside one phrase: no punctuation, no numerals
_N = rf"(?P<n>\d+|{_CN})\s*"
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,]")
_YEAR = re.compile(r"(\d{4})\s*年")
_OTHER_TIME = re.compile(r"去年|上一?年(?!度?结转)|往年|历年|同比|同期|以来")
_APPROX_BEFORE = re.compile(r"(?:近|约|逾|超过|超|不到|不足|多于|少于|将近|接近|大约)\s*$")
_APPROX_AFTER = re.compile(r"^\s*(?:以上|以下|左右|之多|多)")
_UNITS = ("局", "厅", "委员会", "管委会", "办公室", "乡", "镇", "街道", "中心", "公司", "部门", "单位", "学校", "医院")
_OWN = ("我", "本", "全", "该")
_SCOPE_WORDS = ("备案",)
_CHANNELS = ("网络", "网上", "信函", "当面", "邮寄", "电子邮件", "传真", "电话", "平台")
_OTHER_MATTERS = ("复议", "诉讼", "信访", "举报", "投诉", "建议", "提案", "咨询", "留言", "来信", "来电", "热线", "办件", "政务服务")
_JOINED_REVIEW = re.compile(r"复议\s*(?:和|及|与|、|或)\s*$")
_AS_ORGAN = re.compile(r"(?:收到|受理|办理|审理|接到|接收|办结|审结)\s*$")
_NEGATED = re.compile(r"(?:不|未|没有|无法|不能|不得|不再|不宜|不应|拒绝|拒不)\s*$")  # 不能予以公开3件: not （一）予以公开


@dataclass(frozen=True)
class Fact:
    """A figure the narrative may state, how it is phrased, and what the tables say it is."""

    id: str
    patterns: tuple[re.Pattern, ...]
    accepted: Callable[[Report], tuple[int, ...]]  # the values that agree with the tables
    describe: Callable[[Report], str]  # the table side of the message
    excluded: tuple[str, ...] = ()  # words in the phrase or its clause that change the scope
    no_breakdown: bool = False  # skip when the clause says 其中 (a breakdown of the figure)
    not_after: re.Pattern | None = None  # skip when the phrase follows this (e.g. 受理行政复议: the agency as the review organ)
    applies: Callable[[Edition], bool] = lambda spec: True  # whether the edition's tables hold the figure


def _total(report: Report, row_id: str) -> int:
    return report.row_with_total(row_id)[-1]


def _received_accepted(report: Report) -> tuple[int, ...]:
    received, carried_in = _total(report, report.spec.received.id), _total(report, report.spec.carried_in.id)
    return (received, received + carried_in)


def _received_describe(report: Report) -> str:
    spec = report.spec
    received, carried_in = _total(report, spec.received.id), _total(report, spec.carried_in.id)
    text = f"{TABLE_3}“{spec.received.label}”总计列为 {received}"
    if carried_in:
        text += f"，加上“{spec.carried_in.label}”{carried_in} 为 {received + carried_in}"
    return text


RowOf = Callable[[Edition], str]  # the id of the table-三 row a fact states, from the spec


def _row_facts(row_of: RowOf) -> tuple[Callable[[Report], tuple[int, ...]], Callable[[Report], str]]:
    """A fact's accepted values and table side for one table-三 row's 总计."""
    return (lambda report: (_total(report, row_of(report.spec)),)), _row_describe(row_of)


def _row_describe(row_of: RowOf) -> Callable[[Report], str]:
    def describe(report: Report) -> str:
        row_id = row_of(report.spec)
        if row_id == TOTAL:
            return f"{TABLE_3}“{RESULTS_LABEL} · {TOTAL_ROW_LABEL}”为 {_total(report, row_id)}"
        return f"{TABLE_3}“{report.spec.app_row(row_id).label}”总计列为 {_total(report, row_id)}"

    return describe


def _in_force_cell(spec: Edition) -> tuple[str, str, str] | None:
    """(row id, field id, label) of 行政规范性文件's 现行有效件数: the spec's carried stock field
    (one with additions and removals) in the row labelled 规范性文件, when the edition has it."""
    for carried in spec.carried:
        for block, row in spec.active_rows:
            fields = {f.id: f.label for f in block.fields}
            if carried.added and carried.field in fields and "规范性文件" in row.label:
                return row.id, carried.field, f"{row.label} · {fields[carried.field]}"
    return None


def _in_force(report: Report) -> int | None:
    cell = _in_force_cell(report.spec)
    value = report.active.get(cell[0], {}).get(cell[1]) if cell else None
    return value if isinstance(value, int) else None


def _granted_or_partly(report: Report) -> int:
    return _total(report, report.spec.granted.id) + _total(report, report.spec.partly_granted.id)


def _review_total(report: Report) -> int:
    """行政复议: the groups of table 四 under no shared header."""
    return sum(sum(report.review(g.id)) for g in report.spec.review_groups if not g.parent)


def _litigation_total(report: Report) -> int:
    """行政诉讼: the groups under the shared header."""
    return sum(sum(report.review(g.id)) for g in report.spec.review_groups if g.parent)


def _c(pattern: str) -> re.Pattern:
    return re.compile(pattern)


FACTS = (
    Fact(
        "received",
        (
            _c(rf"(?:收到|新收|接收|接到)(?P<mid>{_F}{{0,15}}?申请{_F}{{0,4}}?){_N}件(?!次)"),
            _c(rf"(?:收到|新收|接收|接到)(?P<mid>{_F}{{0,6}}?){_N}件(?:政府信息公开|信息公开|公开)?申请"),
        ),
        _received_accepted,
        _received_describe,
        excluded=_OTHER_MATTERS + _CHANNELS + ("自然人", "法人", "企业", "机构", "组织", "结转"),
        no_breakdown=True,
    ),
    Fact(
        "carried_in",
        (_c(rf"上一?年度?结转(?P<mid>{_F}{{0,12}}?){_N}件"),),
        *_row_facts(lambda s: s.carried_in.id),
        excluded=("复议", "诉讼"),
    ),
    Fact(
        "total",
        (_c(rf"办结(?P<mid>{_F}{{0,10}}?){_N}件(?!次)"),),
        *_row_facts(lambda s: TOTAL),
        excluded=("复议", "诉讼", "结转", "信访", "举报", "投诉", "建议", "提案", "办件", "政务服务"),
    ),
    Fact(
        "carried_out",
        (
            _c(rf"结转(?:至|到)?下一?年度?(?:继续)?(?:办理)?(?P<mid>){_N}件"),
            _c(rf"{_N}件(?P<mid>{_F}{{0,8}}?)结转(?:至|到)?下一?年"),
        ),
        *_row_facts(lambda s: s.carried_out.id),
        excluded=("复议", "诉讼"),
    ),
    Fact(
        "granted",
        (_c(rf"(?<!部分)(?<!不)予以公开(?P<mid>的?){_N}件"),),
        *_row_facts(lambda s: s.granted.id),
        excluded=("复议", "诉讼"),
        not_after=_NEGATED,
    ),
    Fact(
        "granted_or_partly",
        (_c(rf"予以公开(?:和|及|与|、|或|以及)部分公开(?P<mid>的?(?:共|合计)?){_N}件"),),
        lambda r: (_granted_or_partly(r),),
        lambda r: f"{TABLE_3}“（一）予以公开”与“（二）部分公开”总计列之和为 {_granted_or_partly(r)}",
        excluded=("复议", "诉讼"),
    ),
    Fact(
        "normative_in_force",
        (_c(rf"现行有效的?(?:行政)?规范性文件(?P<mid>(?:共|合计)?){_N}件"),),
        lambda r: (_in_force(r),) if _in_force(r) is not None else (),
        lambda r: f"{TABLE_2}“{_in_force_cell(r.spec)[2]}”为 {_in_force(r)}",
        applies=lambda spec: _in_force_cell(spec) is not None,
    ),
    Fact(
        "review",
        (_c(rf"行政复议(?P<mid>(?:案件|申请)?(?:共)?){_N}(?:件|起)"),),
        lambda r: (_review_total(r),),
        lambda r: f"{TABLE_4}“行政复议 · 总计”为 {_review_total(r)}",
        not_after=_AS_ORGAN,
    ),
    Fact(
        "litigation",
        (_c(rf"行政诉讼(?P<mid>(?:案件)?(?:共)?){_N}(?:件|起)"),),
        lambda r: (_litigation_total(r),),
        lambda r: f"{TABLE_4}“行政诉讼”两组总计之和为 {_litigation_total(r)}",
        excluded=("直接起诉", "复议后", "经复议"),
        not_after=_AS_ORGAN,
    ),
)


def narrative_findings(report: Report, lines: dict[str, int] | None = None) -> list[Finding]:
    """Warnings for narrative numbers that state a table figure and contradict it.

    Linear in the length of the narrative: each match looks only at a bounded stretch of text
    before it (its clause and sentence, at most SENTENCE_MAX characters).
    """
    lines = lines or {}
    out: list[Finding] = []
    facts = [f for f in FACTS if f.applies(report.spec)]
    table = _TableSide(report)
    for where, key, text, path in narrative_parts(report):
        if not text.strip() or is_draft(text):
            continue
        ends = _Boundaries(text)
        for fact in facts:
            for pattern in fact.patterns:
                for match in pattern.finditer(text):
                    finding = _judge(report, fact, text, match, where, lines.get(key) or lines.get(key.split(".")[0]), ends, table, path)
                    if finding:
                        out.append(finding)
    return out


class _TableSide:
    """Each fact's accepted values and description, computed once per report."""

    def __init__(self, report: Report):
        self.report = report
        self.values: dict[str, tuple[int, ...]] = {}
        self.texts: dict[str, str] = {}

    def accepted(self, fact: Fact) -> tuple[int, ...]:
        if fact.id not in self.values:
            self.values[fact.id] = fact.accepted(self.report)
        return self.values[fact.id]

    def describe(self, fact: Fact) -> str:
        if fact.id not in self.texts:
            self.texts[fact.id] = fact.describe(self.report)
        return self.texts[fact.id]


class _Boundaries:
    """Sentence and clause ends of one text, found once, so each match finds its own in O(log n)."""

    def __init__(self, text: str):
        self.sentence = [m.end() for m in _SENTENCE_END.finditer(text)]
        self.clause = [m.end() for m in _CLAUSE_END.finditer(text)]

    @staticmethod
    def start(ends: list[int], at: int) -> int:
        i = bisect.bisect_right(ends, at) - 1
        while i >= 0 and ends[i] > at:
            i -= 1
        start = ends[i] if i >= 0 else 0
        return max(start, at - SENTENCE_MAX)


def number_of(text: str) -> int | None:
    """An Arabic or Chinese numeral as an integer: 393, 十二, 一百零三, 两千; None when unreadable."""
    if text.isdigit():  # a figure has at most 15 digits; longer (or ² and the like) is no figure
        try:
            return int(text) if len(text) <= 15 else None
        except ValueError:
            return None
    if text[0] in "百千万":
        return None
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    units = {"十": 10, "百": 100, "千": 1000}
    total, section, digit = 0, 0, None
    for char in text:
        if char in digits:
            if digit is not None and char not in "零〇":
                return None  # 二三: not a number
            digit = digits[char] if char not in "零〇" else None
        elif char in units:
            section += (1 if digit is None else digit) * units[char]
            digit = None
        elif char == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _judge(
    report: Report, fact: Fact, text: str, match: re.Match, where: str, line: int | None, ends: _Boundaries, table: _TableSide, path: str
) -> Finding | None:
    number = number_of(match.group("n"))
    accepted = table.accepted(fact)
    if number is None or number in accepted or not accepted:
        return None
    at = match.start()
    sentence = text[_Boundaries.start(ends.sentence, at) : at]
    clause = text[_Boundaries.start(ends.clause, at) : at]
    phrase = match.group("mid") or ""
    n_start, n_end = match.span("n")
    if _APPROX_BEFORE.search(text[max(0, n_start - LOOK_BACK) : n_start]) or _APPROX_AFTER.match(text[n_end : n_end + LOOK_BACK].lstrip("件起")):
        return None
    if any(int(y) != report.year for y in _YEAR.findall(sentence)) or _OTHER_TIME.search(sentence):
        return None
    if any(w in sentence or w in phrase for w in _SCOPE_WORDS) or _sub_unit(sentence, report.agency):
        return None
    if any(w in phrase or w in clause for w in fact.excluded):
        return None
    if fact.no_breakdown and "其中" in clause:
        return None
    before = text[max(0, at - LOOK_BACK) : at]
    if fact.id == "litigation" and _JOINED_REVIEW.search(before):
        return None
    if fact.not_after is not None and fact.not_after.search(before):
        return None
    snippet = _snippet(clause, match)
    shown = match.group("n") if match.group("n").isdigit() else f"{match.group('n')}（{number}）"
    what = f"正文“{snippet}”写的是 {shown}，但{table.describe(fact)}"
    return Finding(RULE, WARNING, where, what, line, (path,))


def _sub_unit(sentence: str, agency: str) -> bool:
    """Whether the sentence names a unit other than the reporting agency (县教育局, 各乡镇 …)."""
    for unit in _UNITS:
        for found in re.finditer(unit, sentence):
            before = sentence[max(0, found.start() - 4) : found.start()]
            if not before or not re.search(r"[\u4e00-\u9fff]$", before):
                continue
            if before[-1] in _OWN:
                continue
            if any(before[-k:] + unit in agency for k in range(1, len(before) + 1)):
                continue
            return True
    return False


def _snippet(clause: str, match: re.Match) -> str:
    """The clause up to the number, or the matched phrase alone when the clause is long."""
    text = clause + match.group(0)
    return text.strip() if len(text) <= SNIPPET_MAX else match.group(0).strip()
