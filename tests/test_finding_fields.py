"""Narrative findings name the text field they are about (Finding.cells), so the web editor
marks that field as it marks a table cell: narrative against tables, 篇幅, unfinished text,
rollover drafts, section 五 repeated, R5/R6 on their cells."""

from __future__ import annotations

import datetime as dt

from docgen.report.model import Overview, Report, Section
from docgen.rules.audit import findings_of
from docgen.rules.checks import overview_length
from docgen.rules.crossyear import DRAFT_MARKER, cross_year_findings, draft_findings
from docgen.rules.narrative import narrative_findings
from docgen.rules.unfinished import unfinished_findings

TODAY = dt.date(2026, 3, 1)


def _report(**extra) -> Report:
    base = dict(
        edition=2021,
        agency="青山县人民政府",
        year=2025,
        date=dt.date(2026, 1, 20),
        preamble="报告所列数据的统计期限为2025年1月1日至12月31日。",
        overview=Overview(intro="全县工作平稳。", sections=[Section(title="主动公开", text="全年公开信息10条。"), Section(title="依申请公开", text="办理平稳。")]),
        problems="问题一。",
        other_matters="本年度未收取信息处理费。",
        applications={"received": [4, 0, 0, 0, 0, 0], "granted": [4, 0, 0, 0, 0, 0]},
    )
    base.update(extra)
    return Report(**base)


def _cells(findings) -> dict[str, tuple[str, ...]]:
    return {f.what: f.cells for f in findings}


def test_narrative_against_tables_names_its_field():
    report = _report()
    report.overview.sections[1].text = "本年度共收到政府信息公开申请9件。"
    report.problems = "全年办结7件。"
    [section, problems] = narrative_findings(report)
    assert section.cells == ("overview.sections.1.text",) and "9" in section.what
    assert problems.cells == ("problems",)
    report.overview.intro = "本年度新收申请8件。"
    assert narrative_findings(report)[0].cells == ("overview.intro",)


def test_unfinished_text_names_its_field():
    report = _report(title="青山县人民政府2024年政府信息公开工作年度报告", date=None)
    report.overview.sections[0].text = ""
    report.other_matters = " "
    report.preamble = "统计期限为2024年1月1日至12月31日。"
    found = {f.cells for f in unfinished_findings(report, today=TODAY)}
    assert found == {("overview.sections.0.text",), ("other_matters",), ("preamble",), ("title",), ("date",)}
    placeholder = _report(agency="请填写报告机关名称")
    placeholder.overview.intro = "请填写本年度工作概况。"
    assert {f.cells for f in unfinished_findings(placeholder, today=TODAY)} == {("agency",), ("overview.intro",)}


def test_length_draft_and_repeated_name_their_fields():
    report = _report()
    report.overview.sections[0].text = "字" * 1200
    [length] = overview_length(report, {})
    assert "overview.intro" in length.cells and "overview.sections.0.text" in length.cells and "overview.sections.1.title" in length.cells
    report.problems = DRAFT_MARKER + "去年的问题。"
    assert [f.cells for f in draft_findings(report)] == [("problems",)]
    last = _report(year=2024, date=dt.date(2025, 1, 20))
    this = _report(problems=last.problems)
    assert ("problems",) in [f.cells for f in cross_year_findings(this, last)]


def test_r5_and_r6_name_their_cells():
    last = _report(year=2024, date=dt.date(2025, 1, 20), applications={"received": [3, 0, 0, 0, 0, 0], "carried_out": [2, 0, 0, 0, 0, 0]})
    this = _report(applications={"received": [4, 0, 0, 0, 0, 0], "carried_in": [1, 0, 0, 0, 0, 0], "granted": [5, 0, 0, 0, 0, 0]})
    last.active = {"normative_documents": {"issued": 0, "repealed": 0, "in_force": 10}}
    this.active = {"normative_documents": {"issued": 2, "repealed": 0, "in_force": 10}}
    found = {f.rule: f.cells for f in cross_year_findings(this, last)}
    assert found["R5"] == ("applications.carried_in.0",)
    assert found["R6"] == ("active.normative_documents.in_force", "active.normative_documents.issued", "active.normative_documents.repealed")


def test_a_whole_audit_marks_only_paths_the_form_has():
    from docgen.web import formdoc

    report = _report(date=None)
    report.overview.sections[1].text = "本年度共收到政府信息公开申请9件。"
    from docgen.report.load import Loaded

    from docgen.editions.grid import grids

    report.applications["received"] = [5, 0, 0, 0, 0, 0]  # R1: 新收 5, 办理结果 4
    paths = set(formdoc.values(report)) | {c.path for g in grids(report.spec) for c in g.cells if c.path}
    cells = {c for f in findings_of(Loaded(report, "x", {}, [])) for c in f.cells}
    assert {"overview.sections.1.text", "date", "applications.received.0", "applications.total.0"} <= cells
    assert cells <= paths  # every finding names a cell or a field the page has
