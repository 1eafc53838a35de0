"""Accounts of the county portal (`docgen serve --portal`), without the web: users and their
agencies, passwords (argon2, the policy, one-time passwords), lockout after failed logins, and
sessions that end after 30 minutes idle.

A session cookie carries a random token; the database keeps only its sha256 (sessions.id), so a
copy of the database does not let anyone in. The clock is injectable (``Accounts.clock``), so
lockout and idle timeout are tested without waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update

from ..errors import DocgenError
from .portaldb import ADMIN, AGENCY, CLERK, ROLES, agencies, sessions, users

MIN_LENGTH = 8
MAX_LENGTH = 128
MAX_FAILED = 5  # failed logins in a row that lock the account...
LOCK_TIME = dt.timedelta(minutes=30)  # ...for this long
IDLE_TIME = dt.timedelta(minutes=30)  # a session unused this long has ended
TOUCH_EVERY = dt.timedelta(seconds=30)  # last_seen is written at most this often (saves stay cheap)
MAX_USERNAME = 64
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile


def use_hasher(hasher: PasswordHasher) -> None:
    """Tests use cheaper argon2 parameters (still argon2id); the server keeps the default."""
    global _hasher
    _hasher = hasher


class AccountError(DocgenError):
    """A refused account operation, with a Chinese message."""


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is refused (Chinese), or None: at least 8 characters, letters and digits."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符（现在 {len(password)} 个）"
    if len(password) > MAX_LENGTH:
        return f"密码最多 {MAX_LENGTH} 个字符"
    if not any(c.isascii() and c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        return "密码须同时包含字母和数字"
    if username and password.lower() == username.lower():
        return "密码不能与用户名相同"
    return None


def one_time_password() -> str:
    """A random 12-character password with letters and digits (shown once, changed at first login)."""
    while True:
        text = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        if password_problem(text) is None:
            return text


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: dict[str, str] = {}


def _dummy_verify(password: str) -> None:
    """An unknown user name costs the same time as a wrong password (no user enumeration)."""
    if "hash" not in _DUMMY:
        _DUMMY["hash"] = hash_password(secrets.token_hex(8) + "a1")
    verify_password(_DUMMY["hash"], password)


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_username(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AccountError("请填写用户名")
    if len(name) > MAX_USERNAME:
        raise AccountError(f"用户名过长（上限 {MAX_USERNAME} 个字符）")
    if not re.fullmatch(r"[\w.@-]+", name):
        raise AccountError(f"用户名“{name[:20]}”只能包含文字、字母、数字和 . _ - @，不能有空格")
    return name


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


@dataclass
class Account:
    id: int
    username: str
    display_name: str
    role: str
    agency_id: int | None
    agency_name: str
    must_change: bool
    failed_logins: int
    locked_until: dt.datetime | None
    disabled: bool
    created_at: dt.datetime
    password_changed_at: dt.datetime | None
    password_hash: str = ""

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def status(self, now: dt.datetime) -> str:
        """The account's state in words (the /users page and `docgen users list`)."""
        if self.disabled:
            return "已停用"
        if self.locked(now):
            return f"锁定至 {self.locked_until.strftime('%H:%M')}"
        if self.must_change:
            return "须修改初始密码"
        return "正常"


@dataclass
class Login:
    """What a login attempt came to: ok, bad (wrong name or password), locked (now or before), disabled."""

    outcome: str
    account: Account | None = None
    locked_now: bool = False


@dataclass
class Reset:
    """What a password reset did (``Accounts.reset``)."""

    account: Account  # as it was before
    password: str  # the new password (show it only when one_time)
    one_time: bool  # to be changed at the next login
    sessions_ended: int
    unlocked: bool  # it was locked
    enabled: bool  # it was disabled and is enabled again


@dataclass
class Session:
    id: str
    csrf: str
    account: Account


_ACCOUNT_COLUMNS = [c for c in users.c if c.name != "password_hash"]


class Accounts:
    def __init__(self, store, clock: Callable[[], dt.datetime] | None = None):
        self.store = store
        self.engine = store.engine
        self.clock = clock or _now

    def now(self) -> dt.datetime:
        return self.clock().replace(microsecond=0)

    # -- agencies --------------------------------------------------------------------------------
    def agency_id(self, name: str, create: bool = False) -> int | None:
        name = " ".join((name or "").split())
        if not name:
            return None
        with self.engine.connect() as conn:
            found = conn.execute(select(agencies.c.id).where(agencies.c.name == name)).scalar()
        if found is not None or not create:
            return found
        with self.store.writing() as conn:
            found = conn.execute(select(agencies.c.id).where(agencies.c.name == name)).scalar()
            if found is None:
                found = conn.execute(insert(agencies).values(name=name, level=AGENCY, created_at=self.now())).inserted_primary_key[0]
        return int(found)

    def agency_name(self, agency_id: int | None) -> str:
        if agency_id is None:
            return ""
        with self.engine.connect() as conn:
            return conn.execute(select(agencies.c.name).where(agencies.c.id == agency_id)).scalar() or ""

    # -- users -------------------------------------------------------------------------------------
    def _query(self, with_hash: bool = False):
        columns = list(users.c) if with_hash else _ACCOUNT_COLUMNS
        return select(*columns, func.coalesce(agencies.c.name, "").label("agency_name")).select_from(
            users.outerjoin(agencies, users.c.agency_id == agencies.c.id)
        )

    def get(self, user_id: int) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._query().where(users.c.id == user_id)).first()
        return Account(**row._mapping) if row else None

    def by_name(self, username: str, with_hash: bool = False) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._query(with_hash).where(users.c.username == username)).first()
        return Account(**row._mapping) if row else None

    def list(self) -> list[Account]:
        query = self._query().order_by(users.c.role, func.coalesce(agencies.c.name, ""), users.c.username)
        with self.engine.connect() as conn:
            return [Account(**row._mapping) for row in conn.execute(query)]

    def has_admin(self) -> bool:
        query = select(func.count()).select_from(users).where(users.c.role == ADMIN, users.c.disabled.is_(False))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one() > 0

    def add(self, username: str, role: str, password: str, agency: str = "", display_name: str = "",
            must_change: bool = False, create_agency: bool = True) -> Account:
        """A new account; refuses (AccountError, Chinese) an unknown role, a 填报人 without an
        agency, a taken name, a weak password. ``agency`` is created when missing (create_agency)."""
        username = clean_username(username)
        if role not in ROLES:
            raise AccountError(f"角色“{role[:20]}”不存在，应为 {'、'.join(ROLES)} 之一")
        agency = " ".join((agency or "").split())
        if role == CLERK and not agency:
            raise AccountError("填报人必须属于一个机关：请用 --agency 指定机关名称")
        problem = password_problem(password, username)
        if problem:
            raise AccountError(f"密码不符合要求：{problem}")
        if self.by_name(username) is not None:
            raise AccountError(f"用户名“{username}”已存在")
        agency_id = None
        if agency:
            agency_id = self.agency_id(agency, create=create_agency)
            if agency_id is None:
                raise AccountError(f"机关“{agency[:50]}”不存在")
        stamp = self.now()
        with self.store.writing() as conn:
            conn.execute(
                insert(users).values(
                    username=username, display_name=(display_name or "").strip()[:100], role=role, agency_id=agency_id,
                    password_hash=hash_password(password), must_change=must_change, failed_logins=0, disabled=False,
                    created_at=stamp, password_changed_at=None if must_change else stamp,
                )
            )
        return self.by_name(username)

    def _set(self, user_id: int, **values) -> None:
        with self.store.writing() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(**values))

    # -- logging in -------------------------------------------------------------------------------------
    def login(self, username: str, password: str) -> Login:
        """Check a name and password; count failures (the 5th locks the account for 30 minutes)."""
        account = self.by_name((username or "").strip()[:MAX_USERNAME], with_hash=True)
        now = self.now()
        if account is None:
            _dummy_verify(password or "")
            return Login("bad")
        if account.locked(now):
            return Login("locked", account)
        if not verify_password(account.password_hash, password or ""):
            failed = 1 if account.locked_until is not None else account.failed_logins + 1  # a lock that ran out starts afresh
            if failed >= MAX_FAILED:
                self._set(account.id, failed_logins=0, locked_until=now + LOCK_TIME)
                self.end_all(account.id)
                return Login("locked", account, locked_now=True)
            self._set(account.id, failed_logins=failed, locked_until=None)
            return Login("bad", account)
        if account.disabled:
            return Login("disabled", account)
        if account.failed_logins or account.locked_until is not None:
            self._set(account.id, failed_logins=0, locked_until=None)
        return Login("ok", self.get(account.id))

    def change_password(self, user_id: int, current: str, new: str, again: str) -> None:
        """The user's own change: the current password, the new one twice, the policy."""
        account = self.get(user_id)
        full = self.by_name(account.username, with_hash=True) if account else None
        if full is None:
            raise AccountError("账号不存在")
        if not verify_password(full.password_hash, current or ""):
            raise AccountError("当前密码不正确")
        if new != again:
            raise AccountError("两次输入的新密码不一致")
        problem = password_problem(new, full.username)
        if problem:
            raise AccountError(f"新密码不符合要求：{problem}")
        if verify_password(full.password_hash, new):
            raise AccountError("新密码不能与当前密码相同")
        self._set(user_id, password_hash=hash_password(new), must_change=False, password_changed_at=self.now())

    def reset_password(self, user_id: int) -> str:
        """A new one-time password (to be changed at the next login); ends the user's sessions."""
        return self.reset(user_id).password

    def reset(self, user_id: int, password: str | None = None, enable: bool = False) -> Reset:
        """Reset a password: a new one-time password (``password`` None; changed at the next
        login), or ``password`` (the policy applies; not one-time). Either way the lock and the
        failed logins are cleared and the user is logged out everywhere, in one transaction. A
        disabled account stays disabled unless ``enable``."""
        account = self.get(user_id)
        if account is None:
            raise AccountError("账号不存在")
        one_time = password is None
        if password is None:
            password = one_time_password()
        else:
            problem = password_problem(password, account.username)
            if problem:
                raise AccountError(f"密码不符合要求：{problem}")
        now = self.now()
        values = dict(password_hash=hash_password(password), must_change=one_time, failed_logins=0, locked_until=None)
        if not one_time:
            values["password_changed_at"] = now
        if enable:
            values["disabled"] = False
        with self.store.writing() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(**values))
            ended = _end_sessions(conn, user_id, now)
        return Reset(account, password, one_time, ended, unlocked=account.locked(now),
                     enabled=enable and account.disabled)

    def set_disabled(self, user_id: int, disabled: bool) -> None:
        self._set(user_id, disabled=disabled)
        if disabled:
            self.end_all(user_id)

    def unlock(self, user_id: int) -> None:
        self._set(user_id, failed_logins=0, locked_until=None)

    # -- sessions ---------------------------------------------------------------------------------------
    def open_session(self, user_id: int, address: str) -> tuple[str, Session]:
        """A new session: the cookie's token (returned once, never stored) and the session."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        stamp = self.now()
        with self.store.writing() as conn:
            conn.execute(
                insert(sessions).values(id=token_id(token), user_id=user_id, csrf=csrf, address=(address or "")[:64],
                                        created_at=stamp, last_seen=stamp)
            )
        return token, Session(token_id(token), csrf, self.get(user_id))

    def session(self, token: str) -> Session | None:
        """The live session of a cookie's token, or None (unknown, ended, idle for 30 minutes, or
        its account disabled). Using it keeps it alive."""
        if not token or len(token) > 100:
            return None
        sid = token_id(token)
        query = (  # the session and its account in one query: every request of the portal asks it
            select(*_ACCOUNT_COLUMNS, func.coalesce(agencies.c.name, "").label("agency_name"),
                   sessions.c.csrf.label("session_csrf"), sessions.c.last_seen.label("session_seen"), sessions.c.ended_at.label("session_ended"))
            .select_from(sessions.join(users, sessions.c.user_id == users.c.id).outerjoin(agencies, users.c.agency_id == agencies.c.id))
            .where(sessions.c.id == sid)
        )
        with self.store.reading() as conn:
            row = conn.execute(query).first()
        if row is None or row.session_ended is not None:
            return None
        now = self.now()
        if now - row.session_seen >= IDLE_TIME:
            self.end_session(sid)
            return None
        fields = row._mapping
        account = Account(**{c.name: fields[c.name] for c in _ACCOUNT_COLUMNS}, agency_name=fields["agency_name"])
        if account.disabled:
            return None
        if now - row.session_seen >= TOUCH_EVERY:
            with self.store.writing() as conn:
                conn.execute(update(sessions).where(sessions.c.id == sid, sessions.c.ended_at.is_(None)).values(last_seen=now))
        return Session(sid, row.session_csrf, account)

    def end_session(self, session_id: str) -> None:
        with self.store.writing() as conn:
            conn.execute(update(sessions).where(sessions.c.id == session_id, sessions.c.ended_at.is_(None)).values(ended_at=self.now()))

    def end_all(self, user_id: int) -> int:
        """Log a user out everywhere; how many sessions ended."""
        with self.store.writing() as conn:
            return _end_sessions(conn, user_id, self.now())

    def live_sessions(self, user_id: int) -> int:
        query = select(func.count()).select_from(sessions).where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()


def _end_sessions(conn, user_id: int, now: dt.datetime) -> int:
    """End a user's live sessions inside the caller's transaction; how many."""
    done = conn.execute(update(sessions).where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None)).values(ended_at=now))
    return done.rowcount
