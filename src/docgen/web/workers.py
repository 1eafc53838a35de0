"""Several server processes on one port (`docgen serve --workers N`).

One Python process runs one request's Python code at a time; a portal with many clerks typing at
once needs more than one CPU. The parent process binds the port, holds the server lock and runs
the SQLite checkpoints (server.run); each worker is a fresh process (spawned, as on Windows) that
opens the database and serves from the shared socket. Nothing a request needs lives in one
worker's memory only: sessions, CSRF tokens, failed logins and the workflow are in the database;
the caches are keyed by content. Writes from several processes take the database's own write
lock (Store.writing: SQLite's BEGIN IMMEDIATE, PostgreSQL's row locks).

The parent restarts a worker that dies, and gives up when they keep dying.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field

from ..errors import DocgenError

RESTARTS = 5  # more restarts than this within RESTART_WINDOW seconds: stop (something is broken)
RESTART_WINDOW = 60.0
STOP_GRACE = 10.0  # seconds a worker whose parent died has to finish its requests


@dataclass(frozen=True)
class Settings:
    """What a worker needs to build the application (plain data: it is sent to a new process)."""

    url: str
    allowed_hosts: list[str] | None
    portal: bool
    behind_proxy: bool
    tls: bool
    options: dict = field(default_factory=dict)  # uvicorn.Config's


def bind(host: str, port: int) -> socket.socket:
    """The listening socket all workers share (the port is taken here, with a clear message)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if sys.platform != "win32":  # on Windows this would let a second server take the same port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise DocgenError(f"无法在 {host}:{port} 启动服务：{exc.strerror or exc}（端口可能已被占用，可用 --port 换一个）") from None
    sock.set_inheritable(True)
    return sock


def application(settings: Settings):
    """A worker's application and its store (the parent has migrated the schema)."""
    from .app import create_app
    from .store import Store, make_engine

    store = Store(make_engine(settings.url))
    return create_app(store, settings.allowed_hosts, portal=settings.portal, behind_proxy=settings.behind_proxy, tls=settings.tls), store


def worker(settings: Settings, sock: socket.socket) -> None:
    """A worker process: the application over the shared socket, until the parent stops it."""
    import uvicorn

    app, store = application(settings)
    server = uvicorn.Server(uvicorn.Config(app, **settings.options))
    threading.Thread(target=_exit_with_parent, args=(server,), name="docgen-parent-watch", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        store.close()


def _exit_with_parent(server) -> None:
    """A worker whose parent is gone (even killed with SIGKILL) finishes its requests and exits:
    no orphan keeps the port or the database."""
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return
    wait([parent.sentinel])
    server.should_exit = True
    time.sleep(STOP_GRACE)
    os._exit(1)


def serve(settings: Settings, sock: socket.socket, count: int) -> None:
    """Run ``count`` workers until Ctrl-C / SIGTERM; restart one that dies."""
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):  # SIGBREAK: Ctrl-Break on Windows
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: stop.set())

    def started():
        process = context.Process(target=worker, args=(settings, sock), name="docgen-worker")
        process.start()
        return process

    processes = [started() for _ in range(count)]
    deaths: list[float] = []
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                now = time.monotonic()
                deaths = [t for t in deaths if now - t < RESTART_WINDOW] + [now]
                if len(deaths) > RESTARTS:
                    raise DocgenError(f"服务的工作进程反复退出（{RESTART_WINDOW:.0f} 秒内 {len(deaths)} 次，最近一次退出码 {process.exitcode}），已停止；请查看上面的出错信息")
                print(f"工作进程 {process.pid} 意外退出（退出码 {process.exitcode}），已重新启动。", file=sys.stderr, flush=True)
                processes[i] = started()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(15)
            if process.is_alive():
                process.kill()
                process.join(5)
        sock.close()
