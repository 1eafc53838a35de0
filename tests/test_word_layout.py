"""The filing's text-dependent layout, read back from the .docx: titles broken at meaningful
points, （一） headings inside the narrative in 楷体, the 落款 per GB/T 9704 §7.3.5, the line grid."""

from __future__ import annotations

import datetime as dt

import pytest
from docx import Document
from docx.oxml.ns import qn

from conftest import EXAMPLE_2021
from docgen.report.load import load
from docgen.report.model import Report
from docgen.word import templatebuild as tb
from docgen.word.finish import heading_length, signoff_indents, text_width
from docgen.word.render import write_docx
from docgen.word.titles import PHRASES, title_lines

PHRASE = PHRASES[0]


@pytest.mark.parametrize(
    ("title", "agency", "lines"),
    [
        ("青山县人民政府2025年政府信息公开工作年度报告", "青山县人民政府", ["青山县人民政府2025年", PHRASE]),
        ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "", ["2019年上海市人民政府办公厅", PHRASE]),
        ("某某市某某区市场监督管理局2023年度政府信息公开工作年度报告", "", ["某某市某某区市场监督管理局", "2023年度" + PHRASE]),
        ("某镇2025年政府信息公开工作年度报告", "某镇", ["某镇2025年政府信息公开工作年度报告"]),
    ],
)
def test_titles_break_at_meaningful_points(title, agency, lines):
    assert title_lines(title, agency) == lines


def test_titles_never_split_the_phrase_and_fit_the_line():
    agencies = ["中华人民共和国某某部", "某某省某某市某某县某某镇人民政府", "某某自治区某某盟某某旗人民政府办公室", "某某委员会"]
    for agency in agencies:
        for title in (f"{agency}2024年{PHRASE}", f"{agency}2024年度{PHRASE}", f"关于{agency}的{PHRASE}（2024年度）"):
            lines = title_lines(title, agency)
            assert "".join(lines) == title
            assert any(PHRASE in line for line in lines), lines
            assert all(text_width(line) <= 20 for line in lines), lines


def test_titles_balanced():
    lines = title_lines("某某省某某市某某县人民政府办公室2024年政府信息公开工作年度报告")
    widths = [text_width(line) for line in lines]
    assert max(widths) - min(widths) <= 6, lines


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("（一）主动公开方面", 9),
        ("（一）主动公开方面。全年主动公开政府信息100条。", 10),
        ("(二)依申请公开：全年收到申请5件。", 9),
        ("一是加强组织领导。全年召开会议3次。", 0),
        ("全年主动公开（一）类信息。", 0),
        ("（三）" + "很长的句子没有句号" * 6, 0),
    ],
)
def test_heading_length(text, length):
    assert heading_length(text) == length


def _report(**extra) -> Report:
    base = dict(edition=2021, agency="青山县人民政府", year=2025, date=dt.date(2026, 1, 20))
    base.update(extra)
    return Report(**base)


def _body(doc):
    return [p for p in doc.paragraphs if p.text.strip()]


def _faces(run) -> str | None:
    rpr = run._r.rPr
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def test_narrative_headings_in_kai(tmp_path):
    report = _report(
        problems="（一）主动公开方面\n\n公开不够及时。\n\n（二）依申请公开方面。答复不够规范。\n\n一是加强培训。",
    )
    doc = Document(write_docx(report, tmp_path / "h.docx"))
    paragraphs = {p.text: p for p in _body(doc)}
    line = paragraphs["（一）主动公开方面"]
    assert [_faces(r) for r in line.runs if r.text] == [tb.SUBHEADING_FACE]
    assert line.paragraph_format.keep_with_next
    run_in = paragraphs["（二）依申请公开方面。答复不够规范。"]
    runs = [(r.text, _faces(r)) for r in run_in.runs if r.text]
    assert runs == [("（二）依申请公开方面。", tb.SUBHEADING_FACE), ("答复不够规范。", None)]
    assert all(_faces(r) is None for r in paragraphs["一是加强培训。"].runs)
    assert all(_faces(r) is None for r in paragraphs["公开不够及时。"].runs)


def _signoff(doc):
    return [p for p in doc.paragraphs if p.style.name == tb.SIGNOFF]


def _right_chars(p) -> float:
    return int(p._p.pPr.find(qn("w:ind")).get(qn("w:rightChars"))) / 100


def test_signoff_per_gbt9704(tmp_path):
    doc = Document(write_docx(_report(other_matters="本年度未收取信息处理费。"), tmp_path / "s.docx"))
    agency, date = _signoff(doc)
    assert (_right_chars(agency), _right_chars(date)) == signoff_indents("青山县人民政府", "2026年1月20日")
    assert agency.paragraph_format.space_before.pt == pytest.approx(tb.LINE_TWIPS / 20)  # one blank line
    assert agency.paragraph_format.keep_with_next
    last = [p for p in doc.paragraphs if p.text.strip()][-3]
    assert last.text == "本年度未收取信息处理费。" and last.paragraph_format.keep_with_next


def test_signoff_indents():
    # the agency two characters in from the right, the date starting two characters right of it
    assert signoff_indents("某某省某某市人民政府办公厅", "2026年1月20日") == (2, 6.5)
    # a date that would then reach past that: the date two in, the agency moved left by as much
    assert signoff_indents("青山县人民政府", "2026年1月20日") == (3.5, 2)
    assert signoff_indents("某镇", "2026年12月31日") == (9, 2)
    for agency in ("某镇", "青山县人民政府", "某某省某某市人民政府办公厅"):
        ra, rd = signoff_indents(agency, "2026年12月31日")
        assert min(ra, rd) >= 2
        assert ra + text_width(agency) - 2 == pytest.approx(rd + text_width("2026年12月31日"))


def test_signoff_without_date(tmp_path):
    doc = Document(write_docx(_report(date=None), tmp_path / "n.docx"))
    (agency,) = _signoff(doc)
    assert _right_chars(agency) == 2


def test_line_grid_and_condensed_body(tmp_path):
    doc = Document(write_docx(load(EXAMPLE_2021).report, tmp_path / "g.docx"))
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", str(tb.LINE_TWIPS))
    assert tb.LINES * tb.LINE_TWIPS <= tb.PAGE_HEIGHT - tb.MARGIN_TOP - tb.MARGIN_BOTTOM < (tb.LINES + 1) * tb.LINE_TWIPS
    tracking = int(doc.styles["Normal"].element.rPr.find(qn("w:spacing")).get(qn("w:val")))
    assert tb.CHARS * (tb.BODY_PT * 20 + tracking) <= tb.TEXT_WIDTH < (tb.CHARS + 1) * (tb.BODY_PT * 20 + tracking)
    control = doc.settings.element.find(qn("w:characterSpacingControl"))
    assert control.get(qn("w:val")) == "doNotCompress"
    for name in (tb.TITLE, tb.TABLE_TEXT, tb.FOOTER):
        snap = doc.styles[name].element.pPr.find(qn("w:snapToGrid"))
        assert snap.get(qn("w:val")) == "0", name
