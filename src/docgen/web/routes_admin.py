"""The 管理员's pages of the portal: accounts (/users) and the audit trail (/audit, its export).

Nobody else reaches them (404). The audit trail is read-only here: there is no route that edits
or deletes an event.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import audit
from .accounts import AccountError, one_time_password
from .app import checked_form, render
from .auth import require
from .portaldb import ADMIN, ROLES
from .service import WebError

MAX_EXPORT = 200_000  # events in one export


def _account(request: Request):
    accounts = request.app.state.accounts
    account = accounts.get(request.path_params["user_id"])
    if account is None:
        raise WebError("没有这个账号", status=404)
    return account


# -- accounts --------------------------------------------------------------------------------------
async def users_page(request: Request) -> Response:
    require(request, ADMIN)
    accounts = request.app.state.accounts
    rows = await run_in_threadpool(accounts.list)
    return render(request, "users.html", {"accounts": rows, "roles": ROLES, "now": accounts.now(), "error": ""})


async def add_user(request: Request) -> Response:
    admin = require(request, ADMIN)
    form = await checked_form(request)
    accounts, store = request.app.state.accounts, request.app.state.store
    username, role = str(form.get("username", "")), str(form.get("role", ""))
    agency, display = str(form.get("agency", ""))[:200], str(form.get("display_name", ""))[:100]
    password = one_time_password()
    existed = not agency.strip() or await run_in_threadpool(accounts.agency_id, agency) is not None
    try:
        account = await run_in_threadpool(lambda: accounts.add(username, role, password, agency=agency, display_name=display, must_change=True))
    except AccountError as exc:
        rows = await run_in_threadpool(accounts.list)
        return render(request, "users.html", {"accounts": rows, "roles": ROLES, "now": accounts.now(), "error": exc.message,
                                              "form": {"username": username, "role": role, "agency": agency, "display_name": display}}, status=400)
    if not existed:
        await run_in_threadpool(audit.record, store, "agency_add", request, agency=account.agency_name, detail={"via": "账号管理"})
    await run_in_threadpool(audit.record, store, "user_add", request, agency=account.agency_name,
                            detail={"username": account.username, "role": account.role, "by": admin.username})
    return _one_time(request, account, password, "已创建账号")


async def reset_password(request: Request) -> Response:
    require(request, ADMIN)
    await checked_form(request)
    accounts = request.app.state.accounts
    account = await run_in_threadpool(_account, request)
    password = await run_in_threadpool(accounts.reset_password, account.id)
    await run_in_threadpool(audit.record, request.app.state.store, "user_update", request, agency=account.agency_name,
                            detail={"username": account.username, "change": "重置密码（一次性密码，已退出其所有登录）"})
    return _one_time(request, account, password, "已重置密码")


def _one_time(request: Request, account, password: str, title: str) -> Response:
    """The one-time password, shown this once (never stored in plain text, never in a URL)."""
    response = render(request, "one_time.html", {"account": account, "password": password, "title": title})
    response.headers["Cache-Control"] = "no-store"
    return response


async def _update(request: Request, change: str, apply) -> Response:
    admin = require(request, ADMIN)
    await checked_form(request)
    account = await run_in_threadpool(_account, request)
    if account.id == admin.id and change == "停用":
        raise WebError("不能停用自己的账号（至少要有一个管理员能登录）", status=409)
    await run_in_threadpool(apply, account.id)
    await run_in_threadpool(audit.record, request.app.state.store, "user_update", request, agency=account.agency_name,
                            detail={"username": account.username, "change": change})
    return RedirectResponse("/users", status_code=303)


async def disable(request: Request) -> Response:
    return await _update(request, "停用", lambda uid: request.app.state.accounts.set_disabled(uid, True))


async def enable(request: Request) -> Response:
    return await _update(request, "启用", lambda uid: request.app.state.accounts.set_disabled(uid, False))


async def unlock(request: Request) -> Response:
    return await _update(request, "解锁", lambda uid: request.app.state.accounts.unlock(uid))


# -- the audit trail -------------------------------------------------------------------------------
async def audit_page(request: Request) -> Response:
    require(request, ADMIN)
    store = request.app.state.store
    filters = audit.Filters.of(request.query_params)
    text = request.query_params.get("page", "1")
    number = int(text) if text.isdigit() and len(text) < 7 else 1
    rows, total = await run_in_threadpool(audit.events, store, filters, number)
    pages = max((total + audit.PAGE_SIZE - 1) // audit.PAGE_SIZE, 1)
    names = await run_in_threadpool(audit.usernames, store)
    query = filters.query()

    def link(page_number: int) -> str:
        return "/audit?" + urlencode({**query, "page": page_number})

    return render(request, "audit.html", {
        "events": rows, "total": total, "page": min(number, pages), "pages": pages, "filters": filters, "actions": audit.ACTIONS,
        "usernames": names, "link": link, "export": urlencode(query),
    })


async def audit_export(request: Request) -> Response:
    require(request, ADMIN)
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "xlsx"):
        raise WebError("不支持的导出格式", status=404)
    store = request.app.state.store
    filters = audit.Filters.of(request.query_params)
    rows, total = await run_in_threadpool(audit.events, store, filters, 1, MAX_EXPORT)
    data = await run_in_threadpool(audit.to_csv if fmt == "csv" else audit.to_xlsx, rows)
    await run_in_threadpool(audit.record, store, "export", request, detail={"format": f"审计记录 .{fmt}", "events": len(rows), **filters.query()})
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"audit-{dt.date.today().isoformat()}.{fmt}"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def routes() -> list[Route]:
    return [
        Route("/users", users_page, methods=["GET"]),
        Route("/users", add_user, methods=["POST"]),
        Route("/users/{user_id:int}/reset", reset_password, methods=["POST"]),
        Route("/users/{user_id:int}/disable", disable, methods=["POST"]),
        Route("/users/{user_id:int}/enable", enable, methods=["POST"]),
        Route("/users/{user_id:int}/unlock", unlock, methods=["POST"]),
        Route("/audit", audit_page, methods=["GET"]),
        Route("/audit.{fmt:str}", audit_export, methods=["GET"]),
    ]
