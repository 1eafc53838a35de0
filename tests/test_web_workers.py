"""Several processes writing one database: `docgen serve --workers N`, and two processes saving
the same report at once (Store.writing takes the write lock before it reads)."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from support.portal import cheap_hashing
from support.web import free_port, serve_process

from docgen.web.portaldb import ADMIN, CLERK

PASSWORD = "workers2025pw"
SAVES = 40


def _typist(url: str, report_id: int, first: int, out) -> None:
    """A process saving one report SAVES times (values first, first+1, …), each save with its audit event."""
    from docgen.web import audit, formdoc
    from docgen.web.server import open_store
    from docgen.web.service import Service, loaded_of

    store, _ = open_store(url=url)
    written = 0
    try:
        service = Service(store)
        form = formdoc.values(loaded_of(service.stored(report_id).content).report)
        for n in range(first, first + SAVES):
            form["applications.received.0"] = str(n)

            def record(conn, revision, changes):
                audit.add(conn, audit.event_values("change", "typist", report_id=report_id, detail={**changes, "revision": revision}))

            checked = service.save(report_id, dict(form), f"typist{first}", on_change=record)
            written += bool(checked.changes)
        out.put(("ok", written))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        out.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        store.close()


def test_two_processes_saving_one_report_keep_every_revision(database_url):
    from sqlalchemy import select

    from docgen.web.portaldb import audit_events
    from docgen.web.server import open_store
    from docgen.web.service import Service

    store, _ = open_store(url=database_url)
    try:
        report_id = Service(store).new("青山县交通运输局", "2025", "测试")
    finally:
        store.close()
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    processes = [context.Process(target=_typist, args=(database_url, report_id, first, out)) for first in (1000, 2000)]
    for p in processes:
        p.start()
    results = [out.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(30)
    assert all(kind == "ok" for kind, _ in results), results
    written = sum(n for _, n in results)
    assert written == 2 * SAVES  # every value differs from the one before it: each save is a revision
    store, _ = open_store(url=database_url)
    try:
        numbers = [r.number for r in store.revisions(report_id, limit=1000)]
        assert sorted(numbers) == list(range(1, written + 2))  # the first revision, then one per save: no gap, no double
        with store.engine.connect() as conn:
            events = conn.execute(select(audit_events.c.detail).where(audit_events.c.action == "change")).scalars().all()
        assert sorted(int(re.search(r'"revision": (\d+)', d).group(1)) for d in events) == list(range(2, written + 2))
    finally:
        store.close()


# -- docgen serve --portal --workers 2 --------------------------------------------------------------
def _portal(data: Path, agencies: int) -> None:
    from docgen.web import accounts, workflow
    from docgen.web.server import open_store

    cheap_hashing()
    store, _ = open_store(data)
    try:
        people = accounts.Accounts(store)
        people.add("admin", ADMIN, PASSWORD)
        for i in range(agencies):
            account = people.add(f"clerk{i}", CLERK, PASSWORD, agency=f"青山县第{i}镇")
            workflow.start(store, account.agency_id, f"青山县第{i}镇", 2025, "测试")
    finally:
        store.close()


def _login(base: str, username: str) -> tuple[httpx.Client, str, int]:
    http = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf-token" content="([^"]+)"', http.get("/login").text).group(1)
    assert http.post("/login", data={"username": username, "password": PASSWORD, "csrf": token}).status_code == 303
    report = int(re.search(r'href="/reports/(\d+)"', http.get("/").text).group(1))
    token = re.search(r'name="csrf-token" content="([^"]+)"', http.get(f"/reports/{report}").text).group(1)
    return http, token, report


def _children(pid: int) -> set[int]:
    """The server's worker processes (not multiprocessing's resource tracker), alive."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in command and _alive(int(child)):
                found.add(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are counted through /proc")
def test_serve_with_two_workers(tmp_path):
    data = tmp_path / "data"
    _portal(data, 4)
    port = free_port()
    server = serve_process(data, port, "--portal", "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    try:
        workers = _children(server.pid)
        deadline = time.monotonic() + 20
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _children(server.pid)
        assert len(workers) == 2
        clerks = [_login(base, f"clerk{i}") for i in range(4)]
        last: dict[int, int] = {}
        failures: list[str] = []

        def typist(http, token, report):
            for n in range(1, 16):
                r = http.post(f"/reports/{report}/save", data={"csrf": token, "applications.received.0": str(n)}, headers={"HX-Request": "true"})
                if r.status_code != 200:
                    failures.append(f"{report}: HTTP {r.status_code} {r.text[:200]}")
                    return
                last[report] = n

        threads = [threading.Thread(target=typist, args=c) for c in clerks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not failures, failures
        for http, _, report in clerks:
            yaml = http.get(f"/reports/{report}/download/yaml").text
            assert int(yaml.split("received: [")[1].split(",")[0]) == last[report] == 15
            assert len(re.findall(r"/reports/\d+/revisions/\d+\"", http.get(f"/reports/{report}/revisions").text)) == 16

        victim = min(workers)
        os.kill(victim, signal.SIGKILL)  # a worker dies: the parent starts another, the portal keeps answering
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (victim in _children(server.pid) or len(_children(server.pid)) < 2):
            time.sleep(0.2)
        assert victim not in _children(server.pid) and len(_children(server.pid)) == 2
        for http, token, report in clerks:
            assert http.post(f"/reports/{report}/save", data={"csrf": token, "applications.received.1": "7"}, headers={"HX-Request": "true"}).status_code == 200
        running = _children(server.pid)
    finally:
        server.terminate()  # SIGTERM to the parent stops every worker
        _, err = server.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in running):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in running)
    assert "意外退出" in err.decode() and "Traceback" not in err.decode()
    from sqlalchemy import func, select

    from docgen.web.portaldb import audit_events
    from docgen.web.server import open_store

    store, _ = open_store(data)
    try:
        with store.engine.connect() as conn:
            changes = conn.execute(select(func.count()).select_from(audit_events).where(audit_events.c.action == "change")).scalar_one()
        assert changes == 4 * 15 + 4  # every acknowledged save, in both workers, has its audit event
    finally:
        store.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are counted through /proc")
def test_workers_stop_when_the_server_is_killed(tmp_path):
    """SIGKILL leaves the parent no time to stop its workers: they notice and exit by themselves,
    so no orphan keeps the port or the database."""
    data = tmp_path / "data"
    _portal(data, 1)
    port = free_port()
    server = serve_process(data, port, "--portal", "--workers", "2")
    deadline = time.monotonic() + 20
    while len(workers := _children(server.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers) == 2
    server.kill()
    server.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_workers_out_of_range_is_refused(cli, tmp_path):
    result = cli("serve", "--workers", "0", "--no-browser", "--data", tmp_path / "data")
    assert result.code == 2 and "--workers" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "data").exists()
