"""Test support for `docgen serve`: the app on a free loopback port, a throwaway PostgreSQL
cluster, and the rule that real clients (chromium, PostgreSQL) fail the run in CI when missing."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DOCGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str) -> None:
    """A real client is missing: fail in CI, skip elsewhere (with the reason)."""
    if in_ci():
        pytest.fail(f"CI 中缺少 {what}（.ci/run 应已安装）")
    pytest.skip(f"未安装 {what}，跳过", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(url: str, **options) -> Iterator[str]:
    """The docgen web app on a free loopback port in a thread; yields its base address.
    ``options`` go to create_app (portal=True: the portal)."""
    import uvicorn

    from docgen.web.app import create_app
    from docgen.web.server import open_store

    store, _ = open_store(url=url)
    port = free_port()
    config = uvicorn.Config(create_app(store, **options), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("docgen web app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        store.engine.dispose()


def serve_process(data: Path, port: int, *options: str, database_url: str = "", src: Path | None = None) -> subprocess.Popen:
    """`docgen serve` as its own process (``options``: e.g. --portal, --workers 2; ``database_url``:
    PostgreSQL instead of SQLite in ``data``; ``src``: another source tree, for benchmarks);
    returns once /healthz answers (fails the test if not)."""
    import httpx

    src = src or Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("DOCGEN_DATABASE_URL", None)
    if database_url:
        env["DOCGEN_DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "docgen", "serve", *options, "--no-browser", "--port", str(port), "--data", str(data)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("docgen serve did not start: " + process.communicate()[1].decode(errors="replace")[-2000:])


# -- a throwaway PostgreSQL cluster (Debian's postgresql; initdb refuses to run as root) -----------
def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@contextmanager
def postgres_cluster(fsync: bool = False) -> Iterator[str]:
    """A private cluster (own port and socket folder; fsync off unless asked, as tests do not need
    durability); yields its SQLAlchemy URL."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        missing("PostgreSQL（initdb、pg_ctl）")
    base = Path(tempfile.mkdtemp(prefix="docgen-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0

    def run(args: list[str]) -> subprocess.CompletedProcess:
        if as_root:
            import shlex

            args = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]
        return subprocess.run(args, capture_output=True, text=True, timeout=120)

    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
        base.chmod(0o700)
    port = free_port()
    made = run([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"])
    if made.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"initdb 失败：{made.stderr[-500:]}")
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync={'on' if fsync else 'off'} -c max_connections=200"
    started = run([pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"])
    if started.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL 无法启动：{started.stderr[-500:]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


def reset_postgres(url: str) -> None:
    """Drop every table, so each test starts from an empty database (migrations run again)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def python() -> str:
    return sys.executable
