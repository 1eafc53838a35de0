"""Accounts for many agencies in one action: a 填报人 per agency (and, when asked, a 审核人), each
with a one-time password that must be changed at first login. The passwords exist only in the
answer to that action (the printable slips and the .xlsx/.csv made from them); the database keeps
their hashes.

Usernames are derived from the agency's code, its number in the portal: tb0012 is the 填报人
(填报) of agency 12, sh0012 its 审核人 (审核). They are stable (the same agency always gets the same
name), short, and typed easily on any keyboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select

from .accounts import one_time_password  # the accounts page's own: 12 letters and digits, no look-alikes
from .portaldb import CLERK, REVIEWER, agencies, users
from .service import WebError
from .store import Store, now

PREFIX = {CLERK: "tb", REVIEWER: "sh"}
MAX_AGENCIES = 20000
HEADER = ("机关", "角色", "登录地址", "用户名", "一次性密码")


def agency_code(agency_id: int) -> str:
    """The agency's code: its number in the portal, four digits at least (0012)."""
    return f"{agency_id:04d}"


def username_for(agency_id: int, role: str) -> str:
    return PREFIX[role] + agency_code(agency_id)


@dataclass(frozen=True)
class Slip:
    agency: str
    role: str
    username: str
    password: str


@dataclass
class Created:
    slips: list[Slip]
    skipped: list[str]  # "tb0012（某某局）已有账号"


def create(store: Store, agency_ids: Iterable[int], hasher: Callable[[str], str], reviewer: bool = False) -> Created:
    """A 填报人 (and a 审核人 when ``reviewer``) for each agency that has none of that name yet,
    all in one transaction. ``hasher`` turns a password into what users.password_hash keeps."""
    wanted = sorted(set(int(i) for i in agency_ids))
    if not wanted:
        raise WebError("请至少选择一个机关")
    if len(wanted) > MAX_AGENCIES:
        raise WebError(f"一次最多为 {MAX_AGENCIES} 个机关建立账号")
    roles = (CLERK, REVIEWER) if reviewer else (CLERK,)
    a, u = agencies.c, users.c
    with store.engine.connect() as conn:
        names = dict(conn.execute(select(a.id, a.name).where(a.id.in_(wanted))).all())
        taken = set(conn.execute(select(u.username).where(u.username.in_([username_for(i, r) for i in wanted for r in roles]))).scalars())
    unknown = [i for i in wanted if i not in names]
    if unknown:
        raise WebError(f"所选机关中有 {len(unknown)} 个已不存在（可能已被修改），请刷新页面后重试")
    todo = [(i, r) for i in wanted for r in roles if username_for(i, r) not in taken]
    slips = [Slip(names[i], r, username_for(i, r), one_time_password()) for i, r in todo]
    hashes = [hasher(s.password) for s in slips]  # slow on purpose (argon2): outside the transaction
    stamp = now()
    with store.writing() as conn:
        # made meanwhile by someone else: leave those alone
        again = set(conn.execute(select(u.username).where(u.username.in_([s.username for s in slips]))).scalars()) if slips else set()
        rows = [
            {
                "username": s.username, "display_name": f"{s.agency}{s.role}", "role": s.role, "agency_id": i,
                "password_hash": h, "must_change": True, "failed_logins": 0, "disabled": False, "created_at": stamp,
            }
            for (i, _), s, h in zip(todo, slips, hashes) if s.username not in again
        ]
        if rows:
            conn.execute(insert(users), rows)
    made = {r["username"] for r in rows}
    skipped = [f"{username_for(i, r)}（{names[i]}）已有账号，未重新建立" for i in wanted for r in roles if username_for(i, r) not in made]
    return Created([s for s in slips if s.username in made], skipped)


def without_accounts(store: Store) -> set[int]:
    """The agencies that have no 填报人 yet (preselected on the page)."""
    a, u = agencies.c, users.c
    with store.engine.connect() as conn:
        every = set(conn.execute(select(a.id)).scalars())
        having = set(conn.execute(select(u.agency_id).where(u.role == CLERK, u.agency_id.is_not(None))).scalars())
    return every - having


def still_one_time(store: Store, slips: list[Slip]) -> list[Slip]:
    """The slips whose account still waits for its first login (the export of a page's slips:
    a password already changed is not worth exporting, and a made-up account is not exported)."""
    if not slips:
        return []
    u = users.c
    with store.engine.connect() as conn:
        waiting = set(conn.execute(select(u.username).where(u.username.in_([s.username for s in slips]), u.must_change.is_(True))).scalars())
    return [s for s in slips if s.username in waiting]


def export(slips: list[Slip], address: str, fmt: str) -> bytes:
    from .tabular import csv_bytes, xlsx_bytes

    rows = ([s.agency, s.role, address, s.username, s.password] for s in slips)
    if fmt == "csv":
        return csv_bytes(HEADER, rows)
    if fmt == "xlsx":
        return xlsx_bytes("一次性密码", HEADER, rows, widths=(36, 10, 32, 14, 16))
    raise WebError(f"不支持的导出格式“{fmt[:10]}”", status=404)
