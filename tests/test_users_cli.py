"""`docgen users list` and `docgen users reset-password`: the accounts at a glance and account
recovery on the server (SQLite and PostgreSQL through the `database_url` fixture)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT
from support.portal import AGENCY_A, PASSWORD, cheap_hashing, portal_app, portal_store

HEADINGS = ("用户名", "姓名", "角色", "机关", "状态", "创建时间")


@pytest.fixture(autouse=True)
def cheap_hashes():
    cheap_hashing()


@pytest.fixture
def portal(database_url, monkeypatch):
    """The test portal (four accounts, each logged in); the CLI finds its database like serve does."""
    monkeypatch.setenv("DOCGEN_DATABASE_URL", database_url)
    with portal_app(database_url) as p:
        yield p


def reset(cli, monkeypatch, *args, stdin: str | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        args = (*args, "--password-stdin")
    return cli("users", "reset-password", *args)


def fail(p, username: str, times: int = 5) -> None:
    """Wrong passwords (the 5th locks the account and ends its sessions)."""
    for attempt in range(times):
        p.accounts.login(username, f"wrong-{attempt}-x")
    assert p.accounts.by_name(username).locked(p.accounts.now()) == (times >= 5)


def updates(p):
    from docgen.web import audit

    return audit.events(p.store, audit.Filters(action="user_update"))[0]


def row_of(out: str, username: str) -> str:
    return next(line for line in out.splitlines() if re.match(rf"\W*{re.escape(username)}\s", line.lstrip()))


def test_users_list_shows_every_account_and_its_state(portal, cli):
    accounts, users = portal.accounts, portal.users
    accounts.set_disabled(users["reviewer"].id, True)
    fail(portal, "clerk")
    accounts.reset_password(users["clerk_b"].id)  # a one-time password not yet changed
    until = accounts.by_name("clerk").locked_until.strftime("%H:%M")
    r = cli("users", "list")
    assert r.code == 0 and r.err == ""
    head = next(line for line in r.out.splitlines() if "用户名" in line)
    assert all(heading in head for heading in HEADINGS)
    expected = {"admin": ("管理员", "", "正常"), "reviewer": ("审核人", "", "已停用"),
                "clerk": ("填报人", AGENCY_A, f"锁定至 {until}"), "clerk_b": ("填报人", "青山县卫生健康局", "须修改初始密码")}
    for username, (role, agency, status) in expected.items():
        cells = row_of(r.out, username).split()
        assert cells[0] == username and cells[1] == f"{role}{username}" and cells[2] == role, cells
        assert status in row_of(r.out, username) and agency in row_of(r.out, username)
        assert users[username].created_at.strftime("%Y-%m-%d %H:%M") in row_of(r.out, username)
    assert "共 4 个账号（管理员 1、审核人 1、填报人 2）" in r.out
    assert "argon2" not in r.out and PASSWORD not in r.out
    # -q keeps the table (it is the result)
    assert row_of(cli("-q", "users", "list").out, "admin")


def test_users_list_refuses_a_folder_without_a_database(cli, tmp_path):
    r = cli("users", "list", "--data", tmp_path / "typo")
    assert r.code == 2 and "不存在" in r.err and "--data" in r.err and "Traceback" not in r.text
    assert not (tmp_path / "typo").exists()  # a mistyped folder is not turned into a new database
    r = reset(cli, None, "admin", "--data", tmp_path / "typo")
    assert r.code == 2 and "不存在" in r.err and not (tmp_path / "typo").exists()


def test_users_list_on_a_gbk_console(tmp_path):
    from docgen.web.accounts import Accounts
    from docgen.web.server import open_store

    store, _ = open_store(tmp_path)
    Accounts(store).add("zhang", "管理员", "admin2025x", display_name="张三")
    Accounts(store).add("li", "填报人", "clerk2025x", agency="青山县教育局")
    store.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONIOENCODING": "gbk"}
    env.pop("DOCGEN_DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-m", "docgen", "users", "list", "--data", str(tmp_path)], capture_output=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr.decode("gbk", "replace")
    text = run.stdout.decode("gbk")
    assert all(h in text for h in HEADINGS) and "张三" in text and "青山县教育局" in text and "共 2 个账号" in text


def test_reset_password_gives_a_one_time_password(portal, cli, monkeypatch):
    clerk = portal.clerk  # logged in, in a browser
    second = portal.login("clerk")  # and in another one
    fail(portal, "clerk", 3)
    r = reset(cli, monkeypatch, "clerk")
    assert r.code == 0, r.err
    password = r.out.strip()  # alone on standard output
    assert re.fullmatch(r"[A-Za-z0-9]{12}", password) and r.text.count(password) == 1
    assert "已重置填报人账号“clerk”的密码：已结束其 2 处登录。" in r.err and "一次性密码" in r.err
    account = portal.accounts.by_name("clerk")
    assert account.must_change and account.failed_logins == 0 and account.locked_until is None
    for browser in (clerk, second):  # logged out everywhere
        assert browser.get("/", follow_redirects=False).headers["location"] == "/login"
    assert portal.accounts.login("clerk", PASSWORD).outcome == "bad"
    fresh = portal.anonymous()
    r = fresh.post("/login", data={"username": "clerk", "password": password}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/password"  # must change it first
    (event,) = updates(portal)
    assert event.username == "命令行" and event.address == "本机" and event.agency == AGENCY_A
    assert event.details == {"username": "clerk", "change": "命令行重置密码（一次性密码，已退出其所有登录）", "via": "docgen users reset-password"}
    # -q: the password alone
    r = cli("-q", "users", "reset-password", "clerk")
    assert r.code == 0 and r.err == "" and re.fullmatch(r"[A-Za-z0-9]{12}\n", r.out)


def test_reset_password_from_stdin_keeps_a_disabled_account_disabled(portal, cli, monkeypatch):
    reviewer = portal.reviewer
    portal.accounts.set_disabled(portal.users["reviewer"].id, True)
    fail(portal, "reviewer")  # and locked
    r = reset(cli, monkeypatch, "reviewer", stdin="recover2025x\n")
    assert r.code == 0 and "recover2025x" not in r.text
    assert "已重置审核人账号“reviewer”的密码：已解除锁定，该账号当前没有登录。" in r.out
    assert "已停用" in r.err and "--enable" in r.err
    account = portal.accounts.by_name("reviewer")
    assert account.disabled and not account.must_change and account.password_changed_at is not None
    assert account.locked_until is None and account.failed_logins == 0
    assert portal.accounts.login("reviewer", "recover2025x").outcome == "disabled"
    r = reset(cli, monkeypatch, "reviewer", "--enable", stdin="recover2025y\n")
    assert r.code == 0 and "已重新启用" in r.out and "recover2025y" not in r.text and "--enable" not in r.err
    fresh = portal.anonymous()
    r = fresh.post("/login", data={"username": "reviewer", "password": "recover2025y"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"  # not one-time: straight in
    assert reviewer.get("/", follow_redirects=False).headers["location"] == "/login"  # the old session stays ended
    changes = [e.details["change"] for e in updates(portal)][::-1]
    assert changes == ["命令行重置密码（由标准输入设定，已退出其所有登录，已解除锁定）", "命令行重置密码（由标准输入设定，已退出其所有登录，已重新启用）"]


@pytest.mark.parametrize(
    "name, stdin, message",
    [
        ("nobody", None, "没有用户名为“nobody”的账号"),
        ("nobody", "recover2025x\n", "没有用户名为“nobody”的账号"),
        ("clerk", "short1\n", "至少 8 个字符"),
        ("clerk", "onlyletters\n", "字母和数字"),
        ("clerk", "12345678901\n", "字母和数字"),
        ("clerk", "\n", "标准输入中没有密码"),
        ("clerk", "", "标准输入中没有密码"),
    ],
)
def test_reset_password_refusals_change_nothing(portal, cli, monkeypatch, name, stdin, message):
    clerk = portal.clerk
    fail(portal, "clerk", 3)
    before = portal.accounts.by_name("clerk", with_hash=True)
    r = reset(cli, monkeypatch, name, stdin=stdin)
    assert r.code == 2 and message in r.err and r.out == "" and "Traceback" not in r.text
    assert portal.accounts.by_name("clerk", with_hash=True) == before  # same password, same failed logins
    assert portal.accounts.live_sessions(before.id) == 1 and updates(portal) == []
    assert clerk.get("/password", follow_redirects=False).status_code == 200  # still logged in


def test_reset_then_the_new_password_logs_in_through_the_library(tmp_path, cli, monkeypatch):
    """The same on a --data folder (SQLite), the password typed into a script; the library view."""
    store, accounts, users, _, _ = portal_store_in(tmp_path)
    try:
        token, _ = accounts.open_session(users["admin"].id, "127.0.0.1")
        r = reset(cli, monkeypatch, "admin", "--data", tmp_path, stdin="newadmin2025\r\n")
        assert r.code == 0 and "已结束其 1 处登录" in r.out
        assert accounts.session(token) is None and accounts.login("admin", "newadmin2025").outcome == "ok"
        r = reset(cli, monkeypatch, "admin", "--data", tmp_path, stdin="admin\n")
        assert r.code == 2 and "密码不符合要求" in r.err
    finally:
        store.close()


def portal_store_in(folder):
    from docgen.web.store import sqlite_url

    return portal_store(sqlite_url(folder))


def test_users_help_lists_the_commands(cli):
    text = cli("users", "--help").out
    assert all(name in text for name in ("add", "list", "reset-password"))
    text = cli("users", "reset-password", "--help").out
    assert all(option in text for option in ("--password-stdin", "--enable", "--data"))


def test_account_status_in_words():
    from docgen.web.accounts import Account

    now = dt.datetime(2026, 1, 5, 9, 0)
    account = Account(1, "a", "", "管理员", None, "", False, 0, None, False, now, now)
    assert account.status(now) == "正常"
    account.must_change = True
    assert account.status(now) == "须修改初始密码"
    account.locked_until = now + dt.timedelta(minutes=30)
    assert account.status(now) == "锁定至 09:30"
    assert account.status(now + dt.timedelta(hours=1)) == "须修改初始密码"  # the lock ran out
    account.disabled = True
    assert account.status(now) == "已停用"
