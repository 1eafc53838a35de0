"""The portal's agency, account, dashboard and workflow pages over HTTP, per role, on SQLite and
PostgreSQL: what each role may do, what it sees, and that refusals change nothing."""

from __future__ import annotations

import io
import json
import re

import pytest
from support.portal import AGENCY_A, AGENCY_B, YEAR, portal_app

from docgen.web import audit as _audit  # noqa: F401 - the trail the pages write
from docgen.web.portaldb import APPROVED, DRAFT, RETURNED, SUBMITTED, audit_events

TREE = f"名称,上级,级别\n青山市,,市\n青山县,青山市,县\n{AGENCY_A},青山县,机关\n{AGENCY_B},青山县,机关\n青山县城关镇,青山县,\n"


@pytest.fixture
def p(database_url):
    with portal_app(database_url) as portal:
        yield portal


def _events(p, action: str) -> list:
    from sqlalchemy import select

    with p.store.engine.connect() as conn:
        return list(conn.execute(select(audit_events).where(audit_events.c.action == action).order_by(audit_events.c.id)))


def _upload(client, name: str, data: bytes):
    return client.post("/agencies/import", files={"file": (name, data, "application/octet-stream")})


def test_agency_pages_admin_only(p):
    assert p.admin.get("/agencies").status_code == 200
    for client in (p.reviewer, p.clerk):
        assert client.get("/agencies").status_code == 404
        assert _upload(client, "t.csv", TREE.encode()).status_code == 404
    r = _upload(p.admin, "机关表.csv", TREE.encode("gbk"))
    assert r.status_code == 200 and "新增 3 个机关" in r.text and 'data-agency="青山县城关镇"' in r.text
    r = _upload(p.admin, "坏表.csv", "名称,上级,级别\n甲局,不存在县,机关\n".encode())
    assert r.status_code == 400 and "坏表.csv 第2行“上级”列" in r.text and "上级“不存在县”不存在" in r.text
    assert "Traceback" not in r.text and "甲局" not in p.admin.get("/agencies").text
    assert p.admin.get("/agencies/example.csv").content.decode("utf-8-sig").startswith("名称,上级,级别")
    # add and change one in the page
    county = re.search(r'id="agency-(\d+)" data-agency="青山县"', p.admin.get("/agencies").text).group(1)
    r = p.admin.post("/agencies", data={"name": "青山县统计局", "parent": county, "level": "机关"}, follow_redirects=False)
    assert r.status_code == 303
    added = re.search(r'id="agency-(\d+)" data-agency="青山县统计局"', p.admin.get("/agencies").text).group(1)
    r = p.admin.post(f"/agencies/{added}", data={"name": "青山县统计局（新）", "parent": county, "level": "县"})
    assert r.status_code == 400 and "不高于" in r.text
    assert p.admin.post(f"/agencies/{added}", data={"name": "青山县统计局（新）", "parent": county, "level": "机关"}, follow_redirects=False).status_code == 303
    assert [e.agency for e in _events(p, "agency_add")] == ["青山县统计局"]
    assert "before" in json.loads(_events(p, "agency_update")[-1].detail)
    # CSRF: refused without the token
    assert p.admin.post("/agencies", data={"name": "x"}, csrf=False).status_code == 403


def test_bulk_accounts_slips_login_and_export(p):
    _upload(p.admin, "t.csv", TREE.encode())
    assert p.clerk.get("/accounts").status_code == 404 and p.reviewer.post("/accounts", data={}).status_code == 404
    page = p.admin.get("/accounts").text
    town = re.search(r'name="agency" value="(\d+)" checked aria-label="青山县城关镇"', page).group(1)
    r = p.admin.post("/accounts", data={"agency": [town], "reviewer": "1"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    slips = dict(re.findall(r'data-role="username">([^<]+)</dd>\s*<dt>一次性密码</dt><dd class="code" data-role="password">([^<]+)<', r.text))
    username = f"tb{int(town):04d}"
    assert set(slips) == {username, f"sh{int(town):04d}"} and "http://127.0.0.1/" in r.text
    packed = re.search(r'name="slips" value="([^"]+)"', r.text).group(1).replace("&#34;", '"').replace("&quot;", '"')
    csv_text = p.admin.post("/accounts/export", data={"slips": packed, "format": "csv"}).content.decode("utf-8-sig")
    assert f"青山县城关镇,填报人,http://127.0.0.1/,{username},{slips[username]}" in csv_text
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(p.admin.post("/accounts/export", data={"slips": packed, "format": "xlsx"}).content))
    assert [c.value for c in book.active[2]][3:] == [username, slips[username]]
    # the one-time password logs in, and must be changed first
    clerk = p.anonymous()
    r = clerk.post("/login", data={"username": username, "password": slips[username]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/password"
    assert {e.detail and json.loads(e.detail)["username"] for e in _events(p, "user_add")} == set(slips)
    # made again: skipped
    assert "已有账号，未重新建立" in p.admin.post("/accounts", data={"agency": [town]}).text
    # every agency still without a 填报人, in one click
    r = p.admin.post("/accounts", data={"scope": "lacking"})
    made = set(re.findall(r'data-slip="([^"]+)"', r.text))
    assert len(made) == 2 and f"tb{int(town):04d}" not in made  # 青山市 and 青山县: the others have clerks
    assert "青山市" in r.text and "青山县</h2>" in r.text


def test_dashboard_per_role_filters_and_reminders(p):
    p.clerk.post(f"/reports/{p.report_a}/submit", data={"expected": DRAFT})
    for client in (p.admin, p.reviewer):
        page = client.get(f"/dashboard?year={YEAR}").text
        assert f'data-agency="{AGENCY_A}" data-status="已提交"' in page and f'data-agency="{AGENCY_B}" data-status="草稿"' in page
        assert f'href="/reports/{p.report_a}"' in page
    page = p.admin.get(f"/dashboard?year={YEAR}&status=已提交").text
    assert f'data-agency="{AGENCY_A}"' in page and f'data-agency="{AGENCY_B}"' not in page
    assert 'data-reminder="' + AGENCY_B in p.admin.get(f"/dashboard?year={YEAR}").text
    csv_text = p.reviewer.get(f"/dashboard/reminders.csv?year={YEAR}").content.decode("utf-8-sig")
    assert AGENCY_B in csv_text and "clerk_b" in csv_text and AGENCY_A not in csv_text
    assert p.clerk.get("/dashboard/reminders.csv").status_code == 404
    # the clerk's start page: their agency's reports only
    mine = p.clerk.get(f"/dashboard?year={YEAR}").text
    assert f'data-agency="{AGENCY_A}" data-year="{YEAR}" data-status="已提交"' in mine and AGENCY_B not in mine
    # start next year's report from there: own agency only
    r = p.clerk.post(f"/agencies/{p.agency_a}/start", data={"year": "2026"}, follow_redirects=False)
    assert r.status_code == 303 and p.clerk.get(r.headers["location"]).status_code == 200
    assert p.clerk.post(f"/agencies/{p.agency_b}/start", data={"year": "2026"}).status_code == 404
    assert p.reviewer.post(f"/agencies/{p.agency_a}/start", data={"year": "2026"}).status_code == 404
    again = p.clerk.post(f"/agencies/{p.agency_a}/start", data={"year": "2026"}, follow_redirects=False)
    assert again.headers["location"] == r.headers["location"]  # one report a year


def test_workflow_through_the_pages(p):
    report = f"/reports/{p.report_a}"
    editor = p.clerk.get(report).text
    assert 'data-action="submit"' in editor and 'data-action="approve"' not in editor
    # roles that may not: 404; the other agency's clerk: 404
    assert p.reviewer.post(f"{report}/submit", data={"expected": DRAFT}).status_code == 404
    assert p.clerk_b.post(f"{report}/submit", data={"expected": DRAFT}).status_code == 404
    assert p.clerk.post(f"{report}/approve", data={"expected": DRAFT}).status_code == 404
    assert p.clerk.post(f"{report}/submit", data={"expected": DRAFT}, csrf=False).status_code == 403
    # R1 broken: refused with the rule named
    p.clerk.post(f"{report}/save", data={**_form(p), "applications.received.0": "5"})
    r = p.clerk.post(f"{report}/submit", data={"expected": DRAFT})
    assert r.status_code == 409 and "R1–R4 有" in r.text and "[R1]" in r.text
    p.clerk.post(f"{report}/save", data={**_form(p), "applications.granted.0": "5"})
    assert p.clerk.post(f"{report}/submit", data={"expected": DRAFT}, follow_redirects=False).status_code == 303
    # submitted: read-only for the clerk and the admin too
    assert p.clerk.post(f"{report}/save", data=_form(p)).status_code == 409
    assert p.admin.post(f"{report}/save", data={**_form(p), "problems": "改"}).status_code == 409
    assert "readonly" in p.clerk.get(report).text
    page = p.reviewer.get(report).text
    assert 'data-action="return"' in page and 'name="reason"' in page and 'data-action="approve"' in page
    # a return needs a reason; it names cells; the clerk sees it beside them
    assert p.reviewer.post(f"{report}/return", data={"expected": SUBMITTED, "reason": ""}).status_code == 400
    r = p.reviewer.post(f"{report}/return", data={"expected": SUBMITTED, "reason": "自然人一栏与底稿不符",
                                                  "cell": ["applications.received.0"], "cells": "五、存在的主要问题及改进情况"}, follow_redirects=False)
    assert r.status_code == 303
    editor = p.clerk.get(report).text
    assert re.search(r'data-cell="applications\.received\.0"[^>]*data-returned="自然人一栏与底稿不符"', editor)
    assert re.search(r'data-field="problems"[^>]*data-returned="自然人一栏与底稿不符"', editor)
    assert 'data-role="returned-reason"' in editor and "readonly" not in editor.split('id="report-form"')[1].split("</form>")[0]
    # the page a second reviewer still shows: told what happened
    assert p.clerk.post(f"{report}/submit", data={"expected": RETURNED}, follow_redirects=False).status_code == 303
    assert p.reviewer.post(f"{report}/approve", data={"expected": SUBMITTED}, follow_redirects=False).status_code == 303
    r = p.admin.post(f"{report}/approve", data={"expected": SUBMITTED})
    assert r.status_code == 409 and "已是“已审核”（reviewer，" in r.text
    assert p.admin.post(f"{report}/save", data={**_form(p), "problems": "再改"}).status_code == 409
    assert p.store.get(p.report_a).state == APPROVED
    trail = [(e.action, json.loads(e.detail).get("reason")) for e in _events(p, "submit") + _events(p, "return") + _events(p, "approve")]
    assert trail == [("submit", None), ("submit", None), ("return", "自然人一栏与底稿不符"), ("approve", None)]


def _form(p) -> dict:
    from docgen.report.load import load_text
    from docgen.web import formdoc

    return formdoc.values(load_text(p.store.get(p.report_a).content, "x").report)
