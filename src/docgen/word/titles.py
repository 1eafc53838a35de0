"""Breaking a report title into lines the way GB/T 9704 asks (回行时词意完整、排列对称).

A title breaks only at meaningful points — after the agency's name, around the year, before
政府信息公开工作年度报告 (never inside that phrase), after 人民政府 / 办公厅 / 委员会 and the
like — into as few lines as fit the 156 mm line in 2号 type, and among those into the most
even lines.
"""

from __future__ import annotations

import itertools
import re

from .finish import text_width

TITLE_CHARS = 20  # 2号 (22 pt) characters on one 156 mm line
PHRASES = ("政府信息公开工作年度报告", "政府信息公开年度报告", "政务公开工作年度报告")
_YEAR = re.compile(r"(?:19|20)\d\d年度?")
_AGENCY_ENDS = re.compile(r"(?:人民政府|办公厅|办公室|委员会|街道办事处|管理委员会|管理局|人民政府办公厅)")


def break_points(title: str, agency: str = "") -> set[int]:
    """Positions (split before index i) where the title may break."""
    points: set[int] = set()
    if agency and title.startswith(agency):
        points.add(len(agency))
    for match in _YEAR.finditer(title):
        points.update((match.start(), match.end()))
    for match in _AGENCY_ENDS.finditer(title):
        points.add(match.end())
    phrase = _phrase_span(title)
    if phrase:
        points.add(phrase[0])
        points = {p for p in points if not phrase[0] < p < phrase[1]}
    return {p for p in points if 0 < p < len(title)}


def _phrase_span(title: str) -> tuple[int, int] | None:
    for phrase in PHRASES:
        at = title.rfind(phrase)
        if at >= 0:
            return at, at + len(phrase)
    return None


def title_lines(title: str, agency: str = "", width: float = TITLE_CHARS) -> list[str]:
    """The title's lines: as few as fit `width` characters, then the most even ones."""
    if text_width(title) <= width:
        return [title]
    points = sorted(break_points(title, agency))
    best = _best_split(title, points, width)
    if best is None:  # no meaningful point gives lines that fit: any point outside the phrase
        phrase = _phrase_span(title)
        anywhere = [i for i in range(1, len(title)) if not (phrase and phrase[0] < i < phrase[1])]
        best = _best_split(title, anywhere, width) or [title]
    return best


def _best_split(title: str, points: list[int], width: float) -> list[str] | None:
    for breaks in range(1, min(len(points), 3) + 1):
        found = []
        for cut in itertools.combinations(points, breaks):
            bounds = (0, *cut, len(title))
            lines = [title[a:b] for a, b in zip(bounds, bounds[1:])]
            widths = [text_width(line) for line in lines]
            if max(widths) <= width:
                found.append(((max(widths), max(widths) - min(widths)), lines))
        if found:
            return min(found, key=lambda item: item[0])[1]
    return None
