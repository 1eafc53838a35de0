"""docgen import of PDF, of text copied from PDF viewers, web pages and crawlers, and of old office
formats — from our own rendered reports (both editions) and the published PDFs in ../shared
(in a clean clone without ../shared: their stand-ins in tests/data/standin-published, invented
reports laid out like them, made by tests/support/standin_pdfs.py).

Our reports are rendered once per session (LibreOffice is slow): report → .docx → PDF, then the
PDF's text in both pdftotext modes (-layout: columns aligned with spaces; raw: one cell per line,
some labels apart from their numbers), and from that the web-page form (single spaces, a table
on one line) and the crawler form (separators collapsed: cells run together).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import DATA, SHARED, needs_soffice
from docgen.errors import InputError
from docgen.importers import import_file
from docgen.importers.layout import splits
from strategies import reports
from test_import_fixtures import figures_report

PUBLISHED = SHARED / "samples" / "published"
STANDINS = DATA / "standin-published"
LAYOUTS = ("layout", "raw", "spaces", "together")


def render_pdf(report, folder, name: str):
    from docgen.office import docx_to_pdf
    from docgen.word.render import write_docx

    docx = write_docx(report, folder / f"{name}.docx")
    return docx_to_pdf(docx, folder / f"{name}.pdf")


def pdftotext(pdf, layout: bool) -> str:
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    return subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8")


def table_area(text: str) -> tuple[str, str, str]:
    """(before, tables, after): the text split at the headings 二、 and 五、."""
    start = text.index("二、主动公开政府信息情况")
    end = text.index("五、存在的主要问题及改进情况")
    return text[:start], text[start:end], text[end:]


def web_form(text: str) -> str:
    """A web page's copy: the tables with every cell separated by one space, each table on one line."""
    before, tables, after = table_area(text)
    tables = re.sub(r"\s*—\s*\d+\s*—\s*", " ", tables)  # no page numbers on a web page
    return before + " ".join(tables.split()) + "\n" + after


def crawler_form(text: str) -> str:
    """A crawler's copy: the tables with all separators collapsed (cells run together)."""
    before, tables, after = table_area(text)
    tables = re.sub(r"\s*—\s*\d+\s*—\s*", "", tables)
    return before + "".join(tables.split()) + "\n" + after


def same_figures(imported, report) -> bool:
    return imported.active == report.active and imported.applications == report.applications and imported.reviews == report.reviews


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """edition → (report, pdf path, {layout: text file}) for a consistent report of each edition."""
    folder = tmp_path_factory.mktemp("import-pdf")
    out = {}
    for edition in (2019, 2021):
        report = figures_report(edition)
        pdf = render_pdf(report, folder, f"r{edition}")
        texts = {"layout": pdftotext(pdf, True), "raw": pdftotext(pdf, False)}
        texts["spaces"] = web_form(texts["layout"])
        texts["together"] = crawler_form(texts["layout"])
        files = {}
        for name, text in texts.items():
            files[name] = folder / f"r{edition}-{name}.txt"
            files[name].write_text(text, encoding="utf-8")
        out[edition] = (report, pdf, files)
    return out


# -- our own renders ----------------------------------------------------------------------------


@needs_soffice
@pytest.mark.parametrize("edition", [2019, 2021])
def test_rendered_pdf_gives_back_every_figure_and_the_narrative(rendered, edition):
    report, pdf, _ = rendered[edition]
    imported = import_file(pdf)
    got = imported.report
    assert imported.kind == "pdf" and got.edition == edition
    assert same_figures(got, report)
    assert (got.agency, got.year, got.date) == (report.agency, report.year, report.date)
    assert [s.title for s in got.overview.sections] == [s.title for s in report.overview.sections]
    assert got.problems == report.problems and got.other_matters == report.other_matters
    assert imported.findings() == []


@needs_soffice
@pytest.mark.parametrize("layout", ["layout", "spaces"])
@pytest.mark.parametrize("edition", [2019, 2021])
def test_copied_text_layouts_give_back_every_figure(rendered, edition, layout):
    report, _, files = rendered[edition]
    imported = import_file(files[layout])
    assert imported.report.edition == edition
    assert same_figures(imported.report, report), layout
    assert imported.report.agency == report.agency and imported.report.year == report.year


@needs_soffice
@pytest.mark.parametrize("layout", ["raw", "together"])
@pytest.mark.parametrize("edition", [2019, 2021])
def test_one_cell_per_line_and_run_together_give_figures_or_name_the_row(rendered, edition, layout):
    """pdftotext's raw order (one cell per line, labels apart from their numbers; how scrambled
    depends on the page layout) and cells run together: a table is read when the rows' numbers
    can be placed for sure (one run per row, or every row in order with its printed total equal
    to the sum of its columns; unique splits under the printed totals); otherwise the import
    fails naming the table and row and showing the text — never a guess."""
    report, _, files = rendered[edition]
    try:
        imported = import_file(files[layout])
    except InputError as error:
        refused = [p for p in error.problems if p.where.startswith("表")]
        assert refused, error
        assert all("原文" in p.what or "未找到" in p.what or "连在一起" in p.what for p in refused)
        assert any(" · " in p.where or "“" in p.what for p in refused)  # names the row
        assert "已读取的表格" in error.problems[-1].what
    else:
        assert same_figures(imported.report, report)


def test_ambiguous_run_together_row_is_refused_with_row_and_text(tmp_path):
    report = figures_report(2021)
    path = tmp_path / "crawler.txt"
    text = (
        f"{report.display_title}\n一、总体情况\n本年度工作平稳。\n二、主动公开政府信息情况\n"
        "第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章000行政规范性文件898989\n"
        "第二十条第（五）项 行政许可5 第二十条第（六）项 行政处罚6 行政强制7 第二十条第（八）项 行政事业性收费1.5\n"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_file(path)
    problem = next(p for p in caught.value.problems if p.where.startswith("表二"))
    assert "行政规范性文件" in problem.where and "898989" in problem.what


def test_splitting_uses_totals_and_refuses_ambiguity():
    assert splits(["000"], 3) == [["0", "0", "0"]]
    assert len(splits(["898989"], 3)) == 2  # (8, 9, 8989), (8, 98, 989)…: ambiguous
    r3 = lambda parts: sum(map(int, parts[:-1])) == int(parts[-1])  # noqa: E731
    assert splits(["210000021"], 7, r3) == [["21", "0", "0", "0", "0", "0", "21"]]
    assert splits(["0", "5", "5"], 3) == [["0", "5", "5"]]


# -- published reports (../shared, or their stand-ins) ----------------------------------------------

# What each published PDF holds. The county PDFs print 总计 0 over non-zero items in 行政复议 and
# 复议后起诉, have the 2019 edition's single （六）其他处理 row and a character missing in
# “2.其他法律行政法规禁止公开”; their text layer keeps justification spaces (“邮 编 ：”).
REAL = {
    "hongzequ-2023": {
        "agency": "洪泽区人民政府", "year": 2023, "licensing": 550, "penalty": 4119,
        "received": [21, 0, 0, 0, 0, 0], "not_held": [10, 0, 0, 0, 0, 0], "other": [0] * 6,
        "review": [10, 1, 0, 0], "after_review": [5, 0, 0, 0], "postcode": "邮编：223100",
        "raw_refusal": "顺序",  # raw order: row labels out of the official order
    },
    "huaian-2024": {
        "agency": "淮安市人民政府", "year": 2024, "licensing": 447228, "received": [3001, 53, 0, 0, 61, 4],
        "no_correction": [67, 3, 0, 0, 1, 0], "review": [72, 64, 178, 37],
    },
    "hongzequ-2024": {"agency": "洪泽区", "year": 2024},
}
# The stand-ins (tests/support/standin_pdfs.py: the same layouts and faults, invented agencies and figures).
STANDIN = {
    "hongzequ-2023": ("county-2023", {
        "agency": "白湖区人民政府", "year": 2023, "licensing": 612, "penalty": 3874,
        "received": [18, 1, 0, 0, 0, 0], "not_held": [7, 1, 0, 0, 0, 0], "other": [1, 0, 0, 0, 0, 0],
        "review": [6, 2, 1, 0], "after_review": [3, 0, 0, 0], "postcode": "邮编：231500",
        "raw_refusal": "数字个数",  # raw order: labels in order, then the numbers column by column
    }),
    "huaian-2024": ("city-2024", {
        "agency": "江州市人民政府", "year": 2024, "licensing": 352107, "received": [2428, 51, 0, 0, 39, 5],
        "no_correction": [52, 2, 0, 0, 1, 0], "review": [58, 41, 120, 22],
    }),
    "hongzequ-2024": ("county-2024", {"agency": "白湖区", "year": 2024}),
}


def published(name: str) -> tuple[Path, dict]:
    """The published PDF in ../shared and what it holds — or, without ../shared, its stand-in."""
    if PUBLISHED.is_dir():
        return PUBLISHED / f"{name}.pdf", REAL[name]
    standin, want = STANDIN[name]
    return STANDINS / f"{standin}.pdf", want


def test_county_pdf_wrong_review_totals_are_r4_warnings_and_label_variants_are_named():
    pdf, want = published("hongzequ-2023")
    imported = import_file(pdf)
    report = imported.report
    assert (report.edition, report.year, report.agency) == (2021, want["year"], want["agency"])
    assert report.active["licensing"]["decisions"] == want["licensing"] and report.active["penalty"]["decisions"] == want["penalty"]
    assert report.row("received") == want["received"] and report.row("unable.not_held") == want["not_held"]
    assert report.row("other.other") == want["other"]
    assert report.review("review") == want["review"] and report.review("litigation_after_review") == want["after_review"]
    r4 = sorted(f.where for f in imported.findings() if f.rule == "R4")
    assert r4 == ["表四 · 行政复议 · 总计", "表四 · 行政诉讼 · 复议后起诉 · 总计"]
    notes = {w.where: w.what for w in imported.warnings}
    typo = next(w for k, w in notes.items() if "2.其他法律行政法规禁止公开" in k)
    assert "2.其他法律行政止公开" in typo
    assert any("（六）其他处理" in k and "2019版" in w for k, w in notes.items())


def test_city_pdf_with_tables_across_pages():
    pdf, want = published("huaian-2024")
    imported = import_file(pdf)
    report = imported.report
    assert (report.agency, report.year, report.edition) == (want["agency"], want["year"], 2021)
    assert report.active["licensing"]["decisions"] == want["licensing"]
    assert report.row("received") == want["received"]
    assert report.row("other.no_correction") == want["no_correction"]
    assert report.review("review") == want["review"]
    assert [f for f in imported.findings() if f.rule in ("R1", "R2", "R3", "R4")] == []


def test_table_broken_across_pages_without_header():
    pdf, want = published("hongzequ-2024")
    imported = import_file(pdf)
    report = imported.report
    assert report.year == want["year"] and want["agency"] in report.agency
    assert sum(report.row_with_total("received")[:-1]) == report.row_with_total("received")[-1]
    assert [f for f in imported.findings() if f.rule in ("R1", "R2", "R3")] == []


@pytest.mark.parametrize("name", ["hongzequ-2023", "huaian-2024"])
def test_published_pdf_text_copied_from_a_viewer(tmp_path, name):
    """-layout text of a published PDF reads like the PDF itself."""
    pdf, _ = published(name)
    path = tmp_path / f"{name}.txt"
    path.write_text(pdftotext(pdf, True), encoding="utf-8")
    from_text, from_pdf = import_file(path).report, import_file(pdf).report
    assert same_figures(from_text, from_pdf)


def test_column_major_copy_is_refused_not_guessed(tmp_path):
    """pdftotext's raw order of the county table 三 runs down the columns: refused, rows named
    (the published PDF's labels come out of order; the stand-in's labels come first, in order,
    and the numbers after them column by column: refused for the count of numbers at a row)."""
    pdf, want = published("hongzequ-2023")
    path = tmp_path / "raw.txt"
    path.write_text(pdftotext(pdf, False), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_file(path)
    assert any(p.where.startswith("表三") and want["raw_refusal"] in p.what and "原文" in p.what for p in caught.value.problems)


# -- unusual PDFs and office formats -------------------------------------------------------------------


@needs_soffice
def test_scanned_pdf_without_text_layer_gets_a_clear_message(rendered, tmp_path, cli):
    from PIL import Image

    from docgen.office import pdf_to_png

    _, pdf, _ = rendered[2021]
    page = pdf_to_png(pdf, tmp_path / "page", 1, 1, dpi=50)[0]
    scan = tmp_path / "scan.pdf"
    Image.open(page).convert("RGB").save(scan)
    result = cli("import", scan, "-o", tmp_path / "out.yaml")
    assert result.code == 2 and "没有文字层" in result.err and "扫描件" in result.err
    assert not (tmp_path / "out.yaml").exists() and "Traceback" not in result.text


@needs_soffice
@pytest.mark.parametrize("fmt", ["doc", "odt"])
def test_old_office_formats_are_converted_and_imported(rendered, tmp_path, cli, fmt):
    from docgen.office import convert_document

    report, pdf, _ = rendered[2021]
    old = convert_document(pdf.with_suffix(".docx"), fmt, tmp_path)
    assert old.suffix == f".{fmt}"
    out = tmp_path / "out.yaml"
    result = cli("import", old, "-o", out)
    assert result.code == 0, result.text
    imported = import_file(old)
    assert same_figures(imported.report, report) and imported.converted_from == f".{fmt}"


def test_damaged_pdf_exit_2(tmp_path, cli):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer\n%%EOF garbage")
    result = cli("import", path, "-o", tmp_path / "o.yaml")
    assert result.code == 2 and "PDF" in result.err and "Traceback" not in result.text


# -- property: random consistent reports ----------------------------------------------------------------


@needs_soffice
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, phases=[Phase.generate])
@given(data=st.data())
def test_random_reports_come_back_from_pdf_and_copied_text(tmp_path_factory, data):
    """render → PDF → import gives back every figure; render → text in each layout → import
    gives back every figure or names what it could not read."""
    edition = data.draw(st.sampled_from([2019, 2021]))
    base = data.draw(reports(edition_id=edition))
    report = base.model_copy(update={"agency": "青山县人民政府", "title": "", "preamble": "", "problems": "无。", "other_matters": "无。"})
    folder = tmp_path_factory.mktemp("prop")
    pdf = render_pdf(report, folder, "p")
    assert same_figures(import_file(pdf).report, report)
    layout = pdftotext(pdf, True)
    for name, text in (("layout", layout), ("raw", pdftotext(pdf, False)), ("spaces", web_form(layout)), ("together", crawler_form(layout))):
        path = folder / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        try:
            got = import_file(path).report
        except InputError as error:
            # e.g. a five-digit total wrapped inside its cell: refused, the row named
            assert any(p.where.startswith("表") and ("原文" in p.what or "未找到" in p.what) for p in error.problems), error
        else:
            assert same_figures(got, report), name


# -- saved web pages: the site's furniture is not the report ---------------------------------------------


def test_saved_page_without_navigation_share_buttons_and_footer(tmp_path):
    from test_import_fixtures import published_html

    report = figures_report(2021)
    page = published_html(report)
    chrome_top = (
        "<header><div class='logo'>青山县人民政府门户网站</div><a href='/'>首页</a><a href='/a'>政务公开</a></header>"
        "<ul class='main-menu'><li><a href='/'>首页</a></li><li><a href='/b'>走进青山</a></li><li><a href='/c'>政务服务</a></li></ul>"
        "<div class='position'>当前位置：<a href='/'>首页</a> &gt; <a href='/d'>政府信息公开年报</a></div>"
        "<p><a href='/e'>政府信息公开指南</a> | <a href='/f'>政府信息公开制度</a> | <a href='/g'>法定主动公开内容</a></p>"
    )
    chrome_bottom = (
        "<div class='share'>分享到：<a>微信</a><a>微博</a><a>QQ空间</a></div>"
        "<aside><h3>相关链接</h3><a>国务院</a><a>省政府</a></aside>"
        "<footer><p>主办单位：青山县人民政府办公室 地址：青山县人民路1号</p><a>网站地图</a> | <a>联系我们</a></footer>"
    )
    page = page.replace("<div class='nav'>首页 &gt; 政府信息公开</div>", chrome_top).replace("<div>【打印本页】</div>", "<div>【打印本页】</div>" + chrome_bottom)
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    imported = import_file(path)
    got = imported.report
    assert same_figures(got, report)
    assert got.preamble == report.preamble
    assert got.other_matters == report.other_matters
    everything = got.preamble + got.other_matters + got.problems + got.overview.intro
    for furniture in ("首页", "分享到", "主办单位", "网站地图", "相关链接", "公开指南"):
        assert furniture not in everything


def test_long_narrative_imports_in_linear_time(tmp_path):
    """Import and its checks on a 200 KB narrative take seconds (the quadratic scan took minutes)."""
    import time

    from docgen.report.model import Section
    from test_import_fixtures import published_text

    report = figures_report(2021)
    report.overview.sections = [Section(title="依申请公开", text="，".join(f"第{i}批办结99件" for i in range(8000)) + "。")]
    path = tmp_path / "long.txt"
    path.write_text(published_text(report), encoding="utf-8")
    start = time.perf_counter()
    imported = import_file(path)
    findings = imported.findings()
    assert time.perf_counter() - start < 30
    assert same_figures(imported.report, report) and sum(f.rule == "正文" for f in findings) == 8000


# -- fallback fixtures: the same layouts from our own renders, kept in tests/ (no LibreOffice) -------

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("edition", [2019, 2021])
def test_layout_fixtures_give_figures_or_name_the_row(edition, layout):
    """tests/fixtures/layouts/r<edition>-<layout>.txt: pdftotext of figures_report(edition)
    rendered by docgen (before table 三 was kept on one page), and the web/crawler forms made
    from it (see `rendered`). In these, the raw order keeps each row's numbers together."""
    report = figures_report(edition)
    path = FIXTURES / f"r{edition}-{layout}.txt"
    try:
        imported = import_file(path)
    except InputError as error:
        assert layout == "together", error
        refused = [p for p in error.problems if p.where.startswith("表")]
        assert refused and all("原文" in p.what or "连在一起" in p.what for p in refused), error
    else:
        assert same_figures(imported.report, report)
        assert imported.report.agency == report.agency and imported.report.year == report.year


def test_wrong_printed_review_totals_in_copied_text_are_r4_warnings(tmp_path):
    """The county PDF's error (总计 printed 0 over non-zero items) in a copied text: R4 warnings."""
    text = (FIXTURES / "r2021-layout.txt").read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if len(l.split()) == 15 and all(w.isdigit() for w in l.split()))
    words = line.split()
    words[4] = words[14] = "0"  # 行政复议 · 总计 and 复议后起诉 · 总计
    path = tmp_path / "r4.txt"
    path.write_text(text.replace(line, "  ".join(words)), encoding="utf-8")
    imported = import_file(path)
    r4 = sorted(f.where for f in imported.findings() if f.rule == "R4")
    assert r4 == ["表四 · 行政复议 · 总计", "表四 · 行政诉讼 · 复议后起诉 · 总计"]
    assert imported.report.review("review") == figures_report(2021).review("review")


def test_label_variants_are_read_and_named(tmp_path):
    """规范性文件 in a 2021 table, 钩稽 in the note, a character missing in a long label."""
    text = (FIXTURES / "r2021-layout.txt").read_text(encoding="utf-8")
    assert "3.补正后申请内容仍不明" in text and "行政规范性文件" in text
    text = text.replace("行政规范性文件", "规范性文件").replace("勾稽", "钩稽").replace("3.补正后申请内容仍不明", "3.补正后申请内容不明")
    path = tmp_path / "variants.txt"
    path.write_text(text, encoding="utf-8")
    imported = import_file(path)
    assert same_figures(imported.report, figures_report(2021))
    note = next(w for w in imported.warnings if "3.补正后申请内容仍不明确" in w.where)
    assert "3.补正后申请内容不明" in note.what


def test_single_other_row_in_a_2021_table(tmp_path):
    """A 2021 table with the 2019 edition's single （六）其他处理 row: read into 3.其他, with a warning."""
    from test_import_fixtures import published_text

    report = figures_report(2021)
    lines = published_text(report).splitlines()
    sub = [i for i, l in enumerate(lines) if "| （六）其他处理 |" in l]
    rows = [[int(c) for c in lines[i].split(" | ")[-7:]] for i in sub]
    merged = [sum(col) for col in zip(*rows)]
    lines[sub[0] : sub[-1] + 1] = ["三、本年度办理结果 | （六）其他处理 | " + " | ".join(map(str, merged))]
    path = tmp_path / "six.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    imported = import_file(path)
    got = imported.report
    assert got.row("other.other") == merged[:6] and got.row("other.no_correction") == [0] * 6
    assert any("（六）其他处理" in w.where and "2019版" in w.what and "3.其他" in w.what for w in imported.warnings)
    assert [f for f in imported.findings() if f.rule in ("R1", "R2", "R3")] == []


@needs_soffice
def test_password_protected_pdf_gets_a_clear_message(rendered, tmp_path, cli):
    from docgen.office import _run_soffice

    _, pdf, _ = rendered[2021]
    options = '{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"secret"}}'
    docx = pdf.with_suffix(".docx")
    _run_soffice(["--convert-to", f"pdf:writer_pdf_Export:{options}"], [docx], tmp_path, 120, docx)
    result = cli("import", tmp_path / pdf.name, "-o", tmp_path / "out.yaml")
    assert result.code == 2 and "密码" in result.err and "Traceback" not in result.text
    assert not (tmp_path / "out.yaml").exists()


def test_web_page_with_tables_as_paragraphs(tmp_path):
    """A page whose tables are lines of text (no <table>): read like text copied from a page."""
    import html

    text = (FIXTURES / "r2021-spaces.txt").read_text(encoding="utf-8")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    path = tmp_path / "page.html"
    path.write_text(f"<!DOCTYPE html><html><body><div class='nav'><a>首页</a></div>{body}</body></html>", encoding="utf-8")
    imported = import_file(path)
    assert imported.kind == "html" and same_figures(imported.report, figures_report(2021))


def test_justified_pdf_spacing_is_removed_from_the_narrative():
    from docgen.importers.chinese import clean_paragraph

    assert clean_paragraph("联系（地址：大道 90 号 ， 邮 编 ： 223100 ， 电 子 邮 箱 ：a@b.cn）。发展 。") == "联系（地址：大道90号，邮编：223100，电子邮箱：a@b.cn）。发展。"
    assert clean_paragraph("报告机关：某某县人民政府 报告年度：2025年") == "报告机关：某某县人民政府 报告年度：2025年"


def test_published_pdf_narrative_has_no_justification_spaces():
    pdf, want = published("hongzequ-2023")
    report = import_file(pdf).report
    assert want["postcode"] in report.preamble and " 。" not in report.overview.intro
