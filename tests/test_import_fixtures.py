"""Builders of published-looking reports for the import tests (no tests here).

Each builder writes a report the way agencies publish it — the seed's "|"-separated text, the
samples' flattened tables, a saved web page, a hand-made Word file — from a Report and the
edition spec, so no official label is retyped. The narrative sentences are short and our own.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

from docgen.editions import get as get_edition
from docgen.editions.common import SECTION_LABELS
from docgen.editions.types import (
    ACTIVE_ROW_HEADER,
    APPLICANT_HEADER,
    LEGAL_PERSON_HEADER,
    RESULTS_LABEL,
    TABLE3_NOTE,
    TOTAL_LABEL,
    TOTAL_ROW_LABEL,
    AppGroup,
)
from docgen.report.model import Amount, Overview, Report, Section, format_value

NUMERALS = "一二三四五六七八九十"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:元|万元)?")


def figures_report(edition: int = 2021, year: int | None = None, agency: str = "青山县人民政府") -> Report:
    """A consistent report with figures in every table (as a published report would have)."""
    spec = get_edition(edition)
    year = year or spec.first_year
    apps = {row.id: [(i + c) % 3 for c in range(6)] for i, row in enumerate(spec.result_rows)}
    apps["carried_in"] = [1, 0, 0, 1, 0, 0]
    apps["carried_out"] = [2, 0, 1, 0, 0, 0]
    results = [sum(apps[r.id][c] for r in spec.result_rows) for c in range(6)]
    apps["received"] = [results[c] + apps["carried_out"][c] - apps["carried_in"][c] for c in range(6)]
    reviews = {"review": [2, 1, 0, 1], "litigation_direct": [3, 0, 1, 0], "litigation_after_review": [1, 0, 0, 1]}
    if edition == 2019:
        active = {
            "regulations": {"made": 1, "published": 1, "total": 12},
            "normative_documents": {"made": 4, "published": 4, "total": 1234},
            "licensing": {"previous": 50, "change": -3, "decisions": 1520},
            "other_services": {"previous": 8, "change": 2, "decisions": 40},
            "penalty": {"previous": 30, "change": 0, "decisions": 2468},
            "coercion": {"previous": 5, "change": 1, "decisions": 6},
            "fees": {"previous": 9, "change": -1},
            "procurement": {"projects": 3, "amount": Amount(value=Decimal("251000"), unit="元")},
        }
    else:
        active = {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 2},
            "normative_documents": {"issued": 69, "repealed": 3, "in_force": 665},
            "licensing": {"decisions": 2293},
            "penalty": {"decisions": 1282},
            "coercion": {"decisions": 42},
            "fees": {"amount": Decimal("24252.311082")},
        }
    received = sum(apps["received"])
    return Report(
        edition=edition,
        agency=agency,
        year=year,
        preamble=f"本报告依据条例编制，统计期限为{year}年1月1日至12月31日。",
        overview=Overview(
            intro=f"{year}年，本机关依法做好政府信息公开工作。",
            sections=[
                Section(title="主动公开", text="通过门户网站公开各类信息。"),
                Section(title="依申请公开", text=f"全年共收到政府信息公开申请{received}件。"),
                Section(title="政府信息管理", text="落实保密审查制度。"),
            ],
        ),
        active=active,
        applications=apps,
        reviews=reviews,
        problems="存在的主要问题：公开内容还不够全面。改进措施：加强培训。",
        other_matters="本年度未收取信息处理费。",
    )


# -- rows of the three tables: lists of cell texts; None continues the cell to its left ------


def active_rows(report: Report, fmt=format_value) -> list[list[str | None]]:
    """Table 二 in its official 4-column layout: block row, header row, data rows."""
    spec = report.spec
    width = 1 + max(len(b.fields) for b in spec.active_blocks)
    rows: list[list[str | None]] = []
    for block in spec.active_blocks:
        pad = [None] * (width - 1 - len(block.fields))
        rows.append([block.label] + [None] * (width - 1))
        rows.append([ACTIVE_ROW_HEADER] + [f.label for f in block.fields] + pad)
        for row in block.rows:
            rows.append([row.label] + [fmt(report.active_value(row.id, f.id)) for f in block.fields] + pad)
    return rows


def applications_rows(report: Report, flat: bool = False) -> list[list[str | None]]:
    """Table 三: header rows and data rows, 3 label columns (merged as published) or flattened."""
    spec = report.spec

    def numbers(row_id: str) -> list[str | None]:
        return [str(v) for v in report.row_with_total(row_id)]

    def labels(*parts: str) -> list[str | None]:
        if flat:
            return [" / ".join(parts)]
        return list(parts) + [None] * (3 - len(parts))

    if flat:
        out = [["行"] + [a.label for a in spec.applicants] + [TOTAL_LABEL]]
    else:
        out = [
            [TABLE3_NOTE, None, None, APPLICANT_HEADER] + [None] * 6,
            ["", None, None, spec.applicants[0].label, LEGAL_PERSON_HEADER] + [None] * 4 + [TOTAL_LABEL],
            ["", None, None, ""] + [a.label for a in spec.applicants[1:]] + [""],
        ]
    for row in spec.intake_rows:
        out.append(labels(row.label) + numbers(row.id))
    for item in spec.result_items:
        if isinstance(item, AppGroup):
            for row in item.rows:
                out.append(labels(RESULTS_LABEL, item.label, row.label) + numbers(row.id))
        else:
            out.append(labels(RESULTS_LABEL, item.label) + numbers(item.id))
    out.append(labels(RESULTS_LABEL, TOTAL_ROW_LABEL) + numbers("total"))
    out.append(labels(spec.carried_out.label) + numbers(spec.carried_out.id))
    return out


def reviews_rows(report: Report, flat: bool = False) -> list[list[str | None]]:
    """Table 四: header rows and the row of 15 numbers."""
    spec = report.spec
    results = [f.label for f in spec.review_results] + [TOTAL_LABEL]
    values = [str(v) for g in spec.review_groups for v in report.review_with_total(g.id)]
    if flat:
        heads = [f"{g.full_label.replace(' · ', '-')}-{r}" for g in spec.review_groups for r in results]
        return [["列"] + heads, ["数值"] + values]
    review, direct, after = spec.review_groups
    litigation = direct.full_label.split(" · ")[0]
    return [
        [review.label] + [None] * 4 + [litigation] + [None] * 9,
        results + [direct.label] + [None] * 4 + [after.label] + [None] * 4,
        results * 3,
        values,
    ]


def narrative_lines(report: Report) -> tuple[list[str], list[str]]:
    """(lines before table 二, lines after table 四): headings and paragraphs."""
    head = [report.display_title, report.preamble, SECTION_LABELS["overview"], report.overview.intro]
    for i, section in enumerate(report.overview.sections):
        head += [f"（{NUMERALS[i]}）{section.title}", section.text]
    tail = [SECTION_LABELS["problems"], report.problems, SECTION_LABELS["other_matters"], report.other_matters]
    return head, tail


def published_text(report: Report, flat: bool = False, title: bool = True) -> str:
    """The report as published text: paragraphs, and tables as "|"-separated lines."""
    head, tail = narrative_lines(report)
    if not title:
        head = head[1:]
    join = lambda rows: [" | ".join(c for c in r if c is not None) for r in rows]  # noqa: E731
    lines = head + [SECTION_LABELS["active"]] + join(active_rows(report))
    lines += [SECTION_LABELS["applications"]] + join(applications_rows(report, flat))
    lines += [SECTION_LABELS["reviews"]] + join(reviews_rows(report, flat)) + tail
    return "\n".join(lines) + "\n"


def published_html(report: Report) -> str:
    """A saved web page: a layout table around everything, each report table innermost."""

    def table(rows: list[list[str]]) -> str:
        body = "".join("<tr>" + "".join(f"<td><p><span>{c}</span></p></td>" for c in row if c is not None) + "</tr>" for row in rows)
        return f"<table border='1'>{body}</table>"

    head, tail = narrative_lines(report)
    paras = lambda lines: "".join(f"<p style='text-indent:2em'>{line}</p>" for line in lines)  # noqa: E731
    content = (
        paras(head)
        + paras([SECTION_LABELS["active"]])
        + table(active_rows(report))
        + paras([SECTION_LABELS["applications"]])
        + table(applications_rows(report))
        + paras([SECTION_LABELS["reviews"]])
        + table(reviews_rows(report))
        + paras(tail)
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='gbk'><title>网站</title><style>p{margin:0}</style>"
        "<script>var x = '一、总体情况';</script></head><body><div class='nav'>首页 &gt; 政府信息公开</div>"
        f"<table class='layout'><tr><td>{content}</td></tr></table><div>【打印本页】</div></body></html>"
    )


# -- hand-made Word files ------------------------------------------------------------------


def handmade_docx(
    report: Report,
    path: Path,
    *,
    shuffle: bool = False,
    blank_rows: bool = False,
    dash: str | None = None,
    spacing: bool = False,
    full_width: bool = False,
    thousands: bool = False,
    merge: bool = True,
    printed: dict[tuple[int, int, int], str] | None = None,
) -> Path:
    """A Word report made by hand with python-docx, in the official table layout.

    Variants: tables in another order, blank rows inside tables, zeros written as ``dash``,
    spaces inside labels, full-width digits, thousands separators, merged label and value
    cells; ``printed`` overrides cells (table index, row, column) with other text.
    """
    import docx

    document = docx.Document()
    head, tail = narrative_lines(report)
    for line in head:
        document.add_paragraph(line)

    def number(text: str) -> str:
        if dash is not None and text == "0":
            return dash
        if thousands and text.isdigit() and len(text) > 3:
            text = f"{int(text):,}"
        if full_width:
            text = text.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
        return text

    def label(text: str) -> str:
        return " ".join(text) if spacing and len(text) <= 8 else text

    tables = [
        (SECTION_LABELS["active"], active_rows(report)),
        (SECTION_LABELS["applications"], applications_rows(report)),
        (SECTION_LABELS["reviews"], reviews_rows(report)),
    ]
    order = [2, 0, 1] if shuffle else [0, 1, 2]
    for t in order:
        heading, rows = tables[t]
        document.add_paragraph(heading)
        width = max(len(r) for r in rows)
        if blank_rows:
            rows = rows[:3] + [[""] * width] + rows[3:] + [[""] * width]
        grid = document.add_table(rows=len(rows), cols=width)
        grid.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text is None:
                    continue
                if (t, r, c) in (printed or {}):
                    text = printed[(t, r, c)]
                elif NUMBER.fullmatch(text):
                    text = number(text)
                else:
                    text = label(text)
                grid.cell(r, c).text = text
            if merge:
                _merge_continued(grid, r, row)
    for line in tail:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def _merge_continued(grid, r: int, row: list[str | None]) -> None:
    """Merge each cell with the None cells after it (a label or value spanning columns)."""
    c = 0
    while c < len(row):
        end = c
        while end + 1 < len(row) and row[end + 1] is None:
            end += 1
        if end > c:
            grid.cell(r, c).merge(grid.cell(r, end))
        c = end + 1


def shuffled(rows: list[list[str]], seed: int = 7) -> list[list[str]]:
    out = list(rows)
    random.Random(seed).shuffle(out)
    return out
