"""`docgen users add` and the refusals of `docgen serve --portal` (exit 2, Chinese, no traceback)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.fixture(autouse=True)
def cheap_hashes():
    from support.portal import cheap_hashing

    cheap_hashing()


def add(cli, monkeypatch, data, *args, password="admin2025x"):
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return cli("users", "add", *args, "--password-stdin", "--data", data)


def accounts_of(data):
    from docgen.web.accounts import Accounts
    from docgen.web.server import open_store

    store, _ = open_store(data)
    return store, Accounts(store)


def test_users_add_creates_accounts_and_agencies(cli, monkeypatch, tmp_path):
    data = tmp_path / "data"
    r = add(cli, monkeypatch, data, "zhang", "--role", "管理员", "--display-name", "张三")
    assert r.code == 0 and "已创建管理员账号“zhang”" in r.err + r.out
    r = add(cli, monkeypatch, data, "li", "--role", "填报人", "--agency", "青山县教育局", password="clerk2025x")
    assert r.code == 0 and "新建了机关“青山县教育局”" in r.text
    r = add(cli, monkeypatch, data, "wang", "--role", "填报人", "--agency", "青山县教育局", password="clerk2025y")
    assert r.code == 0 and "新建了机关" not in r.text
    store, accounts = accounts_of(data)
    try:
        li, wang = accounts.by_name("li"), accounts.by_name("wang")
        assert li.agency_id == wang.agency_id and li.agency_name == "青山县教育局" and not li.must_change
        assert accounts.by_name("zhang").display_name == "张三" and accounts.has_admin()
        assert accounts.login("li", "clerk2025x").outcome == "ok"
        from docgen.web import audit

        added = audit.events(store, audit.Filters(action="user_add"))[0]
        assert sorted(e.details["username"] for e in added) == ["li", "wang", "zhang"]
    finally:
        store.close()


def test_users_add_reads_database_url_like_serve(cli, monkeypatch, tmp_path):
    from docgen.web.store import sqlite_url

    monkeypatch.setenv("DOCGEN_DATABASE_URL", sqlite_url(tmp_path))
    monkeypatch.setattr(sys, "stdin", io.StringIO("admin2025x\n"))
    assert cli("users", "add", "root", "--role", "管理员", "--password-stdin").code == 0
    assert (tmp_path / "docgen.sqlite3").exists()


@pytest.mark.parametrize(
    "args, password, message",
    [
        (("a1", "--role", "管理员"), "short1", "至少 8 个字符"),
        (("a2", "--role", "管理员"), "onlyletters", "字母和数字"),
        (("a3", "--role", "局长"), "admin2025x", "角色“局长”不存在"),
        (("a4", "--role", "填报人"), "admin2025x", "填报人必须属于一个机关"),
        (("bad name", "--role", "管理员"), "admin2025x", "不能有空格"),
        (("a6", "--role", "管理员"), "", "标准输入中没有密码"),
    ],
)
def test_users_add_refusals(cli, monkeypatch, tmp_path, args, password, message):
    r = add(cli, monkeypatch, tmp_path / "data", *args, password=password)
    assert r.code == 2 and message in r.err and "Traceback" not in r.text
    if (tmp_path / "data").exists():
        store, accounts = accounts_of(tmp_path / "data")
        assert accounts.list() == []
        store.close()


def test_users_add_refuses_a_taken_name(cli, monkeypatch, tmp_path):
    assert add(cli, monkeypatch, tmp_path, "zhang", "--role", "管理员").code == 0
    r = add(cli, monkeypatch, tmp_path, "zhang", "--role", "审核人")
    assert r.code == 2 and "已存在" in r.err


def test_users_add_asks_twice_without_echo(tmp_path):
    """Without a terminal and without --password-stdin: a refusal, not a prompt that echoes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run([sys.executable, "-m", "docgen", "users", "add", "x1", "--role", "管理员", "--data", str(tmp_path)],
                         input="admin2025x\n", capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 2 and "--password-stdin" in run.stderr and "admin2025x" not in run.stdout + run.stderr


def test_users_add_prompt_reads_twice(cli, monkeypatch, tmp_path):
    import getpass

    answers = iter(["admin2025x", "admin2025y"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    r = cli("users", "add", "x2", "--role", "管理员", "--data", tmp_path)
    assert r.code == 2 and "两次输入的密码不一致" in r.err
    answers = iter(["admin2025x", "admin2025x"])
    r = cli("users", "add", "x2", "--role", "管理员", "--data", tmp_path)
    assert r.code == 0 and "admin2025x" not in r.text


def test_serve_portal_refusals(cli, monkeypatch, tmp_path):
    r = cli("serve", "--portal", "--no-browser", "--data", tmp_path)
    assert r.code == 2 and "还没有管理员账号" in r.err and "docgen users add" in r.err and "Traceback" not in r.text
    assert add(cli, monkeypatch, tmp_path, "root", "--role", "管理员").code == 0
    r = cli("serve", "--portal", "--no-browser", "--host", "0.0.0.0", "--data", tmp_path)
    assert r.code == 2 and "--behind-proxy" in r.err and "--certfile" in r.err
    r = cli("serve", "--portal", "--no-browser", "--host", "0.0.0.0", "--certfile", tmp_path / "none.pem", "--keyfile", tmp_path / "none.key", "--data", tmp_path)
    assert r.code == 2 and "找不到文件" in r.err
    r = cli("serve", "--portal", "--no-browser", "--certfile", tmp_path / "none.pem", "--data", tmp_path)
    assert r.code == 2 and "同时指定" in r.err
    r = cli("serve", "--behind-proxy", "--no-browser", "--data", tmp_path)
    assert r.code == 2 and "--portal" in r.err
    help_text = cli("serve", "--help").out
    assert all(o in help_text for o in ("--portal", "--behind-proxy", "--certfile", "--keyfile"))


def test_serve_portal_starts_behind_a_proxy_and_trusts_only_the_proxy(monkeypatch, tmp_path):
    """The uvicorn options of `serve --portal --behind-proxy` (the server itself is not started)."""
    import uvicorn

    from docgen.web import server
    from docgen.web.accounts import Accounts

    store, _ = server.open_store(tmp_path)
    Accounts(store).add("root", "管理员", "admin2025x")
    store.close()
    seen = {}

    class FakeServer:
        def __init__(self, config):
            seen["config"] = config

        def run(self):
            seen["ran"] = True

    monkeypatch.setattr(uvicorn, "Server", FakeServer)
    server.run("0.0.0.0", 8123, tmp_path, False, portal=True, behind_proxy=True, proxy_address="10.0.0.5", workers=1)
    config = seen["config"]
    assert seen["ran"] and config.proxy_headers and config.forwarded_allow_ips == "10.0.0.5"
    assert config.app.state.portal and config.app.state.secure_cookies
    server.run("127.0.0.1", 8123, tmp_path, False, portal=True, workers=1)
    assert seen["config"].proxy_headers is False  # no proxy: X-Forwarded-For is not believed

    # several workers: each builds the same application and uvicorn options from the settings it is sent
    from docgen.web import workers

    monkeypatch.setattr(workers, "bind", lambda host, port: ("socket", host, port))
    monkeypatch.setattr(workers, "serve", lambda settings, sock, count: seen.update(settings=settings, sock=sock, count=count))
    server.run("0.0.0.0", 8123, tmp_path, False, portal=True, behind_proxy=True, proxy_address="10.0.0.5", workers=3)
    settings = seen["settings"]
    assert seen["count"] == 3 and seen["sock"] == ("socket", "0.0.0.0", 8123)
    assert settings.portal and settings.behind_proxy and settings.allowed_hosts is None
    assert settings.options["proxy_headers"] and settings.options["forwarded_allow_ips"] == "10.0.0.5"
    app, store = workers.application(settings)  # what each worker process builds
    store.close()
    assert app.state.portal and app.state.secure_cookies
