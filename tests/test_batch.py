"""Batch rendering: many inputs in worker processes, one bad input stopping nothing, the worst exit
code, a summary at the end, the same outputs whatever the number of workers, clean Ctrl-C."""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import openpyxl
import pytest

from conftest import EXAMPLE_2021, ROOT, SEED_2019, needs_soffice
from docgen.fsutil import sweep_stale
from docgen.render import Options, Outcome, render_each, render_many

GOOD = 23
MINUTE_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")  # the 说明 sheet's 生成时间


def good_inputs(folder: Path, count: int) -> list[Path]:
    """`count` valid inputs of both editions, each of its own agency."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = (EXAMPLE_2021.read_text(encoding="utf-8"), SEED_2019.read_text(encoding="utf-8"))
    paths = []
    for i in range(count):
        text = re.sub(r"(?m)^agency: .*$", f"agency: 第{i + 1}号机关", sources[i % 2])
        path = folder / f"good-{i + 1:02d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def inconsistent_input(folder: Path) -> Path:
    text = re.sub(r"(?m)^  received: +\[(\d+)", lambda m: f"  received: [{int(m.group(1)) + 1}", EXAMPLE_2021.read_text(encoding="utf-8"))
    path = folder / "inconsistent.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith((".part", ".tmp"))]


def test_a_broken_input_among_good_ones(cli, tmp_path):
    inputs = tmp_path / "in"
    good = good_inputs(inputs, GOOD)
    broken = inputs / "broken.yaml"
    broken.write_text("edition: 2021\nagency: [\n", encoding="utf-8")
    out = tmp_path / "out"
    result = cli("render", inputs, "-o", out, "-j", "2")
    assert result.code == 2, result.text
    made = sorted(p.name for p in out.iterdir())
    assert made == sorted(f"{p.stem}.{ext}" for p in good for ext in ("docx", "xlsx"))
    assert leftovers(out) == []
    assert f"{broken}:" in result.text
    summary = result.out[result.out.index("生成结果"):]
    assert re.search(rf"{re.escape(str(broken))}\s+无法使用，未生成\s+1\s+0", summary)
    assert all(str(p) in summary for p in good)
    assert f"共 {GOOD + 1} 个文件：{GOOD} 个已生成，1 个未生成" in result.out
    assert "Traceback" not in result.text


def test_exit_code_is_the_worst(cli, tmp_path):
    inputs = tmp_path / "in"
    good = good_inputs(inputs, 3)
    bad = inconsistent_input(inputs)
    result = cli("render", inputs, "-o", tmp_path / "out", "-j", "2")
    assert result.code == 1
    assert not (tmp_path / "out" / f"{bad.stem}.docx").exists()
    assert all((tmp_path / "out" / f"{p.stem}.xlsx").exists() for p in good)
    (inputs / "unusable.yaml").write_text("year: 他\n", encoding="utf-8")
    assert cli("render", inputs, "-o", tmp_path / "out2", "-j", "2").code == 2


def docx_text(path: Path) -> list[str]:
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        lines += [p.text for p in section.footer.paragraphs] + [p.text for p in section.header.paragraphs]
    return lines


def xlsx_cells(path: Path) -> dict:
    cells = {}
    for data_only in (False, True):
        book = openpyxl.load_workbook(path, data_only=data_only)
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None and not (isinstance(cell.value, str) and MINUTE_STAMP.match(cell.value)):
                        cells[(data_only, ws.title, cell.coordinate)] = cell.value
            cells[(data_only, ws.title, "merged")] = sorted(str(r) for r in ws.merged_cells.ranges)
    return cells


def test_two_workers_make_the_same_outputs_as_one(cli, tmp_path):
    inputs = good_inputs(tmp_path / "in", 6)
    one, two = tmp_path / "one", tmp_path / "two"
    assert cli("render", *inputs, "-o", one, "-j", "1").code == 0
    assert cli("render", *inputs, "-o", two, "-j", "2").code == 0
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir()) and len(names) == 12
    for name in names:
        if name.endswith(".docx"):
            assert docx_text(one / name) == docx_text(two / name), name
            assert any("第" in line and "号机关" in line for line in docx_text(one / name))
        else:
            assert xlsx_cells(one / name) == xlsx_cells(two / name), name


def test_outcomes_come_back_in_input_order(tmp_path):
    inputs = good_inputs(tmp_path / "in", 5)
    seen: list[int] = []
    outcomes = render_many(inputs, Options(outdir=tmp_path / "out"), jobs=2, on_done=lambda i, o: seen.append(i))
    assert [o.file for o in outcomes] == [str(p) for p in inputs]
    assert sorted(seen) == list(range(5))
    assert all(o.exit_code == 0 and len(o.written) == 2 for o in outcomes)


def test_render_each_hands_over_every_outcome_and_keeps_none(tmp_path):
    inputs = good_inputs(tmp_path / "in", 9)  # more than the inputs queued at a time for two workers
    seen: dict[int, Outcome] = {}
    assert render_each(inputs, Options(outdir=tmp_path / "out"), 2, lambda i, o: seen.setdefault(i, o)) is None
    assert sorted(seen) == list(range(9))
    assert all(o.exit_code == 0 and len(o.written) == 2 for o in seen.values())


def test_a_worker_dying_costs_only_its_own_input(tmp_path):
    inputs = good_inputs(tmp_path / "in", 16)
    seen: dict[int, Outcome] = {}

    def kill_a_worker(index: int, outcome: Outcome) -> None:
        if not seen:
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)
        seen[index] = outcome

    render_each(inputs, Options(outdir=tmp_path / "out"), 2, kill_a_worker)
    assert sorted(seen) == list(range(16))
    failed = [o for o in seen.values() if o.exit_code == 3]
    # Only the input the killed worker was on is lost; a new worker takes over the rest.
    assert len(failed) == 1 and "工作进程异常退出" in failed[0].error
    assert sum(1 for o in seen.values() if o.written) == 15
    assert multiprocessing.active_children() == []


def test_a_bug_in_one_input_stops_nothing(tmp_path, monkeypatch):
    import docgen.render as render

    inputs = good_inputs(tmp_path / "in", 3)
    real = render.render_file

    def flaky(path, options, shown=None):
        if path == inputs[1]:
            raise RuntimeError("boom")
        return real(path, options, shown)

    monkeypatch.setattr(render, "render_file", flaky)
    outcomes = render_many(inputs, Options(outdir=tmp_path / "out"), jobs=1)
    assert [o.exit_code for o in outcomes] == [0, 3, 0]
    assert "RuntimeError: boom" in outcomes[1].error and outcomes[1].status == "内部错误，未生成"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good-01.docx", "good-01.xlsx", "good-03.docx", "good-03.xlsx"]


def test_interrupt_stops_the_workers_and_cleans_up(tmp_path):
    inputs = good_inputs(tmp_path / "in", 12)
    out = tmp_path / "out"
    out.mkdir()

    def interrupt(index: int, outcome: Outcome) -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        render_many(inputs, Options(outdir=out), jobs=2, on_done=interrupt)
    assert time.monotonic() - started < 60
    assert leftovers(out) == []
    assert len(list(out.iterdir())) < 2 * len(inputs)
    assert multiprocessing.active_children() == []


def test_sweep_takes_only_files_of_dead_runs(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    ours = [f".docgen-{dead}-0123abcd-a.docx.part", f".docgen-{dead}-0123abcd-a.xlsx.part", f"..docgen-{dead}-89abcdef-b.pdf.part.0123456789ab.tmp"]
    live = [f".docgen-{os.getpid()}-0123abcd-c.docx.part", f".docgen-{os.getppid()}-0123abcd-d.docx.part"]
    theirs = ["a.docx", ".docgen-notes.txt", "b.xlsx"]
    for name in ours + live + theirs:
        (out / name).write_bytes(b"x")
    removed = sweep_stale(out)
    assert sorted(p.name for p in removed) == sorted(ours)
    assert sorted(p.name for p in out.iterdir()) == sorted(live + theirs)


def test_progress_lines_when_not_a_terminal(cli, tmp_path):
    inputs = good_inputs(tmp_path / "in", 3)
    result = cli("render", tmp_path / "in", "-o", tmp_path / "out", "-j", "2")
    assert result.code == 0
    counters = re.findall(r"^\[(\d)/3\] (\S+)：已生成", result.out, flags=re.M)
    assert sorted(c for c, _ in counters) == ["1", "2", "3"]
    assert sorted(f for _, f in counters) == sorted(str(p) for p in inputs)
    assert "\x1b[" not in result.text


def test_progress_bar_on_a_terminal(monkeypatch):
    from docgen.cli import cmd_render

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("TERM", "xterm")
    view = cmd_render._view(2)
    assert isinstance(view, cmd_render._ProgressView)
    with view:
        view.done(0, Outcome("a.yaml", 0))
        view.done(1, Outcome("b.yaml", 2, error="出错了"))
    assert view.count == 2
    assert "生成报告" in screen.getvalue() and "b.yaml：出错了" in screen.getvalue()
    assert isinstance(cmd_render._view(1), cmd_render._PlainView) and not isinstance(cmd_render._view(1), cmd_render._ProgressView)


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_bad_jobs_value(cli, jobs):
    result = cli("render", EXAMPLE_2021, "-j", jobs, "-o", "unused")
    assert result.code == 2 and "-j" in result.err


@needs_soffice
def test_ctrl_c_exits_130_and_leaves_no_partial_file(tmp_path):
    inputs = good_inputs(tmp_path / "in", 8)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "docgen", "render", *map(str, inputs), "-o", str(out), "-j", "2", "--pdf"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out.is_dir() and any(p.suffix == ".part" for p in out.iterdir())):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr.decode()
    text = stdout.decode() + stderr.decode()
    assert "已中断" in text and "Traceback" not in text
    assert leftovers(out) == []
    finished = {p.stem for p in out.iterdir()}
    for stem in finished:  # an input is either complete or absent
        assert sorted(p.suffix for p in out.glob(f"{stem}.*")) == [".docx", ".pdf", ".xlsx"]
    assert len(finished) < len(inputs)
