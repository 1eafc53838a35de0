"""Downloads of a 汇总: its workbook with cross-sheet formulas (`docgen rollup --workbook`'s own
code) and a zip of every included agency's .docx/.xlsx (and .pdf when LibreOffice is present:
one LibreOffice process for the lot, office.docx_to_pdfs), named by agency."""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from ..errors import DocgenError
from ..rules.audit import Audit
from . import countyrollup
from .service import WebError, loaded_of
from .store import Store

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
NOTE_NAME = "说明.txt"


def safe_name(text: str, fallback: str) -> str:
    """A file name (without extension) that every system accepts."""
    return _UNSAFE.sub("_", text).strip(" .")[:80] or fallback


def workbook(store: Store, rollup_id: int) -> tuple[bytes, str]:
    """The 汇总 workbook: 总览, 汇总 (each figure a formula over the agency sheets), 校验, one sheet per agency."""
    from ..rollup.workbook import write_rollup_xlsx

    result, _ = countyrollup.parts_summed(store, rollup_id)
    report = result.report
    with tempfile.TemporaryDirectory(prefix="docgen-rollup-") as work:
        target = Path(work) / "rollup.xlsx"
        try:
            write_rollup_xlsx(result, target)
        except DocgenError as exc:
            raise WebError(f"无法生成汇总工作簿：{exc.message}", status=409) from None
        data = target.read_bytes()
    return data, f"{safe_name(f'{report.agency}{report.year}年度汇总工作簿', f'rollup-{rollup_id}')}.xlsx"


def parts_zip(store: Store, rollup_id: int, folder: Path, pdf: bool = True) -> tuple[Path, str, list[str]]:
    """Write a zip of every part's .docx/.xlsx (.pdf when asked and LibreOffice is present) into
    ``folder``; return its path, its download name and the notes written into 说明.txt."""
    from ..office import docx_to_pdfs, find_soffice
    from ..render import Options, write_outputs

    stored = store.get(rollup_id)
    if stored is None:
        raise WebError("没有这份汇总报告", status=404)
    parts = countyrollup.recorded_parts(store, rollup_id)
    if not parts:
        raise WebError("这份报告不是汇总报告（尚未汇总）", status=404)
    notes = [f"{stored.agency}{stored.year}年度汇总：以下 {len(parts)} 个机关的已审核报告（汇总时的版本）。", ""]
    if pdf and find_soffice() is None:
        pdf = False
        notes.append("本机未安装 LibreOffice，未生成 PDF；请用 Word 文件另存为 PDF。")
    out = folder / "files"
    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, str]] = []
    conversions: list[tuple[Path, Path, str]] = []
    taken: set[str] = set()
    for part, content in parts:
        stem = _unique(safe_name(f"{part.agency}{stored.year}年度报告", f"report-{part.report_id}"), taken)
        result = Audit(countyrollup.part_name(part), loaded_of(content), findings=[])
        try:
            paths = write_outputs(result, stem, Options(outdir=out, formats=("docx", "xlsx"), force=True))
        except DocgenError as exc:
            notes.append(f"{part.agency}：未能生成（{exc.message}）")
            continue
        written += [(p, p.name) for p in paths]
        notes.append(f"{part.agency}：第 {part.revision} 版 → {stem}.docx、{stem}.xlsx" + ("、.pdf" if pdf else ""))
        if pdf:
            conversions.append((out / f"{stem}.docx", out / f"{stem}.pdf", part.agency))
    if conversions:
        errors = docx_to_pdfs([(d, p) for d, p, _ in conversions], names=[f"{name}.docx" for _, _, name in conversions])
        for (_, target, name), error in zip(conversions, errors):
            if error is None:
                written.append((target, target.name))
            else:
                notes.append(f"{name}：PDF 未能生成（{error.message}）")
    target = folder / "parts.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in sorted(written, key=lambda item: item[1]):
            archive.write(path, name)
        archive.writestr(NOTE_NAME, "\n".join(notes) + "\n")
    name = safe_name(f"{stored.agency}{stored.year}年度汇总_各机关报告", f"rollup-{rollup_id}-parts")
    return target, f"{name}.zip", notes


def _unique(stem: str, taken: set[str]) -> str:
    candidate, number = stem, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem}({number})"
    taken.add(candidate.casefold())
    return candidate
