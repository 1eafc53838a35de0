"""What the web pages do, without the web: create, import, roll over, save, check, download.

Each operation is the CLI's own code: a new report is `init`'s skeleton, an upload goes through
`import`'s importers and limits, next year's draft is `rollover`, the checks are `check`'s
(rules.audit.findings_of), the downloads are written by `render`'s write_outputs, and the
stored text is the input file that `docgen check` and `docgen render` read.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import editions
from ..errors import DocgenError, InputError, Problem
from ..report.dump import to_yaml
from ..report.load import Loaded, load_text
from ..report.model import Report
from ..rules.checks import ERROR, Finding
from . import formdoc
from .store import Exists, ReadOnly, Store, StoredReport

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MAX_AGENCY = 100
FORMATS = ("docx", "xlsx", "pdf", "yaml")
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "yaml": "application/x-yaml; charset=utf-8",
}
SHOWN = "网页填报"
AgencyOf = int | Callable[[str], int | None] | None  # an agency id, or a function of the report's agency name


def read_only_message(state: str) -> str:
    if state == "已审核":
        return "本报告已审核，不能再修改；如需修改，请审核人先退回"
    return f"本报告{state}，正在审核，不能修改；如需修改，请审核人退回"


class WebError(DocgenError):
    """A request the page refuses, with a Chinese message (and the loader's problems, if any)."""

    def __init__(self, message: str, problems: list[Problem] | None = None, status: int = 400):
        super().__init__(message)
        self.problems = problems or []
        self.status = status


_LOADED: OrderedDict[str, Loaded] = OrderedDict()
_LOADED_MAX = 512
_LOADED_LOCK = threading.Lock()


def loaded_of(content: str) -> Loaded:
    """A stored input file, loaded (stored files always load: only loaded reports are stored);
    the last few hundred are kept, so a save reads the stored version without parsing it."""
    with _LOADED_LOCK:
        found = _LOADED.get(content)
        if found is not None:
            _LOADED.move_to_end(content)
            return found
    return _remember(content, load_text(content, SHOWN))


def _remember(content: str, loaded: Loaded) -> Loaded:
    with _LOADED_LOCK:
        _LOADED[content] = loaded
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.popitem(last=False)
    return loaded


def content_of(report: Report) -> str:
    return to_yaml(report, [f"{report.display_title} — docgen 网页填报", "段落之间空一行。"])


def verdict(findings: list[Finding], problems: list[Problem] | None = None) -> str:
    """The checks' verdict in a few words, for the report list."""
    errors = sum(1 for f in findings if f.level == ERROR)
    warnings = len(findings) - errors
    if errors:
        return f"数字不一致（{errors} 处）"
    return f"通过（{warnings} 条警告）" if warnings else "通过"


@dataclass
class Checked:
    """A report's state as the editor shows it."""

    stored: StoredReport
    loaded: Loaded
    findings: list[Finding]
    refused: dict[str, list[Problem]] = field(default_factory=dict)
    revision: int = 0
    changes: dict = field(default_factory=dict)  # a save's {"cells": {path: [before, after]}, "fields": {...}}
    rollup: bool = False  # a 汇总: its figures come from its parts (read-only in the editor)

    @property
    def report(self) -> Report:
        return self.loaded.report

    @property
    def messages(self) -> list[tuple[str, str, str, tuple[str, ...]]]:
        """(rule, level, text, cells) of every message, errors first: the loader's refusals of
        the form, its warnings, then the rules' findings — worded as `docgen check` words them."""
        out = []
        for path, problems in self.refused.items():
            for p in problems:
                out.append(("输入", "error", _text(p.where, p.what), (path,) if path else ()))
        for p in self.loaded.warnings:
            out.append(("提示", "warning", _text(p.where, p.what), ()))
        for f in self.findings:
            out.append((f.rule, f.level, _text(f.where, f"[{f.rule}] {f.what}"), tuple(getattr(f, "cells", ()) or ())))
        return sorted(out, key=lambda m: m[1] != "error")

    @property
    def error_cells(self) -> list[str]:
        return sorted({c for _, level, _, cells in self.messages if level == "error" for c in cells})

    @property
    def marks(self) -> dict[str, str]:
        """Every cell or text field a message names → "error", or "warning" when only warnings
        name it (the page's ``data-error`` value: red, or amber)."""
        out: dict[str, str] = {}
        for _, level, _, cells in self.messages:
            for c in cells:
                if out.get(c) != "error":
                    out[c] = "error" if level == "error" else "warning"
        return out

    @property
    def status(self) -> str:
        return verdict(self.findings)


def _text(where: str, what: str) -> str:
    return f"{where}：{what}" if where else what


class Service:
    def __init__(self, store: Store):
        self.store = store

    # -- reading ---------------------------------------------------------------------------
    def stored(self, report_id: int) -> StoredReport:
        stored = self.store.get(report_id)
        if stored is None:
            raise WebError("没有这份报告（可能已删除，可到回收站恢复）", status=404)
        return stored

    def previous(self, stored: StoredReport) -> Report | None:
        if stored.previous_id is None:
            return None
        last = self.store.get(stored.previous_id, deleted=True)
        return loaded_of(last.content).report if last else None

    def checked(self, report_id: int) -> Checked:
        from ..rules.audit import findings_of

        stored = self.stored(report_id)
        loaded = loaded_of(stored.content)
        return Checked(stored, loaded, findings_of(loaded, self.previous(stored)), revision=stored.revision, rollup=stored.rollup)

    # -- creating ----------------------------------------------------------------------------
    def new(self, agency: str, year_text: str, author: str, agency_id: AgencyOf = None) -> int:
        from ..report.skeleton import skeleton

        agency = " ".join("".join(c for c in agency or "" if c.isprintable()).split())
        problems = []
        if not agency:
            problems.append(Problem("", None, "报告机关", "请填写报告机关名称"))
        elif len(agency) > MAX_AGENCY:
            problems.append(Problem("", None, "报告机关", f"机关名称过长（{len(agency)} 字，上限 {MAX_AGENCY} 字）"))
        year_text = formdoc._nfkc(year_text or "").strip()
        match = re.fullmatch(r"(\d{4})(?:年度?)?", year_text)
        if not match or not 2008 <= int(match.group(1)) <= 2100:
            problems.append(Problem("", None, "报告年度", f"应为四位年份（如 2025），实际为“{year_text[:20]}”"))
        if problems:
            raise WebError("无法新建报告", problems)
        year = int(match.group(1))
        spec = editions.for_year(year)
        text = skeleton(spec, agency, year)
        return self._create(text, f"新建（{spec.id}版格式，与 docgen init 相同的空白报告）", author, agency_id=agency_id)

    def import_upload(self, filename: str, data: bytes, author: str, agency_id: AgencyOf = None) -> tuple[int, list[str]]:
        from ..importers import MAX_IMPORT_BYTES, import_file, input_file_text

        name = Path((filename or "").replace("\\", "/")).name[:120] or "上传的文件"
        if len(data) > MAX_IMPORT_BYTES:
            raise WebError(f"无法导入“{name}”：文件过大（超过 {MAX_IMPORT_BYTES // 1024 // 1024} MB）", status=413)
        suffix = "".join(c for c in Path(name).suffix[:10] if c.isalnum() or c == ".")
        with tempfile.TemporaryDirectory(prefix="docgen-upload-") as work:
            path = Path(work) / f"upload{suffix}"
            path.write_bytes(data)
            if suffix.lower() in (".yaml", ".yml"):  # a docgen input file (a county's 汇总 from another portal, say)
                return self._import_input_file(path, name, author, agency_id)
            try:
                imported = import_file(path, name)
                findings = imported.findings()
                text = input_file_text(imported, name, findings)
            except InputError as exc:
                raise WebError(f"无法导入“{name}”", exc.problems) from None
        notes = [f"{p.where}：{p.what}" if p.where else p.what for p in imported.warnings]
        notes += [f"{f.where}：[{f.rule}] {f.what}" for f in findings]
        return self._create(text, f"由“{name}”导入", author, agency_id=agency_id), notes

    def _import_input_file(self, path: Path, name: str, author: str, agency_id: AgencyOf) -> tuple[int, list[str]]:
        """An uploaded docgen input file, read as `docgen check` reads it and stored as it is."""
        from ..textio import read_text

        try:
            text = read_text(path, name)
            loaded = load_text(text, name)
        except InputError as exc:
            raise WebError(f"无法导入“{name}”", exc.problems) from None
        notes = [f"{p.where}：{p.what}" if p.where else p.what for p in loaded.warnings]
        return self._create(text, f"由“{name}”导入（docgen 输入文件）", author, agency_id=agency_id), notes

    def rollover(self, report_id: int, author: str) -> tuple[int, list[str]]:
        from ..report.rollover import rollover_text

        stored = self.stored(report_id)
        last = loaded_of(stored.content).report
        text, notes = rollover_text(last, f"{last.display_title}")
        new_id = self._create(text, f"由{last.year}年度报告生成的下一年度草稿（与 docgen rollover 相同）", author, previous_id=report_id,
                              agency_id=stored.agency_id)
        return new_id, notes

    def _create(self, text: str, summary: str, author: str, previous_id: int | None = None, agency_id: AgencyOf = None,
                one_a_year: bool = False) -> int:
        """Store a new report; ``agency_id`` (the portal's agency it belongs to) may be a function
        of the report's agency name."""
        from ..rules.audit import findings_of

        try:
            loaded = load_text(text, SHOWN)
        except InputError as exc:
            raise WebError("无法新建报告", exc.problems) from None
        report = loaded.report
        previous = None
        if previous_id is not None:
            previous = loaded_of(self.stored(previous_id).content).report
        status = verdict(findings_of(loaded, previous))
        if callable(agency_id):
            agency_id = agency_id(report.agency)
        try:
            return self.store.create(report.agency, report.year, report.edition, text, status, summary, author, previous_id, agency_id, one_a_year)
        except Exists as exc:
            raise WebError(f"该机关已有{report.year}年度的报告（每个机关每年一份），请打开已有的报告继续填写：/reports/{exc.report_id}", status=409) from None

    # -- editing -----------------------------------------------------------------------------
    def save(self, report_id: int, form: dict[str, str], author: str, stored: StoredReport | None = None,
             on_change: Callable[[Connection, int, dict], None] | None = None) -> Checked:
        """Read the form, store what the loader accepts as a new revision, check it. ``stored``:
        the report as just read (saves a query); ``on_change`` (connection, revision, the changes'
        before/after) runs in the transaction that writes a new revision (the portal's audit event)."""
        from ..rules.audit import findings_of

        stored = stored or self.stored(report_id)
        if stored.rollup:
            form = formdoc.without_figures(form)  # a 汇总's figures come from its parts only
        stored_loaded = loaded_of(stored.content)
        before = stored_loaded.report
        kept = formdoc.values(before)
        parsed = formdoc.quick_parse(form, stored_loaded, kept) or formdoc.parse(form, before, SHOWN, kept)
        loaded = parsed.loaded
        report = loaded.report
        if report is before:
            content = stored.content  # nothing changed: nothing to write
        else:
            content = content_of(report)
        findings = findings_of(loaded, self.previous(stored))
        old = kept
        new = kept if report is before else formdoc.values(report)
        summary = self.summary(before, report, old, new)
        changes = changes_of(old, new)
        also = (lambda conn, number: on_change(conn, number, changes)) if on_change is not None else None
        revision = self._save(report_id, content, verdict(findings), report.agency, summary, author, also)
        if revision is None:
            raise WebError("没有这份报告（可能已删除）", status=404)
        # the stored text reads back to this very report (to_yaml and load are each other's inverse)
        _remember(content, Loaded(report, SHOWN, {}, list(loaded.warnings)))
        changes = changes if revision != stored.revision else {}
        stored.content, stored.revision = content, revision
        return Checked(stored, loaded, findings, parsed.refused, revision, changes)

    def summary(self, before: Report, after: Report, old: dict | None = None, new: dict | None = None) -> str:
        from .labels import label_of

        old = formdoc.values(before) if old is None else old
        new = formdoc.values(after) if new is None else new
        fields = formdoc.changed(old, new)
        if not fields:
            return "无变化"
        shown = []
        for path in fields[:5]:
            label = label_of(after.spec, path)
            if is_text(path):
                shown.append(f"{label}（文字）")
            else:
                shown.append(f"{label}：{old.get(path, '')} → {new.get(path, '')}")
        more = f"等 {len(fields)} 处" if len(fields) > 5 else ""
        return "；".join(shown) + more

    def restore(self, report_id: int, number: int, author: str) -> int:
        revision = self.store.revision(report_id, number)
        if revision is None:
            raise WebError(f"没有第 {number} 版", status=404)
        stored = self.stored(report_id)
        content = revision.content
        if stored.rollup:  # a 汇总 gets back its earlier narrative; its figures stay the parts' sum
            from .countyrollup import merged

            content = content_of(merged(loaded_of(content).report, loaded_of(stored.content).report))
        report = loaded_of(content).report
        from ..rules.audit import findings_of

        status = verdict(findings_of(loaded_of(content), self.previous(stored)))
        new = self._save(report_id, content, status, report.agency, f"恢复到第 {number} 版", author)
        return new or 0

    def _save(self, report_id: int, *args) -> int | None:
        try:
            return self.store.save(report_id, *args)
        except ReadOnly as exc:
            raise WebError(read_only_message(exc.state), status=409) from None

    def set_previous(self, report_id: int, previous_id: int | None) -> None:
        stored = self.stored(report_id)
        if previous_id is not None:
            last = self.stored(previous_id)
            if last.id == stored.id:
                raise WebError("不能把报告本身设为上年度报告")
        self.store.set_previous(report_id, previous_id)
        checked = self.checked(report_id)
        self.store.set_status(report_id, checked.status)

    # -- downloads ---------------------------------------------------------------------------
    def download(self, report_id: int, fmt: str) -> tuple[bytes, str]:
        """The file and its name; the same writer as `docgen render --force` (the page shows the
        checks' findings; a report with inconsistent figures is marked in its workbook)."""
        from ..render import Options, write_outputs
        from ..rules.audit import Audit

        if fmt not in FORMATS:
            raise WebError(f"不支持的下载格式“{fmt[:10]}”", status=404)
        stored = self.stored(report_id)
        stem = file_stem(stored)
        if fmt == "yaml":
            return stored.content.encode("utf-8"), f"{stem}.yaml"
        if fmt == "pdf":
            from ..office import find_soffice

            if find_soffice() is None:
                raise WebError("本机未安装 LibreOffice，无法生成 PDF；请下载 Word 文件后自行另存为 PDF", status=409)
        loaded = loaded_of(stored.content)
        result = Audit(f"{stem}.yaml", loaded, findings=[])
        with tempfile.TemporaryDirectory(prefix="docgen-web-") as work:
            [path] = write_outputs(result, "report", Options(outdir=Path(work), formats=(fmt,), force=True))
            return path.read_bytes(), f"{stem}.{fmt}"


def is_text(path: str) -> bool:
    return path in formdoc.TEXT_FIELDS or path in formdoc.HEADER_FIELDS or path.startswith("overview.")


def changes_of(old: dict[str, str], new: dict[str, str]) -> dict:
    """What a save changed, for the audit trail: before and after of every cell and text field."""
    cells, fields = {}, {}
    for path in formdoc.changed(old, new):
        (fields if is_text(path) else cells)[path] = [old.get(path, ""), new.get(path, "")]
    return {"cells": cells, "fields": fields}


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_stem(stored: StoredReport) -> str:
    """A download's file name (without extension): agency and year, safe on Windows."""
    return _UNSAFE.sub("_", f"{stored.agency}{stored.year}年度报告").strip(" .")[:80] or f"report-{stored.id}"
