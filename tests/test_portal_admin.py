"""The 管理员's pages: accounts (create with a one-time password, reset, disable/enable, unlock) and
the audit trail (what is recorded, filters, paging, .csv/.xlsx export, read-only)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from starlette.routing import Route
from support.portal import AGENCY_A, PASSWORD, portal_app


@pytest.fixture
def portal(tmp_path):
    from docgen.web.store import sqlite_url

    with portal_app(sqlite_url(tmp_path)) as p:
        yield p


def one_time(html: str) -> str:
    return re.search(r'data-role="one-time-password">([^<]+)<', html).group(1)


def try_login(client, username, password):
    return client.post("/login", data={"username": username, "password": password}, follow_redirects=False)


def events(p, **filters):
    from docgen.web import audit

    return audit.events(p.store, audit.Filters(**filters))[0]


def test_an_admin_creates_an_account_with_a_one_time_password(portal):
    page = portal.admin.get("/users").text
    for name in ("admin", "reviewer", "clerk", "clerk_b"):
        assert f'data-user="{name}"' in page
    r = portal.admin.post("/users", data={"username": "zhao", "display_name": "赵六", "role": "填报人", "agency": "青山县新局"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    password = one_time(r.text)
    assert password not in portal.admin.get("/users").text  # shown once
    account = portal.accounts.by_name("zhao")
    assert account.must_change and account.agency_name == "青山县新局"
    client = portal.anonymous()
    r = try_login(client, "zhao", password)
    assert r.headers["location"] == "/password"
    # refusals: a taken name, a 填报人 without an agency, an unknown role
    for data, message in (({"username": "zhao", "role": "审核人"}, "已存在"), ({"username": "qian", "role": "填报人"}, "必须属于一个机关"),
                          ({"username": "sun", "role": "局长"}, "不存在")):
        r = portal.admin.post("/users", data=data)
        assert r.status_code == 400 and message in r.text
    assert [e.details["username"] for e in events(portal, action="user_add")] == ["zhao"]
    assert [e.agency for e in events(portal, action="agency_add")] == ["青山县新局"]


def test_reset_disable_enable_unlock(portal):
    clerk = portal.login("clerk")
    target = portal.users["clerk"].id
    r = portal.admin.post(f"/users/{target}/reset")
    password = one_time(r.text)
    assert clerk.get("/", follow_redirects=False).headers["location"] == "/login"  # the reset ended its sessions
    assert try_login(portal.anonymous(), "clerk", PASSWORD).status_code == 401
    assert try_login(portal.anonymous(), "clerk", password).headers["location"] == "/password"
    assert portal.admin.post(f"/users/{target}/disable", follow_redirects=False).status_code == 303
    assert "已停用" in portal.admin.get("/users").text
    assert "停用" in try_login(portal.anonymous(), "clerk", password).text
    assert portal.admin.post(f"/users/{target}/enable", follow_redirects=False).status_code == 303
    for attempt in range(5):
        try_login(portal.anonymous(), "clerk", f"wrong-{attempt}-x")
    assert "锁定至" in portal.admin.get("/users").text
    portal.admin.post(f"/users/{target}/unlock")
    assert try_login(portal.anonymous(), "clerk", password).status_code == 303
    r = portal.admin.post(f"/users/{portal.users['admin'].id}/disable")
    assert r.status_code == 409 and "不能停用自己的账号" in r.text
    changes = [e.details["change"] for e in events(portal, action="user_update")]
    assert changes[::-1] == ["重置密码（一次性密码，已退出其所有登录）", "停用", "启用", "解锁"]
    assert portal.admin.post("/users/999/reset").status_code == 404


def test_the_audit_trail_records_who_did_what(database_url):
    with portal_app(database_url) as p:
        clerk = p.clerk
        r = clerk.post(f"/reports/{p.report_a}/save", data={"applications.received.0": "7", "problems": "新的问题"}, headers={"HX-Request": "true"})
        assert r.status_code == 200
        change = events(p, action="change")[0]
        assert change.username == "clerk" and change.report_id == p.report_a and change.agency == AGENCY_A and change.address
        assert change.details["cells"]["applications.received.0"] == ["0", "7"]
        assert change.details["fields"]["problems"][1] == "新的问题"
        clerk.post(f"/reports/{p.report_a}/save", data={"applications.received.0": "7", "problems": "新的问题"}, headers={"HX-Request": "true"})
        assert len(events(p, action="change")) == 1  # nothing changed: nothing recorded
        clerk.post(f"/reports/{p.report_a}/revisions/1/restore")
        clerk.get(f"/reports/{p.report_a}/download/yaml")
        clerk.post(f"/reports/{p.report_a}/delete")
        restore, export, delete = (events(p, action=a)[0] for a in ("restore", "export", "delete"))
        assert restore.details == {"from": 1, "revision": 3} and export.details == {"format": "yaml"} and delete.report_id == p.report_a
        assert all(e.username == "clerk" for e in (restore, export, delete))
        # who: the 审核人 may not change anything, and a refusal is not an event
        p.reviewer.post(f"/reports/{p.report_b}/save", data={"applications.received.0": "1"}, headers={"HX-Request": "true"})
        assert not events(p, user="reviewer", action="change")


def test_the_audit_page_filters_pages_and_exports(portal):
    from sqlalchemy import insert

    from docgen.web.portaldb import audit_events

    base = dt.datetime(2025, 6, 1, 8, 0, 0)
    with portal.store.engine.begin() as conn:
        conn.execute(insert(audit_events), [
            {"at": base + dt.timedelta(hours=i), "username": "clerk" if i % 2 else "reviewer", "address": "10.0.0.9",
             "action": "change" if i % 3 else "export", "report_id": 40 + i % 4, "agency": AGENCY_A if i % 4 == 0 else "别的局",
             "detail": '{"cells": {"applications.received.0": ["1", "=2+3"]}}' if i == 5 else ""}
            for i in range(250)
        ])
    admin = portal.admin
    page = admin.get("/audit").text
    total = int(re.search(r"共 (\d+) 条", page).group(1))
    assert total >= 250 and page.count("<tr data-event=") == 100 and 'data-action="next-page"' in page
    second = admin.get("/audit?page=2").text
    assert "第 2 / " in second and 'data-action="previous-page"' in second
    page = admin.get("/audit", params={"user": "clerk", "action": "change", "since": "2025-06-01", "until": "2025-06-02"}).text
    rows = re.findall(r'<tr data-event="(\w+)">\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>', page)
    assert rows and all(a == "change" and u == "clerk" and t.startswith(("2025-06-01", "2025-06-02")) for a, t, u in rows)
    expected = sum(1 for i in range(40) if i % 2 and i % 3)  # 08:00 on 1 June + i hours, to the end of 2 June
    assert f"共 {expected} 条" in page
    assert "共 63 条" in admin.get("/audit", params={"report": "40", "since": "2025-06-01", "until": "2025-06-30"}).text  # i % 4 == 0
    assert "共 63 条" in admin.get("/audit", params={"report": AGENCY_A, "until": "2025-06-30"}).text
    # export: the same filters; CSV in UTF-8 with a BOM; a formula-like cell stays text
    r = admin.get("/audit.csv", params={"user": "clerk", "action": "change", "until": "2025-06-30"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf") and "attachment" in r.headers["content-disposition"]
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "时间,用户,地址,操作,报告编号,机关,详情" and len(lines) == 1 + sum(1 for i in range(250) if i % 2 and i % 3)
    assert "applications.received.0：1 → =2+3" in r.content.decode("utf-8-sig")
    from openpyxl import load_workbook

    r = admin.get("/audit.xlsx", params={"action": "export", "until": "2025-06-30"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = list(sheet.values)
    assert values[0][:4] == ("时间", "用户", "地址", "操作") and len(values) == 1 + sum(1 for i in range(250) if i % 3 == 0)
    assert all(v[3] == "导出/下载" for v in values[1:])
    assert admin.get("/audit.exe").status_code == 404
    assert events(portal, action="export", user="admin")  # the export itself is recorded


def test_nobody_edits_or_deletes_the_trail_from_the_web(portal):
    routes = [r for r in portal.app.routes if isinstance(r, Route) and r.path.startswith("/audit")]
    assert routes and all(set(r.methods or ()) <= {"GET", "HEAD"} for r in routes)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert portal.admin.request(method, "/audit").status_code == 405
    from docgen.web import audit

    assert not [name for name in dir(audit) if name.startswith(("delete", "prune", "update", "edit"))]
