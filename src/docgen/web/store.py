"""Where `docgen serve` keeps reports: SQLite in the data folder, or PostgreSQL
(DOCGEN_DATABASE_URL), through SQLAlchemy 2; the schema is made by the Alembic migrations.

A report is stored as its input file (the text `docgen check` and `docgen render` read), with
every saved version kept as a numbered revision. SQLite runs in WAL mode with synchronous=NORMAL:
a save that was answered survives a killed server at once (it is in the WAL), and the server
checkpoints every second, which makes the WAL durable on disk — a power cut loses at most the
last second, and never corrupts the database.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError

metadata = MetaData()
MIGRATIONS = Path(__file__).with_name("migrations")  # the Alembic scripts

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agency", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("edition", Integer, nullable=False),
    Column("content", Text, nullable=False),  # the input file (YAML)
    Column("status", String(200), nullable=False, default=""),  # the checks' verdict, for the list
    Column("revision", Integer, nullable=False, default=1),  # the latest revision number
    Column("previous_id", Integer, ForeignKey("reports.id"), nullable=True),  # last year's report (R5/R6)
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("deleted_at", DateTime, nullable=True),  # in the recycle bin since
    # the portal (`serve --portal`, migration 0002): whose report it is, and where it is in its life
    Column("agency_id", Integer, ForeignKey("agencies.id", name="fk_reports_agency_id"), nullable=True),
    Column("state", String(10), nullable=False, default="草稿", server_default="草稿"),  # portaldb.STATES
    Column("state_reason", Text, nullable=True),  # the reviewer's reason when returned
    Column("state_at", DateTime, nullable=True),
    Column("state_by", String(64), nullable=True),
    Column("state_cells", Text, nullable=True),  # JSON list of the cells a return names (migration 0004)
    Index("ix_reports_agency_year", "agency_id", "year"),
)

revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("author", String(200), nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("content", Text, nullable=False),
    UniqueConstraint("report_id", "number", name="uq_revision_number"),
)


# A report in these states is read-only (portaldb.SUBMITTED, portaldb.APPROVED): returning it opens it again.
FROZEN = ("已提交", "已审核")


class ReadOnly(Exception):
    """A save of a report that is submitted or approved."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


class Exists(Exception):
    """The agency already has a report of that year (its id)."""

    def __init__(self, report_id: int):
        super().__init__(report_id)
        self.report_id = report_id


@dataclass
class StoredReport:
    id: int
    agency: str
    year: int
    edition: int
    content: str
    status: str
    revision: int
    previous_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    agency_id: int | None = None
    state: str = "草稿"
    state_reason: str | None = None
    state_at: dt.datetime | None = None
    state_by: str | None = None
    state_cells: str | None = None
    rollup: bool = False  # a 汇总: its figures come from its recorded parts (Store.get tells; lists do not)


@dataclass
class Revision:
    number: int
    created_at: dt.datetime
    author: str
    summary: str
    content: str = ""


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{(Path(folder) / 'docgen.sqlite3').as_posix()}"


def normalize_url(url: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# Connections kept open: one per thread that may use the database at once (anyio's default limit
# for Starlette's blocking calls is 40). A smaller pool opens and closes connections under load —
# for PostgreSQL a new server process each time.
POOL_SIZE = 40
PING_AFTER = 10.0  # seconds: a PostgreSQL connection idle this long is tested before use


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")  # one connection per thread (SQLAlchemy's own pool)
        pool = {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": 10}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=10)

    # A pooled connection that has lain idle may have been closed by the server (restarted, idle
    # timeout, a firewall): test it before use, and take a fresh one when it is dead. A connection
    # back from a request moments ago is not tested — under load that is every checkout, and the
    # test is a round trip to the database each time.
    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, record, _proxy):
        returned = record.info.get("returned")
        if returned is not None and time.monotonic() - returned < PING_AFTER:
            return
        try:
            _ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure: the pool replaces the connection
            raise DisconnectionError(str(exc)) from exc

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        record.info["returned"] = time.monotonic()

    return engine


def _ping(dbapi_connection) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SELECT 1")
    cursor.close()
    dbapi_connection.rollback()  # leave no transaction open


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (run on every start)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:  # batch migrations copy and drop tables that others refer to: check the keys afterwards
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"foreign keys broken by the migration: {broken[:3]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


class Store:
    """Reports and their revisions. Every write goes through ``writing`` (the write lock first, also
    across processes: several server workers, docgen commands)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self._write = threading.Lock()
        self._stop = threading.Event()

    def start_checkpoints(self, every: float = 1.0) -> None:
        """SQLite: sync the WAL to disk every ``every`` seconds (a checkpoint syncs it first)."""
        if not self.sqlite:
            return

        def run() -> None:
            while not self._stop.wait(every):
                try:
                    with self.engine.connect() as conn:  # PASSIVE: never blocks a save
                        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                except Exception:  # noqa: BLE001 - a busy or closing database: try again next time
                    continue

        threading.Thread(target=run, name="docgen-checkpoint", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.engine.dispose()

    # -- reading -------------------------------------------------------------------------
    def list(self, deleted: bool = False, content: bool = True) -> list[StoredReport]:
        """The reports (or the recycle bin); ``content=False`` leaves out each report's text
        (content is then ""): a list shows names, years and states."""
        where = reports.c.deleted_at.is_not(None) if deleted else reports.c.deleted_at.is_(None)
        columns = [c for c in reports.c if content or c.name != "content"]
        query = select(*columns).where(where).order_by(reports.c.year.desc(), reports.c.agency, reports.c.id)
        with self.engine.connect() as conn:
            return [StoredReport(**{"content": "", **row._mapping}) for row in conn.execute(query)]

    def reading(self) -> Connection:
        """A connection for one query on the hot paths (every request's session, the report it
        opens): on PostgreSQL without a transaction around it (one round trip instead of BEGIN,
        query and ROLLBACK); SQLite's driver starts none for a query anyway."""
        conn = self.engine.connect()
        return conn if self.sqlite else conn.execution_options(isolation_level="AUTOCOMMIT")

    def get(self, report_id: int, deleted: bool = False) -> StoredReport | None:
        parts = metadata.tables["rollup_parts"]  # portaldb's (imported below: it refers to reports)
        rollup = exists().where(parts.c.rollup_id == reports.c.id).label("rollup")
        query = select(reports, rollup).where(reports.c.id == report_id)
        if not deleted:
            query = query.where(reports.c.deleted_at.is_(None))
        with self.reading() as conn:
            row = conn.execute(query).first()
        return StoredReport(**row._mapping) if row else None

    def revisions(self, report_id: int, limit: int = 200) -> list[Revision]:
        c = revisions.c
        query = (
            select(c.number, c.created_at, c.author, c.summary)
            .where(c.report_id == report_id)
            .order_by(c.number.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [Revision(**row._mapping) for row in conn.execute(query)]

    def revision(self, report_id: int, number: int) -> Revision | None:
        c = revisions.c
        query = select(c.number, c.created_at, c.author, c.summary, c.content).where(c.report_id == report_id, c.number == number)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return Revision(**row._mapping) if row else None

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction. It takes the database's write lock at once (SQLite: BEGIN IMMEDIATE;
        a transaction that reads first and writes later could otherwise fail, or act on what it
        read, when another process — a second server worker, a docgen command — writes meanwhile),
        and on SQLite one at a time within this process (threads then wait on a lock, not on SQLite's
        polling). PostgreSQL's writers run side by side — what must not interleave locks its rows
        (SELECT … FOR UPDATE), as it must anyway between worker processes — and their commits share
        one disk flush."""
        with self._write if self.sqlite else nullcontext(), self.engine.connect() as conn, conn.begin():
            if self.sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # the driver starts no transaction of its own after this
            yield conn

    def create(self, agency: str, year: int, edition: int, content: str, status: str, summary: str, author: str,
               previous_id: int | None = None, agency_id: int | None = None, one_a_year: bool = False) -> int:
        """A new report and its first revision. ``one_a_year``: raise Exists when the agency already
        has a report of that year (the dashboard's “开始填报”: two clicks at once make one report)."""
        stamp = now()
        with self.writing() as conn:
            if one_a_year and agency_id is not None:
                self._one_per_year(conn, agency_id, year)
            report_id = conn.execute(
                insert(reports).values(
                    agency=agency, year=year, edition=edition, content=content, status=status, revision=1,
                    previous_id=previous_id, created_at=stamp, updated_at=stamp, agency_id=agency_id,
                )
            ).inserted_primary_key[0]
            conn.execute(
                insert(revisions).values(report_id=report_id, number=1, created_at=stamp, author=author, summary=summary, content=content)
            )
        return int(report_id)

    @staticmethod
    def _one_per_year(conn, agency_id: int, year: int) -> None:
        """An agency has one report a year: raise Exists when it has one (the agency's row is locked
        first, so two clerks starting it at once make one report)."""
        from .portaldb import agencies

        conn.execute(select(agencies.c.id).where(agencies.c.id == agency_id).with_for_update())
        found = conn.execute(
            select(reports.c.id).where(reports.c.agency_id == agency_id, reports.c.year == year, reports.c.deleted_at.is_(None))
        ).scalar()
        if found is not None:
            raise Exists(int(found))

    def save(self, report_id: int, content: str, status: str, agency: str, summary: str, author: str,
             also: Callable[[Connection, int], None] | None = None) -> int | None:
        """Store a new version; the revision number (the same one when nothing changed), or None
        when the report is gone. A report under review or approved (FROZEN) raises ReadOnly — checked
        in the same transaction, so no save slips in after a submission or an approval. ``also``
        (connection, new revision number) runs in that transaction when a revision is written: the
        portal's audit event is stored with the change or not at all."""
        with self.writing() as conn:
            row = conn.execute(
                select(reports.c.content, reports.c.revision, reports.c.state)
                .where(reports.c.id == report_id, reports.c.deleted_at.is_(None))
                .with_for_update()
            ).first()
            if row is None:
                return None
            if row.state in FROZEN:
                raise ReadOnly(row.state)
            if row.content == content:
                return row.revision
            number = row.revision + 1
            stamp = now()
            conn.execute(
                update(reports)
                .where(reports.c.id == report_id)
                .values(content=content, status=status, agency=agency, revision=number, updated_at=stamp)
            )
            conn.execute(
                insert(revisions).values(
                    report_id=report_id, number=number, created_at=stamp, author=author, summary=summary, content=content
                )
            )
            if also is not None:
                also(conn, number)
        return number

    def set_previous(self, report_id: int, previous_id: int | None) -> None:
        with self.writing() as conn:
            conn.execute(update(reports).where(reports.c.id == report_id).values(previous_id=previous_id))

    def set_status(self, report_id: int, status: str) -> None:
        with self.writing() as conn:
            conn.execute(update(reports).where(reports.c.id == report_id).values(status=status))

    def delete(self, report_id: int) -> bool:
        """Move a report to the recycle bin."""
        with self.writing() as conn:
            done = conn.execute(
                update(reports).where(reports.c.id == report_id, reports.c.deleted_at.is_(None)).values(deleted_at=now())
            )
        return done.rowcount > 0

    def undelete(self, report_id: int) -> bool:
        with self.writing() as conn:
            done = conn.execute(
                update(reports).where(reports.c.id == report_id, reports.c.deleted_at.is_not(None)).values(deleted_at=None)
            )
        return done.rowcount > 0

    def count_revisions(self, report_id: int) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(revisions).where(revisions.c.report_id == report_id)).scalar_one()

    def integrity(self) -> str:
        """SQLite's PRAGMA integrity_check ("ok"), or "ok" for other databases."""
        if not self.sqlite:
            return "ok"
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())


from . import portaldb  # noqa: E402,F401 - the portal's tables share this metadata (reports.agency_id refers to them)
