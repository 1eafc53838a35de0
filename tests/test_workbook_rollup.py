"""`docgen rollup --workbook`: overview first, a summary of cross-sheet formulas, 校验, a sheet per
agency; cached values and LibreOffice's recalculation both equal the independently summed figures."""

from __future__ import annotations

import random
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

from conftest import needs_soffice
from docgen.editions import EDITIONS
from docgen.editions.types import TABLE_2, TABLE_3, TABLE_4
from docgen.rollup.workbook import sheet_names
from docgen.workbook.layout import TOTAL_ROW, stacked_layout
from docgen.report.load import load
from test_rollup import COUNTY, Agency, assert_report_equals, expected_sums, make_agency, write_agencies

FIXED_SHEETS = ["总览", "汇总", "校验"]


def build(cli, tmp_path, agencies: list[Agency], *extra: str):
    write_agencies(tmp_path / "in", agencies)
    book = tmp_path / "county.xlsx"
    result = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", tmp_path / "county.yaml", "--workbook", book, *extra)
    return result, book


def agencies_of(edition: int, seed: int, units=None, count: int = 3) -> list[Agency]:
    rng = random.Random(seed)
    out = [make_agency(rng, edition, f"乳山市{name}人民政府") for name in ("乳山口镇", "夏村镇", "海阳所镇", "白沙滩镇")[:count]]
    for agency, unit in zip(out, units if "procurement" in out[0].active else ()):
        agency.active["procurement"]["amount"] = unit
    return out


def expected_cells(expected: Agency) -> dict[tuple, Decimal]:
    """Every figure of the summed tables, totals included, by (table, row, column)."""
    spec = EDITIONS[expected.edition]
    cells: dict[tuple, Decimal] = {}
    for block, row in spec.active_rows:
        for f in block.fields:
            value = expected.active[row.id][f.id]
            cells[(TABLE_2, row.id, f.id)] = Decimal(value[0] if isinstance(value, tuple) else value)
    rows = dict(expected.apps)
    rows[TOTAL_ROW] = [sum(expected.apps[r.id][c] for r in spec.result_rows) for c in range(6)]
    for row_id, values in rows.items():
        for column, value in enumerate(values + [sum(values)]):
            cells[(TABLE_3, row_id, column)] = Decimal(value)
    for group, values in expected.reviews.items():
        for column, value in enumerate(values + [sum(values)]):
            cells[(TABLE_4, group, column)] = Decimal(value)
    return cells


def typed_figure_count(edition: int) -> int:
    spec = EDITIONS[edition]
    return sum(len(b.fields) for b, _ in spec.active_rows) + 6 * len(spec.app_rows) + 4 * len(spec.review_groups)


def _at(rows: list[list[str]], address: str) -> str:
    column, row = coordinate_from_string(address)
    return rows[row - 1][column_index_from_string(column) - 1]


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_summary_is_cross_sheet_formulas_over_every_agency(cli, tmp_path, edition):
    agencies = agencies_of(edition, seed=edition, units=("3", "4.5", "0"))  # one unit: a plain sum
    result, path = build(cli, tmp_path, agencies)
    assert result.code == 0, result.text
    book = openpyxl.load_workbook(path)
    sheets = sheet_names([a.agency for a in agencies])
    assert sheets == ["乳山口镇", "夏村镇", "海阳所镇"]
    assert book.sheetnames == FIXED_SHEETS + sheets
    summary = book["汇总"]
    layout = stacked_layout(EDITIONS[edition])
    cross = 0
    for figure in layout.inputs:
        formula = summary[figure.address].value
        assert formula == "=" + "+".join(f"'{s}'!{figure.address}" for s in sheets), figure.key
        cross += 1
    every_cross = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str) and "!" in c.value]
    assert cross == len(every_cross) == typed_figure_count(edition)
    for figure in layout.totals:
        assert summary[figure.address].value.startswith("=SUM(") and "!" not in summary[figure.address].value


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_cached_values_equal_the_sums(cli, tmp_path, edition):
    agencies = agencies_of(edition, seed=edition + 1, units=("251000元", "25.1万元", "3"))
    result, path = build(cli, tmp_path, agencies)
    assert result.code == 0, result.text
    book = openpyxl.load_workbook(path, data_only=True)
    layout = stacked_layout(EDITIONS[edition])
    expected = expected_cells(expected_sums(agencies))
    assert len(expected) == len(layout.figures)
    for key, want in expected.items():
        got = book["汇总"][layout.cell_of(*key)].value
        assert Decimal(str(got)) == want, key
    assert book["校验"]["B2"].value == "全部通过"
    assert book["总览"]["C3"].value == "全部通过"


def test_mixed_amount_units_are_summed_in_wan(cli, tmp_path):
    agencies = agencies_of(2019, seed=4, units=("251000元", "25.1万元", "3"))
    result, path = build(cli, tmp_path, agencies)
    assert result.code == 0, result.text
    cell = stacked_layout(EDITIONS[2019]).cell_of(TABLE_2, "procurement", "amount")
    book = openpyxl.load_workbook(path)
    assert book["汇总"][cell].value == f"='乳山口镇'!{cell}/10000+'夏村镇'!{cell}+'海阳所镇'!{cell}"
    assert "万元" in book["汇总"][cell].number_format
    cached = openpyxl.load_workbook(path, data_only=True)["汇总"][cell].value
    assert Decimal(str(cached)) == Decimal("53.2")


def test_overview_rows_hold_each_agencys_key_figures(cli, tmp_path):
    rng = random.Random(30)
    agencies = [make_agency(rng, 2021, f"第{i}镇", consistent=i != 2) for i in (1, 2, 3)]
    result, path = build(cli, tmp_path, agencies, "--force")
    assert result.code == 1
    book = openpyxl.load_workbook(path, data_only=True)
    overview = book["总览"]
    rows = [[c.value for c in row] for row in overview.iter_rows(min_row=5, max_row=5 + len(agencies))]
    spec = EDITIONS[2021]
    for agency, row, sheet in zip(agencies, rows, book.sheetnames[3:]):
        results = sum(agency.apps[r.id][c] for r in spec.result_rows for c in range(6))
        litigation = sum(agency.reviews["litigation_direct"]) + sum(agency.reviews["litigation_after_review"])
        want = [
            sum(agency.apps["received"]),
            sum(agency.apps["carried_in"]),
            results,
            sum(agency.apps["carried_out"]),
            sum(agency.reviews["review"]),
            litigation,
        ]
        assert row[1] == agency.agency and row[2] == sheet
        assert row[4:10] == want
        assert row[10] == ("不符" if agency.agency == "第2镇" else "通过")
    total = rows[-1]
    assert total[1] == "合计" and total[4:10] == [sum(r[i] for r in rows[:-1]) for i in range(4, 10)]
    assert total[10] == "不符"
    assert book["校验"]["B2"].value.startswith("有")


@needs_soffice
@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_libreoffice_recalculates_the_summary_to_the_sums(cli, tmp_path, edition):
    from docgen.office import workbook_to_csv

    agencies = agencies_of(edition, seed=edition + 2, units=("251000元", "25.1万元", "3", "1200元"), count=4)
    result, path = build(cli, tmp_path, agencies)
    assert result.code == 0, result.text
    sheets = workbook_to_csv(path)
    assert list(sheets)[:3] == FIXED_SHEETS
    layout = stacked_layout(EDITIONS[edition])
    expected = expected_cells(expected_sums(agencies))
    for key, want in expected.items():
        assert Decimal(_at(sheets["汇总"], layout.cell_of(*key))) == want, key
    assert _at(sheets["校验"], "B2") == "全部通过"
    overview = sheets["总览"]
    assert [overview[4 + i][10] for i in range(len(agencies) + 1)] == ["通过"] * (len(agencies) + 1)
    totals = overview[4 + len(agencies)]
    assert totals[1] == "合计"
    assert [int(v) for v in totals[4:10]] == [sum(int(overview[4 + i][c]) for i in range(len(agencies))) for c in range(4, 10)]


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(
        [
            "乳山市乳山口镇人民政府",
            "乳山市夏村镇人民政府",
            "乳山市[测试]:单位*?/\\人民政府",
            "乳山市" + "很长的名字" * 10 + "人民政府",
            "乳山市" + "很长的名字" * 10 + "人民政府 ",
            "乳山市汇总人民政府",
        ]
    )
    assert names[0] == "乳山口镇" and names[1] == "夏村镇"
    assert len(set(n.lower() for n in names)) == len(names)
    for name in names:
        assert 0 < len(name) <= 31 and not set("[]:*?/\\") & set(name)
        assert name not in FIXED_SHEETS and not name.startswith("'") and not name.endswith("'")
    assert sheet_names(["总览"]) == ["总览(2)"]
    assert sheet_names(["'引号'"]) == ["引号"]
    assert sheet_names(["乳山市甲镇", "乳山市乙镇"]) == ["甲镇", "乙镇"]
    assert sheet_names(["青山县教育局", "青山县财政局", "青山县人民政府"]) == ["教育局", "财政局", "人民政府"]


# -- workbooks as inputs ----------------------------------------------------------------------------
def test_agency_workbooks_roll_up_like_their_yaml(cli, tmp_path):
    agencies = agencies_of(2021, seed=40)
    write_agencies(tmp_path / "in", agencies)
    assert cli("render", tmp_path / "in", "-o", tmp_path / "books", "--formats", "xlsx", "-j", "1").code == 0
    out = tmp_path / "county.yaml"
    result = cli("rollup", tmp_path / "books", "--agency", COUNTY, "-o", out)
    assert result.code == 0, result.text
    assert_report_equals(load(out).report, expected_sums(agencies))
    assert "正文" not in result.text  # the narrative is not summed, so its absence is no news


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_rollup_workbooks_roll_up_again(cli, tmp_path, edition):
    east = agencies_of(edition, seed=50, units=("251000元", "25.1万元", "3"))
    west = [make_agency(random.Random(51), edition, f"西县{i}镇") for i in range(1, 3)]
    for name, group in (("east", east), ("west", west)):
        write_agencies(tmp_path / name, group)
        result = cli("rollup", tmp_path / name, "--agency", f"{name}县", "--workbook", tmp_path / "counties" / f"{name}.xlsx", "-o", tmp_path / f"{name}.yaml")
        assert result.code == 0, result.text
    city = tmp_path / "city.yaml"
    result = cli("rollup", tmp_path / "counties", "--agency", "某市", "-o", city)
    assert result.code == 0, result.text
    expected = expected_sums(east + west)
    assert_report_equals(load(city).report, expected)
    assert "east县" in city.read_text(encoding="utf-8") and "west县" in city.read_text(encoding="utf-8")


def test_rollup_workbook_without_calculated_values_is_refused(cli, tmp_path):
    write_agencies(tmp_path / "in", agencies_of(2021, seed=60))
    book = tmp_path / "counties" / "county.xlsx"
    assert cli("rollup", tmp_path / "in", "--agency", COUNTY, "--workbook", book).code == 0
    openpyxl.load_workbook(book).save(book)  # openpyxl keeps the formulas but drops their values
    result = cli("rollup", book, "--agency", "某市", "-o", tmp_path / "city.yaml")
    assert result.code == 2 and "没有计算结果" in result.err and str(book) in result.err
