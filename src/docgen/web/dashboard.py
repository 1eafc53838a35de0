"""The 主管部门's dashboard: every agency of a year with its report's state, the checks' verdict,
the last change and the days left to its deadline; filters; the reminder list of who has not
submitted. Three queries whatever the number of agencies (agencies, the year's reports, the
clerks' accounts for the reminder list) — the checks' verdict is stored with each report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select

from . import agencies as tree
from .portaldb import AGENCY, APPROVED, CITY, CLERK, COUNTY, DRAFT, NOT_STARTED, PROVINCE, RETURNED, SUBMITTED, users
from .portaldb import agencies as agencies_table
from .store import Store, reports

# (month, day) of the year after the report's year
DEADLINES = {AGENCY: (1, 31), COUNTY: (2, 20), CITY: (3, 10), PROVINCE: (3, 31)}
OPEN = (NOT_STARTED, DRAFT, RETURNED)  # not (yet) with the reviewer: reminded, and overdue after the deadline
FAILING = "数字不一致"


def deadline(level: str, year: int) -> dt.date:
    """31 January for an agency's report; 20 February, 10 March, 31 March for the 汇总 of a county,
    a city, a province."""
    month, day = DEADLINES.get(level, DEADLINES[AGENCY])
    return dt.date(year + 1, month, day)


def reporting_year(today: dt.date) -> int:
    """The year whose reports are being filed: last year's."""
    return today.year - 1


@dataclass
class Row:
    agency_id: int
    agency: str
    level: str
    parent_id: int | None
    parent: str
    depth: int
    deadline: dt.date
    days_left: int
    year: int = 0
    report_id: int | None = None
    state: str = NOT_STARTED
    checks: str = ""
    last_change: dt.datetime | None = None
    reason: str = ""
    clerks: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.checks.startswith(FAILING)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0 and self.state in OPEN


def rows(store: Store, year: int, today: dt.date) -> list[Row]:
    """Every agency with its report of ``year`` (one query each), in tree order."""
    a, r = agencies_table.c, reports.c
    with store.engine.connect() as conn:
        items = [tree.Agency(*row) for row in conn.execute(select(a.id, a.name, a.parent_id, a.level))]
        query = (
            select(r.id, r.agency_id, r.state, r.status, r.updated_at, r.state_at, r.state_reason)
            .where(r.year == year, r.deleted_at.is_(None), r.agency_id.is_not(None))
            .order_by(r.id)
        )
        found = {row.agency_id: row for row in conn.execute(query)}  # the latest wins (one a year anyway)
    names = {x.id: x.name for x in items}
    dues = {level: deadline(level, year) for level in DEADLINES}
    out = []
    for agency, depth in tree.tree(items):
        due = dues.get(agency.level) or deadline(agency.level, year)
        row = Row(agency.id, agency.name, agency.level, agency.parent_id, names.get(agency.parent_id, ""), depth, due, (due - today).days, year)
        out.append(_fill(row, found.get(agency.id)))
    return out


def _fill(row: Row, report) -> Row:
    if report is not None:
        row.report_id, row.state, row.checks = report.id, report.state, report.status
        changed, moved = report.updated_at, report.state_at
        row.last_change = changed if moved is None or changed >= moved else moved
        row.reason = (report.state_reason or "") if report.state == RETURNED else ""
    return row


def rows_html(found: list[Row], year: int, csrf: str, may_start: bool) -> Markup:
    """The dashboard's table rows. Written here rather than in the template: ten thousand rows
    must render in well under a second, and a template spends ~20 calls a row where this spends 4."""
    e = escape
    start = (
        '<form class="inline" method="post" action="/agencies/{id}/start"><input type="hidden" name="csrf" value="' + str(e(csrf))
        + f'"><input type="hidden" name="year" value="{year}"><button type="submit" data-action="start">代为开始</button></form>'
    )
    out = []
    for r in found:
        name, state = e(r.agency), e(r.state)
        parent = f'<span class="parent">（{e(r.parent)}）</span>' if r.parent else ""
        reason = f'<div class="reason">退回原因：{e(r.reason[:80])}{"…" if len(r.reason) > 80 else ""}</div>' if r.reason else ""
        failing = r.checks.startswith(FAILING)
        overdue = r.overdue
        if r.report_id:
            link = f'<a href="/reports/{r.report_id}" data-role="report">打开报告</a>'
        else:
            link = start.format(id=r.agency_id) if may_start else "—"
        last = r.last_change.strftime("%Y-%m-%d %H:%M") if r.last_change else "—"
        out.append(
            f'<tr data-agency="{name}" data-status="{state}" data-days-left="{r.days_left}"{" data-failing" if failing else ""}'
            f'{" data-overdue" if overdue else ""}><td class="depth-{min(r.depth, 6)}">{name}{parent}</td><td>{e(r.level)}</td>'
            f'<td class="status" data-role="status">{state}{reason}</td>'
            f'<td class="{"bad" if failing else "good"}" data-role="checks">{e(r.checks) if r.checks else "—"}</td>'
            f'<td>{last}</td><td>{r.deadline.isoformat()}</td>'
            f'<td class="days{" overdue" if overdue else ""}" data-role="days-left">{r.days_left}</td><td>{link}</td></tr>\n'
        )
    return Markup("".join(out))


@dataclass
class Filters:
    status: str = ""
    level: str = ""
    parent_id: int | None = None  # the agency and everything under it
    overdue: bool = False
    failing: bool = False

    @classmethod
    def of(cls, params) -> Filters:
        parent = str(params.get("parent", "")).strip()
        return cls(
            status=str(params.get("status", "")).strip(),
            level=str(params.get("level", "")).strip(),
            parent_id=int(parent) if parent.isdigit() else None,
            overdue=bool(params.get("overdue")),
            failing=bool(params.get("failing")),
        )

    def apply(self, found: list[Row]) -> list[Row]:
        if self.parent_id is not None:
            under = tree.below([tree.Agency(x.agency_id, x.agency, x.parent_id, x.level) for x in found], self.parent_id)
            found = [x for x in found if x.agency_id in under]
        return [
            x for x in found
            if (not self.status or x.state == self.status)
            and (not self.level or x.level == self.level)
            and (not self.overdue or x.overdue)
            and (not self.failing or x.failing)
        ]


def counts(found: list[Row]) -> dict[str, int]:
    out = {s: 0 for s in (NOT_STARTED, DRAFT, SUBMITTED, RETURNED, APPROVED)}
    for x in found:
        out[x.state] = out.get(x.state, 0) + 1
    return out


def years(store: Store, today: dt.date) -> list[int]:
    """The years with reports, and the year being filed."""
    with store.engine.connect() as conn:
        found = {y for (y,) in conn.execute(select(reports.c.year).where(reports.c.deleted_at.is_(None)).distinct())}
    found.add(reporting_year(today))
    return sorted(found, reverse=True)


def reminders(store: Store, found: list[Row]) -> list[Row]:
    """The agencies that have not submitted (未开始, 草稿, 已退回), each with its clerks' accounts
    (one query for all of them)."""
    waiting = [x for x in found if x.state in OPEN]
    if not waiting:
        return []
    u = users.c
    by_agency: dict[int, list[str]] = {}
    with store.engine.connect() as conn:
        query = select(u.agency_id, u.username, u.display_name).where(u.role == CLERK, u.disabled.is_(False)).order_by(u.username)
        for agency_id, username, display in conn.execute(query):
            by_agency.setdefault(agency_id, []).append(f"{username}（{display}）" if display and display != username else username)
    for x in waiting:
        x.clerks = by_agency.get(x.agency_id, [])
    return waiting


def reminders_csv(waiting: list[Row], year: int) -> bytes:
    """The reminder list as .csv."""
    from .tabular import csv_bytes

    header = ["机关", "上级", "级别", "年度", "状态", "截止日期", "剩余天数", "退回原因", "填报人账号"]
    return csv_bytes(header, ([x.agency, x.parent, x.level, year, x.state, x.deadline.isoformat(), x.days_left, x.reason, "；".join(x.clerks)] for x in waiting))


def agency_reports(store: Store, agency_id: int, level: str, today: dt.date) -> list[Row]:
    """A clerk's start page: their agency's reports, newest year first, with the year being filed
    (未开始 until started) always there."""
    r = reports.c
    query = (
        select(r.id, r.year, r.state, r.status, r.updated_at, r.state_at, r.state_reason)
        .where(r.agency_id == agency_id, r.deleted_at.is_(None))
        .order_by(r.year.desc(), r.id)
    )
    with store.engine.connect() as conn:
        found = list(conn.execute(query))
    by_year = {row.year: row for row in found}
    current = reporting_year(today)
    out = []
    for year in sorted(set(by_year) | {current}, reverse=True):
        due = deadline(level, year)
        out.append(_fill(Row(agency_id, "", level, None, "", 0, due, (due - today).days, year), by_year.get(year)))
    return out
