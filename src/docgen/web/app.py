"""The Starlette application of `docgen serve`: routes, CSRF, limits, error pages.

Pages are Jinja2 templates (autoescaped); the editor saves through htmx and gets back the
findings list (HTML) and, in an ``HX-Trigger`` header, which cells to mark and the totals —
the input elements themselves are never replaced, so focus, caret and IME stay put.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import secrets
import time
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit

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
from .store import Store

HERE = Path(__file__).parent
CSRF_COOKIE = "docgen_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_FIELD = 512 * 1024  # one narrative field
MAX_BODY = MAX_IMPORT_BYTES + 1024 * 1024
log = logging.getLogger("docgen.web")


def create_app(store: Store, allowed_hosts: list[str] | None = None) -> Starlette:
    """The application; ``allowed_hosts`` (names the Host header may carry) guards a server on
    127.0.0.1 against DNS rebinding — a web page elsewhere reading the reports through it."""
    service = Service(store)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals["editions"] = editions.EDITIONS
    templates = Jinja2Templates(env=env)

    def page(request: Request, name: str, context: dict | None = None, status: int = 200) -> Response:
        context = dict(context or {})
        context["csrf"] = csrf_token(request)
        response = templates.TemplateResponse(request, name, context, status_code=status)
        remember_csrf(request, response)
        return response

    def author(request: Request) -> str:
        return f"本机用户（{request.client.host}）" if request.client else "本机用户"

    # -- list, new, import ------------------------------------------------------------------
    async def index(request: Request) -> Response:
        rows = await run_in_threadpool(store.list)
        return page(request, "index.html", {"reports": rows, "this_year": dt.date.today().year - 1})

    async def trash(request: Request) -> Response:
        rows = await run_in_threadpool(store.list, True)
        return page(request, "trash.html", {"reports": rows})

    async def new(request: Request) -> Response:
        form = await checked_form(request)
        report_id = await run_in_threadpool(service.new, form.get("agency", ""), form.get("year", ""), author(request))
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    async def import_(request: Request) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            raise WebError(f"上传的文件过大（上限 {MAX_IMPORT_BYTES // 1024 // 1024} MB）", status=413)
        form = await checked_form(request, files=True)
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise WebError("请选择要导入的报告文件（PDF、Word、工作簿、网页或文本）")
        data = await upload.read(MAX_IMPORT_BYTES + 1)
        report_id, notes = await run_in_threadpool(service.import_upload, upload.filename, data, author(request))
        return page(request, "imported.html", {"report_id": report_id, "name": upload.filename, "notes": notes})

    # -- one report ----------------------------------------------------------------------------
    async def editor(request: Request) -> Response:
        report_id = request.path_params["id"]
        started = time.perf_counter()
        checked = await run_in_threadpool(service.checked, report_id)
        others = [r for r in await run_in_threadpool(store.list) if r.id != report_id]
        response = page(request, "editor.html", editor_context(checked, others))
        response.headers["Server-Timing"] = f"editor;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response

    async def save(request: Request) -> Response:
        form = await checked_form(request)
        fields = {k: v for k, v in form.items() if k != CSRF_FIELD and isinstance(v, str)}
        started = time.perf_counter()
        checked = await run_in_threadpool(service.save, request.path_params["id"], fields, author(request))
        elapsed = (time.perf_counter() - started) * 1000
        response = page(request, "_findings.html", {"messages": checked.messages})
        response.headers["HX-Trigger"] = json.dumps({"docgen:checked": result_of(checked)}, ensure_ascii=True)
        response.headers["Server-Timing"] = f"save;dur={elapsed:.2f}"  # read, check and store (bench/web.py)
        return response

    async def set_previous(request: Request) -> Response:
        form = await checked_form(request)
        text = str(form.get("previous", "")).strip()
        previous = int(text) if text.isdigit() else None
        await run_in_threadpool(service.set_previous, request.path_params["id"], previous)
        return RedirectResponse(f"/reports/{request.path_params['id']}", status_code=303)

    async def rollover(request: Request) -> Response:
        await checked_form(request)
        new_id, _ = await run_in_threadpool(service.rollover, request.path_params["id"], author(request))
        return RedirectResponse(f"/reports/{new_id}", status_code=303)

    async def delete(request: Request) -> Response:
        await checked_form(request)
        if not await run_in_threadpool(store.delete, request.path_params["id"]):
            raise WebError("没有这份报告", status=404)
        return RedirectResponse("/", status_code=303)

    async def undelete(request: Request) -> Response:
        await checked_form(request)
        if not await run_in_threadpool(store.undelete, request.path_params["id"]):
            raise WebError("回收站中没有这份报告", status=404)
        return RedirectResponse("/trash", status_code=303)

    async def history(request: Request) -> Response:
        report_id = request.path_params["id"]
        stored = await run_in_threadpool(service.stored, report_id)
        rows = await run_in_threadpool(store.revisions, report_id)
        return page(request, "revisions.html", {"stored": stored, "revisions": rows})

    async def revision(request: Request) -> Response:
        report_id, number = request.path_params["id"], request.path_params["number"]
        stored, found = await run_in_threadpool(_revision_of, service, report_id, number)
        return page(request, "revision.html", revision_context(stored, found))

    async def revision_yaml(request: Request) -> Response:
        report_id, number = request.path_params["id"], request.path_params["number"]
        stored, found = await run_in_threadpool(_revision_of, service, report_id, number)
        return page(request, "revision_yaml.html", {"stored": stored, "revision": found})

    async def restore(request: Request) -> Response:
        await checked_form(request)
        report_id = request.path_params["id"]
        await run_in_threadpool(service.restore, report_id, request.path_params["number"], author(request))
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    async def download(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        data, name = await run_in_threadpool(service.download, request.path_params["id"], fmt)
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
        return HTMLResponse(body, status_code=500)

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
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)] if allowed_hosts else []
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={WebError: web_error, HTTPException: http_error, Exception: server_error},
        max_body_size=MAX_BODY,
    )
    app.state.store = store
    app.state.service = service
    return app


# -- CSRF: a random token in a SameSite cookie, echoed by every form and htmx request ----------------
def csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE, "")
    if not _valid_token(token):
        token = getattr(request.state, "new_csrf", "") or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def remember_csrf(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_csrf", "")
    if token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=10 * 365 * 86400)


def _valid_token(token: str) -> bool:
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)


async def checked_form(request: Request, files: bool = False):
    """The request's form, after the CSRF check (same-origin, token = cookie); 403 otherwise."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise WebError("拒绝跨站提交（请从本系统的页面操作）", status=403)
    try:
        form = await request.form(max_files=1 if files else 0, max_fields=2000, max_part_size=MAX_FORM_FIELD)
    except HTTPException:
        raise
    except Exception:
        raise WebError("提交的内容无法读取（格式不对或过大）") from None
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER) or str(form.get(CSRF_FIELD, ""))
    if not (_valid_token(cookie) and hmac.compare_digest(cookie, sent)):
        raise WebError("页面已过期或请求来源不明（缺少安全令牌），请刷新页面后重试", status=403)
    return form


# -- the editor ------------------------------------------------------------------------------------------
def document_context(report) -> dict:
    """What _document.html draws for a report: its fields, the grids and their totals."""
    from ..editions.grid import grids

    tables = []
    for g in grids(report.spec):
        rows: list[list] = [[] for _ in range(g.rows)]
        for cell in g.cells:
            rows[cell.row].append(cell)
        tables.append({"grid": g, "rows": [sorted(r, key=lambda c: c.col) for r in rows]})
    return {
        "report": report,
        "values": formdoc.values(report),
        "totals": totals_of(report),
        "labels": labels_of(report.spec),
        "tables": tables,
        "sections": report.overview.sections,
        "overview_limit": report.spec.overview_limit,
        "readonly": False,
        "marks": {},
        "changed": frozenset(),
        "current": {},
    }


def editor_context(checked: Checked, others: list) -> dict:
    report = checked.report
    candidates = sorted(others, key=lambda r: (r.agency != report.agency, r.year != report.year - 1, -r.year))
    return {
        **document_context(report),
        "checked": checked,
        "stored": checked.stored,
        "marks": checked.marks,
        "messages": checked.messages,
        "formats": FORMATS,
        "pdf_ready": _pdf_ready(),
        "candidates": candidates[:100],
        "drill": f"/reports/{checked.stored.id}/drill/" if checked.rollup else None,  # a 汇总: figures lead to their parts
    }


def _revision_of(service: Service, report_id: int, number: int):
    stored = service.stored(report_id)
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
    context = document_context(old)
    current = {**formdoc.values(now), **totals_of(now)}
    before = {**context["values"], **context["totals"]}
    changed = formdoc.changed(before, current)
    changes = [(path, label_of(old.spec, path), before.get(path, ""), current.get(path, "")) for path in changed if path not in context["totals"]]
    context.update(
        stored=stored,
        revision=found,
        readonly=True,
        changed=frozenset(changed),
        current=current,
        changes=changes,
        same_edition=old.edition == now.edition,
    )
    return context


@cache
def _labels(edition_id: int) -> dict[str, str]:
    from ..editions.grid import grids
    from .labels import label_of

    spec = editions.get(edition_id)
    return {c.path: label_of(spec, c.path) for g in grids(spec) for c in g.cells if c.kind == "input"}


def labels_of(spec) -> dict[str, str]:
    """Each input cell's official label path, its accessible name (screen readers, keyboard users)."""
    return _labels(spec.id)


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
