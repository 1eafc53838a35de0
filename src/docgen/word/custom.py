"""Custom Word templates: export the official one, check an edited one.

A check reads the template's Jinja tags (body, headers, footers, footnotes, properties) and
reports, one Chinese line each:
- tags Jinja cannot parse, with the tag's text;
- placeholders the report data does not have (unknown), e.g. a 2019-edition cell in a 2021
  template or a typo;
- report data the template never shows (missing), e.g. a table cell whose placeholder was
  deleted: that figure would silently be absent from the filed report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import nodes

from .. import editions
from ..editions import Edition
from ..errors import TemplateError
from ..fsutil import write_bytes
from .context import ANY, OPTIONAL_PATHS, Path_, context_schema, show_path
from .templating import TemplateEnvironment, inspect_template
from .render import official_template, read_template
from .templatemessages import expression_text


@dataclass(frozen=True)
class Ref:
    """A use of the context in a template: its resolved path and how it is used."""

    path: Path_  # loop variables resolved: s.title → ("overview", "sections", ANY, "title")
    written: str  # as written in the template: s.title
    shown: bool  # printed with {{ }} (as opposed to tested or looped over)


_OPAQUE = object()  # a name whose value docgen does not describe (loop, range, a tuple target …)
_NOT_A_PATH = object()


def edition_of(value: int | Edition | None) -> Edition:
    """The edition for an --edition value (None: the current one); TemplateError when unknown."""
    if isinstance(value, Edition):
        return value
    if value is None:
        return editions.CURRENT
    if value not in editions.EDITIONS:
        known = "、".join(str(e) for e in editions.EDITIONS)
        raise TemplateError(f"--edition：不认识的格式版本 {value}，可选：{known}")
    return editions.get(value)


def export_template(edition: int | Edition | None, target: Path, force: bool = False) -> Path:
    """Write the official template of an edition to `target` (atomically); return `target`.

    TemplateError when `target` exists and `force` is not set.
    """
    spec = edition_of(edition)
    target = Path(target)
    if target.exists() and not force:
        raise TemplateError(f"“{target}”已存在；如需覆盖请加 --force")
    write_bytes(target, official_template(spec.id))
    return target


def check_template(path: Path, edition: int | Edition | None) -> list[str]:
    """Problems of a custom template for an edition, one Chinese line each ([] when usable)."""
    spec = edition_of(edition)
    name = str(path)
    try:
        inspected = inspect_template(read_template(Path(path)), name)  # what render refuses
    except TemplateError as exc:
        return [exc.message]
    env = TemplateEnvironment()
    broken = inspected.problems
    if broken and inspected.tpl is None:
        return broken  # a bomb or an external link: not read any further
    refs: list[Ref] = []
    for _, _, tree in inspected.trees:
        refs += template_references(tree, env)
    unknown = _unknown(refs, context_schema(spec), spec)
    if unknown:
        unknown += _other_edition_hint(refs, spec)
    # after a syntax error the rest of that part is unread, so "missing" would be noise
    missing = [] if broken else _missing(refs, context_schema(spec))
    return broken + unknown + missing


def _other_edition_hint(refs: list[Ref], spec: Edition) -> list[str]:
    for other in editions.EDITIONS.values():
        if other is not spec and not _unknown(refs, context_schema(other), other):
            return [f"这个模板的占位符属于{other.id}版格式；如果报告是{other.id}版格式，请改用 --edition {other.id}"]
    return []


def _unknown(refs: list[Ref], schema: dict[Path_, str], spec: Edition) -> list[str]:
    out: dict[str, str] = {}
    reported: list[Path_] = []
    for ref in refs:
        if ref.written in out or any(ref.path[: len(r)] == r for r in reported):
            continue  # a loop variable over an unknown list, or the same placeholder again
        if not any(_reaches(ref.path, leaf) for leaf in schema):
            reported.append(ref.path)
            resolved = show_path(ref.path)
            also = f"（即 {resolved}）" if resolved != ref.written else ""
            out[ref.written] = f"未知占位符“{ref.written}”{also}：{spec.id}版格式的报告数据中没有这一项"
    return list(out.values())


def _missing(refs: list[Ref], schema: dict[Path_, str]) -> list[str]:
    shown = [r.path for r in refs if r.shown]
    out = []
    for leaf, label in schema.items():
        if leaf in OPTIONAL_PATHS or any(_reaches(path, leaf) for path in shown):
            continue
        where = f"（{label}）" if label else ""
        out.append(f"缺少占位符 {{{{ {show_path(leaf)} }}}}{where}：这一项不会出现在生成的报告中")
    return out


def _reaches(path: Path_, leaf: Path_) -> bool:
    """Whether a template path denotes the leaf, a part containing it, or an attribute of its text."""
    common = min(len(path), len(leaf))
    if not all(_segment_matches(a, b) for a, b in zip(path[:common], leaf[:common])):
        return False
    return len(path) <= len(leaf) or (len(path) == len(leaf) + 1 and hasattr(str, path[-1]))


def _segment_matches(used: str, known: str) -> bool:
    if used == known:
        return True
    if used == ANY:  # t3.received[i]: any index
        return known.isdigit() or known == ANY
    return known == ANY and used.isdigit()  # preamble[0]


# -- reading references out of a parsed template ---------------------------------------------------
def template_references(tree: nodes.Template, env: jinja2.Environment) -> list[Ref]:
    """Every use of a context path in a parsed template, loop variables resolved."""
    refs: list[Ref] = []
    _walk(tree, {}, refs, frozenset(env.globals))
    return refs


def _walk(node: nodes.Node, scope: dict, refs: list[Ref], globals_: frozenset[str]) -> None:
    if isinstance(node, nodes.For):
        _collect(node.iter, scope, False, refs, globals_)
        inner = dict(scope)
        _bind(node.target, _resolve(node.iter, scope, globals_), inner, item=True)
        for child in node.body:
            _walk(child, inner, refs, globals_)
        if node.test is not None:
            _collect(node.test, inner, False, refs, globals_)
        for child in node.else_:
            _walk(child, scope, refs, globals_)
    elif isinstance(node, nodes.Assign):
        _collect(node.node, scope, False, refs, globals_)
        _bind(node.target, _resolve(node.node, scope, globals_), scope)
    elif isinstance(node, nodes.Output):
        for child in node.nodes:
            if not isinstance(child, nodes.TemplateData):
                _collect(child, scope, True, refs, globals_)
    elif isinstance(node, nodes.Expr):
        _collect(node, scope, False, refs, globals_)
    else:
        for child in node.iter_child_nodes():
            _walk(child, scope, refs, globals_)


def _bind(target: nodes.Node, value, scope: dict, item: bool = False) -> None:
    """Bind a for/set target: to the items of `value` (a loop) or to `value` itself (set)."""
    if isinstance(target, nodes.Name):
        if isinstance(value, tuple):
            scope[target.name] = value + (ANY,) if item else value
        else:
            scope[target.name] = _OPAQUE
    else:
        for name in target.find_all(nodes.Name):
            scope[name.name] = _OPAQUE


def _collect(expr: nodes.Node, scope: dict, shown: bool, refs: list[Ref], globals_: frozenset[str]) -> None:
    path = _resolve(expr, scope, globals_)
    if path is _NOT_A_PATH:
        for child in expr.iter_child_nodes():
            _collect(child, scope, shown, refs, globals_)
        return
    if path is not _OPAQUE:
        refs.append(Ref(path, expression_text(expr), shown))
    for item in expr.find_all(nodes.Getitem):  # t3.received[row.index]: the index is a use too
        if not isinstance(item.arg, nodes.Const):
            _collect(item.arg, scope, shown, refs, globals_)


def _resolve(expr: nodes.Node, scope: dict, globals_: frozenset[str]):
    """A Name/Getattr/Getitem chain as a context path, _OPAQUE, or _NOT_A_PATH for other nodes."""
    if isinstance(expr, nodes.Name):
        if expr.name in scope:
            return scope[expr.name]
        return _OPAQUE if expr.name in globals_ or expr.name == "loop" else (expr.name,)
    if isinstance(expr, nodes.Getattr):
        base = _resolve(expr.node, scope, globals_)
        return base + (expr.attr,) if isinstance(base, tuple) else base
    if isinstance(expr, nodes.Getitem):
        base = _resolve(expr.node, scope, globals_)
        if not isinstance(base, tuple):
            return base
        arg = expr.arg
        if isinstance(arg, nodes.Const) and isinstance(arg.value, (int, str)) and not isinstance(arg.value, bool):
            return base + (str(arg.value),)
        return base + (ANY,)
    return _NOT_A_PATH
