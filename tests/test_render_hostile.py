"""Inputs that look hostile or odd but are valid render correctly: GBK and BOM files, control
characters pasted from Word, template-looking agency names and narratives."""

from __future__ import annotations

import docx
import openpyxl
import pytest

from conftest import minimal

AGENCY = "研发&创新<中心>{{ 7*7 }}{% if 1 %}局"


def all_text(path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-16"])
def test_encodings_render(cli, write, tmp_path, encoding):
    text = minimal(2021, a="applications:\n  received: [2, 0, 0, 0, 0, 0]\n  granted: [2, 0, 0, 0, 0, 0]", b="problems: 宣传力度不足。")
    path = write(f"{encoding}.yaml", text, encoding=encoding)
    out = tmp_path / "out"
    result = cli("render", path, "-o", out, "-j", "1")
    assert result.code == 0, result.text
    body = all_text(out / f"{encoding}.docx")
    assert "测试县人民政府" in body and "宣传力度不足。" in body


def test_template_looking_agency_and_control_characters(cli, write, tmp_path):
    text = (
        f'edition: 2021\nagency: "{AGENCY}"\nyear: 2025\n'
        'problems: "第一段\\x0b含有垂直制表符\\x07和响铃。{{ 7*7 }}"\n'
        "other_matters: |\n  {%p for x in y %}不是模板{%p endfor %}\n"
    )
    path = write("odd.yaml", text)
    out = tmp_path / "out"
    result = cli("render", path, "-o", out, "-j", "1")
    assert result.code == 0, result.text
    assert "控制字符" in result.text and "\\x0b" in result.text
    body = all_text(out / "odd.docx")
    assert AGENCY in body
    assert "第一段含有垂直制表符和响铃。{{ 7*7 }}" in body and "49" not in body
    assert "{%p for x in y %}不是模板{%p endfor %}" in body
    notes = openpyxl.load_workbook(out / "odd.xlsx")["说明"]
    assert any(AGENCY in str(c.value) for row in notes.iter_rows() for c in row if c.value)
