"""`docgen backup` and `docgen restore`: the whole database of `docgen serve` in one file.

SQLite: the backup is a SQLite database (journal mode DELETE, no side files), copied with
SQLite's online backup (one consistent snapshot while the server keeps saving), checked
(PRAGMA integrity_check, docgen's Alembic version) and only then renamed over FILE.
A restore checks a copy of FILE beside the database, brings it up to date (migrations), keeps
the current database as ``docgen.sqlite3.before-restore-<time>`` and swaps the files.

PostgreSQL: pg_dump --format=custom; restored by pg_restore into psql in one transaction that
first empties the schema (tables an older backup does not have would block its migrations), so
a failed restore leaves the database as it was. The password goes to the tools through
PGPASSWORD, never on their command line.

Nothing here runs while `docgen serve` runs on the same data: restore takes the server's lock
(serverlock). A backup needs no lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DocgenError
from ..fsutil import atomic_path, temp_name
from . import serverlock
from .server import Location, open_store
from .store import MIGRATIONS, Store, make_engine, migrate, normalize_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
SESSIONS_TABLE = "sessions"  # the portal's logins: nobody stays logged in across a restore
KEPT_INFIX = ".before-restore-"
SQLITE, POSTGRESQL = "SQLite", "PostgreSQL"


@dataclass
class Contents:
    """What a backup (or a database) holds: its kind, schema version and rows per table."""

    kind: str
    version: str
    rows: dict[str, int] = field(default_factory=dict)  # empty when not counted (PostgreSQL)

    def describe(self) -> str:
        if not self.rows:
            return f"{self.kind} 备份，数据库版本 {self.version}"
        reports = self.rows.get("reports")
        head = f"报告 {reports} 份，" if reports is not None else ""
        total = sum(self.rows.values())
        return f"{head}{len(self.rows)} 张表共 {total} 行，数据库版本 {self.version}"


class BackupError(DocgenError):
    """A backup cannot be made or a file cannot be restored (exit 2)."""


def kind_of(location: Location) -> str:
    return SQLITE if normalize_url(location.url).startswith("sqlite") else POSTGRESQL


# -- schema versions ---------------------------------------------------------------------------
def _known_versions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def _check_version(version: str | None, file: Path) -> str:
    if not version:
        raise BackupError(f"“{file}”不是 docgen 的备份：其中没有 docgen 的数据库版本记录（{VERSION_TABLE} 表为空）。")
    if version not in _known_versions():
        raise BackupError(
            f"“{file}”的数据库版本 {version} 不是本版 docgen 认识的版本（可能来自更新版本的 docgen）；请用更新版本的 docgen 恢复。"
        )
    return version


# -- SQLite ------------------------------------------------------------------------------------
def _magic(file: Path) -> bytes:
    try:
        with open(file, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"找不到备份文件“{file}”。") from None
    except IsADirectoryError:
        raise BackupError(f"“{file}”是文件夹，不是备份文件。") from None
    except OSError as exc:
        raise BackupError(f"无法读取备份文件“{file}”：{exc.strerror or exc}") from None


def _refuse_kind(file: Path, expected: str) -> None:
    """BackupError unless ``file`` starts like a backup of the ``expected`` database kind."""
    head = _magic(file)
    found = SQLITE if head.startswith(SQLITE_MAGIC) else POSTGRESQL if head.startswith(PG_MAGIC) else None
    if found == expected:
        return
    if found is None:
        raise BackupError(f"“{file}”不是 docgen 的备份文件（既不是 SQLite 数据库，也不是 pg_dump 备份）。")
    raise BackupError(
        f"“{file}”是 {found} 数据库的备份，而当前数据保存在 {expected} 中；两种数据库的备份不能互相恢复。"
    )


def inspect_sqlite(path: Path, shown: Path | None = None) -> Contents:
    """Check a SQLite file (integrity, docgen's schema version) and count its rows;
    BackupError naming ``shown`` (default: ``path``) when it is not a sound docgen database."""
    shown = shown or path
    try:
        connection = sqlite3.connect(path)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"“{shown}”已损坏（SQLite 完整性检查：{'；'.join(problems[:3])}），不能使用。")
            tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            if VERSION_TABLE not in tables:
                raise BackupError(f"“{shown}”是 SQLite 数据库，但不是 docgen 的数据库（没有 {VERSION_TABLE} 表）。")
            version = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            version = _check_version(version[0] if version else None, shown)
            rows = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"“{shown}”已损坏或不是 SQLite 数据库（{exc}），不能使用。") from None
    return Contents(SQLITE, version, rows)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _backup_sqlite(database: Path, target: Path) -> Contents:
    if not database.is_file():
        raise BackupError(f"没有找到数据库“{database}”：这里还没有用 docgen serve 保存过报告（可用 --data 指定数据文件夹）。")
    with atomic_path(target) as temp:
        source = sqlite3.connect(database, timeout=30)
        try:
            copy = sqlite3.connect(temp)
            try:
                source.backup(copy)  # one step: one consistent snapshot (WAL: the server keeps writing)
                copy.execute("PRAGMA journal_mode=DELETE")  # a single file, no -wal beside it
            finally:
                copy.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"无法读取数据库“{database}”：{exc}") from None
        finally:
            source.close()
        contents = inspect_sqlite(temp, database)
        _fsync(temp)
    return contents


def _sidecars(database: Path) -> list[Path]:
    return [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _single_file(database: Path) -> None:
    """Fold the WAL into the database file and leave no side files (best effort)."""
    with contextlib.suppress(sqlite3.DatabaseError):
        connection = sqlite3.connect(database, timeout=30)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            connection.close()


@dataclass
class Prepared:
    """A checked backup, ready to replace the current data (commit) or to be dropped (discard)."""

    location: Location
    file: Path
    contents: Contents
    current: Contents | None  # what is there now (None: nothing yet)
    _lock: serverlock.Held
    _temp: Path | None = None  # SQLite: the checked, migrated copy beside the database; PostgreSQL: the SQL script

    def discard(self) -> None:
        if self._temp is not None:
            for path in (self._temp, *_sidecars(self._temp)):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            self._temp = None
        self._lock.release()

    def commit(self) -> Path | None:
        """Replace the data; the kept copy of the old SQLite database (None: there was none)."""
        try:
            if self.location.sqlite_file is not None:
                try:
                    kept = _swap(self._temp, self.location.sqlite_file)
                except OSError as exc:
                    raise BackupError(f"无法替换数据库“{self.location.sqlite_file}”：{exc.strerror or exc}；原数据库未被替换。") from None
                self._temp = None
                return kept
            _restore_postgres(self.location, self._temp)
            store, _ = open_store(url=self.location.url)  # migrations: an older backup brought up to date
            try:
                _end_sessions(store.engine)
            finally:
                store.engine.dispose()
            return None
        finally:
            self.discard()


def _swap(temp: Path, database: Path) -> Path | None:
    kept = None
    if database.exists():
        _single_file(database)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = database.with_name(f"{database.name}{KEPT_INFIX}{stamp}")
        n = 1
        while kept.exists():
            n += 1
            kept = database.with_name(f"{database.name}{KEPT_INFIX}{stamp}-{n}")
        for side in _sidecars(database):  # never leave the old WAL beside the new database
            if side.exists():
                os.replace(side, kept.with_name(kept.name + side.name[len(database.name):]))
        try:
            os.link(database, kept)
        except OSError:
            shutil.copy2(database, kept)
    os.replace(temp, database)
    return kept


def _prepare_sqlite(location: Location, file: Path) -> Prepared:
    database = location.sqlite_file
    _refuse_kind(file, SQLITE)
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"无法创建数据文件夹“{database.parent}”：{exc.strerror or exc}") from None
    lock = serverlock.acquire(Store(make_engine(location.url)), location.where, "docgen restore")
    temp = database.with_name(temp_name(database.name))
    try:
        try:
            shutil.copyfile(file, temp)
        except OSError as exc:
            raise BackupError(f"无法复制备份文件“{file}”到“{database.parent}”：{exc.strerror or exc}") from None
        contents = inspect_sqlite(temp, file)
        engine = make_engine(f"sqlite:///{temp.as_posix()}")
        try:
            migrate(engine)
            _end_sessions(engine)
        except Exception as exc:  # noqa: BLE001 - a damaged schema: refuse the file
            raise BackupError(f"“{file}”无法升级到当前的数据库版本（{type(exc).__name__}: {str(exc).splitlines()[0][:200]}）。") from None
        finally:
            engine.dispose()
        _single_file(temp)
        current = None
        if database.exists():
            with contextlib.suppress(BackupError):
                current = inspect_sqlite(database)
        return Prepared(location, file, contents, current, lock, temp)
    except BaseException:
        for path in (temp, *_sidecars(temp)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        lock.release()
        raise


def _end_sessions(engine) -> None:
    """Log everybody out: sessions in a backup may have ended since it was made."""
    from sqlalchemy import inspect

    with engine.begin() as connection:
        if SESSIONS_TABLE in inspect(connection).get_table_names():
            connection.exec_driver_sql(f"DELETE FROM {SESSIONS_TABLE}")


# -- PostgreSQL --------------------------------------------------------------------------------
def pg_tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, else in Debian's /usr/lib/postgresql/<version>/bin
    or Windows' Program Files\\PostgreSQL\\<version>\\bin (the newest)."""
    found = shutil.which(name)
    if found:
        return found
    patterns = [f"/usr/lib/postgresql/*/bin/{name}"]
    if sys.platform == "win32":
        for base in (os.environ.get("ProgramFiles"), os.environ.get("ProgramW6432")):
            if base:
                patterns.append(str(Path(base) / "PostgreSQL" / "*" / "bin" / f"{name}.exe"))
    candidates = [path for pattern in patterns for path in glob.glob(pattern)]

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.parent.name)) or (0,)

    if not candidates:
        raise BackupError(
            f"找不到 PostgreSQL 的 {name} 程序，无法备份或恢复 PostgreSQL 数据库；请安装 PostgreSQL 客户端"
            "（Debian/Ubuntu：apt install postgresql-client；Windows：安装 PostgreSQL 并把它的 bin 文件夹加入 PATH）。"
        )
    return max(candidates, key=version)


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The --dbname for the PostgreSQL tools (a libpq URI without the password) and the
    environment that carries the password (PGPASSWORD)."""
    from sqlalchemy.engine import URL, make_url

    parsed = make_url(normalize_url(url))
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    bare = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    uri = bare.render_as_string(hide_password=False)
    return uri, env


def _run(args: list[str], env: dict[str, str], what: str, **kwargs) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(args, env=env, capture_output=True, **kwargs)
    except OSError as exc:
        raise BackupError(f"无法运行 {Path(args[0]).name}：{exc.strerror or exc}") from None
    if done.returncode != 0:
        raise BackupError(f"{what}：{_tail(done.stderr)}")
    return done


def _tail(stderr: bytes | str) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "；".join(lines[-3:])[:500] or "（没有错误信息）"


def inspect_dump(file: Path) -> Contents:
    """Check a pg_dump archive: readable, with docgen's version table; its schema version."""
    env = {**os.environ}
    listing = subprocess.run([pg_tool("pg_restore"), "--list", str(file)], env=env, capture_output=True)
    if listing.returncode != 0:
        raise BackupError(f"“{file}”已损坏或不是 pg_dump 备份（{_tail(listing.stderr)}），不能使用。")
    if not re.search(rf"TABLE DATA \S+ {VERSION_TABLE} ", listing.stdout.decode("utf-8", "replace")):
        raise BackupError(f"“{file}”是 pg_dump 备份，但不是 docgen 的数据库（没有 {VERSION_TABLE} 表）。")
    data = subprocess.run(
        [pg_tool("pg_restore"), "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(file)], env=env, capture_output=True
    )
    if data.returncode != 0:
        raise BackupError(f"“{file}”已损坏（{_tail(data.stderr)}），不能使用。")
    match = re.search(rf"COPY \S*{VERSION_TABLE} \(version_num\) FROM stdin;\n([^\n\\]+)\n", data.stdout.decode("utf-8", "replace"))
    return Contents(POSTGRESQL, _check_version(match.group(1).strip() if match else None, file))


def _backup_postgres(location: Location, target: Path) -> Contents:
    dbname, env = libpq_target(location.url)
    pg_dump = pg_tool("pg_dump")
    pg_tool("pg_restore")  # needed to check the dump: say so before dumping
    with atomic_path(target) as temp:
        _run([pg_dump, "--format=custom", f"--file={temp}", f"--dbname={dbname}"], env, f"pg_dump 备份失败（{location.where}）")
        contents = inspect_dump(temp)
        _fsync(temp)
    return contents


# Tables, views, sequences and types a newer schema has and an older backup has not: dropped in
# the restore's own transaction, so the migrations can create them again.
_EMPTY_SCHEMA = """DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') LOOP
    EXECUTE format(CASE r.relkind WHEN 'v' THEN 'DROP VIEW IF EXISTS %I CASCADE'
                                  WHEN 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS %I CASCADE'
                                  WHEN 'S' THEN 'DROP SEQUENCE IF EXISTS %I CASCADE'
                                  WHEN 'f' THEN 'DROP FOREIGN TABLE IF EXISTS %I CASCADE'
                                  ELSE 'DROP TABLE IF EXISTS %I CASCADE' END, r.relname);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'c')
             AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c') LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
  END LOOP;
END $$;"""


def _restore_script(file: Path) -> Path:
    """The archive as one SQL script in a private temporary file: reading it all before
    anything is changed refuses a truncated or damaged archive while the data is untouched."""
    import tempfile

    handle, name = tempfile.mkstemp(prefix="docgen-restore-", suffix=".sql")
    os.close(handle)
    script = Path(name)
    done = subprocess.run(
        [pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", f"--file={script}", str(file)],
        env={**os.environ}, capture_output=True,
    )
    if done.returncode != 0:
        script.unlink(missing_ok=True)
        raise BackupError(f"“{file}”已损坏或无法读取（pg_restore：{_tail(done.stderr)}），不能使用；数据库未改动。")
    return script


def _restore_postgres(location: Location, script: Path) -> None:
    """Empty the schema and run the script, all in one transaction (psql --single-transaction:
    on any error everything is rolled back)."""
    dbname, env = libpq_target(location.url)
    _run(
        [pg_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
         f"--dbname={dbname}", f"--command={_EMPTY_SCHEMA}", f"--file={script}"],
        env, f"恢复失败（{location.where}），数据库未改动",
    )


def _prepare_postgres(location: Location, file: Path) -> Prepared:
    _refuse_kind(file, POSTGRESQL)
    contents = inspect_dump(file)
    pg_tool("psql")
    engine = make_engine(location.url)
    try:
        lock = serverlock.acquire(Store(engine), location.where, "docgen restore")
    except serverlock.Busy:
        engine.dispose()
        raise
    except Exception as exc:  # noqa: BLE001 - cannot connect
        engine.dispose()
        raise BackupError(f"无法连接数据库（{location.where}）：{type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    held = _Disposing(lock, engine)
    try:
        script = _restore_script(file)
        current = _postgres_contents(engine)
    except BaseException:
        held.release()
        raise
    return Prepared(location, file, contents, current, held, script)


def _postgres_contents(engine) -> Contents | None:
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        if VERSION_TABLE not in names:
            return None
        version = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() or "?"
        rows = {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}
    return Contents(POSTGRESQL, version, rows)


class _Disposing(serverlock.Held):
    """The restore's lock, and the engine it was taken on (disposed with it)."""

    def __init__(self, lock: serverlock.Held, engine):
        super().__init__(lambda: (lock.release(), engine.dispose()))


# -- the two commands --------------------------------------------------------------------------
def backup(location: Location, target: Path, force: bool = False) -> Contents:
    """Write the whole database to ``target`` (a new file unless ``force``); what it holds."""
    target = Path(target)
    if target.exists() and not force:
        raise BackupError(f"备份文件“{target}”已存在；要覆盖它请加 --force，或换一个文件名。")
    if target.is_dir():
        raise BackupError(f"“{target}”是文件夹；请给出备份文件的名称。")
    if location.sqlite_file is not None:
        database = location.sqlite_file
        if target.resolve().parent == database.resolve().parent and target.name.startswith(database.name):
            raise BackupError(f"备份文件“{target}”不能是数据库“{database}”本身或它旁边的文件；请换一个文件名，最好放在另一个文件夹或另一块磁盘上。")
        return _backup_sqlite(database, target)
    if kind_of(location) == SQLITE:
        raise BackupError("内存中的 SQLite 数据库无法备份。")
    return _backup_postgres(location, target)


def prepare_restore(location: Location, file: Path) -> Prepared:
    """Check ``file`` against the current database and take the server's lock; BackupError (or
    serverlock.Busy) when it cannot be restored. Nothing is changed until commit()."""
    file = Path(file)
    if location.sqlite_file is not None:
        return _prepare_sqlite(location, file)
    if kind_of(location) == SQLITE:
        raise BackupError("内存中的 SQLite 数据库无法恢复。")
    return _prepare_postgres(location, file)
