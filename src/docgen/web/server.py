"""Starting the server: where the data lives, the database, uvicorn."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import DocgenError
from . import serverlock
from .store import Store, make_engine, migrate, sqlite_url

DATABASE_ENV = "DOCGEN_DATABASE_URL"


def data_folder() -> Path:
    """The per-user data folder: %LOCALAPPDATA%\\docgen on Windows, ~/Library/Application
    Support/docgen on macOS, $XDG_DATA_HOME/docgen (~/.local/share/docgen) elsewhere."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "docgen"


@dataclass(frozen=True)
class Location:
    """Where the data is: the database URL, a description without a password (for messages),
    and for SQLite the database file."""

    url: str
    where: str
    sqlite_file: Path | None


def locate(data: Path | None = None, url: str | None = None) -> Location:
    """The database `docgen serve` uses: ``url``, else DOCGEN_DATABASE_URL, else the SQLite file
    in ``data`` (default: the per-user data folder). Creates nothing."""
    url = url or os.environ.get(DATABASE_ENV, "").strip()
    if url:
        where = url.split("@")[-1]  # never print a password
        if url.startswith("sqlite"):
            from sqlalchemy.engine import make_url

            database = make_url(url).database
            return Location(url, where, Path(database) if database and database != ":memory:" else None)
        return Location(url, where, None)
    folder = Path(data) if data else data_folder()
    file = folder / "docgen.sqlite3"
    return Location(sqlite_url(folder), str(file), file)


def open_store(data: Path | None = None, url: str | None = None) -> tuple[Store, str]:
    """The store (schema migrated) and a description of where it is, for the start message."""
    location = locate(data, url)
    url, where = location.url, location.where
    if location.sqlite_file is not None:
        folder = location.sqlite_file.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DocgenError(f"无法创建数据文件夹“{folder}”：{exc.strerror or exc}") from None
    try:
        engine = make_engine(url)
        migrate(engine)
    except DocgenError:
        raise
    except Exception as exc:
        raise DocgenError(f"无法打开数据库（{where}）：{type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    return Store(engine), where


def run(host: str, port: int, data: Path | None, open_browser: bool) -> None:
    import threading
    import webbrowser

    import uvicorn

    from .app import create_app

    store, where = open_store(data)
    serverlock.acquire(store, where)  # one server per database, held until the process ends (see serverlock)
    store.start_checkpoints()
    loopback = host in ("127.0.0.1", "localhost", "::1")
    app = create_app(store, ["127.0.0.1", "localhost", "[::1]", "::1"] if loopback else None)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    address = f"http://{shown_host}:{port}/"
    print(f"docgen 网页填报已启动：{address}", flush=True)
    print(f"数据保存在：{where}", flush=True)
    if not loopback:
        print("注意：本服务没有账号和权限管理，能访问这个地址的人都可以查看和修改报告；请只在可信的内部网络中使用。", flush=True)
    print("按 Ctrl-C 停止。", flush=True)
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(address)).start()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
    server = uvicorn.Server(config)
    try:
        server.run()
    except OSError as exc:
        raise DocgenError(f"无法在 {host}:{port} 启动服务：{exc.strerror or exc}（端口可能已被占用，可用 --port 换一个）") from None
