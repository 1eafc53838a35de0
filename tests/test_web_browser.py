"""`docgen serve` in a real browser (Playwright driving Debian's chromium): create a report,
type figures, see R1 on the right cell and clear it, Chinese through a real IME composition,
paste a block, reload, restore a revision, and download a .docx equal to `docgen render`'s."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import needs_soffice, requires
from support.web import missing, serve

try:
    import playwright  # noqa: F401
except ImportError:  # fails in CI, skips elsewhere
    missing("Playwright（pip install -e '.[test]'）")

SAVED = "document.querySelector('[data-role=saved]').textContent.includes('已保存')"


@pytest.fixture(scope="module")
def base_url_sqlite(tmp_path_factory):
    from docgen.web.store import sqlite_url

    with serve(sqlite_url(tmp_path_factory.mktemp("web"))) as url:
        yield url


def cell(page, path):
    return page.locator(f'[data-cell="{path}"]')


def wait_saved(page):
    page.wait_for_function(SAVED, timeout=10_000)


def create(page, base, agency="青山镇人民政府", year="2025"):
    page.goto(base + "/")
    form = page.locator('[data-action="new"]')
    form.locator('[name="agency"]').fill(agency)
    form.locator('[name="year"]').fill(year)
    form.locator('button[type="submit"]').click()
    page.wait_for_url("**/reports/*")
    return page.url


def test_type_check_ime_paste_reload(page, base_url_sqlite):
    editor = create(page, base_url_sqlite)
    saves = []
    page.on("request", lambda r: saves.append(r.post_data or "") if r.url.endswith("/save") else None)

    # type a figure: R1 appears on the cells of that column, focus and caret stay put
    received = cell(page, "applications.received.0")
    received.click()
    received.press("Control+a")
    received.press_sequentially("5")
    wait_saved(page)
    page.wait_for_selector('[data-finding="R1"]')
    assert page.locator('[data-finding="R1"]').count() == 2
    assert "一、本年新收 5" in page.locator('[data-role="findings"]').inner_text()
    assert received.get_attribute("data-error") is not None
    assert page.evaluate("document.activeElement.dataset.cell") == "applications.received.0"
    assert page.evaluate("document.activeElement.selectionStart") == 1
    assert page.locator('[data-total="applications.received.6"]').inner_text() == "5"

    # Enter moves down a row: 一、本年新收 → 二、上年结转 → （一）予以公开; fix R1 there (full-width digit)
    received.press("Enter")
    assert page.evaluate("document.activeElement.dataset.cell") == "applications.carried_in.0"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.cell") == "applications.granted.0"
    page.keyboard.type("５")
    wait_saved(page)
    page.wait_for_function("document.querySelectorAll('[data-finding=\"R1\"]').length === 0")
    assert received.get_attribute("data-error") is None
    assert page.locator('[data-total="applications.total.0"]').inner_text() == "5"
    page.keyboard.press("ArrowRight")  # caret at the end: the next column
    assert page.evaluate("document.activeElement.dataset.cell") == "applications.granted.1"

    # a word in a count: the loader's message, the cell marked, nothing stored
    bad = cell(page, "reviews.review.1")
    bad.fill("三件")
    wait_saved(page)
    page.wait_for_selector('[data-finding="输入"]')
    assert "实际为“三件”（文字）" in page.locator('[data-role="findings"]').inner_text()
    assert bad.get_attribute("data-error") is not None
    bad.fill("2")
    wait_saved(page)
    page.wait_for_function("!document.querySelector('[data-cell=\"reviews.review.1\"]').hasAttribute('data-error')")

    # Chinese through a real IME composition: nothing is sent until the word is chosen
    problems = page.locator('[data-field="problems"]')
    problems.click()
    problems.press("Control+a")
    problems.press("Delete")
    wait_saved(page)
    before = len(saves)
    cdp = page.context.new_cdp_session(page)
    for typed in ("z", "zh", "zhe", "zheng", "zhengw", "zhengwu"):
        cdp.send("Input.imeSetComposition", {"text": typed, "selectionStart": len(typed), "selectionEnd": len(typed)})
        page.wait_for_timeout(120)
    page.wait_for_timeout(500)
    assert len(saves) == before, "a request was sent during the IME composition"
    cdp.send("Input.insertText", {"text": "政务"})
    wait_saved(page)
    page.wait_for_timeout(400)
    assert len(saves) >= before + 1
    assert "%E6%94%BF%E5%8A%A1" in saves[-1]  # 政务, and no pinyin letters leaked
    assert "zh" not in saves[-1].split("problems=")[1].split("&")[0]
    assert problems.input_value() == "政务"

    # paste a block copied from a spreadsheet (tab-separated rows) into the focused cell
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    first = cell(page, "applications.refused.state_secret.0")
    first.click()
    page.evaluate("navigator.clipboard.writeText('1\\t2\\t3\\n4\\t５\\t6\\n')")
    page.keyboard.press("Control+V")
    wait_saved(page)
    assert [cell(page, f"applications.refused.state_secret.{i}").input_value() for i in range(3)] == ["1", "2", "3"]
    assert [cell(page, f"applications.refused.prohibited_by_law.{i}").input_value() for i in range(3)] == ["4", "５", "6"]
    page.wait_for_function("document.querySelector('[data-total=\"applications.refused.prohibited_by_law.6\"]').textContent === '15'")

    # reload: everything is there
    page.goto(editor)
    assert cell(page, "applications.received.0").input_value() == "5"
    assert cell(page, "applications.granted.0").input_value() == "5"
    assert cell(page, "reviews.review.1").input_value() == "2"
    assert cell(page, "applications.refused.prohibited_by_law.1").input_value() == "5"
    assert page.locator('[data-field="problems"]').input_value() == "政务"
    assert page.locator('[data-total="applications.total.6"]').inner_text() == "26"


def test_sections_revisions_and_restore(page, base_url_sqlite):
    editor = create(page, base_url_sqlite, agency="白水镇人民政府")
    titles = page.locator('[data-field$=".title"]')
    assert titles.count() == 5
    page.once("dialog", lambda d: d.accept())
    page.locator('[data-move="remove"]').first.click()
    wait_saved(page)
    page.locator('[data-move="up"]').nth(1).click()  # the (new) second section moves up
    wait_saved(page)
    page.locator('[data-action="add-section"]').click()
    page.keyboard.type("新增小节")
    wait_saved(page)
    page.goto(editor)
    assert [titles.nth(i).input_value() for i in range(titles.count())] == ["政府信息管理", "依申请公开", "政府信息公开平台建设", "监督保障", "新增小节"]
    cell(page, "active.licensing").fill("9")
    wait_saved(page)
    page.locator('[data-action="revisions"]').click()
    rows = page.locator("[data-revision]")
    assert rows.count() >= 5
    assert "行政许可" in rows.first.inner_text() and "0 → 9" in rows.first.inner_text()
    # revision 1 in the official grid, read-only, what differs from now marked; YAML one link away
    page.locator('[data-revision="1"] [data-action="view"]').click()
    assert titles.count() == 5 and titles.first.input_value() == "主动公开"
    licensing = cell(page, "active.licensing")
    assert licensing.input_value() == "0" and licensing.get_attribute("readonly") is not None
    assert licensing.get_attribute("data-changed") is not None and "9" in licensing.get_attribute("title")
    assert cell(page, "active.regulations.issued").get_attribute("data-changed") is None
    assert page.locator('[data-field="overview.sections.0.title"]').get_attribute("data-changed") is not None
    assert page.locator('[data-change="active.licensing"]').count() == 1
    licensing.press("5")  # read-only: typing changes nothing
    assert licensing.input_value() == "0"
    page.locator('[data-action="yaml"]').click()
    assert "主动公开" in page.locator("pre.yaml").inner_text()
    page.go_back()
    page.locator('[data-action="restore"]').click()
    page.wait_for_url(editor)
    assert titles.count() == 5 and titles.first.input_value() == "主动公开"
    assert cell(page, "active.licensing").input_value() == "0"

    # a narrative sentence that contradicts the tables marks its text field, live, and clears
    problems = page.locator('[data-field="problems"]')
    problems.fill("本年度共收到政府信息公开申请9件。")
    wait_saved(page)
    page.wait_for_function("document.querySelector('[data-field=\"problems\"]').getAttribute('data-error') === 'warning'")
    assert page.locator('[data-finding="正文"][data-cells="problems"]').count() == 1
    problems.fill("本年度共收到政府信息公开申请0件。")
    wait_saved(page)
    page.wait_for_function("!document.querySelector('[data-field=\"problems\"]').hasAttribute('data-error')")


def test_downloaded_docx_equals_cli_render(page, base_url_sqlite, cli, tmp_path):
    from docx import Document

    create(page, base_url_sqlite, agency="红石镇人民政府")
    cell(page, "applications.received.2").fill("4")
    cell(page, "applications.granted.2").fill("4")
    page.locator('[data-field="other_matters"]').fill("本年度收取信息处理费 0 元。\n\n其他事项 & <说明>。")
    wait_saved(page)
    files = {}
    for fmt in ("docx", "yaml", "xlsx"):
        with page.expect_download() as info:
            page.locator(f'[data-download="{fmt}"]').click()
        files[fmt] = tmp_path / f"web.{fmt}"
        info.value.save_as(files[fmt])
    assert cli("render", files["yaml"], "-o", tmp_path / "cli", "--formats", "docx").code == 0
    web, made = Document(files["docx"]), Document(tmp_path / "cli" / "web.docx")
    assert [p.text for p in web.paragraphs] == [p.text for p in made.paragraphs]
    assert "其他事项 & <说明>。" in [p.text for p in web.paragraphs]
    assert len(web.tables) == len(made.tables) == 3
    for a, b in zip(web.tables, made.tables):
        assert [[c.text for c in row.cells] for row in a.rows] == [[c.text for c in row.cells] for row in b.rows]
    rows = [[c.text for c in row.cells] for row in web.tables[1].rows]
    assert any(r[0].startswith("一、本年新收") and "4" in r for r in rows)
    pdf = page.locator('[data-download="pdf"]')
    assert pdf.count() == 1


def test_browser_on_postgresql(page, pg_url):
    from support.web import reset_postgres

    reset_postgres(pg_url)
    with serve(pg_url) as base:
        editor = create(page, base, agency="云台镇人民政府")
        cell(page, "applications.received.0").fill("3")
        wait_saved(page)
        page.wait_for_selector('[data-finding="R1"]')
        page.goto(editor)
        assert cell(page, "applications.received.0").input_value() == "3"
        assert page.locator('[data-finding="R1"]').count() == 2


def test_leaving_the_page_right_after_typing_keeps_the_change(page, base_url_sqlite):
    editor = create(page, base_url_sqlite, agency="青溪镇人民政府")
    target = cell(page, "reviews.litigation_direct.2")
    target.click()
    target.press("Control+a")
    page.keyboard.type("7")
    page.goto(base_url_sqlite + "/")  # before the 300 ms pause is over: the page sends it as it goes
    page.wait_for_timeout(500)
    page.goto(editor)
    assert cell(page, "reviews.litigation_direct.2").input_value() == "7"


@needs_soffice
@requires(shutil.which("pdftotext") is None, "未安装 poppler-utils（pdftotext），跳过真实客户端测试")
def test_downloaded_pdf_is_a_real_pdf_with_the_tables_figures(page, base_url_sqlite, tmp_path):
    create(page, base_url_sqlite, agency="黄土镇人民政府")
    figures = {"applications.received.0": "37", "applications.granted.0": "37", "active.licensing": "4321", "reviews.review.0": "12"}
    for path, value in figures.items():
        cell(page, path).fill(value)
    wait_saved(page)
    with page.expect_download(timeout=120_000) as info:
        page.locator('[data-download="pdf"]').click()
    pdf = tmp_path / "web.pdf"
    info.value.save_as(pdf)
    assert info.value.suggested_filename == "黄土镇人民政府2025年度报告.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and b"%%EOF" in pdf.read_bytes()[-1024:]
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    words = text.split()
    assert "黄土镇人民政府" in text and "二、主动公开政府信息情况" in text
    assert words.count("4321") == 1 and words.count("37") >= 4 and "12" in words  # 新收, 予以公开 and their 总计
