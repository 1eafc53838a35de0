"""Who is asking, and what they may do (`docgen serve --portal`).

Every request of the portal passes the gate (``PortalGate``): without a live session a page
redirects to /login and an htmx request gets 401; an account with a one-time password goes to
/password first. Handlers then ask ``require`` (the roles a page is for: others get 404, the page
is not revealed) and ``report_for`` (a report the user may see: a 填报人 only their agency's,
anything else is 404 exactly like a report that does not exist).

In the single-user local mode (no --portal) there is no user: ``current_user`` is None and
``report_for`` only checks that the report exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

from .portaldb import ADMIN, APPROVED, CLERK, REVIEWER, SUBMITTED
from .service import WebError
from .store import StoredReport

SESSION_COOKIE = "docgen_session"
NOT_FOUND = "没有这份报告（可能已删除，可到回收站恢复）"
PUBLIC = ("/login", "/healthz", "/favicon.ico")
PUBLIC_PREFIXES = ("/static/",)
BEFORE_CHANGE = ("/password", "/logout")  # what an account with a one-time password may open


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    agency_id: int | None
    agency_name: str
    must_change: bool

    @property
    def shown(self) -> str:
        return self.display_name or self.username

    @classmethod
    def of(cls, account) -> User:
        return cls(account.id, account.username, account.display_name, account.role, account.agency_id,
                   account.agency_name, bool(account.must_change))


def portal(request: Request) -> bool:
    return bool(getattr(request.app.state, "portal", False))


def current_user(request: Request) -> User | None:
    """The logged-in user; None only in the local mode (the gate lets no anonymous request through)."""
    return request.scope.get("state", {}).get("user")


def require(request: Request, *roles: str) -> User | None:
    """The user, when their role is one of ``roles``; 404 otherwise (the page is not revealed).
    In the local mode: None (everything is allowed)."""
    if not portal(request):
        return None
    user = current_user(request)
    if user is None or (roles and user.role not in roles):
        raise WebError("没有这个页面", status=404)
    return user


def may_see(user: User | None, stored: StoredReport) -> bool:
    return user is None or user.role != CLERK or (stored.agency_id is not None and stored.agency_id == user.agency_id)


def visible(request: Request, rows: list[StoredReport]) -> list[StoredReport]:
    """The reports of a list the user may see."""
    user = current_user(request)
    return rows if user is None or user.role != CLERK else [r for r in rows if may_see(user, r)]


def report_for(request: Request, service_or_store, report_id: int, write: bool = False, deleted: bool = False) -> StoredReport:
    """The report, if the user may see it (管理员/审核人: all; 填报人: their agency's), else 404
    with the same message as a report that does not exist. ``write``: also refuse (409) a change
    by a 审核人, and by a 填报人 to a report that is 已提交 or 已审核. ``deleted``: a report in the
    recycle bin counts too. Blocking (database): call it in a thread from async code."""
    store = getattr(service_or_store, "store", service_or_store)
    stored = store.get(report_id, deleted=deleted)
    user = current_user(request) if portal(request) else None
    if stored is None or not may_see(user, stored):
        raise WebError(NOT_FOUND, status=404)
    if write and user is not None:
        if user.role == REVIEWER:
            raise WebError("审核人只能查看、退回或审核报告，不能修改报告内容", status=409)
        if user.role == CLERK and stored.state in (SUBMITTED, APPROVED):
            raise WebError(f"报告{stored.state}，不能再修改；如需修改，请联系审核人退回", status=409)
    return stored


def author(request: Request) -> str:
    """The name written into revisions: “张三（填报人，某某局）” in the portal."""
    user = current_user(request) if portal(request) else None
    if user is None:
        return f"本机用户（{request.client.host}）" if request.client else "本机用户"
    where = f"，{user.agency_name}" if user.agency_name else ""
    return f"{user.shown}（{user.role}{where}）"


def owner_of(request: Request) -> tuple[int | None, str] | None:
    """The agency a 填报人 creates reports for (id, name); None for the others and the local mode."""
    user = current_user(request) if portal(request) else None
    if user is None or user.role != CLERK:
        return None
    return user.agency_id, user.agency_name


def may_write(user: User | None) -> bool:
    return user is None or user.role in (ADMIN, CLERK)


class PortalGate:
    """ASGI middleware of the portal: finds the session of the cookie (request.state.user,
    .session_id, .csrf) and turns away a request without one, except for the public paths."""

    def __init__(self, app, accounts):
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path.startswith(PUBLIC_PREFIXES) or path in ("/healthz", "/favicon.ico"):  # no session needed
            return await self.app(scope, receive, send)
        request = Request(scope)
        token = request.cookies.get(SESSION_COOKIE, "")
        found = await run_in_threadpool(self.accounts.session, token) if token else None
        state = scope.setdefault("state", {})
        if found is not None:
            state["user"] = User.of(found.account)
            state["session_id"] = found.id
            state["csrf"] = found.csrf
        if path in PUBLIC:
            return await self.app(scope, receive, send)
        if found is None:
            response = turned_away(request, "/login", "登录已失效，请重新登录", 401)
        elif found.account.must_change and path not in BEFORE_CHANGE:
            response = turned_away(request, "/password", "请先修改初始密码", 403)
        else:
            return await self.app(scope, receive, send)
        await response(scope, receive, send)


def turned_away(request: Request, where: str, message: str, status: int):
    """A page goes to ``where``; an htmx request gets ``status`` and an HX-Redirect."""
    if request.headers.get("hx-request"):
        return PlainTextResponse(message, status_code=status, headers={"HX-Redirect": where})
    return RedirectResponse(where, status_code=303)


# -- security headers on every response -----------------------------------------------------------
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
CSP_HEADER = (b"content-security-policy", CSP.encode())
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (no framing, no sniffing, no
    referrer). The portal adds the Content-Security-Policy (only the page's own scripts and
    styles: nothing inline, nothing eval'd — the pages comply) and HSTS when served over TLS.
    The single-user local mode keeps its pages scriptable by test tools (no CSP)."""

    def __init__(self, app, portal: bool = False, tls: bool = False):
        self.app = app
        self.headers = SECURITY_HEADERS + ([CSP_HEADER] if portal else []) + ([HSTS] if tls else [])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in self.headers if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)
