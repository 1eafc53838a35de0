"""The portal's accounts and sessions over HTTP: login and logout, lockout, idle timeout (an
injected clock), the first-login password change, the password policy, argon2 hashes, CSRF
tied to the session, cookies and security headers — on SQLite and PostgreSQL where it matters."""

from __future__ import annotations

import datetime as dt

import pytest
from support.portal import PASSWORD, portal_app

from docgen.web.accounts import one_time_password, password_problem


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 1, 10, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def portal(tmp_path):
    from docgen.web.store import sqlite_url

    with portal_app(sqlite_url(tmp_path)) as p:
        yield p


def events(p, action: str) -> list:
    from docgen.web import audit

    return audit.events(p.store, audit.Filters(action=action))[0]


def csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def try_login(client, username, password):
    return client.post("/login", data={"username": username, "password": password}, follow_redirects=False)


def test_login_logout_and_the_audit_trail(database_url):
    with portal_app(database_url) as p:
        client = p.anonymous()
        page = client.get("/login").text
        assert 'data-action="login"' in page and 'name="username"' in page and 'name="password"' in page
        assert client.get("/", follow_redirects=False).headers["location"] == "/login"
        r = try_login(client, "clerk", "wrong-password-9")
        assert r.status_code == 401 and "用户名或密码不正确" in r.text
        r = try_login(client, "nobody", "wrong-password-9")
        assert r.status_code == 401 and "用户名或密码不正确" in r.text  # the same words: no user enumeration
        r = try_login(client, "clerk", PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/dashboard"  # the start page
        client.refresh_csrf("/")
        index = client.get("/").text
        assert 'data-action="logout"' in index and "填报人clerk（填报人，青山县教育局）" in index
        r = client.post("/logout", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert client.get("/", follow_redirects=False).status_code == 303
        failed = events(p, "login_failed")
        assert [e.username for e in failed] == ["nobody", "clerk"] and all(e.address for e in failed)
        assert [e.username for e in events(p, "login")] == ["clerk"] and [e.username for e in events(p, "logout")] == ["clerk"]


def test_the_session_cookie_and_security_headers(portal):
    client = portal.anonymous()
    r = try_login(client, "admin", PASSWORD)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("docgen_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie  # plain loopback HTTP; ends with the browser
    token = cookie.split(";")[0].split("=", 1)[1]
    from sqlalchemy import select

    from docgen.web.portaldb import sessions

    with portal.store.engine.connect() as conn:
        stored = conn.execute(select(sessions.c.id)).scalars().all()
    assert token not in stored and len(stored) == 1  # only the token's sha256 is kept
    for url in ("/login", "/", "/static/style.css", "/nowhere", f"/reports/{portal.report_a}"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp, url
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY", url
        assert headers["referrer-policy"] == "no-referrer", url


def test_cookies_are_secure_behind_a_proxy(tmp_path):
    from docgen.web.store import sqlite_url

    with portal_app(sqlite_url(tmp_path), behind_proxy=True) as p:
        client = p.anonymous()
        assert "Secure" in client.get("/login").headers["set-cookie"]  # the login form's CSRF cookie
        r = try_login(client, "admin", PASSWORD)
        assert "Secure" in r.headers["set-cookie"] and "strict-transport-security" in r.headers


def test_no_inline_script_in_any_page(portal):
    """The policy runs no inline script: no <script> with content, no on*= handler, no javascript: URL."""
    import re

    pages = ["/", "/trash", f"/reports/{portal.report_a}", f"/reports/{portal.report_a}/revisions",
             f"/reports/{portal.report_a}/revisions/1", f"/reports/{portal.report_a}/revisions/1/yaml", "/password"]
    html = [portal.admin.get(url).text for url in pages] + [portal.anonymous().get("/login").text]
    for text in html:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
        assert not re.search(r"\son[a-z]+\s*=", text) and "javascript:" not in text
        assert not re.search(r"\sstyle\s*=", text)
        assert 'hx-trigger="input[' not in text  # an htmx filter is eval'd: not allowed by the policy
        # no secrets in URLs: tokens travel in forms and headers, never in a link
        assert not re.search(r'(href|action|src)="[^"]*\?[^"]*(csrf|token|password|session)', text, re.IGNORECASE)
        assert not any(csrf_of(text) in url for url in re.findall(r'(?:href|action|src)="([^"]*)"', text))


def test_csrf_is_the_sessions_own(portal):
    clerk, other = portal.clerk, portal.login("clerk")
    url = f"/reports/{portal.report_a}/save"
    assert clerk.csrf != other.csrf
    for token in ("", "x" * 43, other.csrf):
        r = clerk.post(url, data={"csrf": token, "applications.received.0": "3"}, csrf=False, headers={"HX-Request": "true"})
        assert r.status_code == 403 and "安全令牌" in r.text
    r = clerk.post(url, data={"applications.received.0": "3"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and portal.store.get(portal.report_a).revision == 2
    # the login form is protected too (its token is the anonymous cookie's)
    anonymous = portal.anonymous()
    r = anonymous.post("/login", data={"username": "admin", "password": PASSWORD}, csrf=False, follow_redirects=False)
    assert r.status_code == 403


def test_five_failures_lock_the_account_for_30_minutes(database_url):
    with portal_app(database_url) as p:
        clock = Clock()
        p.accounts.clock = clock
        client = p.anonymous()
        for attempt in range(4):
            assert "用户名或密码不正确" in try_login(client, "clerk", f"wrong-{attempt}-pw").text
        r = try_login(client, "clerk", "wrong-4-pw")
        assert r.status_code == 401 and "锁定" in r.text and "30 分钟" in r.text
        clock.advance(minutes=29)
        assert "锁定" in try_login(client, "clerk", PASSWORD).text  # even the right password
        clock.advance(minutes=1, seconds=1)
        assert try_login(client, "clerk", PASSWORD).status_code == 303
        assert [e.username for e in events(p, "locked")] == ["clerk"]
        assert len(events(p, "login_failed")) == 6


def test_an_admin_unlocks(portal):
    client = portal.anonymous()
    for attempt in range(5):
        try_login(client, "reviewer", f"wrong-{attempt}-pw")
    account = portal.accounts.by_name("reviewer")
    assert account.locked(portal.accounts.now())
    portal.accounts.unlock(account.id)
    assert try_login(client, "reviewer", PASSWORD).status_code == 303


def test_sessions_end_after_30_minutes_idle(database_url):
    with portal_app(database_url) as p:
        clock = Clock()
        p.accounts.clock = clock
        client = p.login("clerk")
        clock.advance(minutes=29)
        assert client.get("/", follow_redirects=False).status_code == 200  # used: alive for 30 more minutes
        clock.advance(minutes=29)
        assert client.get("/", follow_redirects=False).status_code == 200
        clock.advance(minutes=30)
        r = client.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        r = client.post(f"/reports/{p.report_a}/save", data={"applications.received.0": "3"}, headers={"HX-Request": "true"})
        assert r.status_code == 401 and p.store.get(p.report_a).revision == 1


def test_first_login_forces_a_password_change_and_the_policy_speaks_chinese(database_url):
    with portal_app(database_url) as p:
        otp = p.accounts.reset_password(p.users["clerk"].id)
        client = p.anonymous()
        r = try_login(client, "clerk", otp)
        assert r.status_code == 303 and r.headers["location"] == "/password"
        client.refresh_csrf()
        for url in ("/", f"/reports/{p.report_a}", "/trash"):
            assert client.get(url, follow_redirects=False).headers["location"] == "/password"
        r = client.post(f"/reports/{p.report_a}/save", data={"applications.received.0": "3"}, headers={"HX-Request": "true"})
        assert r.status_code == 403 and "修改初始密码" in r.text
        assert "一次性密码" in client.get("/password").text
        cases = [
            ((otp, "short1", "short1"), "至少 8 个字符"),
            ((otp, "abcdefghij", "abcdefghij"), "字母和数字"),
            ((otp, "1234567890", "1234567890"), "字母和数字"),
            ((otp, "newpass123", "newpass124"), "两次输入的新密码不一致"),
            (("wrong-pass-1", "newpass123", "newpass123"), "当前密码不正确"),
            ((otp, otp, otp), "不能与当前密码相同"),
        ]
        for (current, new, again), message in cases:
            r = client.post("/password", data={"current": current, "new": new, "again": again})
            assert r.status_code == 400 and message in r.text, message
        r = client.post("/password", data={"current": otp, "new": "newpass123", "again": "newpass123"}, follow_redirects=False)
        assert r.status_code == 303
        assert client.get("/", follow_redirects=False).status_code == 200  # this browser stays in, on a new session
        assert try_login(p.anonymous(), "clerk", otp).status_code == 401
        assert try_login(p.anonymous(), "clerk", "newpass123").status_code == 303
        assert [e.username for e in events(p, "password_change")] == ["clerk"]


def test_password_change_and_logout_everywhere_end_the_other_sessions(portal):
    first, second, third = portal.login("clerk"), portal.login("clerk"), portal.login("clerk")
    r = first.post("/password", data={"current": PASSWORD, "new": "another123", "again": "another123"}, follow_redirects=False)
    assert r.status_code == 303
    assert second.get("/", follow_redirects=False).headers["location"] == "/login"
    assert third.get("/", follow_redirects=False).headers["location"] == "/login"
    assert first.get("/", follow_redirects=False).status_code == 200
    fourth = portal.login("clerk", "another123")
    first.refresh_csrf("/")
    r = first.post("/logout", data={"everywhere": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert fourth.get("/", follow_redirects=False).status_code == 303 and first.get("/", follow_redirects=False).status_code == 303
    assert portal.accounts.live_sessions(portal.users["clerk"].id) == 0


def test_a_disabled_account_cannot_log_in_and_loses_its_sessions(portal):
    client = portal.login("clerk_b")
    portal.accounts.set_disabled(portal.users["clerk_b"].id, True)
    assert client.get("/", follow_redirects=False).status_code == 303
    r = try_login(portal.anonymous(), "clerk_b", PASSWORD)
    assert r.status_code == 401 and "停用" in r.text


def test_argon2_hash_is_stored_never_the_password(portal):
    from sqlalchemy import select

    from docgen.web.accounts import Accounts, hash_password, verify_password
    from docgen.web.portaldb import users

    with portal.store.engine.connect() as conn:
        hashes = conn.execute(select(users.c.password_hash)).scalars().all()
    assert len(hashes) == 4 and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    import docgen.web.accounts as accounts_module
    from argon2 import PasswordHasher

    default = PasswordHasher()
    saved = accounts_module._hasher
    accounts_module.use_hasher(default)  # the server's parameters
    try:
        made = Accounts(portal.store).add("strong", "审核人", "strongpw123")
        stored = Accounts(portal.store).by_name("strong", with_hash=True).password_hash
        assert stored.startswith(f"$argon2id$v=19$m={default.memory_cost},t={default.time_cost},p={default.parallelism}$")
        assert made.username == "strong" and verify_password(stored, "strongpw123") and not verify_password(stored, "strongpw124")
    finally:
        accounts_module.use_hasher(saved)
    assert hash_password("same1234") != hash_password("same1234")  # salted


def test_password_policy_and_one_time_passwords():
    assert password_problem("abc1234") == "密码至少 8 个字符（现在 7 个）"
    assert password_problem("abcdefgh") == "密码须同时包含字母和数字"
    assert password_problem("12345678") == "密码须同时包含字母和数字"
    assert password_problem("zhang123", "ZHANG123") == "密码不能与用户名相同"
    assert password_problem("abcd1234") is None
    made = {one_time_password() for _ in range(50)}
    assert len(made) == 50 and all(len(p) == 12 and password_problem(p) is None for p in made)


@pytest.mark.parametrize("trusted", [True, False])
def test_forwarded_addresses_are_believed_only_from_the_proxy(tmp_path, trusted):
    """uvicorn's ProxyHeadersMiddleware (what `serve --portal --behind-proxy` turns on): the audit
    trail gets the client's address from X-Forwarded-For only when the request comes from the proxy."""
    from support.portal import Client
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from docgen.web.store import sqlite_url

    with portal_app(sqlite_url(tmp_path), behind_proxy=True) as p:
        proxied = ProxyHeadersMiddleware(p.app, trusted_hosts="testclient" if trusted else "10.9.9.9")
        client = Client(proxied, base_url="https://127.0.0.1")
        with client:
            client.refresh_csrf("/login")
            headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
            r = client.post("/login", data={"username": "clerk", "password": PASSWORD}, headers=headers, follow_redirects=False)
            assert r.status_code == 303
        assert [e.address for e in events(p, "login")] == ["203.0.113.7" if trusted else "testclient"]
