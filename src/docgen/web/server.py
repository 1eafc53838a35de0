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


LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_WORKERS = 32


def portal_refusal(host: str, behind_proxy: bool, certfile: Path | None, keyfile: Path | None) -> str | None:
    """Why `serve --portal` must not start with these options (Chinese), or None."""
    if bool(certfile) != bool(keyfile):
        return "--certfile 和 --keyfile 须同时指定（证书文件和私钥文件）"
    for option, path in (("--certfile", certfile), ("--keyfile", keyfile)):
        if path is not None and not Path(path).is_file():
            return f"{option}：找不到文件“{path}”"
    if host not in LOOPBACK and not behind_proxy and not certfile:
        return (f"门户模式不能在非本机地址 {host} 上以明文 HTTP 提供服务（密码和登录凭据会在网络上明文传输）。"
                "请在前面架设 HTTPS 反向代理（如 nginx）并加 --behind-proxy，"
                "或用 --certfile/--keyfile 指定证书直接启用 HTTPS；只在本机使用时请用 --host 127.0.0.1。")
    return None


def default_workers(portal: bool) -> int:
    """The portal serves many clerks at once: one worker process per CPU (at most 4, each holds its
    own connections and memory); the single-user form needs one."""
    return max(1, min(os.cpu_count() or 1, 4)) if portal else 1


def no_admin_message(data: Path | None) -> str:
    where = f" --data {data}" if data else ""
    return ("门户模式还没有管理员账号，无法启动。请先创建一个管理员："
            f"docgen users add 用户名 --role 管理员{where}（按提示输入两次密码），然后再运行 docgen serve --portal{where}。")


def run(host: str, port: int, data: Path | None, open_browser: bool, portal: bool = False, behind_proxy: bool = False,
        proxy_address: str = "127.0.0.1", certfile: Path | None = None, keyfile: Path | None = None, workers: int | None = None) -> None:
    import threading
    import webbrowser

    import uvicorn

    from .app import create_app

    workers = default_workers(portal) if workers is None else workers
    if not 1 <= workers <= MAX_WORKERS:
        raise DocgenError(f"--workers：应为 1—{MAX_WORKERS} 之间的整数，实际为 {workers}")
    if portal:
        refusal = portal_refusal(host, behind_proxy, certfile, keyfile)
        if refusal:
            raise DocgenError(refusal)
    store, where = open_store(data)
    if portal:
        from .accounts import Accounts

        if not Accounts(store).has_admin():
            store.close()
            raise DocgenError(no_admin_message(data))
    held = serverlock.acquire(store, where)  # one server per database while it runs (see serverlock)
    store.start_checkpoints()
    loopback = host in LOOPBACK
    # behind a proxy the Host header is the public name the proxy passes on
    allowed = ["127.0.0.1", "localhost", "[::1]", "::1"] if loopback and not behind_proxy else None
    app = create_app(store, allowed, portal=portal, behind_proxy=behind_proxy, tls=bool(certfile)) if workers == 1 else None
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    address = f"{'https' if certfile else 'http'}://{shown_host}:{port}/"
    print(f"docgen {'门户' if portal else '网页填报'}已启动：{address}", flush=True)
    print(f"数据保存在：{where}", flush=True)
    if portal:
        if behind_proxy:
            print(f"经反向代理访问：只信任来自 {proxy_address} 的 X-Forwarded-For/X-Forwarded-Proto，Cookie 仅通过 HTTPS 发送。", flush=True)
    elif not loopback:
        print("注意：本服务没有账号和权限管理，能访问这个地址的人都可以查看和修改报告；请只在可信的内部网络中使用（多人使用请加 --portal）。", flush=True)
    if workers > 1:
        print(f"{workers} 个工作进程同时处理请求。", flush=True)
    print("按 Ctrl-C 停止。", flush=True)
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(address)).start()
    options = dict(log_level="warning", access_log=False, server_header=False)
    if portal:  # the client address is the audit trail's: forwarded headers only from the proxy
        options |= dict(proxy_headers=behind_proxy, forwarded_allow_ips=proxy_address if behind_proxy else None)
    if certfile:
        options |= dict(ssl_certfile=str(certfile), ssl_keyfile=str(keyfile))
    try:
        if workers > 1:
            from . import workers as several

            sock = several.bind(host, port)
            settings = several.Settings(locate(data).url, allowed, portal, behind_proxy, bool(certfile), dict(options, host=host, port=port))
            several.serve(settings, sock, workers)
        else:
            uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options)).run()
    except OSError as exc:
        raise DocgenError(f"无法在 {host}:{port} 启动服务：{exc.strerror or exc}（端口可能已被占用，可用 --port 换一个）") from None
    finally:
        held.release()
