"""The portal's own pages for everyone: log in, log out (here or everywhere), change one's password."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import audit
from .accounts import LOCK_TIME, MAX_FAILED, MAX_LENGTH, AccountError
from .app import checked_form, render
from .auth import SESSION_COOKIE, current_user

LOCKED = f"账号因连续 {MAX_FAILED} 次登录失败已被锁定 {int(LOCK_TIME.total_seconds() // 60)} 分钟；请稍后再试，或请管理员解锁"


def address_of(request: Request) -> str:
    return request.client.host if request.client else ""


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS; it ends with the browser."""
    secure = bool(getattr(request.app.state, "secure_cookies", False))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")


def drop_session_cookie(request: Request, response: Response) -> None:
    secure = bool(getattr(request.app.state, "secure_cookies", False))
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=secure, path="/")


async def login_page(request: Request) -> Response:
    if current_user(request) is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", {"error": "", "username": ""})


async def login(request: Request) -> Response:
    store, accounts = request.app.state.store, request.app.state.accounts
    form = await checked_form(request)
    username = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))[: MAX_LENGTH + 1]
    result = await run_in_threadpool(accounts.login, username, password)
    address = address_of(request)
    if result.outcome == "ok":
        account = result.account
        old = request.scope.get("state", {}).get("session_id")
        if old:  # a new login gets a new session (no fixation)
            await run_in_threadpool(accounts.end_session, old)
        token, _ = await run_in_threadpool(accounts.open_session, account.id, address)
        await run_in_threadpool(audit.record, store, "login", account, address=address, agency=account.agency_name)
        response = RedirectResponse("/password" if account.must_change else "/dashboard", status_code=303)
        set_session_cookie(request, response, token)
        return response
    reasons = {"bad": "用户名或密码错误", "locked": "账号已锁定", "disabled": "账号已停用"}
    await run_in_threadpool(audit.record, store, "login_failed", username, address=address, detail={"reason": reasons[result.outcome]})
    if result.locked_now:
        await run_in_threadpool(audit.record, store, "locked", username, address=address,
                                detail={"until": result.account.locked_until if result.account.locked_until else "", "failed": MAX_FAILED})
    error = {"bad": "用户名或密码不正确", "locked": LOCKED, "disabled": "账号已停用，请联系管理员"}[result.outcome]
    return render(request, "login.html", {"error": error, "username": username}, status=401)


async def logout(request: Request) -> Response:
    store, accounts = request.app.state.store, request.app.state.accounts
    form = await checked_form(request)
    user = current_user(request)
    everywhere = bool(form.get("everywhere"))
    if everywhere:
        ended = await run_in_threadpool(accounts.end_all, user.id)
    else:
        await run_in_threadpool(accounts.end_session, request.scope["state"]["session_id"])
        ended = 1
    await run_in_threadpool(audit.record, store, "logout", request, agency=user.agency_name,
                            detail={"everywhere": "是", "sessions": ended} if everywhere else None)
    response = RedirectResponse("/login", status_code=303)
    drop_session_cookie(request, response)
    return response


async def change_password(request: Request) -> Response:
    store, accounts = request.app.state.store, request.app.state.accounts
    form = await checked_form(request)
    user = current_user(request)
    fields = [str(form.get(name, ""))[: MAX_LENGTH + 1] for name in ("current", "new", "again")]
    try:
        await run_in_threadpool(accounts.change_password, user.id, *fields)
    except AccountError as exc:
        return render(request, "password.html", {"error": exc.message, "done": False}, status=400)
    # a new password ends every session of the account (logout everywhere); this browser gets a new one
    await run_in_threadpool(accounts.end_all, user.id)
    token, _ = await run_in_threadpool(accounts.open_session, user.id, address_of(request))
    await run_in_threadpool(audit.record, store, "password_change", request, agency=user.agency_name)
    response = RedirectResponse("/password?done=1", status_code=303)
    set_session_cookie(request, response, token)
    return response


async def password_done(request: Request) -> Response:
    return render(request, "password.html", {"error": "", "done": request.query_params.get("done") == "1"})


def routes() -> list[Route]:
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/password", password_done, methods=["GET"]),
        Route("/password", change_password, methods=["POST"]),
    ]
