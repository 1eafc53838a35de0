"""Composing an input file into YAML nodes safely: libyaml fast path, tag and alias-bomb checks, error texts."""

from __future__ import annotations

import re

import yaml
from yaml.nodes import Node, ScalarNode

from .nodes import _children

_STD_TAG = re.compile(r"^tag:yaml\.org,2002:(str|int|float|bool|null|timestamp|map|seq|merge|binary|value)$")
MAX_EXPANDED_NODES = 50_000


MAX_DEPTH = 32  # a report nests 5 levels deep; YAML that nests hundreds of levels is refused
DEEP = f"嵌套层次过深（超过 {MAX_DEPTH} 层的列表或“键: 值”），报告不会有这样的结构"


def unsafe_node(root: Node) -> tuple[Node, str] | None:
    """Refuse explicit tags (e.g. !!python/object), deep nesting, too many items and alias bombs:
    the offending node and why, or None."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:  # every distinct node once, tags and depth checked
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if not _STD_TAG.match(node.tag):
            return node, f"不支持 YAML 标签“{node.tag}”，请只填写普通的数字和文字"
        if depth > MAX_DEPTH:
            return node, DEEP
        stack.extend((child, depth + 1) for child in _children(node))
    if len(seen) > MAX_EXPANDED_NODES:
        return root, f"内容项数过多（{len(seen):,} 项，超过 {MAX_EXPANDED_NODES:,} 项），不像是一份年度报告"
    memo: dict[int, int] = {}

    def expanded(node: Node) -> int:
        if id(node) not in memo:
            memo[id(node)] = min(1 + sum(expanded(c) for c in _children(node)), MAX_EXPANDED_NODES + 1)
        return memo[id(node)]

    if expanded(root) > MAX_EXPANDED_NODES:
        return root, f"引用（&锚点/*别名）展开后内容过多（超过 {MAX_EXPANDED_NODES} 项），拒绝读取"
    return None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that an alias of a scalar gives a copy placed where the alias
    is written: a duplicate key made with an alias is then reported at its own line."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if isinstance(target, ScalarNode):
                self.get_event()
                return ScalarNode(target.tag, target.value, event.start_mark, event.end_mark, target.style)
        return super().compose_node(parent, index)


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
        except (yaml.YAMLError, RecursionError):
            root = None
        if root is not None and not _has_empty_value(root):
            return root
    try:
        return yaml.compose(text, Loader=_Loader)
    except RecursionError:
        raise yaml.MarkedYAMLError(problem=DEEP, problem_mark=_too_deep(text)) from None


def _too_deep(text: str):
    """Where the nesting first goes past MAX_DEPTH, found by the (non-recursive) event parser."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass
    return None


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
