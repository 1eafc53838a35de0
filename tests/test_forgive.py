"""Forgiving input: full-width digits, commas and colons, counts with a unit, a dash for zero are
read with a warning naming the line and what was read; what cannot be read is refused in Chinese
on the line to fix (never PyYAML's English)."""

from __future__ import annotations

import re

import pytest

from conftest import minimal
from docgen.errors import InputError
from docgen.report.forgive import count_text, key_colons
from docgen.report.load import load_text

ENGLISH = re.compile(r"could not|expected|found|while|scanning|character|special|allowed|mapping|block|flow|stream|document|token")


def warnings_of(text: str) -> dict[int, list[str]]:
    loaded = load_text(text, "f.yaml")
    found: dict[int, list[str]] = {}
    for warning in loaded.warnings:
        found.setdefault(warning.line, []).append(warning.what)
    return loaded, found


def refused(text: str) -> list:
    with pytest.raises(InputError) as caught:
        load_text(text, "f.yaml")
    return caught.value.problems


def test_full_width_digits_units_and_dashes_are_read_with_a_warning():
    text = minimal(2021, a="applications:\n  received: [１２, 5件, —, －, 0, 0]\n  granted: [12, 5, 0, 0, 0, 0]")
    loaded, found = warnings_of(text)
    assert loaded.report.applications["received"] == [12, 5, 0, 0, 0, 0]
    assert found[5] == ["全角数字“１２”已按 12 读取", "“5件”已按 5 读取（去掉了单位“件”）", "“—”已按 0 读取", "“－”已按 0 读取"]


def test_full_width_commas_in_a_number_list():
    text = minimal(2021, a="applications:\n  received: [8，1，0，0，0，0]\n  granted: [8、1、0、0、0、0]")
    loaded, found = warnings_of(text)
    assert loaded.report.applications["received"] == [8, 1, 0, 0, 0, 0]
    assert loaded.report.applications["granted"] == [8, 1, 0, 0, 0, 0]
    assert "全角逗号" in found[5][0] and "全角逗号" in found[6][0]


def test_full_width_colon_after_a_key_keeps_text_in_blocks_untouched():
    text = minimal(
        2021,
        a="overview: |\n  本机关：依法公开。\n  其中：主动公开 5 条。\ntitle： 某某县2025年度报告\napplications：\n  received: [1, 0, 0, 0, 0, 0]\n  granted： [1, 0, 0, 0, 0, 0]",
    )
    loaded, found = warnings_of(text)
    assert loaded.report.applications["received"] == [1, 0, 0, 0, 0, 0]
    assert "本机关：依法公开。" in loaded.report.overview.intro and "其中：主动公开" in loaded.report.overview.intro
    assert loaded.report.title == "某某县2025年度报告"
    assert sorted(found) == [7, 8, 10]
    assert found[7] == ["“title”后面的全角冒号“：”已按半角冒号“:”读取"]


def test_a_valid_file_is_never_rewritten():
    text = minimal(2021, a="overview: 情况：良好\napplications:\n  received: [1, 0, 0, 0, 0, 0]\n  granted: [1, 0, 0, 0, 0, 0]")
    loaded, found = warnings_of(text)
    assert loaded.report.overview.intro == "情况：良好" and found == {}


@pytest.mark.parametrize(
    "body, line, fragment",
    [
        ("licensing 5\napplications:\n  received: [1, 0, 0, 0, 0, 0]", 4, "这一行缺少“:”"),
        ('"licensing"： 5', 4, "全角冒号“：”，请改为半角冒号"),
        ("agency2: 测试\x01县", 4, "控制字符（U+0001"),
        ('overview: "未完\nlicensing: 1', 4, "引号没有配对"),
        ("applications:\n  received: [1, 0, 0, 0, 0, 0\n  granted: [1, 0, 0, 0, 0, 0]", 5, "方括号中的列表写法不对"),
        ("applications:\n    received: [1, 0, 0, 0, 0, 0]\n  granted: [1, 0, 0, 0, 0, 0]", 6, "缩进不一致"),
        ('overview: "C:\\d"', 4, "反斜杠"),
        ("applications:\n  received: [1, , 0, 0, 0, 0]", 5, "列表中有空项"),
        ("overview: `x`", 4, "不能出现在值的开头"),
    ],
)
def test_yaml_errors_are_chinese_on_the_line_to_fix(body, line, fragment):
    problems = refused(minimal(2021, a=body))
    assert len(problems) == 1
    assert problems[0].line == line and fragment in problems[0].what, problems[0]
    assert not ENGLISH.search(problems[0].what), problems[0].what


@pytest.mark.parametrize("text", ["3.5", "５.５", "5 斤", "五", "无", "1,000", "-", "0x10", ""])
def test_what_is_not_a_plain_count_is_left_to_the_checks(text):
    assert count_text(text) is None or text == "-"


def test_a_quoted_number_is_still_refused():
    problems = refused(minimal(2021, a='applications:\n  received: ["５", 0, 0, 0, 0, 0]'))
    assert "加了引号" in problems[0].what or "实际为“５”" in problems[0].what


def test_colon_fix_keeps_the_line_count():
    text = "a： 1\nb: |\n  x：y\nc：\n  d： 2\n"
    fixed, notes = key_colons(text)
    assert fixed.count("\n") == text.count("\n")
    assert fixed.splitlines() == ["a: 1", "b: |", "  x：y", "c:", "  d: 2"]
    assert [n for n, _ in notes] == [1, 4, 5]
