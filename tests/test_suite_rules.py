"""Rules for the test suite itself: a real-client test fails in CI instead of skipping, no
importorskip hides a broken import of docgen's own modules, no assertion compares a value with
itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import skip_or_fail

TESTS = Path(__file__).parent
SOURCES = sorted(TESTS.rglob("*.py"))


def test_a_missing_real_client_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="LibreOffice"):
        skip_or_fail("未安装 LibreOffice")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail("未安装 LibreOffice")


def calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", getattr(n.func, "id", "")) == name]


def test_no_importorskip_of_docgen_modules():
    found = []
    for path in SOURCES:
        for call in calls(ast.parse(path.read_text(encoding="utf-8")), "importorskip"):
            module = call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else ""
            if not isinstance(module, str) or module.split(".")[0] in ("docgen", ""):
                found.append(f"{path.name}:{call.lineno}")
    assert found == []


def self_comparisons(tree: ast.AST) -> list[int]:
    """Lines of assertions whose two sides are the same expression without a call (x == x,
    r.a[0] is r.a[0]); two calls of one function may differ (a cache returning the same object)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            for compare in (n for n in ast.walk(node.test) if isinstance(n, ast.Compare)):
                sides = [compare.left, *compare.comparators]
                if any(ast.dump(a) == ast.dump(b) and not _calls(a) for a, b in zip(sides, sides[1:])):
                    out.append(node.lineno)
    return out


def _calls(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) for n in ast.walk(node))


def test_the_self_comparison_scan_finds_them():
    code = "assert r.x[0] == r.x[0]\nassert a == b\nassert 1 < y < y\nassert f() is f()"
    assert self_comparisons(ast.parse(code)) == [1, 3]


def test_no_assertion_compares_a_value_with_itself():
    found = [f"{p.name}:{line}" for p in SOURCES for line in self_comparisons(ast.parse(p.read_text(encoding="utf-8")))]
    assert found == []
