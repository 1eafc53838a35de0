"""Stand-ins for the published PDFs in ../shared/samples/published, for a clean clone without ../shared.

Three invented reports (白湖区 2023 and 2024, 江州市 2024: no real agency, text and figures our
own), laid out the way the published PDFs are: a Word file made with python-docx in the official
table layout — label cells merged down their rows (so pdftotext's reading order runs down the
columns), tables broken across pages without a repeated header, justification spaces left in the
narrative's text layer — and turned into PDF by LibreOffice (docgen.office). The county files also
carry the county PDFs' faults: printed 总计 0 over non-zero items in two groups of table 四, the
2019 edition's single （六）其他处理 row, a character missing in a long label.

The PDFs are committed in tests/data/standin-published/ (LibreOffice costs seconds); remake them with
    PYTHONPATH=src:tests python tests/support/standin_pdfs.py
What each file holds is listed in tests/test_import_pdf.py (STANDIN), where the import is compared with it.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from docgen.editions import get as get_edition
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

OUT = Path(__file__).resolve().parents[1] / "data" / "standin-published"
TYPO = ("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")  # a character missing, as in the county PDFs


@dataclass
class Standin:
    name: str
    agency: str
    year: int
    active: dict
    results: dict[str, list[int]]  # result rows (ids as in the report model); the rest are 0
    carried_in: list[int]
    carried_out: list[int]
    reviews: dict[str, list[int]]
    county_faults: bool = False  # wrong printed review totals, single （六） row, label typo
    narrative: list[tuple[str, str]] = field(default_factory=list)  # (heading or "", paragraph)

    def received(self) -> list[int]:
        return [sum(r[c] for r in self.results.values()) + self.carried_out[c] - self.carried_in[c] for c in range(6)]

    def row(self, row_id: str) -> list[int]:
        return self.results.get(row_id, [0] * 6)


def _county_narrative(year: int) -> list[tuple[str, str]]:
    contact = (
        f"本报告由白湖区人民政府办公室根据《中华人民共和国政府信息公开条例》要求编制。报告中所列数据统计期限自 {year} 年 1 月 1 日"
        f"起至 {year} 年 12 月 31 日止。如对本报告有疑问，请与白湖区人民政府办公室联系（地址：白湖区湖滨大道 18"
        " 号 ， 邮 编 ： 231500 ， 电 话 ： 0551-86660000 ， 电 子 邮 箱 ： bhzwgk@example.cn）。"
    )
    return [
        ("", contact),
        ("一、总体情况", f"{year} 年，白湖区人民政府围绕全区中心工作，健全政府信息公开工作机制，规范信息发布流程，推进政府信息公开工作有序开展 。"),
        ("", f"（一）主动公开情况。依托区政府门户网站集中发布政策文件、财政资金、重点项目等信息，{year} 年全区主动公开政府信息 980 条。"),
        ("", "（二）依申请公开情况。统一受理登记和答复文书格式，所有申请均在法定期限内答复。"),
        ("", "（三）政府信息管理情况。执行信息发布前审核制度，对拟公开信息逐条审查，未经审核的信息不予发布。"),
        ("", "（四）政府信息公开平台建设情况。按季度检查网站栏目和政务新媒体账号，及时整改空白栏目和失效链接。"),
        ("", "（五）政府信息公开监督保障情况。把政务公开纳入年度考核，按季度通报各单位信息更新情况。"),
    ]


def _city_narrative(year: int) -> list[tuple[str, str]]:
    paragraphs = [
        ("", f"本报告根据《中华人民共和国政府信息公开条例》编制，由江州市人民政府办公室汇总全市材料形成。所列数据统计期限为 {year} 年 1 月 1 日至 12 月 31 日。"),
        ("一、总体情况", f"{year} 年，江州市坚持以公开促落实、以公开促规范、以公开促服务，政务公开工作持续深化。"),
    ]
    topics = ["主动公开", "依申请公开", "政府信息管理", "平台建设", "监督保障"]
    numerals = "一二三四五"
    for i, topic in enumerate(topics):
        text = (
            f"（{numerals[i]}）{topic}情况。全市各级行政机关围绕{topic}工作细化任务清单，明确责任单位和完成时限，"
            "按月调度进展，按季度通报结果，对工作滞后的单位督促整改。各县区结合实际探索便民做法，形成了一批可复制的经验。"
        )
        paragraphs.append(("", text * 3))
    return paragraphs


STANDINS = [
    Standin(
        name="county-2023",
        agency="白湖区人民政府",
        year=2023,
        active={
            "regulations": (0, 0, 0), "normative_documents": (2, 4, 9),
            "licensing": 612, "penalty": 3874, "coercion": 158, "fees": "6120.5",
        },
        results={
            "granted": [3, 0, 0, 0, 0, 0], "partly_granted": [2, 0, 0, 0, 0, 0],
            "refused.state_secret": [1, 0, 0, 0, 0, 0], "refused.process_info": [1, 0, 0, 0, 0, 0],
            "refused.enforcement_files": [1, 0, 0, 0, 0, 0], "unable.not_held": [7, 1, 0, 0, 0, 0],
            "unable.needs_creation": [1, 0, 0, 0, 0, 0], "not_processed.petition": [1, 0, 0, 0, 0, 0],
            "other.other": [1, 0, 0, 0, 0, 0],
        },
        carried_in=[0] * 6,
        carried_out=[0] * 6,
        reviews={"review": [6, 2, 1, 0], "litigation_direct": [1, 0, 0, 1], "litigation_after_review": [3, 0, 0, 0]},
        county_faults=True,
        narrative=_county_narrative(2023),
    ),
    Standin(
        name="county-2024",
        agency="白湖区人民政府",
        year=2024,
        active={
            "regulations": (0, 0, 0), "normative_documents": (3, 1, 11),
            "licensing": 705, "penalty": 3390, "coercion": 121, "fees": "5874.2",
        },
        results={
            "granted": [6, 1, 0, 0, 0, 0], "partly_granted": [1, 0, 0, 0, 0, 0],
            "refused.third_party": [2, 0, 0, 0, 0, 0], "unable.not_held": [9, 0, 0, 0, 1, 0],
            "unable.unclear": [1, 0, 0, 0, 0, 0], "not_processed.duplicate": [2, 0, 0, 0, 0, 0],
            "other.other": [2, 0, 0, 0, 0, 0],
        },
        carried_in=[0] * 6,
        carried_out=[1, 0, 0, 0, 0, 0],
        reviews={"review": [4, 0, 1, 0], "litigation_direct": [2, 1, 0, 0], "litigation_after_review": [1, 0, 0, 0]},
        county_faults=True,
        narrative=_county_narrative(2024)[:-3],
    ),
    Standin(
        name="city-2024",
        agency="江州市人民政府",
        year=2024,
        active={
            "regulations": (1, 0, 14), "normative_documents": (37, 22, 412),
            "licensing": 352107, "penalty": 28841, "coercion": 1632, "fees": "48211.07",
        },
        results={
            "granted": [1210, 21, 0, 0, 12, 2], "partly_granted": [133, 4, 0, 0, 3, 0],
            "refused.state_secret": [2, 0, 0, 0, 0, 0], "refused.prohibited_by_law": [5, 0, 0, 0, 0, 0],
            "refused.three_safeties": [3, 0, 0, 0, 0, 0], "refused.third_party": [21, 1, 0, 0, 0, 0],
            "refused.internal_affairs": [17, 0, 0, 0, 1, 0], "refused.process_info": [44, 2, 0, 0, 1, 0],
            "refused.enforcement_files": [12, 0, 0, 0, 2, 0], "refused.inquiry": [26, 1, 0, 0, 0, 0],
            "unable.not_held": [602, 11, 0, 0, 9, 1], "unable.needs_creation": [58, 3, 0, 0, 2, 0],
            "unable.unclear": [41, 1, 0, 0, 1, 0], "not_processed.petition": [77, 2, 0, 0, 1, 1],
            "not_processed.duplicate": [49, 1, 0, 0, 2, 0], "not_processed.publication": [4, 0, 0, 0, 0, 0],
            "not_processed.excessive": [9, 0, 0, 0, 0, 0], "not_processed.confirmation": [6, 0, 0, 0, 0, 0],
            "other.no_correction": [52, 2, 0, 0, 1, 0], "other.fee_unpaid": [3, 0, 0, 0, 0, 0],
            "other.other": [31, 1, 0, 0, 2, 0],
        },
        carried_in=[101, 2, 0, 0, 3, 0],
        carried_out=[124, 3, 0, 0, 5, 1],
        reviews={"review": [58, 41, 120, 22], "litigation_direct": [35, 6, 47, 19], "litigation_after_review": [12, 3, 9, 4]},
        narrative=_city_narrative(2024),
    ),
]


# -- the Word file ---------------------------------------------------------------------------------


class Grid:
    """A python-docx table filled by rectangles: (row, col, last row, last col, text); 10.5 pt text."""

    def __init__(self, document, rows: int, cols: int, widths_cm: list[float] | None = None):
        from docx.shared import Cm

        self.table = document.add_table(rows=rows, cols=cols)
        self.table.style = "Table Grid"
        self.widths = [Cm(w) for w in widths_cm] if widths_cm else None
        if self.widths:
            self.table.autofit = False
            for column, width in zip(self.table.columns, self.widths):
                column.width = width

    def finish(self) -> None:
        """Every cell as wide as the grid columns it spans (merging leaves other widths behind)."""
        if not self.widths:
            return
        for tr in self.table._tbl.tr_lst:
            col = 0
            for tc in tr.tc_lst:
                tc.width = sum(self.widths[col : col + tc.grid_span], start=type(self.widths[0])(0))
                col += tc.grid_span

    def put(self, r0: int, c0: int, r1: int, c1: int, text: str) -> None:
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        cell = self.table.cell(r0, c0)
        if (r1, c1) != (r0, c0):
            cell = cell.merge(self.table.cell(r1, c1))
        cell.text = text
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER  # as published: centred in merged cells
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in cell.paragraphs[0].runs:
            run.font.size = Pt(10.5)
            run.font.name = "DejaVu Sans Condensed"  # digits in a Latin face (the CJK face's are wide)


def _table2(document, s: Standin) -> None:
    spec = get_edition(2021)
    rows = sum(2 + len(b.rows) for b in spec.active_blocks)
    width = 1 + max(len(b.fields) for b in spec.active_blocks)
    grid = Grid(document, rows, width)
    r = 0
    for block in spec.active_blocks:
        grid.put(r, 0, r, width - 1, block.label)
        grid.put(r + 1, 0, r + 1, 0, ACTIVE_ROW_HEADER)
        for i, f in enumerate(block.fields):
            last = width - 1 if i == len(block.fields) - 1 else i + 1
            grid.put(r + 1, i + 1, r + 1, last, f.label)
        for k, row in enumerate(block.rows, start=r + 2):
            grid.put(k, 0, k, 0, row.label)
            figures = s.active[row.id]
            figures = figures if isinstance(figures, tuple) else (figures,)
            for i, v in enumerate(figures):
                last = width - 1 if i == len(figures) - 1 else i + 1
                grid.put(k, i + 1, k, last, str(v))
        r += 2 + len(block.rows)


def _table3(document, s: Standin) -> None:
    spec = get_edition(2021)
    lines: list[tuple[list[str], list[int]]] = []  # (label path, figures)
    for row in spec.intake_rows:
        lines.append(([row.label], s.received() if row.id == "received" else s.carried_in))
    for item in spec.result_items:
        if isinstance(item, AppGroup):
            if s.county_faults and item.rows[0].id.startswith("other."):
                merged = [sum(s.row(r.id)[c] for r in item.rows) for c in range(6)]
                lines.append(([RESULTS_LABEL, item.label], merged))  # the 2019 edition's single row
                continue
            for row in item.rows:
                label = TYPO[1] if s.county_faults and row.label == TYPO[0] else row.label
                lines.append(([RESULTS_LABEL, item.label, label], s.row(row.id)))
        else:
            lines.append(([RESULTS_LABEL, item.label], s.row(item.id)))
    totals = [sum(s.row(r.id)[c] for r in spec.result_rows) for c in range(6)]
    lines.append(([RESULTS_LABEL, TOTAL_ROW_LABEL], totals))
    lines.append(([spec.carried_out.label], s.carried_out))

    head = 3
    grid = Grid(document, head + len(lines), 10, [1.0, 2.2, 4.6] + [1.4] * 7)
    grid.put(0, 0, 2, 2, TABLE3_NOTE)
    grid.put(0, 3, 0, 9, APPLICANT_HEADER)
    grid.put(1, 3, 2, 3, spec.applicants[0].label)
    grid.put(1, 4, 1, 8, LEGAL_PERSON_HEADER)
    grid.put(1, 9, 2, 9, TOTAL_LABEL)
    for i, applicant in enumerate(spec.applicants[1:]):
        grid.put(2, 4 + i, 2, 4 + i, applicant.label)
    # label cells merged down the rows they head (三、本年度办理结果, （三）不予公开 ...)
    for depth in (0, 1):
        r = 0
        while r < len(lines):
            path = lines[r][0]
            if len(path) <= depth + 1 and depth > 0:
                r += 1
                continue
            end = r
            while end + 1 < len(lines) and len(lines[end + 1][0]) > depth + 1 and lines[end + 1][0][: depth + 1] == path[: depth + 1]:
                end += 1
            if len(path) > depth + 1:
                grid.put(head + r, depth, head + end, depth, path[depth])
            r = end + 1
    for r, (path, figures) in enumerate(lines):
        grid.put(head + r, len(path) - 1, head + r, 2, path[-1])
        for c, v in enumerate(list(figures) + [sum(figures)]):
            grid.put(head + r, 3 + c, head + r, 3 + c, str(v))
    grid.finish()


def _table4(document, s: Standin) -> None:
    spec = get_edition(2021)
    review, direct, after = spec.review_groups
    results = [f.label for f in spec.review_results] + [TOTAL_LABEL]
    grid = Grid(document, 4, 15)
    grid.put(0, 0, 0, 4, review.label)
    grid.put(0, 5, 0, 14, direct.full_label.split(" · ")[0])
    for i, text in enumerate(results):
        grid.put(1, i, 2, i, text)
        grid.put(2, 5 + i, 2, 5 + i, text)
        grid.put(2, 10 + i, 2, 10 + i, text)
    grid.put(1, 5, 1, 9, direct.label)
    grid.put(1, 10, 1, 14, after.label)
    for g, group in enumerate(spec.review_groups):
        figures = s.reviews[group.id]
        total = sum(figures)
        if s.county_faults and group.id in ("review", "litigation_after_review"):
            total = 0  # the county PDFs print 总计 0 over non-zero items here
        for i, v in enumerate(figures + [total]):
            grid.put(3, 5 * g + i, 3, 5 * g + i, str(v))


def write_docx(s: Standin, path: Path) -> Path:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from docgen.editions.common import SECTION_LABELS

    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.7)
    style = document.styles["Normal"]
    style.font.size = Pt(12)

    def para(text: str, center: bool = False) -> None:
        p = document.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.JUSTIFY
        if not center:
            p.paragraph_format.first_line_indent = Pt(28)

    para(s.agency, center=True)
    para(f"{s.year} 年政府信息公开工作年度报告", center=True)
    for heading, text in s.narrative:
        if heading:
            para(heading)
        para(text)
    para(SECTION_LABELS["active"])
    _table2(document, s)
    para(SECTION_LABELS["applications"])
    _table3(document, s)
    para(SECTION_LABELS["reviews"])
    _table4(document, s)
    para(SECTION_LABELS["problems"])
    para("存在的主要问题：个别单位信息更新不够及时。改进措施：建立信息更新提醒机制，按月通报。")
    para(SECTION_LABELS["other_matters"])
    para(f"{s.year} 年未收取信息处理费。")
    document.save(str(path))
    return path


def main() -> None:
    from docgen.office import docx_to_pdf

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for s in STANDINS:
            docx = write_docx(s, Path(tmp) / f"{s.name}.docx")
            pdf = docx_to_pdf(docx, OUT / f"{s.name}.pdf")
            print(pdf, pdf.stat().st_size, file=sys.stderr)


if __name__ == "__main__":
    main()
