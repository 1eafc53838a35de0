"""The walker's base: problem collection and resolving a mapping's keys (ids, labels, aliases, other editions)."""

from __future__ import annotations

import difflib
from typing import Callable, Iterable

from yaml.nodes import MappingNode, Node, ScalarNode

from .. import editions
from ..editions import Edition
from ..editions.common import HEADER_KEYS
from ..editions.types import AppGroup
from ..errors import Problem
from .nodes import _ENUM_PREFIX, Key, _describe, _forms, _is_null, _join, _line, normalize


class WalkerBase:
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


def _other_edition_group(edition: Edition, item_id: str) -> tuple[Edition, AppGroup] | None:
    """Another edition where this single row of table 三 is a group of rows, and that group."""
    for other in editions.EDITIONS.values():
        if other.id != edition.id:
            for item in other.result_items:
                if isinstance(item, AppGroup) and item.id == item_id:
                    return other, item
    return None
