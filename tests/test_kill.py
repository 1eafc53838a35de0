"""A real batch killed part-way: earlier outputs of the same name are either untouched or fully
replaced, and no partial or temporary file stays behind (SIGTERM at once; SIGKILL's leftovers
by the next run)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import openpyxl
import pytest

from conftest import EXAMPLE_2021, ROOT

COUNT = 16


def batch(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(COUNT):
        shutil.copy(EXAMPLE_2021, folder / f"agency-{i:02d}.yaml")
    return folder, tmp_path / "out"


def start(folder: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.Popen(
        [sys.executable, "-m", "docgen", "render", str(folder), "-o", str(out), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def wait_for_progress(process: subprocess.Popen, out: Path, old: dict[str, bytes]) -> None:
    """Until at least one output was replaced (mid-batch), or the batch ended."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.name in old and p.read_bytes() != old[p.name] for p in out.iterdir() if p.suffix in (".docx", ".xlsx")):
            return
        time.sleep(0.05)


def temporaries(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(".")]


def assert_outputs_whole(out: Path, old: dict[str, bytes]) -> None:
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(old), f"partial or temporary files left: {set(names) - set(old)}"
    for path in out.iterdir():
        if path.read_bytes() == old[path.name]:
            continue
        if path.suffix == ".docx":
            assert docx.Document(str(path)).tables, path
        else:
            assert openpyxl.load_workbook(path).sheetnames, path


@pytest.fixture
def earlier_run(tmp_path, cli):
    folder, out = batch(tmp_path)
    assert cli("render", folder, "-o", out, "-j", "1").code == 0
    # Make every earlier output recognisable, so a replaced one can be told from an old one.
    for path in out.iterdir():
        os.utime(path, (0, 0))
    return folder, out, {p.name: p.read_bytes() for p in out.iterdir()}


def test_sigterm_mid_batch(earlier_run):
    folder, out, old = earlier_run
    process = start(folder, out)
    wait_for_progress(process, out, old)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (0, 130), err  # 0 only if the batch had already finished
    assert "Traceback" not in err
    assert_outputs_whole(out, old)


def test_sigkill_mid_batch_leftovers_go_with_the_next_run(earlier_run, cli):
    folder, out, old = earlier_run
    process = start(folder, out)
    deadline = time.monotonic() + 60
    while not temporaries(out) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    assert temporaries(out), "the kill should have caught a file being written"
    for path in out.iterdir():  # whatever the kill left, every output is whole or old
        if path.name in old and path.read_bytes() != old[path.name]:
            assert path.stat().st_size > 0
    time.sleep(0.2)  # the killed workers must be gone before their files count as stale
    result = cli("render", folder / "agency-00.yaml", "-o", out, "-j", "1")
    assert result.code == 0
    assert_outputs_whole(out, old | {"agency-00.docx": b"", "agency-00.xlsx": b""})
