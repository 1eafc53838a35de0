"""Forgiving input: what clerks type that is not quite YAML or not quite a number, read with a
warning that says what was read, or refused with a Chinese reason on the line to fix.

- ``flow_commas``: full-width commas "，" (and "、") between the numbers of a ``[...]`` list are
  read as ","; only in lists that hold nothing but numbers, dashes and units, so text is never
  touched. Always applied (such a list is valid YAML, but one long word).
- ``key_colons``: a full-width colon "：" after a key (``licensing： 5``) is read as ": ". Only
  tried when the file does not compose as it is, and never inside a block of text (``|``/``>``).
- ``count_text``: a count written with full-width digits (１２), with a unit (5件), or as a dash
  for zero (—) is read as the number (a word such as 无 is still refused).
- ``yaml_error``: PyYAML's English syntax errors in Chinese, with the line the clerk must fix.

Every rewrite keeps the number of lines, so every line number stays the line of the file.
"""

from __future__ import annotations

import re
import unicodedata

import yaml

from .yamlread import DEEP

_NUMERIC_ITEM = r"\s*(?:[0-9０-９]+\s*(?:件|个|项|条|次|人|份)?|[—–－\-－―]+)?\s*"
_FLOW_LIST = re.compile(rf"\[((?:{_NUMERIC_ITEM}[,，、])+{_NUMERIC_ITEM})\]")
_KEY_COLON = re.compile(r"^(\s*(?:-\s+)?)([^\s:#\"'\[\]{}&*!|>%@`,，][^:#\"'\[\]{}]{0,60}?)\s*：[ \t　]*")
_BLOCK_START = re.compile(r":\s*[|>][-+0-9]*\s*(?:#.*)?$")
_UNITS = "件个项条次人份"
_DASHES = "—–－-―"


def flow_commas(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``[8，1，0]`` → ``[8, 1, 0]``; the rewritten text and (line, note) for each line changed."""
    notes: list[tuple[int, str]] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if "，" not in line and "、" not in line:
            continue
        fixed = _FLOW_LIST.sub(lambda m: "[" + re.sub(r"[，、]", ", ", m.group(1)) + "]", line)
        if fixed != line:
            lines[number - 1] = fixed
            notes.append((number, "列表中的全角逗号“，”（或顿号“、”）已按半角逗号“,”读取"))
    return ("\n".join(lines), notes) if notes else (text, notes)


def key_colons(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``licensing： 5`` → ``licensing: 5`` outside blocks of text; the text and (line, note) each."""
    notes: list[tuple[int, str]] = []
    lines = text.split("\n")
    block_indent: int | None = None  # inside a "|" or ">" block: lines indented deeper than this
    for number, line in enumerate(lines, 1):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue
            block_indent = None
        match = _KEY_COLON.match(line)
        if match and ":" not in line[: match.end()]:
            line = f"{match.group(1)}{match.group(2)}: {line[match.end():]}".rstrip() if line[match.end():].strip() else f"{match.group(1)}{match.group(2)}:"
            lines[number - 1] = line
            notes.append((number, f"“{match.group(2).strip()}”后面的全角冒号“：”已按半角冒号“:”读取"))
        if _BLOCK_START.search(line):
            block_indent = indent
    return ("\n".join(lines), notes) if notes else (text, notes)


def count_text(text: str) -> tuple[int, str] | None:
    """A count a person would read at once: full-width digits, a unit, a dash for none.

    Returns the number and how it was read, or None when the text is not such a count.
    """
    raw = text.strip()
    if raw and all(ch in _DASHES for ch in raw):
        return 0, f"“{raw}”已按 0 读取"
    digits = unicodedata.normalize("NFKC", raw)
    unit = ""
    if digits and digits[-1] in _UNITS:
        digits, unit = digits[:-1].strip(), digits[-1]
    if not digits.isascii() or not digits.isdigit():
        return None
    value = int(digits)
    if unit:
        return value, f"“{raw}”已按 {value} 读取（去掉了单位“{unit}”）"
    if digits != raw:
        return value, f"全角数字“{raw}”已按 {value} 读取"
    return None


# -- PyYAML's syntax errors -------------------------------------------------------------------
_GENERIC = "这一行不符合 YAML 格式（常见原因：缩进不一致、冒号后缺少空格、引号或括号没有配对）"


def yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """The line the clerk must fix and why, in Chinese, for a PyYAML error."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        return line, f"含有不允许的控制字符（U+{exc.character:04X}，不可见），请删除" if isinstance(exc.character, int) else "含有无法读取的字符"
    if not isinstance(exc, yaml.MarkedYAMLError):
        return None, _GENERIC
    problem, context = exc.problem or "", exc.context or ""
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark else None
    if problem == DEEP:  # yamlread.compose's own refusal, already in Chinese
        return problem_line, DEEP
    context_line = exc.context_mark.line + 1 if exc.context_mark else problem_line
    lines = text.split("\n")

    def line_text(number: int | None) -> str:
        return lines[number - 1] if number and 0 < number <= len(lines) else ""

    if "could not find expected ':'" in problem:
        where = context_line
        if "：" in line_text(where):
            return where, "这一行的键后面用了全角冒号“：”，请改为半角冒号“:”加一个空格"
        return where, "这一行缺少“:”：键和值之间要用半角冒号加一个空格（如 agency: 某某县人民政府）；文字跨行时请整段加引号或用“|”"
    if "found character '\\t'" in problem or "tab character" in problem:
        return problem_line, "含有制表符（Tab），请改用空格缩进"
    if "found character" in problem and "cannot start any token" in problem:
        found = problem.split("'")[1] if "'" in problem else ""
        return problem_line, f"“{found}”不能出现在值的开头，请给这个值加引号"
    if "mapping values are not allowed here" in problem:
        return problem_line, "此处不能出现“:”（冒号后需要空格，或文字中的冒号需加引号）"
    if "quoted scalar" in context:
        if "escape" in problem:
            return problem_line, "双引号中的反斜杠“\\”后面的字符不是有效的转义（含反斜杠的文字请用单引号，或写成两个反斜杠）"
        return context_line, "引号没有配对：这一行开始的引号没有结尾的引号"
    if "expected ',' or ']'" in problem:
        hint = "（这一行用了全角逗号“，”，请改为半角逗号“,”）" if "，" in line_text(context_line) else ""
        return context_line, f"方括号中的列表写法不对：各项之间用半角逗号“,”隔开，并以“]”结束{hint}"
    if "expected ',' or '}'" in problem:
        return context_line, "花括号中的写法不对：各项之间用半角逗号“,”隔开，并以“}”结束"
    if "expected the node content, but found ','" in problem:
        return problem_line, "列表中有空项（两个逗号之间没有数字），没有的请填 0"
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return problem_line, "缩进不一致：这一行与上面同一层的键没有对齐（请用空格对齐，同一层缩进相同）"
    if "did not find expected '-' indicator" in problem:
        return problem_line, "列表项的缩进不一致（每项以“- ”开头并对齐）"
    if "found duplicate anchor" in problem or "found duplicate anchor" in context:
        return problem_line, "重复的锚点"
    if "found undefined alias" in problem:
        return problem_line, "引用（*名称）了没有定义的锚点（文字中的 * 请加引号）"
    if "expected alphabetic or numeric character" in problem:
        return problem_line, "“&”或“*”后面应为名称（文字中的 & 和 * 请加引号）"
    if "expected a single document in the stream" in context or "expected a single document" in problem:
        return problem_line, "文件中只能有一份报告（发现了“---”分隔的多份）"
    if "block scalar" in context:
        return context_line, "“|”或“>”后面只能换行（或跟 +、- 和数字），正文从下一行开始"
    if "expected '<document start>'" in problem:
        return problem_line, "这一行之前的内容已经结束（多了缩进不对的一行，或有未配对的括号）"
    if "while scanning a directive" in context or "while scanning an anchor" in context or "while scanning an alias" in context:
        return context_line, "以 %、&、* 开头的值请加引号"
    return problem_line or context_line, _GENERIC
