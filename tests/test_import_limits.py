"""Hostile packages: zip bombs and oversized archives are refused before anything is unpacked."""

from __future__ import annotations

import zipfile

import pytest

from docgen.errors import InputError
from docgen.importers import import_file


def _package(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_zip_bomb_docx_is_refused(tmp_path, cli):
    bomb = tmp_path / "bomb.docx"
    _package(bomb, {"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w>" + b"0" * (60 * 1024 * 1024) + b"</w>"})
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(InputError) as info:
        import_file(bomb)
    assert "压缩炸弹" in str(info.value)
    result = cli("import", bomb, "-o", tmp_path / "out.yaml")
    assert result.code == 2 and "压缩炸弹" in result.err and not (tmp_path / "out.yaml").exists()


def test_too_many_members_is_refused(tmp_path):
    many = tmp_path / "many.xlsx"
    _package(many, {"xl/workbook.xml": b"<x/>", **{f"xl/x{i}.xml": b"" for i in range(5_001)}})
    with pytest.raises(InputError, match="压缩包内文件过多"):
        import_file(many)


def test_bomb_workbook_is_refused_by_the_cli(tmp_path, cli):
    bomb = tmp_path / "bomb.xlsx"
    _package(bomb, {"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": b" " * (80 * 1024 * 1024)})
    result = cli("import", bomb)
    assert result.code == 2 and "拒绝读取" in result.err and "Traceback" not in result.text
