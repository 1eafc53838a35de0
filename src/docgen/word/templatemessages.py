"""Jinja's English error messages, said in Chinese, for custom Word templates.

Rendering or parsing a custom template can fail with a Jinja error whose message is English
("'foo' is undefined", "unexpected '}'" …). ``jinja_message`` turns the message of such an
error into one Chinese sentence that keeps the names involved; a message it does not know is
given as a generic Chinese sentence with the original text in parentheses (原文：…), so nothing
is lost. Messages docgen raises itself (``TemplateLimitError``) are Chinese already.

The caller adds the frame (template name, the failing tag) around the sentence.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

import jinja2
from jinja2 import nodes

from .templateguard import TemplateLimitError


# -- what a Jinja message names ----------------------------------------------------------------
_TOKENS = {  # jinja2.lexer's token descriptions
    "end of print statement": "“}}”",
    "begin of print statement": "“{{”",
    "end of statement block": "“%}”",
    "begin of statement block": "“{%”",
    "end of comment": "“#}”",
    "begin of comment": "“{#”",
    "comment": "注释",
    "end of template": "模板结尾",
    "template data / text": "普通文字",
    "name": "名称",
    "integer": "整数",
    "float": "小数",
    "string": "字符串",
}

_TYPES = {  # jinja2.utils.object_type_repr of the values a template sees
    "str object": "文字",
    "markupsafe.Markup object": "文字",
    "dict object": "数据项",
    "list object": "列表",
    "tuple object": "列表",
    "int object": "数字",
    "float object": "数字",
    "bool object": "真假值",
    "None": "空值（none）",
    "jinja2.runtime.LoopContext object": "循环变量 loop",
}


def _literal(text: str) -> str:
    """A name as Jinja quoted it with repr ('x', "it's", 99), unquoted."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, str) else repr(value)


def _token(text: str) -> str:
    """A token as Jinja describes it ('end of print statement', '}', 'endfor'), in Chinese."""
    name = _literal(text)
    return _TOKENS.get(name, f"“{name}”")


def _tags(text: str) -> str:
    """Jinja's "'endfor' or 'else'" as “endfor”或“else”."""
    return "或".join(f"“{_literal(t)}”" for t in re.findall(r"'[^']*'|\"[^\"]*\"", text))


# -- the subject of a failed lookup: what the template wrote before `.name` or `[name]` -----------
def expression_text(expr: nodes.Node) -> str:
    """A Name/Getattr/Getitem chain as written in a template: ``t3.total[0]``, ``s['title']``."""
    if isinstance(expr, nodes.Name):
        return expr.name
    if isinstance(expr, nodes.Getattr):
        return f"{expression_text(expr.node)}.{expr.attr}"
    if isinstance(expr, nodes.Getitem):
        arg = expr.arg
        inner = repr(arg.value) if isinstance(arg, nodes.Const) and isinstance(arg.value, str) else (
            str(arg.value) if isinstance(arg, nodes.Const) else "…"
        )
        return f"{expression_text(expr.node)}[{inner}]"
    return "…"


def _subject(name: str, source: str, lineno: int | None, env: jinja2.Environment | None) -> str:
    """What the failing line looked `name` up in (``agency`` in ``{{ agency.x }}``), or ""."""
    if not source or not lineno:
        return ""
    try:
        tree = (env or jinja2.Environment(keep_trailing_newline=True)).parse(source)
    except (jinja2.TemplateSyntaxError, RecursionError):
        return ""
    found = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if node.lineno != lineno:
            continue
        key = node.attr if isinstance(node, nodes.Getattr) else (
            node.arg.value if isinstance(node.arg, nodes.Const) else None
        )
        if key is not None and str(key) == name:
            found.add(expression_text(node.node))
    if len(found) != 1:
        return ""  # not found, or looked up on different things on one line: not guessed
    subject = found.pop()
    return "" if "…" in subject else subject


# -- the messages ------------------------------------------------------------------------------
class _Lookup:
    """Where the failing tag is, for naming the subject of a failed lookup."""

    def __init__(self, source: str, lineno: int | None, env: jinja2.Environment | None):
        self.source, self.lineno, self.env = source, lineno, env

    def subject(self, name: str) -> str:
        return _subject(name, self.source, self.lineno, self.env)


def _no_attribute(m: re.Match, where: _Lookup) -> str:
    kind, name = _literal(m["type"]), _literal(m["name"])
    subject = where.subject(name)
    if kind == "dict object":
        return f"“{subject}”中没有“{name}”这一项" if subject else f"数据中没有“{name}”这一项"
    if subject:
        return f"“{subject}”没有属性“{name}”"
    return f"{_TYPES.get(kind, '这个值')}没有属性“{name}”"


def _no_element(m: re.Match, where: _Lookup) -> str:
    kind, name = m["type"], _literal(m["name"])
    subject = where.subject(name)
    owner = f"“{subject}”" if subject else _TYPES.get(kind, "这个值")
    if name.lstrip("-").isdigit():
        return f"{owner}中没有第 {name} 项（序号从 0 开始）"
    return f"{owner}中没有“{name}”这一项"


def _unknown_tag(m: re.Match, where: _Lookup) -> str:
    name = _literal(m["name"])
    rest = m["rest"]
    if "You probably made a nesting mistake" in rest:
        said = f"标记“{name}”的嵌套顺序有误"
    elif name.startswith("end") or name in ("else", "elif"):
        open_block = "needs to be closed" in rest
        said = f"标记“{name}”与前面的块不配对" if open_block else f"多余的标记“{name}”（前面没有与之对应的开始标记）"
    else:
        said = f"不认识的标记“{name}”"
    return said + _looking_for(rest)


def _looking_for(rest: str) -> str:
    """Jinja's "Jinja was looking for … The innermost block that needs to be closed is 'for'."."""
    out = ""
    wanted = re.search(r"(?:looking for the following tags:|currently looking for) (.*?)\.(?: |$)", rest)
    if wanted:
        out += f"；此处应为{_tags(wanted.group(1))}"
    innermost = re.search(r"needs to be closed is ('[^']*'|\"[^\"]*\")", rest)
    if innermost:
        out += f"；尚未结束的是“{_literal(innermost.group(1))}”块"
    return out


_Rule = tuple[re.Pattern[str], Callable[[re.Match, _Lookup], str]]
_QUOTED = r"(?:'[^']*'|\"[^\"]*\")"

_RUNTIME: list[_Rule] = [
    (re.compile(rf"^(?P<name>{_QUOTED}) is undefined$"),
     lambda m, _: f"变量“{_literal(m['name'])}”未定义（报告数据中没有这个名称）"),
    (re.compile(rf"^(?P<type>{_QUOTED}) has no attribute (?P<name>{_QUOTED})$"), _no_attribute),
    (re.compile(r"^(?P<type>.+?) has no element (?P<name>.+)$"), _no_element),
    (re.compile(rf"^access to attribute (?P<name>{_QUOTED}) of (?P<type>{_QUOTED}) object is unsafe\.?$"),
     lambda m, _: f"不允许访问内部属性“{_literal(m['name'])}”"),
    (re.compile(r"^(?P<what>.+) is not safely callable$"), lambda m, _: "不允许在模板中调用这个函数或方法"),
    (re.compile(r"^No first item, sequence was empty\.?$"), lambda m, _: "列表为空，取不到第一项（first）"),
    (re.compile(r"^No last item, sequence was empty\.?$"), lambda m, _: "列表为空，取不到最后一项（last）"),
    (re.compile(r"^No aggregated item, sequence was empty\.?$"), lambda m, _: "列表为空，求不出最大值或最小值（max、min）"),
    (re.compile(r"^there is no previous item$"), lambda m, _: "循环的第一项没有上一项（loop.previtem）"),
    (re.compile(r"^there is no next item$"), lambda m, _: "循环的最后一项没有下一项（loop.nextitem）"),
    (re.compile(r"^the inline if-expression on (?:line \d+ )?.*evaluated to false and no else section was defined\.?$"),
     lambda m, _: "行内 if 表达式的条件不成立，又没有 else 部分"),
    (re.compile(r"^method must be common, ceil or floor$"), lambda m, _: "round 过滤器的 method 只能是 common、ceil 或 floor"),
]

_SYNTAX: list[_Rule] = [
    (re.compile(rf"^Encountered unknown tag (?P<name>{_QUOTED})\.(?P<rest>.*)$", re.S), _unknown_tag),
    (re.compile(r"^Unexpected end of template\.(?P<rest>.*)$", re.S),
     lambda m, _: "标记块没有结束" + _looking_for(m["rest"])),
    (re.compile(rf"^unexpected end of template, expected (?P<what>{_QUOTED})\.?$"),
     lambda m, _: f"标记没有结束，缺少{_token(m['what'])}"),
    (re.compile(rf"^expected token (?P<what>{_QUOTED}), got (?P<got>{_QUOTED})$"),
     lambda m, _: f"此处应为{_token(m['what'])}，却是{_token(m['got'])}"),
    (re.compile(r"^unexpected char (?P<char>.+) at \d+$"), lambda m, _: f"无法识别的字符“{_literal(m['char'])}”"),
    (re.compile(rf"^unexpected (?P<got>{_QUOTED}), expected (?P<what>{_QUOTED})$"),
     lambda m, _: f"此处应为{_token(m['what'])}，却是{_token(m['got'])}"),
    (re.compile(rf"^unexpected (?P<got>{_QUOTED})$"), lambda m, _: f"多余或位置不对的{_token(m['got'])}"),
    (re.compile(rf"^Expected an expression, got (?P<got>{_QUOTED})$"), lambda m, _: f"缺少表达式（此处是{_token(m['got'])}）"),
    (re.compile(r"^expected name or number$"), lambda m, _: "“.”后面应为名称或数字"),
    (re.compile(r"^expected subscript expression$"), lambda m, _: "“[ ]”中缺少下标"),
    (re.compile(rf"^can't assign to (?P<what>{_QUOTED})$"), lambda m, _: "赋值（set、for）的目标不是名称"),
    (re.compile(r"^tag name expected$"), lambda m, _: "“{%”后面缺少标记名称"),
    (re.compile(r"^invalid syntax for function call expression$"), lambda m, _: "函数调用的写法有误"),
    (re.compile(r"^You cannot chain multiple tests with is$"), lambda m, _: "不能连用多个 is 测试"),
    (re.compile(r"^Invalid character in identifier$"), lambda m, _: "名称中有不允许的字符"),
    (re.compile(r"^Missing end of comment tag$", re.I), lambda m, _: "注释缺少结尾“#}”"),
    (re.compile(r"^Missing end of raw directive$", re.I), lambda m, _: "raw 块缺少结尾“{% endraw %}”"),
    (re.compile(r"^Block names in Jinja have to be valid Python identifiers"),
     lambda m, _: "块名称不能含有连字符“-”，请改用下划线“_”"),
    (re.compile(rf"^block (?P<name>{_QUOTED}) defined twice$"), lambda m, _: f"块“{_literal(m['name'])}”定义了两次"),
]

_ANYWHERE: list[_Rule] = [  # at compile time (TemplateAssertionError) or, in a branch, at render time
    (re.compile(rf"^No test named (?P<name>{_QUOTED})(?: found)?\.$"), lambda m, _: f"不认识的测试“is {_literal(m['name'])}”"),
    (re.compile(rf"^No filter named (?P<name>{_QUOTED})(?: found)?\.$"), lambda m, _: f"不认识的过滤器“|{_literal(m['name'])}”"),
]


def jinja_message(
    exc: jinja2.TemplateError, source: str = "", lineno: int | None = None, env: jinja2.Environment | None = None
) -> str:
    """Jinja's message of `exc` as one Chinese sentence.

    `source` and `lineno`: the template source and line being rendered, to name what a failed
    lookup was made on (“agency”没有属性“x”); optional.
    """
    message = (exc.message or "").strip()
    if isinstance(exc, TemplateLimitError):
        return message
    syntax = isinstance(exc, jinja2.TemplateSyntaxError)
    where = _Lookup(source, lineno, env)
    for pattern, say in (_SYNTAX if syntax else _RUNTIME) + _ANYWHERE:
        m = pattern.match(message)
        if m:
            return say(m, where)
    if isinstance(exc, jinja2.exceptions.FilterArgumentError):
        generic = "过滤器的参数有误"
    elif syntax:
        generic = "标记的写法有误"
    else:
        generic = "模板中的表达式无法求值"
    return f"{generic}（原文：{message or type(exc).__name__}）"
