"""A report's life in the portal on SQLite and PostgreSQL: start, submit (refused while R1–R4
fail), return (reason and named cells), approve, read-only states, and two reviewers at once."""

from __future__ import annotations

import json
import threading

import pytest

from docgen.report.load import load_text
from docgen.web import agencies, formdoc, workflow
from docgen.web.portaldb import APPROVED, DRAFT, RETURNED, SUBMITTED
from docgen.web.server import open_store
from docgen.web.service import Service, WebError


@pytest.fixture
def service(database_url):
    store, _ = open_store(url=database_url)
    yield Service(store)
    store.engine.dispose()


def _started(service, name="某县财政局"):
    agency_id = agencies.save_agency(service.store, None, name, None, "机关")
    report_id, started = workflow.start(service.store, agency_id, name, 2025, "填报人")
    assert started
    return report_id


def _form(service, report_id, **cells):
    form = formdoc.values(load_text(service.stored(report_id).content, "x").report)
    form.update(cells)
    return form


def _refused(call, status=409) -> str:
    with pytest.raises(WebError) as info:
        call()
    assert info.value.status == status, info.value.message
    return info.value.message + "\n".join(f"{p.where}：{p.what}" for p in info.value.problems)


def test_start_is_once_a_year(service):
    report_id = _started(service)
    stored = service.stored(report_id)
    assert (stored.state, stored.year, stored.agency) == (DRAFT, 2025, "某县财政局") and stored.agency_id
    assert workflow.start(service.store, stored.agency_id, "某县财政局", 2025, "又一人") == (report_id, False)
    assert _refused(lambda: workflow.start(service.store, stored.agency_id, "x", 1999, "x"), 400)


def test_the_whole_life(service):
    report_id = _started(service)
    act = lambda action, expected, **kw: workflow.act(service.store, report_id, action, expected, "someone", **kw)  # noqa: E731
    # R1 broken: submission refused, with the finding named
    service.save(report_id, _form(service, report_id, **{"applications.received.0": "5"}), "填报人")
    shown = _refused(lambda: act("submit", DRAFT))
    assert "R1–R4 有" in shown and "[R1]" in shown and service.stored(report_id).state == DRAFT
    # nothing to approve or return yet
    assert "只有“已提交”的报告可以审核通过" in _refused(lambda: act("approve", DRAFT))
    _refused(lambda: act("return", DRAFT, reason="x"))
    service.save(report_id, _form(service, report_id, **{"applications.granted.0": "5"}), "填报人")
    done = act("submit", DRAFT)
    assert (done.before, done.after) == (DRAFT, SUBMITTED)
    # submitted: read-only for everyone (the store refuses in the saving transaction)
    assert "正在审核" in _refused(lambda: service.save(report_id, _form(service, report_id, problems="改"), "填报人"))
    assert _refused(lambda: service.restore(report_id, 1, "x"))
    # a return needs a reason; the cells it names are resolved from paths and labels
    assert "必须填写退回原因" in _refused(lambda: act("return", SUBMITTED, reason="  "), 400)
    assert "对应不到任何单元格" in _refused(lambda: act("return", SUBMITTED, reason="r", written="不存在的格"), 400)
    assert "没有“foo.bar”这个单元格" in _refused(lambda: act("return", SUBMITTED, reason="r", picked=["foo.bar"]), 400)
    done = act("return", SUBMITTED, reason="本年新收自然人的数字与底稿不符", picked=["applications.received.0"],
               written="表三 本年新收 商业企业\nproblems")
    assert done.after == RETURNED and done.cells == ("applications.received.0", "applications.received.1", "problems")
    stored = service.stored(report_id)
    assert stored.state_reason == "本年新收自然人的数字与底稿不符" and workflow.returned_cells(stored) == done.cells
    assert json.loads(stored.state_cells) == list(done.cells)
    # returned: editable again, resubmitted, approved
    service.save(report_id, _form(service, report_id, problems="已改正"), "填报人")
    act("submit", RETURNED)
    assert service.stored(report_id).state_reason is None and workflow.returned_cells(service.stored(report_id)) == ()
    assert act("approve", SUBMITTED).after == APPROVED
    assert "已审核，不能再修改" in _refused(lambda: service.save(report_id, _form(service, report_id, problems="再改"), "x"))
    _refused(lambda: act("submit", APPROVED))
    # returned again after approval: open again
    act("return", APPROVED, reason="复核发现问题")
    assert service.save(report_id, _form(service, report_id, problems="再改"), "x").revision > stored.revision


def test_stale_page_is_told_who_moved_it(service):
    report_id = _started(service)
    workflow.act(service.store, report_id, "submit", DRAFT, "tb0001")
    shown = _refused(lambda: workflow.act(service.store, report_id, "submit", DRAFT, "tb0001"))
    assert "已是“已提交”（tb0001，" in shown and "请刷新页面" in shown
    assert _refused(lambda: workflow.act(service.store, report_id, "fly", SUBMITTED, "x"), 404)
    assert _refused(lambda: workflow.act(service.store, 9999, "approve", SUBMITTED, "x"), 404)


def test_two_reviewers_approve_at_once(service):
    report_id = _started(service)
    workflow.act(service.store, report_id, "submit", DRAFT, "tb0001")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(who: str) -> None:
        barrier.wait()
        try:
            outcomes[who] = workflow.act(service.store, report_id, "approve", SUBMITTED, who).after
        except WebError as exc:
            outcomes[who] = exc

    threads = [threading.Thread(target=approve, args=(who,)) for who in ("sh1", "sh2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    wins = [w for w, o in outcomes.items() if o == APPROVED]
    losses = [o for o in outcomes.values() if isinstance(o, WebError)]
    assert len(wins) == 1 and len(losses) == 1
    assert losses[0].status == 409 and f"已是“已审核”（{wins[0]}，" in losses[0].message
    assert service.stored(report_id).state_by == wins[0]


def test_available_actions_by_role():
    names = lambda state, role: [a.name for a in workflow.available(state, role)]  # noqa: E731
    assert names(DRAFT, "填报人") == ["submit"] and names(RETURNED, "填报人") == ["submit"]
    assert names(SUBMITTED, "填报人") == [] and names(SUBMITTED, "审核人") == ["return", "approve"]
    assert names(APPROVED, "审核人") == ["return"] and names(DRAFT, "审核人") == []
    assert names(SUBMITTED, None) == []  # local mode: no workflow


def test_one_report_per_agency_and_year(service):
    report_id = _started(service)
    agency_id = service.stored(report_id).agency_id
    shown = _refused(lambda: service._create(service.stored(report_id).content, "x", "x", agency_id=agency_id, one_a_year=True))
    other = service._create(service.stored(report_id).content, "导入", "x", agency_id=agency_id)  # an import may add another
    assert "该机关已有2025年度的报告" in shown and f"/reports/{report_id}" in shown
    assert workflow.start(service.store, agency_id, "某县财政局", 2025, "x") == (other, False)  # the latest
    service.store.delete(report_id)  # in the recycle bin: a new one may be started
    service.store.delete(other)
    assert workflow.start(service.store, agency_id, "某县财政局", 2025, "x")[1]
