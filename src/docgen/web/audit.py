"""The portal's audit trail: who did what, when, from which address.

Events are only ever added (there is no web route that edits or deletes them); the 管理员 views
them on /audit with filters and exports them as .csv or .xlsx. Nothing deletes events: the trail
is kept for good (the issue asks for at least six months).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, insert, or_, select

from .portaldb import audit_events

# The actions (names are stable: B and C record them too) and how the page shows them.
ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "locked": "账号锁定",
    "password_change": "修改密码",
    "change": "修改报告",
    "submit": "提交",
    "return": "退回",
    "approve": "审核通过",
    "export": "导出/下载",
    "rollup": "汇总",
    "import": "导入",
    "user_add": "新建账号",
    "user_update": "修改账号",
    "agency_add": "新建机关",
    "agency_update": "修改机关",
    "restore": "恢复版本",
    "delete": "删除报告",
    "backup": "备份",
    "new": "新建报告",
    "undelete": "从回收站恢复",
    "rollover": "生成下年度草稿",
}
PAGE_SIZE = 100


@dataclass
class Event:
    id: int
    at: dt.datetime
    username: str
    address: str
    action: str
    report_id: int | None
    agency: str
    detail: str

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def details(self) -> dict:
        try:
            value = json.loads(self.detail) if self.detail else {}
        except ValueError:
            return {"text": self.detail}
        return value if isinstance(value, dict) else {"value": value}

    def detail_text(self, limit: int = 0) -> str:
        """The detail in words: cells as “path：before → after”, other keys as “key：value”."""
        parts = []
        d = self.details
        for path, pair in (d.get("cells") or {}).items():
            parts.append(f"{path}：{_shown(pair[0])} → {_shown(pair[1])}")
        for path, pair in (d.get("fields") or {}).items():
            parts.append(f"{path}（文字）：“{_shown(pair[0], limit)}” → “{_shown(pair[1], limit)}”")
        for key, value in d.items():
            if key not in ("cells", "fields"):
                parts.append(f"{key}：{value}")
        return "；".join(parts)


def _shown(value, limit: int = 0) -> str:
    text = "" if value is None else str(value)
    return text[:limit] + "…" if limit and len(text) > limit else text


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def record(store, action: str, request_or_user=None, *, report_id: int | None = None, agency: str = "",
           detail: dict | None = None, username: str | None = None, address: str | None = None) -> None:
    """Add an event. ``request_or_user`` is a Starlette request (its user and client address; in
    the single-user local mode nothing is recorded), an auth.User / accounts.Account, or a name."""
    values = event_values(action, request_or_user, report_id=report_id, agency=agency, detail=detail, username=username, address=address)
    if values is not None:
        with store.writing() as conn:
            add(conn, values)


def add(conn, values: dict) -> None:
    """Insert an event (``event_values``) inside the caller's transaction."""
    conn.execute(insert(audit_events).values(**values))


def event_values(action: str, request_or_user=None, *, report_id: int | None = None, agency: str = "",
                 detail: dict | None = None, username: str | None = None, address: str | None = None) -> dict | None:
    """The row of an event (see ``record``); None for a request of the single-user local mode."""
    name, where = "", ""
    if request_or_user is not None and hasattr(request_or_user, "scope"):  # a request
        app = request_or_user.scope.get("app")
        if app is not None and not getattr(app.state, "portal", False):
            return None
        user = request_or_user.scope.get("state", {}).get("user")
        name = user.username if user is not None else ""
        client = request_or_user.client
        where = client.host if client else ""
    elif isinstance(request_or_user, str):
        name = request_or_user
    elif request_or_user is not None:
        name = request_or_user.username
    return dict(
        at=_now(), username=(username if username is not None else name)[:64], address=(address if address is not None else where)[:64],
        action=action[:32], report_id=report_id, agency=(agency or "")[:200],
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else "",
    )


@dataclass
class Filters:
    user: str = ""
    action: str = ""
    report: str = ""  # a report number, or part of an agency name
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def of(cls, params) -> Filters:
        def day(text: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat((text or "").strip()[:10])
            except ValueError:
                return None

        action = (params.get("action") or "").strip()
        return cls(
            user=(params.get("user") or "").strip()[:64],
            action=action if action in ACTIONS else "",
            report=(params.get("report") or "").strip()[:200],
            since=day(params.get("since", "")),
            until=day(params.get("until", "")),
        )

    def where(self) -> list:
        c = audit_events.c
        out = []
        if self.user:
            out.append(c.username == self.user)
        if self.action:
            out.append(c.action == self.action)
        if self.report:
            text = self.report.lstrip("#")
            agency = c.agency.contains(self.report, autoescape=True)
            out.append(or_(c.report_id == int(text), agency) if text.isdigit() and len(text) < 10 else agency)
        if self.since:
            out.append(c.at >= dt.datetime.combine(self.since, dt.time()))
        if self.until:
            out.append(c.at < dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time()))
        return out

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for the paging and export links)."""
        out = {"user": self.user, "action": self.action, "report": self.report,
               "since": self.since.isoformat() if self.since else "", "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in out.items() if v}


def events(store, filters: Filters, page: int = 1, size: int = PAGE_SIZE) -> tuple[list[Event], int]:
    """One page of events (newest first) and how many match."""
    c = audit_events.c
    where = filters.where()
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(audit_events).where(*where)).scalar_one()
        query = select(audit_events).where(*where).order_by(c.at.desc(), c.id.desc())
        if size:
            query = query.offset(max(page - 1, 0) * size).limit(size)
        rows = [Event(**row._mapping) for row in conn.execute(query)]
    return rows, total


def usernames(store) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(audit_events.c.username).distinct().order_by(audit_events.c.username)).scalars())


COLUMNS = ("时间", "用户", "地址", "操作", "报告编号", "机关", "详情")


def rows_of(items: list[Event]) -> list[list]:
    return [[e.at.strftime("%Y-%m-%d %H:%M:%S"), e.username, e.address, e.action_label, e.report_id or "", e.agency, e.detail_text()] for e in items]


def to_csv(items: list[Event]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel and WPS open the Chinese text correctly."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows_of(items):
        writer.writerow([_csv_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_safe(value):
    """A cell that a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_xlsx(items: list[Event]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "审计记录"
    sheet.append(list(COLUMNS))
    for row in rows_of(items):
        sheet.append([_csv_safe(v) for v in row])
    for letter, width in zip("ABCDEFG", (20, 16, 16, 14, 10, 30, 80)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
