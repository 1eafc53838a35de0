"""The sandboxed Jinja environment of Word templates and inspecting a template's sources.

Reading a .docx template's Jinja sources as docxtpl compiles them, and turning broken tags
and syntax errors into messages that name the Word paragraph.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import jinja2
from jinja2 import nodes
from docx.oxml.ns import qn
from jinja2.sandbox import SandboxedEnvironment

from .package import TEMPLATE_PROPERTIES
from .templateguard import (
    MAX_RANGE,
    STEPS_FILTER,
    BoundedCodeGenerator,
    RenderBudget,
    TemplateLimitError,
    bounded_binop,
    bounded_join,
    count_loops,
    package_problems,
    tag_problems,
)
from ..errors import TemplateError
from .templatemessages import jinja_message


# -- the Jinja environment ----------------------------------------------------------------------
class TemplateEnvironment(SandboxedEnvironment):
    """Sandboxed, autoescaping, strict about unknown names, and compiling each source once.

    Each source is compiled under its own file name (``<docgen-N>``), so an error raised while
    rendering can be traced back to the source, and its line to a Word paragraph.
    """

    intercepted_binops = frozenset({"*", "+", "**"})
    code_generator_class = BoundedCodeGenerator

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        self._compiled: dict[str, jinja2.Template] = {}
        self.sources_by_file: dict[str, str] = {}
        self.frozen = False
        self.budget = RenderBudget()
        self.filters[STEPS_FILTER] = self._counted
        self.globals["range"] = self._range

    # -- the limits of a render (templateguard) ---------------------------------------------
    def _generate(self, source, name, filename, defer_init=False):  # noqa: D102 - Jinja's hook
        return super()._generate(count_loops(source), name, filename, defer_init)

    def _counted(self, iterable):
        step = self.budget.step
        for item in iterable:
            step()
            yield item

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        if len(numbers) > MAX_RANGE:
            raise TemplateLimitError(f"range 的范围过大（{len(numbers):,} 个数），最多 {MAX_RANGE:,}")
        return numbers

    def concat(self, chunks) -> str:  # Template.render's join: the rendered length is counted
        out = []
        wrote = self.budget.wrote
        for chunk in chunks:
            wrote(len(chunk))
            out.append(chunk)
        return "".join(out)

    def bounded_join(self, parts, markup: bool):
        self.budget.step()
        return bounded_join(parts, markup)

    def call_binop(self, context, operator, left, right):
        self.budget.step()
        bounded_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj, attribute):
        self.budget.step()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        self.budget.step()
        return super().getitem(obj, argument)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature (a keyword may be "self")
        __self.budget.step()
        return SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 (Jinja's name)
        """Jinja's from_string, memoised by source text (docxtpl asks again on every render).

        Once ``frozen`` (the template's own sources are compiled), a source never seen before — a
        footnotes part rendered a second time holds one report's text — is compiled but not kept.
        """
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if self.frozen and source not in self._compiled:
            # only the template's own sources are ever compiled: report data is never template source
            raise TemplateLimitError("内部错误：不属于模板的内容不能当作模板编译")
        template = self._compiled.get(source)
        if template is None:
            filename = f"<docgen-{len(self._compiled)}>"
            code = self.compile(source, filename=filename)
            template = self.template_class.from_code(self, code, self.make_globals(None), None)
            self._compiled[source] = template
            self.sources_by_file[filename] = source
        return template


# -- the one validation of a template (template check and render) -------------------------------
@dataclass
class Inspected:
    """A template read and validated: problems (one Chinese line each; [] when it can be rendered),
    the loaded DocxTemplate, its patched body and its sources with their parsed trees."""

    problems: list[str]
    tpl: object = None
    body: str = ""
    sources: list[tuple[str, str]] = field(default_factory=list)
    trees: list[tuple[str, str, nodes.Template]] = field(default_factory=list)


def inspect_template(data: bytes, name: str) -> Inspected:
    """Everything render refuses in a template, found without rendering; `template check` reports
    the same problems. TemplateError when the file is not a Word document."""
    problems = package_problems(data, name)
    if problems:
        return Inspected(problems)  # a bomb or an external link: not opened any further
    tpl = open_template(data, name)
    body = tpl.patch_xml(tpl.get_xml())
    sources = sources_of(tpl, body)
    problems = unclosed_tags(tpl.docx, name)
    env = TemplateEnvironment()
    trees = []
    for part, source in sources:
        try:
            tree = env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(syntax_problem(name, part, source, exc))
            continue
        except RecursionError:
            problems.append(f"模板“{name}”中的标记嵌套过深（{part}）")
            continue
        trees.append((part, source, tree))
        for lineno, why in tag_problems(tree):
            tag = tag_text(source, lineno)
            problems.append(f"模板“{name}”中的标记不能使用（{part}：{tag}）：{why}" if tag else f"模板“{name}”中的标记不能使用（{part}）：{why}")
    return Inspected(list(dict.fromkeys(problems)), tpl, body, sources, trees)


# -- reading a template ----------------------------------------------------------------------------
def open_template(data: bytes, name: str):
    """A DocxTemplate of the template's bytes, loaded; TemplateError when it is not a Word document."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(data))
    try:
        tpl.init_docx()
    except Exception:  # python-docx raises several types for a file that is not a .docx
        raise TemplateError(f"“{name}”不是有效的 Word 文档（.docx），无法用作模板") from None
    return tpl


def template_sources(data: bytes, name: str) -> list[tuple[str, str]]:
    """The Jinja sources of a .docx template, exactly as docxtpl will compile them.

    Returns (part, source) pairs: the body, each header and footer, the footnotes and the
    document properties. TemplateError when the file is not a Word document.
    """
    return sources_of(open_template(data, name))


def sources_of(tpl, body: str | None = None) -> list[tuple[str, str]]:
    """``template_sources`` of a loaded DocxTemplate; ``body``: its patched body, when already made."""
    body = tpl.patch_xml(tpl.get_xml()) if body is None else body
    sources = [("正文", _as_rendered(body))]
    for uri, label in ((tpl.HEADER_URI, "页眉"), (tpl.FOOTER_URI, "页脚")):
        for _, part in tpl.get_headers_footers(uri):
            sources.append((label, _as_rendered(tpl.patch_xml(tpl.get_part_xml(part)))))
    for part in tpl.docx.part.package.parts:
        if part.content_type.endswith("wordprocessingml.footnotes+xml"):
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            sources.append(("脚注", _as_rendered(tpl.patch_xml(blob))))
    for prop in TEMPLATE_PROPERTIES:
        sources.append(("文档属性", getattr(tpl.docx.core_properties, prop)))
    return sources


_DELIMITER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}


def delimiter_problems(data: bytes, name: str) -> list[str]:
    """Paragraphs whose tags are not closed within the paragraph.

    docxtpl joins an unclosed tag with the following paragraphs before Jinja sees it, which can
    silently swallow text instead of failing, so this is checked on the Word text first.
    """
    from docx import Document

    return unclosed_tags(Document(io.BytesIO(data)), name)


def unclosed_tags(doc, name: str) -> list[str]:
    """``delimiter_problems`` of a loaded python-docx Document."""
    parts = [("正文", doc.element.body)]
    for rel in doc.part.rels.values():
        if rel.reltype.endswith(("/header", "/footer")) and not rel.is_external:
            parts.append(("页眉" if rel.reltype.endswith("/header") else "页脚", rel.target_part.element))
    problems = []
    for part, root in parts:
        for p in root.iter(qn("w:p")):
            text = "".join(t.text or "" for t in p.iter(qn("w:t")))
            what = _unbalanced(text)
            if what:
                problems.append(f"模板“{name}”中的标记不完整（{part}：{text[:80]}）：{what}")
    return problems


def _unbalanced(text: str) -> str:
    """Why a paragraph's tags do not pair up, or ""."""
    expected = None
    for match in _DELIMITER.finditer(text):
        token = match.group()
        if token in _CLOSER:
            if expected:
                return f"“{token}”出现在上一个标记结束（{expected}）之前"
            expected = _CLOSER[token]
        elif token == expected:
            expected = None
        elif expected is None and token == "}}":
            return f"多余的“{token}”"
    return f"缺少与之配对的“{expected}”" if expected else ""


def _as_rendered(xml: str) -> str:
    """docxtpl puts each paragraph on its own line before compiling; so do we (same source)."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def source_line(source: str, lineno: int | None) -> str:
    """The text of one line of a source (one Word paragraph), without XML tags."""
    lines = source.splitlines()
    if not lineno or not 1 <= lineno <= len(lines):
        return ""
    return re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()


_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|\{[{%#].*")


def tag_text(source: str, lineno: int | None) -> str:
    """The template tags on a line, or the line's text when it has no complete tag."""
    text = source_line(source, lineno)
    tags = _TAG.findall(text)
    return " ".join(tags) if tags else text[:80]


def syntax_problem(name: str, part: str, source: str, exc: jinja2.TemplateSyntaxError) -> str:
    """One Chinese line for a Jinja syntax error: where, the tag's text and why (Jinja's message in Chinese)."""
    tag = tag_text(source, exc.lineno)
    where = f"（{part}：{tag}）" if tag else f"（{part}）"
    return f"模板“{name}”中的标记有误{where}：{jinja_message(exc)}"



def _failing_line(exc: jinja2.TemplateError, env: TemplateEnvironment) -> tuple[int | None, str]:
    """The template line (and its source) being rendered when an error was raised."""
    found: tuple[int | None, str] = (None, "")
    tb = exc.__traceback__
    while tb is not None:
        source = env.sources_by_file.get(tb.tb_frame.f_code.co_filename)
        if source is not None:
            found = (tb.tb_lineno, source)
        tb = tb.tb_next
    return found
