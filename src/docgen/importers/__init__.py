"""`docgen import`: a published report → Report, whatever file it exists as.

Every format is turned into blocks (paragraphs and table rows, see `cells`); the tables are read
by their official labels (`tables`) and the narrative by its headings (`structure`). The
edition is recognised from the labels only one edition has. Formats: Word (`docx`), workbooks
(`xlsx`), saved pages and "|"/tab-separated text (`text`), PDF (`pdf`: ruled tables, else its
positioned text), text whose tables lost their cells — copied from a PDF viewer, a web page or a
crawler (`layout`) — and old or other office formats converted by LibreOffice (`office`).
Every figure of tables 二, 三, 四 is imported or named in a warning or error; a table that
cannot be read makes the import fail, saying what was found and what was not.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import editions
from ..rules.checks import Finding, Stated, check
from ..editions.common import SECTION_LABELS
from ..editions.types import TABLE_2, TABLE_3, TABLE_4
from ..errors import InputError, Problem
from ..report.model import Overview, Report, Section, paragraphs
from ..report.names import clean_name, name_key
from .cells import Block, Row
from .chinese import glossed, strip_glosses, t2s, to_simplified
from .structure import Narrative, read_narrative
from .tables import Figures, detect_edition, read_figures

MAX_IMPORT_BYTES = 20 * 1024 * 1024  # a Word report with scanned seals is a few MB
MAX_TEXT_BYTES = 8 * 1024 * 1024  # a text or HTML page of a report: well under 1 MB
PLACEHOLDER_AGENCY = "请填写报告机关名称"
KINDS = {"text": "文本", "html": "网页", "docx": "Word 文档", "xlsx": "工作簿", "pdf": "PDF"}


@dataclass
class Imported:
    """A report read from a document, the totals it printed, and what the reader doubted."""

    report: Report
    stated: Stated
    warnings: list[Problem] = field(default_factory=list)
    kind: str = "text"  # a key of KINDS
    traditional: bool = False  # converted from traditional characters
    edition_from: str = "labels"  # "labels"; "year" when no edition-specific label was found; "workbook" (说明 sheet)
    converted_from: str = ""  # the old office format LibreOffice converted (".doc"…), if any

    def findings(self) -> list[Finding]:
        """R1–R4 against the printed totals, and narrative numbers that contradict the tables."""
        from ..rules.narrative import narrative_findings

        return check(self.report, self.stated) + narrative_findings(self.report)


def import_file(path: Path | str, shown: str | None = None) -> Imported:
    """Read a report document; InputError (exit 2) when it cannot be read as a report."""
    path = Path(path)
    shown = shown or str(path)
    data = _read_bytes(path, shown)
    if data.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in data:
        raise _unusable(shown, "文件设置了打开密码（已加密），请先在 Word、WPS 或 Excel 中取消密码并另存，再导入")
    from .office import convertible, import_converted

    if convertible(path, data):
        return import_converted(path, shown, data)
    if data.startswith(b"PK\x03\x04"):
        return _from_zip(path, shown)
    if data.startswith(b"%PDF"):
        from .pdf import import_pdf

        return import_pdf(path, shown)
    from ..textio import decode
    from .text import html_blocks, looks_like_html

    if len(data) > MAX_TEXT_BYTES:
        raise _unusable(shown, f"文件过大（{len(data) // 1024 // 1024} MB），文本或网页形式的报告不应超过 {MAX_TEXT_BYTES // 1024 // 1024} MB")

    if b"\0" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _unusable(shown, "不是文本、网页、PDF、Word 或工作簿文件")
    text = decode(data, lambda what: _unusable(shown, what))
    if looks_like_html(text):
        try:
            blocks = html_blocks(text)
        except RecursionError:
            raise _unusable(shown, "网页的标签嵌套层次过深，不像是一份年度报告") from None
        return from_html(blocks, shown)
    return from_text(text, shown)


def from_html(blocks: list[Block], shown: str) -> Imported:
    """A saved page; a page whose tables are not <table> elements (copied into paragraphs or
    <div>s) is read from its visible text like copied text."""
    try:
        return from_blocks(blocks, shown, "html")
    except InputError as first:
        if any(isinstance(b, Row) for b in blocks):
            raise
        try:
            return from_layout("\n".join(b for b in blocks if isinstance(b, str)), shown, "html")
        except InputError as second:
            raise (second if len(second.problems) < len(first.problems) or any(p.where for p in second.problems) else first) from None


def from_text(text: str, shown: str, kind: str = "text") -> Imported:
    """Plain text in any layout (cells by "|" or tabs, or copied from a PDF viewer, a web page
    or a crawler) → the imported report; the reading that finds more tables wins."""
    from .text import text_blocks

    blocks = text_blocks(text)
    if any(isinstance(b, Row) for b in blocks):
        plain, _ = simplify(blocks)
        edition = detect_edition(plain) or editions.CURRENT
        if len(read_figures(plain, edition).found) == 3:
            return from_blocks(blocks, shown, kind)
    return from_layout(text, shown, kind, fallback=blocks)


def from_layout(text: str, shown: str, kind: str, fallback: list[Block] | None = None) -> Imported:
    """Text whose tables lost their cells (see `layout`) → the imported report."""
    from .layout import detect_from_text, join_lines, read_layout

    text, traditional = _simplified_text(text)
    edition = detect_from_text(text, list(editions.EDITIONS.values()))
    edition_from = "labels"
    if edition is None:
        year = read_narrative(join_lines(text.splitlines())).year
        edition = editions.for_year(year) if year else editions.CURRENT
        edition_from = "year"
    layout = read_layout(text, edition)
    if fallback is not None and any(isinstance(b, Row) for b in fallback):
        plain, _ = simplify(fallback)
        if len(read_figures(plain, detect_edition(plain) or edition).found) > len(layout.tables):
            return from_blocks(fallback, shown, kind)
    imported = from_blocks(layout.blocks, shown, kind, edition=edition, problems=layout.problems, notes=layout.notes)
    imported.traditional = imported.traditional or traditional
    imported.edition_from = edition_from
    return imported


def _simplified_text(text: str) -> tuple[str, bool]:
    plain = glossed(text)
    return to_simplified(strip_glosses(text, plain))


def _read_bytes(path: Path, shown: str) -> bytes:
    from ..textio import read_regular

    return read_regular(path, MAX_IMPORT_BYTES, lambda what: _unusable(shown, what), "报告文件")


def _from_zip(path: Path, shown: str) -> Imported:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise _unusable(shown, "文件已损坏（不是完整的 .docx 或 .xlsx）") from None
    _refuse_bomb(infos, shown)
    names = {info.filename for info in infos}
    try:
        if "word/document.xml" in names:
            from .docx import docx_blocks

            return from_blocks(docx_blocks(path), shown, "docx")
        if "xl/workbook.xml" in names:
            from .xlsx import import_workbook

            return import_workbook(path, shown)
    except InputError:
        raise
    except Exception as exc:  # a damaged or unusual package: python-docx/openpyxl raise many kinds
        raise _unusable(shown, f"文件无法打开（{type(exc).__name__}），可能已损坏") from None
    raise _unusable(shown, "是压缩包，但不是 Word（.docx）或工作簿（.xlsx）文件")


MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 5_000
MAX_XML_PART = 8 * 1024 * 1024  # the text of a report's document or sheet: well under 2 MB unpacked
MAX_XML_TOTAL = 16 * 1024 * 1024  # all the XML parts together (pictures not counted)


def _refuse_bomb(infos: list[zipfile.ZipInfo], shown: str) -> None:
    """Size limits checked from the archive's directory, before anything is unpacked."""
    from ..zipguard import bomb_problem

    problem = bomb_problem(infos, MAX_UNPACKED_BYTES, MAX_MEMBERS)
    if problem:
        raise _unusable(shown, problem)
    for info in infos:
        if info.filename.endswith(".xml") and info.file_size > MAX_XML_PART:
            raise _unusable(
                shown,
                f"内容过多（{info.filename} 解压后 {info.file_size // 1024 // 1024} MB，上限 {MAX_XML_PART // 1024 // 1024} MB），"
                "不像是一份年度报告（例如含有数万行的表格）",
            )
    xml = sum(info.file_size for info in infos if info.filename.endswith(".xml"))
    if xml > MAX_XML_TOTAL:
        raise _unusable(
            shown, f"内容过多（文字和表格解压后共 {xml // 1024 // 1024} MB，上限 {MAX_XML_TOTAL // 1024 // 1024} MB），不像是一份年度报告"
        )


def _unusable(shown: str, what: str) -> InputError:
    return InputError([Problem(shown, None, "", f"无法作为年度报告导入：{what}")])


def simplify(blocks: list[Block]) -> tuple[list[Block], bool]:
    """Blocks without pinyin glosses, in simplified characters; and whether they were traditional."""
    strings = [s for b in blocks for s in (b.cells if isinstance(b, Row) else (b,))]
    joined = "\n".join(strings)
    plain = glossed(joined)
    _, traditional = to_simplified(strip_glosses(joined, plain))

    def fix(text: str) -> str:
        text = strip_glosses(text, plain)
        return t2s(text) if traditional else text

    out: list[Block] = [Row(tuple(fix(c) for c in b.cells), b.table, b.columns) if isinstance(b, Row) else fix(b) for b in blocks]
    return out, traditional


def from_blocks(
    blocks: list[Block],
    shown: str,
    kind: str,
    edition=None,
    problems: list[tuple[str, str]] = (),
    notes: list[tuple[str, str]] = (),
) -> Imported:
    """Blocks of any format → the imported report.

    `edition` overrides the edition found from the labels; `problems` are figures a reader
    could not place (each an error naming table and row); `notes` its warnings.
    """
    blocks, traditional = simplify(blocks)
    narrative = read_narrative(blocks)
    found_edition = detect_edition(blocks)
    notes = list(notes)
    edition_from = "labels"
    if edition is None:
        edition = found_edition
    if edition is None:
        edition_from = "year"
        edition = editions.for_year(narrative.year) if narrative.year else editions.CURRENT
        notes.append(("", f"表格中没有只属于某一版格式的标签，按报告年度选用{edition.id}版格式（{edition.document}）"))
    figures = read_figures(blocks, edition)
    errors = [Problem(shown, None, where, what) for where, what in problems]
    missing = [key for key in TABLE_KEYS if key not in figures.found]
    if missing or narrative.year is None or errors:
        raise InputError(errors + _missing_tables(shown, figures, edition, narrative, missing, {w.split(" · ")[0] for w, _ in problems}))
    notes += _missing(figures, edition) + _narrative_notes(narrative)
    agency = clean_name(narrative.agency)
    if not name_key(agency):
        agency = PLACEHOLDER_AGENCY
        notes.append(("报告机关", "未能从标题或正文中识别报告机关，已填写占位文字，请修改"))
    report = _report(edition.id, agency, narrative, figures)
    notes += figures.warnings
    warnings = [Problem(shown, None, where, what, "warning") for where, what in notes]
    return Imported(report, figures.stated, warnings, kind, traditional, edition_from)


TABLE_KEYS = ("active", "applications", "reviews")
TABLE_NAMES = {"active": TABLE_2, "applications": TABLE_3, "reviews": TABLE_4}


def _missing_tables(shown: str, figures: Figures, edition, narrative: Narrative, missing: list[str], refused: set[str]) -> list[Problem]:
    """What was found and what was not, for a document that cannot be imported whole."""
    if not figures.found and not refused:
        return [Problem(shown, None, "", "无法作为年度报告导入：未找到表二、表三、表四中的任何一行（按官方标签查找，如“一、本年新收政府信息公开申请数量”“行政许可”）")]
    out = []
    for key in missing:
        table = TABLE_NAMES[key]
        if table in refused:
            continue
        label = SECTION_LABELS[key]
        out.append(Problem(shown, None, table, f"未找到{label}的表格（按官方行标签查找，没有找到可以读取的行），无法导入这张表"))
    if narrative.year is None:
        out.append(Problem(shown, None, "报告年度", "无法确定报告年度：没有找到报告标题，正文中也没有“20XX年”"))
    found = "、".join(TABLE_NAMES[k] for k in TABLE_KEYS if k in figures.found) or "无"
    agency = narrative.agency or "未识别"
    year = narrative.year or "未识别"
    out.append(Problem(shown, None, "", f"无法作为年度报告导入：识别到{edition.id}版格式，报告年度 {year}，报告机关 {agency}；已读取的表格：{found}。以上各处请核对原文或手工填写，文件未写出"))
    return out


def _report(edition: int, agency: str, narrative: Narrative, figures: Figures) -> Report:
    join = "\n\n".join
    report = Report(
        edition=edition,
        agency=agency,
        year=narrative.year,
        date=narrative.date,
        preamble=join(narrative.preamble),
        overview=Overview(intro=join(narrative.intro), sections=[Section(title=t, text=join(p)) for t, p in narrative.sections]),
        active=figures.active,
        applications=figures.applications,
        reviews=figures.reviews,
        problems=join(narrative.problems),
        other_matters=join(narrative.other_matters),
    )
    title = " ".join(" ".join(paragraphs(narrative.title)).split())  # a title set on two lines is one title
    if title and title != report.display_title:
        report.title = title
    return report


def _missing(figures: Figures, edition) -> list[tuple[str, str]]:
    notes = []
    notes = []
    if "active" in figures.found:
        absent = [row.label for _, row in edition.active_rows if row.id not in figures.active]
        if absent:
            notes.append((TABLE_2, f"未找到以下各行，按 0 计：{'、'.join(absent)}"))
    if "applications" in figures.found:
        absent = [edition.app_row_path(r) for r in edition.app_rows if r.id not in figures.applications]
        if absent:
            notes.append((TABLE_3, f"未找到以下各行，按 0 计：{'、'.join(absent)}"))
    return notes


def _narrative_notes(narrative: Narrative) -> list[tuple[str, str]]:
    notes = []
    for section_id in ("overview", "problems", "other_matters"):
        if section_id not in narrative.headings:
            notes.append((SECTION_LABELS[section_id], "未找到这一部分的标题，内容为空，请补充"))
    if not narrative.title:
        notes.append(("标题", f"未找到报告标题；报告机关“{narrative.agency or PLACEHOLDER_AGENCY}”和报告年度 {narrative.year} 由正文推断，请核对"))
    return notes


__all__ = ["Imported", "from_blocks", "import_file", "simplify"]


def input_file_text(imported: Imported, source: str, findings: list[Finding] | None = None) -> str:
    """The input file (INPUT-FORMAT.md) for an imported report, its header naming the source and
    every doubt the reader had (`findings`: those of `imported.findings()`, computed when not
    given); checked by loading it back."""
    from ..report.dump import to_yaml
    from ..report.load import load_text

    report = imported.report
    header = [f"由 docgen import 从“{source}”（{KINDS[imported.kind]}）导入，请核对后使用。"]
    if imported.edition_from == "labels":
        header.append(f"格式版本由表格标签识别为{report.edition}版（{report.spec.document}）。")
    elif imported.edition_from == "workbook":
        header.append(f"报告机关、年度和格式版本（{report.edition}版）取自工作簿的“说明”表，数字取自各表的输入单元格。")
    if imported.traditional:
        header.append("原文为繁体字：已去除拼音注音，并用 OpenCC（t2s）转为简体。")
    notes = [f"{p.where}：{p.what}" if p.where else p.what for p in imported.warnings]
    findings = imported.findings() if findings is None else findings
    notes += [f"{f.where}：[{f.rule}] {f.what}" for f in findings]
    if notes:
        header.append("导入时的提示：")
        header += [f"  - {note}" for note in notes]
    text = to_yaml(report, header)
    load_text(text, source)  # the file must read back as written; InputError otherwise
    return text
