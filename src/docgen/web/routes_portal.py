"""The portal's pages for the 主管部门 and the agencies: the agency tree (/agencies), accounts in
bulk (/accounts), the dashboard (/dashboard, with the reminder list) and a report's workflow
(/reports/{id}/submit|return|approve). The work is done by agencies.py, bulkaccounts.py,
dashboard.py and workflow.py; this module reads the requests and records the audit trail."""

from __future__ import annotations

import datetime as dt
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import agencies, audit, bulkaccounts, dashboard, workflow
from .app import checked_form, csrf_token, render
from .auth import report_for, require
from .portaldb import ADMIN, CLERK, LEVELS, REVIEWER, STATES
from .service import WebError

MAX_UPLOAD = agencies.MAX_FILE_BYTES
SHOWN_REMINDERS = 500  # on the page; the .csv has them all


def today() -> dt.date:
    return dt.date.today()


def _int(text, default: int | None = None) -> int | None:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else default


def _csv(data: bytes, name: str, fmt: str = "csv") -> Response:
    from urllib.parse import quote

    media = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[fmt]
    disposition = f"attachment; filename=\"export.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


# -- the dashboard -------------------------------------------------------------------------------------
async def dashboard_page(request: Request) -> Response:
    user = require(request)
    store = request.app.state.store
    day = today()
    if user is not None and user.role == CLERK:
        agency = await run_in_threadpool(agencies.get, store, user.agency_id) if user.agency_id else None
        rows = await run_in_threadpool(dashboard.agency_reports, store, agency.id, agency.level, day) if agency else []
        return render(request, "clerk_home.html", {"agency": agency, "rows": rows, "today": day})
    if user is not None and user.role not in (ADMIN, REVIEWER):
        raise WebError("没有这个页面", status=404)
    years = await run_in_threadpool(dashboard.years, store, day)
    year = _int(request.query_params.get("year"), dashboard.reporting_year(day))
    every = await run_in_threadpool(dashboard.rows, store, year, day)
    filters = dashboard.Filters.of(request.query_params)
    shown = filters.apply(every)
    waiting = await run_in_threadpool(dashboard.reminders, store, list(shown))
    parents = [r for r in every if r.level != agencies.AGENCY]
    context = {
        "year": year, "years": years if year in years else sorted({*years, year}, reverse=True), "rows": shown,
        "total": len(every), "counts": dashboard.counts(every), "filters": filters, "states": STATES, "levels": LEVELS,
        "parents": parents, "waiting": waiting, "today": day, "query": request.url.query, "shown_reminders": SHOWN_REMINDERS,
        "rows_html": dashboard.rows_html(shown, year, csrf_token(request), user is not None and user.role == ADMIN),
    }
    return render(request, "dashboard.html", context)


async def reminders_csv(request: Request) -> Response:
    require(request, ADMIN, REVIEWER)
    store = request.app.state.store
    day = today()
    year = _int(request.query_params.get("year"), dashboard.reporting_year(day))
    every = await run_in_threadpool(dashboard.rows, store, year, day)
    waiting = await run_in_threadpool(dashboard.reminders, store, dashboard.Filters.of(request.query_params).apply(every))
    await run_in_threadpool(audit.record, store, "export", request, detail={"format": "csv", "what": f"{year}年度催报名单", "rows": len(waiting)})
    return _csv(dashboard.reminders_csv(waiting, year), f"{year}年度催报名单.csv")


# -- the agency tree -----------------------------------------------------------------------------------
async def agencies_page(request: Request, message: str = "", problems: list | None = None, status: int = 200) -> Response:
    require(request, ADMIN)
    store = request.app.state.store
    items = await run_in_threadpool(agencies.all_agencies, store)
    context = {"tree": agencies.tree(items), "levels": LEVELS, "message": message, "problems": problems or [],
               "codes": {a.id: bulkaccounts.agency_code(a.id) for a in items}}
    return render(request, "agencies.html", context, status=status)


async def agency_add(request: Request) -> Response:
    require(request, ADMIN)
    form = await checked_form(request)
    return await _save_agency(request, None, form)


async def agency_update(request: Request) -> Response:
    require(request, ADMIN)
    form = await checked_form(request)
    return await _save_agency(request, request.path_params["agency"], form)


async def _save_agency(request: Request, agency_id: int | None, form) -> Response:
    store = request.app.state.store
    name = str(form.get("name", ""))
    parent_id = _int(form.get("parent"))
    level = str(form.get("level", ""))
    before = await run_in_threadpool(agencies.get, store, agency_id) if agency_id is not None else None
    saved = await run_in_threadpool(agencies.save_agency, store, agency_id, name, parent_id, level)
    after = await run_in_threadpool(agencies.get, store, saved)
    detail = {"name": after.name, "parent_id": after.parent_id, "level": after.level}
    if before is not None:
        detail["before"] = {"name": before.name, "parent_id": before.parent_id, "level": before.level}
    await run_in_threadpool(audit.record, store, "agency_update" if before else "agency_add", request, agency=after.name, detail=detail)
    return RedirectResponse(f"/agencies#agency-{saved}", status_code=303)


async def agency_import(request: Request) -> Response:
    require(request, ADMIN)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD + 1024 * 1024:
        raise WebError(f"上传的文件过大（上限 {MAX_UPLOAD // 1024 // 1024} MB）", status=413)
    form = await checked_form(request, files=True)
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise WebError("请选择机关表文件（.xlsx 或 .csv）")
    data = await upload.read(MAX_UPLOAD + 1)
    store = request.app.state.store
    done = await run_in_threadpool(agencies.import_table, store, upload.filename, data)
    await run_in_threadpool(audit.record, store, "agency_update", request,
                            detail={"file": upload.filename[:200], "added": done.added, "updated": done.updated})
    message = f"已导入“{upload.filename[:120]}”：新增 {done.added} 个机关，修改 {done.updated} 个，{done.unchanged} 个未变。"
    return await agencies_page(request, message)


async def agency_example(request: Request) -> Response:
    require(request, ADMIN)
    return _csv(agencies.example_csv(), "机关表示例.csv")


async def agency_start(request: Request) -> Response:
    """Start (or open) an agency's report of a year: its 填报人, or the 管理员."""
    user = require(request, ADMIN, CLERK)
    agency_id = request.path_params["agency"]
    if user is not None and user.role == CLERK and user.agency_id != agency_id:
        raise WebError("没有这个页面", status=404)
    form = await checked_form(request)
    store = request.app.state.store
    agency = await run_in_threadpool(agencies.get, store, agency_id)
    if agency is None:
        raise WebError("没有这个机关", status=404)
    year = _int(form.get("year"), 0) or 0
    from .auth import author

    report_id, started = await run_in_threadpool(workflow.start, store, agency.id, agency.name, year, author(request))
    if started:
        await run_in_threadpool(audit.record, store, "new", request, report_id=report_id, agency=agency.name, detail={"year": year})
    return RedirectResponse(f"/reports/{report_id}", status_code=303)


# -- accounts in bulk -------------------------------------------------------------------------------
async def accounts_page(request: Request) -> Response:
    require(request, ADMIN)
    store = request.app.state.store
    items = await run_in_threadpool(agencies.all_agencies, store)
    lacking = await run_in_threadpool(bulkaccounts.without_accounts, store)
    rows = [(a, depth, a.id in lacking, bulkaccounts.username_for(a.id, CLERK)) for a, depth in agencies.tree(items)]
    return render(request, "accounts.html", {"rows": rows, "lacking": len(lacking)})


async def accounts_create(request: Request) -> Response:
    require(request, ADMIN)
    form = await checked_form(request)
    from .accounts import hash_password

    store = request.app.state.store
    if form.get("scope") == "lacking":  # every agency without a 填报人 (more than a form's 2,000 fields)
        chosen = sorted(await run_in_threadpool(bulkaccounts.without_accounts, store))
    else:
        chosen = [v for v in (_int(v) for v in form.getlist("agency")) if v is not None]
    reviewer = bool(form.get("reviewer"))
    made = await run_in_threadpool(bulkaccounts.create, store, chosen, hash_password, reviewer)
    for slip in made.slips:
        await run_in_threadpool(audit.record, store, "user_add", request, agency=slip.agency,
                                detail={"username": slip.username, "role": slip.role, "one_time_password": True})
    response = render(request, "slips.html", {"made": made, "address": _address(request), "packed": _pack(made.slips)})
    response.headers["Cache-Control"] = "no-store"
    return response


async def accounts_export(request: Request) -> Response:
    """The slips of the page just shown, as .xlsx or .csv: the page posts them back (the server
    keeps no password); only accounts still waiting for their first login are exported."""
    require(request, ADMIN)
    form = await checked_form(request)
    fmt = str(form.get("format", ""))
    slips = _unpack(str(form.get("slips", "")))
    store = request.app.state.store
    slips = await run_in_threadpool(bulkaccounts.still_one_time, store, slips)
    if not slips:
        raise WebError("没有可导出的一次性密码（账号可能已首次登录并修改了密码）")
    data = bulkaccounts.export(slips, _address(request), fmt)
    await run_in_threadpool(audit.record, store, "export", request, detail={"format": fmt, "what": "一次性密码", "rows": len(slips)})
    return _csv(data, f"一次性密码.{fmt}", fmt)


def _address(request: Request) -> str:
    return str(request.base_url)


def _pack(slips) -> str:
    return json.dumps([[s.agency, s.role, s.username, s.password] for s in slips], ensure_ascii=False)


def _unpack(text: str) -> list:
    try:
        rows = json.loads(text) if len(text) < 5_000_000 else []
    except ValueError:
        rows = []
    out = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, list) and len(row) == 4 and all(isinstance(v, str) for v in row):
            out.append(bulkaccounts.Slip(*(v[:200] for v in row)))
    return out


# -- the workflow ------------------------------------------------------------------------------------
def _step(action: str):
    roles = workflow.ACTIONS[action].roles

    async def handler(request: Request) -> Response:
        user = require(request, *roles)
        form = await checked_form(request)
        store = request.app.state.store
        report_id = request.path_params["id"]
        await run_in_threadpool(report_for, request, store, report_id)
        by = user.username if user is not None else "本机用户"
        done = await run_in_threadpool(
            workflow.act, store, report_id, action, str(form.get("expected", "")), by,
            str(form.get("reason", "")), [str(v) for v in form.getlist("cell")], str(form.get("cells", "")),
            request.app.state.service,
        )
        detail: dict = {"from": done.before, "to": done.after}
        if action == "return":
            detail.update(reason=done.reason, cells=list(done.cells))
        await run_in_threadpool(audit.record, store, action, request, report_id=report_id, agency=done.agency, detail=detail)
        back = str(form.get("next", ""))
        return RedirectResponse(back if back.startswith("/dashboard") else f"/reports/{report_id}", status_code=303)

    return handler


def routes() -> list[Route]:
    return [
        Route("/dashboard", dashboard_page),
        Route("/dashboard/reminders.csv", reminders_csv),
        Route("/agencies", agencies_page),
        Route("/agencies", agency_add, methods=["POST"]),
        Route("/agencies/import", agency_import, methods=["POST"]),
        Route("/agencies/example.csv", agency_example),
        Route("/agencies/{agency:int}", agency_update, methods=["POST"]),
        Route("/agencies/{agency:int}/start", agency_start, methods=["POST"]),
        Route("/accounts", accounts_page),
        Route("/accounts", accounts_create, methods=["POST"]),
        Route("/accounts/export", accounts_export, methods=["POST"]),
        Route("/reports/{id:int}/submit", _step("submit"), methods=["POST"]),
        Route("/reports/{id:int}/return", _step("return"), methods=["POST"]),
        Route("/reports/{id:int}/approve", _step("approve"), methods=["POST"]),
    ]
