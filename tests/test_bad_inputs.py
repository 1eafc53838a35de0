"""The bad-input corpus (tests/corpus/bad): every file ends in its documented exit code with its
Chinese message naming file and line, no traceback, and nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT

CORPUS = sorted((ROOT / "tests" / "corpus" / "bad").glob("*.yaml"))


def expectation(path: Path) -> tuple[int, str]:
    head = path.read_text(encoding="utf-8").splitlines()[:2]
    code = int(head[0].split(":", 1)[1])
    return code, head[1].split(":", 1)[1].strip()


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_check(cli, path):
    code, fragment = expectation(path)
    result = cli("check", path)
    assert result.code == code, result.text
    assert fragment in result.text, result.text
    assert "Traceback" not in result.text
    problem_lines = [l for l in result.text.splitlines() if l.strip()]
    assert problem_lines and all(l.startswith(f"{path}") for l in problem_lines)
    located = [l for l in problem_lines if re.match(rf"{re.escape(str(path))}:\d+: ", l)]
    if code == 1 or "缺少必填项" not in fragment and "文件为空" not in fragment:
        assert located, f"no line number in: {problem_lines}"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_render_writes_nothing(cli, path, tmp_path):
    code, fragment = expectation(path)
    out = tmp_path / "out"
    out.mkdir()
    result = cli("render", path, "-o", out)
    assert result.code == code and fragment in result.text
    assert list(out.iterdir()) == []
    assert not Path("/tmp/docgen-pwned").exists()
