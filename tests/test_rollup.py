"""`docgen rollup`: every figure summed across agencies, refusals naming the file, nested roll-ups.

Inputs are generated here as plain figures and written as YAML text; the expected sums are
computed from those figures by the test itself, never by docgen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docgen.editions import EDITIONS
from docgen.editions.types import Kind
from docgen.report.load import load
from docgen.report.model import Amount
from docgen.rollup.sum import sum_reports
from strategies import reports

COUNTY = "测试县人民政府"
AMOUNT_CHOICES = ("251000元", "25.1万元", "3", "0.75万元", "1200.5元", "12")


@dataclass
class Agency:
    """One agency's figures, as a clerk would type them (amounts as text with their unit)."""

    edition: int
    year: int
    agency: str
    active: dict[str, dict[str, object]] = field(default_factory=dict)
    apps: dict[str, list[int]] = field(default_factory=dict)
    reviews: dict[str, list[int]] = field(default_factory=dict)

    def yaml(self) -> str:
        spec = EDITIONS[self.edition]
        lines = [f"edition: {self.edition}", f"agency: {self.agency}", f"year: {self.year}", "active:"]
        for block, row in spec.active_rows:
            cells = ", ".join(f"{f.id}: {self.active[row.id][f.id]}" for f in block.fields)
            lines.append(f"  {row.id}: {{{cells}}}")
        lines.append("applications:")
        for row in spec.app_rows:
            if len(row.key) == 1:
                lines.append(f"  {row.id}: {self.apps[row.id]}")
        for item in spec.result_items:
            if hasattr(item, "rows"):
                lines.append(f"  {item.id}:")
                lines += [f"    {r.key[-1]}: {self.apps[r.id]}" for r in item.rows]
        lines.append("reviews:")
        lines += [f"  {g.id}: {self.reviews[g.id]}" for g in spec.review_groups]
        return "\n".join(lines) + "\n"


def make_agency(rng: random.Random, edition: int, agency: str, year: int | None = None, consistent: bool = True) -> Agency:
    """Random figures of one agency; R1 holds in every column unless consistent=False."""
    spec = EDITIONS[edition]
    year = year or spec.first_year + 1
    out = Agency(edition, year, agency)
    for block, row in spec.active_rows:
        out.active[row.id] = {f.id: _random_value(rng, f.kind) for f in block.fields}
    for row in spec.result_rows:
        out.apps[row.id] = [rng.randint(0, 40) for _ in range(6)]
    out.apps["carried_out"] = [rng.randint(0, 9) for _ in range(6)]
    needed = [sum(out.apps[r.id][c] for r in spec.result_rows) + out.apps["carried_out"][c] for c in range(6)]
    out.apps["carried_in"] = [rng.randint(0, n) for n in needed]
    out.apps["received"] = [n - c for n, c in zip(needed, out.apps["carried_in"])]
    if not consistent:
        out.apps["received"][0] += 1
    out.reviews = {g.id: [rng.randint(0, 9) for _ in range(4)] for g in spec.review_groups}
    return out


def _random_value(rng: random.Random, kind: Kind) -> object:
    if kind is Kind.COUNT:
        return rng.randint(0, 3000)
    if kind is Kind.CHANGE:
        return rng.randint(-50, 50)
    if kind is Kind.MONEY:
        return f"{rng.randint(0, 99999)}.{rng.randint(0, 999999):06d}"
    return rng.choice(AMOUNT_CHOICES)


def expected_sums(agencies: list[Agency]) -> Agency:
    """The roll-up's figures computed from the typed figures, independently of docgen."""
    first = agencies[0]
    spec = EDITIONS[first.edition]
    out = Agency(first.edition, first.year, COUNTY)
    for block, row in spec.active_rows:
        out.active[row.id] = {}
        for f in block.fields:
            values = [a.active[row.id][f.id] for a in agencies]
            if f.kind in (Kind.COUNT, Kind.CHANGE):
                out.active[row.id][f.id] = sum(values)
            elif f.kind is Kind.MONEY:
                out.active[row.id][f.id] = sum(Decimal(v) for v in values)
            else:
                out.active[row.id][f.id] = _expected_amount([str(v) for v in values])
    for row in spec.app_rows:
        out.apps[row.id] = [sum(a.apps[row.id][c] for a in agencies) for c in range(6)]
    for group in spec.review_groups:
        out.reviews[group.id] = [sum(a.reviews[group.id][c] for a in agencies) for c in range(4)]
    return out


def _expected_amount(texts: list[str]) -> tuple[Decimal, str]:
    """Same unit everywhere: keep it. Otherwise everything in 万元 (a bare number is 万元)."""
    parsed = []
    for text in texts:
        unit = "万元" if text.endswith("万元") else "元" if text.endswith("元") else ""
        parsed.append((Decimal(text[: len(text) - len(unit)]), unit))
    units = {u for _, u in parsed}
    if len(units) == 1:
        return sum(v for v, _ in parsed), units.pop()
    return sum(v / 10000 if u == "元" else v for v, u in parsed), "万元"


def assert_report_equals(report, expected: Agency) -> int:
    """Compare every figure of a loaded report with the expected ones; return how many were compared."""
    spec = EDITIONS[expected.edition]
    compared = 0
    for block, row in spec.active_rows:
        for f in block.fields:
            got = report.active_value(row.id, f.id)
            want = expected.active[row.id][f.id]
            if f.kind is Kind.AMOUNT:
                assert isinstance(got, Amount) and (got.value, got.unit) == want, (row.id, f.id, got, want)
            else:
                assert got == want and type(got) is type(want), (row.id, f.id, got, want)
            compared += 1
    for row in spec.app_rows:
        assert report.row(row.id) == expected.apps[row.id], row.id
        compared += 6
    for group in spec.review_groups:
        assert report.review(group.id) == expected.reviews[group.id], group.id
        compared += 4
    return compared


def write_agencies(folder: Path, agencies: list[Agency]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, agency in enumerate(agencies, start=1):
        path = folder / f"{i:02d}.yaml"
        path.write_text(agency.yaml(), encoding="utf-8")
        paths.append(path)
    return paths


def towns(edition: int, count: int, seed: int, prefix: str = "乳山市", **kwargs) -> list[Agency]:
    rng = random.Random(seed)
    return [make_agency(rng, edition, f"{prefix}第{i}镇人民政府", **kwargs) for i in range(1, count + 1)]


# -- sums ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition", sorted(EDITIONS))
@pytest.mark.parametrize("count", [3, 5])
def test_every_figure_is_the_sum(cli, tmp_path, edition, count):
    agencies = towns(edition, count, seed=edition * 10 + count)
    write_agencies(tmp_path / "in", agencies)
    out = tmp_path / "county.yaml"
    result = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", out)
    assert result.code == 0, result.text
    report = load(out).report
    assert (report.edition, report.year, report.agency) == (edition, agencies[0].year, COUNTY)
    spec = EDITIONS[edition]
    figures = sum(len(b.fields) for b, _ in spec.active_rows) + 6 * len(spec.app_rows) + 4 * len(spec.review_groups)
    assert assert_report_equals(report, expected_sums(agencies)) == figures
    assert cli("check", out).code == 0


def test_negative_change_and_exact_money_2019(cli, tmp_path):
    agencies = towns(2019, 3, seed=7)
    for agency, change, fee in zip(agencies, (-5, 2, -1), ("0.1", "0.2", "4166.241619")):
        agency.active["licensing"]["change"] = change
        agency.active["other_services"]["previous"] = fee.count(".")  # a count stays a count
    agencies[0].active["fees"]["change"] = -30
    write_agencies(tmp_path / "in", agencies)
    out = tmp_path / "county.yaml"
    assert cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", out).code == 0
    report = load(out).report
    assert report.active_value("licensing", "change") == -4
    assert_report_equals(report, expected_sums(agencies))


def test_money_is_exact_2021(cli, tmp_path):
    agencies = towns(2021, 3, seed=3)
    for agency, fee in zip(agencies, ("0.1", "0.2", "24252.311082")):
        agency.active["fees"]["amount"] = fee
    write_agencies(tmp_path / "in", agencies)
    out = tmp_path / "county.yaml"
    assert cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", out).code == 0
    assert load(out).report.active_value("fees", "amount") == Decimal("24252.611082")
    assert "fees: 24252.611082" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "amounts, value, unit",
    [
        (("251000元", "25.1万元", "3"), "53.2", "万元"),
        (("251000元", "1200.5元", "0元"), "252200.5", "元"),
        (("7", "2.5万元", "0.5"), "10", "万元"),
        (("3", "4", "5"), "12", ""),
    ],
)
def test_procurement_amount_units(cli, tmp_path, amounts, value, unit):
    agencies = towns(2019, 3, seed=11)
    for agency, amount in zip(agencies, amounts):
        agency.active["procurement"]["amount"] = amount
    write_agencies(tmp_path / "in", agencies)
    out = tmp_path / "county.yaml"
    assert cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", out).code == 0
    got = load(out).report.active_value("procurement", "amount")
    assert (got.value, got.unit) == (Decimal(value), unit) == _expected_amount(list(amounts))
    text = out.read_text(encoding="utf-8")
    assert ("换算为万元" in text) == ("元" in "".join(amounts).replace("万元", "") and unit == "万元")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(EDITIONS)).flatmap(lambda e: st.lists(reports(e), min_size=2, max_size=4)))
def test_sum_reports_property(generated):
    year = generated[0].year
    generated = [r.model_copy(update={"year": year}) for r in generated]
    summed = sum_reports(generated, COUNTY)
    spec = generated[0].spec
    for row in spec.app_rows:
        assert summed.row(row.id) == [sum(r.row(row.id)[c] for r in generated) for c in range(6)]
    assert summed.results_total() == [sum(r.results_total()[c] for r in generated) for c in range(6)]
    for group in spec.review_groups:
        assert summed.review_with_total(group.id)[4] == sum(r.review_with_total(group.id)[4] for r in generated)
    for block, row in spec.active_rows:
        for f in block.fields:
            values = [r.active_value(row.id, f.id) for r in generated]
            got = summed.active_value(row.id, f.id)
            if f.kind is Kind.AMOUNT:
                want = _expected_amount([v.text for v in values])
                assert (got.value, got.unit) == want
            else:
                assert got == sum(values)


# -- the output file ------------------------------------------------------------------------------
def test_output_is_an_input_file_with_header_and_empty_narrative(cli, tmp_path):
    agencies = towns(2021, 3, seed=5)
    write_agencies(tmp_path / "in", agencies)
    out = tmp_path / "county.yaml"
    result = cli("rollup", tmp_path / "in", "--agency", f"  {COUNTY} ", "-o", out)
    assert result.code == 0, result.text
    text = out.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")][:8]
    for agency in agencies:
        assert any(agency.agency in line for line in header), agency.agency
    assert "3 个机关" in text
    report = load(out).report
    assert report.agency == COUNTY
    assert report.preamble == report.problems == report.other_matters == report.overview.intro == ""
    assert all(section.text == "" for section in report.overview.sections)
    assert "由本级机关撰写" in text
    assert "已汇总 3 个机关" in result.err


def test_without_output_the_yaml_goes_to_stdout(cli, tmp_path):
    agencies = towns(2021, 3, seed=6)
    write_agencies(tmp_path / "in", agencies)
    result = cli("rollup", tmp_path / "in", "--agency", COUNTY)
    assert result.code == 0, result.text
    piped = tmp_path / "piped.yaml"
    piped.write_text(result.out, encoding="utf-8")
    assert_report_equals(load(piped).report, expected_sums(agencies))
    assert "已汇总" not in result.out


def test_nested_rollup_town_county_city(cli, tmp_path):
    east = towns(2021, 3, seed=21, prefix="东县")
    west = towns(2021, 4, seed=22, prefix="西县")
    write_agencies(tmp_path / "east", east)
    write_agencies(tmp_path / "west", west)
    counties = tmp_path / "counties"
    counties.mkdir()
    assert cli("rollup", tmp_path / "east", "--agency", "东县人民政府", "-o", counties / "east.yaml").code == 0
    assert cli("rollup", tmp_path / "west", "--agency", "西县人民政府", "-o", counties / "west.yaml").code == 0
    city = tmp_path / "city.yaml"
    result = cli("rollup", counties, "--agency", "某市人民政府", "-o", city)
    assert result.code == 0, result.text
    expected = expected_sums(east + west)
    expected.agency = "某市人民政府"
    assert_report_equals(load(city).report, expected)
    assert "东县人民政府" in city.read_text(encoding="utf-8")


# -- refusals -----------------------------------------------------------------------------------------
def test_mixed_years_refused_naming_the_odd_file(cli, tmp_path):
    agencies = towns(2021, 4, seed=8)
    agencies[2].year = 2024
    paths = write_agencies(tmp_path / "in", agencies)
    out = tmp_path / "county.yaml"
    result = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", out)
    assert result.code == 2
    odd = [line for line in result.err.splitlines() if line.strip()]
    assert len(odd) == 1 and odd[0].startswith(str(paths[2]))
    assert "2024年度" in odd[0] and f"{agencies[0].year}年度" in odd[0]
    assert not out.exists()
    assert "Traceback" not in result.text


def test_mixed_editions_refused_naming_the_odd_file(cli, tmp_path):
    agencies = towns(2021, 2, seed=9) + towns(2019, 1, seed=9, prefix="旧")
    agencies[2].year = agencies[0].year  # a 2019-format file of the same year
    paths = write_agencies(tmp_path / "in", agencies)
    result = cli("rollup", *paths, "--agency", COUNTY, "-o", tmp_path / "county.yaml")
    assert result.code == 2
    assert str(paths[2]) in result.err and "2019版格式" in result.err and "2021版格式" in result.err
    assert str(paths[0]) not in result.err.split("，而")[0]


def test_two_files_without_majority_are_compared_with_the_first(cli, tmp_path):
    agencies = towns(2021, 2, seed=10)
    agencies[1].year += 1
    paths = write_agencies(tmp_path / "in", agencies)
    result = cli("rollup", *paths, "--agency", COUNTY, "-o", tmp_path / "c.yaml")
    assert result.code == 2
    assert result.err.startswith(str(paths[1])) and f"第一个文件“{paths[0]}”" in result.err


def test_same_file_twice_refused(cli, tmp_path):
    paths = write_agencies(tmp_path / "in", towns(2021, 3, seed=12))
    result = cli("rollup", tmp_path / "in", paths[1], "--agency", COUNTY, "-o", tmp_path / "c.yaml")
    assert result.code == 2
    assert str(paths[1]) in result.err and "同一个文件" in result.err


def test_two_files_of_one_agency_refused_naming_both(cli, tmp_path):
    agencies = towns(2021, 3, seed=13)
    agencies[2].agency = agencies[0].agency
    paths = write_agencies(tmp_path / "in", agencies)
    result = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", tmp_path / "c.yaml")
    assert result.code == 2
    assert str(paths[0]) in result.err and str(paths[2]) in result.err and agencies[0].agency in result.err


def test_previous_rollup_among_inputs_refused(cli, tmp_path):
    write_agencies(tmp_path / "in", towns(2021, 3, seed=14))
    assert cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", tmp_path / "in" / "county.yaml").code == 0
    again = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", tmp_path / "in" / "county.yaml")
    assert again.code == 2 and "会覆盖它" in again.err
    elsewhere = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", tmp_path / "county.yaml")
    assert elsewhere.code == 2 and "汇总机关本身" in elsewhere.err and str(tmp_path / "in" / "county.yaml") in elsewhere.err
    assert not (tmp_path / "county.yaml").exists()


def test_output_over_an_input_refused(cli, tmp_path):
    paths = write_agencies(tmp_path / "in", towns(2021, 3, seed=15))
    before = paths[0].read_text(encoding="utf-8")
    result = cli("rollup", *paths, "--agency", COUNTY, "-o", paths[0])
    assert result.code == 2 and "覆盖" in result.err
    assert paths[0].read_text(encoding="utf-8") == before


def test_unusable_input_refused_with_its_problems(cli, tmp_path):
    paths = write_agencies(tmp_path / "in", towns(2021, 3, seed=16))
    paths[1].write_text("edition: 2021\nagency: x\nyear: 2025\napplications:\n  received: [a, 0, 0, 0, 0, 0]\n", encoding="utf-8")
    result = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", tmp_path / "c.yaml")
    assert result.code == 2 and f"{paths[1]}:5" in result.err
    assert not (tmp_path / "c.yaml").exists()


def test_inconsistent_input_stops_unless_forced(cli, tmp_path):
    rng = random.Random(17)
    agencies = [make_agency(rng, 2021, f"第{i}镇", consistent=i != 2) for i in (1, 2, 3)]
    paths = write_agencies(tmp_path / "in", agencies)
    out = tmp_path / "county.yaml"
    result = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", out)
    assert result.code == 1
    assert f"{paths[1]}:" in result.err and "[R1]" in result.err and "--force" in result.err
    assert str(paths[0]) not in result.err
    assert not out.exists()
    forced = cli("rollup", tmp_path / "in", "--agency", COUNTY, "-o", out, "--force")
    assert forced.code == 1 and out.exists()
    assert_report_equals(load(out).report, expected_sums(agencies))
    assert "--force" in out.read_text(encoding="utf-8")


def test_missing_agency_option_is_a_usage_error(cli, tmp_path):
    write_agencies(tmp_path / "in", towns(2021, 2, seed=18))
    result = cli("rollup", tmp_path / "in")
    assert result.code == 2 and "--agency" in result.err


def test_workbook_inputs_depend_on_the_importer(tmp_path):
    from docgen.rollup.sum import input_suffixes, read_input

    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    part = read_input(tmp_path / "x.xlsx")
    assert part.loaded is None and part.problems and all(p.file == str(tmp_path / "x.xlsx") for p in part.problems)
    assert ".yaml" in input_suffixes()


@pytest.mark.parametrize("option, name", [("-o", "county.xlsx"), ("--workbook", "county.yaml")])
def test_output_suffixes_are_checked(cli, tmp_path, option, name):
    write_agencies(tmp_path / "in", towns(2021, 2, seed=19))
    result = cli("rollup", tmp_path / "in", "--agency", COUNTY, option, tmp_path / name)
    assert result.code == 2 and option in result.err and not (tmp_path / name).exists()
