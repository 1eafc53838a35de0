"""A city-sized report (5- and 6-digit counts) for layout tests: every figure wide, R1–R4 kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from docgen.editions import get as get_edition
from docgen.report.model import Amount, Overview, Report, Section


def city_report(edition_id: int = 2021) -> Report:
    """A 市 roll-up with counts of 5 and 6 digits in tables 三 and 四, a long agency name and narrative."""
    spec = get_edition(edition_id)
    year = 2025 if edition_id >= 2021 else 2020
    applications: dict[str, list[int]] = {}
    results = [row for row in spec.result_rows]
    for i, row in enumerate(results):
        applications[row.id] = [9000 + i, 800 + i, 150 + i, 1200 + i, 30000 + i, 3000 + i]
    total = [sum(applications[r.id][c] for r in results) for c in range(6)]
    carried_out = [1024, 2048, 512, 256, 128, 64]
    carried_in = [1000, 2000, 500, 250, 100, 50]
    received = [t + o - n for t, o, n in zip(total, carried_out, carried_in)]
    applications[spec.intake_rows[0].id] = received
    applications[spec.intake_rows[1].id] = carried_in
    applications[spec.carried_out.id] = carried_out
    reviews = {g.id: [123456, 23456, 3456, 45678] for g in spec.review_groups}
    active: dict[str, dict] = {}
    for block, row in spec.active_rows:
        values = {}
        for f in block.fields:
            if f.kind.value == "amount":
                values[f.id] = Amount(value=Decimal("123456.78"))
            elif f.kind.value == "money":
                values[f.id] = Decimal("987654.321")
            else:
                values[f.id] = 654321
        active[row.id] = values
    text = "全市各级行政机关认真贯彻落实《中华人民共和国政府信息公开条例》，围绕中心工作深化政务公开，推进决策、执行、管理、服务、结果公开。" * 3
    return Report(
        edition=edition_id,
        agency="某某省某某市人民政府办公厅",
        year=year,
        date=dt.date(year + 1, 3, 5),
        preamble=f"本报告所列数据的统计期限为{year}年1月1日至12月31日。" + text,
        overview=Overview(intro=text, sections=[Section(title=t, text=text) for t in ("主动公开", "依申请公开", "政府信息管理")]),
        active=active,
        applications=applications,
        reviews=reviews,
        problems="（一）主动公开方面。" + text + "\n\n（二）依申请公开方面\n\n" + text,
        other_matters="本年度全市共收取信息处理费0元。" + text,
    )
