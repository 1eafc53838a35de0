"""`docgen init`: a commented input file for one edition, all figures zero, derived from the spec."""

from __future__ import annotations

import datetime as dt
import re

from .dump import to_yaml
from ..editions import Edition
from .model import Overview, Report, Section

OVERVIEW_TOPICS = ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障")
AGENCY_PLACEHOLDER = "请填写报告机关名称"  # `init` without --agency
# Narrative stand-ins written by `init`; `check` and `render` warn while they are still there.
INTRO_PLACEHOLDER = "{year}年，本机关政府信息公开工作总体情况。"
SECTION_PLACEHOLDER = "{topic}方面的工作情况。"
PROBLEMS_PLACEHOLDER = "存在的主要问题及改进措施（须实事求是、明确具体，不得与往年雷同）。"


# The statistics period as reports write it: 2025年1月1日至12月31日 (or …至2025年12月31日).
PERIOD = re.compile(r"(\d{4})\s*年\s*1\s*月\s*1\s*日\s*(?:起\s*)?[至到—\-－~～]\s*(?:(\d{4})\s*年\s*)?12\s*月\s*31\s*日")


def standard_preamble(year: int) -> str:
    """The preamble `init` writes: legal basis and the statistics period of the report year."""
    return f"本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限为{year}年1月1日至12月31日。"


def skeleton(edition: Edition, agency: str, year: int, date: dt.date | None = None) -> str:
    """The input file text; it passes `docgen check` as written."""
    report = Report(
        edition=edition.id,
        agency=agency,
        year=year,
        date=date or dt.date(year + 1, 1, 20),
        preamble=standard_preamble(year),
        overview=Overview(
            intro=INTRO_PLACEHOLDER.format(year=year),
            sections=[Section(title=t, text=SECTION_PLACEHOLDER.format(topic=t)) for t in OVERVIEW_TOPICS],
        ),
        problems=PROBLEMS_PLACEHOLDER,
        other_matters=edition.other_matters_default,
    )
    return to_yaml(report, [f"{agency}{year}年政府信息公开工作年度报告 — docgen 输入文件", "段落之间空一行。"])
