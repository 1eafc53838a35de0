"""Input file (YAML, INPUT-FORMAT.md) → validated Report.

The file is composed into YAML nodes (never constructed, so no tag can run code) and walked
against the edition spec. Every problem of the file is collected and reported at once, each
located by file, line and official label path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .. import editions
from ..editions import Edition
from ..editions.common import HEADER_KEYS, NARRATIVES, SECTION_LABELS
from ..editions.types import RESULTS_LABEL, TABLE_2, TABLE_3, TABLE_4, TOTAL_LABEL, TOTAL_ROW_LABEL, AppGroup, Kind
from ..errors import InputError, Problem
from .model import APPLICANT_COUNT, REVIEW_COUNT, Amount, Overview, Report, Section
from ..textio import read_text

_STD_TAG = re.compile(r"^tag:yaml\.org,2002:(str|int|float|bool|null|timestamp|map|seq|merge|binary|value)$")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENUM_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十0-9]+\)|[0-9]+[.、])")
_TITLE_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十0-9０-９]+[）)]|[0-9０-９]+[.．、])\s*")
_INT = re.compile(r"^[-+]?[0-9]+$")
_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
MAX_EXPANDED_NODES = 50_000


@dataclass
class Loaded:
    """A loaded report with where its parts stand in the file and the loader's warnings."""

    report: Report
    file: str
    lines: dict[str, int] = field(default_factory=dict)  # "applications.received" -> line
    warnings: list[Problem] = field(default_factory=list)

    def line(self, *keys: str) -> int | None:
        """The line of the most specific key path that was written in the file."""
        for i in range(len(keys), 0, -1):
            line = self.lines.get(".".join(keys[:i]))
            if line:
                return line
        return None


@dataclass(frozen=True)
class Key:
    """A key the file may hold at some place: its id, official label and extra aliases."""

    id: str
    label: str
    aliases: tuple[str, ...] = ()


def normalize(text: str) -> str:
    """Key comparison form: NFKC (full-width → half-width), no white space, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def _forms(text: str) -> set[str]:
    n = normalize(text)
    return {n, _ENUM_PREFIX.sub("", n)}


def load(path: Path | str, shown: str | None = None) -> Loaded:
    """Load and validate one input file; InputError lists every problem found."""
    path = Path(path)
    shown = shown or str(path)
    return load_text(read_text(path, shown), shown)


def load_text(text: str, shown: str) -> Loaded:
    return _Walker(shown).run(text)


class _Walker:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.lines: dict[str, int] = {}

    # -- reporting ------------------------------------------------------------------------
    def error(self, node: Node | None, where: str, what: str) -> None:
        self.problems.append(Problem(self.file, _line(node), where, what))

    def warn(self, node: Node | None, where: str, what: str) -> None:
        self.warnings.append(Problem(self.file, _line(node), where, what, "warning"))

    # -- entry ------------------------------------------------------------------------------
    def run(self, text: str) -> Loaded:
        root = self._compose(text)
        if root is None:
            raise InputError(self.problems)
        if not isinstance(root, MappingNode):
            self.error(root, "", f"文件内容应为一组“键: 值”（报告的各项），实际为{_describe(root)}")
            raise InputError(self.problems)
        edition = self._edition(root)
        report = self._report(root, edition)
        if self.problems:
            raise InputError(sorted(self.problems, key=lambda p: p.line or 0))
        return Loaded(report, self.file, self.lines, self.warnings)

    def _compose(self, text: str) -> Node | None:
        if not text.strip():
            self.error(None, "", "文件为空")
            return None
        try:
            root = compose(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            self.problems.append(Problem(self.file, line, "", f"YAML 格式错误：{_yaml_reason(exc)}"))
            return None
        except yaml.YAMLError as exc:
            self.problems.append(Problem(self.file, None, "", f"YAML 格式错误：{exc}"))
            return None
        if root is None:
            self.error(None, "", "文件为空")
            return None
        if not self._safe_tree(root):
            return None
        return root

    def _safe_tree(self, root: Node) -> bool:
        """Refuse explicit tags (e.g. !!python/object) and alias bombs before anything else."""
        seen: set[int] = set()
        stack = [root]
        while stack:  # every distinct node once, tags checked
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if not _STD_TAG.match(node.tag):
                self.error(node, "", f"不支持 YAML 标签“{node.tag}”，请只填写普通的数字和文字")
                return False
            stack.extend(_children(node))
        memo: dict[int, int] = {}

        def expanded(node: Node) -> int:
            if id(node) not in memo:
                memo[id(node)] = min(1 + sum(expanded(c) for c in _children(node)), MAX_EXPANDED_NODES + 1)
            return memo[id(node)]

        if expanded(root) > MAX_EXPANDED_NODES:
            self.error(root, "", f"引用（&锚点/*别名）展开后内容过多（超过 {MAX_EXPANDED_NODES} 项），拒绝读取")
            return False
        return True

    # -- mapping keys --------------------------------------------------------------------
    def _keys(
        self,
        node: MappingNode,
        keys: Iterable[Key],
        where: str,
        path: str,
        elsewhere: dict[str, str] | None = None,
        computed: Iterable[str] = (),
    ) -> dict[str, tuple[Node, Node]]:
        """Resolve a mapping's keys (ids or official labels) to ids; report unknown and duplicate keys."""
        keys = list(keys)
        lookup: dict[str, Key] = {}
        for key in keys:
            for name in (key.id, key.label, *key.aliases):
                for form in _forms(name):
                    lookup.setdefault(form, key)
        computed_forms = {f for name in computed for f in _forms(name)}
        found: dict[str, tuple[Node, Node]] = {}
        for knode, vnode in node.value:
            name = str(knode.value) if isinstance(knode, ScalarNode) else ""
            if knode.tag.endswith(":merge"):
                self.error(knode, where, "不支持 YAML 合并键“<<”")
                continue
            forms = _forms(name)
            key = next((lookup[f] for f in forms if f in lookup), None)
            if key is None:
                if forms & computed_forms:
                    self.error(knode, where, f"“{name}”由程序根据各项数字自动计算，不需要填写，请删除这一项")
                else:
                    self.error(knode, where, self._unknown(name, keys, elsewhere or {}))
                continue
            if key.id in found:
                first = _line(found[key.id][0])
                self.error(
                    knode, _join(where, key.label), f"重复填写：第 {first} 行已填写过这一项（“{found[key.id][0].value}”），此处（“{name}”）又填写了一次"
                )
                continue
            found[key.id] = (knode, vnode)
            self.lines[f"{path}.{key.id}" if path else key.id] = _line(knode) or 0
        return found

    @staticmethod
    def _unknown(name: str, keys: list[Key], elsewhere: dict[str, str]) -> str:
        for form in _forms(name):
            if form in elsewhere:
                return f"未知的键“{name}”：{elsewhere[form]}"
        names = {}
        for key in keys:
            names.setdefault(key.id, key)
            names.setdefault(normalize(key.label), key)
            names.setdefault(_ENUM_PREFIX.sub("", normalize(key.label)), key)
        close = difflib.get_close_matches(normalize(name), list(names), n=1, cutoff=0.6)
        if close:
            key = names[close[0]]
            return f"未知的键“{name}”，是否应为“{key.id}”（{key.label}）？"
        listed = "、".join(f"{k.id}（{k.label}）" for k in keys[:10])
        return f"未知的键“{name}”；此处可以填写：{listed}"

    def _mapping(self, node: Node, where: str, what: str = "一组“键: 值”") -> MappingNode | None:
        if isinstance(node, MappingNode):
            return node
        if _is_null(node):
            return None
        self.error(node, where, f"应为{what}，实际为{_describe(node)}")
        return None

    # -- the report ------------------------------------------------------------------------
    def _edition(self, root: MappingNode) -> Edition:
        """The edition from `edition:`, else from the year; needed before the rest is read."""
        for knode, vnode in root.value:
            if isinstance(knode, ScalarNode) and normalize(knode.value) in _forms_of("edition"):
                text = str(vnode.value).strip() if isinstance(vnode, ScalarNode) else ""
                digits = re.search(r"(20\d\d)", text)
                if digits and int(digits.group(1)) in editions.EDITIONS:
                    return editions.get(int(digits.group(1)))
                known = "、".join(f"{e.id}（{e.document}）" for e in editions.EDITIONS.values())
                self.error(vnode, HEADER_KEYS["edition"][0], f"不认识的格式版本“{text}”，可选：{known}")
                return editions.CURRENT
        for knode, vnode in root.value:
            if isinstance(knode, ScalarNode) and normalize(knode.value) in _forms_of("year"):
                if isinstance(vnode, ScalarNode) and _INT.match(str(vnode.value).strip()):
                    return editions.for_year(int(vnode.value))
        return editions.CURRENT

    def _report(self, root: MappingNode, edition: Edition) -> Report:
        top_keys = [Key(k, label, aliases) for k, (label, aliases) in HEADER_KEYS.items()]
        top_keys += [Key(n.id, n.label, n.aliases) for n in NARRATIVES]
        top_keys += [
            Key("active", SECTION_LABELS["active"], (TABLE_2, "主动公开政府信息情况")),
            Key("applications", SECTION_LABELS["applications"], (TABLE_3, "收到和处理政府信息公开申请情况")),
            Key("reviews", SECTION_LABELS["reviews"], (TABLE_4, "政府信息公开行政复议、行政诉讼情况")),
        ]
        found = self._keys(root, top_keys, "", "")
        data: dict = {"edition": edition.id}
        for required in ("agency", "year"):
            if required not in found:
                label = HEADER_KEYS[required][0]
                self.error(None, label, f"缺少必填项“{required}”（{label}）")
        if "agency" in found:
            data["agency"] = self._agency(found["agency"][1])
        if "year" in found:
            data["year"] = self._year(found["year"][1], edition)
        if "date" in found:
            data["date"] = self._date(found["date"][1])
        for narrative in NARRATIVES:
            if narrative.id in found and narrative.id != "overview":
                data[narrative.id] = self._text(found[narrative.id][1], narrative.label)
        if "title" in data:
            data["title"] = " ".join(data["title"].split())
        if "overview" in found:
            data["overview"] = self._overview(found["overview"][1])
        if "active" in found:
            data["active"] = self._active(found["active"][1], edition)
        if "applications" in found:
            data["applications"] = self._applications(found["applications"][1], edition)
        if "reviews" in found:
            data["reviews"] = self._reviews(found["reviews"][1], edition)
        if self.problems:
            return None  # type: ignore[return-value]
        return Report(**data)

    # -- header fields --------------------------------------------------------------------
    def _agency(self, node: Node) -> str:
        label = HEADER_KEYS["agency"][0]
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            self.error(node, label, f"应为机关名称，实际为{_describe(node)}")
            return ""
        return self._clean_text(" ".join(str(node.value).split()), node, label)

    def _year(self, node: Node, edition: Edition) -> int:
        label = HEADER_KEYS["year"][0]
        text = str(node.value).strip() if isinstance(node, ScalarNode) else ""
        match = re.fullmatch(r"(\d{4})(?:年度?)?", text)
        if not (isinstance(node, ScalarNode) and match) or not 2008 <= int(match.group(1)) <= 2100:
            self.error(node, label, f"应为四位年份（如 2025），实际为{_describe(node)}")
            return 0
        year = int(match.group(1))
        if not edition.serves(year):
            self.warn(
                node,
                label,
                f"{year}年度的报告通常使用{editions.for_year(year).id}版格式（{editions.for_year(year).document}），"
                f"本文件为{edition.id}版（{edition.document}，适用于{edition.years}）",
            )
        return year

    def _date(self, node: Node) -> dt.date | None:
        label = HEADER_KEYS["date"][0]
        text = str(node.value).strip() if isinstance(node, ScalarNode) else ""
        if isinstance(node, ScalarNode) and _is_null(node):
            return None
        match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
        try:
            if match:
                return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
        self.error(node, label, f"应为日期（如 2026-01-20 或 2026年1月20日），实际为{_describe(node)}")
        return None

    # -- narrative --------------------------------------------------------------------------
    def _text(self, node: Node, where: str) -> str:
        if _is_null(node):
            return ""
        if not isinstance(node, ScalarNode):
            self.error(node, where, f"应为一段文字，实际为{_describe(node)}")
            return ""
        return self._clean_text(str(node.value), node, where)

    def _clean_text(self, text: str, node: Node, where: str) -> str:
        bad = sorted({f"\\x{ord(c):02x}" for c in _XML_ILLEGAL.findall(text)})
        if bad:
            self.warn(node, where, f"含有 Word 文档无法保存的控制字符（{'、'.join(bad)}，常见于从 Word 复制的文字），已删除")
            text = _XML_ILLEGAL.sub("", text)
        return text.strip("\n")

    def _overview(self, node: Node) -> Overview:
        where = SECTION_LABELS["overview"]
        if isinstance(node, ScalarNode):
            return Overview(intro=self._text(node, where))
        mapping = self._mapping(node, where, "文字，或包含 intro（引言）和 sections（分节）的一组“键: 值”")
        if mapping is None:
            return Overview()
        found = self._keys(
            mapping, [Key("intro", "引言", ("导语", "概述")), Key("sections", "分节", ("小节", "部分"))], where, "overview"
        )
        intro = self._text(found["intro"][1], _join(where, "引言")) if "intro" in found else ""
        sections: list[Section] = []
        if "sections" in found:
            seq = found["sections"][1]
            if isinstance(seq, SequenceNode):
                for i, item in enumerate(seq.value, start=1):
                    section = self._section(item, _join(where, f"第{i}节"))
                    if section:
                        sections.append(section)
            elif not _is_null(seq):
                self.error(seq, _join(where, "分节"), f"应为分节的列表（每节以“- title:”开头），实际为{_describe(seq)}")
        return Overview(intro=intro, sections=sections)

    def _section(self, node: Node, where: str) -> Section | None:
        mapping = self._mapping(node, where, "包含 title（标题）和 text（内容）的一组“键: 值”")
        if mapping is None:
            return None
        found = self._keys(mapping, [Key("title", "标题"), Key("text", "内容", ("正文",))], where, "")
        if "title" not in found:
            self.error(node, where, "缺少小节标题“title”（标题）")
            return None
        title = self._text(found["title"][1], _join(where, "标题"))
        title = _TITLE_ENUM.sub("", title.strip())
        text = self._text(found["text"][1], _join(where, title)) if "text" in found else ""
        return Section(title=title, text=text)

    # -- table 二 ------------------------------------------------------------------------------
    def _active(self, node: Node, edition: Edition) -> dict:
        mapping = self._mapping(node, TABLE_2)
        if mapping is None:
            return {}
        rows = {row.id: (block, row) for block, row in edition.active_rows}
        elsewhere = _elsewhere(edition, lambda e: [Key(r.id, r.label, r.aliases) for _, r in e.active_rows])
        found = self._keys(mapping, [Key(r.id, r.label, r.aliases) for _, r in edition.active_rows], TABLE_2, "active", elsewhere)
        out: dict = {}
        for row_id, (_, vnode) in found.items():
            block, row = rows[row_id]
            where = _join(TABLE_2, block.label, row.label)
            if row.scalar and not isinstance(vnode, MappingNode):
                value = self._value(vnode, block.fields[0].kind, where)
                if value is not None:
                    out[row_id] = {block.fields[0].id: value}
                continue
            what = "一个数" if row.scalar else "包含" + "、".join(f"{f.id}（{f.label}）" for f in block.fields) + "的一组“键: 值”"
            values = self._mapping(vnode, where, what)
            if values is None:
                continue
            field_elsewhere = _elsewhere(
                edition, lambda e: [Key(f.id, f.label) for b, r in e.active_rows if r.id == row_id for f in b.fields]
            )
            cells = self._keys(values, [Key(f.id, f.label) for f in block.fields], where, f"active.{row_id}", field_elsewhere)
            kinds = {f.id: f for f in block.fields}
            out[row_id] = {}
            for field_id, (_, cnode) in cells.items():
                value = self._value(cnode, kinds[field_id].kind, _join(where, kinds[field_id].label))
                if value is not None:
                    out[row_id][field_id] = value
        return out

    def _value(self, node: Node, kind: Kind, where: str):
        if kind in (Kind.COUNT, Kind.CHANGE):
            return self._count(node, where, negative=kind is Kind.CHANGE)
        return self._money(node, where, units=kind is Kind.AMOUNT)

    def _money(self, node: Node, where: str, units: bool):
        expected = "金额（数字，可带单位“元”或“万元”）" if units else "金额（单位：万元，可带小数）"
        if _is_null(node):
            return Amount(value=Decimal(0)) if units else Decimal(0)
        text = str(node.value).strip() if isinstance(node, ScalarNode) else ""
        unit = ""
        for suffix in ("万元", "元"):
            if text.endswith(suffix):
                unit, text = suffix, text[: -len(suffix)].strip()
                break
        ok = isinstance(node, ScalarNode) and _DECIMAL.match(text) and node.tag.split(":")[-1] in ("int", "float", "str")
        if ok and unit and not units and unit != "万元":
            self.error(node, where, f"单位应为万元，实际为“{node.value}”；请换算为万元后填写")
            return None
        if not ok:
            self.error(node, where, f"应为{expected}，实际为{_describe(node)}")
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.error(node, where, f"应为{expected}，实际为{_describe(node)}")
            return None
        if value < 0:
            self.error(node, where, f"金额不能为负数，实际为“{node.value}”")
            return None
        if units:
            return Amount(value=value, unit=unit)
        return value

    # -- table 三 ------------------------------------------------------------------------------
    def _applications(self, node: Node, edition: Edition) -> dict:
        mapping = self._mapping(node, TABLE_3)
        if mapping is None:
            return {}
        top: list[Key] = [Key(r.id, r.label, r.aliases) for r in edition.intake_rows]
        for item in edition.result_items:
            top.append(Key(item.id, item.label, item.aliases))
        top.append(Key(edition.carried_out.id, edition.carried_out.label))
        elsewhere = _elsewhere(edition, lambda e: [Key(r.id, r.label) for r in e.result_items])
        found = self._keys(mapping, top, TABLE_3, "applications", elsewhere, computed=("total", TOTAL_ROW_LABEL, TOTAL_LABEL))
        out: dict[str, list[int]] = {}
        items = {item.id: item for item in edition.result_items}
        for item_id, (_, vnode) in found.items():
            item = items.get(item_id)
            if isinstance(item, AppGroup):
                where = _join(TABLE_3, RESULTS_LABEL, item.label)
                if isinstance(vnode, SequenceNode):
                    subs = "、".join(f"{r.key[-1]}（{r.label}）" for r in item.rows)
                    self.error(vnode, where, f"{edition.id}版格式中“{item.label}”分为各分项：{subs}，应为一组“键: 值”，实际为{_describe(vnode)}")
                    continue
                group = self._mapping(vnode, where, "包含各分项的一组“键: 值”")
                if group is None:
                    continue
                rows = self._keys(group, [Key(r.key[-1], r.label, r.aliases) for r in item.rows], where, f"applications.{item_id}")
                for sub_id, (_, rnode) in rows.items():
                    row = edition.app_row(f"{item_id}.{sub_id}")
                    counts = self._counts(rnode, edition, _join(TABLE_3, edition.app_row_path(row)), f"applications.{row.id}")
                    if counts is not None:
                        out[row.id] = counts
            else:
                row = edition.app_row(item_id)
                if isinstance(vnode, MappingNode) and _other_edition_group(edition, item_id):
                    self.error(
                        vnode,
                        _join(TABLE_3, edition.app_row_path(row)),
                        f"{edition.id}版格式中“{row.label}”只有一行，应为6个数的列表；分为三项的写法属于2021版格式",
                    )
                    continue
                counts = self._counts(vnode, edition, _join(TABLE_3, edition.app_row_path(row)), f"applications.{row.id}")
                if counts is not None:
                    out[row.id] = counts
        return out

    def _counts(self, node: Node, edition: Edition, where: str, path: str) -> list[int] | None:
        labels = [a.label for a in edition.applicants]
        return self._count_row(node, where, path, [Key(a.id, a.label) for a in edition.applicants], labels, APPLICANT_COUNT)

    def _count_row(self, node: Node, where: str, path: str, keys: list[Key], labels: list[str], size: int) -> list[int] | None:
        if _is_null(node):
            return None
        if isinstance(node, MappingNode):
            found = self._keys(node, keys, where, path, computed=("total", TOTAL_LABEL))
            values = [0] * size
            ok = True
            for i, key in enumerate(keys):
                if key.id in found:
                    value = self._count(found[key.id][1], _join(where, key.label))
                    ok = ok and value is not None
                    values[i] = value or 0
            return values if ok else None
        if not isinstance(node, SequenceNode):
            self.error(node, where, f"应为{size}个数的列表（{'、'.join(labels)}），实际为{_describe(node)}")
            return None
        if len(node.value) != size:
            hint = "；总计由程序计算，不需要填写" if len(node.value) == size + 1 else ""
            self.error(node, where, f"应为{size}个数（{'、'.join(labels)}），实际为{len(node.value)}个{hint}")
            return None
        values = [self._count(item, _join(where, label)) for item, label in zip(node.value, labels)]
        if any(v is None for v in values):
            return None
        return values  # type: ignore[return-value]

    def _count(self, node: Node, where: str, negative: bool = False) -> int | None:
        expected = "整数（可为负数）" if negative else "非负整数"
        if not isinstance(node, ScalarNode):
            self.error(node, where, f"应为{expected}，实际为{_describe(node)}")
            return None
        text = str(node.value).strip()
        if node.tag.endswith(":int") and _INT.match(text):
            value = int(text)
            if value < 0 and not negative:
                self.error(node, where, f"应为{expected}，实际为“{text}”（负数）")
                return None
            return value
        if _is_null(node):
            self.error(node, where, f"应为{expected}，实际为空；没有的请填 0")
            return None
        kind = {"float": "（小数）", "bool": "（是/否）", "str": "（文字）" if not _INT.match(text) else "（加了引号的文字）"}
        self.error(node, where, f"应为{expected}，实际为“{text}”{kind.get(node.tag.split(':')[-1], '')}")
        return None

    # -- table 四 ------------------------------------------------------------------------------
    def _reviews(self, node: Node, edition: Edition) -> dict:
        mapping = self._mapping(node, TABLE_4)
        if mapping is None:
            return {}
        groups = {g.id: g for g in edition.review_groups}
        found = self._keys(mapping, [Key(g.id, g.full_label, (g.label,) + g.aliases) for g in edition.review_groups], TABLE_4, "reviews")
        keys = [Key(f.id, f.label) for f in edition.review_results]
        labels = [f.label for f in edition.review_results]
        out = {}
        for group_id, (_, vnode) in found.items():
            values = self._count_row(vnode, _join(TABLE_4, groups[group_id].full_label), f"reviews.{group_id}", keys, labels, REVIEW_COUNT)
            if values is not None:
                out[group_id] = values
        return out


def _forms_of(key: str) -> set[str]:
    label, aliases = HEADER_KEYS[key]
    return set().union(*(_forms(n) for n in (key, label, *aliases)))


def _elsewhere(edition: Edition, keys_of: Callable[[Edition], list[Key]]) -> dict[str, str]:
    """Keys another edition has at this place, with a message saying so."""
    own = {f for k in keys_of(edition) for n in (k.id, k.label, *k.aliases) for f in _forms(n)}
    out: dict[str, str] = {}
    for other in editions.EDITIONS.values():
        if other.id == edition.id:
            continue
        for key in keys_of(other):
            for name in (key.id, key.label, *key.aliases):
                for form in _forms(name) - own:
                    out.setdefault(
                        form, f"“{key.id}”（{key.label}）属于{other.id}版格式，本文件为{edition.id}版格式（edition: {edition.id}）"
                    )
    return out


def _other_edition_group(edition: Edition, item_id: str) -> bool:
    return any(
        isinstance(item, AppGroup) and item.id == item_id
        for other in editions.EDITIONS.values()
        if other.id != edition.id
        for item in other.result_items
    )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _line(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None and node.start_mark else None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag.endswith(":null")


def _describe(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return f"一个列表（{len(node.value)}项）"
    if isinstance(node, MappingNode):
        return "一组“键: 值”"
    if _is_null(node):
        return "空"
    text = str(node.value)
    return f"“{text[:40]}{'…' if len(text) > 40 else ''}”"


_LIBYAML = getattr(yaml, "CSafeLoader", None)  # PyYAML's binding to libyaml, when it was built with it
# Where libyaml and the pure-Python parser were found (by fuzzing) to read a malformed file
# differently — one refuses what the other accepts, or they place a node on another line: tabs,
# "?" (complex keys), tags, anchors and aliases, directives, reserved indicators, unusual line
# breaks and byte-order marks, a block scalar's indicator with a comment stuck to it. A file with
# any of these is read as before. Inside a word the characters are text to both (研发&创新,
# 3%, 邮箱 gk@example.gov.cn), and such files still take the fast road.
_RARE_YAML = re.compile(r"[\t?\ufeff\r\x85\u2028\u2029]|[|>][-+0-9]*#|^%|(?:^|[\s\[\]{},:-])[&*!@`]|!(?=[\s,\]}])", re.M)


def compose(text: str) -> Node | None:
    """The YAML node tree of ``text``: the pure-Python parser's tree, errors and lines included.

    Plain files are composed by libyaml (several times faster); what libyaml refuses, what uses
    YAML's rarer features and what holds an empty value (whose line the two parsers may place
    differently) is composed again by the pure-Python parser, so the tree, an error's message
    and every line number are those of the pure-Python parser.
    """
    if _LIBYAML is not None and not _RARE_YAML.search(text):
        try:
            root = yaml.compose(text, Loader=_LIBYAML)
        except yaml.YAMLError:
            root = None
        if root is not None and not _has_empty_value(root):
            return root
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _has_empty_value(root: Node) -> bool:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            if node.value == "" and node.tag.endswith(":null"):
                return True
        else:
            stack.extend(_children(node))
    return False


def _yaml_reason(exc: yaml.MarkedYAMLError) -> str:
    reasons = {
        "found character '\\t' that cannot start any token": "含有制表符（Tab），请改用空格缩进",
        "mapping values are not allowed here": "此处不能出现“:”（冒号后需要空格，或文字中的冒号需加引号）",
        "found duplicate anchor": "重复的锚点",
        "expected a single document in the stream": "文件中只能有一份报告（发现了“---”分隔的多份）",
        "expected the node content, but found ','": "列表中有空项（两个逗号之间没有数字），没有的请填 0",
    }
    problem = exc.problem or ""
    for needle, text in reasons.items():
        if needle in problem or needle in (exc.context or ""):
            return text
    return f"{exc.context + '，' if exc.context else ''}{problem}"
