"""Text clean-up for imported reports: pinyin glosses, traditional characters, punctuation.

Published copies of reports come in odd shapes: machine-converted traditional characters with a
pinyin gloss after each (鎮(zhèn)), half-width punctuation between Chinese characters, stray
spaces. These functions undo that, keeping the wording.
"""

from __future__ import annotations

import functools
import re

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = re.compile(rf"^(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?[aeiouüv{_TONED}]{{1,4}}(?:ng|n|r)?$")
_GLOSS = re.compile(rf"(?<=[{_CJK}])\s?[(（]\s*([a-zü{_TONED}]{{1,7}})\s*[)）]")
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}
_HALF_PUNCT = re.compile(rf"(?<=[{_CJK}“”])\s*([,:;!?])\s*|\s*([,:;!?])\s*(?=[{_CJK}“”])")
_PAREN = re.compile(r"\(([^()]*)\)")
_DIGIT_GAP = re.compile(rf"(?<=\d)\s+(?=[年月日件条项个])|(?<=[{_CJK}])\s+(?=\d)|(?<=\d)\s+(?=[{_CJK}])")
_SPACE_AT_PUNCT = re.compile(r" (?=[，。；：、！？）》”])|(?<=[，。；：、！？（《“]) ")  # justified PDF lines: 邮 编 ： 223100 ，
_EDGE = "\\s，。；：、！？（）《》“”"
_SPACED_CHARS = re.compile(rf"(?:(?<=^[{_CJK}])|(?<=[{_EDGE}][{_CJK}])) (?=[{_CJK}](?:[{_EDGE}]|$))")  # 电 子 邮 箱 → 电子邮箱
TRADITIONAL_THRESHOLD = 10  # characters changed by t2s that mark a text as traditional


def glossed(text: str) -> bool:
    """Whether the text carries pinyin glosses (at least three tone-marked ones)."""
    return sum(1 for m in _GLOSS.finditer(text) if any(c in _TONED for c in m.group(1))) >= 3


def strip_glosses(text: str, plain_too: bool | None = None) -> str:
    """Remove pinyin glosses after characters: 乳山口鎮(zhèn) → 乳山口鎮.

    A parenthesised word counts as a gloss when it carries a tone mark, or when it is a plain
    pinyin syllable and `plain_too` (by default: the text is `glossed`).
    """
    plain_too = glossed(text) if plain_too is None else plain_too

    def keep_or_drop(match: re.Match) -> str:
        word = match.group(1)
        if any(c in _TONED for c in word):
            return ""
        return "" if plain_too and _SYLLABLE.match(word) else match.group(0)

    return _GLOSS.sub(keep_or_drop, text)


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def t2s(text: str) -> str:
    """OpenCC's traditional → simplified conversion."""
    return _converter().convert(text)


def to_simplified(text: str) -> tuple[str, bool]:
    """The text in simplified characters (OpenCC t2s) and whether it was traditional.

    A text that t2s barely changes is left exactly as it is, so names in a simplified report are
    never touched.
    """
    converted = t2s(text)
    changed = sum(1 for a, b in zip(text, converted) if a != b)
    if len(converted) != len(text) or changed >= TRADITIONAL_THRESHOLD:
        return converted, True
    return text, False


def full_width_punctuation(text: str) -> str:
    """Half-width , : ; ! ? ( ) next to Chinese characters → full-width; spaces around numbers dropped."""
    text = _HALF_PUNCT.sub(lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], text)

    def paren(match: re.Match) -> str:
        inner = match.group(1)
        before = text[match.start() - 1] if match.start() else ""
        if re.search(rf"[{_CJK}]", inner) or re.match(rf"[{_CJK}]", before):
            return f"（{inner}）"
        return match.group(0)

    text = _PAREN.sub(paren, text)
    return _DIGIT_GAP.sub("", text)


def clean_paragraph(text: str) -> str:
    """One narrative paragraph as it should be stored: single-spaced, full-width punctuation."""
    text = re.sub(r"[ \t\u3000\xa0]+", " ", text).strip()
    text = full_width_punctuation(text)
    text = _SPACE_AT_PUNCT.sub("", text)
    return _SPACED_CHARS.sub("", text)
