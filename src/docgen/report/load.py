"""Input file (YAML, INPUT-FORMAT.md) → validated Report.

The file is composed into YAML nodes (never constructed, so no tag can run code) and walked
against the edition spec. Every problem of the file is collected and reported at once, each
located by file, line and official label path. The walk is split by job: yamlread (safe
composition), nodes/keys (helpers, key resolution), walk_text (header, narrative),
walk_active (table 二), walk_counts (tables 三 and 四).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from .. import editions
from ..editions import Edition
from ..editions.common import HEADER_KEYS, NARRATIVES, SECTION_LABELS
from ..editions.types import TABLE_2, TABLE_3, TABLE_4
from ..errors import InputError, Problem
from ..textio import read_text
from .keys import _forms_of
from .model import Report
from .nodes import _INT, Key, _describe, normalize
from .walk_active import ActiveWalker
from .walk_counts import CountWalker
from .walk_text import TextWalker
from .forgive import flow_commas, key_colons, yaml_error
from .yamlread import MAX_EXPANDED_NODES, compose, unsafe_node

__all__ = ["Key", "Loaded", "MAX_EXPANDED_NODES", "compose", "load", "load_text", "normalize"]


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



def load(path: Path | str, shown: str | None = None) -> Loaded:
    """Load and validate one input file; InputError lists every problem found."""
    path = Path(path)
    shown = shown or str(path)
    return load_text(read_text(path, shown), shown)


def load_text(text: str, shown: str) -> Loaded:
    return _Walker(shown).run(text)


class _Walker(TextWalker, ActiveWalker, CountWalker):
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
        # Forgiving input (forgive.py): full-width commas in number lists always, full-width
        # colons after keys only when the file does not read as it is; each with a warning.
        text, notes = flow_commas(text)
        try:
            root = compose(text)
        except yaml.YAMLError as exc:
            root, colon_notes = self._compose_with_colons(text)
            if root is None:
                line, reason = yaml_error(exc, text)
                self.problems.append(Problem(self.file, line, "", f"YAML 格式错误：{reason}"))
                return None
            notes += colon_notes
        for line, note in notes:
            self.warnings.append(Problem(self.file, line, "", note, "warning"))
        if root is None:
            self.error(None, "", "文件为空")
            return None
        if not self._safe_tree(root):
            return None
        return root

    @staticmethod
    def _compose_with_colons(text: str) -> tuple[Node | None, list[tuple[int, str]]]:
        fixed, notes = key_colons(text)
        if not notes:
            return None, []
        try:
            return compose(fixed), notes
        except yaml.YAMLError:
            return None, []

    def _safe_tree(self, root: Node) -> bool:
        bad = unsafe_node(root)
        if bad is not None:
            self.error(bad[0], "", bad[1])
            return False
        return True

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
                if isinstance(vnode, ScalarNode) and _INT.match(str(vnode.value).strip()) and len(str(vnode.value).strip()) <= 6:
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
