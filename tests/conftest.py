"""Shared test helpers: the example inputs, running the CLI in-process, building inputs inline."""

from __future__ import annotations

import io
import os
import sys
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
INPUTS = ROOT / "inputs"
SEED_2019 = INPUTS / "rushankou-2020.yaml"
EXAMPLE_2021 = INPUTS / "example-2021.yaml"
# The team's shared folder (seed report, published samples) sits beside the repository; DOCGEN_SHARED
# names another one (a folder that does not exist: the tests run as in a clean clone, on the stand-ins
# in tests/data).
SHARED = (
    Path(os.environ["DOCGEN_SHARED"])
    if os.environ.get("DOCGEN_SHARED")
    else next((p for p in (ROOT.parent / "shared", Path("/work/shared")) if p.is_dir()), ROOT.parent / "shared")
)
DATA = ROOT / "tests" / "data"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(*args: str) -> Result:
    """Run `docgen ARGS...` in this process; return its exit code and what it printed."""
    from docgen.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run([str(a) for a in args])
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) -> path: a dedented input file in a fresh folder."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding=encoding)
        return path

    return _write


def minimal(edition: int = 2021, year: int | None = None, **sections: str) -> str:
    """A small valid input file; keyword arguments add or replace top-level YAML blocks."""
    year = year or (2020 if edition == 2019 else 2025)
    head = f"edition: {edition}\nagency: 测试县人民政府\nyear: {year}\n"
    return head + "".join(textwrap.dedent(block).strip("\n") + "\n" for block in sections.values())


def in_ci() -> bool:
    """Whether the tests run in CI (CI=true), where every real client must be installed."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip a test whose real client or tool is missing — or fail it in CI, where a skip would
    hide that the real-client test did not run."""
    if in_ci():
        pytest.fail(f"CI 中缺少真实客户端，测试不能跳过：{reason}", pytrace=False)
    pytest.skip(reason)


def _soffice_missing() -> bool:
    from docgen.office import find_soffice

    return find_soffice() is None


def requires(missing: bool, reason: str) -> pytest.MarkDecorator:
    """A mark for tests that need a real client or tool: skipped when it is missing — failed in CI."""
    return pytest.mark.real_client(missing=missing, reason=reason)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "real_client(missing, reason): needs a real client (skip locally, fail in CI)")


def pytest_runtest_setup(item) -> None:
    for mark in item.iter_markers("real_client"):
        if mark.kwargs["missing"]:
            skip_or_fail(mark.kwargs["reason"])


needs_soffice = requires(_soffice_missing(), "未安装 LibreOffice（soffice），跳过真实客户端测试")

# -- docgen serve: databases and the browser --------------------------------------------------------
@pytest.fixture(scope="session")
def pg_url():
    """A throwaway PostgreSQL cluster for the session (fails in CI when PostgreSQL is missing)."""
    from support.web import postgres_cluster

    with postgres_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The same storage tests on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        from docgen.web.store import sqlite_url

        return sqlite_url(tmp_path)
    from support.web import reset_postgres

    url = request.getfixturevalue("pg_url")
    reset_postgres(url)
    return url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright drives Debian's chromium (never `playwright install`)."""
    from support.web import CHROMIUM, CHROMIUM_ARGS, missing

    if not Path(CHROMIUM).exists():
        missing(f"chromium（{CHROMIUM}）")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}, "locale": "zh-CN", "accept_downloads": True}
