"""A custom Word template that Jinja cannot parse or render is reported in Chinese, with the tag
that failed: `docgen render --template` and `docgen template check` exit 2, no English Jinja
message reaches the user, and a message docgen does not know keeps its original text (原文：…)."""

from __future__ import annotations

import re

import jinja2
import pytest

from docgen.word.templatemessages import jinja_message
from test_hostile_inputs import _good, _template

ENGLISH = re.compile(
    r"is undefined|has no attribute|has no element|unsafe|unexpected|Encountered unknown tag|expected token"
    r"|sequence was empty|no previous item|No test named",
    re.I,
)
FRAME = "；可用 docgen template check 检查模板"


def _render(cli, tmp_path, tag: str):
    template = _template(tmp_path, "t.docx", tag)
    out = tmp_path / "out"
    result = cli("render", _good(tmp_path), "-o", out, "--template", template, "--formats", "docx")
    assert result.code == 2, result.text
    assert not out.exists() or list(out.iterdir()) == [], "nothing is written"
    assert "Traceback" not in result.text and not ENGLISH.search(result.err), result.err
    return result.err


def _check(cli, tmp_path, tag: str):
    result = cli("template", "check", _template(tmp_path, "c.docx", tag))
    assert "Traceback" not in result.text and not ENGLISH.search(result.err), result.err
    return result


# -- render: errors raised while rendering ------------------------------------------------------
RENDERING = [  # (id, tag appended to the signature line, the Chinese reason)
    ("undefined", "{{ foo }}", "变量“foo”未定义（报告数据中没有这个名称）"),
    ("text-attribute", "{{ agency.x }}", "“agency”没有属性“x”"),
    ("item-of-data", "{{ t2.y }}", "“t2”中没有“y”这一项"),
    ("index-out-of-range", "{{ preamble[99] }}", "“preamble”中没有第 99 项（序号从 0 开始）"),
    ("internal-attribute", "{% set k = '__class__' %}{{ preamble[k] }}", "不允许访问内部属性“__class__”"),
    ("empty-first", "{{ []|first }}", "列表为空，取不到第一项（first）"),
    ("empty-max", "{{ []|max }}", "列表为空，求不出最大值或最小值（max、min）"),
    ("previtem", "{% for p in ['a'] %}{{ loop.previtem }}{% endfor %}", "循环的第一项没有上一项（loop.previtem）"),
    ("filter-attribute", "{{ ['a']|join(attribute='x') }}", "文字没有属性“x”"),
    ("round-method", "{{ 1.5|round(method='x') }}", "round 过滤器的 method 只能是 common、ceil 或 floor"),
]


@pytest.mark.parametrize(("tag", "reason"), [c[1:] for c in RENDERING], ids=[c[0] for c in RENDERING])
def test_render_error_is_chinese_with_the_failing_tag(cli, tmp_path, tag, reason):
    err = _render(cli, tmp_path, tag)
    assert f"模板“{tmp_path / 't.docx'}”无法生成报告（" in err, err
    assert reason + FRAME in err, err
    assert tag.split("}")[0] in err, err  # the failing tag's text (its first tag, at least) locates it


def test_check_reports_the_same_lookups_as_unknown_placeholders(cli, tmp_path):
    for tag, written in (("{{ foo }}", "foo"), ("{{ agency.x }}", "agency.x"), ("{{ t2.y }}", "t2.y")):
        result = _check(cli, tmp_path, tag)
        assert result.code == 2 and f"未知占位符“{written}”" in result.err, (tag, result.text)


# -- render and check: tags Jinja cannot parse ------------------------------------------------------
SYNTAX = [
    ("stray-bracket", "{{ agency + ) }}", "多余或位置不对的“)”"),
    ("unknown-tag", "{% foo %}", "不认识的标记“foo”"),
    ("expected-token", "{{ agency b }}", "此处应为“}}”，却是“b”"),
    ("missing-name", "{{ agency | }}", "此处应为名称，却是“}}”"),
    ("end-without-start", "{% endfor %}", "多余的标记“endfor”（前面没有与之对应的开始标记）"),
    ("wrong-end", "{% for p in preamble %}{% endif %}", "标记“endif”与前面的块不配对；此处应为“endfor”或“else”；尚未结束的是“for”块"),
    ("odd-character", "{{ agency ! }}", "无法识别的字符“!”"),
    ("unknown-test", "{% if agency is foo %}{% endif %}", "不认识的测试“is foo”"),
]


@pytest.mark.parametrize(("tag", "reason"), [c[1:] for c in SYNTAX], ids=[c[0] for c in SYNTAX])
def test_syntax_error_is_chinese_in_render_and_check(cli, tmp_path, tag, reason):
    err = _render(cli, tmp_path, tag)
    located = tag.split("}")[0]  # the failing paragraph's tags, as written
    assert reason in err and located in err, err
    check = _check(cli, tmp_path, tag)
    assert check.code == 2 and reason in check.err and located in check.err, check.text
    line = next(l for l in check.err.splitlines() if reason in l)
    assert line.split("：", 1)[1] in err, (line, err)  # render says what check says


# -- what docgen does not know: Chinese sentence, original text kept --------------------------------
def test_unknown_syntax_message_keeps_the_original(cli, tmp_path):
    tag = "{{ 'a\\x' }}"  # a string literal with a broken escape: Jinja passes Python's codec message on
    reason = "标记的写法有误（原文：truncated \\xXX escape）"
    assert reason in _render(cli, tmp_path, tag)
    check = _check(cli, tmp_path, tag)
    assert check.code == 2 and reason in check.err, check.text


def test_unknown_runtime_message_keeps_the_original():
    said = jinja_message(jinja2.TemplateRuntimeError("a message Jinja may add one day"))
    assert said == "模板中的表达式无法求值（原文：a message Jinja may add one day）"
    said = jinja_message(jinja2.exceptions.FilterArgumentError("bad argument"))
    assert said == "过滤器的参数有误（原文：bad argument）"
    assert jinja_message(jinja2.UndefinedError()) == "模板中的表达式无法求值（原文：UndefinedError）"


def test_subject_is_named_only_when_the_line_says_it():
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)

    def said(source: str) -> str:
        try:
            env.from_string(source).render(agency="某局", t3={"total": ("1",)}, a="x", b="y")
        except jinja2.TemplateError as exc:
            return jinja_message(exc, source, 1, env)
        raise AssertionError(source)

    assert said("{{ t3.total[9] }}") == "“t3.total”中没有第 9 项（序号从 0 开始）"
    assert said("{{ t3['total'].x }}") == "“t3['total']”没有属性“x”"
    assert said("{{ a.z }}{{ b.z }}") == "文字没有属性“z”"  # two candidates on the line: not guessed
