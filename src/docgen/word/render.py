"""Model + Word template → the report as a .docx (docxtpl).

The template is a plain Word document with docxtpl placeholders: `{{ t3.received[0] }}` in a
table cell, `{%p for p in preamble %}` … `{%p endfor %}` around a narrative paragraph. It is
rendered in a sandboxed Jinja environment with autoescape on, so text such as
`研发&创新<中心>{{ 7*7 }}` in a narrative comes out literally and a custom template cannot
reach Python internals.

A template is prepared once per process (read, checked and compiled by `prepare_template`)
and the same `Renderer` then renders every report.
"""


from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import jinja2

from ..errors import TemplateError
from ..fsutil import atomic_path
from ..report.model import Report
from ..zipwrite import ZIP_EPOCH
from .context import build_context
from .templatemessages import jinja_message
from .templating import TemplateEnvironment, _failing_line, inspect_template, syntax_problem, tag_text

TEMPLATE_NAME = "report.docx"


# -- rendering ------------------------------------------------------------------------------------
class Renderer:
    """A Word template prepared once: its bytes, its compiled Jinja sources, its environment and
    its package (``docx_package.PreparedPackage``), which renders every report."""

    def __init__(self, data: bytes, name: str):
        from .package import PreparedPackage

        self.data = data
        self.name = name
        self.env = TemplateEnvironment()
        inspected = inspect_template(data, name)  # the same validation as `template check`
        if inspected.problems:
            raise TemplateError("\n".join(inspected.problems))
        self.sources = inspected.sources
        for part, source in self.sources:
            self._compile(part, source)
        self.env.frozen = True
        self.package = PreparedPackage(inspected.tpl, self.env, inspected.body)

    def _compile(self, part: str, source: str) -> None:
        try:
            self.env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(syntax_problem(self.name, part, source, exc)) from None

    def render(self, context: dict[str, Any], created: dt.datetime | None = None) -> bytes:
        """Render a context (see build_context) and return the .docx bytes."""
        self.env.budget.reset()
        try:
            return self.package.render(context, created)
        except jinja2.TemplateError as exc:
            raise TemplateError(self._render_problem(exc)) from None
        except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError, MemoryError) as exc:
            # raised by an expression of the template ({{ agency + 1 }}, a division by zero …)
            if _failing_line(exc, self.env)[1]:
                raise TemplateError(self._render_problem(exc)) from None
            raise

    def _render_problem(self, exc: BaseException) -> str:
        """One Chinese line for an error raised while rendering: the failing tag and why."""
        lineno, source = _failing_line(exc, self.env)
        tag = tag_text(source, lineno) if source else ""
        where = f"（{tag}）" if tag else ""
        if isinstance(exc, jinja2.TemplateError):
            why = jinja_message(exc, source, lineno, self.env)
        else:
            why = next((m for t, m in _RUNTIME.items() if isinstance(exc, t)), None)
            why = why or f"模板中的表达式无法求值（原文：{type(exc).__name__}: {exc}）"
        return f"模板“{self.name}”无法生成报告{where}：{why}；可用 docgen template check 检查模板"


_RUNTIME = {
    RecursionError: "嵌套或递归过深",
    MemoryError: "内存不足（模板生成的内容过大）",
    ZeroDivisionError: "除数为零",
    OverflowError: "数值过大",
    TypeError: "运算的数据类型不匹配（例如文字与数字相加）",
    ValueError: "数值无法转换（例如把文字当作数字）",
    KeyError: "引用的项不存在",
    IndexError: "引用的项不存在",
}



def normalize_zip(data: bytes) -> bytes:
    """The same .docx with fixed member timestamps, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


# -- templates: official and custom ---------------------------------------------------------------
def official_template(edition_id: int) -> bytes:
    """The bytes of the official template of an edition (templates/<edition>/report.docx)."""
    try:
        from importlib.resources import files

        resource = files("docgen.templates") / str(edition_id) / TEMPLATE_NAME
        if resource.is_file():
            return resource.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    path = Path(__file__).resolve().parents[3] / "templates" / str(edition_id) / TEMPLATE_NAME
    try:
        return path.read_bytes()
    except OSError:
        raise TemplateError(f"找不到{edition_id}版格式的 Word 模板（{path}），安装可能不完整") from None


MAX_TEMPLATE_BYTES = 10 * 1024 * 1024


def read_template(path: Path) -> bytes:
    """A custom template's bytes; TemplateError when it cannot be read (or is not a regular file)."""
    from ..textio import read_regular

    path = Path(path)

    def fail(what: str) -> TemplateError:
        if what == "文件不存在":
            return TemplateError(f"找不到模板文件“{path}”")
        if what.startswith("是一个文件夹"):
            return TemplateError(f"模板“{path}”是一个文件夹，应为 Word 文档（.docx）")
        return TemplateError(f"无法读取模板文件“{path}”：{what}")

    return read_regular(path, MAX_TEMPLATE_BYTES, fail, "模板")


_RENDERERS: dict[tuple[str, str], Renderer] = {}
_MAX_RENDERERS = 8


def prepare_template(template: Path | None = None, edition: int | None = None) -> Renderer:
    """The renderer of a custom template (or of an edition's official one), prepared once per process.

    Raises TemplateError when the template cannot be read or has a broken tag.
    """
    if template is None:
        if edition is None:
            raise ValueError("prepare_template needs a template path or an edition")
        key = ("official", str(edition))
        data, name = None, f"{edition}版官方模板"
    else:
        data = read_template(template)
        key, name = ("custom", hashlib.sha256(data).hexdigest()), str(template)
    renderer = _RENDERERS.get(key)
    if renderer is None:
        renderer = Renderer(data if data is not None else official_template(edition), name)
        if len(_RENDERERS) >= _MAX_RENDERERS:
            _RENDERERS.pop(next(iter(_RENDERERS)))
        _RENDERERS[key] = renderer
    return renderer


def render_docx(report: Report, template: Path | None = None) -> bytes:
    """The report as .docx bytes, from the official template of its edition or a custom one."""
    renderer = prepare_template(template, report.edition)
    return renderer.render(build_context(report), created_of(report))


def created_of(report: Report) -> dt.datetime | None:
    """The document's created and modified time: the report's date, when it has one."""
    return dt.datetime.combine(report.date, dt.time()) if report.date else None


def write_docx(report: Report, target: Path, template: Path | None = None) -> Path:
    """Render the report and write it to `target` atomically; return `target`.

    TemplateError when the template is unusable, OutputError when `target` cannot be written.
    """
    data = render_docx(report, template)
    with atomic_path(Path(target)) as temp:
        temp.write_bytes(data)
    return Path(target)
