"""docgen import of published text and saved web pages: the seed's traditional-character form,
the samples' flattened tables, HTML, printed totals that disagree, unusable files.

The seed and the samples are read from ../shared when it is there; in a clean clone (or with
DOCGEN_SHARED naming a missing folder) the stand-ins in tests/data are read instead: invented
reports in the same form (standin-seed-2020.txt with its figures and text in standin-seed-2020.yaml;
standin-sample-2021/2022.txt with their figures below), checked against what they hold."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DATA, EXAMPLE_2021, SEED_2019, SHARED
from docgen.rules.checks import Stated, check
from docgen.editions import EDITIONS
from docgen.errors import InputError
from docgen.importers import import_file
from docgen.importers.cells import value
from docgen.importers.chinese import clean_paragraph, strip_glosses, t2s, to_simplified
from docgen.report.load import load, load_text
from docgen.report.model import Amount, Report, display_value
from test_import_fixtures import figures_report, published_html, published_text

SEED = SHARED / "seeds" / "000_6997cc47fc5df21f.txt"
SAMPLES = SHARED / "samples"
GLOSS = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")


def same_figures(a, b) -> bool:
    spec = a.spec
    # as the filing prints them: the same digits, an amount in the same unit (bare means 万元)
    active = all(
        display_value(a.active_value(r.id, f.id)) == display_value(b.active_value(r.id, f.id)) for blk, r in spec.active_rows for f in blk.fields
    )
    return (
        a.edition == b.edition
        and active
        and all(a.row(r.id) == b.row(r.id) for r in spec.app_rows)
        and all(a.review(g.id) == b.review(g.id) for g in spec.review_groups)
    )


# -- cells and characters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, number, blank",
    [("0", "0", False), ("", "0", True), ("/", "0", True), ("—", "0", True), ("－", "0", True), ("无", "0", True),
     ("1,234", "1234", False), ("１，２３４", "1234", False), (" 2 293 ", "2293", False), ("-3", "-3", False),
     ("24252.311082", "24252.311082", False), ("12件", "12", False)],
)
def test_cell_values(cell, number, blank):
    read = value(cell)
    assert read is not None and read.number == Decimal(number) and read.blank is blank


@pytest.mark.parametrize("cell", ["规章", "1.属于国家秘密", "（七）总计", "2020年度"])
def test_labels_are_not_values(cell):
    assert value(cell) is None


def test_glosses_removed_and_simplified():
    text = "乳山口鎮(zhèn)認(rèn)真貫(guàn)徹(chè)落實(shí)，開(kāi)展工作(gong)。"
    plain = strip_glosses(text)
    assert "(" not in plain and "zhèn" not in plain
    simplified, traditional = to_simplified(plain * 3)
    assert traditional and simplified.startswith("乳山口镇认真贯彻落实，开展工作。")


def test_simplified_text_is_left_alone():
    text = "平潭综合实验区政府信息公开工作年度报告，乾隆年间的著作。"
    assert to_simplified(text) == (text, False)
    assert strip_glosses("网站(www)和平台(App)") == "网站(www)和平台(App)"


def test_half_width_punctuation_between_chinese():
    assert clean_paragraph("2020 年,青禾镇发布通知15条:其中公告3条;(一)主动公开") == "2020年，青禾镇发布通知15条：其中公告3条；（一）主动公开"


# -- the seed -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    path: Path
    agency: str  # as named in the text (no title: the importer takes it from the narrative)
    expected: Report  # the same report as a docgen input: figures (and, for the stand-in, the narrative)
    own_text: bool = False  # the narrative is checked against the file's own text, not against ``expected``


def seed() -> Seed:
    """The seed in ../shared (traditional characters, pinyin glosses, scraped "|" tables, all
    figures 0; inputs/rushankou-2020.yaml has its figures, with a narrative of our own, so the
    seed's narrative is checked against the seed itself) — or, without ../shared, the stand-in
    tests/data/standin-seed-2020.txt (the same form, invented text and figures)."""
    if SEED.is_file():
        return Seed(SEED, "乳山口镇", load(SEED_2019).report, own_text=True)
    return Seed(DATA / "standin-seed-2020.txt", "青禾镇", load(DATA / "standin-seed-2020.yaml").report)


def test_seed_import(cli, tmp_path):
    case = seed()
    raw = case.path.read_text(encoding="utf-8")
    assert len(GLOSS.findall(raw)) >= 20 and t2s(raw) != raw  # the form under test: glossed, traditional
    out = tmp_path / "seed.yaml"
    result = cli("import", case.path, "-o", out)
    assert result.code == 0, result.text
    text = out.read_text(encoding="utf-8")
    report, expected = load_text(text, "seed.yaml").report, case.expected
    assert (report.edition, report.year) == (expected.edition, expected.year) == (2019, 2020)
    assert report.agency in (case.agency, expected.agency)
    assert same_figures(report, expected)
    assert [s.title for s in report.overview.sections] == ["主动公开", "依申请公开", "政府信息管理", "平台建设", "监督保障"]
    if case.own_text:  # every paragraph read is the source's own (glosses removed, in simplified characters)
        source = _plain(t2s(strip_glosses(raw)))
        paragraphs = [report.overview.intro, *(s.text for s in report.overview.sections), report.problems, *report.other_matters.split("\n\n")]
        assert all(p.strip() and _plain(p) in source for p in paragraphs), [p[:40] for p in paragraphs if _plain(p) not in source]
    else:
        assert [s.text for s in report.overview.sections] == [s.text for s in expected.overview.sections]
        assert (report.problems, report.other_matters) == (expected.problems, expected.other_matters)
    assert report.other_matters.count("（") == 3
    body = text.split("\nedition:", 1)[1]
    assert not GLOSS.search(body), GLOSS.search(body)
    assert t2s(body) == body  # nothing traditional left
    assert case.agency in result.out and "已由繁体转为简体" in result.out
    assert cli("check", out).code == 0


def _plain(text: str) -> str:
    """Text compared without its layout: half-width punctuation, no white space."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def test_seed_form_inline(tmp_path):
    """The seed's form without the seed: traditional characters, glosses, "|" cells, no title."""
    report = figures_report(2019, year=2020, agency="乳山口镇")
    report.overview.intro = "2020年，乳山口镇认真做好信息公开工作。"
    text = published_text(report, title=False)
    glossed = t2s_reverse(text).translate(str.maketrans("，（）：", ",():"))  # half-width, as the seed
    for plain, gloss in (("鎮", "鎮(zhèn)"), ("開", "開(kāi)"), ("請", "請(qǐng)"), ("況", "況(kuàng)")):
        glossed = glossed.replace(plain, gloss)
    assert len(GLOSS.findall(glossed)) >= 10 and "(一)主動公開(kāi)" in glossed
    path = tmp_path / "seedlike.txt"
    path.write_text(glossed, encoding="utf-8")
    imported = import_file(path)
    assert imported.traditional and imported.report.agency == "乳山口镇" and imported.report.year == 2020
    assert same_figures(imported.report, report)
    assert imported.report.overview.intro == report.overview.intro
    assert [s.title for s in imported.report.overview.sections] == [s.title for s in report.overview.sections]
    assert any("未找到报告标题" in w.what for w in imported.warnings)


def t2s_reverse(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


# -- the samples ----------------------------------------------------------------------------

# The samples in ../shared (平潭综合实验区, two consecutive years) and, without ../shared, the
# stand-ins in tests/data (望海新区, invented; the same layout: a header of notes above a "=" rule,
# paragraphs between blank lines, tables as "|" rows with " / " label paths and 列/数值 rows).
PINGTAN = {
    2021: {
        "received": [64, 0, 0, 2, 0, 4], "carried_in": [0] * 6, "granted": [27, 0, 0, 2, 0, 1],
        "carried_out": [1, 0, 0, 0, 0, 0], "total": [63, 0, 0, 2, 0, 4],
        "reviews": {"review": [1, 0, 2, 0], "litigation_direct": [12, 0, 0, 0]},
        "normative": (69, 3, 665), "licensing": 2293, "fees": "24252.311082",
    },
    2022: {
        "received": [71, 3, 0, 0, 0, 0], "carried_in": [1, 0, 0, 0, 0, 0], "granted": [21, 0, 0, 0, 0, 0],
        "carried_out": [0] * 6, "total": [72, 3, 0, 0, 0, 0],
        "reviews": {"review": [0, 1, 1, 0], "litigation_direct": [1, 0, 0, 0]},
        "normative": (88, 55, 698), "licensing": 10690, "fees": "9116.36",
    },
}
STANDIN = {
    2021: {
        "received": [38, 2, 0, 1, 0, 1], "carried_in": [2, 0, 0, 0, 0, 0], "granted": [15, 1, 0, 1, 0, 0],
        "carried_out": [2, 0, 0, 0, 0, 0], "total": [38, 2, 0, 1, 0, 1],
        "reviews": {"review": [2, 1, 0, 1], "litigation_direct": [3, 0, 1, 0], "litigation_after_review": [1, 0, 0, 0]},
        "normative": (41, 6, 388), "licensing": 1875, "fees": "3180.45",
    },
    2022: {
        "received": [45, 1, 0, 0, 2, 0], "carried_in": [2, 0, 0, 0, 0, 0], "granted": [20, 1, 0, 0, 1, 0],
        "carried_out": [3, 0, 0, 0, 0, 0], "total": [44, 1, 0, 0, 2, 0],
        "reviews": {"review": [0, 1, 1, 0], "litigation_direct": [2, 0, 0, 1], "litigation_after_review": [0, 0, 0, 0]},
        "normative": (35, 12, 411), "licensing": 2064, "fees": "2907.6",
    },
}


def sample(year: int) -> tuple[Path, str, dict]:
    """(file, agency, figures) of the year's sample — or of its stand-in without ../shared."""
    if SAMPLES.is_dir():
        return SAMPLES / f"pingtan-{year}.txt", "平潭综合实验区", PINGTAN[year]
    return DATA / f"standin-sample-{year}.txt", "望海新区", STANDIN[year]


@pytest.mark.parametrize("year", sorted(PINGTAN))
def test_sample_import(year, tmp_path, cli):
    source, agency, want = sample(year)
    imported = import_file(source)
    report = imported.report
    assert (report.edition, report.agency, report.year) == (2021, agency, year)
    for row in ("received", "carried_in", "granted", "carried_out"):
        assert report.row(row) == want[row], row
    assert report.results_total() == want["total"]
    for group, values in want["reviews"].items():
        assert report.review(group) == values
    assert tuple(report.active_value("normative_documents", f) for f in ("issued", "repealed", "in_force")) == want["normative"]
    assert report.active_value("licensing", "decisions") == want["licensing"]
    assert str(report.active_value("fees", "amount")) == want["fees"]
    assert len(report.overview.sections) == 5 and report.preamble and report.problems and report.other_matters
    assert [f.rule for f in imported.findings()] == ["篇幅"]  # consistent tables; the narrative agrees
    assert imported.warnings == []
    out = tmp_path / "p.yaml"
    assert cli("import", source, "-o", out).code == 0
    assert same_figures(load(out).report, report)


def test_sample_form_inline(tmp_path):
    """The samples' flattened tables (" / " label paths, 列/数值 rows) with a title and preamble."""
    report = figures_report(2021, year=2022, agency="平安县人民政府")
    path = tmp_path / "flat.txt"
    path.write_text("来源: 某网站\n标题: 某报告\n" + "=" * 20 + "\n" + published_text(report, flat=True), encoding="utf-8")
    imported = import_file(path)
    got = imported.report
    assert (got.agency, got.year, got.edition) == ("平安县人民政府", 2022, 2021)
    assert same_figures(got, report)
    assert got.preamble == report.preamble and got.overview.intro == report.overview.intro
    assert got.problems == report.problems and got.other_matters == report.other_matters
    assert imported.findings() == [] and imported.warnings == []


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_html_page(tmp_path, edition):
    """A saved page in GBK: a layout table around everything, report tables innermost."""
    report = figures_report(edition)
    path = tmp_path / "page.html"
    path.write_bytes(published_html(report).encode("gbk"))
    imported = import_file(path)
    assert imported.kind == "html" and same_figures(imported.report, report)
    assert imported.report.agency == report.agency and imported.report.year == report.year
    assert [s.title for s in imported.report.overview.sections] == [s.title for s in report.overview.sections]
    assert imported.report.other_matters == report.other_matters  # 【打印本页】 after 六 left out
    assert imported.warnings == []


def test_2019_amount_keeps_unit(tmp_path):
    report = figures_report(2019)
    path = tmp_path / "a.txt"
    path.write_text(published_text(report), encoding="utf-8")
    amount = import_file(path).report.active_value("procurement", "amount")
    assert amount == Amount(value=Decimal("251000"), unit="元")
    assert import_file(path).report.active_value("licensing", "change") == -3


# -- printed totals that disagree -----------------------------------------------------------


def test_printed_totals_that_disagree_are_warnings_naming_the_cell(tmp_path, cli):
    report = figures_report(2021)
    lines = published_text(report).splitlines()
    received = report.spec.intake_rows[0].label
    row = next(i for i, line in enumerate(lines) if line.startswith(received))
    cells = lines[row].split(" | ")
    cells[-1] = str(int(cells[-1]) + 5)  # 总计 printed 5 too high
    lines[row] = " | ".join(cells)
    review = next(i for i, line in enumerate(lines) if re.fullmatch(r"[\d | ]+", line) and line.count("|") == 14)
    cells = lines[review].split(" | ")
    cells[4] = str(int(cells[4]) + 1)  # 行政复议 总计
    lines[review] = " | ".join(cells)
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    imported = import_file(path)
    rules = {(f.rule, f.where) for f in imported.findings()}
    assert ("R3", f"表三 · {received} · 总计") in rules
    assert ("R4", "表四 · 行政复议 · 总计") in rules
    assert all(f.rule in ("R3", "R4") for f in imported.findings())
    result = cli("import", path, "-o", tmp_path / "bad.yaml")
    assert result.code == 0
    assert f"警告：表三 · {received} · 总计：[R3] 表中总计为 {sum(report.row('received')) + 5}" in result.text
    assert "原表数字有 2 处不一致" in result.out
    assert "[R3]" in (tmp_path / "bad.yaml").read_text(encoding="utf-8")  # noted in the file's header


def test_r2_from_a_printed_total_row(tmp_path):
    report = figures_report(2019)
    text = published_text(report)
    total_line = next(l for l in text.splitlines() if "（七）总计" in l)
    cells = total_line.split(" | ")
    cells[2] = str(int(cells[2]) + 2)  # 自然人, after the two label cells
    path = tmp_path / "r2.txt"
    path.write_text(text.replace(total_line, " | ".join(cells)), encoding="utf-8")
    findings = import_file(path).findings()
    assert [(f.rule, f.where) for f in findings if f.rule == "R2"] == [("R2", "表三 · （七）总计 · 自然人列")]


def test_blank_total_column_is_a_warning_not_an_error(tmp_path):
    report = figures_report(2021)
    text = published_text(report)
    granted = next(l for l in text.splitlines() if "（一）予以公开" in l)
    path = tmp_path / "blank.txt"
    path.write_text(text.replace(granted, granted.rsplit(" | ", 1)[0] + " | —"), encoding="utf-8")
    imported = import_file(path)
    assert imported.findings() == []
    assert any("原表总计栏为空" in w.what and "（一）予以公开" in w.where for w in imported.warnings)


def test_missing_rows_are_named_and_a_missing_table_is_an_error(tmp_path):
    report = figures_report(2021)
    text = published_text(report)
    lines = [l for l in text.splitlines() if "2.重复申请" not in l]
    path = tmp_path / "partial.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    imported = import_file(path)
    whats = " ".join(w.what for w in imported.warnings)
    assert "2.重复申请" in whats
    assert imported.report.row("not_processed.duplicate") == [0] * 6
    head = lines.index("四、政府信息公开行政复议、行政诉讼情况")
    path.write_text("\n".join(lines[:head] + lines[head + 5 :]), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_file(path)
    problems = caught.value.problems
    assert any(p.where == "表四" and "未找到四、政府信息公开行政复议、行政诉讼情况的表格" in p.what for p in problems)
    summary = problems[-1].what  # what was found: edition, year, agency, tables
    assert "2021版" in summary and "2021" in summary and "青山县人民政府" in summary and "表二、表三" in summary


def test_edition_from_labels_not_year(tmp_path):
    """A 2019-format table in a 2021 report is read as the 2019 edition (the labels decide)."""
    report = figures_report(2019, year=2021)
    path = tmp_path / "old.txt"
    path.write_text(published_text(report), encoding="utf-8")
    assert import_file(path).report.edition == 2019


# -- unusable files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("a.pdf", b"%PDF-1.4 ...", "PDF"),
        ("a.txt", "这是一封信，没有任何表格。\n".encode("utf-8"), "未找到表二、表三、表四"),
        ("a.bin", b"\0\1\2\3" * 100, "不是文本"),
        ("a.zip", b"PK\x03\x04garbage", "损坏"),
    ],
)
def test_unusable_files_exit_2(cli, tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out.yaml"
    result = cli("import", path, "-o", out)
    assert result.code == 2 and fragment in result.err and "无法作为年度报告导入" in result.err
    assert "Traceback" not in result.text and not out.exists()


def test_missing_file_exit_2(cli, tmp_path):
    result = cli("import", tmp_path / "none.docx")
    assert result.code == 2 and "文件不存在" in result.err


def test_import_is_idempotent_and_refuses_to_overwrite(cli, tmp_path):
    report = figures_report(2021)
    source = tmp_path / "r.txt"
    source.write_text(published_text(report), encoding="utf-8")
    first = cli("import", source)
    target = tmp_path / "r.yaml"
    assert first.code == 0 and target.exists()
    before = target.read_text(encoding="utf-8")
    again = cli("import", source)
    assert again.code == 2 and "已存在" in again.err and target.read_text(encoding="utf-8") == before
    assert cli("import", source, "--force").code == 0
    assert same_figures(load(target).report, report) and cli("check", target).code == 0


def test_example_round_trip_through_text(tmp_path):
    """The 2021 example, published as text and imported, gives its figures and no findings."""
    example = load(EXAMPLE_2021).report
    path = tmp_path / "example.txt"
    path.write_text(published_text(example), encoding="utf-8")
    imported = import_file(path)
    assert same_figures(imported.report, example) and imported.findings() == []


def test_stated_totals_reach_the_checks():
    report = figures_report(2021)
    stated = Stated(row_totals={"granted": report.row_total("granted") + 1})
    assert [f.rule for f in check(report, stated)] == ["R3"]


def test_unknown_year_is_unusable(tmp_path):
    report = figures_report(2021)
    text = published_text(report, title=False)
    text = re.sub(r"\d{4}年", "本年", text)
    path = tmp_path / "noyear.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_file(path)
    assert "无法确定报告年度" in str(info.value)
