"""Test support for the portal's 汇总: an agency tree and reports in given states, written straight
into the store's tables (the tests of the 汇总 do not depend on the workflow's pages)."""

from __future__ import annotations

import random

from sqlalchemy import insert, update

from docgen.report.load import load_text
from docgen.web.portaldb import AGENCY, APPROVED, COUNTY, agencies
from docgen.web.store import Store, now, reports

COUNTY_NAME = "测试县人民政府"


def add_agency(store: Store, name: str, level: str = AGENCY, parent_id: int | None = None) -> int:
    with store.engine.begin() as conn:
        return int(conn.execute(insert(agencies).values(name=name, level=level, parent_id=parent_id, created_at=now())).inserted_primary_key[0])


def add_report(store: Store, agency_id: int, text: str, state: str = APPROVED) -> int:
    report = load_text(text, "test").report
    report_id = store.create(report.agency, report.year, report.edition, text, "通过", "测试", "测试", agency_id=agency_id)
    set_state(store, report_id, state)
    return report_id


def set_state(store: Store, report_id: int, state: str, agency_id: int | None = None) -> None:
    values = {"state": state}
    if agency_id is not None:
        values["agency_id"] = agency_id
    with store.engine.begin() as conn:
        conn.execute(update(reports).where(reports.c.id == report_id).values(**values))


def county_with_towns(store: Store, count: int, seed: int = 1, edition: int = 2021, approved: int | None = None, county: str = COUNTY_NAME, level: str = COUNTY, parent_id: int | None = None):
    """A county with `count` towns, each with a random consistent report; the first `approved`
    (all by default) approved, the rest drafts. Returns (county id, [(agency id, report id, yaml)])."""
    from test_rollup import make_agency

    rng = random.Random(seed)
    county_id = add_agency(store, county, level, parent_id)
    made = []
    approved = count if approved is None else approved
    for i in range(count):
        name = f"{county.removesuffix('人民政府')}第{i + 1}镇人民政府"
        agency_id = add_agency(store, name, AGENCY, county_id)
        text = make_agency(rng, edition, name).yaml()
        report_id = add_report(store, agency_id, text, APPROVED if i < approved else "草稿")
        made.append((agency_id, report_id, text))
    return county_id, made
