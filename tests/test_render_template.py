"""`docgen render --template`: a restyled template is used; a broken one exits 2 with the
template checker's message and writes nothing."""

from __future__ import annotations

import zipfile

import docx

from conftest import EXAMPLE_2021


def _edit_document_xml(source, target, old: str, new: str) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert old in text
                data = text.replace(old, new, 1).encode("utf-8")
            zout.writestr(item, data)


def test_custom_template_is_used(cli, tmp_path):
    template = tmp_path / "mine.docx"
    assert cli("template", "export", "--edition", "2021", "-o", template).code == 0
    document = docx.Document(str(template))
    document.add_paragraph("本单位自定义落款说明")
    document.save(str(template))
    result = cli("render", EXAMPLE_2021, "-o", tmp_path / "out", "--template", template, "-j", "1")
    assert result.code == 0, result.text
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "out" / "example-2021.docx")).paragraphs)
    assert "本单位自定义落款说明" in text


def test_broken_template_exits_2_and_writes_nothing(cli, tmp_path):
    exported = tmp_path / "official.docx"
    assert cli("template", "export", "--edition", "2021", "-o", exported).code == 0
    broken = tmp_path / "broken.docx"
    _edit_document_xml(exported, broken, "{{ agency }}", "{{ agency ")
    out = tmp_path / "out"
    result = cli("render", EXAMPLE_2021, "-o", out, "--template", broken, "-j", "1")
    assert result.code == 2, result.text
    assert "{{ agency" in result.err and "Traceback" not in result.text
    assert not out.exists() or list(out.iterdir()) == []
