"""Numbers in the narrative that state a table figure and contradict it (a warning).

Only sentences that plainly state one of the report's own figures are read — 收到…申请N件,
上年结转N件, 办结N件, 结转下年度N件, 予以公开N件, 行政复议N件, 行政诉讼N件 — and a number is
skipped whenever its sentence puts it in another scope: another year (2020年, 去年, 同比), a
sub-unit (县教育局, 各乡镇), 备案 matters, a breakdown (其中自然人…), or an approximation (近、约、
余). Precision matters more than recall: a false alarm teaches people to ignore the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .checks import WARNING, Finding
from .crossyear import is_draft, narrative_parts
from ..editions.types import RESULTS_LABEL, TABLE_3, TABLE_4, TOTAL, TOTAL_ROW_LABEL, Edition
from ..report.model import Report

RULE = "正文"
SNIPPET_MAX = 30
_F = r"[^，。；、,;：:！？!?\d\s（）()]"  # filler inside one phrase: no punctuation, no digits
_N = r"(?P<n>\d+)\s*"
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
    """Warnings for narrative numbers that state a table figure and contradict it."""
    lines = lines or {}
    out: list[Finding] = []
    for where, key, text in narrative_parts(report):
        if not text.strip() or is_draft(text):
            continue
        for fact in FACTS:
            for pattern in fact.patterns:
                for match in pattern.finditer(text):
                    finding = _judge(report, fact, text, match, where, lines.get(key) or lines.get(key.split(".")[0]))
                    if finding:
                        out.append(finding)
    return out


def _judge(report: Report, fact: Fact, text: str, match: re.Match, where: str, line: int | None) -> Finding | None:
    number = int(match.group("n"))
    if number in fact.accepted(report):
        return None
    sentence = _prefix(text, match.start(), _SENTENCE_END)
    clause = _prefix(text, match.start(), _CLAUSE_END)
    phrase = match.group("mid") or ""
    n_start, n_end = match.span("n")
    if _APPROX_BEFORE.search(text[: n_start]) or _APPROX_AFTER.match(text[n_end:].lstrip("件起")):
        return None
    if any(int(y) != report.year for y in _YEAR.findall(sentence)) or _OTHER_TIME.search(sentence):
        return None
    if any(w in sentence or w in phrase for w in _SCOPE_WORDS) or _sub_unit(sentence, report.agency):
        return None
    if any(w in phrase or w in clause for w in fact.excluded):
        return None
    if fact.no_breakdown and "其中" in clause:
        return None
    if fact.id == "litigation" and _JOINED_REVIEW.search(text[: match.start()]):
        return None
    if fact.not_after is not None and fact.not_after.search(text[: match.start()]):
        return None
    snippet = _snippet(text, match)
    what = f"正文“{snippet}”写的是 {number}，但{fact.describe(report)}"
    return Finding(RULE, WARNING, where, what, line)


def _prefix(text: str, end: int, boundary: re.Pattern) -> str:
    start = 0
    for found in boundary.finditer(text, 0, end):
        start = found.end()
    return text[start:end]


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


def _snippet(text: str, match: re.Match) -> str:
    """The clause up to the number, or the matched phrase alone when the clause is long."""
    clause = _prefix(text, match.start(), _CLAUSE_END) + match.group(0)
    return clause.strip() if len(clause) <= SNIPPET_MAX else match.group(0).strip()
