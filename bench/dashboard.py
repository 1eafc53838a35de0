"""Benchmark of the portal's dashboard (issue 13): 10,000 agencies with their reports of the year,
opened by the 管理员, on SQLite and on a throwaway PostgreSQL.

    python bench/dashboard.py [--agencies 10000] [--append]

The tree: 1 province → 10 cities → 100 counties → the rest as agencies spread over the counties;
each agency has a 填报人 account and a report of 2025 in one of the five states. The page is
requested through the whole application (session check, three queries, the template) with an
in-process client; timed from request to the last byte, 10 times after one warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]


def populate(store, count: int) -> int:
    """Agencies, accounts and reports straight into the tables (what imports and clerks would make)."""
    from sqlalchemy import insert, select

    from docgen import editions
    from docgen.report.skeleton import skeleton
    from docgen.web.portaldb import agencies, users
    from docgen.web.store import reports

    stamp = dt.datetime(2026, 1, 10, 9, 0)
    rows = [{"name": "某省", "level": "省", "parent_id": None, "created_at": stamp}]
    with store.engine.begin() as conn:
        conn.execute(insert(agencies), rows)
        province = conn.execute(select(agencies.c.id).where(agencies.c.name == "某省")).scalar()
        conn.execute(insert(agencies), [{"name": f"第{c}市", "level": "市", "parent_id": province, "created_at": stamp} for c in range(10)])
        cities = list(conn.execute(select(agencies.c.id).where(agencies.c.level == "市")).scalars())
        conn.execute(insert(agencies), [{"name": f"第{k}县", "level": "县", "parent_id": cities[k % 10], "created_at": stamp} for k in range(100)])
        counties = list(conn.execute(select(agencies.c.id).where(agencies.c.level == "县")).scalars())
        rest = count - 111
        conn.execute(insert(agencies), [{"name": f"第{i}局", "level": "机关", "parent_id": counties[i % 100], "created_at": stamp} for i in range(rest)])
        ids = list(conn.execute(select(agencies.c.id, agencies.c.name)))
        conn.execute(insert(users), [
            {"username": f"tb{i:05d}", "display_name": f"{name}填报人", "role": "填报人", "agency_id": i, "password_hash": "x",
             "must_change": False, "failed_logins": 0, "disabled": False, "created_at": stamp}
            for i, name in ids
        ])
        content = skeleton(editions.for_year(2025), "某局", 2025)
        states = ("草稿", "已提交", "已退回", "已审核")
        batch = []
        for n, (i, name) in enumerate(ids):
            if n % 5 == 4:
                continue  # 未开始
            batch.append({"agency": name, "year": 2025, "edition": 2021, "content": content, "status": "通过" if n % 3 else "数字不一致（2 处）",
                          "revision": 3, "created_at": stamp, "updated_at": stamp, "agency_id": i, "state": states[n % 4],
                          "state_reason": "请核对表三" if states[n % 4] == "已退回" else None})
            if len(batch) == 2000:
                conn.execute(insert(reports), batch)
                batch = []
        if batch:
            conn.execute(insert(reports), batch)
    return len(ids)


def measure(url: str, count: int) -> dict:
    from sqlalchemy import event
    from support.portal import portal_app

    with portal_app(url) as p:
        made = populate(p.store, count)
        client = p.admin
        statements = []
        client.get("/dashboard?year=2025")  # warm-up
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(p.store.engine, "before_cursor_execute", listener)
        r = client.get("/dashboard?year=2025")
        event.remove(p.store.engine, "before_cursor_execute", listener)
        assert r.status_code == 200 and r.text.count("data-agency=") == made, (r.status_code, r.text.count("data-agency="))
        times = []
        for _ in range(10):
            started = time.perf_counter()
            r = client.get("/dashboard?year=2025")
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200
        filtered = []
        for _ in range(5):
            started = time.perf_counter()
            client.get("/dashboard?year=2025&status=已退回&overdue=1")
            filtered.append((time.perf_counter() - started) * 1000)
        return {"agencies": made, "median": statistics.median(times), "max": max(times), "filtered": statistics.median(filtered),
                "queries": len(statements), "kb": len(r.content) // 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=10_000)
    parser.add_argument("--append", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    from docgen.web.store import sqlite_url
    from support.web import postgres_cluster, reset_postgres

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = measure(sqlite_url(Path(folder)), args.agencies)
    with postgres_cluster() as url:
        reset_postgres(url)
        results["PostgreSQL"] = measure(url, args.agencies)
    lines = [
        f"## Portal dashboard (issue 13) — {dt.date.today().isoformat()}",
        "",
        f"`python bench/dashboard.py` on {platform.machine()} ({platform.python_implementation()} {platform.python_version()}), "
        f"{args.agencies} agencies (1 province, 10 cities, 100 counties), a 填报人 each, 80 % with a report of the year; "
        "GET /dashboard as the 管理员 through the whole app (session, queries, template), target: under 1 s.",
        "",
        "| database | agencies shown | median | max of 10 | filtered (已退回 + 逾期) | SQL statements per page | page size |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['agencies']} | {r['median']:.0f} ms | {r['max']:.0f} ms | {r['filtered']:.0f} ms | {r['queries']} | {r['kb']} KB |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
