"""The portal's dashboard and workflow in a real browser (Playwright driving Debian's chromium),
two users in two browser contexts: the clerk submits, the reviewer sees it on the dashboard and
returns it naming a cell (by clicking it), the clerk sees the reason beside that cell."""

from __future__ import annotations

import pytest
from support.web import missing, serve

try:
    import playwright  # noqa: F401
except ImportError:  # fails in CI, skips elsewhere
    missing("Playwright（pip install -e '.[test]'）")

from support.portal import AGENCY_A, AGENCY_B, PASSWORD, portal_store  # noqa: E402

REASON = "自然人申请数与登记簿不符，请核对"


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory):
    from docgen.web.service import Service
    from docgen.web.store import sqlite_url

    url = sqlite_url(tmp_path_factory.mktemp("portal"))
    store, _accounts, _users, agency_a, _agency_b = portal_store(url)
    Service(store).new(AGENCY_A, "2025", "测试", agency_a)
    store.close()
    with serve(url, portal=True) as base:
        yield base


def login(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/login")
    form = page.locator('[data-action="login"]')
    form.locator('[name="username"]').fill(username)
    form.locator('[name="password"]').fill(PASSWORD)
    form.locator('[type="submit"]').click()
    page.wait_for_url("**/dashboard")
    return context, page, errors


def test_dashboard_hooks_and_a_return_beside_its_cell(browser, portal_url):
    clerk_context, clerk, clerk_errors = login(browser, portal_url, "clerk")
    reviewer_context, reviewer, reviewer_errors = login(browser, portal_url, "reviewer")
    try:
        # the clerk's start page: their agency's report; open it and submit
        mine = clerk.locator(f'[data-agency="{AGENCY_A}"][data-year="2025"]')
        assert mine.get_attribute("data-status") == "草稿"
        mine.locator('[data-role="report"]').click()
        clerk.wait_for_url("**/reports/*")
        editor_url = clerk.url
        clerk.locator('[data-action="submit"]').click()
        clerk.wait_for_selector('[data-role="workflow"][data-state="已提交"]')
        assert not clerk.locator('[data-cell="applications.received.0"]').is_editable()  # read-only while under review

        # the reviewer's dashboard: one row per agency, with its state; B has not started
        reviewer.goto(portal_url + "/dashboard?year=2025")
        row = reviewer.locator(f'[data-agency="{AGENCY_A}"]')
        assert row.get_attribute("data-status") == "已提交"
        assert reviewer.locator(f'[data-agency="{AGENCY_B}"]').get_attribute("data-status") == "未开始"
        assert int(row.get_attribute("data-days-left")) == int(row.locator('[data-role="days-left"]').inner_text())
        reviewer.locator('[name="status"]').select_option("已提交")
        reviewer.locator('.filters [type="submit"]').click()
        reviewer.wait_for_url("**status=*")
        assert reviewer.locator("[data-agency]").count() == 1
        row = reviewer.locator(f'[data-agency="{AGENCY_A}"]')
        row.locator('[data-role="report"]').click()
        reviewer.wait_for_url("**/reports/*")

        # return: a reason, and the cell named by clicking it
        cell = reviewer.locator('[data-cell="applications.received.0"]')
        assert not cell.is_editable()
        cell.click()
        form = reviewer.locator('[data-action="return"]')
        assert form.locator('[data-role="return-cells"]').input_value() == "applications.received.0"
        form.locator('[name="reason"]').fill(REASON)
        form.locator('[type="submit"]').click()
        reviewer.wait_for_selector('[data-role="workflow"][data-state="已退回"]')
        reviewer.goto(portal_url + "/dashboard?year=2025")
        assert reviewer.locator(f'[data-agency="{AGENCY_A}"]').get_attribute("data-status") == "已退回"

        # the clerk: the reason beside the named cell, the cell editable again
        clerk.goto(editor_url)
        cell = clerk.locator('[data-cell="applications.received.0"]')
        note = clerk.locator('[data-returned-note="applications.received.0"]')
        assert note.is_visible() and REASON in note.inner_text()
        assert cell.get_attribute("data-returned") == REASON and cell.is_editable()
        box, near = cell.bounding_box(), note.bounding_box()
        assert abs(near["x"] - box["x"]) < 40 and 0 <= near["y"] - (box["y"] + box["height"]) < 40  # right under the cell
        assert clerk.locator('[data-role="returned-reason"]').inner_text().count(REASON) == 1
        assert clerk.locator('[data-returned-note]').count() == 1
        assert not clerk_errors and not reviewer_errors, clerk_errors + reviewer_errors  # CSP: nothing refused
    finally:
        clerk_context.close()
        reviewer_context.close()


def test_slips_print_one_per_agency(browser, portal_url):
    context, page, errors = login(browser, portal_url, "admin")
    try:
        page.goto(portal_url + "/accounts")
        boxes = page.locator('[name="agency"]')
        for i in range(boxes.count()):
            boxes.nth(i).check()
        page.locator('[data-action="accounts-create"] button.primary').click()
        page.wait_for_selector("[data-slip]")
        slips = page.locator("[data-slip]")
        assert slips.count() == 2  # the two agencies of the fixture
        first = slips.first.inner_text()
        assert portal_url in first and "tb" in first and slips.first.locator('[data-role="password"]').inner_text().strip()
        page.emulate_media(media="print")
        assert not page.locator("header.top").is_visible() and not page.locator('[data-action="print"]').is_visible()
        assert slips.first.evaluate("el => getComputedStyle(el).breakInside") == "avoid"
        assert not errors, errors
    finally:
        context.close()
