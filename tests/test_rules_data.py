"""The 勾稽 rules as data (docgen.editions.equations): one derivation for the Python check, the
workbook's 校验 sheet and the roll-up's 总览 status — and errors that cancel out in the 总计 column
(+1 in 自然人, −1 in 商业企业) are caught by all three."""

from __future__ import annotations

import openpyxl
import pytest

from conftest import minimal, needs_soffice
from docgen.editions import EDITIONS
from docgen.editions.equations import equations, table_rules
from docgen.report.load import load
from docgen.rules.checks import Stated, check
from docgen.workbook import write_xlsx

GOOD = minimal(
    2021,
    a="""
    applications:
      received: [3, 1, 0, 0, 0, 0]
      granted: [3, 1, 0, 0, 0, 0]
    """,
)
# +1 自然人, −1 商业企业 in 一、本年新收: the 总计 column still balances.
CANCELLING = GOOD.replace("received: [3, 1, 0, 0, 0, 0]", "received: [4, 0, 0, 0, 0, 0]")
BROKEN = {("R1", "表三 · 自然人列"), ("R1", "表三 · 商业企业列")}
PASS, FAIL = "通过", "不符"


def test_every_table_rule_is_an_equation_over_the_whole_table():
    for spec in EDITIONS.values():
        counts = {rule.id: len(equations(spec, rule)) for rule in table_rules(spec)}
        assert counts == {"R1": 7, "R2": 7, "R3": len(spec.app_rows) + 1, "R4": len(spec.review_groups)}
        r2 = equations(spec, spec.rule("R2"))[0]
        assert {p for t in r2.right for p in t.paths} == {f"applications.{r.id}.0" for r in spec.result_rows}


def test_check_names_both_columns_and_the_cells(write):
    report = load(write("bad.yaml", CANCELLING)).report
    findings = check(report)
    assert {(f.rule, f.where) for f in findings} == BROKEN
    natural = next(f for f in findings if f.where.endswith("自然人列"))
    assert natural.cells == (
        "applications.received.0",
        "applications.carried_in.0",
        "applications.total.0",
        "applications.carried_out.0",
    )
    assert "相差 1" in natural.what
    assert "相差 -1" in next(f for f in findings if f.where.endswith("商业企业列")).what


def test_stated_total_findings_list_the_cells_of_their_row(write):
    report = load(write("ok.yaml", GOOD)).report
    findings = check(report, Stated(row_totals={"received": 5}, review_totals={"review": 1}))
    assert [(f.rule, f.cells[0], len(f.cells)) for f in findings] == [
        ("R3", "applications.received.6", 7),
        ("R4", "reviews.review.4", 5),
    ]


def check_failures(rows) -> set[tuple[str, str]]:
    return {(row[0], row[1]) for row in rows if len(row) >= 6 and row[5] == FAIL}


def overview_statuses(rows) -> list[str]:
    """The 校验 column of the 总览 rows: each agency, then 合计."""
    return [row[10] for row in rows[4:] if len(row) > 10 and row[10] in (PASS, FAIL)]


@pytest.fixture
def outputs(write, tmp_path, cli):
    """The cancelling report's workbook, and a roll-up workbook of it with a consistent agency."""
    bad = write("in/bad.yaml", CANCELLING.replace("测试县人民政府", "乙镇人民政府"))
    write("in/good.yaml", GOOD.replace("测试县人民政府", "甲镇人民政府"))
    book = write_xlsx(load(bad).report, tmp_path / "bad.xlsx")
    rollup = tmp_path / "county.xlsx"
    result = cli("rollup", tmp_path / "in", "--agency", "测试县", "-o", tmp_path / "county.yaml", "--workbook", rollup, "--force")
    assert result.code == 1, result.text
    return book, rollup


def test_cached_check_sheet_and_overview_fail(outputs):
    book, rollup = outputs
    cached = openpyxl.load_workbook(book, data_only=True)
    assert check_failures(cached["校验"].iter_rows(values_only=True)) == BROKEN
    overview = [list(r) for r in openpyxl.load_workbook(rollup, data_only=True)["总览"].iter_rows(values_only=True)]
    assert overview[3][10] == "校验（R1）"
    names = [row[1] for row in overview[4:6]]
    assert dict(zip(names, overview_statuses(overview))) == {"甲镇人民政府": PASS, "乙镇人民政府": FAIL}
    assert overview_statuses(overview)[-1] == FAIL  # 合计 (the summary) is off too


@needs_soffice
def test_libreoffice_recalculation_fails_the_same_cells(outputs):
    from docgen.office import workbook_to_csv

    book, rollup = outputs
    sheets = workbook_to_csv(book)
    assert check_failures(sheets["校验"]) == BROKEN
    overview = workbook_to_csv(rollup)["总览"]
    names = [row[1] for row in overview[4:6]]
    assert dict(zip(names, overview_statuses(overview))) == {"甲镇人民政府": PASS, "乙镇人民政府": FAIL}
    assert overview_statuses(overview)[-1] == FAIL
