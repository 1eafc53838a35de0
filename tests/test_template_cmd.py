"""docgen template export / check, and rendering with a custom template."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt

from conftest import EXAMPLE_2021, ROOT
from docgen.editions import CURRENT, EDITIONS, get as get_edition
from docgen.errors import TemplateError
from docgen.report.load import load
from docgen.word.custom import check_template, export_template
from docgen.word.context import context_schema, show_path, t3_expr
from docgen.word.render import write_docx

EDITION_IDS = sorted(EDITIONS)


def edit_template(source: Path, target: Path, old: str, new: str) -> Path:
    """A copy of a template with one paragraph's text (body or table cell) replaced."""
    doc = Document(source)
    paragraphs = list(doc.paragraphs) + [p for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    hits = [p for p in paragraphs if p.text == old]
    assert hits, old
    for paragraph in hits[:1]:
        for run in paragraph.runs[1:]:
            run.text = ""
        paragraph.runs[0].text = new
    doc.save(target)
    return target


@pytest.fixture
def exported(tmp_path, cli):
    def _export(edition: int) -> Path:
        target = tmp_path / f"模板-{edition}.docx"
        result = cli("template", "export", "--edition", edition, "-o", target)
        assert result.code == 0, result.text
        return target

    return _export


@pytest.mark.parametrize("edition", EDITION_IDS)
def test_export_then_check_passes(exported, cli, edition):
    template = exported(edition)
    assert template.read_bytes() == (ROOT / "templates" / str(edition) / "report.docx").read_bytes()
    result = cli("template", "check", template, "--edition", edition)
    assert result.code == 0, result.text
    assert result.err == "" and f"可以用于{edition}版格式的报告" in result.out


def test_export_defaults_to_current_edition_and_refuses_overwrite(tmp_path, cli):
    target = tmp_path / "t.docx"
    assert cli("template", "export", "-o", target).code == 0
    assert check_template(target, CURRENT.id) == []
    again = cli("template", "export", "-o", target)
    assert again.code == 2 and "--force" in again.err
    assert cli("template", "export", "-o", target, "--force").code == 0


def test_removed_placeholder_is_reported_with_its_label(exported, cli, tmp_path):
    spec = get_edition(2021)
    row = spec.intake_rows[0]
    expr = t3_expr(row.key, 0)
    template = edit_template(exported(2021), tmp_path / "removed.docx", "{{ " + expr + " }}", "")
    result = cli("template", "check", template, "--edition", 2021)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, lines
    label = context_schema(spec)[("t3", *row.key, "0")]
    assert expr in lines[0] and label in lines[0] and row.label in label and spec.applicants[0].label in label


def test_removed_narrative_loop_is_reported(exported, tmp_path):
    template = edit_template(exported(2021), tmp_path / "twice.docx", "{%p for p in other_matters %}", "{%p for p in problems %}")
    problems = check_template(template, 2021)
    assert len(problems) == 1 and "other_matters" in problems[0] and "六、其他需要报告的事项" in problems[0]


def test_broken_tag_is_reported_with_its_text(exported, cli, tmp_path):
    expr = t3_expr(get_edition(2021).carried_out.key, 6)
    broken = "{{ " + expr + " }"
    template = edit_template(exported(2021), tmp_path / "broken.docx", "{{ " + expr + " }}", broken)
    result = cli("template", "check", template)
    assert result.code == 2
    assert broken in result.err and "}}" in result.err
    with pytest.raises(TemplateError):
        write_docx(load(EXAMPLE_2021).report, tmp_path / "out.docx", template)


def test_jinja_syntax_error_is_reported_in_chinese(exported, tmp_path):
    template = edit_template(exported(2021), tmp_path / "syntax.docx", "{{ agency }}", "{{ agency | }}")
    problems = check_template(template, 2021)
    assert len(problems) == 1
    assert "{{ agency | }}" in problems[0] and "此处应为名称，却是“}}”" in problems[0]  # Jinja: "expected token 'name'…"


def test_unknown_placeholder_is_reported(exported, tmp_path):
    template = edit_template(exported(2021), tmp_path / "typo.docx", "{{ agency }}", "{{ agency }}{{ agenyc }}")
    problems = check_template(template, 2021)
    assert problems == ["未知占位符“agenyc”：2021版格式的报告数据中没有这一项"]
    with pytest.raises(TemplateError) as info:
        write_docx(load(EXAMPLE_2021).report, tmp_path / "out.docx", template)
    assert "agenyc" in info.value.message and "template check" in info.value.message


def test_other_edition_template_suggests_its_edition(exported, cli):
    template = exported(2019)
    result = cli("template", "check", template, "--edition", 2021)
    assert result.code == 2
    assert "--edition 2019" in result.err
    assert any("未知占位符" in line for line in result.err.splitlines())


def test_not_a_word_document_and_missing_file(cli, tmp_path):
    bad = tmp_path / "x.docx"
    bad.write_text("not a zip", encoding="utf-8")
    result = cli("template", "check", bad)
    assert result.code == 2 and "不是有效的 Word 文档" in result.err and "Traceback" not in result.text
    missing = cli("template", "check", tmp_path / "none.docx")
    assert missing.code == 2 and "找不到模板文件" in missing.err


def test_unknown_edition_exit_2(cli, tmp_path):
    result = cli("template", "export", "--edition", 2020, "-o", tmp_path / "t.docx")
    assert result.code == 2 and "不认识的格式版本 2020" in result.err
    assert not (tmp_path / "t.docx").exists()


def test_loop_variables_and_indexes_resolve(tmp_path):
    """A restyled template may loop differently; paths through loop variables still count."""
    template = export_template(2021, tmp_path / "t.docx")
    edited = edit_template(template, tmp_path / "loop.docx", "{{ s.number }}{{ s.title }}", "{{ s['number'] }}{{ s.title | trim }}{{ loop.index }}")
    assert check_template(edited, 2021) == []


def test_custom_template_style_is_used(tmp_path):
    template = export_template(2021, tmp_path / "custom.docx")
    doc = Document(template)
    doc.styles["Normal"].font.size = Pt(15)
    doc.save(template)
    assert check_template(template, 2021) == []
    out = write_docx(load(EXAMPLE_2021).report, tmp_path / "out.docx", template)
    assert Document(out).styles["Normal"].font.size == Pt(15)


def test_every_schema_label_is_unique_per_edition():
    for edition in EDITIONS.values():
        labels = [label for path, label in context_schema(edition).items() if path[0].startswith("t")]
        assert len(labels) == len(set(labels)), edition.id
        assert all(show_path(p) for p in context_schema(edition))


def test_template_help_is_chinese(cli):
    result = cli("template", "--help")
    assert result.code == 0 and "export" in result.out and "check" in result.out and "导出" in result.out
