"""Benchmark of the portal's 汇总 (issue 13): a county with 1,000 approved reports, summed in one
click — target under 30 s on this 2-core machine — and the drill-down and downloads around it.

    python bench/portal_rollup.py                 # SQLite; about 2 minutes
    python bench/portal_rollup.py --postgres      # also a throwaway PostgreSQL cluster
    python bench/portal_rollup.py --append        # add the table to bench/RESULTS.md

What is timed is the library the page calls (web/countyrollup.py, drilldown.py, rollupexport.py),
on a freshly opened store, with the parsed-report cache emptied first (a cold 汇总: every
report is read from the database, loaded and checked once):

- 汇总 of N approved reports: read, load, check (as `docgen rollup` checks its inputs), validate,
  sum, store the county report and its rollup_parts;
- the same 汇总 again (a re-run after one more approval): the figures as a new revision;
- drill-down of one figure: right after the 汇总 (its parts are kept loaded), after a restart
  (loads the N summed revisions) and again;
- the 汇总 workbook and the zip of .docx/.xlsx for the first 100 agencies (a separate county:
  Excel's formula length caps a one-sheet-per-agency workbook near 500 agencies).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]


def build(store, count: int, county: str, seed: int, approved: int | None = None):
    from support.county import county_with_towns

    return county_with_towns(store, count, seed=seed, county=county, approved=approved)


def timed(fn, *args):
    started = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - started


def cold() -> None:
    from docgen.web import drilldown, service

    with service._LOADED_LOCK:
        service._LOADED.clear()
    drilldown._CACHE.clear()


def run(url: str, count: int, small: int) -> list[tuple[str, str, str, str]]:
    from sqlalchemy import update

    from docgen.web import countyrollup, drilldown, rollupexport
    from docgen.web.portaldb import APPROVED
    from docgen.web.server import open_store
    from docgen.web.store import reports

    store, _ = open_store(url=url)
    rows = []
    try:
        (county_id, made), made_in = timed(build, store, count, "基准县人民政府", 1, count - 1)
        print(f"  {count} reports stored in {made_in:.1f} s", flush=True)
        cold()
        outcome, first = timed(countyrollup.roll_up, store, county_id, 2022, "bench")
        assert len(outcome.parts) == count - 1
        rows.append((f"汇总 of {count - 1} approved reports (cold)", f"{first:.1f} s", "< 30 s", "yes" if first < 30 else "NO"))
        # one more approval, and the 汇总 again: the figures as a new revision
        with store.engine.begin() as conn:
            conn.execute(update(reports).where(reports.c.id == made[-1][1]).values(state=APPROVED))
        cold()
        outcome, again = timed(countyrollup.roll_up, store, county_id, 2022, "bench")
        assert len(outcome.parts) == count and outcome.revision == 2
        rows.append((f"汇总 again, {count} approved reports (cold)", f"{again:.1f} s", "< 30 s", "yes" if again < 30 else "NO"))
        drill, drill_after = timed(drilldown.drill, store, outcome.report_id, "applications.received.0")
        assert drill.agrees and len(drill.lines) == count
        cold()
        _, drill_cold = timed(drilldown.drill, store, outcome.report_id, "applications.received.0")
        _, drill_again = timed(drilldown.drill, store, outcome.report_id, "applications.total.6")
        rows.append((f"drill-down, {count} agencies: after the 汇总", f"{drill_after * 1000:.0f} ms", "", ""))
        rows.append(("  after a restart: first; next", f"{drill_cold:.1f} s; {drill_again * 1000:.0f} ms", "", ""))
        small_id, _ = build(store, small, "小基准县人民政府", 2)
        small_outcome = countyrollup.roll_up(store, small_id, 2022, "bench")
        (_, _), book = timed(rollupexport.workbook, store, small_outcome.report_id)
        rows.append((f"汇总 workbook, {small} agencies", f"{book:.1f} s", "", ""))
        with tempfile.TemporaryDirectory() as work:
            _, zipped = timed(rollupexport.parts_zip, store, small_outcome.report_id, Path(work), False)
        rows.append((f"zip of .docx/.xlsx, {small} agencies", f"{zipped:.1f} s", "", ""))
    finally:
        store.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL cluster")
    parser.add_argument("--append", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    tables = []
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="docgen-bench-")))
        from docgen.web.store import sqlite_url

        targets = [("SQLite", sqlite_url(folder))]
        if args.postgres:
            from support.web import postgres_cluster

            targets.append(("PostgreSQL", stack.enter_context(postgres_cluster())))
        for name, url in targets:
            print(f"{name}:", flush=True)
            tables.append((name, run(url, args.count, args.small)))
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = []
    for name, rows in tables:
        lines.append(f"{name}")
        lines.append(f"{'measure':<48}{'result':<18}{'target':<10}met")
        lines += [f"{m:<48}{r:<18}{t:<10}{ok}" for m, r, t, ok in rows]
    lines.append(f"machine load average (1 min) before / after: {load_before:.1f} / {load_after:.1f} on {os.cpu_count()} CPUs")
    table = "\n".join(lines)
    print(table)
    if args.append:
        head = (
            f"\n## Portal 汇总 (issue 13) — {dt.date.today().isoformat()}\n\n"
            f"`python bench/portal_rollup.py{' --postgres' if args.postgres else ''}` on {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; the library the 汇总 page calls, cold caches.\n\n"
        )
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(head + "```\n" + table + "\n```\n")


if __name__ == "__main__":
    main()
