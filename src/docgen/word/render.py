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
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
from docx.oxml.ns import qn
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from .package import TEMPLATE_PROPERTIES
from ..editions import Edition
from ..editions.common import SECTION_LABELS
from ..editions.types import RESULTS_LABEL, TABLE_2, TABLE_3, TABLE_4, TOTAL_LABEL, TOTAL_ROW_LABEL
from ..errors import TemplateError
from ..fsutil import atomic_path
from ..report.model import Report, format_value, paragraphs
from ..zipwrite import ZIP_EPOCH

TEMPLATE_NAME = "report.docx"
TOTAL_KEY = "total"  # t3.total: （七）总计
_CONTROL_SPACE = "\t\n\r\x0b\x0c\x85"

Path_ = tuple[str, ...]  # a context path: ("t3", "refused", "state_secret", "0")
ANY = "[]"  # a path segment standing for any item of a list


# -- placeholder paths (shared with the template builder and the checker) ------------------
def t2_expr(row_id: str, field_id: str) -> str:
    """The Jinja expression of a table-二 cell, e.g. ``t2.regulations.issued``."""
    return f"t2.{row_id}.{field_id}"


def t3_expr(key: tuple[str, ...], column: int) -> str:
    """The Jinja expression of a table-三 cell; ``key`` is an AppRow key or ("total",)."""
    return f"t3.{'.'.join(key)}[{column}]"


def t4_expr(group_id: str, column: int) -> str:
    """The Jinja expression of a table-四 cell, e.g. ``t4.review[4]`` (总计)."""
    return f"t4.{group_id}[{column}]"


# -- context ----------------------------------------------------------------------------------
def build_context(report: Report) -> dict[str, Any]:
    """Everything a template can show, as display strings.

    Keys: title, agency, year, date (2026年1月20日 or ""), preamble (paragraphs),
    overview {intro (paragraphs), sections [{number （一）, title, paragraphs}]},
    problems, other_matters (paragraphs), t2 {row: {field: text}},
    t3 {row or group: {row: (7 texts)} / (7 texts), total: (7 texts)}, t4 {group: (5 texts)}.
    Narrative lists are lists; fixed table rows are tuples.
    """
    spec = report.spec
    context = {
        "title": title_text(report),
        "agency": clean_text(report.agency),
        "year": str(report.year),
        "date": format_date(report.date),
        "preamble": text_paragraphs(report.preamble),
        "overview": {
            "intro": text_paragraphs(report.overview.intro),
            "sections": [
                {"number": f"（{chinese_number(i)}）", "title": clean_text(s.title), "paragraphs": text_paragraphs(s.text)}
                for i, s in enumerate(report.overview.sections, 1)
            ],
        },
        "problems": text_paragraphs(report.problems),
        "other_matters": text_paragraphs(report.other_matters),
        "t2": _table2(report, spec),
        "t3": _table3(report, spec),
        "t4": {g.id: _texts(report.review_with_total(g.id)) for g in spec.review_groups},
    }
    return _protect(context)


_DOCXTPL_MARKERS = ("{_{", "}_}", "{_%", "%_}")  # docxtpl turns these into {{ }} {% %} after rendering


def _protect(value: Any) -> Any:
    """Text that docxtpl would alter after rendering, written with character references instead."""
    if isinstance(value, dict):
        return {k: _protect(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_protect(v) for v in value)
    if isinstance(value, str) and any(m in value for m in _DOCXTPL_MARKERS):
        escaped = str(escape(value))
        return Markup(escaped.replace("{", "&#123;").replace("}", "&#125;").replace("%", "&#37;"))
    return value


TITLE_CHARS = 20  # 2号 (22 pt) characters on one 156 mm line


def title_text(report: Report) -> str:
    """The title; a default title too long for one line breaks after the agency's name.

    docxtpl turns the line feed into a line break (w:br) inside the title paragraph.
    """
    title = clean_text(report.display_title)
    agency = clean_text(report.agency)
    if report.title or len(title) <= TITLE_CHARS or not title.startswith(agency):
        return title
    return f"{agency}\n{title[len(agency):]}"


def _table2(report: Report, spec: Edition) -> dict[str, dict[str, str]]:
    return {
        row.id: {f.id: format_value(report.active_value(row.id, f.id)) for f in block.fields}
        for block, row in spec.active_rows
    }


def _table3(report: Report, spec: Edition) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for row in spec.app_rows:
        node = table
        for part in row.key[:-1]:
            node = node.setdefault(part, {})
        node[row.key[-1]] = _texts(report.row_with_total(row.id))
    if TOTAL_KEY in table:
        raise ValueError(f"an edition row is keyed {TOTAL_KEY!r}, which names （七）总计 in templates")
    table[TOTAL_KEY] = _texts(report.row_with_total(TOTAL_KEY))
    return table


def _texts(values: list[int]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def clean_text(text: str) -> str:
    """Text without control characters: tabs and line breaks become spaces, others are dropped."""
    if not any(unicodedata.category(c) == "Cc" or c in "\ufffe\uffff" for c in text):
        return text
    out = []
    for c in text:
        if c in _CONTROL_SPACE:
            out.append(" ")
        elif unicodedata.category(c) != "Cc" and c not in "\ufffe\uffff":
            out.append(c)
    return "".join(out)


def text_paragraphs(text: str) -> list[str]:
    """A narrative field as its paragraphs (blank-line separated), free of control characters."""
    return [p for p in (clean_text(p).strip() for p in paragraphs(text)) if p]


def format_date(date: dt.date | None) -> str:
    """2026-01-20 → 2026年1月20日; no date → ""."""
    return f"{date.year}年{date.month}月{date.day}日" if date else ""


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (1–99; larger numbers as digits)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


# -- the context's shape, for checking templates ------------------------------------------
def context_paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """The leaf paths of a context: dict keys by name, tuple items by index, list items as ANY."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from context_paths(item, prefix + (key,))
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from context_paths(item, prefix + (str(i),))
    elif isinstance(value, list):
        seen: set[Path_] = set()
        for item in value:
            for path in context_paths(item, prefix + (ANY,)):
                if path not in seen:
                    seen.add(path)
                    yield path
    else:
        yield prefix


OPTIONAL_PATHS: frozenset[Path_] = frozenset({("year",)})


def context_schema(edition: Edition) -> dict[Path_, str]:
    """Every leaf path of an edition's context, with the official label path it shows."""
    labels = _labels(edition)
    return {path: labels.get(path, "") for path in context_paths(build_context(_sample(edition)))}


def _sample(edition: Edition) -> Report:
    """A report of the edition with every narrative list non-empty, to read the context's shape."""
    return Report(
        edition=edition.id,
        agency="机关",
        year=edition.first_year,
        date=dt.date(edition.first_year + 1, 1, 1),
        preamble="段落",
        overview={"intro": "段落", "sections": [{"title": "小标题", "text": "段落"}]},
        problems="段落",
        other_matters="段落",
    )


def _labels(edition: Edition) -> dict[Path_, str]:
    overview = SECTION_LABELS["overview"]
    labels: dict[Path_, str] = {
        ("title",): "报告标题",
        ("agency",): "落款 · 报告机关",
        ("date",): "落款 · 成文日期",
        ("year",): "报告年度",
        ("preamble", ANY): "前言（各段）",
        ("overview", "intro", ANY): f"{overview} · 开头各段",
        ("overview", "sections", ANY, "number"): f"{overview} · 小节序号（一）（二）…",
        ("overview", "sections", ANY, "title"): f"{overview} · 小节标题",
        ("overview", "sections", ANY, "paragraphs", ANY): f"{overview} · 小节各段",
        ("problems", ANY): SECTION_LABELS["problems"],
        ("other_matters", ANY): SECTION_LABELS["other_matters"],
    }
    for block, row in edition.active_rows:
        for f in block.fields:
            labels[("t2", row.id, f.id)] = f"{TABLE_2} · {block.label} · {row.label} · {f.label}"
    columns = [a.label for a in edition.applicants] + [TOTAL_LABEL]
    rows = [(r.key, edition.app_row_path(r)) for r in edition.app_rows]
    rows.append(((TOTAL_KEY,), f"{RESULTS_LABEL} · {TOTAL_ROW_LABEL}"))
    for key, where in rows:
        for i, column in enumerate(columns):
            labels[("t3", *key, str(i))] = f"{TABLE_3} · {where} · {column}"
    results = [r.label for r in edition.review_results] + [TOTAL_LABEL]
    for group in edition.review_groups:
        for i, column in enumerate(results):
            labels[("t4", group.id, str(i))] = f"{TABLE_4} · {group.full_label} · {column}"
    return labels


def show_path(path: Path_) -> str:
    """("t3", "received", "0") → t3.received[0]; ("preamble", ANY) → preamble[]."""
    out = ""
    for part in path:
        if part == ANY:
            out += "[]"
        elif part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


# -- the Jinja environment ----------------------------------------------------------------------
class TemplateEnvironment(SandboxedEnvironment):
    """Sandboxed, autoescaping, strict about unknown names, and compiling each source once.

    Each source is compiled under its own file name (``<docgen-N>``), so an error raised while
    rendering can be traced back to the source, and its line to a Word paragraph.
    """

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        self._compiled: dict[str, jinja2.Template] = {}
        self.sources_by_file: dict[str, str] = {}
        self.frozen = False

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 (Jinja's name)
        """Jinja's from_string, memoised by source text (docxtpl asks again on every render).

        Once ``frozen`` (the template's own sources are compiled), a source never seen before — a
        footnotes part rendered a second time holds one report's text — is compiled but not kept.
        """
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if self.frozen and source not in self._compiled:
            return super().from_string(source)
        template = self._compiled.get(source)
        if template is None:
            filename = f"<docgen-{len(self._compiled)}>"
            code = self.compile(source, filename=filename)
            template = self.template_class.from_code(self, code, self.make_globals(None), None)
            self._compiled[source] = template
            self.sources_by_file[filename] = source
        return template


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
    """One Chinese line for a Jinja syntax error: where, the tag's text and Jinja's message."""
    tag = tag_text(source, exc.lineno)
    where = f"（{part}：{tag}）" if tag else f"（{part}）"
    return f"模板“{name}”中的标记有误{where}：{exc.message}"


# -- rendering ------------------------------------------------------------------------------------
class Renderer:
    """A Word template prepared once: its bytes, its compiled Jinja sources, its environment and
    its package (``docx_package.PreparedPackage``), which renders every report."""

    def __init__(self, data: bytes, name: str):
        from .package import PreparedPackage

        self.data = data
        self.name = name
        self.env = TemplateEnvironment()
        tpl = open_template(data, name)
        body = tpl.patch_xml(tpl.get_xml())
        self.sources = sources_of(tpl, body)
        problems = unclosed_tags(tpl.docx, name)
        if problems:
            raise TemplateError("\n".join(problems))
        for part, source in self.sources:
            self._compile(part, source)
        self.env.frozen = True
        self.package = PreparedPackage(tpl, self.env, body)

    def _compile(self, part: str, source: str) -> None:
        try:
            self.env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(syntax_problem(self.name, part, source, exc)) from None

    def render(self, context: dict[str, Any], created: dt.datetime | None = None) -> bytes:
        """Render a context (see build_context) and return the .docx bytes."""
        try:
            return self.package.render(context, created)
        except jinja2.TemplateError as exc:
            raise TemplateError(self._render_problem(exc)) from None

    def _render_problem(self, exc: jinja2.TemplateError) -> str:
        lineno, source = _failing_line(exc, self.env)
        tag = tag_text(source, lineno) if source else ""
        where = f"（{tag}）" if tag else ""
        return (
            f"模板“{self.name}”无法生成报告{where}：{exc.message or type(exc).__name__}"
            "；可用 docgen template check 检查模板"
        )


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


def read_template(path: Path) -> bytes:
    """A custom template's bytes; TemplateError when it cannot be read."""
    path = Path(path)
    if path.is_dir():
        raise TemplateError(f"模板“{path}”是一个文件夹，应为 Word 文档（.docx）")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"找不到模板文件“{path}”") from None
    except OSError as exc:
        raise TemplateError(f"无法读取模板文件“{path}”：{exc.strerror or exc}") from None


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
