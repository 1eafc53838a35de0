"""Killing `docgen serve` (SIGKILL) in the middle of typing loses no acknowledged save and
leaves a sound SQLite database."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import pytest
from support.web import free_port, serve_process

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL 仅在 POSIX 系统上可用")


def start(data, port) -> subprocess.Popen:
    return serve_process(data, port)


def test_sigkill_mid_typing_keeps_every_acknowledged_save(tmp_path):
    data, port = tmp_path / "data", free_port()
    server = start(data, port)
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[int] = []
    try:
        client = httpx.Client(base_url=base, timeout=10)
        client.get("/")
        token = client.cookies["docgen_csrf"]
        r = client.post("/reports", data={"agency": "测试镇人民政府", "year": "2025", "csrf": token})
        report_id = int(r.headers["location"].rsplit("/", 1)[1])
        stop = threading.Event()

        def typist() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                form = {"csrf": token, "applications.received.0": str(n), "problems": f"第{n}次修改"}
                try:
                    response = client.post(f"/reports/{report_id}/save", data=form, headers={"HX-Request": "true"})
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    acknowledged.append(n)

        thread = threading.Thread(target=typist)
        thread.start()
        time.sleep(1.5)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        stop.set()
        thread.join(15)
        client.close()
    finally:
        if server.poll() is None:
            server.kill()
    assert len(acknowledged) > 5, "the typist did not get going"
    last = acknowledged[-1]

    database = data / "docgen.sqlite3"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    server = start(data, port)  # restarts cleanly on the same data
    try:
        client = httpx.Client(base_url=base, timeout=10)
        page = client.get(f"/reports/{report_id}").text
        yaml = client.get(f"/reports/{report_id}/download/yaml").text
        history = client.get(f"/reports/{report_id}/revisions").text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
    received = int(yaml.split("received: [")[1].split(",")[0])
    assert received in (last, last + 1)  # the last acknowledged save, or the one in flight
    assert f"第{received}次修改" in page
    assert history.count("data-revision=") >= min(len(acknowledged) + 1, 200)  # the page lists the latest 200
    with sqlite3.connect(database) as conn:  # every save kept as a revision
        kept = conn.execute("SELECT count(*) FROM revisions WHERE report_id = ?", (report_id,)).fetchone()[0]
    assert kept >= len(acknowledged) + 1


def test_served_on_loopback_refuses_other_host_names(tmp_path):
    port = free_port()
    server = start(tmp_path / "data", port)
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/healthz").text == "ok"
        assert httpx.get(f"http://localhost:{port}/healthz").text == "ok"
        rebound = httpx.get(base + "/", headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 400 and "报告" not in rebound.text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
