"""Rules R1–R4 on both editions: a consistent and a broken case each, messages naming both sides."""

from __future__ import annotations

import pytest

from conftest import EXAMPLE_2021, SEED_2019
from docgen.rules.checks import Stated, check, has_errors
from docgen.editions import EDITIONS
from docgen.report.load import load
from docgen.report.model import Report

EDITION_IDS = sorted(EDITIONS)


def consistent(edition_id: int) -> Report:
    """A non-trivial consistent report: every result row and review group gets figures."""
    spec = EDITIONS[edition_id]
    apps = {}
    for i, row in enumerate(spec.result_rows):
        apps[row.id] = [(i + c) % 3 for c in range(6)]
    carried_out = [1, 0, 2, 0, 0, 1]
    results = [sum(apps[r.id][c] for r in spec.result_rows) for c in range(6)]
    apps["carried_in"] = [2, 1, 0, 0, 1, 0]
    apps["received"] = [results[c] + carried_out[c] - apps["carried_in"][c] for c in range(6)]
    assert min(apps["received"]) >= 0
    apps["carried_out"] = carried_out
    reviews = {g.id: [1, 2, 0, 1] for g in spec.review_groups}
    return Report(edition=edition_id, agency="测试", year=spec.first_year, applications=apps, reviews=reviews)


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_consistent_report_passes(edition_id):
    report = consistent(edition_id)
    stated = Stated(
        row_totals={r.id: report.row_total(r.id) for r in report.spec.app_rows} | {"total": sum(report.results_total())},
        results_total=report.results_total(),
        review_totals={g.id: sum(report.review(g.id)) for g in report.spec.review_groups},
    )
    assert check(report, stated) == []


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_r1_names_column_and_both_sides(edition_id):
    report = consistent(edition_id)
    received = report.row("received")
    report.applications["received"] = [received[0] + 2] + received[1:]
    findings = check(report)
    assert [f.rule for f in findings] == ["R1", "R1"]  # 自然人 and 总计 columns
    first = findings[0]
    assert first.where == "表三 · 自然人列" and first.level == "error"
    left = received[0] + 2 + report.row("carried_in")[0]
    right = report.results_total()[0] + report.row("carried_out")[0]
    assert f"= {left}，" in first.what and f"= {right}，相差 2" in first.what
    assert findings[1].where == "表三 · 总计列"


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_r2_against_stated_total_row(edition_id):
    report = consistent(edition_id)
    printed = report.results_total()
    printed[3] += 1
    findings = check(report, Stated(results_total=printed))
    assert [(f.rule, f.where) for f in findings] == [("R2", "表三 · （七）总计 · 社会公益组织列")]
    assert f"表中（七）总计为 {printed[3]}，但（一）至（六）各项之和为 {printed[3] - 1}" in findings[0].what


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_r3_against_stated_row_total(edition_id):
    report = consistent(edition_id)
    row = report.spec.result_rows[-1]
    findings = check(report, Stated(row_totals={row.id: report.row_total(row.id) + 5}))
    assert [f.rule for f in findings] == ["R3"]
    assert report.spec.app_row_path(row) in findings[0].where
    assert "自然人" in findings[0].what and "相差 5" in findings[0].what


@pytest.mark.parametrize("edition_id", EDITION_IDS)
def test_r4_per_group(edition_id):
    report = consistent(edition_id)
    findings = check(report, Stated(review_totals={"litigation_after_review": 3, "review": 4}))
    assert [(f.rule, f.where) for f in findings] == [("R4", "表四 · 行政诉讼 · 复议后起诉 · 总计")]
    assert "结果维持 1 + 结果纠正 2 + 其他结果 0 + 尚未审结 1 = 4，相差 -1" in findings[0].what


def test_examples_are_consistent():
    for path in (SEED_2019, EXAMPLE_2021):
        loaded = load(path)
        assert not has_errors(check(loaded.report, lines=loaded.lines))


def test_overview_length_is_a_warning():
    report = consistent(2021)
    report.overview.intro = "字" * 1001
    findings = check(report)
    assert [(f.rule, f.level) for f in findings] == [("篇幅", "warning")] and not has_errors(findings)
    report2019 = consistent(2019)
    report2019.overview.intro = "字" * 1001
    assert check(report2019) == []
