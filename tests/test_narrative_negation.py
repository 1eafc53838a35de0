"""Negations in the narrative: "不予以公开3件" states （三）不予公开, never （一）予以公开 — no warning
when 不予公开 is 3, whichever negation comes before 予以公开 and whatever number follows it."""

from __future__ import annotations

import pytest

from conftest import minimal
from docgen.report.load import load_text
from docgen.rules.narrative import narrative_findings

TABLES = minimal(
    2021,
    a="""
    applications:
      received: [33, 0, 0, 0, 0, 0]
      granted: [30, 0, 0, 0, 0, 0]
      refused:
        state_secret: [1, 0, 0, 0, 0, 0]
        third_party: [2, 0, 0, 0, 0, 0]
    """,
)


def findings_for(text: str):
    report = load_text(TABLES + f"problems: {text}\n", "t.yaml").report
    assert sum(report.row_with_total(r.id)[-1] for r in report.spec.result_rows if r.id.startswith("refused.")) == 3
    return narrative_findings(report)


@pytest.mark.parametrize(
    "text",
    [
        "本年度予以公开30件，不予以公开3件。",
        "不予以公开3件。",
        "依法不予以公开 3 件。",
        "不能予以公开3件。",
        "未予以公开的3件。",
        "无法予以公开3件，均已告知理由。",
        "没有予以公开的3件。",
    ],
)
def test_negated_granted_is_not_read_as_granted(text):
    assert findings_for(text) == []


def test_a_plain_granted_figure_is_still_checked():
    findings = findings_for("予以公开3件。")
    assert [f.what for f in findings] == ["正文“予以公开3件”写的是 3，但表三“（一）予以公开”总计列为 30"]
