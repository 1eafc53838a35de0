"""The portal's 汇总 pages: make a 汇总 (管理员), see it and download it (管理员, 审核人), and drill
down from any of its figures to the agencies that make it up."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from . import audit, countyrollup, drilldown, rollupexport
from .app import checked_form, render
from .auth import author, report_for, require
from .portaldb import ADMIN, REVIEWER
from .service import MEDIA, WebError

ZIP = "application/zip"
ZIP_FORMATS = ("docx-xlsx", "docx-xlsx-pdf")  # /rollups/{id}/zip/...: without and with the PDFs


def _disposition(name: str, fallback: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"}


def _year(text: str) -> int:
    text = (text or "").strip()
    if not (text.isdigit() and len(text) == 4 and 2008 <= int(text) <= 2100):
        raise WebError(f"报告年度应为四位年份（如 2025），实际为“{text[:20]}”")
    return int(text)


async def rollups(request: Request) -> Response:
    """Every agency a 汇总 can be made for, with the 汇总 reports made so far."""
    require(request, ADMIN, REVIEWER)
    store = request.app.state.store
    members = await run_in_threadpool(countyrollup.aggregators, store)
    made = await run_in_threadpool(countyrollup.made, store)
    year = dt.date.today().year - 1
    return render(request, "rollups.html", {"members": members, "made": made, "year": year})


async def make(request: Request) -> Response:
    """One click: sum the approved reports of the agency's children for the year."""
    require(request, ADMIN)
    form = await checked_form(request)
    text = str(form.get("agency", "")).strip()
    if not text.isdigit() or len(text) > 9:
        raise WebError("请选择要汇总的机关（县、市或省）")
    year = _year(str(form.get("year", "")))
    store = request.app.state.store
    outcome = await run_in_threadpool(countyrollup.roll_up, store, int(text), year, author(request))
    stored = await run_in_threadpool(store.get, outcome.report_id)
    detail = {
        "year": year, "revision": outcome.revision, "parts": len(outcome.parts), "outstanding": len(outcome.outstanding),
        "summary": outcome.summary,
    }
    await run_in_threadpool(audit.record, store, "rollup", request, report_id=outcome.report_id, agency=stored.agency, detail=detail)
    return RedirectResponse(f"/rollups/{outcome.report_id}", status_code=303)


async def result(request: Request) -> Response:
    require(request, ADMIN, REVIEWER)
    store = request.app.state.store
    stored = await run_in_threadpool(report_for, request, store, request.path_params["id"])
    shown = await run_in_threadpool(countyrollup.view, store, stored.id)
    return render(request, "rollup.html", {"view": shown, "stored": stored, "pdf_ready": _pdf_ready()})


async def workbook(request: Request) -> Response:
    require(request, ADMIN, REVIEWER)
    store = request.app.state.store
    stored = await run_in_threadpool(report_for, request, store, request.path_params["id"])
    data, name = await run_in_threadpool(rollupexport.workbook, store, stored.id)
    await run_in_threadpool(audit.record, store, "export", request, report_id=stored.id, agency=stored.agency, detail={"format": "汇总工作簿"})
    return Response(data, media_type=MEDIA["xlsx"], headers=_disposition(name, f"rollup-{stored.id}.xlsx"))


async def parts_zip(request: Request) -> Response:
    """The zip of every included agency's files, built in a temporary folder and streamed."""
    require(request, ADMIN, REVIEWER)
    store = request.app.state.store
    stored = await run_in_threadpool(report_for, request, store, request.path_params["id"])
    formats = request.path_params["formats"]
    if formats not in ZIP_FORMATS:
        raise WebError("没有这个页面", status=404)
    pdf = formats == ZIP_FORMATS[1]
    work = Path(tempfile.mkdtemp(prefix="docgen-zip-"))
    try:
        path, name, _ = await run_in_threadpool(rollupexport.parts_zip, store, stored.id, work, pdf)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    detail = {"format": "zip（docx、xlsx" + ("、pdf）" if pdf and _pdf_ready() else "）")}
    await run_in_threadpool(audit.record, store, "export", request, report_id=stored.id, agency=stored.agency, detail=detail)
    return FileResponse(
        path, media_type=ZIP, headers=_disposition(name, f"rollup-{stored.id}-parts.zip"),
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )


async def drill(request: Request) -> Response:
    require(request, ADMIN, REVIEWER)
    store = request.app.state.store
    stored = await run_in_threadpool(report_for, request, store, request.path_params["id"])
    found = await run_in_threadpool(drilldown.drill, store, stored.id, request.path_params["cell"][:200])
    return render(request, "drill.html", {"drill": found, "stored": stored})


def _pdf_ready() -> bool:
    from ..office import find_soffice

    return find_soffice() is not None


def routes() -> list[Route]:
    return [
        Route("/rollups", rollups, methods=["GET"]),
        Route("/rollups", make, methods=["POST"]),
        Route("/rollups/{id:int}", result),
        Route("/rollups/{id:int}/workbook", workbook),
        Route("/rollups/{id:int}/zip/{formats:str}", parts_zip),
        Route("/reports/{id:int}/drill/{cell:str}", drill),
    ]
