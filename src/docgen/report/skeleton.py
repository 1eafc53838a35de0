"""`docgen init`: a commented input file for one edition, all figures zero, derived from the spec."""

from __future__ import annotations

import datetime as dt

from .dump import to_yaml
from ..editions import Edition
from .model import Overview, Report, Section

OVERVIEW_TOPICS = ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障")


def skeleton(edition: Edition, agency: str, year: int, date: dt.date | None = None) -> str:
    """The input file text; it passes `docgen check` as written."""
    report = Report(
        edition=edition.id,
        agency=agency,
        year=year,
        date=date or dt.date(year + 1, 1, 20),
        preamble=f"本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限为{year}年1月1日至12月31日。",
        overview=Overview(
            intro=f"{year}年，本机关政府信息公开工作总体情况。",
            sections=[Section(title=t, text=f"{t}方面的工作情况。") for t in OVERVIEW_TOPICS],
        ),
        problems="存在的主要问题及改进措施（须实事求是、明确具体，不得与往年雷同）。",
        other_matters=edition.other_matters_default,
    )
    return to_yaml(report, [f"{agency}{year}年政府信息公开工作年度报告 — docgen 输入文件", "段落之间空一行。"])
