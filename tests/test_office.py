"""Tests for docgen.office: LibreOffice headless, poppler and the font alias file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from conftest import needs_soffice, requires, skip_or_fail
from docgen.errors import OfficeError
from docgen.office import (
    FONTS_CONF,
    docx_to_pdf,
    find_soffice,
    pdf_text,
    pdf_to_png,
    workbook_to_csv,
)

needs_poppler = requires(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    "poppler-utils (pdftotext, pdftoppm) is not installed",
)
needs_fc_match = requires(shutil.which("fc-match") is None, "fontconfig (fc-match) is not installed")

CHINESE = re.compile(r"[\u4e00-\u9fff]")
REPORT_TEXT = "本年度共主动公开政府信息一百二十条。"


def wrong_cache_workbook(path: Path) -> Path:
    """A workbook whose A3 holds =A1+A2 (2 + 3) with a deliberately wrong cached value 999."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "表三"
    sheet["A1"], sheet["A2"], sheet["A3"] = 2, 3, "=A1+A2"
    check = book.create_sheet("校验")
    check["A1"] = "=表三!A3*2"
    plain = path.with_name("plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text, count = re.subn(
                    r"<f>A1\+A2</f><v\s*/>|<f>A1\+A2</f><v></v>",
                    "<f>A1+A2</f><v>999</v>",
                    data.decode("utf-8"),
                )
                assert count == 1, "could not plant the wrong cached value"
                data = text.encode("utf-8")
            target.writestr(item, data)
    return path


def chinese_docx(path: Path, face: str = "仿宋_GB2312") -> Path:
    """A one-paragraph Word document in an official Chinese face."""
    document = Document()
    run = document.add_paragraph().add_run(REPORT_TEXT)
    run.font.name = face
    run._element.rPr.rFonts.set(qn("w:eastAsia"), face)
    document.save(path)
    return path


def fake_soffice(folder: Path, body: str) -> tuple[Path, str]:
    """An executable shell script standing in for soffice; its name is unique."""
    name = f"fake-soffice-{uuid.uuid4().hex}"
    script = folder / name
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return script, name


def live_processes_mentioning(text: str) -> list[int]:
    """Pids of running (non-zombie) processes whose command line contains ``text``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


def wait_until_gone(text: str, seconds: float = 5.0) -> list[int]:
    """Wait for processes mentioning ``text`` to end; return those still alive."""
    deadline = time.monotonic() + seconds
    while (alive := live_processes_mentioning(text)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@needs_soffice
def test_workbook_is_recalculated_not_read_from_cache(tmp_path):
    book = wrong_cache_workbook(tmp_path / "book.xlsx")
    cached = openpyxl.load_workbook(book, data_only=True)["表三"]["A3"].value
    assert cached == 999

    sheets = workbook_to_csv(book)

    assert sheets["表三"][2][0] == "5"
    assert sheets["校验"][0][0] == "10"


@needs_soffice
def test_chinese_sheet_names_round_trip_in_order(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "表三"
    book.active["A1"] = "自然人"
    book.active["B1"] = 12
    book.create_sheet("校验")["A1"] = "通过"
    book.create_sheet("Sheet 2")["A1"] = "x"
    book.save(tmp_path / "报告 2021.xlsx")

    sheets = workbook_to_csv(tmp_path / "报告 2021.xlsx")

    assert list(sheets) == ["表三", "校验", "Sheet 2"]
    assert sheets["表三"] == [["自然人", "12"]]
    assert sheets["校验"] == [["通过"]]


@needs_soffice
@needs_poppler
def test_docx_to_pdf_keeps_chinese_text(tmp_path):
    source = chinese_docx(tmp_path / "报告.docx")
    target = tmp_path / "out" / "报告.pdf"

    assert docx_to_pdf(source, target) == target

    assert REPORT_TEXT in pdf_text(target).replace("\n", "")
    pages = pdf_to_png(target, tmp_path / "page", dpi=30)
    assert [page.name for page in pages] == ["page-1.png"]
    assert pages[0].read_bytes().startswith(b"\x89PNG")
    assert not [p for p in target.parent.iterdir() if p.name != "报告.pdf"]


@needs_soffice
@needs_poppler
def test_pdf_uses_the_free_look_alike_face(tmp_path):
    if shutil.which("pdffonts") is None:
        skip_or_fail("pdffonts (poppler-utils) is not installed")
    if not fc_list_has("FandolFang"):
        skip_or_fail("FandolFang (texlive-lang-chinese) is not installed")
    target = docx_to_pdf(chinese_docx(tmp_path / "a.docx"), tmp_path / "a.pdf")

    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True).stdout

    assert "FandolFang" in fonts


def test_timeout_kills_the_whole_process_group(tmp_path, monkeypatch):
    # The fake starts a copy of itself in the background, then sleeps: two processes to kill.
    script, name = fake_soffice(tmp_path, 'if [ "$1" != child ]; then "$0" child & fi\nsleep 60')
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))

    started = time.monotonic()
    with pytest.raises(OfficeError) as caught:
        docx_to_pdf(chinese_docx(tmp_path / "a.docx"), tmp_path / "a.pdf", timeout=1)

    assert time.monotonic() - started < 10
    assert "超时" in caught.value.message
    assert "a.docx" in caught.value.message
    assert wait_until_gone(name) == []
    assert not (tmp_path / "a.pdf").exists()


def long_docx(path: Path) -> Path:
    """A document LibreOffice needs several seconds to lay out."""
    document = Document()
    for _ in range(3000):
        document.add_paragraph(REPORT_TEXT * 8)
    document.save(path)
    return path


@needs_soffice
@pytest.mark.parametrize("timeout", [0.01, 1.5])
def test_timeout_of_real_soffice_leaves_nothing_running(tmp_path, timeout):
    # 0.01 s stops LibreOffice while it starts; 1.5 s stops soffice.bin in the middle of work.
    source = long_docx(tmp_path / f"slow-{uuid.uuid4().hex}.docx")

    with pytest.raises(OfficeError, match="超时"):
        docx_to_pdf(source, tmp_path / "a.pdf", timeout=timeout)

    assert wait_until_gone(source.name) == []
    assert not (tmp_path / "a.pdf").exists()


def test_missing_soffice_raises_a_chinese_message(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCGEN_SOFFICE", str(tmp_path / "no-such-soffice"))
    assert find_soffice() is None

    with pytest.raises(OfficeError) as caught:
        workbook_to_csv(wrong_cache_workbook(tmp_path / "book.xlsx"))

    assert "LibreOffice" in caught.value.message
    assert CHINESE.search(caught.value.message)
    assert caught.value.exit_code == 2


def test_failed_conversion_leaves_the_earlier_pdf_unchanged(tmp_path, monkeypatch):
    script, _ = fake_soffice(tmp_path, 'echo "Error: source file could not be loaded" >&2\nexit 1')
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))
    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()
    target.write_bytes(b"%PDF-1.4 earlier run\n")

    with pytest.raises(OfficeError) as caught:
        docx_to_pdf(chinese_docx(tmp_path / "a.docx"), target)

    assert target.read_bytes() == b"%PDF-1.4 earlier run\n"
    assert list(target.parent.iterdir()) == [target]
    assert "a.docx" in caught.value.message
    assert "source file could not be loaded" in caught.value.message


@needs_soffice
def test_unreadable_document_keeps_the_earlier_pdf(tmp_path):
    source = tmp_path / "broken.docx"
    source.write_bytes(bytes(range(256)) * 16)
    target = tmp_path / "broken.pdf"
    target.write_bytes(b"%PDF-1.4 earlier run\n")

    with pytest.raises(OfficeError) as caught:
        docx_to_pdf(source, target)

    assert "broken.docx" in caught.value.message
    assert target.read_bytes() == b"%PDF-1.4 earlier run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.docx", "broken.pdf"]


def test_conversion_without_output_is_an_error(tmp_path, monkeypatch):
    script, _ = fake_soffice(tmp_path, "exit 0")
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))

    with pytest.raises(OfficeError, match="没有生成输出文件"):
        docx_to_pdf(chinese_docx(tmp_path / "a.docx"), tmp_path / "a.pdf")
    with pytest.raises(OfficeError, match="没有生成输出文件"):
        workbook_to_csv(wrong_cache_workbook(tmp_path / "book.xlsx"))


def test_missing_source_file_is_an_error(tmp_path):
    with pytest.raises(OfficeError, match="找不到"):
        docx_to_pdf(tmp_path / "none.docx", tmp_path / "none.pdf")
    with pytest.raises(OfficeError, match="找不到"):
        pdf_text(tmp_path / "none.pdf")


def fc_match(name: str, field: str = "family") -> str:
    """The family (or style) of the face fontconfig picks for ``name`` under docgen's file."""
    escaped = name.replace("-", r"\-")  # a bare "-" would start a point size in a pattern
    result = subprocess.run(
        ["fc-match", "-f", f"%{{{field}[0]}}", escaped],
        capture_output=True,
        text=True,
        env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)},
        check=True,
    )
    return result.stdout


def fc_list_has(family: str) -> bool:
    """Whether fontconfig, under docgen's alias file, knows ``family``."""
    result = subprocess.run(
        ["fc-list", family, "family"],
        capture_output=True,
        text=True,
        env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)},
    )
    return bool(result.stdout.strip())


@needs_fc_match
@pytest.mark.parametrize(
    ("official", "fandol", "noto"),
    [
        ("仿宋_GB2312", "FandolFang", "Noto Serif CJK SC"),
        ("仿宋", "FandolFang", "Noto Serif CJK SC"),
        ("FangSong", "FandolFang", "Noto Serif CJK SC"),
        ("楷体_GB2312", "FandolKai", "Noto Serif CJK SC"),
        ("KaiTi", "FandolKai", "Noto Serif CJK SC"),
        ("黑体", "FandolHei", "Noto Sans CJK SC"),
        ("SimHei", "FandolHei", "Noto Sans CJK SC"),
        ("宋体", "FandolSong", "Noto Serif CJK SC"),
        ("SimSun", "FandolSong", "Noto Serif CJK SC"),
    ],
)
def test_fonts_conf_maps_official_faces(official, fandol, noto):
    assert FONTS_CONF.is_file()
    expected = fandol if fc_list_has(fandol) else noto
    if not fc_list_has(expected):
        skip_or_fail(f"neither {fandol} nor {noto} is installed")
    assert fc_match(official) == expected


@needs_fc_match
@pytest.mark.parametrize("official", ["方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S"])
def test_fonts_conf_maps_title_face_to_bold_noto_serif(official):
    if not fc_list_has("Noto Serif CJK SC"):
        skip_or_fail("Noto Serif CJK SC (fonts-noto-cjk) is not installed")
    assert fc_match(official) == "Noto Serif CJK SC"
    assert fc_match(official, "style") == "Bold"


@needs_fc_match
@pytest.mark.parametrize(("official", "fandol"), [("宋体", "FandolSong"), ("黑体", "FandolHei")])
def test_fandol_bold_faces_do_not_stand_in_for_regular_text(official, fandol):
    # FandolSong-Bold and FandolHei-Bold declare a regular weight; fonts.conf corrects it.
    if not fc_list_has(fandol):
        skip_or_fail(f"{fandol} (texlive-lang-chinese) is not installed")
    assert fc_match(official, "style") == "Regular"
    assert fc_match(f"{official}:bold", "style") == "Bold"


def png_file(path: Path, width: int = 40, height: int = 40) -> Path:
    import struct
    import zlib

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def linked_image_docx(path: Path, target: str) -> Path:
    """A document whose only picture is linked (r:link, TargetMode=External) to ``target``, plus a hyperlink."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    document = Document()
    document.add_paragraph(REPORT_TEXT)
    embedded = png_file(path.with_suffix(".png"))
    document.add_picture(str(embedded))
    blip = document.element.body.xpath(".//a:blip")[0]
    link = document.part.relate_to(target, RT.IMAGE, is_external=True)
    del blip.attrib[qn("r:embed")]
    blip.set(qn("r:link"), link)
    document.part.relate_to("https://www.gov.cn/", RT.HYPERLINK, is_external=True)
    embedded.unlink()
    document.save(path)
    return path


def test_staged_copy_has_no_external_parts_but_keeps_hyperlinks(tmp_path):
    from docgen.office import _stage

    source = linked_image_docx(tmp_path / "linked.docx", "file:///etc/hostname")
    copy = _stage(source, tmp_path / "job" / "00000.docx")
    with zipfile.ZipFile(copy) as package:
        rels = package.read("word/_rels/document.xml.rels").decode()
        assert sorted(package.namelist()) == sorted(zipfile.ZipFile(source).namelist())
    assert "/etc/hostname" not in rels and "https://www.gov.cn/" in rels
    assert "file:///etc/hostname" in zipfile.ZipFile(source).read("word/_rels/document.xml.rels").decode()



def test_unreadable_relationships_are_refused_not_passed_on(tmp_path):
    from docgen.office import _stage

    source = linked_image_docx(tmp_path / "linked.docx", "file:///etc/hostname")
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(source) as package, zipfile.ZipFile(broken, "w") as out:
        for item in package.infolist():
            data = package.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", b"<Relationship")  # no longer XML
            out.writestr(item, data)
    copy = tmp_path / "job" / "00000.docx"
    with pytest.raises(OfficeError, match="已损坏"):
        _stage(broken, copy)
    assert not copy.exists()

@needs_soffice
@needs_poppler
def test_linked_local_file_is_not_read_into_the_pdf(tmp_path):
    secret = png_file(tmp_path / "secret.png")
    source = linked_image_docx(tmp_path / "linked.docx", secret.as_uri())
    docx_to_pdf(source, tmp_path / "linked.pdf")
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "linked.pdf")], capture_output=True, text=True, check=True)
    assert images.stdout.splitlines()[2:] == []  # header lines only: the linked picture was not loaded
    assert "一百二十条" in pdf_text(tmp_path / "linked.pdf").replace(" ", "")


def test_libreoffice_runs_without_network(tmp_path, monkeypatch):
    from docgen import office

    report = tmp_path / "seen.txt"
    script, _ = fake_soffice(
        tmp_path,
        f'env | grep -i _proxy= > "{report}"\n'
        f'cat "$(echo "$1" | sed "s|-env:UserInstallation=file://||")/user/registrymodifications.xcu" >> "{report}"\n'
        f'(cat /proc/self/net/dev 2>/dev/null | grep -c ":" ) >> "{report}"\nexit 1',
    )
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))
    monkeypatch.setenv("NO_PROXY", "*")
    with pytest.raises(OfficeError):
        docx_to_pdf(chinese_docx(tmp_path / "a.docx"), tmp_path / "a.pdf")
    seen = report.read_text()
    assert "http_proxy=http://127.0.0.1:9" in seen and "HTTPS_PROXY=http://127.0.0.1:9" in seen
    assert "NO_PROXY" not in seen
    assert '"BlockUntrustedRefererLinks"' in seen and '"ooInetProxyType"' in seen
    if office._no_network_prefix():  # Linux with namespaces: only the loopback device is there
        assert seen.strip().splitlines()[-1] == "1"
