"""Walking the header fields (agency, year, date) and the narrative parts of an input file."""

from __future__ import annotations

import datetime as dt
import re

from yaml.nodes import Node, ScalarNode, SequenceNode

from .. import editions
from ..editions import Edition
from ..editions.common import HEADER_KEYS, SECTION_LABELS
from .keys import WalkerBase
from .model import Overview, Section
from .names import EMPTY_NAME, clean_name, name_key
from .nodes import Key, _describe, _is_null, _join

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TITLE_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十0-9０-９]+[）)]|[0-9０-９]+[.．、])\s*")


class TextWalker(WalkerBase):
    # -- header fields --------------------------------------------------------------------
    def _agency(self, node: Node) -> str:
        label = HEADER_KEYS["agency"][0]
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            self.error(node, label, f"应为机关名称，实际为{_describe(node)}")
            return ""
        name = clean_name(str(node.value))
        if not name_key(name):
            self.error(node, label, f"{EMPTY_NAME}，实际为{_describe(node)}")
            return ""
        return name

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
