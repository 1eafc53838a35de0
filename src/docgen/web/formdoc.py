"""The report as the editor's form fields, and the form back into a report through the loader.

Every input cell has a path (the page's ``data-cell`` hook, e.g. ``applications.received.0``,
``active.licensing``, ``reviews.review.3``); narrative and header fields have one too
(``overview.intro``, ``overview.sections.0.title``, ``problems``). A submitted form is written
out as an input file — one value per line, so the loader's message for a line names its field —
and read by the same loader as `docgen check`: the page refuses exactly what the CLI refuses,
in the same words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import InputError, Problem
from ..report.load import Loaded, load_text
from ..report.model import Report, format_value

APPLICANT_COLUMNS = 6
REVIEW_COLUMNS = 4
HEADER_FIELDS = ("agency", "date", "title", "preamble")
TEXT_FIELDS = ("overview.intro", "problems", "other_matters")
MAX_SECTIONS = 30
SECTIONS_FIELD = "overview.sections"  # how many sections the page sends
# Characters an input file cannot hold as text (YAML refuses them, or reads them as line breaks).
_UNWRITABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_INT = re.compile(r"^[-+]?[0-9]+$")
_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_SECTION = re.compile(r"^overview\.sections\.(\d+)\.(title|text)$")


def values(report: Report) -> dict[str, str]:
    """Every field of the form as text: cells, header and narrative."""
    spec = report.spec
    out: dict[str, str] = {
        "agency": report.agency,
        "date": report.date.isoformat() if report.date else "",
        "title": report.title,
        "preamble": report.preamble,
        "overview.intro": report.overview.intro,
        "problems": report.problems,
        "other_matters": report.other_matters,
    }
    for i, section in enumerate(report.overview.sections):
        out[f"overview.sections.{i}.title"] = section.title
        out[f"overview.sections.{i}.text"] = section.text
    for block, row in spec.active_rows:
        for f in block.fields:
            path = f"active.{row.id}" if row.scalar else f"active.{row.id}.{f.id}"
            out[path] = format_value(report.active_value(row.id, f.id))
    for row in spec.app_rows:
        for i, v in enumerate(report.row(row.id)):
            out[f"applications.{row.id}.{i}"] = str(v)
    for group in spec.review_groups:
        for i, v in enumerate(report.review(group.id)):
            out[f"reviews.{group.id}.{i}"] = str(v)
    return out


def section_count(form: dict[str, str]) -> int:
    if form.get(SECTIONS_FIELD, "").isdigit():
        return min(int(form[SECTIONS_FIELD]), MAX_SECTIONS)
    indices = [int(m.group(1)) for k in form if (m := _SECTION.match(k))]
    return min(max(indices) + 1, MAX_SECTIONS) if indices else 0


@dataclass
class Parsed:
    """A submitted form read by the loader: the report to store (the refused fields keep their
    stored values), and the loader's messages keyed by the field they name."""

    loaded: Loaded
    refused: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return [p for ps in self.refused.values() for p in ps]


def parse(form: dict[str, str], stored: Report, shown: str, kept: dict[str, str] | None = None) -> Parsed:
    """Read a submitted form (field path → text) against the stored report (``kept``: its
    ``values``, when the caller has them).

    The loader's refusals name their field; those fields keep their stored value and the rest
    of the form is read again, so one bad cell never holds back the others."""
    kept = kept if kept is not None else values(stored)
    form = {k: _clean(v) for k, v in form.items() if isinstance(v, str)}
    if SECTIONS_FIELD in form:  # the page sends its sections (some may have been removed)
        kept = {k: v for k, v in kept.items() if not k.startswith("overview.sections.")}
    form = {**kept, **form}
    text, lines = to_input(form, stored)
    try:
        return Parsed(load_text(text, shown))
    except InputError as exc:
        refused: dict[str, list[Problem]] = {}
        for problem in exc.problems:
            refused.setdefault(lines.get(problem.line or 0, ""), []).append(problem)
    if "" in refused:  # a problem not tied to one field: keep the whole stored report
        form = values(stored)
    else:
        form = {k: (kept.get(k, "") if k in refused else v) for k, v in form.items()}
    text, _ = to_input(form, stored)
    return Parsed(load_text(text, shown), refused)


# -- the quick road: a change the loader would read exactly as typed -----------------------------
_PLAIN_COUNT = re.compile(r"0|[1-9][0-9]{0,8}")  # a count the loader reads as int(text), unchanged
_PLAIN_TEXTS = ("preamble", "overview.intro", "problems", "other_matters")
_SECTION_TEXT = re.compile(r"^overview\.sections\.(\d+)\.text$")
_QUICK_TEXT_MAX = 100_000  # longer texts take the loader's road
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # the loader removes these, with a warning


def quick_parse(form: dict[str, str], stored: Loaded, kept: dict[str, str]) -> Parsed | None:
    """The form read without the loader, when every change is one the loader reads exactly as
    typed and without a message: a table-三/四 count written plainly (0, 17, １７; not 017, 5件,
    -1 or 1.5), or new text in a narrative field; ``kept`` is ``values(stored.report)``. None
    otherwise — and then ``parse`` (the loader) reads the form. tests/test_web_quick.py holds
    the two roads equal."""
    if stored.warnings:  # a message the loader gave may go or stay: only the loader knows
        return None
    before = stored.report
    applications: dict[str, list[int]] | None = None
    reviews: dict[str, list[int]] | None = None
    texts: dict[str, str] = {}
    sections: dict[int, str] = {}
    for key, raw in form.items():
        if key == SECTIONS_FIELD:
            if raw.strip() != str(len(before.overview.sections)):
                return None
            continue
        old = kept.get(key)
        if old is None:
            return None  # a field the report has not got (a new section …)
        value = _clean(raw)
        if value == old:
            continue
        if key.startswith(("applications.", "reviews.")):
            table, _, rest = key.partition(".")
            row_id, _, column = rest.rpartition(".")
            text = _nfkc(value).strip()
            if not _PLAIN_COUNT.fullmatch(text) or text == old:
                return None
            if table == "applications":
                applications = applications if applications is not None else {k: list(v) for k, v in before.applications.items()}
                applications.setdefault(row_id, list(before.row(row_id)))[int(column)] = int(text)
            else:
                reviews = reviews if reviews is not None else {k: list(v) for k, v in before.reviews.items()}
                reviews.setdefault(row_id, list(before.review(row_id)))[int(column)] = int(text)
            continue
        section = _SECTION_TEXT.match(key)
        if not (key in _PLAIN_TEXTS or section) or len(value) > _QUICK_TEXT_MAX or _NOT_XML.search(value):
            return None
        text = value.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if section:
            i = int(section.group(1))
            if not before.overview.sections[i].title.strip():
                return None  # a section with neither title nor text is dropped by the loader
            sections[i] = text
        else:
            texts[key] = text
    update: dict = {}
    if applications is not None:
        update["applications"] = applications
    if reviews is not None:
        update["reviews"] = reviews
    for key, text in texts.items():
        if key == "overview.intro":
            continue
        update[key] = text
    if "overview.intro" in texts or sections:
        new_sections = [s.model_copy(update={"text": sections[i]}) if i in sections else s for i, s in enumerate(before.overview.sections)]
        update["overview"] = before.overview.model_copy(update={"intro": texts.get("overview.intro", before.overview.intro), "sections": new_sections})
    report = before.model_copy(update=update) if update else before
    return Parsed(Loaded(report, stored.file, {}, []))


def to_input(form: dict[str, str], stored: Report) -> tuple[str, dict[int, str]]:
    """The input file for a form, and which field each line holds."""
    spec = stored.spec
    out: list[str] = []
    lines: dict[int, str] = {}

    def put(text: str, path: str = "") -> None:
        out.append(text)
        if path:
            lines[len(out)] = path

    put(f"edition: {spec.id}")
    put(f"year: {stored.year}")
    put(f"agency: {_quoted(form.get('agency', stored.agency))}", "agency")
    date = _nfkc(form.get("date", "")).strip()
    if date:
        put(f"date: {_quoted(date)}", "date")
    if form.get("title", "").strip():
        put(f"title: {_quoted(form['title'])}", "title")
    put(f"preamble: {_quoted(form.get('preamble', ''))}", "preamble")
    put("overview:")
    put(f"  intro: {_quoted(form.get('overview.intro', ''))}", "overview.intro")
    count = section_count(form)
    if count:
        put("  sections:")
        for i in range(count):
            title, text = form.get(f"overview.sections.{i}.title", ""), form.get(f"overview.sections.{i}.text", "")
            if not title.strip() and not text.strip():
                continue
            put(f"    - title: {_quoted(title)}", f"overview.sections.{i}.title")
            put(f"      text: {_quoted(text)}", f"overview.sections.{i}.text")
    put("active:")
    for block, row in spec.active_rows:
        if row.scalar:
            path = f"active.{row.id}"
            put(f"  {row.id}: {_figure(form.get(path, '0'))}", path)
            continue
        put(f"  {row.id}:")
        for f in block.fields:
            path = f"active.{row.id}.{f.id}"
            put(f"    {f.id}: {_figure(form.get(path, '0'))}", path)
    put("applications:")
    groups: set[str] = set()
    for row in spec.app_rows:
        indent = "  "
        if len(row.key) > 1:
            if row.key[0] not in groups:
                groups.add(row.key[0])
                put(f"  {row.key[0]}:")
            indent = "    "
        put(f"{indent}{row.key[-1]}:")
        for i in range(APPLICANT_COLUMNS):
            path = f"applications.{row.id}.{i}"
            put(f"{indent}  - {_figure(form.get(path, '0'))}", path)
    put("reviews:")
    for group in spec.review_groups:
        put(f"  {group.id}:")
        for i in range(REVIEW_COLUMNS):
            path = f"reviews.{group.id}.{i}"
            put(f"    - {_figure(form.get(path, '0'))}", path)
    put(f"problems: {_quoted(form.get('problems', ''))}", "problems")
    put(f"other_matters: {_quoted(form.get('other_matters', ''))}", "other_matters")
    return "\n".join(out) + "\n", lines


def _clean(text: str) -> str:
    return _UNWRITABLE.sub("", text)


def _nfkc(text: str) -> str:
    """Full-width digits, signs and points as ASCII (１２３ → 123)."""
    return unicodedata.normalize("NFKC", text)


def _figure(raw: str) -> str:
    """A typed figure as YAML: a plain number when it reads as one, else quoted text (which the
    loader then names, e.g. 应为非负整数，实际为“三”（文字）); empty is YAML's null."""
    text = _nfkc(raw).strip()
    if not text:
        return "null"
    if _INT.match(text) or _DECIMAL.match(text):  # a count written as 1.5 is then named a 小数, as in a file
        return text
    return _quoted(text)


_PRINTABLE = re.compile("[\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar holding exactly ``text`` (any character, escaped as needed)."""
    out = ['"']
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "\ufeff\u2028\u2029" or not _PRINTABLE.match(ch):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def is_figure(path: str) -> bool:
    """Whether a form field is a figure of tables 二, 三, 四 (not a narrative or header field)."""
    return path.split(".", 1)[0] in ("active", "applications", "reviews")


def without_figures(form: dict[str, str]) -> dict[str, str]:
    """A form without its figures: parse() then keeps their stored values (a 汇总's come from its parts)."""
    return {k: v for k, v in form.items() if not is_figure(k)}


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The fields whose text differs, in form order."""
    keys = list(dict.fromkeys([*before, *after]))
    return [k for k in keys if before.get(k, "") != after.get(k, "")]
