"""The bad-input corpus, second part: hostile cases that cannot be committed as files (FIFOs,
devices, bombs, templates, workbooks, outputs), built on the fly. Each states the command, the
exit code and the Chinese message expected, and must end within seconds; nothing is written
where the command refuses."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
import pytest

from conftest import ROOT, Result, minimal, run_cli

OFFICIAL = ROOT / "templates" / "2021" / "report.docx"
SECONDS = 20  # every case ends well within this on a loaded 2-core machine


@dataclass
class Case:
    id: str
    build: Callable[[Path], list]  # makes the files in a folder, returns the CLI arguments
    code: int
    message: str  # a fragment of stderr


def _yaml(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _good(folder: Path, name: str = "good.yaml", agency: str = "测试县人民政府", extra: str = "") -> Path:
    return _yaml(folder, name, minimal().replace("测试县人民政府", agency) + extra)


def _template(folder: Path, name: str, tag: str = "", members: dict[str, bytes] | None = None, rels: bytes = b"") -> Path:
    """The official 2021 template with the agency's signature line replaced by `tag`, extra
    members, and extra relationships of the document."""
    with zipfile.ZipFile(OFFICIAL) as src:
        parts = {info.filename: src.read(info.filename) for info in src.infolist()}
    if tag:
        escaped = tag.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts["word/document.xml"] = parts["word/document.xml"].replace(
            b"<w:t>{{ agency }}</w:t>", f"<w:t>{{{{ agency }}}}{escaped}</w:t>".encode(), 1
        )
    if rels:
        key = "word/_rels/document.xml.rels"
        parts[key] = parts[key].replace(b"</Relationships>", rels + b"</Relationships>")
    parts.update(members or {})
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for member, data in parts.items():
            out.writestr(member, data)
    return path


def _fifo(folder: Path, name: str) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    path = folder / name
    os.mkfifo(path)
    return path


def _render_with(tag: str):
    def build(folder: Path) -> list:
        return ["render", _good(folder), "-o", folder / "out", "--template", _template(folder, "t.docx", tag)]

    return build


def _check_template(tag: str = "", **kwargs):
    def build(folder: Path) -> list:
        return ["template", "check", _template(folder, "t.docx", tag, **kwargs)]

    return build


EXTERNAL_IMAGE = (
    b'<Relationship Id="rIdEvil" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
    b'Target="http://127.0.0.1:9/logo.png" TargetMode="External"/>'
)
FILE_IMAGE = EXTERNAL_IMAGE.replace(b"http://127.0.0.1:9/logo.png", b"file:///etc/passwd").replace(b"rIdEvil", b"rIdFile")


def _empty_paragraph_bomb(folder: Path, varied: bool = False) -> list:
    # millions of empty paragraphs: compressing a thousand times, or (varied) a few times only
    body = b"".join(b'<w:p w:rsidR="%08X"/>' % (i * 2654435761 % 2**32) for i in range(600_000)) if varied else b"<w:p/>" * 3_000_000
    with zipfile.ZipFile(OFFICIAL) as src:
        xml = src.read("word/document.xml")
    xml = xml.replace(b"</w:body>", body + b"</w:body>", 1)
    return ["template", "check", _template(folder, "bomb.docx", members={"word/document.xml": xml})]


def _many_keys(folder: Path) -> list:
    keys = "".join(f"k{i}: 1\n" for i in range(100_000))
    return ["check", _yaml(folder, "keys.yaml", minimal() + keys)]


def _dev_stdin(folder: Path) -> list:
    return ["check", "/dev/stdin"]


def _sweep(folder: Path) -> list:
    out = folder / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    for name in (f"docgen-{dead}-0123abcd-notes.txt", f".docgen-{dead}-0123abcd-a.docx", f"docgen-{dead}-ab-x.docx.part"):
        (out / name).write_text("mine", encoding="utf-8")
    return ["render", _good(folder), "-o", out]


def _rollup_duplicate(folder: Path) -> list:
    one = _good(folder, "a.yaml", "城关镇人民政府")
    two = _good(folder, "b.yaml", "城关镇\u200b人民政府")
    return ["rollup", one, two, "--agency", "测试县人民政府", "-o", folder / "sum.yaml"]


def _rollup_inexact(folder: Path) -> list:
    one = _good(folder, "a.yaml", "甲镇人民政府", "active:\n  fees: 1e250\n")
    two = _good(folder, "b.yaml", "乙镇人民政府", "active:\n  fees: 0.5\n")
    return ["rollup", one, two, "--agency", "测试县人民政府", "-o", folder / "sum.yaml"]


def _encrypted(folder: Path) -> list:
    # the directory of an OLE compound file holding an encrypted OOXML package, as Office writes it
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(100)
    data += "EncryptedPackage".encode("utf-16-le") + bytes(400)
    path = folder / "locked.xlsx"
    path.write_bytes(data)
    return ["import", path, "-o", folder / "locked.yaml"]


def _huge_docx_table(folder: Path) -> list:
    from docx import Document

    doc = Document()
    doc.add_paragraph("测试县人民政府2025年政府信息公开工作年度报告")
    doc.add_table(rows=1, cols=3)
    with io.BytesIO() as buffer:
        doc.save(buffer)
        data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {info.filename: src.read(info.filename) for info in src.infolist()}
    row = b"<w:tr><w:tc><w:p><w:r><w:t>%d</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr>"
    xml = parts["word/document.xml"]
    end = xml.index(b"</w:tbl>")
    rows = b"".join(row % (i * 7919 % 1_000_003) for i in range(150_000))  # varied: compresses like a real table
    parts["word/document.xml"] = xml[:end] + rows + xml[end:]
    path = folder / "long.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for member, blob in parts.items():
            out.writestr(member, blob)
    return ["import", path, "-o", folder / "long.yaml"]


def _long_import(folder: Path) -> list:
    from docgen.textio import MAX_INPUT_BYTES
    from test_import_fixtures import figures_report, published_text

    paragraph = "本机关持续加强政府信息公开工作，推进决策、执行、管理、服务、结果公开。"
    line = paragraph * 20
    preamble = "\n".join([line] * (MAX_INPUT_BYTES // len(line.encode("utf-8")) + 2))
    page = folder / "page.txt"
    page.write_text(published_text(figures_report().model_copy(update={"preamble": preamble})), encoding="utf-8")
    return ["import", page, "-o", folder / "page.yaml"]


def _dense_workbook(folder: Path, extra_parts: int = 0) -> list:
    """A workbook of 5,000 numbered rows (not a report), or of a few rows and `extra_parts` 6 MB sheets beside them."""
    book = openpyxl.Workbook()
    for r in range(1, 11 if extra_parts else 5_001):
        book.active.append([f"第{r}行", r, r * 2, r * 3, r * 4, r * 5, r * 6, r * 7, r * 8, r * 9])
    path = folder / "dense.xlsx"
    book.save(path)
    if extra_parts:
        cells = b"".join(b"<c r='A%d'><v>%d</v></c>" % (i, i * 7919 % 1_000_003) for i in range(230_000))
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as out:
            for n in range(extra_parts):
                out.writestr(f"xl/worksheets/extra{n}.xml", cells)
    return ["import", path, "-o", folder / "dense.yaml"]


def _narrative_digits(folder: Path) -> list:
    text = minimal(preamble=f"preamble: 本年共收到政府信息公开申请{'7' * 5000}件，办结{'9' * 6000}件。\n")
    return ["check", _yaml(folder, "digits.yaml", text)]


CASES = [
    # -- security ----------------------------------------------------------------------------
    Case("template-external-image-check", _check_template(rels=EXTERNAL_IMAGE), 2, "引用了文档以外的资源（word/_rels/document.xml.rels：http://127.0.0.1:9/logo.png）"),
    Case("template-external-file-render", lambda f: ["render", _good(f), "-o", f / "out", "--template", _template(f, "t.docx", rels=FILE_IMAGE)], 2, "file:///etc/passwd"),
    Case("template-includepicture-field", _check_template(members={"word/footer1.xml": zipfile.ZipFile(OFFICIAL).read("word/footer1.xml").replace(b" PAGE ", b' INCLUDEPICTURE "http://127.0.0.1:9/x.png" ')}), 2, "读取外部文件或网址的域"),
    Case("template-class-check", _check_template("{{ agency.__class__ }}"), 2, "不能访问内部属性“__class__”"),
    Case("template-class-render", _render_with("{{ agency.__class__ }}"), 2, "不能访问内部属性“__class__”"),
    Case("template-include-check", _check_template("{% include 'x.docx' %}"), 2, "不能引用其他模板"),
    Case("template-extends-render", _render_with("{% extends 'base' %}"), 2, "不能引用其他模板"),
    Case("template-import-render", _render_with("{% import 'm' as m %}"), 2, "不能引用其他模板"),
    # -- data loss ---------------------------------------------------------------------------
    Case("output-fifo-force", lambda f: ["template", "export", "--edition", "2021", "-o", _fifo(f, "out.docx"), "--force"], 2, "不是普通文件"),
    Case("output-device-force", lambda f: ["template", "export", "--edition", "2021", "-o", "/dev/null", "--force"], 2, "不是普通文件"),
    Case("rollover-onto-own-input", lambda f: ["rollover", _good(f, "r.yaml"), "-o", f / "r.yaml", "--force"], 2, "就是要结转的文件"),
    Case("rollup-zero-width-duplicate", _rollup_duplicate, 2, "是同一机关"),
    Case("rollup-inexact-sum", _rollup_inexact, 2, "金额超出范围（整数部分 251 位）"),
    # -- hangs and bombs -----------------------------------------------------------------------
    Case("input-fifo", lambda f: ["check", _fifo(f, "in.yaml")], 2, "不是普通文件"),
    Case("input-dev-zero", lambda f: ["check", "/dev/zero"], 2, "不是普通文件"),
    Case("input-dev-stdin-pipe", _dev_stdin, 2, "不是普通文件"),
    Case("template-fifo", lambda f: ["render", _good(f), "-o", f / "out", "--template", _fifo(f, "t.docx")], 2, "不是普通文件"),
    Case("template-fifo-check", lambda f: ["template", "check", _fifo(f, "t.docx")], 2, "不是普通文件"),
    Case("import-dev-zero", lambda f: ["import", "/dev/zero", "-o", f / "z.yaml"], 2, "不是普通文件"),
    Case("template-empty-paragraph-bomb", _empty_paragraph_bomb, 2, "压缩比异常（word/document.xml"),
    Case("template-element-count-bomb", lambda f: _empty_paragraph_bomb(f, varied=True), 2, "内容过多（超过 500,000 个 XML 元素"),
    Case("template-nested-loops", _render_with("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"), 2, "循环或运算次数过多"),
    Case("template-string-multiplication", _render_with("{{ 'x' * 1000000000 }}"), 2, "模板生成的文字过长"),
    Case("template-concat-doubling", _render_with("{% set a = problems ~ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' %}" + "{% set a = a ~ a ~ a ~ a %}" * 14 + "{{ a }}"), 2, "模板生成的文字过长"),
    Case("template-range-huge", _render_with("{% for i in range(1000000000) %}{% endfor %}"), 2, "range 的范围过大"),
    Case("template-range-pow", _check_template("{% for i in range(10**9) %}{% endfor %}"), 2, "不支持乘方运算"),
    Case("template-recursive-macro", _render_with("{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}"), 2, "不能定义或调用宏"),
    Case("template-format-filter", _render_with("{{ '%0999999999d' | format(1) }}"), 2, "不支持过滤器“|format”"),
    Case("template-type-error", _render_with("{{ agency + 1 }}"), 2, "运算的数据类型不匹配"),
    Case("template-lipsum-call", _check_template("{{ lipsum(100000) }}"), 2, "不支持调用“lipsum(…)”"),
    Case("template-output-bomb", _render_with("{% for i in range(100000) %}{{ 'x' * 1000000 }}{% endfor %}"), 2, "模板生成的内容过大"),
    Case("import-docx-150k-rows", _huge_docx_table, 2, "不像是一份年度报告（例如含有数万行的表格）"),
    Case("import-xlsx-dense-sheet", _dense_workbook, 2, "无法作为年度报告导入"),
    Case("import-xlsx-xml-total", lambda f: _dense_workbook(f, extra_parts=3), 2, "内容过多（文字和表格解压后共"),
    Case("narrative-5000-digit-number", _narrative_digits, 0, "通过"),
    # -- messages ------------------------------------------------------------------------------
    Case("yaml-100k-plain-keys", _many_keys, 2, "内容项数过多"),
    Case("import-encrypted-xlsx", _encrypted, 2, "文件设置了打开密码（已加密）"),
    Case("import-too-large-for-check", _long_import, 2, "超过输入文件的上限 2 MB"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(case: Case, tmp_path):
    args = case.build(tmp_path)
    before = _files(tmp_path)
    started = time.monotonic()
    if case.id == "input-dev-stdin-pipe":
        result = _subprocess(args)
    else:
        result = run_cli(*args)
    assert time.monotonic() - started < SECONDS, case.id
    assert result.code == case.code, result.text
    assert case.message in result.text, result.text  # check prints its findings on stdout, other commands on stderr
    assert "Traceback" not in result.text and "Error" not in result.err, result.err
    assert _files(tmp_path) == before, "nothing is written when a command refuses"
    if case.id == "output-device-force":
        assert Path("/dev/null").is_char_device()


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()  # an output folder made before a refusal may stay; no file in it
    }


def _subprocess(args: list) -> Result:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "docgen", *map(str, args)], input=minimal(), capture_output=True, text=True, env=env, timeout=SECONDS
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def test_sweep_leaves_files_that_only_look_like_temporaries(tmp_path):
    args = _sweep(tmp_path)
    planted = sorted(p.name for p in (tmp_path / "out").iterdir())
    result = run_cli(*args)
    assert result.code == 0, result.text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(planted + ["good.docx", "good.xlsx"])


# -- report data is never template source ----------------------------------------------------------
def test_agency_in_footnotes_headers_and_properties_is_text(tmp_path):
    from test_fast_paths import custom_template

    template = custom_template(tmp_path)
    agency = "研发{{ 7*7 }}{% for i in range(9**9) %}局{{"
    source = _good(tmp_path, "r.yaml", agency=f'"{agency}"')
    out = tmp_path / "out"
    result = run_cli("render", source, "-o", out, "--template", template, "--formats", "docx")
    assert result.code == 0, result.text
    with zipfile.ZipFile(out / "r.docx") as z:
        footnotes = z.read("word/footnotes.xml").decode("utf-8")
        header = next(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/header"))
        core = z.read("docProps/core.xml").decode("utf-8")
    escaped = agency.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for part in (footnotes, header, core):
        assert escaped in part
        assert "49" not in re.sub(r"<[^>]+>", "", part).replace(escaped, "")


def test_check_and_render_agree_on_every_refused_tag(tmp_path, cli):
    for tag in ("{{ agency.__class__ }}", "{% include 'x' %}", "{{ agency|format(1) }}", "{% macro m() %}{% endmacro %}", "{{ 2**8 }}"):
        template = _template(tmp_path, "t.docx", tag)
        check = cli("template", "check", template)
        render = cli("render", _good(tmp_path), "-o", tmp_path / "out", "--template", template)
        assert check.code == render.code == 2, (tag, check.text, render.text)
        first = next(l for l in check.out.splitlines() + check.err.splitlines() if "不能使用" in l)
        assert first.split("：", 1)[1] in render.err, (first, render.err)


# -- formulas never come from data ---------------------------------------------------------------
def test_rollup_workbook_text_is_never_a_formula(tmp_path):
    evil = '=HYPERLINK("http://127.0.0.1:9/","点击")'
    one = _good(tmp_path, "=1+1.yaml", f"'{evil}'")
    two = _good(tmp_path, "b.yaml", "=乙镇人民政府")
    # the second agency comes in through a workbook docgen made
    result = run_cli("render", two, "-o", tmp_path / "wb", "--formats", "xlsx")
    assert result.code == 0, result.text
    target = tmp_path / "sum.xlsx"
    result = run_cli("rollup", one, tmp_path / "wb" / "b.xlsx", "--agency", "=SUM(1)", "-o", tmp_path / "sum.yaml", "--workbook", target)
    assert result.code == 0, result.text
    book = openpyxl.load_workbook(target)
    texts = {c.value for ws in book for row in ws.iter_rows() for c in row if c.data_type == "s" and isinstance(c.value, str)}
    assert {evil, "=乙镇人民政府", "=1+1.yaml"} <= texts and any(t.startswith("=SUM(1)") for t in texts)
    formulas = [c.value for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    # docgen's own formulas only (they may name an agency's sheet, quoted: ='=HYPERLINK(…'!J23)
    assert formulas and not any(f.startswith(("=HYPERLINK", "=乙镇", "=1+1", "=SUM(1)")) for f in formulas)


# -- imports read cells as a browser shows them ----------------------------------------------------
def test_html_cells_leave_out_scripts_styles_and_hidden_text():
    from docgen.importers.text import html_blocks

    blocks = html_blocks(
        "<html><body><table><tr><td>自然人</td><td>6<span style='display: none'>0</span>4</td>"
        "<td><script>document.write(7)</script>5</td><td><style>td{}</style>3<i hidden>9</i></td></tr></table></body></html>"
    )
    assert [b.cells for b in blocks if hasattr(b, "cells")] == [("自然人", "64", "5", "3")]


# -- outputs on Windows, simulated -------------------------------------------------------------------
def test_locked_output_is_named_and_retried(tmp_path, monkeypatch):
    from docgen import fsutil
    from docgen.errors import OutputError

    calls = []

    def locked(source, target):
        calls.append(target)
        error = PermissionError(13, "Permission denied")
        error.winerror = 32  # ERROR_SHARING_VIOLATION: open in Word/WPS/Excel
        raise error

    monkeypatch.setattr(fsutil, "REPLACE_RETRIES", (0.01, 0.01))
    monkeypatch.setattr(fsutil.os, "replace", locked)
    target = tmp_path / "报告.docx"
    target.write_bytes(b"earlier")
    with pytest.raises(OutputError) as info:
        fsutil.write_bytes(target, b"new")
    assert info.value.message == f"无法写入“{target}”：文件正被其他程序打开，请关闭后重试"
    assert len(calls) == 3 and target.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["报告.docx"]


def test_antivirus_lock_that_lets_go_is_waited_for(tmp_path, monkeypatch):
    from docgen import fsutil

    real, attempts = os.replace, []

    def briefly_locked(source, target):
        attempts.append(1)
        if len(attempts) < 2:
            error = PermissionError(13, "Permission denied")
            error.winerror = 5
            raise error
        real(source, target)

    monkeypatch.setattr(fsutil, "REPLACE_RETRIES", (0.01, 0.01))
    monkeypatch.setattr(fsutil.os, "replace", briefly_locked)
    fsutil.write_bytes(tmp_path / "a.xlsx", b"new")
    assert (tmp_path / "a.xlsx").read_bytes() == b"new" and len(attempts) == 2


def test_sweep_on_windows_never_signals_and_goes_past_dead_pids(tmp_path, monkeypatch):
    from docgen import fsutil

    def no_signals(*args):
        raise AssertionError("os.kill on Windows sends Ctrl-C or terminates")

    names = [f".docgen-{pid}-0123abcd-{pid}.docx.part" for pid in (111, 222, 333, 444)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.setattr(fsutil, "_alive_windows", lambda pid: pid == 222)
    with monkeypatch.context() as windows:  # only around the sweep: pathlib itself follows os.name
        windows.setattr(os, "name", "nt")
        windows.setattr(sys, "platform", "win32")
        windows.setattr(os, "kill", no_signals)
        removed = fsutil.sweep_stale(tmp_path)
    assert sorted(p.name for p in removed) == sorted(n for n in names if "-222-" not in n)
    assert sorted(p.name for p in tmp_path.iterdir()) == [names[1]]


def test_long_chinese_file_name_keeps_temporary_names_short(tmp_path):
    stem = "某某省某某市某某县人民政府办公室关于印发" * 4  # 80 characters, 240 bytes
    source = _good(tmp_path, f"{stem}.yaml")
    result = run_cli("render", source, "-o", tmp_path / "out")
    assert result.code == 0, result.text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{stem}.docx", f"{stem}.xlsx"]
