"""The editor's quick road (formdoc.quick_parse: a plain count or new narrative text, read without
the loader) gives exactly what the loader's road (formdoc.parse) gives: the same report, the same
stored text, no message — and steps aside for everything else."""

from __future__ import annotations

import random

import pytest
from conftest import EXAMPLE_2021, SEED_2019

from docgen.report.load import load_text
from docgen.report.skeleton import skeleton
from docgen.web import formdoc
from docgen.web.service import content_of
from docgen import editions

COUNTS = ["0", "7", "42", "999999999", "007", "１２", "5件", "-1", "1.5", " 3 ", "", "三", "+4", "1000000000"]
TEXTS = [
    "本年度共收到政府信息公开申请9件。",
    "第一段。\n\n第二段。",
    "Windows 换行。\r\n\r\n第二段。\r",
    "\n\n前后空行\n\n",
    "  前后空格  ",
    "",
    "含控制字符\x01的文字",
    "引号\"与反斜杠\\和制表符\t",
    "表情😀与生僻字𠀀",
    "字" * 3000,
]


def _starts():
    yield load_text(EXAMPLE_2021.read_text(encoding="utf-8"), "x")
    yield load_text(SEED_2019.read_text(encoding="utf-8"), "x")
    yield load_text(skeleton(editions.for_year(2025), "测试镇人民政府", 2025), "x")


@pytest.mark.parametrize("start", range(3))
def test_quick_road_equals_the_loaders(start):
    stored = list(_starts())[start]
    stored = load_text(content_of(stored.report), "x")  # as the server keeps it
    kept = formdoc.values(stored.report)
    counts = [k for k in kept if k.startswith(("applications.", "reviews."))]
    texts = [k for k in kept if k in ("preamble", "overview.intro", "problems", "other_matters") or (k.startswith("overview.sections.") and k.endswith(".text"))]
    rnd = random.Random(start)
    quick_taken = 0
    for _ in range(150):
        form = dict(kept)
        for _ in range(rnd.choice((1, 1, 1, 2, 3))):
            if rnd.random() < 0.6:
                form[rnd.choice(counts)] = rnd.choice(COUNTS)
            else:
                form[rnd.choice(texts)] = rnd.choice(TEXTS)
        if rnd.random() < 0.1:
            form["agency"] = "另一个机关"
        if rnd.random() < 0.2:
            form[formdoc.SECTIONS_FIELD] = str(len(stored.report.overview.sections) + rnd.choice((0, 0, -1)))
        quick = formdoc.quick_parse(form, stored, kept)
        slow = formdoc.parse(form, stored.report, "x", kept)
        if quick is None:
            continue
        quick_taken += 1
        assert not slow.refused and not slow.loaded.warnings, form
        assert quick.loaded.report.model_dump() == slow.loaded.report.model_dump()
        assert content_of(quick.loaded.report) == content_of(slow.loaded.report)
        assert formdoc.values(quick.loaded.report) == formdoc.values(slow.loaded.report)
    assert quick_taken > 30  # the quick road is really taken


def test_quick_road_steps_aside():
    stored = load_text(content_of(load_text(EXAMPLE_2021.read_text(encoding="utf-8"), "x").report), "x")
    kept = formdoc.values(stored.report)
    path = next(k for k in kept if k.startswith("applications."))
    assert formdoc.quick_parse({**kept, path: "12"}, stored, kept) is not None
    for key, value in [(path, "12件"), (path, "012"), (path, "-1"), ("agency", "别的机关"), ("overview.sections.99.text", "新"), ("problems", "控制\x02字符")]:
        assert formdoc.quick_parse({**kept, key: value}, stored, kept) is None, (key, value)
    assert formdoc.quick_parse({**kept, formdoc.SECTIONS_FIELD: "0"}, stored, kept) is None
    warned = load_text(content_of(stored.report), "x")
    warned.warnings.append(object())  # a message the loader gave: only the loader may drop it
    assert formdoc.quick_parse({**kept, path: "12"}, warned, kept) is None
