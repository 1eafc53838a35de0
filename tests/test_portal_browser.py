"""The portal in a real browser (Playwright driving Debian's chromium): log in through the
data-action="login" form with a one-time password, the forced password change, the editor
saving under the portal's Content-Security-Policy (no violation reported), and logging out
through data-action="logout"."""

from __future__ import annotations

import pytest
from support.web import missing, serve

try:
    import playwright  # noqa: F401
except ImportError:  # fails in CI, skips elsewhere
    missing("Playwright（pip install -e '.[test]'）")


@pytest.fixture
def portal_url(tmp_path):
    from support.portal import AGENCY_A, portal_store

    from docgen.web.store import sqlite_url

    url = sqlite_url(tmp_path)
    store, accounts, users, agency_a, _ = portal_store(url)
    password = accounts.reset_password(users["clerk"].id)  # a one-time password, as the 管理员 hands it out
    from docgen.web.service import Service

    report_id = Service(store).new(AGENCY_A, "2024", "测试", agency_a)
    store.close()
    with serve(url, portal=True) as base:
        yield base, password, report_id, url


def test_login_forced_change_edit_logout(page, portal_url):
    base, one_time, report_id, url = portal_url
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.goto(base + f"/reports/{report_id}")
    assert page.url.endswith("/login")
    form = page.locator('[data-action="login"]')
    form.locator('[name="username"]').fill("clerk")
    form.locator('[name="password"]').fill("not-the-password1")
    form.locator('button[type="submit"]').click()
    page.wait_for_selector("text=用户名或密码不正确")
    form = page.locator('[data-action="login"]')
    form.locator('[name="username"]').fill("clerk")
    form.locator('[name="password"]').fill(one_time)
    form.locator('button[type="submit"]').click()
    page.wait_for_url("**/password")
    assert page.locator('[data-role="must-change"]').is_visible()
    page.goto(base + "/")  # nothing else opens before the change
    assert page.url.endswith("/password")

    change = page.locator('[data-action="change-password"]')
    change.locator('[name="current"]').fill(one_time)
    change.locator('[name="new"]').fill("clerkpass1")
    change.locator('[name="again"]').fill("clerkpass1")
    change.locator('button[type="submit"]').click()
    page.wait_for_selector('[data-role="password-changed"]')

    # the editor works under the policy: type a figure, it is saved and checked
    page.goto(base + f"/reports/{report_id}")
    cell = page.locator('[data-cell="applications.received.0"]')
    cell.click()
    cell.press("Control+a")
    cell.press_sequentially("5")
    page.wait_for_selector('[data-finding="R1"]', timeout=10_000)
    page.wait_for_selector('[data-role="saved"]:has-text("已保存")', timeout=10_000)
    assert page.locator('[data-total="applications.received.6"]').inner_text() == "5"

    # the session ends elsewhere (logout everywhere, or 30 minutes idle): the next autosave leads to the login page
    from docgen.web.accounts import Accounts
    from docgen.web.server import open_store

    store, _ = open_store(url=url)
    Accounts(store).end_all(Accounts(store).by_name("clerk").id)
    store.close()
    cell.press_sequentially("0")
    page.wait_for_url("**/login", timeout=10_000)
    form = page.locator('[data-action="login"]')
    form.locator('[name="username"]').fill("clerk")
    form.locator('[name="password"]').fill("clerkpass1")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(base + "/dashboard")  # the start page

    page.locator('[data-action="logout"]').click()
    page.wait_for_url("**/login")
    page.goto(base + f"/reports/{report_id}")
    assert page.url.endswith("/login")
    assert not violations, violations
