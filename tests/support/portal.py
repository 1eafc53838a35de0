"""Test support for the portal (`docgen serve --portal`): a store with one account per role and
logged-in clients.

    with portal_app(database_url) as p:
        p.admin.get("/users")                      # a logged-in TestClient per role
        p.clerk.post(f"/reports/{p.report_a}/save", data={...})   # the csrf field is added
        p.login("clerk_b", PASSWORD)               # another client, logged in
        p.store, p.accounts, p.app                 # the pieces

Accounts (password PASSWORD for all, no one-time passwords):
  admin (管理员), reviewer (审核人), clerk (填报人 of AGENCY_A), clerk_b (填报人 of AGENCY_B).
Two reports exist: p.report_a (AGENCY_A, YEAR) and p.report_b (AGENCY_B, YEAR); an agency has one
report a year, so make others with another year.
Argon2 runs with cheap parameters here (still argon2id) so the suite stays fast.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from argon2 import PasswordHasher

with warnings.catch_warnings():  # recent Starlette prefers httpx2 for its test client; httpx works
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

PASSWORD = "portal2025pw"
AGENCY_A = "青山县教育局"
AGENCY_B = "青山县卫生健康局"
YEAR = 2024  # the year of the two reports (tests/inputs examples are 2025: importing one makes a second report)
ROLE_USERS = {"admin": "管理员", "reviewer": "审核人", "clerk": "填报人", "clerk_b": "填报人"}
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def cheap_hashing() -> None:
    from docgen.web import accounts

    accounts.use_hasher(CHEAP)


class Client(TestClient):
    """A TestClient that knows its CSRF token and adds it to every form it posts."""

    csrf: str = ""

    def post(self, url, *args, data=None, csrf: bool = True, **kwargs):
        if csrf and "content" not in kwargs:
            data = {"csrf": self.csrf, **(data or {})}
        return super().post(url, *args, data=data, **kwargs)

    def refresh_csrf(self, path: str = "/password") -> str:
        """Read the token of the current session from a page (it changes with every login)."""
        page = self.get(path)
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        self.csrf = found.group(1) if found else ""
        return self.csrf


def make_client(app) -> Client:
    client = Client(app, raise_server_exceptions=False, base_url="http://127.0.0.1")
    client.__enter__()
    client.refresh_csrf("/login")
    return client


def login(app, username: str, password: str = PASSWORD) -> Client:
    """A new client, logged in (fails the test when the login is refused)."""
    client = make_client(app)
    r = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
    assert r.status_code == 303, (username, r.status_code, r.text[:300])
    client.refresh_csrf()
    return client


@dataclass
class Portal:
    app: object
    store: object
    accounts: object
    users: dict[str, object]
    agency_a: int
    agency_b: int
    report_a: int
    report_b: int
    clients: dict[str, Client] = field(default_factory=dict)  # one logged-in client per user name
    extra: list[Client] = field(default_factory=list)

    def login(self, username: str, password: str = PASSWORD) -> Client:
        """Another client of that user, logged in (a second browser)."""
        client = login(self.app, username, password)
        self.extra.append(client)
        return client

    def anonymous(self) -> Client:
        client = make_client(self.app)
        self.extra.append(client)
        return client

    def client(self, username: str) -> Client:
        if username not in self.clients:
            self.clients[username] = login(self.app, username)
        return self.clients[username]

    @property
    def admin(self) -> Client:
        return self.client("admin")

    @property
    def reviewer(self) -> Client:
        return self.client("reviewer")

    @property
    def clerk(self) -> Client:
        return self.client("clerk")

    @property
    def clerk_b(self) -> Client:
        return self.client("clerk_b")

    def new_report(self, agency_id: int, agency: str, year: int = YEAR) -> int:
        """A blank report of an agency, straight into the store (as `docgen init` makes it); an
        agency has one report a year."""
        return self.app.state.service.new(agency, str(year), "测试", agency_id)

    def close(self) -> None:
        for client in [*self.clients.values(), *self.extra]:
            client.__exit__(None, None, None)
        self.store.close()


def portal_store(url: str):
    """A migrated store with the four accounts; (store, accounts, users, agency ids)."""
    from docgen.web.accounts import Accounts
    from docgen.web.server import open_store

    cheap_hashing()
    store, _ = open_store(url=url)
    accounts = Accounts(store)
    users = {}
    for username, role in ROLE_USERS.items():
        agency = {"clerk": AGENCY_A, "clerk_b": AGENCY_B}.get(username, "")
        users[username] = accounts.add(username, role, PASSWORD, agency=agency, display_name=f"{role}{username}")
    return store, accounts, users, accounts.agency_id(AGENCY_A), accounts.agency_id(AGENCY_B)


@contextmanager
def portal_app(url: str, **options) -> Iterator[Portal]:
    """The portal app (create_app(..., portal=True)) on a fresh store with accounts and two reports."""
    from docgen.web.app import create_app

    store, accounts, users, agency_a, agency_b = portal_store(url)
    app = create_app(store, portal=True, **options)
    p = Portal(app, store, app.state.accounts, users, agency_a, agency_b, 0, 0)
    p.report_a = p.new_report(agency_a, AGENCY_A)
    p.report_b = p.new_report(agency_b, AGENCY_B)
    try:
        yield p
    finally:
        p.close()
