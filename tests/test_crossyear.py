"""docgen check --previous: R5 (error), R6 (warning), section 五 repeated, year gaps, drafts."""

from __future__ import annotations

import re
from pathlib import Path


from conftest import DATA, EXAMPLE_2021, SHARED, minimal
from docgen.rules.audit import audit
from docgen.rules.crossyear import DRAFT_MARKER, cross_year_findings, draft_findings, similarity
from docgen.report.load import load
from docgen.report.rollover import rollover
from test_import_fixtures import figures_report

SAMPLES = SHARED / "samples"


def pair(edition: int = 2021, year: int = 2022):
    last = figures_report(edition, year=year - 1)
    this = figures_report(edition, year=year)
    this.applications["carried_in"] = last.row("carried_out")
    this.applications["received"] = [t + o - c for t, o, c in zip(this.results_total(), this.row("carried_out"), this.row("carried_in"))]
    if edition == 2021:
        this.active["normative_documents"] = {"issued": 10, "repealed": 5, "in_force": last.active_value("normative_documents", "in_force") + 5}
        this.active["regulations"] = {"issued": 0, "repealed": 0, "in_force": last.active_value("regulations", "in_force")}
    this.problems = "本年度的问题是培训不足，下一步将每季度组织一次专题培训。"
    return this, last


def sample_files() -> dict[int, Path]:
    """The samples' pair of consecutive years (../shared/samples), or — in a clean clone without
    ../shared — the stand-ins in tests/data: an invented consistent pair in the samples' layout."""
    if SAMPLES.is_dir():
        return {year: SAMPLES / f"pingtan-{year}.txt" for year in (2021, 2022)}
    return {year: DATA / f"standin-sample-{year}.txt" for year in (2021, 2022)}


def test_consecutive_consistent_years_have_no_findings():
    this, last = pair()
    assert cross_year_findings(this, last) == []


def test_r5_error_per_column_names_both_numbers():
    this, last = pair()
    this.applications["carried_in"] = [3, 0, 1, 0, 0, 0]  # last year carried out [2, 0, 1, 0, 0, 0]
    findings = cross_year_findings(this, last)
    assert [(f.rule, f.level, f.where) for f in findings] == [("R5", "error", "表三 · 二、上年结转政府信息公开申请数量 · 自然人列")]
    what = findings[0].what
    assert "本年“二、上年结转政府信息公开申请数量”为 3" in what and "“四、结转下年度继续办理”为 2" in what and f"{last.year}年" in what


def test_r6_warning_names_the_arithmetic():
    this, last = pair()
    this.active["normative_documents"]["in_force"] += 4
    findings = cross_year_findings(this, last)
    assert [(f.rule, f.level) for f in findings] == [("R6", "warning")]
    assert findings[0].where == "表二 · 第二十条第（一）项 · 行政规范性文件 · 现行有效件数"
    before = last.active_value("normative_documents", "in_force")
    assert f"上年度（{last.year}年）现行有效件数 {before} + 本年制发件数 10 - 本年废止件数 5 = {before + 5}，相差 4" in findings[0].what


def test_r6_only_between_2021_editions():
    this, last = pair(2021, 2021)
    last = figures_report(2019, year=2020)
    this.applications["carried_in"] = last.row("carried_out")
    assert [f.rule for f in cross_year_findings(this, last)] in ([], ["R5"])
    assert not any(f.rule == "R6" for f in cross_year_findings(this, last))
    this19, last19 = pair(2019, 2020)
    assert cross_year_findings(this19, last19) == []


def test_r5_across_editions():
    last = figures_report(2019, year=2020)
    this = figures_report(2021, year=2021)
    this.problems = "新的问题与新的措施。"
    findings = cross_year_findings(this, last)
    assert {f.rule for f in findings} == {"R5"}  # 1 vs 2 in 自然人, 1 vs 0 in 社会公益组织, 0 vs 1 in 科研机构
    assert len(findings) == 3


def test_years_not_consecutive_is_a_note_and_skips_r5():
    this, last = pair()
    last.year -= 1
    this.applications["carried_in"] = [9, 9, 9, 9, 9, 9]
    findings = cross_year_findings(this, last)
    assert [(f.rule, f.level) for f in findings] == [("年度", "warning")]
    assert "不是相邻年度" in findings[0].what
    last.year = this.year + 1
    assert "顺序弄反" in cross_year_findings(this, last)[0].what


def test_section_five_repeated():
    this, last = pair()
    last.problems = f"{last.year}年存在的问题：一是培训不够系统；二是宣传力度不足。下一步将加强培训。"
    this.problems = last.problems.replace(str(last.year), str(this.year)).replace("。", "．", 1)
    findings = cross_year_findings(this, last)
    assert [(f.rule, f.level, f.where) for f in findings] == [("雷同", "warning", "五、存在的主要问题及改进情况")]
    assert "相似度为 100%" in findings[0].what
    this.problems = "本年度新开通了政务新媒体账号，但内容审核流程尚不健全，下一步将制定审核细则并开展专项检查。"
    assert cross_year_findings(this, last) == []


def test_similarity_threshold():
    base = "存在的主要问题是政策解读形式单一，改进措施是丰富解读形式，加强重点领域信息公开。" * 3
    assert similarity(base, base) == 1.0
    assert similarity(base, base[:-10] + "新增内容完全不同的十字") >= 0.9
    assert similarity(base, "完全不同的文字，讲的是平台建设和人员培训。") < 0.5
    assert similarity("", base) == 0.0


def test_drafts_flagged_until_rewritten():
    nxt, _ = rollover(load(EXAMPLE_2021).report)
    findings = draft_findings(nxt)
    wheres = [f.where for f in findings]
    assert "前言" in wheres and "五、存在的主要问题及改进情况" in wheres and "六、其他需要报告的事项" in wheres
    assert "一、总体情况 · （二）依申请公开" in wheres
    assert all(f.level == "warning" for f in findings)
    nxt.preamble = nxt.preamble.replace(DRAFT_MARKER, "").strip()
    assert "前言" not in [f.where for f in draft_findings(nxt)]


def test_cli_previous_r5_exit_1(cli, write):
    last = write("last.yaml", minimal(2021, year=2024, a="applications:\n  received: [2, 0, 0, 0, 0, 0]\n  carried_out: [2, 0, 0, 0, 0, 0]"))
    this = write(
        "this.yaml",
        minimal(2021, year=2025, a="applications:\n  carried_in: [1, 0, 0, 0, 0, 0]\n  granted: [1, 0, 0, 0, 0, 0]"),
    )
    result = cli("check", this, "--previous", last)
    assert result.code == 1
    assert "表三 · 二、上年结转政府信息公开申请数量 · 自然人列：[R5] 本年“二、上年结转政府信息公开申请数量”为 1" in result.text
    assert "为 2，相差 -1" in result.text
    assert cli("check", this).code == 0  # without --previous R5 is not checked


def test_cli_previous_warnings_keep_exit_0(cli, write):
    last = write("last.yaml", minimal(2021, year=2024, a="active:\n  normative_documents: {in_force: 10}"))
    this = write("this.yaml", minimal(2021, year=2025, a="active:\n  normative_documents: {issued: 2, in_force: 9}"))
    result = cli("check", this, "--previous", last)
    assert result.code == 0 and "[R6]" in result.text and "相差 -3" in result.text


def test_cli_previous_unusable_exit_2(cli, write, tmp_path):
    this = write("this.yaml", minimal(2021, year=2025))
    bad = write("last.yaml", "edition: 2021\nagency: x\n")
    result = cli("check", this, "--previous", bad)
    assert result.code == 2 and "上年度报告" in result.err and "year" in result.out
    result = cli("check", this, "--previous", tmp_path / "missing.yaml")
    assert result.code == 2 and "文件不存在" in result.out and "Traceback" not in result.text


def test_audit_carries_previous_findings(write):
    last = write("last.yaml", minimal(2021, year=2023))
    path = write("this.yaml", minimal(2021, year=2025))
    result = audit(path, previous=load(last).report)
    assert [f.rule for f in result.findings if f.rule != "未完成"] == ["年度"] and result.exit_code == 0


def test_real_pair_of_years(cli, tmp_path):
    """The samples are a consistent pair: imported, 2022 checked against 2021 passes R5 and R6."""
    for year, source in sample_files().items():
        assert cli("import", source, "-o", tmp_path / f"p{year}.yaml").code == 0
    result = cli("check", tmp_path / "p2022.yaml", "--previous", tmp_path / "p2021.yaml")
    assert result.code == 0 and not any(rule in result.text for rule in ("[R5]", "[R6]", "[雷同]", "[年度]"))
    text = (tmp_path / "p2022.yaml").read_text(encoding="utf-8")
    text = re.sub(r"carried_in: \[(\d+), (\d+),", lambda m: f"carried_in: [{m[2]}, {m[1]},", text)  # two columns swapped
    (tmp_path / "p2022.yaml").write_text(text, encoding="utf-8")
    result = cli("check", tmp_path / "p2022.yaml", "--previous", tmp_path / "p2021.yaml")
    assert result.code == 1 and result.text.count("[R5]") == 2
