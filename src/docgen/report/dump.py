"""Report → input file text (INPUT-FORMAT.md), commented with the official labels.

Used by `init` (an empty report), `import`, `rollover` and `rollup`; `load` reads the result
back to the same report.
"""

from __future__ import annotations

import json

from ..editions.common import HEADER_KEYS, SECTION_LABELS
from ..editions.types import RESULTS_LABEL, TOTAL_ROW_LABEL, AppGroup
from .model import Report, format_value


def to_yaml(report: Report, header: list[str] | None = None) -> str:
    """The input file for `report`; `header` lines become comments at the top."""
    spec = report.spec
    out = [f"# {line}" for line in (header or [])]
    out += [f"# 格式：{spec.title}（{spec.document}）", "# 键名可用英文，也可用表格中的中文标签；未填写的行按 0 计；总计由程序计算，不要填写。", ""]
    out += [
        f"edition: {spec.id}  # {HEADER_KEYS['edition'][0]}：{spec.document}",
        f"agency: {_quote(report.agency)}  # {HEADER_KEYS['agency'][0]}",
        f"year: {report.year}  # {HEADER_KEYS['year'][0]}",
    ]
    if report.date:
        out.append(f"date: {report.date.isoformat()}  # {HEADER_KEYS['date'][0]}")
    if report.title:
        out.append(f"title: {_quote(report.title)}  # 标题")
    out += ["", *_block("preamble", report.preamble, 0, "前言：编制依据、统计期限、发布网址、联系方式")]
    out += ["", f"overview:  # {SECTION_LABELS['overview']}", *_block("intro", report.overview.intro, 2)]
    if report.overview.sections:
        out.append("  sections:")
        for section in report.overview.sections:
            out.append(f"    - title: {_quote(section.title)}")
            out += _block("text", section.text, 6)
    out += ["", *_active(report), "", *_applications(report), "", *_reviews(report), ""]
    out += _block("problems", report.problems, 0, SECTION_LABELS["problems"]) + [""]
    out += _block("other_matters", report.other_matters, 0, SECTION_LABELS["other_matters"]) + [""]
    return "\n".join(out)


def _active(report: Report) -> list[str]:
    out = [f"active:  # {SECTION_LABELS['active']}"]
    for block in report.spec.active_blocks:
        out.append(f"  # {block.label}：" + "、".join(f"{f.id}（{f.label}）" for f in block.fields))
        for row in block.rows:
            values = [_scalar(report.active_value(row.id, f.id)) for f in block.fields]
            if row.scalar:
                out.append(f"  {row.id}: {values[0]}  # {row.label}")
            else:
                cells = ", ".join(f"{f.id}: {v}" for f, v in zip(block.fields, values))
                out.append(f"  {row.id}: {{{cells}}}  # {row.label}")
    return out


def _applications(report: Report) -> list[str]:
    spec = report.spec
    out = [f"applications:  # {SECTION_LABELS['applications']}", "  # 每行6个数：" + "、".join(a.label for a in spec.applicants)]
    counts = lambda row: "[" + ", ".join(str(v) for v in report.row(row.id)) + "]"  # noqa: E731
    out += [f"  {row.id}: {counts(row)}  # {row.label}" for row in spec.intake_rows]
    out.append(f"  # {RESULTS_LABEL}")
    for item in spec.result_items:
        if isinstance(item, AppGroup):
            out.append(f"  {item.id}:  # {item.label}")
            out += [f"    {row.key[-1]}: {counts(row)}  # {row.label}" for row in item.rows]
        else:
            out.append(f"  {item.id}: {counts(item)}  # {item.label}")
    out.append(f"  # {TOTAL_ROW_LABEL}：由程序计算")
    out.append(f"  {spec.carried_out.id}: {counts(spec.carried_out)}  # {spec.carried_out.label}")
    return out


def _reviews(report: Report) -> list[str]:
    spec = report.spec
    out = [f"reviews:  # {SECTION_LABELS['reviews']}", "  # 每组4个数：" + "、".join(f.label for f in spec.review_results) + "；总计由程序计算"]
    for group in spec.review_groups:
        values = ", ".join(str(v) for v in report.review(group.id))
        out.append(f"  {group.id}: [{values}]  # {group.full_label}")
    return out


def _block(key: str, text: str, indent: int, comment: str = "") -> list[str]:
    pad = " " * indent
    note = f"  # {comment}" if comment else ""
    if not text.strip():
        return [f'{pad}{key}: ""{note}']
    lines = [line.strip() for line in text.strip("\n").split("\n")]
    return [f"{pad}{key}: |{note}"] + [f"{pad}  {line}" if line else "" for line in lines]


def _scalar(value) -> str:
    text = format_value(value)
    return text if text.replace(".", "", 1).lstrip("-").isdigit() else _quote(text)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
