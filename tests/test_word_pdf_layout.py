"""The filing as a reviewer sees it: every example and a city-sized report (5- and 6-digit
counts) rendered to PDF by LibreOffice, and the layout asserted from the PDF (text per page and
character positions from pdfplumber)."""

from __future__ import annotations

import re

import pytest

from conftest import INPUTS, needs_soffice
from docgen.editions.common import SECTION_LABELS
from docgen.editions.types import RESULTS_LABEL
from docgen.report.load import load
from docgen.word import templatebuild as tb
from docgen.word.context import build_context
from docgen.word.finish import text_width
from docgen.word.render import write_docx
from docgen.word.titles import PHRASES
from support.city import city_report

pytestmark = needs_soffice

CASES = [p.stem for p in sorted(INPUTS.glob("*.yaml"))] + ["city-2019", "city-2021"]
LEFT = tb.MARGIN_LEFT / 20  # points
RIGHT = (tb.PAGE_WIDTH - tb.MARGIN_RIGHT) / 20
PITCH = (tb.TEXT_WIDTH / 20) / tb.CHARS  # one body character, points
CLOSERS = "，。、；：？！”’）》〉」』】…"
OPENERS = "“‘（《〈「『【"


def _report(case: str):
    if case.startswith("city-"):
        return city_report(int(case.split("-")[1]))
    return load(INPUTS / f"{case}.yaml").report


@pytest.fixture(scope="module", params=CASES)
def pdf(request, tmp_path_factory):
    """(report, pages): each page's characters (pdfplumber) and its text without white space."""
    import pdfplumber

    from docgen.office import docx_to_pdf

    folder = tmp_path_factory.mktemp("layout")
    report = _report(request.param)
    path = docx_to_pdf(write_docx(report, folder / f"{request.param}.docx"), folder / f"{request.param}.pdf")
    with pdfplumber.open(path) as document:
        pages = []
        for page in document.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            pages.append((chars, re.sub(r"\s+", "", page.extract_text() or "")))
    return report, pages


def _lines(chars, size: float):
    """Lines of characters of one font size, top to bottom, each left to right."""
    rows: dict[int, list] = {}
    for c in chars:
        if abs(c["size"] - size) < 0.3:
            rows.setdefault(round(c["top"]), []).append(c)
    return [sorted(rows[top], key=lambda c: c["x0"]) for top in sorted(rows)]


def test_table3_on_one_page_with_its_group_labels(pdf):
    report, pages = pdf
    spec = report.spec
    labels = [r.label for r in spec.intake_rows] + [spec.carried_out.label] + [r.label for r in spec.app_rows]
    holding = [i for i, (_, text) in enumerate(pages) if any(label in text for label in labels[:3])]
    assert len(holding) == 1, f"table 三 runs over pages {holding}"
    text = pages[holding[0]][1]
    heading = SECTION_LABELS["applications"]
    assert heading in text, "the heading is stranded on the page before its table"
    groups = [item.label for item in spec.result_items if hasattr(item, "rows")]
    for row in spec.app_rows:
        short = re.sub(r"^\d+\.", "", row.label)[:8]
        assert short in text, row.label
    for group in groups:
        assert re.sub(r"^（.）", "", group) in text, group
    # 三、本年度办理结果 is set one character a line down its merged cell: all its characters are there
    assert all(ch in text for ch in RESULTS_LABEL)


def test_full_body_lines_hold_28_characters(pdf):
    """Every body line that reaches the right margin and holds only full-width characters (no
    digits, whose width depends on the face) holds 28 of them, its indent counted."""
    _, pages = pdf
    full = 0
    for chars, _ in pages:
        lines = _lines(chars, tb.BODY_PT)
        for line, below in zip(lines, lines[1:] + [[]]):
            text = "".join(c["text"] for c in line)
            if line[-1]["x1"] < RIGHT - PITCH / 2 or any(text_width(c) < 1 for c in text):
                continue  # a paragraph's last line, a heading, or a line with half-width characters
            indent = round((line[0]["x0"] - LEFT) / PITCH)
            next_text = "".join(c["text"] for c in below)
            # a character that may not end a line (《“（) or whose follower may not start one (，。》)
            # goes down with it: the line is a character short, spread to the margin
            # so does a following number (digits are never split), or an opening mark
            kept = text[-1] in OPENERS or next_text[:1] in OPENERS or next_text[1:2] in CLOSERS
            kept = kept or (next_text[:1] != "" and text_width(next_text[0]) < 1)
            low = tb.CHARS - 2 if kept else tb.CHARS
            high = tb.CHARS + (1 if text[-1] in CLOSERS else 0)  # a closing mark may hang in the margin
            assert low <= indent + len(text) <= high, f"{indent} + {len(text)}: {text}"
            full += 1
    assert full >= 5


def test_title_lines_keep_the_phrase_whole(pdf):
    report, pages = pdf
    chars, _ = pages[0]
    lines = ["".join(c["text"] for c in line) for line in _lines(chars, tb.TITLE_PT)]
    assert "".join(lines) == build_context(report)["title"].replace("\n", "")
    assert any(phrase in line for line in lines for phrase in PHRASES), lines
    assert all(text_width(line) <= 20 for line in lines)


def test_no_figure_broken_across_lines(pdf):
    """Each figure of tables 二, 三 and 四 stands whole on one line of the PDF."""
    report, pages = pdf
    context = build_context(report)
    figures = {v for row in context["t2"].values() for v in row.values()}
    figures |= {v for group in context["t4"].values() for v in group}

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        else:
            yield from node

    figures |= set(walk(context["t3"]))
    lines = set()
    for chars, _ in pages:
        for size in (tb.TABLE_PT, tb.TABLE3_PT):
            lines |= {"".join(c["text"] for c in line) for line in _lines(chars, size)}
    for figure in figures:
        assert any(figure in line for line in lines), f"{figure} is not on one line"


def test_signoff_on_the_page_of_the_last_paragraph(pdf):
    report, pages = pdf
    context = build_context(report)
    last = (context["other_matters"] or context["problems"])[-1]
    tail = re.sub(r"\s+", "", last)[-12:]
    page_of_tail = max(i for i, (_, text) in enumerate(pages) if tail in text)
    assert report.agency in pages[page_of_tail][1].split(tail)[-1]
    if context["date"]:
        assert context["date"] in pages[page_of_tail][1]
