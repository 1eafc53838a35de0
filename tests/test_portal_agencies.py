"""The portal's agency tree: spreadsheet import (.xlsx, .csv UTF-8/GBK) and entry one by one, on
SQLite and PostgreSQL — all rows or none, with the file, row and column of every problem."""

from __future__ import annotations

import io

import pytest

from docgen.web import agencies
from docgen.web.server import open_store
from docgen.web.service import WebError

GOOD = "名称,上级,级别\n某某市,,市\n某某县,某某市,县\n某某县财政局,某某县,机关\n某某县城关镇人民政府,某某县,\n"


@pytest.fixture
def store(database_url):
    store, _ = open_store(url=database_url)
    yield store
    store.engine.dispose()


def _tree(store) -> dict[str, tuple[str, str]]:
    items = agencies.all_agencies(store)
    names = {a.id: a.name for a in items}
    return {a.name: (names.get(a.parent_id, ""), a.level) for a in items}


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_csv_utf8_then_again_changes_nothing(store):
    done = agencies.import_table(store, "机关表.csv", GOOD.encode("utf-8-sig"))
    assert (done.added, done.updated) == (4, 0)
    assert _tree(store) == {
        "某某市": ("", "市"), "某某县": ("某某市", "县"),
        "某某县财政局": ("某某县", "机关"), "某某县城关镇人民政府": ("某某县", "机关"),  # 级别 empty: 机关
    }
    again = agencies.import_table(store, "机关表.csv", GOOD.encode("utf-8"))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    ordered = [(a.name, depth) for a, depth in agencies.tree(agencies.all_agencies(store))]
    assert ordered[:2] == [("某某市", 0), ("某某县", 1)] and {d for _, d in ordered[2:]} == {2}


def test_import_gbk_csv_and_xlsx(store):
    agencies.import_table(store, "gbk.csv", "名称,上级,级别\n甲县,,县\n甲县教育局,甲县,机关\n".encode("gbk"))
    # columns in any order, an existing 上级 from the database, full-width letters normalised
    done = agencies.import_table(store, "表.xlsx", _xlsx([["级别", "名称", "上级"], ["机关", "甲县ＡＢ局", "甲县"], [None, None, None], ["县", "乙县", ""]]))
    assert (done.added, done.updated) == (2, 0)
    assert _tree(store)["甲县AB局"] == ("甲县", "机关") and _tree(store)["甲县教育局"] == ("甲县", "机关")


def test_move_an_agency_by_reimport(store):
    agencies.import_table(store, "a.csv", GOOD.encode())
    done = agencies.import_table(store, "b.csv", "名称,上级,级别\n某某县,,县\n".encode())
    assert (done.added, done.updated) == (0, 1) and _tree(store)["某某县"] == ("", "县")


H = "名称,上级,级别\n好局,老县,机关\n"  # a good first row: not stored either when another row is bad


@pytest.mark.parametrize(
    "text, fragments",
    [
        (H + "甲县,,县\n甲县,,县\n", ["第4行“名称”列", "“甲县”重复（第3行已有）"]),
        (H + "甲局,乙县,机关\n", ["第3行“上级”列", "上级“乙县”不存在"]),
        (H + "甲市,乙市,市\n乙市,甲市,市\n", ["上级关系成环：甲市 → 乙市 → 甲市"]),
        (H + "甲局,甲局,机关\n", ["不能是自己的上级"]),
        (H + "甲县,,县\n甲局,甲县,机关\n乙局,甲局,机关\n", ["第5行“上级”列", "不高于“乙局”的“机关”级"]),
        (H + "甲县,,区\n", ["第3行“级别”列", "级别应为机关、县、市、省之一，实际为“区”"]),
        (H + ",甲县,机关\n", ["第3行“名称”列", "名称不能为空"]),
        ("机关,上级单位\n甲县,\n", ["第1行", "缺少“名称”“上级”列"]),
    ],
)
def test_bad_tables_store_nothing(store, text, fragments):
    agencies.import_table(store, "old.csv", "名称,上级,级别\n老县,,县\n".encode())
    with pytest.raises(WebError) as info:
        agencies.import_table(store, "机关表.csv", text.encode())
    shown = info.value.message + "\n".join(f"{p.where}：{p.what}" for p in info.value.problems)
    assert "机关表.csv" in shown
    for fragment in fragments:
        assert fragment in shown, shown
    assert set(_tree(store)) == {"老县"}  # nothing of the bad file stored, not even its good rows


@pytest.mark.parametrize("name, data, fragment", [
    ("x.csv", b"", "文件是空的"),
    ("x.xlsx", b"PK\x03\x04 not a zip", "不是有效的 .xlsx 工作簿"),
    ("x.docx", b"abc", "只支持 .xlsx 工作簿或 .csv 文件"),
    ("x.csv", "名称,上级,级别\n".encode(), "只有列名"),
])
def test_unreadable_files(store, name, data, fragment):
    with pytest.raises(WebError) as info:
        agencies.import_table(store, name, data)
    assert fragment in info.value.message and name in info.value.message


def test_entry_in_the_page_add_rename_move(store):
    city = agencies.save_agency(store, None, "某市", None, "市")
    county = agencies.save_agency(store, None, "某县", city, "县")
    office = agencies.save_agency(store, None, "某县统计局", county, "")
    assert _tree(store)["某县统计局"] == ("某县", "机关")
    with pytest.raises(WebError) as info:
        agencies.save_agency(store, None, "某县", city, "县")
    assert "“某县”已存在" in info.value.problems[0].what
    with pytest.raises(WebError) as info:  # a city under its own county
        agencies.save_agency(store, city, "某市", county, "市")
    assert any("不高于" in p.what or "成环" in p.what for p in info.value.problems)
    agencies.save_agency(store, county, "某县（新名）", city, "县")  # renamed: its agencies follow
    assert _tree(store)["某县统计局"] == ("某县（新名）", "机关")
    assert agencies.below(agencies.all_agencies(store), city) == {city, county, office}
    with pytest.raises(WebError) as info:
        agencies.save_agency(store, 9999, "无", None, "县")
    assert info.value.status == 404


def test_example_file_imports(store):
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[1] / "docs" / "agencies-example.csv"
    assert shipped.read_text(encoding="utf-8") == agencies.EXAMPLE_CSV  # the README's example is the page's
    done = agencies.import_table(store, "示例.csv", agencies.example_csv())
    assert done.added == 4 and _tree(store)["某某县某某镇人民政府"] == ("某某县", "机关")
