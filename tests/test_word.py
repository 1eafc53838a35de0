"""The Word filing: official labels, figures, merged cells, fonts, page setup, literal narrative.

Every rendered document is read back with python-docx; every expectation is derived from the
edition spec or the Report, never typed in.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.table import _Cell

from conftest import EXAMPLE_2021, ROOT, SEED_2019
from docgen.word import templatebuild
from docgen.editions import EDITIONS, get as get_edition
from docgen.editions.common import SECTION_LABELS
from docgen.editions.types import (
    ACTIVE_ROW_HEADER,
    APPLICANT_HEADER,
    LEGAL_PERSON_HEADER,
    LITIGATION_HEADER,
    RESULTS_LABEL,
    TABLE3_NOTE,
    TOTAL_LABEL,
    TOTAL_ROW_LABEL,
    AppGroup,
    Kind,
)
from docgen.errors import TemplateError
from docgen.report.load import load, load_text
from docgen.report.model import Report, format_value
from docgen.word.context import OPTIONAL_PATHS, build_context, chinese_number, context_paths, context_schema
from docgen.word.render import Renderer, official_template, prepare_template, write_docx

EDITION_IDS = sorted(EDITIONS)
LITERAL = "研发&创新<中心>{{ 7*7 }}"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- building inputs ---------------------------------------------------------------------------------
def distinct_yaml(edition_id: int, **extra: str) -> str:
    """An input whose every figure differs from every other (so a misplaced cell cannot pass)."""
    spec = get_edition(edition_id)
    n = itertools.count(1)
    lines = [f"edition: {edition_id}", "agency: 测试县人民政府", f"year: {spec.first_year}", "date: 2026-01-20"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    lines.append("active:")
    for block, row in spec.active_rows:
        values = {f.id: _figure(f.kind, next(n)) for f in block.fields}
        if row.scalar:
            lines.append(f"  {row.id}: {next(iter(values.values()))}")
        else:
            lines.append(f"  {row.id}: {{{', '.join(f'{k}: {v}' for k, v in values.items())}}}")
    lines.append("applications:")
    for item in spec.intake_rows + spec.result_items + (spec.carried_out,):
        rows = item.rows if isinstance(item, AppGroup) else (item,)
        if isinstance(item, AppGroup):
            lines.append(f"  {item.id}:")
        for row in rows:
            indent = "    " if isinstance(item, AppGroup) else "  "
            lines.append(f"{indent}{row.key[-1]}: [{', '.join(str(next(n)) for _ in spec.applicants)}]")
    lines.append("reviews:")
    for group in spec.review_groups:
        lines.append(f"  {group.id}: [{', '.join(str(next(n)) for _ in spec.review_results)}]")
    return "\n".join(lines) + "\n"


def _figure(kind: Kind, n: int) -> str:
    return {Kind.COUNT: str(n), Kind.CHANGE: f"-{n}", Kind.MONEY: f"{n}.0450", Kind.AMOUNT: f"{n}0000元"}[kind]


def distinct_report(edition_id: int, **extra: str) -> Report:
    return load_text(distinct_yaml(edition_id, **extra), "distinct.yaml").report


# -- reading documents back --------------------------------------------------------------------------
@dataclass(frozen=True)
class Spanned:
    text: str
    row: int
    col: int
    rowspan: int
    colspan: int


def spanned_cells(table) -> list[Spanned]:
    """Each merged cell once, with its grid position and extent (from w:gridSpan and w:vMerge)."""
    grid: list[dict[int, object]] = []
    for tr in table._tbl.tr_lst:
        row, col = {}, 0
        for tc in tr.tc_lst:
            row[col] = tc
            col += tc.grid_span
        grid.append(row)
    out = []
    for r, row in enumerate(grid):
        for c, tc in row.items():
            if tc.vMerge == "continue":
                continue
            span = 1
            while r + span < len(grid) and c in grid[r + span] and grid[r + span][c].vMerge == "continue":
                span += 1
            out.append(Spanned(_Cell(tc, table).text.replace("\n", ""), r, c, span, tc.grid_span))  # a label broken in a narrow cell reads whole
    return out


def grid_width(table) -> int:
    widths = {sum(tc.grid_span for tc in tr.tc_lst) for tr in table._tbl.tr_lst}
    assert len(widths) == 1, widths
    return widths.pop()


def row_values(table, label: str, count: int) -> list[str]:
    """The last `count` distinct cells of the row whose label cell reads `label`."""
    for row in table.rows:
        cells = _distinct(row.cells)
        if any(c.text == label for c in cells[:-count]):
            return [c.text for c in cells[-count:]]
    raise AssertionError(f"no row labelled {label}")


def _distinct(cells):
    out = []
    for cell in cells:
        if not out or cell._tc is not out[-1]._tc:
            out.append(cell)
    return out


def body_texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.text.strip()]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """edition id -> (Report with distinct figures, rendered Document)."""
    folder = tmp_path_factory.mktemp("word")
    out = {}
    for edition_id in EDITION_IDS:
        report = distinct_report(edition_id)
        path = write_docx(report, folder / f"{edition_id}.docx")
        out[edition_id] = (report, Document(path))
    return out


# -- labels -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_every_official_label_verbatim(rendered, edition_id):
    report, doc = rendered[edition_id]
    spec = report.spec
    table2, table3, table4 = (_texts(t) for t in doc.tables)
    for block in spec.active_blocks:
        assert {block.label, ACTIVE_ROW_HEADER} <= table2
        assert {f.label for f in block.fields} | {r.label for r in block.rows} <= table2
    assert {TABLE3_NOTE, APPLICANT_HEADER, LEGAL_PERSON_HEADER, TOTAL_LABEL, RESULTS_LABEL, TOTAL_ROW_LABEL} <= table3
    assert {a.label for a in spec.applicants} <= table3
    assert {r.label for r in spec.app_rows} <= table3
    assert {i.label for i in spec.result_items} <= table3
    assert {g.label for g in spec.review_groups} | {LITIGATION_HEADER, TOTAL_LABEL} <= table4
    assert {f.label for f in spec.review_results} <= table4
    paragraphs = body_texts(doc)
    assert [label for _, label in SECTION_LABELS.items()] == [p for p in paragraphs if p in SECTION_LABELS.values()]


def _texts(table) -> set[str]:
    return {c.text for c in spanned_cells(table)}


# -- figures -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_table2_cells_equal_model(rendered, edition_id):
    report, doc = rendered[edition_id]
    for block, row in report.spec.active_rows:
        expected = [format_value(report.active_value(row.id, f.id)) for f in block.fields]
        assert row_values(doc.tables[0], row.label, len(block.fields)) == expected, row.label


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_table3_cells_equal_model(rendered, edition_id):
    report, doc = rendered[edition_id]
    width = len(report.spec.applicants) + 1
    for row in report.spec.app_rows:
        expected = [str(v) for v in report.row_with_total(row.id)]
        assert row_values(doc.tables[1], row.label, width) == expected, row.label
    assert row_values(doc.tables[1], TOTAL_ROW_LABEL, width) == [str(v) for v in report.row_with_total("total")]


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_table4_cells_equal_model(rendered, edition_id):
    report, doc = rendered[edition_id]
    table = doc.tables[2]
    expected = [str(v) for g in report.spec.review_groups for v in report.review_with_total(g.id)]
    assert [c.text for c in _distinct(table.rows[-1].cells)] == expected


@pytest.mark.parametrize("fees", ["4166.241619", "0.10", "24252.311082"])
def test_money_exactly_as_written(tmp_path, fees):
    text = re.sub(r"(?m)^  fees: .*$", f"  fees: {fees}", distinct_yaml(2021))
    report = load_text(text, "m.yaml").report
    doc = Document(write_docx(report, tmp_path / "m.docx"))
    row = next(r for _, r in report.spec.active_rows if r.id == "fees")
    assert row_values(doc.tables[0], row.label, 1) == [fees]


def test_2019_negative_change_and_amount_with_unit(rendered):
    report, doc = rendered[2019]
    cells = {c.text for c in spanned_cells(doc.tables[0])}
    changes = [format_value(report.active_value(r.id, "change")) for b, r in report.spec.active_rows if "change" in {f.id for f in b.fields}]
    amount = format_value(report.active_value("procurement", "amount"))
    assert all(c.startswith("-") for c in changes) and set(changes) <= cells
    assert amount.endswith("元") and amount in cells


def test_examples_render_their_figures(tmp_path):
    for path in (SEED_2019, EXAMPLE_2021):
        report = load(path).report
        doc = Document(write_docx(report, tmp_path / f"{path.stem}.docx"))
        last = [c.text for c in _distinct(doc.tables[2].rows[-1].cells)]
        assert last == [str(v) for g in report.spec.review_groups for v in report.review_with_total(g.id)]


# -- merged layout ----------------------------------------------------------------------------------------
def _spans(table) -> dict[str, tuple[int, int]]:
    """label -> (rowspan, colspan); a label must occur once."""
    out: dict[str, tuple[int, int]] = {}
    for cell in spanned_cells(table):
        if "{{" in cell.text or not cell.text or cell.text.isdigit():
            continue
        out.setdefault(cell.text, (cell.rowspan, cell.colspan))
    return out


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_table2_merges(rendered, edition_id):
    report, doc = rendered[edition_id]
    table = doc.tables[0]
    width = 1 + max(len(b.fields) for b in report.spec.active_blocks)
    assert width == grid_width(table) == 4
    cells = spanned_cells(table)
    for block in report.spec.active_blocks:
        assert next(c for c in cells if c.text == block.label).colspan == width
        for label in [ACTIVE_ROW_HEADER] + [r.label for r in block.rows]:
            row = next(c.row for c in cells if c.text == label and c.row > _row_of(cells, block.label))
            spans = [c.colspan for c in cells if c.row == row]
            assert spans == [1] * len(block.fields) + [width - len(block.fields)], (block.label, label)


def _row_of(cells: list[Spanned], text: str) -> int:
    return next(c.row for c in cells if c.text == text)


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_table3_merges(rendered, edition_id):
    report, doc = rendered[edition_id]
    spec = report.spec
    table = doc.tables[1]
    data = len(spec.applicants) + 1
    assert grid_width(table) == 3 + data
    legal = [a for a in spec.applicants if a.legal_person]
    leaf_rows = sum(len(i.rows) if isinstance(i, AppGroup) else 1 for i in spec.result_items)
    expected = {
        TABLE3_NOTE: (3, 3),
        APPLICANT_HEADER: (1, data),
        LEGAL_PERSON_HEADER: (1, len(legal)),
        TOTAL_LABEL: (2, 1),
        RESULTS_LABEL: (leaf_rows + 1, 1),
        TOTAL_ROW_LABEL: (1, 2),
        spec.carried_out.label: (1, 3),
    }
    expected.update({a.label: (1, 1) if a.legal_person else (2, 1) for a in spec.applicants})
    expected.update({r.label: (1, 3) for r in spec.intake_rows})
    for item in spec.result_items:
        if isinstance(item, AppGroup):
            expected[item.label] = (len(item.rows), 1)
            expected.update({r.label: (1, 1) for r in item.rows})
        else:
            expected[item.label] = (1, 2)
    assert _spans(table) == expected


def test_table3_spans_match_published_layout(rendered):
    """The reference: 三、本年度办理结果 spans 22 rows (2021) / 20 (2019); （六） 3 rows or 2 columns."""
    spans = {e: _spans(rendered[e][1].tables[1]) for e in EDITION_IDS}
    assert spans[2021][RESULTS_LABEL] == (22, 1) and spans[2019][RESULTS_LABEL] == (20, 1)
    other = next(i.label for i in get_edition(2021).result_items if i.label.startswith("（六）"))
    assert spans[2021][other] == (3, 1) and spans[2019][other] == (1, 2)


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_table4_merges(rendered, edition_id):
    report, doc = rendered[edition_id]
    spec = report.spec
    table = doc.tables[2]
    per_group = len(spec.review_results) + 1
    assert grid_width(table) == per_group * len(spec.review_groups)
    cells = spanned_cells(table)
    litigation = [g for g in spec.review_groups if g.full_label.startswith(LITIGATION_HEADER)]
    alone = [g for g in spec.review_groups if g not in litigation]
    assert next(c for c in cells if c.text == LITIGATION_HEADER).colspan == per_group * len(litigation)
    for group in spec.review_groups:
        head = next(c for c in cells if c.text == group.label)
        assert head.colspan == per_group
        labels = [c for c in cells if c.row > head.row and c.col >= head.col and c.col < head.col + per_group and not c.text.isdigit()]
        assert [c.text for c in labels] == [f.label for f in spec.review_results] + [TOTAL_LABEL]
        assert {c.rowspan for c in labels} == ({2} if group in alone else {1})
    assert len(_distinct(table.rows[-1].cells)) == per_group * len(spec.review_groups)


# -- table properties -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_header_rows_repeat_and_rows_do_not_split(rendered, edition_id):
    _, doc = rendered[edition_id]
    for index, table in enumerate(doc.tables):
        rows = table._tbl.tr_lst
        assert all(tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in rows)
        headers = [tr.trPr.find(qn("w:tblHeader")) is not None for tr in rows]
        expected = 0 if index == 0 else 3  # table 二's blocks each carry their own header row
        assert headers == [True] * expected + [False] * (len(rows) - expected)


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_tables_full_borders_fixed_width(rendered, edition_id):
    _, doc = rendered[edition_id]
    for table in doc.tables:
        tblpr = table._tbl.tblPr
        borders = tblpr.find(qn("w:tblBorders"))
        sides = {b.tag.split("}")[1]: b.get(qn("w:val")) for b in borders}
        assert sides == dict.fromkeys(["top", "left", "bottom", "right", "insideH", "insideV"], "single")
        assert int(tblpr.find(qn("w:tblW")).get(qn("w:w"))) == templatebuild.TEXT_WIDTH
        assert tblpr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_number_cells_centred_headers_bold_face(rendered, edition_id):
    _, doc = rendered[edition_id]
    for table in doc.tables:
        for cell in spanned_cells(table):
            style = _cell_style(table, cell)
            if cell.text.lstrip("-").replace(".", "").replace("元", "").isdigit():
                assert style in (templatebuild.TABLE_NUMBER, templatebuild.TABLE3_NUMBER), cell
    head = doc.styles[templatebuild.TABLE_HEAD]
    assert _east_asia(head) == templatebuild.HEADING_FACE
    assert doc.styles[templatebuild.TABLE_NUMBER].paragraph_format.alignment == 1  # centre


def _cell_style(table, cell: Spanned) -> str:
    return table.cell(cell.row, cell.col).paragraphs[0].style.name


# -- styles and page ---------------------------------------------------------------------------------------------
def _east_asia(style) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_chinese_faces_are_set_in_styles(rendered, edition_id):
    _, doc = rendered[edition_id]
    tb = templatebuild
    expected = {
        tb.BODY: (tb.BODY_FACE, tb.BODY_PT),
        tb.TITLE: (tb.TITLE_FACE, tb.TITLE_PT),
        tb.HEADING: (tb.HEADING_FACE, tb.BODY_PT),
        tb.SUBHEADING: (tb.SUBHEADING_FACE, tb.BODY_PT),
        tb.TABLE_TEXT: (tb.BODY_FACE, tb.TABLE_PT),
        tb.TABLE_NUMBER: (tb.BODY_FACE, tb.TABLE_PT),
        tb.TABLE_HEAD: (tb.HEADING_FACE, tb.TABLE_PT),
        tb.SIGNOFF: (tb.BODY_FACE, tb.BODY_PT),
        tb.FOOTER: (tb.PAGE_FACE, tb.PAGE_PT),
    }
    for name, (face, pt) in expected.items():
        style = doc.styles[name]
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert {fonts.get(qn(f"w:{a}")) for a in ("eastAsia", "ascii", "hAnsi")} == {face}, name
        assert style.font.size.pt == pt, name
    for fonts in doc.styles.element.iter(qn("w:rFonts")):
        assert not any(k.endswith("Theme") or k.endswith("theme") for k in fonts.attrib), "theme fonts override faces"
    default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert default.find(qn("w:rFonts")).get(qn("w:eastAsia")) == tb.BODY_FACE
    assert default.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_body_line_spacing_and_indent(rendered, edition_id):
    _, doc = rendered[edition_id]
    ppr = doc.styles["Normal"].element.pPr
    spacing, ind = ppr.find(qn("w:spacing")), ppr.find(qn("w:ind"))
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("578", "exact")  # 28.9 pt
    assert ind.get(qn("w:firstLineChars")) == "200" and int(ind.get(qn("w:firstLine"))) == 2 * 16 * 20
    title = doc.styles["Title"].paragraph_format
    assert title.alignment == 1 and title.first_line_indent in (None, 0)


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_page_setup_a4_gbt9704_margins(rendered, edition_id):
    _, doc = rendered[edition_id]
    section = doc.sections[0]
    assert abs(section.page_width.mm - 210) < 0.1 and abs(section.page_height.mm - 297) < 0.1
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_page_numbers_odd_right_even_left(rendered, edition_id):
    _, doc = rendered[edition_id]
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, align in ((section.footer, 2), (section.even_page_footer, 0)):  # right, left
        paragraph = footer.paragraphs[0]
        xml = paragraph._p.xml
        assert "PAGE" in "".join(t.text for t in paragraph._p.iter(qn("w:instrText")))
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert paragraph.alignment == align and 'w:fldCharType="begin"' in xml


# -- narrative -------------------------------------------------------------------------------------------------------
def test_sections_preamble_subsections_and_signoff_in_order(tmp_path):
    report = load(EXAMPLE_2021).report
    doc = Document(write_docx(report, tmp_path / "e.docx"))
    texts = body_texts(doc)
    ctx = build_context(report)
    expected_heads = [f"（{chinese_number(i)}）{s.title}" for i, s in enumerate(report.overview.sections, 1)]
    assert [p.text for p in doc.paragraphs if p.style.name == templatebuild.SUBHEADING] == expected_heads
    assert texts[0].replace("\n", "") == report.display_title
    assert texts[1 : 1 + len(ctx["preamble"])] == ctx["preamble"]
    assert texts[-2:] == [report.agency, "2026年1月20日"]
    signoff = [p for p in doc.paragraphs if p.style.name == templatebuild.SIGNOFF]
    assert [p.text for p in signoff] == [report.agency, "2026年1月20日"]
    order = [texts.index(label) for label in SECTION_LABELS.values()]
    assert order == sorted(order)
    for paragraph in ctx["problems"] + ctx["other_matters"]:
        assert paragraph in texts


def test_date_omitted_when_absent(tmp_path):
    report = load(SEED_2019).report
    assert report.date is None
    doc = Document(write_docx(report, tmp_path / "s.docx"))
    signoff = [p.text for p in doc.paragraphs if p.style.name == templatebuild.SIGNOFF]
    assert signoff == [report.agency]
    assert not any("{%" in t or "{{" in t for t in body_texts(doc))


def test_long_default_title_breaks_before_the_phrase(tmp_path):
    report = load(SEED_2019).report
    doc = Document(write_docx(report, tmp_path / "t.docx"))
    title = doc.paragraphs[0]
    assert title.style.name == templatebuild.TITLE
    assert title.text == report.display_title.replace("年政府信息", "年\n政府信息")


def test_narrative_and_agency_come_out_literally(tmp_path):
    tricky = f"{LITERAL} {{% if x %}}是{{% endif %}} {{# c #}} {{_{{ y }}_}}"
    text = distinct_yaml(2021, problems=_quoted(tricky), other_matters=_quoted(tricky)).replace(
        "agency: 测试县人民政府", f"agency: {_quoted(LITERAL)}"
    )
    report = load_text(text, "t.yaml").report
    doc = Document(write_docx(report, tmp_path / "lit.docx"))
    texts = body_texts(doc)
    assert texts.count(tricky) == 2
    assert texts[-2] == LITERAL and texts[0].startswith(LITERAL)
    assert "49" not in "".join(texts)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_output_free_of_control_characters(tmp_path):
    report = Report(
        edition=2021,
        agency="控制\t字符\x07县",
        year=2025,
        preamble="甲\t乙\x0b丙\x0c丁\n\n戊\x1b己",
        overview={"sections": [{"title": "小\t标题", "text": "正\x07文"}]},
        problems="问题\r\n续行",
    )
    path = write_docx(report, tmp_path / "c.docx")
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                assert not _CONTROL.search(xml), name
                assert "<w:tab/>" not in xml or name != "word/document.xml"
    texts = body_texts(Document(path))
    assert texts[1].startswith("甲 乙") and texts[1].endswith("丁")  # a tab is a space; \v \f end a line
    assert "戊己" in texts and "（一）小 标题" in texts and "正文" in texts


# -- context ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_context_shape_matches_schema(edition_id):
    report = distinct_report(edition_id)
    ctx = build_context(report)
    assert set(ctx) == {"title", "agency", "year", "date", "preamble", "overview", "problems", "other_matters", "t2", "t3", "t4"}
    schema = context_schema(report.spec)
    assert set(context_paths(ctx)) - OPTIONAL_PATHS <= set(schema)
    assert all(label for path, label in schema.items() if path[0] in ("t2", "t3", "t4"))
    for row in report.spec.app_rows:
        node = ctx["t3"]
        for part in row.key:
            node = node[part]
        assert list(node) == [str(v) for v in report.row_with_total(row.id)]
    assert ctx["date"] == "2026年1月20日"


def test_no_context_key_shadows_a_dict_method():
    for edition in EDITIONS.values():
        for path in context_schema(edition):
            assert not any(hasattr(dict, part) for part in path), path


def test_chinese_numbers():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 21, 99)] == ["一", "九", "十", "十一", "二十", "二十一", "九十九"]


# -- rendering machinery ------------------------------------------------------------------------------------------------
def test_template_prepared_once_and_output_identical():
    assert prepare_template(None, 2021) is prepare_template(None, 2021)
    renderer = Renderer(official_template(2021), "2021")
    prepared = dict(renderer.env._compiled)
    assert set(prepared) >= {source for _, source in renderer.sources}
    a, b = distinct_report(2021), load(EXAMPLE_2021).report
    once = renderer.render(build_context(a))
    renderer.render(build_context(b))
    assert renderer.render(build_context(a)) == once  # no state carried from one report to the next
    assert renderer.env._compiled == prepared  # docxtpl found every source already compiled


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_committed_templates_are_current(edition_id):
    committed = (ROOT / "templates" / str(edition_id) / "report.docx").read_bytes()
    assert templatebuild.build_bytes(get_edition(edition_id)) == committed, "run: python -m docgen.word.templatebuild"


def test_broken_template_keeps_earlier_output(tmp_path):
    from docx import Document as open_docx

    template = tmp_path / "broken.docx"
    doc = open_docx(ROOT / "templates" / "2021" / "report.docx")
    doc.paragraphs[0].runs[0].text = "{{ title }"
    doc.save(template)
    target = tmp_path / "out.docx"
    target.write_bytes(b"earlier")
    with pytest.raises(TemplateError) as info:
        write_docx(load(EXAMPLE_2021).report, target, template)
    assert "{{ title }" in info.value.message and "}}" in info.value.message
    assert target.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.docx", "out.docx"]  # no temporary left


def test_sandbox_blocks_python_internals(tmp_path):
    from docx import Document as open_docx

    template = tmp_path / "evil.docx"
    doc = open_docx(ROOT / "templates" / "2021" / "report.docx")
    doc.paragraphs[0].runs[0].text = "{{ title.__class__.__mro__[1].__subclasses__() }}"
    doc.save(template)
    with pytest.raises(TemplateError) as info:
        write_docx(load(EXAMPLE_2021).report, tmp_path / "out.docx", template)
    assert "__class__" in info.value.message or "unsafe" in info.value.message
    assert not (tmp_path / "out.docx").exists()


def test_docx_valid_zip_and_deterministic(tmp_path):
    report = load(EXAMPLE_2021).report
    one, two = write_docx(report, tmp_path / "1.docx"), write_docx(report, tmp_path / "2.docx")
    assert Path(one).read_bytes() == Path(two).read_bytes()
    with zipfile.ZipFile(one) as z:
        assert z.testzip() is None
        assert "docProps/thumbnail.jpeg" not in z.namelist()
    assert Document(one).core_properties.title == report.display_title
