"""The agency tree of the portal: a county above its departments and 乡镇, a city above its
counties, a province above its cities (portaldb.LEVELS). Imported from a spreadsheet (.xlsx or
.csv in UTF-8 or GBK, columns 名称, 上级, 级别) or entered one by one in the page.

Every change is checked whole before anything is stored: names unique and non-empty, the 上级
known (in the file or already stored), no cycle, and a 上级 always of a higher level than the
agencies under it (机关 < 县 < 市 < 省). An import stores all of its rows in one transaction, or none.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update

from ..errors import Problem
from .portaldb import AGENCY, COUNTY, LEVELS, agencies
from .service import WebError
from .store import Store, now

MAX_NAME = 100
MAX_ROWS = 20000
MAX_FILE_BYTES = 5 * 1024 * 1024
COLUMNS = ("名称", "上级", "级别")
RANK = {level: i for i, level in enumerate(LEVELS)}  # 机关 0 < 县 1 < 市 2 < 省 3
EXAMPLE_CSV = "名称,上级,级别\n某某市,,市\n某某县,某某市,县\n某某县财政局,某某县,机关\n某某县某某镇人民政府,某某县,机关\n"


@dataclass(frozen=True)
class Agency:
    id: int
    name: str
    parent_id: int | None
    level: str


@dataclass
class Imported:
    added: int
    updated: int
    unchanged: int


# -- reading ---------------------------------------------------------------------------------------
def all_agencies(store: Store) -> list[Agency]:
    c = agencies.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(c.id, c.name, c.parent_id, c.level).order_by(c.name))
        return [Agency(*row) for row in rows]


def get(store: Store, agency_id: int) -> Agency | None:
    c = agencies.c
    with store.engine.connect() as conn:
        row = conn.execute(select(c.id, c.name, c.parent_id, c.level).where(c.id == agency_id)).first()
    return Agency(*row) if row else None


def tree(items: Iterable[Agency]) -> list[tuple[Agency, int]]:
    """The agencies depth first (higher levels first, then in the order they were entered), each with its depth."""
    items = list(items)
    children: dict[int | None, list[Agency]] = {}
    ids = {a.id for a in items}
    for a in items:
        children.setdefault(a.parent_id if a.parent_id in ids else None, []).append(a)
    for kids in children.values():
        kids.sort(key=lambda a: (-RANK.get(a.level, 0), a.id))
    out: list[tuple[Agency, int]] = []
    stack = [(a, 0) for a in reversed(children.get(None, []))]
    while stack:
        a, depth = stack.pop()
        out.append((a, depth))
        stack.extend((k, depth + 1) for k in reversed(children.get(a.id, [])))
    return out


def below(items: Iterable[Agency], root_id: int) -> set[int]:
    """The ids of an agency and of everything under it."""
    children: dict[int | None, list[int]] = {}
    for a in items:
        children.setdefault(a.parent_id, []).append(a.id)
    out, todo = set(), [root_id]
    while todo:
        current = todo.pop()
        if current not in out:
            out.add(current)
            todo.extend(children.get(current, []))
    return out


def clean_name(text: str) -> str:
    """Full-width letters and digits as ASCII (Chinese punctuation such as （） kept), no control
    characters, single spaces."""
    text = "".join(unicodedata.normalize("NFKC", ch) if ch.isalnum() and "\uff10" <= ch <= "\uff5a" else ch for ch in str(text or ""))
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch.isspace()).split())


# -- the spreadsheet -------------------------------------------------------------------------------
@dataclass
class Row:
    line: int  # the row number as the spreadsheet shows it
    name: str
    parent: str
    level: str


def read_table(filename: str, data: bytes) -> list[Row]:
    """The rows of an agency spreadsheet (.xlsx, .csv in UTF-8 or GBK); WebError naming the file,
    the row and the column for anything unreadable."""
    name = Path((filename or "").replace("\\", "/")).name[:120] or "上传的文件"
    suffix = Path(name).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        raise WebError(f"无法导入机关表“{name}”：文件过大（上限 {MAX_FILE_BYTES // 1024 // 1024} MB）", status=413)
    if suffix == ".xlsx":
        raw = _xlsx_rows(name, data)
    elif suffix in (".csv", ".txt"):
        raw = _csv_rows(name, data)
    else:
        raise WebError(f"无法导入机关表“{name}”：只支持 .xlsx 工作簿或 .csv 文件（列：名称、上级、级别）")
    return _rows(name, raw)


def _xlsx_rows(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a zip bomb is refused before openpyxl inflates it
            if sum(i.file_size for i in archive.infolist()) > 100 * 1024 * 1024:
                raise WebError(f"无法导入机关表“{name}”：工作簿解压后过大")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except WebError:
        raise
    except Exception:
        raise WebError(f"无法导入机关表“{name}”：不是有效的 .xlsx 工作簿（可在 Excel 或 WPS 中另存为 .xlsx 或 .csv）") from None
    try:
        sheet = book.worksheets[0]
        out = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise WebError(f"无法导入机关表“{name}”：行数过多（上限 {MAX_ROWS} 行）")
            out.append((number, ["" if v is None else str(v) for v in values]))
        return out
    finally:
        book.close()


def _csv_rows(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes nearly anything; kept for completeness
        raise WebError(f"无法导入机关表“{name}”：文件编码无法识别（请保存为 UTF-8 或 GBK 编码的 .csv）")
    if "\x00" in text:
        raise WebError(f"无法导入机关表“{name}”：不是文本文件（请保存为 .csv 或 .xlsx）")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    out = []
    number = 0
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            if number > MAX_ROWS + 1:
                raise WebError(f"无法导入机关表“{name}”：行数过多（上限 {MAX_ROWS} 行）")
            out.append((number, values))
    except csv.Error as exc:
        raise WebError(f"无法导入机关表“{name}”：第 {number + 1} 行无法读取（{exc}）") from None
    return out


def _rows(name: str, raw: list[tuple[int, list[str]]]) -> list[Row]:
    raw = [(n, [clean_name(v) for v in values]) for n, values in raw]
    raw = [(n, values) for n, values in raw if any(values)]
    if not raw:
        raise WebError(f"无法导入机关表“{name}”：文件是空的（第一行应为列名：名称、上级、级别）")
    header_line, header = raw[0]
    where = {col: header.index(col) for col in COLUMNS if col in header}
    missing = [col for col in ("名称", "上级") if col not in where]
    if missing:
        found = "、".join(h for h in header if h)[:80] or "（空）"
        raise WebError(
            f"无法导入机关表“{name}”",
            [Problem(name, header_line, f"{name} 第{header_line}行", f"缺少“{'”“'.join(missing)}”列（应有列：名称、上级、级别；实际为：{found}）")],
        )
    rows = []
    for line, values in raw[1:]:
        def cell(col: str) -> str:
            i = where.get(col)
            return values[i] if i is not None and i < len(values) else ""

        rows.append(Row(line, cell("名称"), cell("上级"), cell("级别")))
    if not rows:
        raise WebError(f"无法导入机关表“{name}”：只有列名，没有机关")
    return rows


# -- checking and storing ------------------------------------------------------------------------------
def _problem(file: str, line: int, column: str, what: str) -> Problem:
    where = f"{file} 第{line}行“{column}”列" if file else f"“{column}”"
    return Problem(file, line, where, what)


def check_rows(file: str, rows: list[Row], stored: list[Agency]) -> list[Problem]:
    """Everything wrong with rows that are to be stored next to (or over) the stored agencies."""
    problems: list[Problem] = []
    first: dict[str, Row] = {}
    for row in rows:
        if not row.name:
            problems.append(_problem(file, row.line, "名称", "名称不能为空"))
            continue
        if len(row.name) > MAX_NAME:
            problems.append(_problem(file, row.line, "名称", f"名称过长（{len(row.name)} 字，上限 {MAX_NAME} 字）"))
        if row.name in first:
            problems.append(_problem(file, row.line, "名称", f"“{row.name}”重复（第{first[row.name].line}行已有）"))
            continue
        first[row.name] = row
        if row.level and row.level not in LEVELS:
            problems.append(_problem(file, row.line, "级别", f"级别应为{'、'.join(LEVELS)}之一，实际为“{row.level[:20]}”"))
    # the whole tree after the change: stored agencies, overwritten by the rows
    level = {a.name: a.level for a in stored}
    by_id = {a.id: a.name for a in stored}
    parent = {a.name: by_id.get(a.parent_id, "") for a in stored}
    for row in first.values():
        level[row.name] = row.level if row.level in LEVELS else level.get(row.name, AGENCY)
        parent[row.name] = row.parent
    for row in first.values():
        if not row.parent:
            continue
        if row.parent == row.name:
            problems.append(_problem(file, row.line, "上级", f"“{row.name}”不能是自己的上级"))
        elif row.parent not in level:
            problems.append(_problem(file, row.line, "上级", f"上级“{row.parent[:MAX_NAME]}”不存在（既不在本表中，也不是已有的机关）"))
        elif RANK.get(level[row.parent], 0) <= RANK.get(level[row.name], 0):
            problems.append(_problem(
                file, row.line, "上级",
                f"上级“{row.parent}”是“{level[row.parent]}”级，不高于“{row.name}”的“{level[row.name]}”级（级别由低到高：{'、'.join(LEVELS)}）",
            ))
    reported: set[str] = set()
    for row in first.values():
        cycle = _cycle(row.name, parent)
        if cycle and not reported & set(cycle):
            reported.update(cycle)
            problems.append(_problem(file, row.line, "上级", f"上级关系成环：{' → '.join(cycle + [cycle[0]])}"))
    return problems


def _cycle(start: str, parent: dict[str, str]) -> list[str] | None:
    seen: list[str] = []
    current = start
    while current:
        if current in seen:
            return seen[seen.index(current):]
        seen.append(current)
        current = parent.get(current, "")
    return None


def import_table(store: Store, filename: str, data: bytes) -> Imported:
    """Read, check and store an agency spreadsheet: all rows or none. A name already stored is
    updated (its 上级 and, when given, its 级别), so importing the same file again changes nothing."""
    name = Path((filename or "").replace("\\", "/")).name[:120] or "上传的文件"
    rows = read_table(name, data)
    with store.writing() as conn:
        stored = _locked(conn)
        problems = check_rows(name, rows, stored)
        if problems:
            shown = problems[:50]
            more = f"（另有 {len(problems) - 50} 处，先改正以上各处）" if len(problems) > 50 else ""
            raise WebError(f"无法导入机关表“{name}”：{len(problems)} 处问题，未导入任何机关{more}", shown)
        return _store_rows(conn, rows, stored)


def _locked(conn) -> list[Agency]:
    """The stored agencies, read inside the writing transaction (PostgreSQL: locked against a
    concurrent import or edit)."""
    c = agencies.c
    query = select(c.id, c.name, c.parent_id, c.level).order_by(c.id)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return [Agency(*row) for row in conn.execute(query)]


def _store_rows(conn, rows: list[Row], stored: list[Agency]) -> Imported:
    by_name = {a.name: a for a in stored}
    stamp = now()
    new = [r for r in rows if r.name not in by_name]
    if new:
        conn.execute(insert(agencies), [{"name": r.name, "level": r.level or AGENCY, "parent_id": None, "created_at": stamp} for r in new])
    ids = {name: id_ for id_, name in conn.execute(select(agencies.c.id, agencies.c.name))}
    updated = unchanged = 0
    changes = []
    for r in rows:
        old = by_name.get(r.name)
        parent_id = ids[r.parent] if r.parent else None
        level = r.level or (old.level if old else AGENCY)
        if old is None:
            if parent_id is not None:
                changes.append({"b_id": ids[r.name], "b_parent": parent_id, "b_level": level})
        elif (old.parent_id, old.level) != (parent_id, level):
            changes.append({"b_id": old.id, "b_parent": parent_id, "b_level": level})
            updated += 1
        else:
            unchanged += 1
    if changes:
        from sqlalchemy import bindparam

        statement = (
            update(agencies)
            .where(agencies.c.id == bindparam("b_id"))
            .values(parent_id=bindparam("b_parent"), level=bindparam("b_level"))
        )
        conn.execute(statement, changes)
    return Imported(len(new), updated, unchanged)


def save_agency(store: Store, agency_id: int | None, name: str, parent_id: int | None, level: str) -> int:
    """Add an agency (agency_id None) or change one (its name, 上级, 级别): the same checks as an
    import. Returns the agency's id."""
    name, level = clean_name(name), clean_name(level) or AGENCY
    with store.writing() as conn:
        stored = _locked(conn)
        by_id = {a.id: a for a in stored}
        if agency_id is not None and agency_id not in by_id:
            raise WebError("没有这个机关", status=404)
        if parent_id is not None and parent_id not in by_id:
            raise WebError("所选上级机关不存在（可能已被修改），请刷新页面")
        others = [a for a in stored if a.id != agency_id]
        row = Row(0, name, by_id[parent_id].name if parent_id is not None else "", level)
        # a renamed agency: its children follow it by id; check the tree under its new name
        if agency_id is not None:
            old = by_id[agency_id].name
            others = [Agency(a.id, a.name, a.parent_id, a.level) for a in others]
            stored_view = others + [Agency(agency_id, name, parent_id, level)]
            if old != name and any(a.name == name for a in others):
                raise WebError("无法保存机关", [_problem("", 0, "名称", f"“{name}”已存在")])
        else:
            stored_view = others
            if any(a.name == name for a in others):
                raise WebError("无法保存机关", [_problem("", 0, "名称", f"“{name}”已存在")])
        problems = check_rows("", [row], stored_view)
        if problems:
            raise WebError("无法保存机关", problems)
        if agency_id is None:
            return int(conn.execute(
                insert(agencies).values(name=name, parent_id=parent_id, level=level, created_at=now())
            ).inserted_primary_key[0])
        conn.execute(update(agencies).where(agencies.c.id == agency_id).values(name=name, parent_id=parent_id, level=level))
        return agency_id


def example_csv() -> bytes:
    """The documented example file (UTF-8 with BOM, which Excel and WPS open as Chinese)."""
    return ("\ufeff" + EXAMPLE_CSV).encode("utf-8")


__all__ = ["AGENCY", "COUNTY", "Agency", "Imported", "all_agencies", "below", "example_csv", "get", "import_table", "save_agency", "tree"]
