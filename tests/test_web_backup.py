"""`docgen backup` / `docgen restore` on SQLite and on a throwaway PostgreSQL: a backup taken
while a clerk keeps saving restores to a consistent database, a quiet one to exactly the same
rows in every table; a file that is not a docgen backup is refused and nothing is changed."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from conftest import ROOT

from docgen.report.load import load_text
from docgen.web import backup as backup_module
from docgen.web import formdoc, serverlock
from docgen.web.server import DATABASE_ENV, locate, open_store
from docgen.web.service import Service
from docgen.web.store import Store, make_engine, normalize_url, sqlite_url

AUTHOR = "测试"


# -- helpers ------------------------------------------------------------------------------------
def tables(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (whatever the schema holds), sorted."""
    from sqlalchemy import MetaData, Table, create_engine, inspect, select

    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            out = {}
            for name in inspect(conn).get_table_names():
                table = Table(name, MetaData(), autoload_with=conn)
                out[name] = sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            return out
    finally:
        engine.dispose()


def where_args(url: str, monkeypatch) -> list[str]:
    """The command-line arguments that point docgen at ``url`` the way a user would: --data for
    the SQLite file in a folder, DOCGEN_DATABASE_URL for PostgreSQL."""
    if url.startswith("sqlite"):
        monkeypatch.delenv(DATABASE_ENV, raising=False)
        return ["--data", str(locate(url=url).sqlite_file.parent)]
    monkeypatch.setenv(DATABASE_ENV, url)
    return []


def fresh_database(url: str, tmp_path: Path) -> str:
    """An empty database of the same kind: a new folder, or a new PostgreSQL database."""
    if url.startswith("sqlite"):
        return sqlite_url(tmp_path / f"fresh-{uuid.uuid4().hex[:6]}")
    from sqlalchemy import create_engine, text

    name = f"fresh_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def fill(service: Service, count: int = 4) -> list[int]:
    ids = []
    for n in range(count):
        report_id = service.new(f"测试{n}镇人民政府", "2025", AUTHOR)
        form = formdoc.values(load_text(service.stored(report_id).content, "x").report)
        form["applications.received.0"] = str(n + 1)
        form["problems"] = f"第{n}份报告的问题"
        service.save(report_id, form, AUTHOR)
        ids.append(report_id)
    return ids


class Typist(threading.Thread):
    """Keeps saving one report, as a clerk typing, until stopped."""

    def __init__(self, service: Service, report_id: int):
        super().__init__(daemon=True)
        self.service, self.report_id = service, report_id
        self.stop = threading.Event()
        self.saves = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        form = formdoc.values(load_text(self.service.stored(self.report_id).content, "x").report)
        try:
            while not self.stop.is_set():
                self.saves += 1
                form["problems"] = f"第{self.saves}次修改"
                self.service.save(self.report_id, form, AUTHOR)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def consistent(url: str) -> None:
    """Each report's text is its latest revision's, numbered 1..n without gaps."""
    store, _ = open_store(url=url)
    try:
        for report in store.list():
            numbers = [r.number for r in store.revisions(report.id, limit=100000)]
            assert numbers == list(range(report.revision, 0, -1))
            assert store.revision(report.id, report.revision).content == report.content
    finally:
        store.engine.dispose()


def fingerprint(location) -> str:
    """The current data: a hash of the SQLite file, or of every row on PostgreSQL."""
    if location.sqlite_file is not None:
        if not location.sqlite_file.exists():
            return "none"
        return hashlib.sha256(location.sqlite_file.read_bytes()).hexdigest()
    return repr(tables(location.url))


# -- the round trip ----------------------------------------------------------------------------
def test_round_trip_while_saving(database_url, cli, tmp_path, monkeypatch):
    store, _ = open_store(url=database_url)
    service = Service(store)
    ids = fill(service)
    typist = Typist(service, ids[0])
    typist.start()
    try:
        while typist.saves < 5:
            time.sleep(0.01)
        args = where_args(database_url, monkeypatch)
        during = tmp_path / "during.backup"
        result = cli("backup", during, *args)
        assert result.code == 0, result.text
        assert "已校验" in result.out
        saves_at_backup = typist.saves
        time.sleep(0.2)
    finally:
        typist.stop.set()
        typist.join(30)
    assert typist.error is None, typist.error
    assert typist.saves > saves_at_backup  # the clerk went on saving after the backup
    quiet = tmp_path / "quiet.backup"
    assert cli("backup", quiet, *args).code == 0
    source = tables(database_url)
    store.engine.dispose()
    assert len(source["revisions"]) > len(ids) * 2

    # the backup taken while saving: a consistent database, no revision that the source lacks
    fresh = fresh_database(database_url, tmp_path)
    result = cli("restore", during, "--yes", *where_args(fresh, monkeypatch))
    assert result.code == 0, result.text
    consistent(fresh)
    restored = tables(fresh)
    assert set(restored["revisions"]) <= set(source["revisions"])
    assert len(restored["reports"]) == len(ids)

    # the quiet backup: every row of every table, exactly
    fresh = fresh_database(database_url, tmp_path)
    assert cli("restore", quiet, "--yes", *where_args(fresh, monkeypatch)).code == 0
    assert tables(fresh) == source
    # the restored data opens in the web layer
    restored_store, _ = open_store(url=fresh)
    try:
        assert sorted(r.id for r in restored_store.list()) == sorted(ids)
    finally:
        restored_store.engine.dispose()


def test_restore_replaces_everything_and_keeps_the_old_sqlite(database_url, cli, tmp_path, monkeypatch):
    store, _ = open_store(url=database_url)
    fill(Service(store), 2)
    args = where_args(database_url, monkeypatch)
    file = tmp_path / "b.backup"
    assert cli("backup", file, *args).code == 0
    before = tables(database_url)
    Service(store).new("后来新建的机关", "2025", AUTHOR)
    with store.engine.begin() as conn:  # a table the backup does not have (a later schema's)
        conn.exec_driver_sql("CREATE TABLE later_things (id INTEGER PRIMARY KEY, label TEXT)")
        conn.exec_driver_sql("INSERT INTO later_things VALUES (1, 'x')")
    changed = tables(database_url)
    store.engine.dispose()
    result = cli("restore", file, "--yes", *args)
    assert result.code == 0, result.text
    assert tables(database_url) == before
    location = locate(url=database_url)
    if location.sqlite_file is not None:
        [kept] = location.sqlite_file.parent.glob("docgen.sqlite3.before-restore-*")
        assert str(kept) in result.out
        assert tables(f"sqlite:///{kept.as_posix()}") == changed


def test_an_older_backup_is_brought_up_to_date(database_url, cli, tmp_path, monkeypatch):
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from docgen.web.store import MIGRATIONS

    scripts = ScriptDirectory(str(MIGRATIONS))
    [first] = scripts.get_bases()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = make_engine(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, first)
        # a report as the first schema stores it (its columns only)
        connection.exec_driver_sql(
            "INSERT INTO reports (id, agency, year, edition, content, status, revision, created_at, updated_at)"
            " VALUES (1, '旧版本镇', 2025, 2021, 'x', '通过', 1, '2026-01-02 03:04:05', '2026-01-02 03:04:05')"
        )
        connection.exec_driver_sql(
            "INSERT INTO revisions (report_id, number, created_at, author, summary, content)"
            " VALUES (1, 1, '2026-01-02 03:04:05', '测试', '新建', 'x')"
        )
    engine.dispose()
    args = where_args(database_url, monkeypatch)
    file = tmp_path / "old.backup"
    assert cli("backup", file, *args).code == 0
    # restored over a database of the latest schema (whose newer tables the backup lacks)
    latest = fresh_database(database_url, tmp_path)
    open_store(url=latest)[0].engine.dispose()
    tables_of_latest = set(tables(latest))
    assert cli("restore", file, "--yes", *where_args(latest, monkeypatch)).code == 0
    restored = tables(latest)
    assert restored["alembic_version"] == [(scripts.get_current_head(),)]
    assert set(restored) == tables_of_latest
    consistent(latest)
    store, _ = open_store(url=latest)
    assert [(r.id, r.agency) for r in store.list()] == [(1, "旧版本镇")]
    store.engine.dispose()


# -- refusals ----------------------------------------------------------------------------------
def _sqlite_not_docgen(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (id INTEGER)")
    connection.commit()
    connection.close()


def _sqlite_future_version(path: Path, source: Path) -> None:
    path.write_bytes(source.read_bytes())
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    connection.commit()
    connection.close()


def _pg_not_docgen(path: Path, url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id INTEGER)")
    engine.dispose()
    dbname, env = backup_module.libpq_target(url)
    subprocess.run([backup_module.pg_tool("pg_dump"), "-Fc", f"--file={path}", f"--dbname={dbname}"], env=env, check=True)


def _pg_future_dump(path: Path, url: str) -> None:
    """A pg_dump of a docgen database stamped with a version this docgen does not know."""
    engine = make_engine(url)
    with engine.begin() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff9999'")
    dbname, env = backup_module.libpq_target(url)
    subprocess.run([backup_module.pg_tool("pg_dump"), "-Fc", f"--file={path}", f"--dbname={dbname}"], env=env, check=True)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{version}'")
    engine.dispose()


@pytest.mark.parametrize(
    "kind, fragment",
    [
        ("text", "不是 docgen 的备份文件"),
        ("truncated", "已损坏"),
        ("other-database", "不是 docgen 的数据库"),
        ("future", "不是本版 docgen 认识的版本"),
        ("other-kind", "两种数据库的备份不能互相恢复"),
        ("missing", "找不到备份文件"),
        ("unconfirmed", "需要确认"),
    ],
)
def test_restore_refuses_and_changes_nothing(database_url, cli, tmp_path, monkeypatch, kind, fragment):
    store, _ = open_store(url=database_url)
    fill(Service(store), 1)
    store.engine.dispose()
    args = where_args(database_url, monkeypatch)
    good = tmp_path / "good.backup"
    assert cli("backup", good, *args).code == 0
    sqlite_kind = database_url.startswith("sqlite")
    bad = tmp_path / f"{kind}.backup"
    if kind == "text":
        bad.write_text("报告备份\n这不是数据库\n", encoding="utf-8")
    elif kind == "truncated":
        data = good.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif kind == "other-database":
        if sqlite_kind:
            _sqlite_not_docgen(bad)
        else:
            _pg_not_docgen(bad, fresh_database(database_url, tmp_path))
    elif kind == "future":
        if sqlite_kind:
            _sqlite_future_version(bad, good)
        else:
            _pg_future_dump(bad, database_url)
    elif kind == "other-kind":
        if sqlite_kind:
            bad.write_bytes(b"PGDMP\x01\x0f\x00" + b"\x00" * 200)
        else:
            sqlite_file = tmp_path / "x.sqlite3"
            _sqlite_not_docgen(sqlite_file)
            bad = sqlite_file
    elif kind == "unconfirmed":
        bad = good
    location = locate(url=database_url)
    before = fingerprint(location)
    result = cli("restore", bad, *([] if kind == "unconfirmed" else ["--yes"]), *args)
    assert result.code == 2, result.text
    assert fragment in result.err and str(bad) in result.err + result.out
    assert "Traceback" not in result.text
    assert fingerprint(location) == before
    if location.sqlite_file is not None:
        folder = location.sqlite_file.parent
        assert not list(folder.glob("*.before-restore-*")) and not list(folder.glob(".docgen-*"))


def test_backup_refuses_a_database_of_a_future_version(pg_url, cli, tmp_path, monkeypatch):
    from support.web import reset_postgres

    reset_postgres(pg_url)
    store, _ = open_store(url=pg_url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff9999'")
    store.engine.dispose()
    monkeypatch.setenv(DATABASE_ENV, pg_url)
    file = tmp_path / "future.backup"
    result = cli("backup", file)  # a backup checks what it wrote: this one cannot be restored
    assert result.code == 2 and "ffff9999" in result.err and not file.exists()


def test_backup_never_overwrites_without_force(database_url, cli, tmp_path, monkeypatch):
    store, _ = open_store(url=database_url)
    fill(Service(store), 1)
    store.engine.dispose()
    args = where_args(database_url, monkeypatch)
    file = tmp_path / "b.backup"
    file.write_text("先前的文件", encoding="utf-8")
    result = cli("backup", file, *args)
    assert result.code == 2 and "--force" in result.err and str(file) in result.err
    assert file.read_text(encoding="utf-8") == "先前的文件"
    assert cli("backup", file, "--force", *args).code == 0
    assert file.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".docgen-")] == []


def test_backup_of_a_folder_without_data(cli, tmp_path, monkeypatch):
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    result = cli("backup", tmp_path / "b.backup", "--data", tmp_path / "空")
    assert result.code == 2 and "没有找到数据库" in result.err and not (tmp_path / "b.backup").exists()


def test_restore_asks_and_a_no_changes_nothing(cli, tmp_path, monkeypatch):
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    store, _ = open_store(tmp_path / "data")
    fill(Service(store), 1)
    store.engine.dispose()
    file = tmp_path / "b.backup"
    assert cli("backup", file, "--data", tmp_path / "data").code == 0
    before = fingerprint(locate(tmp_path / "data"))

    class Console(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Console("n\n"))
    result = cli("restore", file, "--data", tmp_path / "data")
    assert result.code == 130 and "已取消" in result.err
    assert fingerprint(locate(tmp_path / "data")) == before
    monkeypatch.setattr(sys, "stdin", Console("y\n"))
    result = cli("restore", file, "--data", tmp_path / "data")
    assert result.code == 0 and "原数据库保留为" in result.out


# -- a running server --------------------------------------------------------------------------
def _serve(data: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop(DATABASE_ENV, None)
    return subprocess.Popen(
        [sys.executable, "-m", "docgen", "serve", "--no-browser", "--port", str(port), "--data", str(data)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def test_restore_refuses_while_docgen_serve_runs(cli, tmp_path, monkeypatch):
    import httpx
    from support.web import free_port

    monkeypatch.delenv(DATABASE_ENV, raising=False)
    data = tmp_path / "data"
    port = free_port()
    server = _serve(data, port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None, server.communicate()[1].decode()[-2000:]
                time.sleep(0.1)
        file = tmp_path / "b.backup"
        assert cli("backup", file, "--data", data).code == 0  # online: no need to stop the server
        before = fingerprint(locate(data))
        result = cli("restore", file, "--yes", "--data", data)
        assert result.code == 2 and "docgen serve" in result.err and f"进程号 {server.pid}" in result.err
        assert fingerprint(locate(data)) == before
        second = _serve(data, free_port())  # a second server on the same data is refused too
        out, err = second.communicate(timeout=60)
        assert second.returncode == 2 and "正被另一个 docgen 进程使用" in err.decode()
    finally:
        server.terminate()
        server.wait(30)
    result = cli("restore", file, "--yes", "--data", data)
    assert result.code == 0, result.text


def test_restore_refuses_while_a_server_holds_postgresql(pg_url, cli, tmp_path, monkeypatch):
    from support.web import reset_postgres

    reset_postgres(pg_url)
    store, where = open_store(url=pg_url)
    fill(Service(store), 1)
    monkeypatch.setenv(DATABASE_ENV, pg_url)
    file = tmp_path / "b.backup"
    assert cli("backup", file).code == 0
    held = serverlock.acquire(Store(make_engine(pg_url)), where)  # what `docgen serve` does on start
    try:
        result = cli("restore", file, "--yes")
        assert result.code == 2 and "正被另一个 docgen 进程使用" in result.err
    finally:
        held.release()
        store.engine.dispose()
    assert cli("restore", file, "--yes").code == 0


# -- PostgreSQL tools --------------------------------------------------------------------------
def test_the_password_never_reaches_a_command_line(pg_url, cli, tmp_path, monkeypatch):
    """The throwaway cluster trusts local connections, so any password works: the tools must
    get it from PGPASSWORD, never as an argument (visible to every user in ps)."""
    from support.web import reset_postgres

    reset_postgres(pg_url)
    secret = "Geheim-7fq2"
    url = pg_url.replace("postgres@", f"postgres:{secret}@")
    store, _ = open_store(url=url)
    fill(Service(store), 1)
    store.engine.dispose()
    seen: list[tuple[list[str], dict]] = []
    real_run, real_popen = subprocess.run, subprocess.Popen

    def spy_run(args, *a, **kw):
        seen.append((list(args), kw.get("env") or {}))
        return real_run(args, *a, **kw)

    class SpyPopen(real_popen):
        def __init__(self, args, *a, **kw):
            seen.append((list(args), kw.get("env") or {}))
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(backup_module.subprocess, "run", spy_run)
    monkeypatch.setattr(backup_module.subprocess, "Popen", SpyPopen)
    monkeypatch.setenv(DATABASE_ENV, url)
    file = tmp_path / "b.backup"
    assert cli("backup", file).code == 0
    assert cli("restore", file, "--yes").code == 0
    names = {Path(args[0]).name for args, _ in seen}
    assert {"pg_dump", "pg_restore", "psql"} <= names
    assert all(secret not in " ".join(args) for args, _ in seen)
    assert all(env.get("PGPASSWORD") == secret for args, env in seen if "--dbname" in " ".join(args))


def test_missing_postgresql_tools_are_named(monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup_module.glob, "glob", lambda pattern: [])
    with pytest.raises(backup_module.BackupError) as info:
        backup_module.pg_tool("pg_dump")
    assert "找不到 PostgreSQL 的 pg_dump 程序" in info.value.message and "postgresql-client" in info.value.message


def test_backup_refuses_to_overwrite_the_database_itself(cli, tmp_path, monkeypatch):
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    data = tmp_path / "data"
    open_store(data)[0].engine.dispose()
    before = fingerprint(locate(data))
    for name in ("docgen.sqlite3", "docgen.sqlite3-wal"):
        result = cli("backup", data / name, "--force", "--data", data)
        assert result.code == 2 and "不能是数据库" in result.err
    assert fingerprint(locate(data)) == before


def test_portal_accounts_come_back_and_nobody_stays_logged_in(database_url, cli, tmp_path, monkeypatch):
    from docgen.web.accounts import Accounts

    store, _ = open_store(url=database_url)
    accounts = Accounts(store)
    admin = accounts.add("admin", "管理员", "Geheim-2026")
    clerk = accounts.add("clerk", "填报人", "Geheim-2026", agency="测试镇人民政府")
    accounts.open_session(admin.id, "10.0.0.1")
    accounts.open_session(clerk.id, "10.0.0.2")
    fill(Service(store), 1)
    store.engine.dispose()
    args = where_args(database_url, monkeypatch)
    file = tmp_path / "b.backup"
    assert cli("backup", file, *args).code == 0
    source = tables(database_url)
    assert len(source["sessions"]) == 2
    fresh = fresh_database(database_url, tmp_path)
    assert cli("restore", file, "--yes", *where_args(fresh, monkeypatch)).code == 0
    restored = tables(fresh)
    assert restored["sessions"] == []
    assert {name: rows for name, rows in restored.items() if name != "sessions"} == {
        name: rows for name, rows in source.items() if name != "sessions"}
    store, _ = open_store(url=fresh)
    try:
        assert Accounts(store).login("clerk", "Geheim-2026").outcome == "ok"
    finally:
        store.engine.dispose()
