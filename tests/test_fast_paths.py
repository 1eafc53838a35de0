"""The fast paths give the outputs of the slow ones.

docgen renders a .docx through a prepared package (docx_package) and an .xlsx through a stencil
(workbook.stencil); docgen.reference renders the plain way, with a fresh DocxTemplate and a
freshly built openpyxl workbook per report. Here the two are compared: the .docx bytes, its text
and every table cell; every workbook cell (value, formula, cached value, number format, style)
and the merged ranges, row heights, column widths, validations and print setup.
"""

from __future__ import annotations

import datetime as dt
import re
import io
import struct
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from jinja2.exceptions import SecurityError
import yaml
from docx import Document
from docx.shared import Inches

from conftest import EXAMPLE_2021, ROOT, SEED_2019, minimal
from test_word import LITERAL, distinct_report
from test_workbook import RICH_2019

from docgen.errors import InputError
from docgen.report.load import compose, load, load_text
from docgen.report.model import Report
from support.reference import reference_docx, reference_xlsx
from docgen.word.context import build_context
from docgen.word.render import normalize_zip, prepare_template, render_docx
from docgen.workbook import workbook_bytes
from docgen.workbook.formulas import Calc
from docgen.workbook.build import build_recorded
from docgen.zipwrite import deflate, package

MADE = dt.datetime(2026, 1, 21, 9, 30)


def reports() -> dict[str, Report]:
    example = load(EXAMPLE_2021).report
    return {
        "seed-2019": load(SEED_2019).report,
        "example-2021": example,
        "distinct-2019": distinct_report(2019),
        "distinct-2021": distinct_report(2021),
        "rich-2019": load_text(RICH_2019, "rich.yaml").report,
        "no-date-long-title": example.model_copy(update={"date": None, "agency": "某某省某某市某某县人民政府办公室政务公开科"}),
        "literal-text": example.model_copy(update={"agency": LITERAL, "problems": f"{LITERAL}\n\n第二段\t带制表符"}),
        "formula-like-agency": example.model_copy(update={"agency": "=SUM(1,2)"}),
        "spaces-and-line-breaks": example.model_copy(update={"agency": " 前后有空格\r\n与换行 & <标记> "}),
        "money-2-decimals": example.model_copy(update={"active": {**example.active, "fees": {"amount": Decimal("12.50")}}}),
    }


REPORTS = reports()


# -- .docx -------------------------------------------------------------------------------------
def docx_view(data: bytes) -> tuple[list[str], list[list[list[str]]], dict[str, str]]:
    """Every paragraph's text, every table cell's text, and the core properties."""
    doc = Document(io.BytesIO(data))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]
    props = doc.core_properties
    return [p.text for p in doc.paragraphs], tables, {"title": props.title, "author": props.author, "created": str(props.created)}


@pytest.mark.parametrize("name", list(REPORTS))
def test_docx_equals_the_docxtpl_rendering(name):
    report = REPORTS[name]
    fast, slow = render_docx(report), reference_docx(report)
    assert docx_view(fast) == docx_view(slow)
    assert fast == slow  # the very same bytes


def test_one_prepared_template_renders_reports_in_any_order():
    renderer = prepare_template(None, 2021)
    names = [n for n, r in REPORTS.items() if r.edition == 2021]
    first = {n: renderer.render(build_context(REPORTS[n])) for n in names}
    for n in reversed(names):
        assert renderer.render(build_context(REPORTS[n])) == first[n]


PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
    + struct.pack(">I", 12) + b"IDAT" + zlib.compress(b"\x00\xff\x00\x00")
    + struct.pack(">I", zlib.crc32(b"IDAT" + zlib.compress(b"\x00\xff\x00\x00")))
    + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
)
FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:id="1"><w:p><w:r><w:t>{{ agency }}的脚注</w:t></w:r></w:p></w:footnote></w:footnotes>'
)


def custom_template(folder: Path) -> Path:
    """The official template with a header naming the agency, a picture, a second section and footnotes."""
    doc = Document(ROOT / "templates" / "2021" / "report.docx")
    doc.sections[0].header.paragraphs[0].text = "{{ agency }} 公开办"
    doc.add_picture(io.BytesIO(PNG), width=Inches(0.5))
    doc.add_section()
    buffer = io.BytesIO()
    doc.save(buffer)
    with zipfile.ZipFile(buffer) as src:
        members = {info.filename: src.read(info.filename) for info in src.infolist()}
    members["word/footnotes.xml"] = FOOTNOTES.encode("utf-8")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/word/footnotes.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
    )
    members["word/_rels/document.xml.rels"] = members["word/_rels/document.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdNotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" '
        b'Target="footnotes.xml"/></Relationships>',
    )
    path = folder / "custom.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return path


def test_custom_template_with_header_picture_sections_and_footnotes(tmp_path):
    template = custom_template(tmp_path)
    for name in ("example-2021", "literal-text", "distinct-2021"):
        report = REPORTS[name]
        fast, slow = render_docx(report, template), reference_docx(report, template)
        assert fast == slow
        with zipfile.ZipFile(io.BytesIO(fast)) as z:
            assert "的脚注" in z.read("word/footnotes.xml").decode("utf-8")
            header = next(n for n in z.namelist() if n.startswith("word/header"))
            assert "公开办" in z.read(header).decode("utf-8")
            assert any(n.startswith("word/media/") for n in z.namelist())


def test_template_sources_are_compiled_once_and_never_more():
    renderer = prepare_template(None, 2019)
    compiled = dict(renderer.env._compiled)
    for name in ("seed-2019", "distinct-2019", "rich-2019"):
        renderer.render(build_context(REPORTS[name]))
    assert renderer.env._compiled == compiled
    with pytest.raises(SecurityError):  # report data is never template source: nothing new is compiled
        renderer.env.from_string("{{ agency }} once")
    assert renderer.env._compiled == compiled


# -- .xlsx ------------------------------------------------------------------------------------------
def workbook_view(data: bytes) -> dict:
    """Everything a reader of the workbook sees, cell by cell and sheet by sheet."""
    formulas = openpyxl.load_workbook(io.BytesIO(data))
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    view: dict = {"sheets": formulas.sheetnames, "title": formulas.properties.title, "creator": formulas.properties.creator}
    for ws in formulas:
        values = cached[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                view[(ws.title, cell.coordinate)] = (
                    cell.value,
                    values[cell.coordinate].value,
                    cell.data_type,
                    cell.number_format,
                    cell.font.name, cell.font.sz, cell.font.b,
                    cell.fill.fgColor.rgb,
                    cell.border.left.style, cell.border.top.style,
                    cell.alignment.horizontal, cell.alignment.vertical, cell.alignment.wrap_text,
                    cell.protection.locked,
                )
        view[(ws.title, "merged")] = sorted(str(r) for r in ws.merged_cells.ranges)
        view[(ws.title, "heights")] = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
        view[(ws.title, "widths")] = {c: d.width for c, d in ws.column_dimensions.items()}
        view[(ws.title, "validations")] = sorted((v.type, v.operator, str(v.sqref)) for v in ws.data_validations.dataValidation)
        view[(ws.title, "setup")] = (ws.freeze_panes, ws.print_title_rows, ws.protection.sheet, ws.page_setup.orientation)
        view[(ws.title, "highlight")] = sorted(str(r.sqref) for r in ws.conditional_formatting)
    return view


@pytest.mark.parametrize("name", list(REPORTS))
def test_workbook_equals_the_openpyxl_build(name):
    report = REPORTS[name]
    fast = workbook_bytes(report, f"/in/{name}.yaml", MADE)
    slow = reference_xlsx(report, f"/in/{name}.yaml", MADE)
    assert workbook_view(fast) == workbook_view(slow)


def test_a_stencil_serves_other_reports_of_its_kind():
    """Reports sharing edition and number formats share a stencil; each still gets its own cells."""
    base = REPORTS["example-2021"]
    variants = [
        base.model_copy(update={"agency": f"第{i}号机关" * i, "year": 2020 + i, "applications": {**base.applications, "received": [64 + i, i, 0, 2, 0, 4]}})
        for i in range(1, 5)
    ]
    for report in variants:
        assert workbook_view(workbook_bytes(report, "x.yaml", MADE)) == workbook_view(reference_xlsx(report, "x.yaml", MADE))


def test_text_that_looks_like_a_formula_stays_text():
    data = reference_xlsx(REPORTS["formula-like-agency"], "x.yaml", MADE)
    notes = openpyxl.load_workbook(io.BytesIO(data))["说明"]
    assert notes["B2"].value == "=SUM(1,2)" and notes["B2"].data_type == "s"


def test_formulas_evaluate_over_another_reports_figures():
    _, calc = build_recorded(REPORTS["example-2021"])
    _, other = build_recorded(REPORTS["distinct-2021"])
    assert calc.results(other.values) == other.results()
    fresh = Calc()
    for (sheet, address), expr in calc.formulas.items():
        fresh.formula(sheet, address, expr)
    for (sheet, address), value in other.values.items():
        fresh.value(sheet, address, value)
    assert fresh.results() == other.results()


# -- the zip writer, the YAML reader -------------------------------------------------------------------
def test_zip_writer_writes_what_zipfile_writes():
    members = {"[Content_Types].xml": b"<Types/>" * 50, "word/document.xml": "正文".encode() * 999, "媒体/图.png": PNG, "empty": b""}
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    expected = normalize_zip(plain.getvalue())
    assert package([deflate(name, data) for name, data in members.items()]) == expected
    with zipfile.ZipFile(io.BytesIO(expected)) as z:
        assert z.testzip() is None and {n: z.read(n) for n in z.namelist()} == members


def tree(node):
    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.start_mark.line)
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, node.start_mark.line, [tree(n) for n in node.value])
    return (node.tag, node.start_mark.line, [(tree(k), tree(v)) for k, v in node.value])


YAML_FILES = sorted([*(ROOT / "inputs").glob("*.yaml"), *(ROOT / "tests" / "corpus").rglob("*.yaml")])


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_yaml_trees_are_the_pure_python_parsers(path):
    from docgen.report.yamlread import DEEP, _Loader

    text = path.read_text("utf-8")
    try:
        expected = tree(yaml.compose(text, Loader=_Loader))  # the pure-Python parser, aliases of scalars at their own line
    except RecursionError:  # nesting deeper than the pure parser follows: refused either way
        with pytest.raises(InputError, match=re.escape(DEEP)):
            load_text(text, path.name)
        return
    except yaml.YAMLError as exc:
        with pytest.raises(type(exc)) as raised:
            compose(text)
        assert str(raised.value) == str(exc)
        return
    assert tree(compose(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a: x\ty\n",  # a tab inside a plain scalar: libyaml accepts it, the pure parser does not
        "a: {x: 1, y:\n  }\n",  # an empty value: the two place it on different lines
        "k: [0, 0? 0]\n",
        "|# comment\n  text\n",
        "a: &x 1\nb: *x\n",
    ],
)
def test_files_libyaml_reads_otherwise_are_read_as_before(text):
    from docgen.report.yamlread import _Loader

    try:
        expected = tree(yaml.compose(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        with pytest.raises(yaml.YAMLError) as raised:
            compose(text)
        assert str(raised.value) == str(exc)
        return
    assert tree(compose(text)) == expected


def test_narrative_with_ampersand_and_percent_loads_the_same():
    text = minimal(2021, problems="problems: |\n  研发&创新占比3%，邮箱 gk@example.gov.cn。\n")
    assert load_text(text, "x.yaml").report.problems.startswith("研发&创新占比3%")


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_too_deep_nesting_is_named_whichever_parser_refuses_it(monkeypatch, libyaml):
    """libyaml ≥ 0.2.5 (PyYAML 6.0.4 wheels) refuses deep nesting itself, older ones compose it;
    either way the clerk reads the same Chinese message, never a generic YAML error."""
    from docgen.report import yamlread

    if not libyaml:
        monkeypatch.setattr(yamlread, "_LIBYAML", None)
    text = minimal() + "problems: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n"
    with pytest.raises(InputError) as caught:
        load_text(text, "deep.yaml")
    assert any(yamlread.DEEP in p.what for p in caught.value.problems), caught.value.problems
