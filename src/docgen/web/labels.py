"""A form field's official label, for revision summaries: 表三 · 一、本年新收… · 自然人."""

from __future__ import annotations

from ..editions import Edition
from ..editions.common import HEADER_KEYS, SECTION_LABELS
from ..editions.types import TABLE_2, TABLE_3, TABLE_4

_TEXTS = {
    "agency": HEADER_KEYS["agency"][0],
    "date": HEADER_KEYS["date"][0],
    "title": "标题",
    "preamble": "前言",
    "overview.intro": SECTION_LABELS["overview"],
    "problems": SECTION_LABELS["problems"],
    "other_matters": SECTION_LABELS["other_matters"],
}


def label_of(spec: Edition, path: str) -> str:
    if path in _TEXTS:
        return _TEXTS[path]
    parts = path.split(".")
    if parts[0] == "overview":
        return f"{SECTION_LABELS['overview']} · 第{int(parts[2]) + 1}节"
    if parts[0] == "active":
        for block, row in spec.active_rows:
            if row.id == parts[1]:
                field = next((f for f in block.fields if len(parts) > 2 and f.id == parts[2]), block.fields[0])
                return f"{TABLE_2} · {row.label} · {field.label}"
    if parts[0] == "applications":
        row = spec.app_row(".".join(parts[1:-1]))
        return f"{TABLE_3} · {spec.app_row_path(row)} · {spec.applicants[int(parts[-1])].label}"
    if parts[0] == "reviews":
        group = next(g for g in spec.review_groups if g.id == parts[1])
        return f"{TABLE_4} · {group.full_label} · {spec.review_results[int(parts[2])].label}"
    return path
