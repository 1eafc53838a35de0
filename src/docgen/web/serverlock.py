"""One running server per database, and a way for `docgen restore` to know one is running.

`docgen serve` holds a lock for as long as it runs; the operating system (SQLite) or the
database server (PostgreSQL) drops it when the process ends, however it ends (Ctrl-C, kill -9,
a power cut), so a lock is never left behind:

- SQLite: an exclusive lock on the file ``docgen.sqlite3.lock`` beside the database (flock on
  POSIX, LockFileEx through msvcrt on Windows). The file also says which process holds it.
- PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) on a connection the server
  keeps open.

`docgen restore` takes the same lock and keeps it while it replaces the data, so a server
cannot start in the middle either.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from ..errors import DocgenError

ADVISORY_KEY = 0x646F6367656E  # "docgen"
_LOCK_BYTE = 1 << 16  # Windows locks are mandatory: lock a byte past the text, which stays readable


def lock_file(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class Busy(DocgenError):
    """Another process holds the lock."""


class Held:
    """A lock held until release() (or until the process ends)."""

    def __init__(self, release):
        self._release = release

    def release(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release()


def acquire(store, where: str, purpose: str = "docgen serve") -> Held:
    """Take the lock of the store's database (see the module docstring) until release(); Busy
    when another process (or another holder in this one) has it."""
    if store.sqlite:
        database = store.engine.url.database
        held = Held(None) if not database or database == ":memory:" else _file_lock(Path(database), purpose)
    else:
        held = _advisory_lock(store.engine, where)
    return held


def _file_lock(database: Path, purpose: str) -> Held:
    path = lock_file(database)
    handle = open(path, "a+b")  # noqa: SIM115 - kept open while the lock is held
    try:
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read(200).decode("utf-8", "replace").strip() or "未知进程"
            raise Busy(f"数据库“{database}”正被另一个 docgen 进程使用（{holder}）；请先停止它再试。")
        handle.seek(0)
        handle.truncate()
        handle.write(f"{purpose}，进程号 {os.getpid()}，主机 {socket.gethostname()}".encode())
        handle.flush()
    except BaseException:
        handle.close()
        raise

    def release() -> None:
        try:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            _unlock(handle)
        finally:
            handle.close()

    return Held(release)


def _try_lock(handle) -> bool:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(_LOCK_BYTE)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(_LOCK_BYTE)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except OSError:  # closing the file releases it anyway
        pass


def _advisory_lock(engine, where: str) -> Held:
    from sqlalchemy import text

    connection = engine.connect()
    try:
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
        connection.commit()
    except BaseException:
        connection.close()
        raise
    if not taken:
        connection.close()
        raise Busy(f"数据库（{where}）正被另一个 docgen 进程使用（docgen serve 或 docgen restore）；请先停止它再试。")

    def release() -> None:
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()
        except Exception:  # noqa: BLE001 - closing the session releases it anyway
            pass
        finally:
            connection.close()

    return Held(release)
