"""The dashboard's rows and deadlines (a fixed 'today'), its filters and reminder list, the
clerk's start page, and accounts made in bulk — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import event, select

from docgen.web import agencies, bulkaccounts, dashboard, workflow
from docgen.web.portaldb import APPROVED, CLERK, DRAFT, NOT_STARTED, RETURNED, REVIEWER, SUBMITTED, users
from docgen.web.server import open_store
from docgen.web.service import Service, WebError

TREE = "名称,上级,级别\n某省,,省\n某市,某省,市\n某县,某市,县\n县财政局,某县,机关\n县教育局,某县,机关\n城关镇,某县,机关\n乙县,某市,县\n乙县林业局,乙县,机关\n"
TODAY = dt.date(2026, 2, 3)


@pytest.fixture
def store(database_url):
    store, _ = open_store(url=database_url)
    agencies.import_table(store, "tree.csv", TREE.encode())
    yield store
    store.engine.dispose()


def _ids(store) -> dict[str, int]:
    return {a.name: a.id for a in agencies.all_agencies(store)}


def _fake_hash(password: str) -> str:
    return "plain$" + password[::-1]


def test_deadlines():
    assert dashboard.deadline("机关", 2025) == dt.date(2026, 1, 31)
    assert dashboard.deadline("县", 2025) == dt.date(2026, 2, 20)
    assert dashboard.deadline("市", 2025) == dt.date(2026, 3, 10)
    assert dashboard.deadline("省", 2025) == dt.date(2026, 3, 31)
    assert dashboard.reporting_year(TODAY) == 2025


def test_rows_states_days_and_filters(store):
    ids = _ids(store)
    service = Service(store)
    started = {name: workflow.start(store, ids[name], name, 2025, "x")[0] for name in ("县财政局", "县教育局", "城关镇", "乙县林业局")}
    workflow.act(store, started["县教育局"], "submit", DRAFT, "tb")
    workflow.act(store, started["城关镇"], "submit", DRAFT, "tb")
    workflow.act(store, started["城关镇"], "return", SUBMITTED, "sh", reason="请核对表三")
    workflow.act(store, started["乙县林业局"], "submit", DRAFT, "tb")
    workflow.act(store, started["乙县林业局"], "approve", SUBMITTED, "sh")
    store.set_status(started["县财政局"], "数字不一致（2 处）")
    workflow.start(store, ids["县财政局"], "县财政局", 2024, "x")  # another year: not on this year's dashboard

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(store.engine, "before_cursor_execute", listener)
    try:
        found = dashboard.rows(store, 2025, TODAY)
    finally:
        event.remove(store.engine, "before_cursor_execute", listener)
    assert len(statements) == 2  # one query for the agencies, one for the year's reports: no N+1
    by = {r.agency: r for r in found}
    assert [r.agency for r in found][:3] == ["某省", "某市", "某县"]  # tree order
    assert {n: by[n].state for n in by} == {
        "某省": NOT_STARTED, "某市": NOT_STARTED, "某县": NOT_STARTED, "乙县": NOT_STARTED,
        "县财政局": DRAFT, "县教育局": SUBMITTED, "城关镇": RETURNED, "乙县林业局": APPROVED,
    }
    # 3 February: agencies' reports were due 31 January (-3), the county's 汇总 on 20 February (17)
    assert (by["县财政局"].days_left, by["某县"].days_left, by["某市"].days_left, by["某省"].days_left) == (-3, 17, 35, 56)
    assert by["县财政局"].overdue and by["城关镇"].overdue and not by["县教育局"].overdue and not by["乙县林业局"].overdue
    assert by["城关镇"].reason == "请核对表三" and by["县财政局"].failing and by["县财政局"].report_id == started["县财政局"]
    assert by["县财政局"].last_change is not None and by["某县"].last_change is None and by["某县"].parent == "某市"

    names = lambda f: [r.agency for r in dashboard.Filters.of(f).apply(found)]  # noqa: E731
    assert names({"status": SUBMITTED}) == ["县教育局"]
    assert names({"overdue": "1"}) == ["县财政局", "城关镇"]
    assert names({"failing": "1"}) == ["县财政局"]
    assert names({"level": "县"}) == ["某县", "乙县"]
    assert names({"parent": str(ids["乙县"])}) == ["乙县", "乙县林业局"]
    assert names({"parent": "x", "status": ""}) == [r.agency for r in found]
    assert dashboard.counts(found) == {NOT_STARTED: 4, DRAFT: 1, SUBMITTED: 1, RETURNED: 1, APPROVED: 1}
    assert dashboard.years(store, TODAY) == [2025, 2024]

    # the reminder list: who has not submitted, with their clerks' accounts; as .csv
    bulkaccounts.create(store, [ids["县财政局"], ids["城关镇"]], _fake_hash, reviewer=True)
    waiting = dashboard.reminders(store, [r for r in found if r.level == "机关"])
    assert [(r.agency, r.clerks) for r in waiting] == [
        ("县财政局", [f"tb{ids['县财政局']:04d}（县财政局填报人）"]), ("城关镇", [f"tb{ids['城关镇']:04d}（城关镇填报人）"]),
    ]
    text = dashboard.reminders_csv(waiting, 2025).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "机关,上级,级别,年度,状态,截止日期,剩余天数,退回原因,填报人账号"
    assert lines[2].startswith("城关镇,某县,机关,2025,已退回,2026-01-31,-3,请核对表三,tb")
    assert service.stored(started["县财政局"]).year == 2025


def test_clerk_start_page(store):
    ids = _ids(store)
    rows = dashboard.agency_reports(store, ids["县财政局"], "机关", TODAY)
    assert [(r.year, r.state, r.days_left) for r in rows] == [(2025, NOT_STARTED, -3)]
    report_id, _ = workflow.start(store, ids["县财政局"], "县财政局", 2024, "x")
    rows = dashboard.agency_reports(store, ids["县财政局"], "机关", TODAY)
    assert [(r.year, r.state, r.report_id) for r in rows] == [(2025, NOT_STARTED, None), (2024, DRAFT, report_id)]


def test_bulk_accounts(store):
    ids = _ids(store)
    assert bulkaccounts.without_accounts(store) == set(ids.values())
    made = bulkaccounts.create(store, [ids["县财政局"], ids["城关镇"]], _fake_hash)
    assert [s.username for s in made.slips] == sorted(f"tb{ids[n]:04d}" for n in ("县财政局", "城关镇"))
    for slip in made.slips:
        assert len(slip.password) == 12 and any(c.isdigit() for c in slip.password) and any(c.isalpha() for c in slip.password)
        assert not set(slip.password) & set("0O1lI")
    with store.engine.connect() as conn:
        stored = {r.username: r for r in conn.execute(select(users))}
    slip = made.slips[0]
    row = stored[slip.username]
    assert row.password_hash == _fake_hash(slip.password) and row.must_change and row.role == CLERK
    assert row.agency_id == ids[slip.agency] and slip.password not in str(dict(row._mapping))
    # again, with reviewers: clerks already there are skipped, reviewers made
    again = bulkaccounts.create(store, [ids["县财政局"], ids["城关镇"]], _fake_hash, reviewer=True)
    assert {s.role for s in again.slips} == {REVIEWER} and len(again.skipped) == 2 and "已有账号" in again.skipped[0]
    assert bulkaccounts.without_accounts(store) == set(ids.values()) - {ids["县财政局"], ids["城关镇"]}
    with pytest.raises(WebError):
        bulkaccounts.create(store, [], _fake_hash)
    with pytest.raises(WebError):
        bulkaccounts.create(store, [99999], _fake_hash)
    # the export: only accounts still waiting for their first login
    fake = bulkaccounts.Slip("=HYPERLINK(\"x\")", CLERK, "nobody", "x")
    assert bulkaccounts.still_one_time(store, made.slips + [fake]) == made.slips
    data = bulkaccounts.export(made.slips + [fake], "http://10.0.0.1/", "csv").decode("utf-8-sig")
    assert data.splitlines()[0] == "机关,角色,登录地址,用户名,一次性密码" and "'=HYPERLINK" in data
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(bulkaccounts.export(made.slips + [fake], "http://10.0.0.1/", "xlsx")))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert values[1] == [made.slips[0].agency, CLERK, "http://10.0.0.1/", made.slips[0].username, made.slips[0].password]
    assert values[-1][0] == "=HYPERLINK(\"x\")" and book.active.cell(len(values), 1).data_type == "s"  # text, not a formula
