"""Text whose tables lost their cells → blocks: what PDF viewers, web pages and crawlers give.

Copied text shows tables in several shapes: columns aligned with runs of spaces (a PDF viewer,
``pdftotext -layout``), one cell per line with some row labels printed after their numbers
(``pdftotext``), single spaces with a whole table on one line (a web page), or cells run together
with no separator (a crawler). All of them are read the same way: the table area (from the
heading 二、 to the heading 五、) becomes one label text without white space, with the numbers
set aside as *runs* (numbers with no label text between them) at their place in that text. The
official row labels are found in the label text in table order (a close match for typing slips
and labels broken by other cells), and each row takes the one run right before or right after
its label, or the runs inside it when the label wraps around its numbers. Every run must belong
to exactly one row and every row must get a run of the right size; digits run together are
split only where the split is unique under the printed totals (R1–R4). Whatever cannot be placed
this way is refused for that table, with the row named and the text shown — never guessed.

The result is ordinary blocks (paragraphs and rows labelled with the official labels), read by
`tables` like any other format.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from ..editions import Edition
from ..editions.common import SECTIONS
from ..editions.types import ACTIVE_ROW_HEADER, LITIGATION_HEADER, REVIEW_HEADER, TABLE_2, TABLE_3, TABLE_4, AppGroup
from .cells import Block, Row, clean

FUZZY_SHARE = 0.75  # share of a label's characters a close match must have, in order
SNIPPET = 60  # characters of original text shown in a message
MAX_SPLITS = 200_000  # search steps allowed when splitting run-together digits
MAX_PART = 9  # digits of one figure when splitting run-together digits

_WORD = re.compile(r"\S+")
_BLANK_WORD = re.compile(r"^(?:[/／\\\-－—–―_]{1,3}|无)$")
_NUMBER = re.compile(r"[+\-−]?(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?:\.\d+)?(?:万元|元)?")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]+\s*\d+\s*[-—–－]+|[—–]\s*\d+|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*$")
_NOT_A_FIGURE_AFTER = re.compile(r"\s*[年月日号]")
_ENUM_AFTER = re.compile(r"[.、．]\D")
SENTENCE_END = "。！？；：!?;:"


@dataclass
class Run:
    """Numbers with no label text between them, at offset `at` of the label text."""

    at: int
    words: list[str] = field(default_factory=list)
    origin: int = 0  # offset in the original text


@dataclass
class Tokens:
    """A stretch of text as label text (white space and numbers removed) and runs of numbers."""

    labels: str
    runs: list[Run]
    origins: list[tuple[int, int]]  # (label offset, original offset) at the start of each piece
    source: str

    def original(self, at: int) -> int:
        i = bisect.bisect_right(self.origins, (at, 1 << 60)) - 1
        if i < 0:
            return 0
        label_at, orig = self.origins[i]
        return orig + (at - label_at)

    def snippet(self, start: int, end: int | None = None) -> str:
        """The original text from label offset `start` (to `end`), white space collapsed."""
        a = self.original(start)
        b = self.original(end) if end is not None else a + SNIPPET * 3
        text = " ".join(self.source[a : max(b, a + 1)].split())
        return text if len(text) <= SNIPPET else text[:SNIPPET] + "…"


def tokenize(text: str) -> Tokens:
    """Label text and number runs of `text` (a table area)."""
    labels: list[str] = []
    length = 0
    runs: list[Run] = []
    origins: list[tuple[int, int]] = []
    current: Run | None = None

    def label(piece: str, at: int) -> None:
        nonlocal length, current
        form = clean(piece)
        if not form:
            return
        origins.append((length, at))
        labels.append(form)
        length += len(form)
        current = None

    def number(word: str, at: int) -> None:
        nonlocal current
        if current is None:
            current = Run(length, [], at)
            runs.append(current)
        current.words.append(word)

    for match in _WORD.finditer(text):
        word, start = match.group(), match.start()
        if _BLANK_WORD.match(word):
            number(word, start)
            continue
        if word in ("元", "万元") and current is not None:
            current.words[-1] += word  # 251000 元: the unit printed apart from its figure
            continue
        pos = 0
        for found in _NUMBER.finditer(word):
            a, b = found.span()
            digits = found.group()
            after = word[b:]
            if _NOT_A_FIGURE_AFTER.match(after) or (a > 0 and word[a - 1] in "第"):
                continue  # 2023年, 第3项: label text
            if _ENUM_AFTER.match(after) and digits.isdigit():
                if len(digits) == 1:
                    continue  # 1.属于国家秘密: the enumerator belongs to the label
                b -= 1  # 0001.属于…: run-together figures, then the enumerator
            if a > pos:
                label(word[pos:a], start + pos)
            number(word[a:b], start + a)
            pos = b
        if pos < len(word):
            label(word[pos:], start + pos)
    return Tokens("".join(labels), runs, origins, text)


# -- finding labels ------------------------------------------------------------------------------
@dataclass
class Slot:
    """One row to find: its label forms, the row label to emit, how many figures it has."""

    key: str
    label: str  # the official label written into the emitted row
    forms: tuple[str, ...]
    sizes: tuple[int, ...]  # acceptable numbers of figures, preferred first
    where: str  # the row's name in messages
    span: tuple[int, int] | None = None
    found_as: str = ""  # the text a close match found


def find_labels(tokens: Tokens, slots: list[Slot], lo: int, hi: int) -> tuple[list[Slot], list[str]]:
    """Place the slots' labels in tokens.labels[lo:hi] in table order.

    Returns the slots found (in order) and problems (labels found out of table order).
    """
    text = tokens.labels
    pos = lo
    for slot in slots:
        best = None
        for form in slot.forms:
            at = text.find(form, pos, hi)
            if at >= 0 and (best is None or at < best[0] or (at == best[0] and len(form) > best[1] - best[0])):
                best = (at, at + len(form))
        if best:
            slot.span = best
            pos = best[1]
    problems = []
    previous = None
    for slot in slots:
        if slot.span is None:
            for form in slot.forms:
                at = text.find(form, lo, hi)
                if at >= 0:
                    later = next((s for s in slots if s.span and s.span[0] > at), None)
                    problems.append(
                        f"行的顺序与官方格式不符：“{slot.where}”出现在“{later.where if later else previous}”之前"
                        f"（可能是按列复制的文本），数字无法可靠地对应到行；原文：“{tokens.snippet(at)}”"
                    )
                    break
        if slot.span:
            previous = slot.where
    if problems:
        return [], problems
    _fuzzy(tokens, slots, lo, hi)
    return [s for s in slots if s.span], []


def _fuzzy(tokens: Tokens, slots: list[Slot], lo: int, hi: int) -> None:
    """Close matches for labels not found exactly, each searched between its found neighbours."""
    text = tokens.labels
    for i, slot in enumerate(slots):
        if slot.span:
            continue
        start = max((s.span[1] for s in slots[:i] if s.span), default=lo)
        end = min((s.span[0] for s in slots[i + 1 :] if s.span), default=hi)
        window = text[start:end]
        form = slot.forms[0]
        if not window or len(form) < 4:
            continue
        matcher = difflib.SequenceMatcher(None, window, form, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size]
        matched = sum(b.size for b in blocks)
        if not blocks or matched < max(3, FUZZY_SHARE * len(form)):
            continue
        a, b = blocks[0].a, blocks[-1].a + blocks[-1].size
        if b - a > 1.5 * len(form) + 6:
            continue
        slot.span = (start + a, start + b)
        if matched < len(form):
            slot.found_as = text[start + a : start + b]


# -- placing runs -------------------------------------------------------------------------------
def assign(tokens: Tokens, found: list[Slot], lo: int, hi: int, fits) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Each found row's words: the run inside its label, or the one just before or after it.

    `fits(slot, words)` tells whether a run can be the row's. Returns rows → words and problems
    (where, what) when the runs cannot be placed one to one.
    """
    runs = [r for r in tokens.runs if (lo < r.at or r.at == 0) and r.at <= hi]
    n = len(found)
    inside: list[list[Run]] = [[] for _ in range(n)]
    gaps: list[list[Run]] = [[] for _ in range(n + 1)]  # gaps[i] lies before found[i]; gaps[n] after the last
    starts = [s.span[0] for s in found]
    for run in runs:
        i = bisect.bisect_left(starts, run.at)  # first label starting at or after the run
        if i > 0 and run.at < found[i - 1].span[1]:
            inside[i - 1].append(run)
        else:
            gaps[i].append(run)
    # choice per row: "in", "before" (last run of gaps[i]) or "after" (first run of gaps[i+1])
    solutions: list[list[str]] = []

    def ok(i: int, words: list[str]) -> bool:
        return fits(found[i], words)

    def search(i: int, gap_taken: int, chosen: list[str]) -> None:
        """gap_taken: how many runs of gaps[i] the rows before i already took."""
        if len(solutions) > 1:
            return
        gap = gaps[i]
        if i == n:
            if gap_taken == len(gap):
                solutions.append(list(chosen))
            return
        left = len(gap) - gap_taken  # runs of gaps[i] still free: row i must take them (at most one)
        if inside[i]:
            if left == 0 and ok(i, [w for r in inside[i] for w in r.words]):
                search(i + 1, 0, chosen + ["in"])
            return
        if left == 1:
            if ok(i, gap[-1].words):
                search(i + 1, 0, chosen + ["before"])
            return
        if left > 1:
            return
        nxt = gaps[i + 1]
        if nxt and ok(i, nxt[0].words):
            search(i + 1, 1, chosen + ["after"])

    search(0, 0, [])
    if len(solutions) == 1:
        out = {}
        for i, how in enumerate(solutions[0]):
            if how == "in":
                out[found[i].key] = [w for r in inside[i] for w in r.words]
            elif how == "before":
                out[found[i].key] = gaps[i][-1].words
            else:
                out[found[i].key] = gaps[i + 1][0].words
        return out, []
    return {}, _explain(tokens, found, inside, gaps, fits, ambiguous=len(solutions) > 1)


def _explain(tokens, found, inside, gaps, fits, ambiguous: bool) -> list[tuple[str, str]]:
    """Name the rows whose numbers could not be placed, showing the text around each."""
    problems = []
    for i, slot in enumerate(found):
        candidates = inside[i] or (gaps[i][-1:] + gaps[i + 1][:1])
        if not any(fits(slot, r.words) for r in candidates):
            counts = "、".join(str(len(r.words)) for r in candidates) or "0"
            want = "或".join(str(s) for s in slot.sizes)
            text = tokens.snippet(slot.span[0], (found[i + 1].span[0] if i + 1 < len(found) else None))
            problems.append((slot.where, f"这一行附近的数字个数（{counts}）与格式（{want} 个）不符，可能有空白单元格或数字连在一起，未读取；原文：“{text}”"))
            break
    for i, gap in enumerate(gaps):
        if len(gap) > (2 if 0 < i < len(found) else 1):
            near = found[min(i, len(found) - 1)]
            problems.append((near.where, f"附近有无法对应到任何一行的数字；原文：“{tokens.snippet(gap[0].at)}”"))
            break
    if not problems:
        what = "数字可以有不止一种方式对应到各行" if ambiguous else "数字无法一一对应到各行"
        odd = next((i for i, s in enumerate(found) if not any(len(r.words) in s.sizes for r in inside[i] or (gaps[i][-1:] + gaps[i + 1][:1]))), 0)
        text = tokens.snippet(found[odd].span[0])
        problems.append((found[odd].where, f"{what}（这一行附近的数字个数与格式不符或数字连在一起），未读取这张表；原文：“{text}”"))
    return problems


# -- run-together digits ------------------------------------------------------------------------
def splits(words: list[str], size: int, check=None, limit: int = 2) -> list[list[str]] | None:
    """The ways to cut `words` into `size` figures (each word into one or more whole figures);
    None when the search gave up. A figure is 0 or has no leading zero; `check` filters."""
    if len(words) == size:
        return [list(words)]
    if len(words) > size or not all(w.isdigit() for w in words):
        return []
    out: list[list[str]] = []
    steps = [0]

    def cut(word: str, parts_left: int) -> list[list[str]]:
        """Ways to cut one word into exactly parts_left figures."""
        if parts_left == 1:
            return [[word]] if _figure(word) else []
        ways = []
        for k in range(1, min(MAX_PART, len(word) - parts_left + 1) + 1):
            steps[0] += 1
            head = word[:k]
            if steps[0] > MAX_SPLITS:
                raise _GaveUp
            if _figure(head):
                ways += [[head] + rest for rest in cut(word[k:], parts_left - 1)]
        return ways

    def go(i: int, left: int, acc: list[str]) -> None:
        if len(out) >= limit:
            return
        if i == len(words):
            if left == 0 and (check is None or check(acc)):
                out.append(acc)
            return
        remaining = len(words) - i - 1
        for parts in range(1, left - remaining + 1):
            if len(words[i]) < parts:
                break
            for way in cut(words[i], parts):
                go(i + 1, left - parts, acc + way)

    try:
        go(0, size, [])
    except _GaveUp:
        return None
    return out


class _GaveUp(Exception):
    pass


def _figure(text: str) -> bool:
    return text == "0" or (text[:1] != "0" and len(text) <= MAX_PART)


def _int(word: str) -> int | None:
    try:
        return int(word)
    except ValueError:
        return None


# -- one document ----------------------------------------------------------------------------------
@dataclass
class Layout:
    """What the text reader made of a document: blocks, and problems per table."""

    blocks: list[Block]
    problems: list[tuple[str, str]]  # (where, what): figures that could not be read
    tables: set[str]  # keys of the tables read ("active", "applications", "reviews")
    notes: list[tuple[str, str]] = field(default_factory=list)  # (where, what): warnings


_HEADING_KEYS = {"active": 6, "applications": 6, "reviews": 8, "problems": 6}


def _heading_offsets(text: str) -> dict[str, tuple[int, int]]:
    """Section id → (start, end) of the headings 二、 to 五、 in the text, in order, wherever
    they stand (on their own line, or run into a table copied onto one line)."""
    found: dict[str, tuple[int, int]] = {}
    after = 0
    for section_id, label in SECTIONS:
        if section_id not in _HEADING_KEYS:
            continue
        numeral, body = label.split("、", 1)
        key = r"\s*".join(map(re.escape, body[: _HEADING_KEYS[section_id]]))
        tail = r"\s*".join(map(re.escape, body[_HEADING_KEYS[section_id] :]))
        pattern = re.compile(rf"{numeral}\s*[、.．]\s*(?:[^\s\d。]{{0,12}}?){key}(?:\s*{tail})?")
        match = pattern.search(text, after)
        if match:
            found[section_id] = match.span()
            after = match.end()
    return found


def join_lines(lines: list[str]) -> list[str]:
    """Lines of a text copied from a page → paragraphs (hard-wrapped lines joined again).

    A line ends its paragraph when it ends a sentence and falls short of the full line length,
    or is much shorter than a full line; a line indented more than the next one (a first-line
    indent, a centred title) or opening with a heading numeral starts a new one.
    """
    lines = [line for line in lines if line.strip() and not _PAGE_NUMBER.match(line)]
    lengths = sorted(len(x.strip()) for x in lines if len(x.strip()) > 8)
    full = lengths[len(lengths) * 3 // 4] if lengths else 0
    indents = [_indent(line) for line in lines]
    paragraphs: list[str] = []
    current = ""
    for i, raw in enumerate(lines):
        line = raw.strip()
        nxt = indents[i + 1] if i + 1 < len(lines) else indents[i]
        indented = indents[i] > nxt + 1 or (i > 0 and indents[i] > indents[i - 1] + 1)
        if current and (indented or _HEADING_START.match(line)):
            paragraphs.append(current)
            current = ""
        current = _glue(current, line)
        if (line[-1:] in SENTENCE_END and len(line) < full * 0.9) or (full and len(line) < full * 0.7) or _TITLE_LINE.search(line):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


_TITLE_LINE = re.compile(r"^.{0,30}(?:政府信息公开|政务公开)\S{0,8}报告$")
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])")


def _indent(line: str) -> int:
    stripped = line.lstrip()
    head = line[: len(line) - len(stripped)]
    return len(head) + head.count("\u3000") + 2 * head.count("\t")


def _glue(left: str, right: str) -> str:
    if not left:
        return right
    if re.search(r"[A-Za-z0-9]$", left) and re.match(r"^[A-Za-z0-9]", right):
        return left + " " + right
    return left + right


def read_layout(text: str, edition: Edition) -> Layout:
    """A document's text whose tables are in any copied layout → blocks, problems."""
    text = text.replace("\f", "\n")
    heads = _heading_offsets(text)
    table_ids = ("active", "applications", "reviews")
    starts = [heads[t][0] for t in table_ids if t in heads]
    if not starts:
        return Layout(join_lines(text.splitlines()), [], set())
    start = min(starts)
    end = heads["problems"][0] if "problems" in heads and heads["problems"][0] > start else len(text)
    area = "\n".join(line for line in text[start:end].splitlines() if not _PAGE_NUMBER.match(line))
    shift = {t: _area_offset(text, start, heads[t][0]) for t in table_ids if t in heads}
    tokens = tokenize(area)
    reader = _TableReader(tokens, edition)
    spans = {}
    for n, table_id in enumerate(table_ids):
        if table_id in shift:
            later = [shift[t] for t in table_ids[n + 1 :] if t in shift and shift[t] > shift[table_id]]
            spans[table_id] = (tokens_offset(tokens, shift[table_id]), tokens_offset(tokens, min(later, default=len(area))))
        else:
            spans[table_id] = (0, len(tokens.labels))
    rows: list[Block] = []
    labels = dict(SECTIONS)
    for table_id, read in (("active", reader.active), ("applications", reader.applications), ("reviews", reader.reviews)):
        rows.append(labels[table_id])
        rows += read(*spans[table_id])
    blocks = join_lines(text[:start].splitlines()) + rows + join_lines(text[end:].splitlines())
    return Layout(blocks, reader.problems, reader.tables, reader.notes)


def _area_offset(text: str, start: int, at: int) -> int:
    """Where offset `at` of the text falls in the area (its page-number lines dropped)."""
    before = text[start:at].splitlines(keepends=True)
    return sum(len(line) for line in before if not _PAGE_NUMBER.match(line.rstrip("\n")))


def tokens_offset(tokens: Tokens, original: int) -> int:
    """The label-text offset at an original-text offset."""
    i = bisect.bisect_left([orig for _, orig in tokens.origins], original)
    return tokens.origins[i][0] if i < len(tokens.origins) else len(tokens.labels)


class _TableReader:
    """Reads tables 二, 三 and 四 from one document's tokens; rows out, problems collected."""

    def __init__(self, tokens: Tokens, edition: Edition):
        self.tokens = tokens
        self.spec = edition
        self.problems: list[tuple[str, str]] = []
        self.tables: set[str] = set()
        self.notes: list[tuple[str, str]] = []

    def place(self, table: str, slots: list[Slot], lo: int, hi: int, fits, chunked=None) -> tuple[list[Slot], dict[str, list[str]]] | None:
        """Find the labels, then each row's run; `chunked(found, lo, hi)` is a second way to read
        the runs when they cannot be placed one run per row."""
        found, order = find_labels(self.tokens, slots, lo, hi)
        if order and chunked is not None:
            region = self.tokens.labels[lo:hi]
            anywhere = [s for s in slots if any(_present(region, f) for f in s.forms)]
            words = chunked(anywhere, lo, hi) if len(anywhere) == len(slots) else None
            if words:
                return anywhere, words
        if order:
            self.problems += [(table, p) for p in order]
            return None
        if not found:
            return None
        for slot in found:
            if slot.found_as:
                self.notes.append((f"{table} · {slot.where}", f"原文标签为“{slot.found_as}”，与官方标签不完全一致，按“{slot.label}”读取"))
        words, problems = assign(self.tokens, found, lo, hi, fits)
        if problems and chunked is not None:
            words = chunked(found, lo, hi)
            if words:
                return found, words
        if problems:
            self.problems += [(f"{table} · {where}" if where else table, what) for where, what in problems]
            return None
        return found, words

    def in_row_order(self, found: list[Slot], lo: int, hi: int) -> dict[str, list[str]] | None:
        """Table 三 when labels and numbers are printed apart (several labels, then their
        numbers): every number of the area in order, seven to a row, accepted only when every
        row's printed total equals the sum of its six columns (R3)."""
        words = [w for r in self.tokens.runs if lo < r.at <= hi for w in r.words]
        width = len(self.spec.applicants) + 1
        if len(words) != width * len(found):
            return None
        out = {}
        for i, slot in enumerate(found):
            chunk = words[i * width : (i + 1) * width]
            if not _r3(chunk):
                return None
            out[slot.key] = chunk
        self.notes.append((TABLE_3, "原文中行标签与数字分开排列，已按行的顺序逐行读取，每行的总计都等于各列之和，请核对"))
        return out

    # -- table 二 --
    def active(self, lo: int, hi: int) -> list[Block]:
        slots = []
        sizes = {}
        for block, row in self.spec.active_rows:
            forms = tuple(dict.fromkeys(clean(f) for f in (row.label, *row.aliases)))
            slots.append(Slot(row.id, row.label, forms, (len(block.fields),), f"{block.label} · {row.label}"))
            sizes[row.id] = len(block.fields)

        def fits(slot: Slot, words: list[str]) -> bool:
            return bool(_active_ways(words, slot.sizes[0]))

        placed = self.place(TABLE_2, slots, lo, hi, fits)
        if placed is None:
            return []
        found, words = placed
        rows: list[Block] = []
        table = 1
        for slot in found:
            ways = _active_ways(words[slot.key], slot.sizes[0])
            if ways is None or len(ways) != 1:
                self.problems.append((f"{TABLE_2} · {slot.where}", self._ambiguous(words[slot.key], slot.sizes[0])))
                return []
            block = next(b for b, r in self.spec.active_rows if r.id == slot.key)
            rows.append(Row((ACTIVE_ROW_HEADER, *(f.label for f in block.fields)), table))
            rows.append(Row((slot.label, *ways[0]), table))
        self.tables.add("active")
        return rows

    def _ambiguous(self, words: list[str], size: int) -> str:
        return f"数字连在一起（“{' '.join(words)}”），无法唯一地拆成 {size} 个数，未读取这张表，请手工填写"

    # -- table 三 --
    def applications(self, lo: int, hi: int) -> list[Block]:
        spec = self.spec
        total_key = "total"
        slots = []
        width = (len(spec.applicants) + 1, len(spec.applicants))
        for row in spec.intake_rows:
            slots.append(self._slot(row.id, row.label, row.aliases, width, row.label))
        for item in spec.result_items:
            if isinstance(item, AppGroup) and item.rows:
                for row in item.rows:
                    slots.append(self._slot(row.id, row.label, row.aliases, width, spec.app_row_path(row)))
            else:
                slots.append(self._slot(item.id, item.label, getattr(item, "aliases", ()), width, spec.app_row_path(item) if not isinstance(item, AppGroup) else item.label))
        from ..editions.types import RESULTS_LABEL, TOTAL_ROW_LABEL

        slots.append(self._slot(total_key, TOTAL_ROW_LABEL, (), width, f"{RESULTS_LABEL} · {TOTAL_ROW_LABEL}"))
        slots.append(self._slot(spec.carried_out.id, spec.carried_out.label, spec.carried_out.aliases, width, spec.carried_out.label))
        slots = self._single_groups(slots, lo, hi)

        def fits(slot: Slot, words: list[str]) -> bool:
            return bool(self._row_ways(words, slot.sizes))

        placed = self.place(TABLE_3, slots, lo, hi, fits, self.in_row_order)
        if placed is None:
            return []
        found, words = placed
        table = 2
        rows: list[Block] = []
        for slot in found:
            ways = self._row_ways(words[slot.key], slot.sizes)
            if ways is None or len(ways) != 1:
                shown = " ".join(words[slot.key])
                self.problems.append((f"{TABLE_3} · {slot.where}", f"数字连在一起（“{shown}”），按“总计等于各列之和”仍无法唯一拆分，未读取这张表，请手工填写"))
                return []
            rows.append(Row((slot.label, *ways[0]), table))
        self.tables.add("applications")
        return rows

    def _slot(self, key, label, aliases, sizes, where) -> Slot:
        forms = tuple(dict.fromkeys(f for f in (clean(label), *(clean(a) for a in aliases)) if f))
        return Slot(key, label, forms, sizes, where)

    def _single_groups(self, slots: list[Slot], lo: int, hi: int) -> list[Slot]:
        """A group printed as one row (a 2019-style （六）其他处理 in a 2021 table): its label
        becomes a row when none of its own rows' labels is in the text."""
        text = self.tokens.labels[lo:hi]
        for item in self.spec.result_items:
            if not (isinstance(item, AppGroup) and item.rows) or clean(item.label) not in text:
                continue
            keys = {r.id for r in item.rows}
            mine = [s for s in slots if s.key in keys]
            if any(f in text for s in mine for f in s.forms if len(f) >= 4):
                continue
            group = self._slot(item.id, item.label, item.aliases, mine[0].sizes, item.label)
            slots = [group if s is mine[0] else s for s in slots if s.key not in keys or s is mine[0]]
        return slots

    def _row_ways(self, words: list[str], sizes: tuple[int, ...]) -> list[list[str]] | None:
        """Ways to read a table-三 row: 6 figures and their printed total (R3 decides how digits
        run together are cut), or 6 figures alone. None when the search gave up."""
        if len(words) in sizes:
            return [list(words)]
        for size in sizes:
            check = _r3 if size == len(self.spec.applicants) + 1 else None
            ways = splits(words, size, check)
            if ways is None or ways:
                return ways
        return []

    # -- table 四 --
    def reviews(self, lo: int, hi: int) -> list[Block]:
        head = max(self.tokens.labels.find(clean(REVIEW_HEADER), lo, hi), lo)
        runs = [r for r in self.tokens.runs if head < r.at <= hi]
        words = [w for r in runs for w in r.words]
        if not words:
            return []
        groups = len(self.spec.review_groups)
        results = len(self.spec.review_results)
        width = results + 1
        ways: list[list[str]] | None = [words] if len(words) in (groups * width, groups * results) else []
        for size, check in ((groups * width, lambda parts: _r4(parts, results)), (groups * results, None)):
            if ways is None or ways:
                break
            ways = splits(words, size, check)
        if ways and len(ways) == 1:
            self.tables.add("reviews")
            return [Row((REVIEW_HEADER, LITIGATION_HEADER), 3), Row(tuple(ways[0]), 3)]
        shown = " ".join(words)
        shown = shown if len(shown) <= SNIPPET else shown[:SNIPPET] + "…"
        self.problems.append((TABLE_4, f"数字行应为 {groups * width} 个数（三组各 {width} 个），原文为“{shown}”，无法唯一地读出，未读取这张表，请手工填写"))
        return []



def _present(text: str, form: str) -> bool:
    """Whether a label stands in the text, also when other cells' text broke it in two."""
    if form in text:
        return True
    match = difflib.SequenceMatcher(None, text, form, autojunk=False).find_longest_match(0, len(text), 0, len(form))
    return match.size >= max(4, (len(form) + 1) // 2)


def _active_ways(words: list[str], size: int) -> list[list[str]] | None:
    """A table-二 row's figures; digits run together are cut only when just one cut exists."""
    return [list(words)] if len(words) == size else splits(words, size)


def _r3(parts: list[str]) -> bool:
    numbers = [_int(p) for p in parts]
    return None not in numbers and sum(numbers[:-1]) == numbers[-1]


def _r4(parts: list[str], results: int) -> bool:
    """Each group of ``results`` figures followed by their printed total adds up (R4)."""
    numbers = [_int(p) for p in parts]
    if None in numbers:
        return False
    width = results + 1
    return all(sum(numbers[i : i + results]) == numbers[i + results] for i in range(0, len(numbers), width))


def detect_from_text(text: str, editions_: list[Edition]) -> Edition | None:
    """The edition whose own labels the text uses most (substring search in the label text)."""
    from .tables import _markers

    form = clean(unicodedata.normalize("NFKC", text))
    hits = {e.id: sum(1 for m in _markers(e) if m in form) for e in editions_}
    best = max(hits.values(), default=0)
    winners = [e for e in editions_ if hits[e.id] == best]
    return winners[0] if best and len(winners) == 1 else None


__all__ = ["Layout", "detect_from_text", "join_lines", "read_layout", "splits", "tokenize"]
