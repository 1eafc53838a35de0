"""`docgen init`: a commented input file for one edition, all figures zero, derived from the spec."""

from __future__ import annotations

import datetime as dt

from .editions import Edition
from .editions.common import HEADER_KEYS, SECTION_LABELS
from .editions.types import RESULTS_LABEL, TOTAL_ROW_LABEL, AppGroup, Kind

OVERVIEW_TOPICS = ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障")
_ZERO = {Kind.COUNT: "0", Kind.CHANGE: "0", Kind.MONEY: "0", Kind.AMOUNT: "0"}


def skeleton(edition: Edition, agency: str, year: int, date: dt.date | None = None) -> str:
    """The input file text; it passes `docgen check` as written."""
    applicants = "、".join(a.label for a in edition.applicants)
    results = "、".join(f.label for f in edition.review_results)
    out = [
        f"# {agency}{year}年政府信息公开工作年度报告 — docgen 输入文件",
        f"# 格式：{edition.title}（{edition.document}）",
        "# 键名可用英文，也可用表格中的中文标签；未填写的行按 0 计；总计由程序计算，不要填写。",
        "# 段落之间空一行。",
        "",
        f"edition: {edition.id}  # {HEADER_KEYS['edition'][0]}：{edition.document}",
        f"agency: {_quote(agency)}  # {HEADER_KEYS['agency'][0]}",
        f"year: {year}  # {HEADER_KEYS['year'][0]}",
        f"date: {(date or dt.date(year + 1, 1, 20)).isoformat()}  # {HEADER_KEYS['date'][0]}（落款日期）",
        "",
        "preamble: |  # 前言（可选）：编制依据、统计期限、发布网址、联系方式",
        f"  本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限为{year}年1月1日至12月31日。",
        "",
        f"overview:  # {SECTION_LABELS['overview']}",
        "  intro: |",
        f"    {year}年，本机关政府信息公开工作总体情况。",
        "  sections:",
    ]
    for topic in OVERVIEW_TOPICS:
        out += [f"    - title: {topic}", "      text: |", f"        {topic}方面的工作情况。"]
    out += ["", f"active:  # {SECTION_LABELS['active']}"]
    for block in edition.active_blocks:
        out.append(f"  # {block.label}：" + "、".join(f"{f.id}（{f.label}）" for f in block.fields))
        for row in block.rows:
            if row.scalar:
                out.append(f"  {row.id}: {_ZERO[block.fields[0].kind]}  # {row.label}")
            else:
                cells = ", ".join(f"{f.id}: {_ZERO[f.kind]}" for f in block.fields)
                out.append(f"  {row.id}: {{{cells}}}  # {row.label}")
    out += ["", f"applications:  # {SECTION_LABELS['applications']}", f"  # 每行6个数：{applicants}"]
    zeros = "[0, 0, 0, 0, 0, 0]"
    for row in edition.intake_rows:
        out.append(f"  {row.id}: {zeros}  # {row.label}")
    out.append(f"  # {RESULTS_LABEL}")
    for item in edition.result_items:
        if isinstance(item, AppGroup):
            out.append(f"  {item.id}:  # {item.label}")
            out += [f"    {row.key[-1]}: {zeros}  # {row.label}" for row in item.rows]
        else:
            out.append(f"  {item.id}: {zeros}  # {item.label}")
    out.append(f"  # {TOTAL_ROW_LABEL}：由程序计算")
    out.append(f"  {edition.carried_out.id}: {zeros}  # {edition.carried_out.label}")
    out += ["", f"reviews:  # {SECTION_LABELS['reviews']}", f"  # 每组4个数：{results}；总计由程序计算"]
    for group in edition.review_groups:
        out.append(f"  {group.id}: [0, 0, 0, 0]  # {group.full_label}")
    out += [
        "",
        f"problems: |  # {SECTION_LABELS['problems']}（须实事求是、明确具体，不得与往年雷同）",
        "  存在的主要问题及改进措施。",
        "",
        f"other_matters: |  # {SECTION_LABELS['other_matters']}" + ("（收取信息处理费的情况在此报告）" if edition.id >= 2021 else ""),
        "  本年度无其他需要报告的事项。" if edition.id < 2021 else "  本年度未收取信息处理费。",
        "",
    ]
    return "\n".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
