"""The Starlette application of `docgen serve`: routes, CSRF, limits, error pages.

Pages are Jinja2 templates (autoescaped); the editor saves through htmx and gets back the
findings list (HTML) and, in an ``HX-Trigger`` header, which cells to mark and the totals —
the input elements themselves are never replaced, so focus, caret and IME stay put.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import editions
from ..importers import MAX_IMPORT_BYTES
from . import formdoc
from .service import FORMATS, MEDIA, Checked, Service, WebError
from .auth import CSP_HEADER, SECURITY_HEADERS
from .store import Store

HERE = Path(__file__).parent
CSRF_COOKIE = "docgen_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_FIELD = 512 * 1024  # one narrative field
MAX_FIELDS = 2000
MAX_BODY = MAX_IMPORT_BYTES + 1024 * 1024
log = logging.getLogger("docgen.web")


def create_app(store: Store, allowed_hosts: list[str] | None = None, portal: bool = False, behind_proxy: bool = False, tls: bool = False) -> Starlette:
    """The application; ``allowed_hosts`` (names the Host header may carry) guards a server on
    127.0.0.1 against DNS rebinding — a web page elsewhere reading the reports through it.

    ``portal``: the county portal (accounts, roles, audit trail; every route behind a login).
    ``behind_proxy`` / ``tls``: served over HTTPS (a reverse proxy, or a certificate), so cookies
    are marked Secure."""
    from . import audit, workflow
    from .accounts import Accounts
    from .auth import PortalGate, SecurityHeaders, author, current_user, owner_of, report_for, require, visible
    from .portaldb import ADMIN, CLERK

    service = Service(store)
    accounts = Accounts(store)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             auto_reload=False)  # the package's own templates: no file check on every render
    env.globals["editions"] = editions.EDITIONS
    env.globals["static"] = static_url
    templates = Jinja2Templates(env=env)

    def page(request: Request, name: str, context: dict | None = None, status: int = 200) -> Response:
        return render(request, name, context, status)

    def agency_of(request: Request, name: str):
        """The agency a new report belongs to: a 填报人's own; for the 管理员 the agency of that
        name when it exists; none in the local mode."""
        owner = owner_of(request)
        if owner is not None:
            return owner[0]
        return (lambda agency: accounts.agency_id(agency)) if portal else None

    def in_thread(function, *args, **kwargs):
        return run_in_threadpool(function, *args, **kwargs)

    # -- list, new, import ------------------------------------------------------------------
    async def index(request: Request) -> Response:
        rows = visible(request, await in_thread(store.list, False, False))
        owner = owner_of(request)
        return page(request, "index.html", {"reports": rows, "this_year": dt.date.today().year - 1, "own_agency": owner[1] if owner else ""})

    async def trash(request: Request) -> Response:
        rows = visible(request, await in_thread(store.list, True, False))
        return page(request, "trash.html", {"reports": rows})

    async def new(request: Request) -> Response:
        require(request, ADMIN, CLERK)
        form = await checked_form(request)
        owner = owner_of(request)
        agency = owner[1] if owner else form.get("agency", "")
        report_id = await in_thread(service.new, agency, form.get("year", ""), author(request), agency_of(request, agency))
        await in_thread(audit.record, store, "new", request, report_id=report_id, agency=agency)
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    async def import_(request: Request) -> Response:
        require(request, ADMIN, CLERK)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            raise WebError(f"上传的文件过大（上限 {MAX_IMPORT_BYTES // 1024 // 1024} MB）", status=413)
        form = await checked_form(request, files=True)
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise WebError("请选择要导入的报告文件（PDF、Word、工作簿、网页或文本）")
        data = await upload.read(MAX_IMPORT_BYTES + 1)
        report_id, notes = await in_thread(service.import_upload, upload.filename, data, author(request), agency_of(request, ""))
        stored = await in_thread(store.get, report_id)
        await in_thread(audit.record, store, "import", request, report_id=report_id, agency=stored.agency, detail={"file": upload.filename[:200]})
        return page(request, "imported.html", {"report_id": report_id, "name": upload.filename, "notes": notes})

    # -- one report ----------------------------------------------------------------------------
    async def editor(request: Request) -> Response:
        report_id = request.path_params["id"]
        started = time.perf_counter()
        await in_thread(report_for, request, store, report_id)
        checked = await in_thread(service.checked, report_id)
        others = [r for r in visible(request, await in_thread(store.list, False, False)) if r.id != report_id]
        wf = workflow.view(checked.stored, current_user(request), checked.marks) if portal else None
        response = page(request, "editor.html", editor_context(checked, others, wf))
        response.headers["Server-Timing"] = f"editor;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response

    def saved(request: Request, report_id: int, fields: dict[str, str]) -> tuple[Checked, float]:
        """Authorize, save, check — one trip to a worker thread; in the portal the audit event
        (the cells' before/after) is written in the save's own transaction."""
        stored = report_for(request, store, report_id, True)
        record = None
        if portal:
            def record(conn, revision: int, changes: dict) -> None:
                audit.add(conn, audit.event_values("change", request, report_id=report_id, agency=stored.agency,
                                                   detail={**changes, "revision": revision}))
        started = time.perf_counter()
        checked = service.save(report_id, fields, author(request), stored=stored, on_change=record)
        return checked, (time.perf_counter() - started) * 1000

    async def save(request: Request) -> Response:
        form = await checked_form(request)
        fields = {k: v for k, v in form.items() if k != CSRF_FIELD and isinstance(v, str)}
        checked, elapsed = await in_thread(saved, request, request.path_params["id"], fields)
        response = page(request, "_findings.html", {"messages": checked.messages})
        response.headers["HX-Trigger"] = json.dumps({"docgen:checked": result_of(checked)}, ensure_ascii=True)
        response.headers["Server-Timing"] = f"save;dur={elapsed:.2f}"  # read, check and store (bench/web.py)
        return response

    async def set_previous(request: Request) -> Response:
        form = await checked_form(request)
        report_id = request.path_params["id"]
        await in_thread(report_for, request, store, report_id, True)
        text = str(form.get("previous", "")).strip()
        previous = int(text) if text.isdigit() and len(text) < 10 else None
        if previous is not None:
            await in_thread(report_for, request, store, previous, False, True)
        await in_thread(service.set_previous, report_id, previous)
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    async def rollover(request: Request) -> Response:
        require(request, ADMIN, CLERK)
        await checked_form(request)
        stored = await in_thread(report_for, request, store, request.path_params["id"])
        new_id, _ = await in_thread(service.rollover, stored.id, author(request))
        await in_thread(audit.record, store, "rollover", request, report_id=new_id, agency=stored.agency, detail={"from": stored.id})
        return RedirectResponse(f"/reports/{new_id}", status_code=303)

    async def delete(request: Request) -> Response:
        await checked_form(request)
        stored = await in_thread(report_for, request, store, request.path_params["id"], True)
        if not await in_thread(store.delete, stored.id):
            raise WebError("没有这份报告", status=404)
        await in_thread(audit.record, store, "delete", request, report_id=stored.id, agency=stored.agency)
        return RedirectResponse("/", status_code=303)

    async def undelete(request: Request) -> Response:
        await checked_form(request)
        stored = await in_thread(report_for, request, store, request.path_params["id"], True, True)
        if not await in_thread(store.undelete, stored.id):
            raise WebError("回收站中没有这份报告", status=404)
        await in_thread(audit.record, store, "undelete", request, report_id=stored.id, agency=stored.agency)
        return RedirectResponse("/trash", status_code=303)

    async def history(request: Request) -> Response:
        report_id = request.path_params["id"]
        stored = await in_thread(report_for, request, store, report_id)
        rows = await in_thread(store.revisions, report_id)
        return page(request, "revisions.html", {"stored": stored, "revisions": rows})

    async def revision(request: Request) -> Response:
        report_id, number = request.path_params["id"], request.path_params["number"]
        stored, found = await in_thread(_revision_of, request, service, report_id, number)
        return page(request, "revision.html", revision_context(stored, found))

    async def revision_yaml(request: Request) -> Response:
        report_id, number = request.path_params["id"], request.path_params["number"]
        stored, found = await in_thread(_revision_of, request, service, report_id, number)
        return page(request, "revision_yaml.html", {"stored": stored, "revision": found})

    async def restore(request: Request) -> Response:
        await checked_form(request)
        report_id, number = request.path_params["id"], request.path_params["number"]
        stored = await in_thread(report_for, request, store, report_id, True)
        new_number = await in_thread(service.restore, report_id, number, author(request))
        await in_thread(audit.record, store, "restore", request, report_id=report_id, agency=stored.agency, detail={"from": number, "revision": new_number})
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    async def download(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        stored = await in_thread(report_for, request, store, request.path_params["id"])
        data, name = await in_thread(service.download, stored.id, fmt)
        await in_thread(audit.record, store, "export", request, report_id=stored.id, agency=stored.agency, detail={"format": fmt})
        ascii_name = f"report-{request.path_params['id']}.{fmt}"
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        return Response(data, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    # -- errors: a Chinese page, never a stack trace ----------------------------------------------------
    async def web_error(request: Request, exc: WebError) -> Response:
        if request.headers.get("hx-request"):
            text = exc.message + "".join(f"\n{p.where}：{p.what}" if p.where else f"\n{p.what}" for p in exc.problems)
            return PlainTextResponse(text, status_code=exc.status)
        return page(request, "message.html", {"title": exc.message, "problems": exc.problems}, status=exc.status)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        titles = {404: "没有这个页面", 405: "不支持这种请求", 413: "提交的内容过大", 400: "请求无法处理"}
        title = titles.get(exc.status_code, "请求无法处理")
        if exc.status_code == 400 and "part" in str(exc.detail).lower():
            title = f"提交的内容过大（每项文字上限 {MAX_FORM_FIELD // 1024} KB）"
        return page(request, "message.html", {"title": title, "problems": []}, status=exc.status_code)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("docgen serve: internal error")
        body = "<!doctype html><meta charset=utf-8><title>内部错误</title><p>docgen 内部错误，本次操作未完成。请把操作步骤反馈给维护人员。"
        headers = SECURITY_HEADERS + ([CSP_HEADER] if portal else [])
        return HTMLResponse(body, status_code=500, headers={k.decode(): v.decode() for k, v in headers})

    routes = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/favicon.ico", favicon),
        Route("/trash", trash),
        Route("/reports", new, methods=["POST"]),
        Route("/import", import_, methods=["POST"]),
        Route("/reports/{id:int}", editor),
        Route("/reports/{id:int}/save", save, methods=["POST"]),
        Route("/reports/{id:int}/previous", set_previous, methods=["POST"]),
        Route("/reports/{id:int}/rollover", rollover, methods=["POST"]),
        Route("/reports/{id:int}/delete", delete, methods=["POST"]),
        Route("/reports/{id:int}/undelete", undelete, methods=["POST"]),
        Route("/reports/{id:int}/revisions", history),
        Route("/reports/{id:int}/revisions/{number:int}", revision),
        Route("/reports/{id:int}/revisions/{number:int}/yaml", revision_yaml),
        Route("/reports/{id:int}/revisions/{number:int}/restore", restore, methods=["POST"]),
        Route("/reports/{id:int}/download/{fmt:str}", download),
        Mount("/static", app=CachedStatic(directory=HERE / "static"), name="static"),
    ]
    if portal:
        from . import routes_admin, routes_auth, routes_rollup

        routes += routes_auth.routes()
        routes += routes_admin.routes()
        routes += routes_rollup.routes()
        routes += __import__("docgen.web.routes_portal", fromlist=["routes"]).routes()  # agencies, accounts, dashboard, workflow
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)] if allowed_hosts else []
    middleware.append(Middleware(SecurityHeaders, portal=portal, tls=behind_proxy or tls))
    if portal:
        middleware.append(Middleware(PortalGate, accounts=accounts))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={WebError: web_error, HTTPException: http_error, Exception: server_error},
        max_body_size=MAX_BODY,
    )
    app.state.store = store
    app.state.service = service
    app.state.accounts = accounts
    app.state.templates = templates
    app.state.portal = portal
    app.state.secure_cookies = behind_proxy or tls
    return app


# -- static files: named by their content, so the browser keeps them without asking again ------------
@cache
def static_url(name: str) -> str:
    """``/static/<name>?v=<content hash>``: a changed file gets a new address."""
    digest = hashlib.sha256((HERE / "static" / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


class CachedStatic(StaticFiles):
    """The package's scripts and styles; an address with ?v= (static_url) never changes content,
    so it is cached for a year without revalidation (one request fewer per file and page)."""

    def file_response(self, full_path, stat_result, scope, status_code=200):
        response = super().file_response(full_path, stat_result, scope, status_code)
        if b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def render(request: Request, name: str, context: dict | None = None, status: int = 200) -> Response:
    """A page from the templates, with the CSRF token, the user and whether this is the portal."""
    from .auth import current_user

    context = dict(context or {})
    context["csrf"] = csrf_token(request)
    context.setdefault("user", current_user(request))
    context.setdefault("portal", bool(getattr(request.app.state, "portal", False)))
    response = request.app.state.templates.TemplateResponse(request, name, context, status_code=status)
    remember_csrf(request, response)
    return response


# -- CSRF: a random token in a SameSite cookie, echoed by every form and htmx request ----------------
def csrf_token(request: Request) -> str:
    """The token forms and htmx send back: the session's own in the portal, else the cookie's."""
    session_token = request.scope.get("state", {}).get("csrf")
    if session_token:
        return session_token
    token = request.cookies.get(CSRF_COOKIE, "")
    if not _valid_token(token):
        token = getattr(request.state, "new_csrf", "") or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def remember_csrf(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_csrf", "")
    if token:
        secure = bool(getattr(request.app.state, "secure_cookies", False))
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=10 * 365 * 86400, secure=secure)


def _valid_token(token: str) -> bool:
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)


async def checked_form(request: Request, files: bool = False):
    """The request's form, after the CSRF check (same-origin; the token is the session's in the
    portal, the cookie's in the local mode); 403 otherwise."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise WebError("拒绝跨站提交（请从本系统的页面操作）", status=403)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not files and content_type == "application/x-www-form-urlencoded":
        form = await _urlencoded(request)  # every keystroke's save: the quick parser
    else:
        try:
            form = await request.form(max_files=1 if files else 0, max_fields=MAX_FIELDS, max_part_size=MAX_FORM_FIELD)
        except HTTPException:
            raise
        except Exception:
            raise WebError("提交的内容无法读取（格式不对或过大）") from None
    expected = request.scope.get("state", {}).get("csrf") or request.cookies.get(CSRF_COOKIE, "")  # the session's token in the portal
    sent = request.headers.get(CSRF_HEADER) or str(form.get(CSRF_FIELD, ""))
    if not (_valid_token(expected) and hmac.compare_digest(expected.encode(), sent.encode())):
        raise WebError("页面已过期或请求来源不明（缺少安全令牌），请刷新页面后重试", status=403)
    return form


async def _urlencoded(request: Request) -> Fields:
    """A urlencoded form (what the editor sends on every change), read by the standard library's
    parser — several times faster than the multipart parser for the editor's ~200 fields — with
    the same limits: at most MAX_FIELDS fields, each at most MAX_FORM_FIELD bytes."""
    body = await request.body()
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise WebError("提交的内容无法读取（格式不对或过大）") from None
    for _, value in pairs:
        if len(value) > MAX_FORM_FIELD // 4 and len(value.encode("utf-8")) > MAX_FORM_FIELD:
            raise WebError(f"提交的内容过大（每项文字上限 {MAX_FORM_FIELD // 1024} KB）")
    return Fields(pairs)


class Fields(dict):
    """A urlencoded form: the last value of each name (what the editor's fields need), and with
    ``getlist`` every value of a repeated name (checkboxes), as Starlette's FormData has it."""

    def __init__(self, pairs: list[tuple[str, str]]):
        super().__init__(pairs)
        self._pairs = pairs

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._pairs if k == key]


# -- the editor ------------------------------------------------------------------------------------------
def document_context(report, marks: dict[str, str] | None = None, readonly: bool = False, changed: frozenset[str] = frozenset(), current: dict[str, str] | None = None,
                     drill: str | None = None, returned: dict[str, str] | None = None) -> dict:
    """What _document.html draws for a report: its fields, and the official tables (gridhtml)
    with their values, totals and marks."""
    from ..editions.grid import grids
    from .gridhtml import tables_html

    values = formdoc.values(report)
    totals = totals_of(report)
    marks = marks or {}
    html = tables_html(report, values, totals, marks, readonly, changed, current, drill, returned)
    return {
        "report": report,
        "values": values,
        "totals": totals,
        "tables": [{"caption": g.caption, "html": h} for g, h in zip(grids(report.spec), html)],
        "sections": report.overview.sections,
        "overview_limit": report.spec.overview_limit,
        "readonly": readonly,
        "marks": marks,
        "changed": changed,
        "current": current or {},
        "drill": drill,  # a 汇总: its figures are links to their drill-down
        "returned": returned or {},
    }


def editor_context(checked: Checked, others: list, wf: dict | None = None) -> dict:
    """The editor's page; ``wf``: the portal's workflow view (workflow.view), None in the local mode."""
    report = checked.report
    candidates = sorted(others, key=lambda r: (r.agency != report.agency, r.year != report.year - 1, -r.year))
    return {
        **document_context(report, checked.marks, bool(wf and wf["readonly"]), drill=f"/reports/{checked.stored.id}/drill/" if checked.rollup else None,
                           returned=wf["returned"] if wf else None),
        "wf": wf,
        "checked": checked,
        "stored": checked.stored,
        "messages": checked.messages,
        "formats": FORMATS,
        "pdf_ready": _pdf_ready(),
        "candidates": candidates[:100],
    }


def _revision_of(request: Request, service: Service, report_id: int, number: int):
    from .auth import report_for

    stored = report_for(request, service, report_id)
    found = service.store.revision(report_id, number)
    if found is None:
        raise WebError(f"没有第 {number} 版", status=404)
    return stored, found


def revision_context(stored, found) -> dict:
    """An earlier revision drawn read-only in the official grid, with every cell and text field
    that differs from the current version marked (``data-changed``) and listed."""
    from .labels import label_of
    from .service import loaded_of

    old = loaded_of(found.content).report
    now = loaded_of(stored.content).report
    current = {**formdoc.values(now), **totals_of(now)}
    before = {**formdoc.values(old), **totals_of(old)}
    changed = formdoc.changed(before, current)
    context = document_context(old, readonly=True, changed=frozenset(changed), current=current)
    changes = [(path, label_of(old.spec, path), before.get(path, ""), current.get(path, "")) for path in changed if path not in context["totals"]]
    context.update(
        stored=stored,
        revision=found,
        changes=changes,
        same_edition=old.edition == now.edition,
    )
    return context


def totals_of(report) -> dict[str, str]:
    from ..editions.grid import grids, value_at
    from ..report.model import format_value

    return {c.path: format_value(value_at(report, c.path)) for g in grids(report.spec) for c in g.cells if c.kind == "total"}


def result_of(checked: Checked) -> dict:
    marks = checked.marks
    return {
        "revision": checked.revision,
        "errors": sorted(p for p, level in marks.items() if level == "error"),
        "warnings": sorted(p for p, level in marks.items() if level == "warning"),
        "totals": totals_of(checked.report),
        "status": checked.status,
        "saved": dt.datetime.now().strftime("%H:%M:%S"),
    }


def _pdf_ready() -> bool:
    from ..office import find_soffice

    return find_soffice() is not None
