"""What a Word template may be and do: the one validation `template check` and render share,
and the limits a render runs under.

A template is refused when
- its package is a bomb (unpacked size, number of parts, number of XML elements) or links to
  anything outside itself (an image or attached template by http:// or file://, INCLUDEPICTURE
  and similar fields): converting it to PDF would fetch or embed that;
- its tags do more than show report data: include/import/extends, macros, recursive loops,
  internal attributes (``__class__``), calls and filters outside a short list, powers (``**``).

A render of an accepted template is bounded too: loop iterations and sandbox operations per
report, the length of any string it builds, and the length of what it writes.
"""

from __future__ import annotations

import io
import re
import zipfile

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.defaults import DEFAULT_TESTS
from jinja2.exceptions import SecurityError
from jinja2.runtime import markup_join, str_join
from markupsafe import soft_str

from ..zipguard import bomb_problem


class TemplateLimitError(SecurityError):
    """A template did what docgen's sandbox does not allow; the message is Chinese already."""


# -- the package ------------------------------------------------------------------------------------
MAX_UNPACKED = 50 * 1024 * 1024  # all parts, unpacked (the official template: under 1 MB)
MAX_PARTS = 1_000
MAX_ELEMENTS = 500_000  # XML elements in all parts (the official template: about 25,000)
_ALLOWED_EXTERNAL = ("/hyperlink",)  # a link is only followed when a reader clicks it
_EXTERNAL = re.compile(rb"<Relationship\b[^>]*>", re.S)
_LINKING_FIELD = re.compile(rb"\b(INCLUDEPICTURE|INCLUDETEXT|LINK|DDE|DDEAUTO|IMPORT)\b")
_FIELD_CODE = re.compile(rb"<w:instrText[^>]*>([^<]*)<|w:instr=\"([^\"]*)\"")


def package_problems(data: bytes, name: str) -> list[str]:
    """Problems of a template's package, read from the zip without building any document."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []  # not a zip: opening it as a Word document says so
    bomb = bomb_problem(infos, MAX_UNPACKED, MAX_PARTS)
    if bomb:
        return [f"模板“{name}”无法使用：{bomb}"]
    problems: list[str] = []
    elements = 0
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        try:
            xml = archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return [f"模板“{name}”已损坏（{info.filename} 无法解压）"]
        elements += xml.count(b"<") - xml.count(b"</") - xml.count(b"<?")
        if elements > MAX_ELEMENTS:
            return [f"模板“{name}”无法使用：内容过多（超过 {MAX_ELEMENTS:,} 个 XML 元素，例如数量巨大的空段落），不像是正常的报告模板"]
        if info.filename.endswith(".rels"):
            problems += _external_links(xml, info.filename, name)
        else:
            problems += _linking_fields(xml, info.filename, name)
    return problems


def _external_links(xml: bytes, part: str, name: str) -> list[str]:
    out = []
    for match in _EXTERNAL.finditer(xml):
        tag = match.group().decode("utf-8", "replace")
        if 'TargetMode="External"' not in tag and "TargetMode='External'" not in tag:
            continue
        kind = re.search(r"Type=[\"']([^\"']*)[\"']", tag)
        if kind and kind.group(1).endswith(_ALLOWED_EXTERNAL):
            continue
        target = re.search(r"Target=[\"']([^\"']*)[\"']", tag)
        shown = target.group(1) if target else "?"
        out.append(
            f"模板“{name}”引用了文档以外的资源（{part}：{shown[:120]}），生成报告或转换 PDF 时会去读取它；"
            "请把图片等内容直接插入文档，不要“链接到文件”或网址"
        )
    return out


def _linking_fields(xml: bytes, part: str, name: str) -> list[str]:
    out = []
    for match in _FIELD_CODE.finditer(xml):
        code = match.group(1) or match.group(2) or b""
        field = _LINKING_FIELD.search(code)
        if field:
            out.append(
                f"模板“{name}”中有读取外部文件或网址的域（{part}：{field.group(1).decode()}），"
                "请删除该域，把内容直接插入文档"
            )
    return out


# -- the tags ---------------------------------------------------------------------------------------
ALLOWED_FILTERS = frozenset(
    "abs capitalize count d default e escape first float int join last length list lower max min "
    "reverse round sort string striptags sum title trim unique upper wordcount".split()
)
ALLOWED_METHODS = frozenset(
    "capitalize count endswith find get isdigit items keys lower lstrip rstrip split splitlines "
    "startswith strip title upper values".split()
)
LOOP_METHODS = frozenset({"cycle", "changed"})
MAX_RANGE = 100_000


def tag_problems(tree: nodes.Template) -> list[tuple[int, str]]:
    """(line, why) for each tag that does more than show report data; [] when all are allowed."""
    out: list[tuple[int, str]] = []
    for node in tree.find_all(nodes.Node):
        why = _why_refused(node)
        if why:
            out.append((node.lineno, why))
    return out


def _why_refused(node: nodes.Node) -> str | None:  # noqa: PLR0911 - one answer per kind of node
    if isinstance(node, (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        return "模板不能引用其他模板（include、import、extends）"
    if isinstance(node, (nodes.Macro, nodes.CallBlock)):
        return "模板中不能定义或调用宏（macro、call）"
    if isinstance(node, nodes.For) and node.recursive:
        return "不支持递归循环（for … recursive）"
    if isinstance(node, nodes.Pow):
        return "不支持乘方运算（**）"
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return f"不能访问内部属性“{node.attr}”"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and str(node.arg.value).startswith("_"):
        return f"不能访问内部属性“{node.arg.value}”"
    if isinstance(node, nodes.Test) and node.name not in DEFAULT_TESTS:
        return f"不认识的测试“is {node.name}”"
    if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
        return f"不支持过滤器“|{node.name}”（可用：{'、'.join(sorted(ALLOWED_FILTERS))}）"
    if isinstance(node, nodes.Call):
        return _why_call_refused(node)
    return None


def _why_call_refused(node: nodes.Call) -> str | None:
    target = node.node
    if isinstance(target, nodes.Name) and target.name == "range":
        for arg in node.args:
            if isinstance(arg, nodes.Const) and isinstance(arg.value, int) and abs(arg.value) > MAX_RANGE:
                return f"range 的范围过大（{arg.value}），最多 {MAX_RANGE:,}"
        return None
    if isinstance(target, nodes.Getattr):
        if isinstance(target.node, nodes.Name) and target.node.name == "loop" and target.attr in LOOP_METHODS:
            return None
        if target.attr in ALLOWED_METHODS:
            return None
        return f"不支持调用“.{target.attr}(…)”"
    shown = target.name if isinstance(target, nodes.Name) else "…"
    return f"不支持调用“{shown}(…)”"


# -- the limits of a render ---------------------------------------------------------------------
MAX_STEPS = 5_000_000  # loop iterations and sandbox operations per report
MAX_STRING = 20_000_000  # characters of any string a template builds (+, *, ~)
MAX_OUTPUT = 100_000_000  # characters a report's parts render to, together


class RenderBudget:
    """The counters of one report's render; ``TemplateEnvironment`` owns one."""

    def __init__(self) -> None:
        self.steps = 0
        self.output = 0

    def reset(self) -> None:
        self.steps = self.output = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise TemplateLimitError(f"模板的循环或运算次数过多（超过 {MAX_STEPS:,} 次），可能是嵌套循环或无限展开")

    def wrote(self, count: int) -> None:
        self.output += count
        if self.output > MAX_OUTPUT:
            raise TemplateLimitError(f"模板生成的内容过大（超过 {MAX_OUTPUT // 1_000_000} M 字符）")


def check_string(length: int) -> None:
    if length > MAX_STRING:
        raise TemplateLimitError(f"模板生成的文字过长（{length:,} 个字符，最多 {MAX_STRING:,}），例如字符串乘法或反复拼接")


def sized(value) -> int | None:
    """The length of a string or list (what + and * can blow up), else None."""
    return len(value) if isinstance(value, (str, list, tuple)) else None


def bounded_binop(operator: str, left, right) -> None:
    """SecurityError when ``left <operator> right`` would build an oversized string or list."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            size = sized(seq)
            if size is not None and isinstance(times, int) and not isinstance(times, bool):
                check_string(size * max(times, 0))
    elif operator == "+":
        sizes = (sized(left), sized(right))
        if None not in sizes:
            check_string(sizes[0] + sizes[1])  # type: ignore[operator]
    elif operator == "**":
        raise TemplateLimitError("不支持乘方运算（**）")


def bounded_join(parts, markup: bool):
    """Jinja's ``~`` concatenation, refusing a result longer than MAX_STRING."""
    texts = [soft_str(p) for p in parts]
    check_string(sum(map(len, texts)))
    return markup_join(texts) if markup else str_join(texts)


class BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator with ``~`` going through ``environment.bounded_join``."""

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        if frame.eval_ctx.volatile:
            markup = "context.eval_ctx.volatile"
        else:
            markup = "True" if frame.eval_ctx.autoescape else "False"
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {markup})")


STEPS_FILTER = "docgen_counted"  # not in ALLOWED_FILTERS: a template cannot name it


def count_loops(tree: nodes.Template) -> nodes.Template:
    """Every for loop's iterable passed through the counting filter (each item is a step)."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Filter(loop.iter, STEPS_FILTER, [], [], None, None, lineno=loop.iter.lineno)
    return tree


__all__ = [
    "BoundedCodeGenerator",
    "RenderBudget",
    "TemplateLimitError",
    "bounded_binop",
    "bounded_join",
    "count_loops",
    "package_problems",
    "tag_problems",
]
