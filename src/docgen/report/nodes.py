"""YAML node helpers shared by the input walker: keys, key forms, locations and descriptions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_ENUM_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十0-9]+\)|[0-9]+[.、])")
_INT = re.compile(r"^[-+]?[0-9]+$")


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
