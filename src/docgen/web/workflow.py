"""A report's life in the portal: 未开始 → 草稿 → 已提交 → 已退回 → 已审核.

未开始 is an agency of the year without a report; starting it makes the 草稿 (the same skeleton as
`docgen init`). A clerk submits a 草稿 or a returned report when rules R1–R4 pass (the same rule
code as `docgen check`); a reviewer returns a submitted or approved report with a reason and the
cells it concerns, or approves a submitted one. Submitted and approved reports are read-only
(store.FROZEN: saves are refused in the saving transaction itself).

Every transition names the state the user saw (``expected``) and is one UPDATE ... WHERE state =
expected: of two reviewers clicking at once, one wins and the other is told what happened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select, update

from ..errors import Problem
from .portaldb import ADMIN, APPROVED, CLERK, DRAFT, RETURNED, REVIEWER, STATES, SUBMITTED
from .service import Service, WebError, loaded_of
from .store import FROZEN, Store, StoredReport, now, reports

GATE_RULES = ("R1", "R2", "R3", "R4")
MAX_REASON = 2000
MAX_CELLS = 200


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # the button's text
    done: str  # what happened, for messages
    sources: tuple[str, ...]  # the states it starts from
    target: str
    roles: tuple[str, ...]


ACTIONS = {
    "submit": Action("submit", "提交审核", "提交", (DRAFT, RETURNED), SUBMITTED, (CLERK, ADMIN)),
    "return": Action("return", "退回修改", "退回", (SUBMITTED, APPROVED), RETURNED, (REVIEWER, ADMIN)),
    "approve": Action("approve", "审核通过", "审核通过", (SUBMITTED,), APPROVED, (REVIEWER, ADMIN)),
}


@dataclass
class Transition:
    report_id: int
    agency: str
    before: str
    after: str
    reason: str = ""
    cells: tuple[str, ...] = ()


def available(state: str, role: str | None) -> list[Action]:
    """The actions a user of ``role`` may take on a report in ``state`` (None: local mode, none)."""
    return [a for a in ACTIONS.values() if state in a.sources and role in a.roles]


def gate_findings(stored: StoredReport, service: Service | None = None) -> list:
    """The R1–R4 errors of a stored report: what stops its submission."""
    from ..rules.audit import findings_of
    from ..rules.checks import ERROR

    previous = service.previous(stored) if service is not None else None
    found = findings_of(loaded_of(stored.content), previous)
    return [f for f in found if f.rule in GATE_RULES and f.level == ERROR]


def returned_cells(stored: StoredReport) -> tuple[str, ...]:
    """The cells the reviewer named when returning the report (shown beside them in the editor)."""
    if stored.state != RETURNED or not stored.state_cells:
        return ()
    try:
        cells = json.loads(stored.state_cells)
    except ValueError:
        return ()
    return tuple(str(c) for c in cells if isinstance(c, str))


# -- naming cells --------------------------------------------------------------------------------------
def cell_labels(spec) -> dict[str, str]:
    """Every field a reviewer may name: each input cell and narrative field, with its official label."""
    from ..editions.grid import grids
    from . import formdoc
    from .labels import label_of

    out = {p: label_of(spec, p) for p in formdoc.HEADER_FIELDS + formdoc.TEXT_FIELDS}
    for g in grids(spec):
        for c in g.cells:
            if c.kind == "input":
                out[c.path] = label_of(spec, c.path)
    return out


def _squash(text: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace() and ch not in "·・.,，、;；:：")


def resolve_cells(spec, picked: list[str], written: str) -> tuple[tuple[str, ...], list[Problem]]:
    """The cells named by the reviewer: picked paths (checkboxes), and written entries, one per line
    or separated by ；— a path (applications.received.0), an official label, or words of a label
    that fit exactly one cell ("表三 本年新收 自然人")."""
    labels = cell_labels(spec)
    out: list[str] = []
    problems = []
    for path in picked:
        path = path.strip()
        if path and path not in labels:
            problems.append(Problem("", None, "单元格", f"没有“{path[:60]}”这个单元格"))
        elif path and path not in out:
            out.append(path)
    entries = [e.strip() for e in written.replace("；", "\n").replace(";", "\n").splitlines() if e.strip()]
    squashed = {p: _squash(label) for p, label in labels.items()}
    for entry in entries:
        if entry in labels:
            found = [entry]
        else:
            words = [_squash(w) for w in entry.replace("·", " ").split() if _squash(w)]
            found = [p for p, label in squashed.items() if words and all(w in label for w in words)]
            exact = [p for p in found if squashed[p] == _squash(entry)]
            found = exact or found
        if not found:
            problems.append(Problem("", None, "单元格", f"“{entry[:60]}”对应不到任何单元格（可写单元格的标签，如“表三 本年新收 自然人”）"))
        elif len(found) > 1:
            shown = "；".join(labels[p] for p in found[:3])
            problems.append(Problem("", None, "单元格", f"“{entry[:60]}”对应 {len(found)} 个单元格（如：{shown}），请写得更具体"))
        elif found[0] not in out:
            out.append(found[0])
    if len(out) > MAX_CELLS:
        problems.append(Problem("", None, "单元格", f"指出的单元格过多（{len(out)} 个，上限 {MAX_CELLS} 个）"))
    return tuple(out), problems


# -- transitions ----------------------------------------------------------------------------------------
def act(store: Store, report_id: int, action: str, expected: str, by: str, reason: str = "",
        picked: list[str] | None = None, written: str = "", service: Service | None = None) -> Transition:
    """Move a report on: submit, return (with a reason and the cells it names) or approve.
    ``expected`` is the state the user saw; WebError (409) when the report has moved since."""
    step = ACTIONS.get(action)
    if step is None:
        raise WebError("不支持的操作", status=404)
    service = service or Service(store)
    stored = service.stored(report_id)
    expected = expected.strip() or stored.state
    if expected not in STATES:
        raise WebError("页面提交的报告状态无法识别，请刷新页面后重试")
    if stored.state != expected:
        raise WebError(moved(stored, step), status=409)
    if stored.state not in step.sources:
        raise WebError(f"报告当前为“{stored.state}”，不能{step.done}（只有{'或'.join(f'“{s}”' for s in step.sources)}的报告可以{step.done}）", status=409)
    values: dict = {"state": step.target, "state_at": now(), "state_by": by[:64], "state_reason": None, "state_cells": None}
    cells: tuple[str, ...] = ()
    reason = "\n".join(line.rstrip() for line in (reason or "").replace("\r\n", "\n").split("\n")).strip()
    if step.name == "submit":
        failing = gate_findings(stored, service)
        if failing:
            problems = [Problem("", f.line, f.where, f"[{f.rule}] {f.what}") for f in failing]
            raise WebError(f"R1–R4 有 {len(failing)} 处未通过，不能提交；请先改正以下各处", problems, status=409)
    elif step.name == "return":
        if not reason:
            raise WebError("退回时必须填写退回原因", [Problem("", None, "退回原因", "请写明需要修改什么")])
        if len(reason) > MAX_REASON:
            raise WebError(f"退回原因过长（{len(reason)} 字，上限 {MAX_REASON} 字）")
        cells, problems = resolve_cells(loaded_of(stored.content).report.spec, picked or [], written or "")
        if problems:
            raise WebError("退回未完成：指出的单元格有误", problems)
        values.update(state_reason=reason, state_cells=json.dumps(list(cells), ensure_ascii=False))
    where = [reports.c.id == report_id, reports.c.state == expected, reports.c.deleted_at.is_(None)]
    if step.name == "submit":  # what was checked is what is submitted
        where.append(reports.c.revision == stored.revision)
    with store.writing() as conn:
        done = conn.execute(update(reports).where(*where).values(**values)).rowcount
    if done != 1:
        now_stored = service.stored(report_id)
        if now_stored.state == expected:
            raise WebError("报告在提交检查期间又有修改，请再点一次“提交审核”", status=409)
        raise WebError(moved(now_stored, step), status=409)
    return Transition(report_id, stored.agency, expected, step.target, reason if step.name == "return" else "", cells)


def view(stored: StoredReport, user, marks: dict[str, str] | None = None) -> dict:
    """What the editor shows of the workflow: the state, the user's actions, whether the page is
    read-only (submitted or approved; always for a 审核人), the cells a return named (each with the
    reason), and — to pick when returning — the cells the checks mark."""
    role = user.role if user is not None else None
    labels = cell_labels(loaded_of(stored.content).report.spec)
    return {
        "state": stored.state,
        "actions": available(stored.state, role),
        "readonly": stored.state in FROZEN or role == REVIEWER,
        "reason": stored.state_reason or "",
        "returned": {c: stored.state_reason or "" for c in returned_cells(stored)},
        "labels": labels,
        "pickable": [p for p, level in (marks or {}).items() if level == "error" and p in labels],
    }


def moved(stored: StoredReport, step: Action) -> str:
    """The report is no longer in the state the page showed: say who moved it, and when."""
    who = f"（{stored.state_by}，{stored.state_at:%Y-%m-%d %H:%M}）" if stored.state_by and stored.state_at else ""
    return f"未能{step.done}：这份报告已是“{stored.state}”{who}，您看到的页面已过期；请刷新页面后查看"


def start(store: Store, agency_id: int, agency: str, year: int, author: str) -> tuple[int, bool]:
    """The agency's report of ``year``: started now (草稿, the same skeleton as `docgen init`), or the
    one it already has. Returns (id, started)."""
    from .. import editions
    from ..report.skeleton import skeleton

    if not 2008 <= year <= 2100:
        raise WebError(f"报告年度应为四位年份（如 2025），实际为“{year}”")
    service = Service(store)
    with store.engine.connect() as conn:
        found = conn.execute(
            select(func.max(reports.c.id)).where(reports.c.agency_id == agency_id, reports.c.year == year, reports.c.deleted_at.is_(None))
        ).scalar()  # the latest, as on the dashboard (an import may have added another)
    if found is not None:
        return int(found), False
    spec = editions.for_year(year)
    # two clerks starting it at the same moment: one report (store.create locks the agency), the other is told
    return service._create(skeleton(spec, agency, year), f"开始填报（{spec.id}版格式，与 docgen init 相同的空白报告）", author, agency_id=agency_id, one_a_year=True), True
