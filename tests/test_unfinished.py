"""Unfinished text warnings (check and render) and rollover moving the standard preamble."""

from __future__ import annotations

import datetime as dt

from conftest import EXAMPLE_2021, minimal
from docgen.report.load import load
from docgen.report.model import Overview, Report, Section
from docgen.report.rollover import moved_preamble, rollover
from docgen.rules.unfinished import unfinished_findings

TODAY = dt.date(2026, 3, 1)


def _report(**extra) -> Report:
    base = dict(
        edition=2021,
        agency="青山县人民政府",
        year=2025,
        date=dt.date(2026, 1, 20),
        preamble="报告所列数据的统计期限为2025年1月1日至12月31日。",
        overview=Overview(intro="2025年，全县工作平稳。", sections=[Section(title="主动公开", text="全年公开信息10条。")]),
        problems="问题一。",
        other_matters="本年度未收取信息处理费。",
    )
    base.update(extra)
    return Report(**base)


def _what(report: Report) -> list[str]:
    return [f"{f.where}：{f.what}" for f in unfinished_findings(report, today=TODAY)]


def test_finished_report_has_no_warning():
    assert _what(_report()) == []
    assert unfinished_findings(load(EXAMPLE_2021).report, today=TODAY) == []


def test_init_placeholders(cli, tmp_path):
    target = tmp_path / "new.yaml"
    assert cli("init", "-o", target, "--year", "2025").code == 0
    result = cli("check", target)
    assert result.code == 0  # warnings only
    assert "报告机关：[未完成] 仍是 docgen init 写入的占位文字“请填写报告机关名称”" in result.text
    for where in ("一、总体情况：", "（一）主动公开：", "（五）监督保障：", "五、存在的主要问题及改进情况："):
        assert any(where in line and "docgen init 写入的示例文字" in line for line in result.text.splitlines()), where
    assert "8 条警告" in result.text


def test_empty_sections():
    report = _report(overview=Overview(sections=[Section(title="主动公开")]), problems="", other_matters=" ")
    text = "\n".join(_what(report))
    assert "一、总体情况 · （一）主动公开：小节只有标题，没有内容" in text
    assert "五、存在的主要问题及改进情况：没有内容" in text and "六、其他需要报告的事项：没有内容" in text
    assert "一、总体情况：没有内容" in "\n".join(_what(_report(overview=Overview())))


def test_wrong_years():
    report = _report(
        year=2026,
        date=dt.date(2027, 1, 15),
        title="某县2025年政府信息公开工作年度报告",
        preamble="报告所列数据的统计期限为2025年1月1日至2025年12月31日。",
        overview=Overview(intro="2025年，全县工作平稳。对2020年以前的文件开展清理。"),
    )
    text = "\n".join(_what(report))
    assert "前言：统计期限写的是“2025年1月1日至2025年12月31日”，本报告为2026年度" in text
    assert "一、总体情况：段落以“2025年，”开头，本报告为2026年度" in text
    assert "报告标题：标题“某县2025年政府信息公开工作年度报告”中的年份（2025年）不是报告年度2026年" in text
    assert "2020" not in text  # other years in the text are not questioned


def test_future_year_and_date():
    text = "\n".join(_what(_report(year=2027, date=dt.date(2028, 1, 10), preamble="", overview=Overview(intro="全年工作平稳。"))))
    assert "报告年度：报告年度为2027年，晚于今年（2026年）" in text
    text = "\n".join(_what(_report(date=None)))
    assert "落款 · 成文日期：没有填写成文日期（date）" in text and "2026-01-20" in text
    assert "在报告年度（2025年）结束之前" in "\n".join(_what(_report(date=dt.date(2025, 12, 1))))


def test_year_before_2008_is_refused(cli, write):
    path = write("old.yaml", minimal(year=2007))
    result = cli("check", path)
    assert result.code == 2 and "报告年度" in result.text


def test_render_warns_too(cli, write, tmp_path):
    path = write("r.yaml", minimal())
    result = cli("render", path, "-o", tmp_path / "out", "--formats", "docx")
    assert result.code == 0
    assert "落款 · 成文日期：[未完成] 没有填写成文日期" in result.text
    assert (tmp_path / "out" / "r.docx").exists()


def test_rollover_moves_the_preamble_and_keeps_the_signoff():
    last = load(EXAMPLE_2021).report
    report, _ = rollover(last)
    assert "统计期限为2026年1月1日至12月31日" in report.preamble
    assert "2025" not in report.preamble
    assert report.agency == last.agency and report.date == dt.date(2027, 1, 20)
    assert not [f for f in unfinished_findings(report, today=TODAY) if "统计期限" in f.what]


def test_moved_preamble_keeps_other_years():
    text = "依据2019年修订的《条例》编制。统计期限为2024年1月1日至2024年12月31日，2024年度报告在网站发布。"
    assert moved_preamble(text, 2024, 2025) == "依据2019年修订的《条例》编制。统计期限为2025年1月1日至12月31日，2025年度报告在网站发布。"
