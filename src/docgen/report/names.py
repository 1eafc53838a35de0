"""Agency names: what is shown (invisible and control characters removed, white space collapsed)
and what is compared (that, NFKC-normalised, without white space, lower case), so two names that
differ only by a zero-width space or a full-width letter are one agency."""

from __future__ import annotations

import re
import unicodedata

# Format (zero-width space/joiner, BOM, bidi marks), control, private-use, surrogate and line/paragraph
# separator characters, and the blank "filler" letters some fonts draw as nothing.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
_SPACE = re.compile(r"\s+")


def _visible(char: str) -> bool:
    if char in "\t\n\r":
        return True  # white space: collapsed below
    return char not in _FILLERS and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def clean_name(text: str) -> str:
    """An agency name as shown: invisible and control characters removed, white space collapsed."""
    return " ".join(_SPACE.split("".join(c for c in str(text) if _visible(c)).strip())).strip()


def name_key(text: str) -> str:
    """The form two agency names are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", clean_name(text))).lower()


EMPTY_NAME = "机关名称去掉空白和不可见字符（零宽空格、控制字符等）后为空"
