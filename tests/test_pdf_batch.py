"""PDFs of a batch come from as few LibreOffice processes as possible, with the same time limit
per document as before: a stand-in soffice records each start and can hang on one document."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLE_2021, ROOT, needs_soffice
from docgen.office import docx_to_pdfs, pdf_text
from docgen.render import Options, choose_jobs, render_many

# Writes a small PDF for every document given, logs each start; hangs on the document whose
# staged name is $FAKE_HANG (00002.docx is the third document of a batch).
FAKE = r"""#!/bin/sh
echo start >> "$FAKE_LOG"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --outdir) out="$2"; shift 2; continue;;
    -*) shift; continue;;
  esac
  name=$(basename "$1" .docx)
  if [ "$name.docx" = "$FAKE_HANG" ]; then sleep 60; fi
  printf '%%PDF-1.4 fake %s\n' "$name" > "$out/$name.pdf"
  shift
done
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    script = tmp_path / "fake-soffice"
    script.write_text(FAKE, encoding="utf-8")
    script.chmod(0o755)
    log = tmp_path / "starts.log"
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.delenv("FAKE_HANG", raising=False)
    return lambda: len(log.read_text().splitlines()) if log.exists() else 0


def inputs(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE_2021.read_text(encoding="utf-8")
    paths = []
    for i in range(count):
        path = folder / f"r{i:02d}.yaml"
        path.write_text(re.sub(r"(?m)^agency: .*$", f"agency: 第{i + 1}号机关", text), encoding="utf-8")
        paths.append(path)
    return paths


def test_a_batch_makes_its_pdfs_in_one_office_process(tmp_path, fake):
    paths = inputs(tmp_path / "in", 5)
    starts: list[int] = []
    outcomes = render_many(paths, Options(outdir=tmp_path / "out", formats=("docx", "pdf")), jobs=1, on_start=starts.append)
    assert [o.exit_code for o in outcomes] == [0] * 5
    assert fake() == 1
    assert starts == [0, 1, 2, 3, 4]
    for i in range(5):  # each PDF is the one converted from its own document, renamed into place
        assert (tmp_path / "out" / f"r{i:02d}.pdf").read_bytes() == f"%PDF-1.4 fake {i:05d}\n".encode()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"r{i:02d}.{e}" for i in range(5) for e in ("docx", "pdf"))


def test_a_document_that_hangs_fails_alone(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("FAKE_HANG", "00002.docx")
    paths = inputs(tmp_path / "in", 5)
    started = time.monotonic()
    outcomes = render_many(paths, Options(outdir=tmp_path / "out", formats=("docx", "pdf"), pdf_timeout=1), jobs=1)
    assert time.monotonic() - started < 30
    assert [o.exit_code for o in outcomes] == [0, 0, 2, 0, 0]
    assert "超时" in outcomes[2].error and str(tmp_path / "out" / "r02.pdf") in outcomes[2].error
    # The batch was stopped at the hang; the documents left, and the last one made before the
    # stop (it may have been cut short), were converted one process each.
    assert fake() == 1 + 4
    out = tmp_path / "out"
    assert not (out / "r02.docx").exists() and not (out / "r02.pdf").exists()
    assert all((out / f"r{i:02d}.pdf").is_file() for i in (0, 1, 3, 4))
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_workers_share_the_pdfs_one_office_process_each(tmp_path, fake):
    paths = inputs(tmp_path / "in", 8)
    outcomes = render_many(paths, Options(outdir=tmp_path / "out", formats=("pdf",)), jobs=2)
    assert [o.exit_code for o in outcomes] == [0] * 8
    assert fake() == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"r{i:02d}.pdf" for i in range(8)]


def test_missing_documents_are_reported_each(tmp_path, fake):
    made = tmp_path / "a.docx"
    made.write_bytes(b"not really a document")
    results = docx_to_pdfs([(made, tmp_path / "a.pdf"), (tmp_path / "gone.docx", tmp_path / "b.pdf")])
    assert results[0] is None and (tmp_path / "a.pdf").is_file()
    assert "找不到" in results[1].message and "gone.docx" in results[1].message


def test_small_batches_choose_fewer_workers(monkeypatch):
    import docgen.render as render

    monkeypatch.setattr(render, "default_jobs", lambda: 8)
    assert choose_jobs(7, None) == 1  # starting a worker costs more than it saves
    assert choose_jobs(30, None) == 2
    assert choose_jobs(10_000, None) == 8
    assert choose_jobs(7, None, ("docx", "pdf")) == 1
    assert choose_jobs(30, None, ("docx", "pdf")) == 5
    assert choose_jobs(7, 2) == 2 and choose_jobs(3, 8) == 3  # -j is obeyed, never more than the inputs


@needs_soffice
def test_real_libreoffice_batch(tmp_path):
    paths = inputs(tmp_path / "in", 3)
    outcomes = render_many(paths, Options(outdir=tmp_path / "out", formats=("pdf",)), jobs=1)
    assert [o.exit_code for o in outcomes] == [0, 0, 0]
    for i in range(3):
        assert f"第{i + 1}号机关" in pdf_text(tmp_path / "out" / f"r{i:02d}.pdf").replace(" ", "")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid and stat[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_sigkill_of_the_batch_takes_its_workers_along(tmp_path):
    paths = inputs(tmp_path / "in", 30)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    process = subprocess.Popen(
        [sys.executable, "-m", "docgen", "render", *map(str, paths), "-o", str(tmp_path / "out"), "-j", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    deadline = time.monotonic() + 60
    while len(workers := children_of(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) >= 2, "the batch did not start its workers"
    os.kill(process.pid, signal.SIGKILL)  # the parent only, as `kill -9 PID` does
    process.communicate(timeout=30)  # ends: no worker keeps the pipes open
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
    time.sleep(0.2)
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.endswith(".part")] == []
