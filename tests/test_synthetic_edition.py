"""A new national edition is one data module plus its regenerated template.

The test follows README.md "如何增加新的格式版本": it builds an edition from the spec types alone —
table 三 gains a row (（五）不予处理 · 6.), table 二 renames a column (本年制发件数 → 本年印发件数) —
registers it, builds its Word template with the template builder, and runs init, check, render
(.docx and .xlsx), import of both outputs and rollover on it, with no change to any other code.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import openpyxl
import pytest
from docx import Document

from docgen import editions
from docgen.editions.common import (
    APPLICANTS,
    CARRIED_OUT,
    GRANTED,
    INTAKE_ROWS,
    NOT_PROCESSED,
    OTHER_LABEL,
    PARTLY_GRANTED,
    REFUSED,
    REVIEW_GROUPS,
    REVIEW_RESULTS,
    UNABLE,
    table_rules,
)
from docgen.editions.types import TABLE_2, ActiveBlock, ActiveRow, AppRow, Carried, Edition, Field, Kind, Rule
from docgen.report.dump import to_yaml
from docgen.report.load import load
from docgen.word import render as word_render
from docgen.word.templatebuild import build_bytes

NEW_ID, FIRST_YEAR = 2031, 2031
NEW_ROW = AppRow(("not_processed", "consultation"), "6.要求提供咨询服务")
RENAMED = "本年印发件数"

_NOT_PROCESSED = dataclasses.replace(NOT_PROCESSED, rows=NOT_PROCESSED.rows + (NEW_ROW,))
_RESULTS = (GRANTED, PARTLY_GRANTED, REFUSED, UNABLE, _NOT_PROCESSED, AppRow(("other",), OTHER_LABEL))
_DOCS = (Field("issued", RENAMED), Field("repealed", "本年废止件数"), Field("in_force", "现行有效件数"))

SYNTHETIC = Edition(
    id=NEW_ID,
    document="国办公开办函〔2030〕1号",
    title="中华人民共和国政府信息公开工作年度报告格式（测试）",
    years="2031年度起",
    first_year=FIRST_YEAR,
    last_year=None,
    active_blocks=(
        ActiveBlock("第二十条第（一）项", _DOCS, (ActiveRow("regulations", "规章"), ActiveRow("normative_documents", "行政规范性文件"))),
        ActiveBlock("第二十条第（五）项", (Field("decisions", "本年处理决定数量"),), (ActiveRow("licensing", "行政许可", scalar=True),)),
        ActiveBlock(
            "第二十条第（八）项",
            (Field("amount", "本年收费金额（单位：万元）", Kind.MONEY),),
            (ActiveRow("fees", "行政事业性收费", scalar=True),),
        ),
    ),
    applicants=APPLICANTS,
    intake_rows=INTAKE_ROWS,
    result_items=_RESULTS,
    carried_out=CARRIED_OUT,
    review_groups=REVIEW_GROUPS,
    review_results=REVIEW_RESULTS,
    rules=table_rules(_RESULTS) + (Rule("R6", "warning", TABLE_2, "跨年度：现行有效件数 = 上年度现行有效件数 + 本年印发件数 − 本年废止件数"),),
    carried=(Carried("in_force", ("in_force",), added="issued", removed="repealed", rule="R6"),),
    overview_limit=1000,
)

FIGURES = dict(
    active={"regulations": {"issued": 4, "repealed": 1, "in_force": 20}, "licensing": {"decisions": 7}, "fees": {"amount": Decimal("1.25")}},
    applications={
        "received": [5, 1, 0, 0, 0, 0],
        "granted": [2, 1, 0, 0, 0, 0],
        NEW_ROW.id: [2, 0, 0, 0, 0, 0],
        "carried_out": [1, 0, 0, 0, 0, 0],
    },
    reviews={"review": [1, 0, 0, 1]},
)


@pytest.fixture
def registered(monkeypatch, tmp_path):
    """The synthetic edition registered as the current one (2021 closes at 2030), with its
    template built by the template builder, where the official templates are looked up."""
    closed = dataclasses.replace(editions.EDITION_2021, last_year=FIRST_YEAR - 1)
    monkeypatch.setitem(editions.EDITIONS, 2021, closed)
    monkeypatch.setitem(editions.EDITIONS, NEW_ID, SYNTHETIC)
    monkeypatch.setattr(editions, "CURRENT", SYNTHETIC)
    built = {NEW_ID: build_bytes(SYNTHETIC)}
    official = word_render.official_template
    monkeypatch.setattr(word_render, "official_template", lambda edition_id: built.get(edition_id) or official(edition_id))
    monkeypatch.setattr(word_render, "_RENDERERS", {})
    return tmp_path


def test_init_check_render_import_rollover(registered, cli):
    folder = registered
    blank = folder / "in" / "县政府-2031.yaml"
    result = cli("init", "-o", blank, "--year", FIRST_YEAR, "--agency", "测试县人民政府")
    assert result.code == 0, result.text
    text = blank.read_text(encoding="utf-8")
    assert f"edition: {NEW_ID}" in text and RENAMED in text and "consultation" in text
    assert cli("check", blank).code == 0

    filled = folder / "in" / "filled-2031.yaml"
    blank_report = load(blank).report
    filled.write_text(to_yaml(blank_report.model_copy(update=FIGURES)), encoding="utf-8")
    report = load(filled).report
    assert report.edition == NEW_ID and report.row(NEW_ROW.id) == [2, 0, 0, 0, 0, 0]
    result = cli("check", filled)
    assert result.code == 0, result.text

    result = cli("render", filled, "-o", folder / "out")
    assert result.code == 0, result.text
    docx, xlsx = folder / "out" / "filled-2031.docx", folder / "out" / "filled-2031.xlsx"
    table2, table3 = Document(docx).tables[:2]
    assert RENAMED in [c.text for c in table2.rows[1].cells]
    row = next(r for r in table3.rows if r.cells[2].text == NEW_ROW.label)
    assert [c.text for c in row.cells[3:]] == ["2", "0", "0", "0", "0", "0", "2"]
    sheet = openpyxl.load_workbook(xlsx, data_only=True)["表三"]
    assert [r for r in sheet.iter_rows(values_only=True) if NEW_ROW.label in r][0][3:10] == (2, 0, 0, 0, 0, 0, 2)

    for source in (docx, xlsx):
        target = folder / f"imported-{source.suffix[1:]}.yaml"
        result = cli("import", source, "-o", target)
        assert result.code == 0, result.text
        back = load(target).report
        assert back.edition == NEW_ID
        assert same_figures(back, report), source.name
        assert back.row(NEW_ROW.id) == [2, 0, 0, 0, 0, 0]

    result = cli("rollover", filled, "-o", folder / "next.yaml")
    assert result.code == 0, result.text
    after = load(folder / "next.yaml").report
    assert (after.edition, after.year) == (NEW_ID, FIRST_YEAR + 1)
    assert after.row("carried_in") == report.row("carried_out")
    assert after.active_value("regulations", "in_force") == 20


def same_figures(a, b) -> bool:
    """Every figure of tables 二, 三 and 四 equal."""
    spec = a.spec
    active = all(a.active_value(r.id, f.id) == b.active_value(r.id, f.id) for block, r in spec.active_rows for f in block.fields)
    apps = all(a.row(r.id) == b.row(r.id) for r in spec.app_rows)
    return active and apps and all(a.review(g.id) == b.review(g.id) for g in spec.review_groups)
