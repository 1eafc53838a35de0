"""The portal's whole cycle in a real browser (Playwright driving Debian's chromium), three users in
three browser contexts: the clerk fills and submits, the reviewer returns it with a reason, the
clerk sees the reason, fixes and submits again, the reviewer approves, the 管理员 rolls up and
downloads — and the 汇总's figures equal `docgen rollup` of the same reports' YAML, every cell.

Only the stable hooks are used: data-action=login/submit/return/approve/rollup, data-cell,
data-total, data-download (and the reason field of the return control)."""

from __future__ import annotations

import random
import zipfile

import pytest
from support.web import missing, serve

try:
    import playwright  # noqa: F401
except ImportError:  # fails in CI, skips elsewhere
    missing("Playwright（pip install -e '.[test]'）")

COUNTY = "青山县人民政府"
YEAR = "2025"
REASON = "表二“行政许可”本年处理决定数量与台账不符，请核对后重新提交。"
SAVED = '[data-role="saved"]:has-text("已保存")'  # (no wait_for_function: the portal's CSP forbids eval)


@pytest.fixture
def portal(tmp_path):
    """A portal with the fixture's accounts; 青山县 above agencies A (the clerk's, no report yet) and
    B (an approved report of the year, put straight into the store)."""
    from sqlalchemy import update
    from support.county import add_agency, add_report
    from support.portal import AGENCY_B, portal_store
    from test_rollup import make_agency

    from docgen.web.portaldb import APPROVED, COUNTY as COUNTY_LEVEL, agencies
    from docgen.web.store import sqlite_url

    url = sqlite_url(tmp_path)
    store, _, _, agency_a, agency_b = portal_store(url)
    county_id = add_agency(store, COUNTY, COUNTY_LEVEL)
    with store.engine.begin() as conn:
        conn.execute(update(agencies).where(agencies.c.id.in_([agency_a, agency_b])).values(parent_id=county_id))
    add_report(store, agency_b, make_agency(random.Random(13), 2021, AGENCY_B, year=int(YEAR)).yaml(), APPROVED)
    store.engine.dispose()
    with serve(url, portal=True) as base:
        yield base


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN", accept_downloads=True)
    return context.new_page()


def login(page, base, username):
    from support.portal import PASSWORD

    page.goto(base + "/login")
    form = page.locator('[data-action="login"]')
    form.locator('[name="username"]').fill(username)
    form.locator('[name="password"]').fill(PASSWORD)
    form.locator('[type="submit"]').click()
    page.wait_for_url(lambda url: "/login" not in url)


def fill(page, path, value):
    page.locator(f'[data-cell="{path}"]').fill(value)


def state_is(page, state):
    page.wait_for_selector(f'[data-role="workflow"][data-state="{state}"]', timeout=10_000)


def download(page, hook, target):
    with page.expect_download() as info:
        page.locator(f'[data-download="{hook}"]').first.click()
    info.value.save_as(target)
    return target


def test_three_users_fill_return_fix_approve_and_roll_up(browser, portal, cli, tmp_path):
    from docx import Document

    from docgen.editions.grid import grids, value_at
    from docgen.report.load import load
    from docgen.web import formdoc
    from docgen.web.app import totals_of

    base = portal
    clerk, reviewer, admin = new_page(browser), new_page(browser), new_page(browser)
    violations = []  # the portal's Content-Security-Policy: no page may break it
    for page in (clerk, reviewer, admin):
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None)

    # the clerk logs in, starts the report of the year and fills it in
    login(clerk, base, "clerk")
    clerk.goto(base + "/")
    form = clerk.locator('[data-action="new"]')
    form.locator('[name="year"]').fill(YEAR)
    form.locator('[type="submit"]').click()
    clerk.wait_for_url("**/reports/*")
    editor = clerk.url
    for path, value in (("applications.received.0", "6"), ("applications.granted.0", "6"), ("active.licensing", "4")):
        fill(clerk, path, value)
    clerk.wait_for_selector(SAVED, timeout=10_000)
    clerk.locator('[data-action="submit"]').click()
    state_is(clerk, "已提交")

    # the reviewer returns it with a reason
    login(reviewer, base, "reviewer")
    reviewer.goto(editor)
    back = reviewer.locator('[data-action="return"]')
    back.locator('[name="reason"]').fill(REASON)
    back.locator('[type="submit"]').click()
    state_is(reviewer, "已退回")

    # the clerk sees the reason, fixes the figure, submits again
    clerk.goto(editor)
    state_is(clerk, "已退回")
    assert REASON in clerk.locator('[data-role="workflow"]').inner_text()
    fill(clerk, "active.licensing", "5")
    clerk.wait_for_selector(SAVED, timeout=10_000)
    clerk.locator('[data-action="submit"]').click()
    state_is(clerk, "已提交")

    # the reviewer approves
    reviewer.goto(editor)
    reviewer.locator('[data-action="approve"]').click()
    state_is(reviewer, "已审核")

    # the 管理员 rolls up the county and downloads
    login(admin, base, "admin")
    admin.goto(base + "/rollups")
    row = admin.locator(f'[data-agency="{COUNTY}"]')
    row.locator('[name="year"]').fill(YEAR)
    row.locator('[data-action="rollup"]').click()
    admin.wait_for_url("**/rollups/*")
    assert admin.locator("[data-part]").count() == 2 and admin.locator("[data-outstanding]").count() == 0
    result = admin.url
    county_yaml = download(admin, "yaml", tmp_path / "county.yaml")
    county_docx = download(admin, "docx", tmp_path / "county.docx")
    book = download(admin, "rollup-xlsx", tmp_path / "rollup.xlsx")
    parts_zip = download(admin, "zip", tmp_path / "parts.zip")
    # each included agency's YAML, from its report's page
    links = admin.locator("[data-part] a").evaluate_all("els => els.map(a => a.href)")
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, link in enumerate(links):
        admin.goto(link)
        download(admin, "yaml", parts / f"{i}.yaml")

    # `docgen rollup` of the same YAMLs: every figure of tables 二, 三, 四 is the same
    assert cli("rollup", parts, "--agency", COUNTY, "-o", tmp_path / "cli.yaml").code == 0
    want, got = load(tmp_path / "cli.yaml").report, load(county_yaml).report
    paths = [c.path for g in grids(want.spec) for c in g.cells if c.path]
    assert len(paths) > 150
    assert [value_at(got, p) for p in paths] == [value_at(want, p) for p in paths]
    part_reports = [load(path).report for path in sorted(parts.glob("*.yaml"))]
    assert 5 in [r.active_value("licensing", "decisions") for r in part_reports]  # the clerk's fixed figure
    # the 汇总 editor shows the same figures, each a link to its drill-down
    admin.goto(base + "/reports/" + result.rsplit("/", 1)[1])
    shown = dict(admin.locator("[data-cell]").evaluate_all("els => els.map(e => [e.dataset.cell, e.textContent.trim()])"))
    totals = dict(admin.locator("[data-total]").evaluate_all("els => els.map(e => [e.dataset.total, e.textContent.trim()])"))
    expected = formdoc.values(want)
    assert shown and all(shown[p] == expected[p] for p in shown), [p for p in shown if shown[p] != expected[p]]
    assert totals == totals_of(want)
    # a drill-down: the clerk's 6 applications and agency B's, summing to the 汇总's
    admin.locator('[data-cell="applications.received.0"]').click()
    admin.wait_for_url("**/drill/applications.received.0")
    values = admin.locator("tbody tr[data-agency]").evaluate_all("els => els.map(e => e.dataset.value)")
    assert sorted(int(v) for v in values) == sorted(r.row("received")[0] for r in part_reports) and "6" in values
    assert admin.locator('tfoot [data-total="applications.received.0"]').inner_text() == str(want.row("received")[0])
    # the county's Word report has `docgen render`'s tables for those figures
    assert cli("render", tmp_path / "cli.yaml", "-o", tmp_path / "cli", "--formats", "docx").code == 0
    ours, theirs = Document(county_docx), Document(tmp_path / "cli" / "cli.docx")
    assert [[[c.text for c in r.cells] for r in t.rows] for t in ours.tables] == [[[c.text for c in r.cells] for r in t.rows] for t in theirs.tables]
    # the workbook and the zip
    from openpyxl import load_workbook

    assert load_workbook(book).sheetnames[:3] == ["总览", "汇总", "校验"]
    with zipfile.ZipFile(parts_zip) as archive:
        assert sum(1 for n in archive.namelist() if n.endswith(".docx")) == 2
    assert not violations, violations
