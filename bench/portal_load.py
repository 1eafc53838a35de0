"""Benchmark of the county portal under load (issue 13): 500 agencies, 100 clerks saving at once
for 2 minutes, against SQLite and against PostgreSQL.

    python bench/portal_load.py                    # both databases, 2 minutes each (about 6 minutes)
    python bench/portal_load.py --seconds 20       # a quick look
    python bench/portal_load.py --append           # add the table to bench/RESULTS.md

The server is a real `docgen serve --portal` process as a county runs it: its default worker
processes (one per CPU, at most 4; --workers N to choose).
Before it starts, the data is made through the library: 500 agencies, one 填报人 account and one
draft report (草稿, `docgen init`'s skeleton) each. Then 100 of those clerks, each a thread with its
own HTTP client, log in through the login form, open their report (the fields of its editor form,
read as a browser collects them) and keep typing: a change every
0.3–1.5 s (the page sends one 300 ms after the last keystroke), for the whole duration. Each save
is the portal's full save: session and CSRF check, authorization, the checks, the new revision and
its audit event with the cells' before/after.

Afterwards every report's stored figures must equal its clerk's last acknowledged save ("lost"
counts those that do not) and every acknowledged save must have its audit event.

PostgreSQL: a private cluster made with Debian's initdb (own port and socket, fsync ON — the
tests' clusters run with fsync off, a benchmark must not), removed at the end. The accounts are
made with cheap argon2 parameters (500 default-cost hashes would take a minute); logins verify
them with the parameters stored in each hash, saves do not touch passwords.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # support.web: the throwaway PostgreSQL cluster
sys.path.insert(0, str(ROOT / "bench"))

from web import free_port, p95, start_server, table_lines  # noqa: E402 - bench/web.py

PASSWORD = "bench2025pw"
YEAR = 2025


def populate(url: str, agencies: int) -> None:
    """Agencies, their clerks and their draft reports, through the library (the server is not up yet)."""
    from argon2 import PasswordHasher

    from docgen.web import accounts, workflow
    from docgen.web.portaldb import ADMIN, CLERK
    from docgen.web.server import open_store

    accounts.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    store, _ = open_store(url=url)
    try:
        people = accounts.Accounts(store)
        people.add("admin", ADMIN, PASSWORD)
        for i in range(agencies):
            name = f"基准县第{i + 1}号镇人民政府"
            account = people.add(f"clerk{i + 1}", CLERK, PASSWORD, agency=name)
            workflow.start(store, account.agency_id, name, YEAR, "基准")
    finally:
        store.close()


def token_of(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


class EditorForm(HTMLParser):
    """The fields the editor's form (form#report-form) sends, as a browser collects them: its
    inputs and textareas only — not the workflow's or the other forms' fields on the page."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self.inside = False
        self.textarea: str | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "report-form"
        elif self.inside and tag == "input" and a.get("name") and "disabled" not in a and a.get("type") not in ("submit", "button"):
            self.fields[a["name"]] = a.get("value") or ""
        elif self.inside and tag == "textarea" and a.get("name") and "disabled" not in a:
            self.textarea = a["name"]
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.fields[self.textarea] += data


class Clerk:
    """One clerk's browser: logs in, opens the agency's report, saves its form."""

    def __init__(self, base: str, number: int):
        self.http = httpx.Client(base_url=base, timeout=60)
        token = token_of(self.http.get("/login").text)
        r = self.http.post("/login", data={"username": f"clerk{number}", "password": PASSWORD, "csrf": token})
        if r.status_code != 303:
            raise SystemExit(f"clerk{number} could not log in: HTTP {r.status_code}")
        home = self.http.get("/").text
        found = re.search(r'href="/reports/(\d+)"', home)
        if not found:
            raise SystemExit(f"clerk{number}: no report on the start page")
        self.report = int(found.group(1))
        page = self.http.get(f"/reports/{self.report}").text
        self.form = EditorForm(page).fields
        if "applications.received.0" not in self.form or "csrf" not in self.form:
            raise SystemExit(f"clerk{number}: the editor's form was not found on /reports/{self.report}")
        self.token = token_of(page)

    def save(self, path: str, value: str) -> tuple[httpx.Response, float]:
        self.form[path] = value
        started = time.perf_counter()
        response = self.http.post(f"/reports/{self.report}/save", data=self.form, headers={"HX-Request": "true", "X-CSRF-Token": self.token})
        return response, (time.perf_counter() - started) * 1000


def type_for(base: str, clerks: int, seconds: float) -> dict:
    people = [Clerk(base, n + 1) for n in range(clerks)]
    latencies: list[float] = []
    errors: list[str] = []
    last: dict[int, int] = {}
    acknowledged: dict[int, int] = {}
    barrier = threading.Barrier(clerks)

    def type_(clerk: Clerk) -> None:
        rnd = random.Random(clerk.report)
        barrier.wait()
        ends = time.monotonic() + seconds
        n = 0
        while time.monotonic() < ends:
            time.sleep(rnd.uniform(0.3, 1.5))
            n += 1
            try:
                response, elapsed = clerk.save(f"applications.received.{n % 6}", str(n))
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            if response.status_code != 200:
                errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                continue
            latencies.append(elapsed)
            last[clerk.report] = n
            acknowledged[clerk.report] = acknowledged.get(clerk.report, 0) + 1

    threads = [threading.Thread(target=type_, args=(c,)) for c in people]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    lost = 0
    for clerk in people:
        yaml = clerk.http.get(f"/reports/{clerk.report}/download/yaml").text
        received = [int(x) for x in yaml.split("received: [")[1].split("]")[0].split(",")]
        expected = [int(clerk.form[f"applications.received.{i}"] or 0) for i in range(6)]
        if received != expected:
            lost += 1
    return {"clerks": clerks, "saves": len(latencies), "errors": len(errors), "lost": lost, "wall_s": wall,
            "save_p95": p95(latencies) if latencies else float("nan"),
            "save_median": statistics.median(latencies) if latencies else float("nan"),
            "save_max": max(latencies) if latencies else float("nan"),
            "first_error": errors[0] if errors else "", "acknowledged": sum(acknowledged.values())}


def audited_changes(url: str) -> int:
    """How many change events the audit trail holds (each acknowledged save that changed a figure has one)."""
    from sqlalchemy import func, select

    from docgen.web.portaldb import audit_events
    from docgen.web.server import open_store

    store, _ = open_store(url=url)
    try:
        with store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(audit_events).where(audit_events.c.action == "change")).scalar_one()
    finally:
        store.close()


def run_one(kind: str, url: str, data: Path, args) -> dict:
    populate(url, args.agencies)
    port = free_port()
    workers = ["--workers", str(args.workers)] if args.workers else []  # none: the server's default
    server = start_server(data, port, args.src, "--portal", *workers, database_url="" if url.startswith("sqlite") else url)
    try:
        result = type_for(f"http://127.0.0.1:{port}", args.clerks, args.seconds)
    finally:
        server.terminate()
        server.wait(20)
    result["audited"] = audited_changes(url)
    result["kind"] = kind
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--clerks", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, help="the server's worker processes (default: docgen serve's, one per CPU up to 4)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--append", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src))
    from docgen.web.server import default_workers
    from support.web import postgres_cluster

    results = []
    load_before = os.getloadavg()[0]
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory(prefix="docgen-portalbench-") as work:
            data = Path(work) / "data"
            data.mkdir()
            results.append(run_one("SQLite", f"sqlite:///{(data / 'docgen.sqlite3').as_posix()}", data, args))
    if args.only != "sqlite":
        with postgres_cluster(fsync=True) as url, tempfile.TemporaryDirectory(prefix="docgen-portalbench-") as work:
            results.append(run_one("PostgreSQL", url, Path(work), args))
    load_after = os.getloadavg()[0]

    rows = []
    for r in results:
        rows.append((f"{r['kind']}: {r['clerks']} clerks × {args.seconds:.0f} s, errors / lost saves", f"{r['errors']} / {r['lost']}", "0 / 0", r["errors"] == 0 and r["lost"] == 0))
        rows.append(("  save (p95; median; max)", f"{r['save_p95']:.0f} ms; {r['save_median']:.0f} ms; {r['save_max']:.0f} ms", "< 200 ms", r["save_p95"] < 200))
        rows.append(("  saves acknowledged / change events in the audit trail", f"{r['acknowledged']} / {r['audited']}", "equal", r["acknowledged"] == r["audited"]))
    lines = table_lines(rows, 28)
    for r in results:
        if r["first_error"]:
            lines.append(f"{r['kind']} first error: {r['first_error']}")
    lines.append(f"machine load average (1 min) before / after: {load_before:.1f} / {load_after:.1f} on {os.cpu_count()} CPUs")
    table = "\n".join(lines)
    print(table)
    if args.append:
        header = (
            f"\n## docgen serve --portal under load (issue 13) — {dt.date.today().isoformat()}\n\n"
            f"`python bench/portal_load.py` on {os.cpu_count()} CPUs, Python {platform.python_version()}: {args.agencies} agencies "
            f"(one 填报人 and one draft each), {args.clerks} clerks typing at once for {args.seconds:.0f} s, "
            f"{args.workers or default_workers(True)} server worker processes; "
            "SQLite (WAL) and PostgreSQL (private cluster, fsync on); clients on the same machine.\n\n"
        )
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write(header + "```\n" + table + "\n```\n")


if __name__ == "__main__":
    main()
