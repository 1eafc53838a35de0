"""Benchmark of `docgen serve` (issue 12): check round trip, editor open time, and 50 clients
typing into 50 reports at once on SQLite.

    python bench/web.py            # about 1 minute; prints a table, --append adds it to bench/RESULTS.md

The server runs as its own process (`python -m docgen serve`, one uvicorn worker, a fresh data
folder), exactly as a clerk starts it. Timings:

- server side: the ``Server-Timing`` header of each response (read the form, load, check, store);
- HTTP round trip: request sent → response read, by an HTTP client on the same machine;
- in the browser (chromium via Playwright, when installed): a change sent by the page → the
  findings list swapped and the cells marked (the 300 ms pause after the last keystroke, which
  keeps requests from firing while a clerk types or composes Chinese, is not included);
- 50 clients: each thread is one clerk typing into their own report (a change every
  0.3–1.5 s — the page waits 300 ms after the last keystroke before it sends — 30 saves each); afterwards every report's stored figures must equal the last acknowledged save.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from support.web import free_port, serve_process  # noqa: E402 - tests/support/web.py

CHROMIUM = os.environ.get("DOCGEN_CHROMIUM", "/usr/bin/chromium")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def start_server(data: Path, port: int, src: Path, *options: str, database_url: str = "") -> subprocess.Popen:
    """`docgen serve` of the source tree ``src`` as its own process, once /healthz answers (the
    tests' own start: tests/support/web.py)."""
    return serve_process(data, port, *options, database_url=database_url, src=src)


def table_lines(rows: list[tuple[str, str, str, bool | None]], result_width: int) -> list[str]:
    """The results table: measure, result, target, met (yes / NO; blank for a figure without a target)."""
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measure'.ljust(width)}  {'result':<{result_width}} {'target':<9} met"]
    lines += [f"{name.ljust(width)}  {value:<{result_width}} {target:<9} {'' if ok is None else 'yes' if ok else 'NO'}".rstrip() for name, value, target, ok in rows]
    return lines


def server_ms(response: httpx.Response) -> float:
    return float(re.search(r"dur=([0-9.]+)", response.headers["server-timing"]).group(1))


class Clerk:
    """One browser's worth of HTTP: the CSRF cookie, a report, its form."""

    def __init__(self, base: str, agency: str):
        self.http = httpx.Client(base_url=base, timeout=30)
        self.http.get("/")
        self.token = self.http.cookies["docgen_csrf"]
        r = self.http.post("/reports", data={"agency": agency, "year": "2025", "csrf": self.token})
        self.report = int(r.headers["location"].rsplit("/", 1)[1])
        page = self.http.get(f"/reports/{self.report}").text
        self.form = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page))
        self.form.update(re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.DOTALL))
        self.form["csrf"] = self.token

    def save(self, path: str, value: str) -> tuple[httpx.Response, float]:
        self.form[path] = value
        started = time.perf_counter()
        response = self.http.post(f"/reports/{self.report}/save", data=self.form, headers={"HX-Request": "true"})
        return response, (time.perf_counter() - started) * 1000


def bench_round_trip(base: str, n: int) -> dict[str, float]:
    clerk = Clerk(base, "基准镇人民政府")
    server, client = [], []
    for i in range(n):
        response, elapsed = clerk.save("applications.received.0", str(i % 50))
        assert response.status_code == 200
        server.append(server_ms(response))
        client.append(elapsed)
    opens, open_server = [], []
    for _ in range(n // 2):
        started = time.perf_counter()
        response = clerk.http.get(f"/reports/{clerk.report}")
        opens.append((time.perf_counter() - started) * 1000)
        open_server.append(server_ms(response))
    return {
        "check_server_p95": p95(server), "check_http_p95": p95(client), "check_http_median": statistics.median(client),
        "open_http_p95": p95(opens), "open_server_p95": p95(open_server), "report": clerk.report,
    }


def bench_browser(base: str, report: int, n: int) -> dict[str, float] | None:
    if not Path(CHROMIUM).exists():
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    args = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        loads, events, floor = [], [], []
        timing = "performance.getEntriesByType('navigation')[0].loadEventStart"
        for i in range(22):
            started = time.perf_counter()
            page.goto(f"{base}/reports/{report}", wait_until="load")
            if i >= 2:  # the first two warm the browser's cache
                loads.append((time.perf_counter() - started) * 1000)
                events.append(page.evaluate(timing))
            page.goto(f"{base}/trash", wait_until="load")  # a page with almost nothing in it: the browser's floor
            if i >= 2:
                floor.append(page.evaluate(timing))
        page.goto(f"{base}/reports/{report}", wait_until="load")
        page.evaluate(
            """() => {
              window.__t = [];
              const form = document.getElementById('report-form');
              document.body.addEventListener('htmx:beforeRequest', () => { window.__start = performance.now(); });
              document.body.addEventListener('htmx:afterSwap', () => { window.__t.push(performance.now() - window.__start); });
            }"""
        )
        for i in range(n):
            value = str((i % 3) + 1)
            page.fill('[data-cell="applications.received.0"]', value)
            page.evaluate("htmx.trigger(document.getElementById('report-form'), 'docgen:save')")
            page.wait_for_function(f"window.__t.length >= {i + 1}")
        times = page.evaluate("window.__t")
        browser.close()
    return {
        "browser_round_trip_p95": p95(times), "browser_round_trip_median": statistics.median(times),
        "browser_open_p95": p95(loads), "browser_open_median": statistics.median(loads),
        "load_event_p95": p95(events), "load_event_median": statistics.median(events),
        "floor_p95": p95(floor), "floor_median": statistics.median(floor),
    }


def bench_clients(base: str, clients: int, saves: int) -> dict[str, float]:
    clerks = [Clerk(base, f"第{i + 1}号镇人民政府") for i in range(clients)]
    latencies: list[float] = []
    errors: list[str] = []
    last: dict[int, int] = {}
    barrier = threading.Barrier(clients)

    def type_(clerk: Clerk) -> None:
        rnd = random.Random(clerk.report)
        barrier.wait()
        for n in range(1, saves + 1):
            time.sleep(rnd.uniform(0.3, 1.5))  # a clerk's pace: the page sends a change 300 ms after the last keystroke
            try:
                response, elapsed = clerk.save(f"applications.received.{n % 6}", str(n))
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            if response.status_code != 200:
                errors.append(f"HTTP {response.status_code}")
                continue
            latencies.append(elapsed)
            last[clerk.report] = n

    threads = [threading.Thread(target=type_, args=(c,)) for c in clerks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    lost = 0
    for clerk in clerks:  # the stored report must hold each clerk's last acknowledged figures
        yaml = clerk.http.get(f"/reports/{clerk.report}/download/yaml").text
        received = [int(x) for x in yaml.split("received: [")[1].split("]")[0].split(",")]
        expected = [int(clerk.form[f"applications.received.{i}"] or 0) for i in range(6)]
        if received != expected or last.get(clerk.report) != saves:
            lost += 1
    return {"clients": clients, "saves": len(latencies), "errors": len(errors), "lost": lost,
            "save_p95": p95(latencies), "save_median": statistics.median(latencies), "wall_s": wall,
            "first_error": errors[0] if errors else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--append", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="docgen-webbench-") as work:
        port = free_port()
        server = start_server(Path(work) / "data", port, args.src)
        base = f"http://127.0.0.1:{port}"
        try:
            trip = bench_round_trip(base, 200)
            browser = bench_browser(base, trip["report"], 60)
            load = bench_clients(base, args.clients, args.saves)
        finally:
            server.terminate()
            server.wait(10)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = [
        ("check round trip, server side (p95)", f"{trip['check_server_p95']:.1f} ms", "< 10 ms", trip["check_server_p95"] < 10),
        ("check round trip, HTTP (p95; median)", f"{trip['check_http_p95']:.1f} ms; {trip['check_http_median']:.1f} ms", "< 50 ms", trip["check_http_p95"] < 50),
    ]
    if browser:
        rows.append(("check round trip in the browser: sent → findings shown (p95)", f"{browser['browser_round_trip_p95']:.1f} ms", "< 50 ms", browser["browser_round_trip_p95"] < 50))
        rows.append(("editor open in the browser: navigation → load event (p95; median)", f"{browser['load_event_p95']:.1f} ms; {browser['load_event_median']:.1f} ms", "< 150 ms", browser["load_event_p95"] < 150))
        rows.append(("  the same, as Playwright sees it: goto() → load (p95; median)", f"{browser['browser_open_p95']:.1f} ms; {browser['browser_open_median']:.1f} ms", "", None))
        rows.append(("  an almost empty page (/trash), load event (p95; median)", f"{browser['floor_p95']:.1f} ms; {browser['floor_median']:.1f} ms", "", None))
    rows.append(("editor open, HTTP (p95; server side)", f"{trip['open_http_p95']:.1f} ms; {trip['open_server_p95']:.1f} ms", "< 150 ms", trip["open_http_p95"] < 150))
    rows.append((f"{load['clients']} clients × {args.saves} saves, SQLite: errors / lost saves", f"{load['errors']} / {load['lost']}", "0 / 0", load["errors"] == 0 and load["lost"] == 0))
    rows.append(("  save under that load (p95; median)", f"{load['save_p95']:.1f} ms; {load['save_median']:.1f} ms", "< 100 ms", load["save_p95"] < 100))
    lines = table_lines(rows, 22)
    if load["first_error"]:
        lines.append(f"first error: {load['first_error']}")
    lines.append(f"machine load average (1 min) before / after: {load_before:.1f} / {load_after:.1f} on {os.cpu_count()} CPUs")
    table = "\n".join(lines)
    print(table)
    if args.append:
        header = (
            f"\n## docgen serve (issue 12) — {dt.date.today().isoformat()}\n\n"
            f"`python bench/web.py` on {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite "
            f"(WAL, synchronous=NORMAL, WAL synced by a checkpoint every second), one uvicorn worker; clients in the same machine. {load['saves']} saves in {load['wall_s']:.1f} s "
            "under load.\n\n"
        )
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write(header + "```\n" + table + "\n```\n")


if __name__ == "__main__":
    main()
