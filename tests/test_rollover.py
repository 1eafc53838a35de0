"""docgen rollover: year + 1, what is carried over, drafts, section 五, crossing editions."""

from __future__ import annotations

import pytest

from conftest import EXAMPLE_2021, SEED_2019, minimal
from docgen.rules.crossyear import DRAFT_MARKER, PROMPT_MARKER
from docgen.report.load import load, load_text
from docgen.report.rollover import rollover, rollover_text
from test_import_fixtures import figures_report


def test_2021_edition_carries_forward():
    last = figures_report(2021, year=2023)
    nxt, notes = rollover(last)
    assert (nxt.edition, nxt.year, nxt.agency) == (2021, 2024, last.agency)
    assert nxt.row("carried_in") == last.row("carried_out") == [2, 0, 1, 0, 0, 0]
    for row in ("regulations", "normative_documents"):
        assert nxt.active_value(row, "in_force") == last.active_value(row, "in_force")
        assert nxt.active_value(row, "issued") == nxt.active_value(row, "repealed") == 0
    assert nxt.active_value("licensing", "decisions") == 0 and str(nxt.active_value("fees", "amount")) == "0"
    others = [r.id for r in nxt.spec.app_rows if r.id != "carried_in"]
    assert all(nxt.row(r) == [0] * 6 for r in others)
    assert all(nxt.review(g.id) == [0] * 4 for g in nxt.spec.review_groups)
    assert any("共 3 件" in n and "R1" in n for n in notes)


def test_2019_edition_items_are_previous_plus_change():
    last = figures_report(2019, year=2019)
    nxt, _ = rollover(last)
    assert (nxt.edition, nxt.year) == (2019, 2020)
    for row in ("licensing", "other_services", "penalty", "coercion", "fees"):
        expected = last.active_value(row, "previous") + last.active_value(row, "change")
        assert nxt.active_value(row, "previous") == expected
        assert nxt.active_value(row, "change") == 0
    assert nxt.active_value("licensing", "previous") == 47
    assert nxt.active_value("licensing", "decisions") == 0
    assert nxt.active_value("regulations", "total") == 0 and nxt.active_value("procurement", "projects") == 0


def test_negative_item_count_becomes_zero_with_a_note():
    last = figures_report(2019, year=2019)
    last.active["coercion"] = {"previous": 2, "change": -5, "decisions": 0}
    nxt, notes = rollover(last)
    assert nxt.active_value("coercion", "previous") == 0
    assert any("行政强制" in n and "-3" in n for n in notes)
    load_text(rollover_text(last, "x.yaml")[0], "next.yaml")


def test_2020_to_2021_crosses_editions():
    last = figures_report(2019, year=2020)
    nxt, notes = rollover(last)
    assert (nxt.edition, nxt.year) == (2021, 2021)
    assert nxt.row("carried_in") == last.row("carried_out")
    assert nxt.active_value("normative_documents", "in_force") == 0
    assert any("2021版" in n for n in notes) and any("现行有效件数" in n and "行政规范性文件" in n for n in notes)


def test_narrative_kept_as_drafts_and_section_five_not_copied():
    last = load(EXAMPLE_2021).report
    nxt, _ = rollover(last)
    for text in [nxt.preamble, nxt.overview.intro, nxt.other_matters] + [s.text for s in nxt.overview.sections]:
        assert text.startswith(DRAFT_MARKER)
    assert nxt.overview.sections[1].text.endswith(last.overview.sections[1].text)
    assert [s.title for s in nxt.overview.sections] == [s.title for s in last.overview.sections]
    assert nxt.problems.startswith(PROMPT_MARKER) and last.problems[:20] not in nxt.problems
    assert str(nxt.year) in nxt.problems


def test_title_year_follows():
    last = figures_report(2021, year=2022)
    last.title = "平安县2022年度政府信息公开工作年度报告"
    assert rollover(last)[0].title == "平安县2023年度政府信息公开工作年度报告"
    last.title = "平安县政府信息公开工作年度报告"
    assert rollover(last)[0].title == ""


@pytest.mark.parametrize("source", [SEED_2019, EXAMPLE_2021], ids=["2019", "2021"])
def test_cli_rollover_output_loads(cli, tmp_path, source):
    last = tmp_path / source.name
    last.write_bytes(source.read_bytes())
    year = load(last).report.year
    result = cli("rollover", last)
    target = tmp_path / f"{source.stem.replace(str(year), str(year + 1))}.yaml"
    if str(year) not in source.stem:
        target = tmp_path / f"{source.stem}-{year + 1}.yaml"
    assert result.code == 0, result.text
    assert target.exists() and f"已生成 {target}" in result.out
    nxt = load(target).report
    assert nxt.year == year + 1
    check = cli("check", target, "--previous", last)
    assert "[R5]" not in check.text and "[草稿]" in check.text
    assert "五、存在的主要问题及改进情况：[草稿] 尚未填写" in check.text


def test_cli_rollover_refuses_to_overwrite_and_bad_input(cli, tmp_path, write):
    last = write("a-2024.yaml", minimal(2021, year=2024))
    existing = tmp_path / "a-2025.yaml"
    existing.write_text("keep", encoding="utf-8")
    result = cli("rollover", last)
    assert result.code == 2 and "已存在" in result.err and existing.read_text(encoding="utf-8") == "keep"
    assert cli("rollover", last, "--force").code == 0 and load(existing).report.year == 2025
    bad = write("bad.yaml", "edition: 2021\nagency: x\nyear: 2024\napplications:\n  received: [a]\n")
    result = cli("rollover", bad, "-o", tmp_path / "n.yaml")
    assert result.code == 2 and "bad.yaml:5" in result.text and not (tmp_path / "n.yaml").exists()


def test_cli_rollover_warns_when_last_year_is_inconsistent(cli, write, tmp_path):
    last = write("a.yaml", minimal(2021, year=2024, a="applications:\n  received: [3, 0, 0, 0, 0, 0]"))
    result = cli("rollover", last, "-o", tmp_path / "b.yaml")
    assert result.code == 0 and "上年度报告的数字不一致" in result.text
