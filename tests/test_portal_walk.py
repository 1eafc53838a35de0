"""The authorization walk: every route of the portal app × every role, on SQLite and PostgreSQL.

The walk enumerates ``app.routes`` and FAILS for a route without a row in EXPECT — whoever adds a
route adds its row (what each role gets). Roles: anonymous; 管理员; 审核人; a 填报人 of agency A
looking at agency B's report ("other"); a 填报人 of A on A's own report ("own"). For routes
without a report id, "other" and "own" are the same clerk of A. LOGIN means a redirect to /login.
A request that is refused (LOGIN, 401, 403, 404, 409) must leave every report as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from conftest import EXAMPLE_2021
from starlette.routing import Mount, Route
from support.portal import AGENCY_A, AGENCY_B, PASSWORD, Portal, portal_app

LOGIN = "login"
ROLES = ("anonymous", "admin", "reviewer", "other", "own")
REFUSED = (LOGIN, 401, 403, 404, 409)


@dataclass
class Row:
    """What each role gets from one route. ``data``: the form (or a function of the portal and the
    target report id); ``params``: other path parameters; ``setup(portal, report_id)`` runs before
    the request on the target report (fresh for every role of a state-changing row); ``fresh``: the
    request uses a client of its own (it logs out, say)."""

    anonymous: int | str = LOGIN
    admin: int | str = 200
    reviewer: int | str = 200
    other: int | str = 200
    own: int | str = 200
    data: dict | Callable | None = None
    files: Callable | None = None
    params: dict | Callable = field(default_factory=dict)
    setup: Callable | None = None
    fresh: bool = False

    def expected(self, role: str):
        return getattr(self, role)


def _delete(p: Portal, report_id: int) -> None:
    p.store.delete(report_id)


def _upload(p: Portal, report_id: int) -> dict:
    return {"file": ("青山县2025年报告.docx", _docx_bytes(), "application/octet-stream")}


_DOCX: dict[str, bytes] = {}
_COUNT = [0]


def _unique(prefix: str) -> str:
    _COUNT[0] += 1
    return f"{prefix}{_COUNT[0]}"


def _target(p: Portal) -> int:
    """An account the 管理员's actions may change (not one the walk logs in with)."""
    found = p.accounts.by_name("walk_target")
    return found.id if found else p.accounts.add("walk_target", "填报人", PASSWORD, agency=AGENCY_B).id


def _docx_bytes() -> bytes:
    if "docx" not in _DOCX:
        import tempfile
        from pathlib import Path

        from conftest import run_cli

        with tempfile.TemporaryDirectory() as out:
            assert run_cli("render", EXAMPLE_2021, "-o", out, "--formats", "docx").code == 0
            _DOCX["docx"] = (Path(out) / "example-2021.docx").read_bytes()
    return _DOCX["docx"]


def _as_rollup(p: Portal, report_id: int) -> None:
    """Make the report a 汇总 (of the other fixture report), for the 汇总 pages."""
    from sqlalchemy import insert, select

    from docgen.web.portaldb import rollup_parts

    part = p.report_b if report_id != p.report_b else p.report_a
    with p.store.engine.begin() as conn:
        if conn.execute(select(rollup_parts.c.id).where(rollup_parts.c.rollup_id == report_id)).first() is None:
            conn.execute(insert(rollup_parts).values(rollup_id=report_id, report_id=part, revision=1))


def _rollup_form(p: Portal, report_id: int) -> dict:
    """A new county with one approved report (the fixture's reports stay as they are)."""
    from support.county import county_with_towns

    p.walk_counties = getattr(p, "walk_counties", 0) + 1  # clean_up() bins the reports of the last request
    county_id, _ = county_with_towns(p.store, 1, county=f"汇总测试{p.walk_counties}县人民政府")
    return {"agency": str(county_id), "year": "2022"}


def _submitted(p: Portal, report_id: int) -> None:
    from docgen.web import workflow

    workflow.act(p.store, report_id, "submit", "草稿", "test")


def _agency_table(p: Portal, report_id: int) -> dict:
    return {"file": ("机关表.csv", f"名称,上级,级别\n青山县,,县\n{AGENCY_A},青山县,机关\n".encode(), "text/csv")}


# (method, path) -> Row. Pages: anonymous → /login; a page a role may not see → 404.
EXPECT: dict[tuple[str, str], Row] = {
    ("GET", "/"): Row(),
    ("GET", "/healthz"): Row(anonymous=200),
    ("GET", "/favicon.ico"): Row(anonymous=204, admin=204, reviewer=204, other=204, own=204),
    ("GET", "/static"): Row(anonymous=200, params={"path": "style.css"}),
    ("GET", "/trash"): Row(),
    ("POST", "/reports"): Row(admin=303, reviewer=404, other=303, own=303, data={"agency": AGENCY_A, "year": "2023"}),
    ("POST", "/import"): Row(admin=200, reviewer=404, other=200, own=200, files=_upload),
    ("GET", "/reports/{id:int}"): Row(other=404),
    ("POST", "/reports/{id:int}/save"): Row(reviewer=409, other=404, data={"applications.received.0": "3"}),
    ("POST", "/reports/{id:int}/previous"): Row(admin=303, reviewer=409, other=404, own=303, data={"previous": ""}),
    ("POST", "/reports/{id:int}/rollover"): Row(admin=303, reviewer=404, other=404, own=303),
    ("POST", "/reports/{id:int}/delete"): Row(admin=303, reviewer=409, other=404, own=303),
    ("POST", "/reports/{id:int}/undelete"): Row(admin=303, reviewer=409, other=404, own=303, setup=_delete),
    ("GET", "/reports/{id:int}/revisions"): Row(other=404),
    ("GET", "/reports/{id:int}/revisions/{number:int}"): Row(other=404, params={"number": 1}),
    ("GET", "/reports/{id:int}/revisions/{number:int}/yaml"): Row(other=404, params={"number": 1}),
    ("POST", "/reports/{id:int}/revisions/{number:int}/restore"): Row(admin=303, reviewer=409, other=404, own=303, params={"number": 1}),
    ("GET", "/reports/{id:int}/download/{fmt:str}"): Row(other=404, params={"fmt": "yaml"}),
    # the portal's own pages
    ("GET", "/login"): Row(anonymous=200, admin=303, reviewer=303, other=303, own=303),
    ("POST", "/login"): Row(anonymous=401, admin=401, reviewer=401, other=401, own=401, data={"username": "nobody", "password": "wrong-password-1"}),
    ("POST", "/logout"): Row(admin=303, reviewer=303, other=303, own=303, fresh=True),
    ("GET", "/password"): Row(),
    ("POST", "/password"): Row(admin=400, reviewer=400, other=400, own=400, data={"current": "not-it-123", "new": "abcdefg123", "again": "abcdefg123"}),
    # the 管理员's pages: accounts and the audit trail (read-only: no POST under /audit)
    ("GET", "/users"): Row(reviewer=404, other=404, own=404),
    ("POST", "/users"): Row(admin=200, reviewer=404, other=404, own=404, data=lambda p, _: {"username": _unique("walk"), "role": "审核人"}),
    ("POST", "/users/{user_id:int}/reset"): Row(admin=200, reviewer=404, other=404, own=404, params=lambda p: {"user_id": _target(p)}),
    ("POST", "/users/{user_id:int}/disable"): Row(admin=303, reviewer=404, other=404, own=404, params=lambda p: {"user_id": _target(p)}),
    ("POST", "/users/{user_id:int}/enable"): Row(admin=303, reviewer=404, other=404, own=404, params=lambda p: {"user_id": _target(p)}),
    ("POST", "/users/{user_id:int}/unlock"): Row(admin=303, reviewer=404, other=404, own=404, params=lambda p: {"user_id": _target(p)}),
    ("GET", "/audit"): Row(reviewer=404, other=404, own=404),
    ("GET", "/audit.{fmt:str}"): Row(reviewer=404, other=404, own=404, params={"fmt": "csv"}),
    # 汇总 (管理员 makes it; 管理员 and 审核人 see and download it; 填报人: 404)
    ("GET", "/rollups"): Row(other=404, own=404),
    ("POST", "/rollups"): Row(admin=303, reviewer=404, other=404, own=404, data=_rollup_form),
    ("GET", "/rollups/{id:int}"): Row(other=404, own=404, setup=_as_rollup),
    ("GET", "/rollups/{id:int}/workbook"): Row(other=404, own=404, setup=_as_rollup),
    ("GET", "/rollups/{id:int}/zip/{formats:str}"): Row(other=404, own=404, setup=_as_rollup, params={"formats": "docx-xlsx"}),
    ("GET", "/reports/{id:int}/drill/{cell:str}"): Row(other=404, own=404, setup=_as_rollup, params={"cell": "applications.received.0"}),
    # agencies, accounts, dashboard, workflow (routes_portal)
    ("GET", "/dashboard"): Row(),
    ("GET", "/dashboard/reminders.csv"): Row(other=404, own=404),
    ("GET", "/agencies"): Row(reviewer=404, other=404, own=404),
    ("POST", "/agencies"): Row(admin=303, reviewer=404, other=404, own=404, data=lambda p, t: {"name": f"新机关{t}", "level": "机关"}),
    ("POST", "/agencies/import"): Row(admin=200, reviewer=404, other=404, own=404, files=_agency_table),
    ("GET", "/agencies/example.csv"): Row(reviewer=404, other=404, own=404),
    ("POST", "/agencies/{agency:int}"): Row(admin=303, reviewer=404, other=404, own=404, params=lambda p: {"agency": p.agency_a},
                                             data={"name": AGENCY_A, "parent": "", "level": "机关"}),
    ("POST", "/agencies/{agency:int}/start"): Row(admin=303, reviewer=404, other=303, own=303, params=lambda p: {"agency": p.agency_a},
                                                   data={"year": "2030"}),
    ("GET", "/accounts"): Row(reviewer=404, other=404, own=404),
    ("POST", "/accounts"): Row(admin=200, reviewer=404, other=404, own=404, data=lambda p, t: {"agency": str(p.agency_a)}),
    ("POST", "/accounts/export"): Row(admin=400, reviewer=404, other=404, own=404, data={"format": "csv", "slips": "[]"}),
    ("POST", "/reports/{id:int}/submit"): Row(admin=303, reviewer=404, other=404, own=303, data={"expected": "草稿"}),
    ("POST", "/reports/{id:int}/return"): Row(admin=303, reviewer=303, other=404, own=404, setup=_submitted,
                                              data={"expected": "已提交", "reason": "请核对表三"}),
    ("POST", "/reports/{id:int}/approve"): Row(admin=303, reviewer=303, other=404, own=404, setup=_submitted, data={"expected": "已提交"}),
}


def route_keys(app) -> list[tuple[str, str]]:
    keys = []
    for route in app.routes:
        if isinstance(route, Mount):
            keys.append(("GET", route.path))
        elif isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                keys.append((method, route.path))
        else:  # a websocket or something new: it needs a row too
            keys.append(("?", getattr(route, "path", repr(route))))
    return keys


def url_of(path: str, report_id: int, params: dict) -> str:
    url = path.replace("{id:int}", str(report_id))
    for name, value in params.items():
        url = url.replace(f"{{{name}:int}}", str(value)).replace(f"{{{name}:str}}", str(value))
    if path == "/static":
        url += "/" + params["path"]
    assert "{" not in url, f"{path}: a path parameter without a value in EXPECT's params"
    return url


def snapshot(p: Portal) -> list[tuple]:
    from sqlalchemy import select

    from docgen.web.store import reports

    with p.store.engine.connect() as conn:
        rows = conn.execute(select(reports.c.id, reports.c.revision, reports.c.deleted_at, reports.c.previous_id, reports.c.state, reports.c.agency_id)).all()
    return sorted(tuple(r) for r in rows)


FRESH = 2020  # the year of the reports a state-changing request gets (one report per agency and year)


def clean_up(p: Portal) -> None:
    """Put every report but the two of the fixture in the recycle bin (their agency-years are free again)."""
    for stored in p.store.list():
        if stored.id not in (p.report_a, p.report_b):
            p.store.delete(stored.id)


def client_for(p: Portal, role: str, fresh: bool):
    if role == "anonymous":
        return p.anonymous()
    username = {"admin": "admin", "reviewer": "reviewer", "other": "clerk", "own": "clerk"}[role]
    return p.login(username, PASSWORD) if fresh else p.client(username)


def test_every_route_has_a_row_and_every_role_gets_what_it_should(database_url):
    with portal_app(database_url) as p:
        keys = route_keys(p.app)
        missing = [k for k in keys if k not in EXPECT]
        assert not missing, f"routes without a row in the authorization walk (add them to EXPECT): {missing}"
        stale = [k for k in EXPECT if k not in keys]
        assert not stale, f"rows for routes that do not exist: {stale}"
        failures = []
        for method, path in keys:
            row = EXPECT[(method, path)]
            for role in ROLES:
                writes = method == "POST"
                clean_up(p)
                own = p.new_report(p.agency_a, AGENCY_A, FRESH) if writes else p.report_a
                theirs = p.new_report(p.agency_b, AGENCY_B, FRESH) if writes else p.report_b
                target = theirs if role == "other" else own
                if row.setup:
                    row.setup(p, target)
                params = row.params(p) if callable(row.params) else row.params
                url = url_of(path, target, params)
                client = client_for(p, role, row.fresh)
                data = row.data(p, target) if callable(row.data) else row.data
                before = snapshot(p)
                if method == "POST":
                    kwargs = {"files": row.files(p, target)} if row.files else {}
                    r = client.post(url, data=data, follow_redirects=False, **kwargs)
                else:
                    r = client.get(url, follow_redirects=False)
                expected = row.expected(role)
                got = LOGIN if r.status_code == 303 and r.headers["location"].endswith("/login") and expected == LOGIN else r.status_code
                if got != expected:
                    failures.append(f"{method} {url} as {role}: expected {expected}, got {r.status_code} {r.headers.get('location', '')} {r.text[:120]!r}")
                    continue
                if "Traceback" in r.text:
                    failures.append(f"{method} {url} as {role}: a stack trace in the response")
                if expected in REFUSED and writes and snapshot(p) != before:
                    failures.append(f"{method} {url} as {role}: refused ({expected}) but a report changed")
                if expected == 404 and role == "other":
                    # the same answer as for a report that does not exist: nothing to learn
                    missing_url = url_of(path, 999_999, params)
                    gone = client.post(missing_url, data=data, follow_redirects=False) if writes else client.get(missing_url, follow_redirects=False)
                    if gone.status_code != 404 or gone.text != r.text:
                        failures.append(f"{method} {url} as other: the refusal differs from a missing report's")
        assert not failures, "\n".join(failures)


def test_anonymous_htmx_gets_401_and_a_redirect_header(database_url):
    with portal_app(database_url) as p:
        anonymous = p.anonymous()
        r = anonymous.post(f"/reports/{p.report_a}/save", data={"applications.received.0": "3"}, headers={"HX-Request": "true"})
        assert r.status_code == 401 and r.headers["HX-Redirect"] == "/login"
        assert p.store.get(p.report_a).revision == 1


@pytest.mark.parametrize("role", ["clerk", "clerk_b"])
def test_lists_show_only_what_the_clerk_may_see(tmp_path, role):
    from docgen.web.store import sqlite_url

    with portal_app(sqlite_url(tmp_path)) as p:
        mine, theirs = (p.report_a, p.report_b) if role == "clerk" else (p.report_b, p.report_a)
        gone = p.new_report(p.agency_b if role == "clerk" else p.agency_a, "x", 2019)
        p.store.delete(gone)
        client = p.client(role)
        index = client.get("/").text
        assert f'data-report="{mine}"' in index and f'data-report="{theirs}"' not in index
        assert f'data-report="{gone}"' not in client.get("/trash").text
        editor = client.get(f"/reports/{mine}").text
        assert f'<option value="{theirs}"' not in editor  # last year's report: only one's own agency's
        # linking another agency's report as last year's is refused like a missing report
        r = client.post(f"/reports/{mine}/previous", data={"previous": str(theirs)}, follow_redirects=False)
        assert r.status_code == 404 and p.store.get(mine).previous_id is None
        # the 管理员 and the 审核人 see everything
        for other in (p.admin, p.reviewer):
            page = other.get("/").text
            assert f'data-report="{mine}"' in page and f'data-report="{theirs}"' in page


def test_a_clerk_creates_and_imports_only_for_their_own_agency(tmp_path):
    from docgen.web.store import sqlite_url

    with portal_app(sqlite_url(tmp_path)) as p:
        r = p.clerk.post("/reports", data={"agency": AGENCY_B, "year": "2022"}, follow_redirects=False)
        made = p.store.get(int(r.headers["location"].rsplit("/", 1)[1]))
        assert made.agency == AGENCY_A and made.agency_id == p.agency_a
        assert p.clerk_b.get(f"/reports/{made.id}").status_code == 404
        r = p.clerk_b.post("/import", files=_upload(p, 0))
        assert r.status_code == 200
        imported = max(s.id for s in p.store.list())
        assert p.store.get(imported).agency_id == p.agency_b  # the upload names another agency: it is still clerk_b's
        assert p.clerk.get(f"/reports/{imported}").status_code == 404
        # a rollover keeps the agency; the 管理员's new report joins the agency of that name
        r = p.clerk.post(f"/reports/{made.id}/rollover", follow_redirects=False)
        assert p.store.get(int(r.headers["location"].rsplit("/", 1)[1])).agency_id == p.agency_a
        r = p.admin.post("/reports", data={"agency": AGENCY_B, "year": "2023"}, follow_redirects=False)
        assert p.store.get(int(r.headers["location"].rsplit("/", 1)[1])).agency_id == p.agency_b


def test_a_submitted_report_is_read_only_for_its_clerk(tmp_path):
    from sqlalchemy import update

    from docgen.web.store import reports, sqlite_url

    with portal_app(sqlite_url(tmp_path)) as p:
        for state in ("已提交", "已审核"):
            with p.store.engine.begin() as conn:
                conn.execute(update(reports).where(reports.c.id == p.report_a).values(state=state))
            r = p.clerk.post(f"/reports/{p.report_a}/save", data={"applications.received.0": "3"}, headers={"HX-Request": "true"})
            assert r.status_code == 409 and state in r.text
            assert p.clerk.get(f"/reports/{p.report_a}").status_code == 200  # still readable
        assert p.store.get(p.report_a).revision == 1


def test_every_state_change_of_the_portal_needs_the_sessions_token(tmp_path):
    """Every POST route (A's, B's and C's alike) refuses the 管理员 — who may do everything — without
    the session's CSRF token, with another session's token, or from another origin; nothing changes."""
    from docgen.web.store import sqlite_url

    with portal_app(sqlite_url(tmp_path)) as p:
        admin, other_session = p.admin, p.login("admin")
        posts = [k for k in route_keys(p.app) if k[0] == "POST" and k[1] != "/login"]
        assert len(posts) >= 15
        for _, path in posts:
            row = EXPECT[("POST", path)]
            params = row.params(p) if callable(row.params) else row.params
            url = url_of(path, p.report_a, params)
            for data, headers in (({}, {}), ({"csrf": other_session.csrf}, {}), ({"csrf": admin.csrf}, {"origin": "http://evil.example"})):
                before = snapshot(p)
                r = admin.post(url, data=data, csrf=False, headers=headers, follow_redirects=False)
                assert r.status_code == 403 and ("安全令牌" in r.text or "跨站" in r.text), (url, data, r.status_code)
                assert snapshot(p) == before, url
        assert admin.get("/", follow_redirects=False).status_code == 200  # still logged in: nothing was ended


def test_the_reviewer_sees_no_controls_it_may_not_use(tmp_path):
    from docgen.web.store import sqlite_url

    with portal_app(sqlite_url(tmp_path)) as p:
        page = p.reviewer.get("/").text
        assert f'data-report="{p.report_a}"' in page
        for hook in ('data-action="new"', 'data-action="import"', 'data-action="delete"', 'data-action="rollover"'):
            assert hook not in page and hook in p.clerk.get("/").text
