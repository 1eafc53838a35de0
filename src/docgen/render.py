"""`docgen render`: one input → its outputs (.docx, .xlsx, .pdf), all or nothing; many inputs
in worker processes.

Every output of an input is first written to a temporary file in the output folder; only when
all of them succeeded are they renamed over their targets. A refused or failed input leaves no
file of its own and earlier outputs of the same name untouched, and never stops the others.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterator

from .rules.audit import Audit, audit
from .rules.checks import has_errors
from .errors import EXIT_INCONSISTENT, EXIT_INTERRUPTED, EXIT_OK, DocgenError, Problem
from .fsutil import atomic_path, sweep_stale

EXIT_INTERNAL = 3  # a bug in docgen (the CLI uses the same code)
FORMATS = ("docx", "xlsx", "pdf", "html")
DEFAULT_FORMATS = ("docx", "xlsx")


@dataclass
class Options:
    outdir: Path = Path("output")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    force: bool = False
    template: Path | None = None
    pdf_timeout: float = 180.0


@dataclass
class Outcome:
    """What became of one input."""

    file: str
    exit_code: int
    messages: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    error: str = ""  # why nothing was written, when something failed after loading

    @property
    def errors(self) -> int:
        """How many error messages (input problems or broken rules) the input drew."""
        return sum(1 for m in self.messages if m.level == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for m in self.messages if m.level != "error")

    @property
    def status(self) -> str:
        if self.exit_code == EXIT_INTERNAL:
            return "内部错误，未生成"
        if self.written:
            return "已生成" if self.exit_code == EXIT_OK else "已生成（强制）"
        return "数字不一致，未生成" if self.exit_code == EXIT_INCONSISTENT else "无法使用，未生成"


def parse_formats(text: str) -> tuple[str, ...]:
    """`docx,xlsx,pdf` → a tuple in canonical order; DocgenError for an unknown format."""
    wanted = [part.strip().lower().lstrip(".") for part in text.split(",") if part.strip()]
    unknown = [w for w in wanted if w not in FORMATS]
    if unknown or not wanted:
        raise DocgenError(f"--formats：不认识的输出格式“{'、'.join(unknown) or text}”，可选：{'、'.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in wanted)


def render_file(path: Path, options: Options, shown: str | None = None) -> Outcome:
    """Check one input and, unless refused, write all its outputs."""
    result = audit(path, shown)
    outcome = Outcome(result.file, result.exit_code, result.messages())
    if result.loaded is None or (has_errors(result.findings) and not options.force):
        return outcome
    try:
        outcome.written = write_outputs(result, path.stem, options)
    except DocgenError as exc:
        outcome.exit_code = exc.exit_code
        outcome.error = exc.message
    return outcome


def write_outputs(result: Audit, stem: str, options: Options) -> list[Path]:
    from .word.render import write_docx
    from .workbook import write_xlsx

    report = result.loaded.report
    targets = {fmt: options.outdir / f"{stem}.{fmt}" for fmt in options.formats}
    with ExitStack() as stack:
        temps = {fmt: stack.enter_context(atomic_path(target)) for fmt, target in targets.items()}
        if "docx" in temps or "pdf" in temps:
            docx = temps.get("docx") or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="docgen-"))) / f"{stem}.docx"
            write_docx(report, docx, options.template)
        if "xlsx" in temps:
            write_xlsx(report, temps["xlsx"], source=Path(result.file).name)
        if "html" in temps:
            from .webpage import write_html

            write_html(report, temps["html"])
        if "pdf" in temps:
            from .office import docx_to_pdf

            docx_to_pdf(docx, temps["pdf"], timeout=options.pdf_timeout)
    return list(targets.values())


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """Output names come from input file names only; a repeated name is an error for the later file."""
    seen: dict[str, Path] = {}
    clashes = []
    for path in paths:
        if path.stem in seen:
            clashes.append(Problem(str(path), None, "", f"输出文件名与“{seen[path.stem]}”相同（{path.stem}），会互相覆盖；请改名后重试"))
        seen.setdefault(path.stem, path)
    if clashes:
        from .errors import InputError

        raise InputError(clashes)
    return {path: path.stem for path in paths}


# -- many inputs ------------------------------------------------------------------------------
OnDone = Callable[[int, Outcome], None]
_STOP_GRACE = 10.0  # seconds a stopped worker gets to clean up before it is killed
_QUEUED_PER_WORKER = 4  # inputs submitted ahead per worker


def default_jobs() -> int:
    """The number of worker processes when none is asked for: the cores this process may use."""
    counter = getattr(os, "process_cpu_count", None)
    if counter is not None:
        return counter() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def render_many(paths: list[Path], options: Options, jobs: int | None = None, on_done: OnDone | None = None) -> list[Outcome]:
    """Render every input; return their outcomes in input order.

    ``jobs`` worker processes share the inputs (default: ``default_jobs()``; 1, or a single
    input, renders in this process). ``on_done(index, outcome)`` is called in this process as each
    input finishes, in completion order. One input failing, even by a bug in docgen, never stops
    the others. On KeyboardInterrupt the workers are stopped, the temporary files of this run are
    removed and the KeyboardInterrupt is raised again. Leftovers of earlier runs that were killed
    are removed first.
    """
    outcomes: list[Outcome | None] = [None] * len(paths)

    def done(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if on_done is not None:
            on_done(index, outcome)

    render_each(paths, options, jobs, done)
    return outcomes  # type: ignore[return-value]


def render_each(paths: list[Path], options: Options, jobs: int | None, on_done: OnDone) -> None:
    """``render_many`` that keeps no outcome: each is handed to ``on_done`` only, so memory stays
    the same however many inputs there are."""
    sweep_stale(options.outdir)
    jobs = max(1, min(jobs or default_jobs(), len(paths)))
    if jobs == 1:
        for index, path in enumerate(paths):
            on_done(index, render_guarded(path, options))
    else:
        try:
            _render_in_pool(paths, options, jobs, on_done)
        except BaseException:
            sweep_stale(options.outdir)
            raise


def render_guarded(path: Path, options: Options) -> Outcome:
    """``render_file`` that turns a bug into an outcome (exit code 3) instead of an exception."""
    try:
        return render_file(path, options)
    except DocgenError as exc:
        return Outcome(str(path), exc.exit_code, error=exc.message)
    except Exception as exc:  # a bug in docgen must not stop the other inputs
        return Outcome(str(path), EXIT_INTERNAL, error=f"docgen 内部错误：{type(exc).__name__}: {exc}；请把输入文件和这条信息反馈给维护人员")


def _render_in_pool(paths: list[Path], options: Options, jobs: int, done: OnDone) -> None:
    # Workers are spawned (not forked: the same on every platform, and safe with threads) while
    # SIGINT is ignored, so Ctrl-C reaches only this process, which then stops them. The first
    # submissions start every worker; later ones only queue work. A few inputs per worker are
    # queued at a time, which keeps the workers busy without holding every input's future.
    executor = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_worker_started)
    queue = iter(enumerate(paths))
    pending: dict[Future, int] = {}
    in_flight = jobs * _QUEUED_PER_WORKER

    def submit(count: int) -> None:
        for index, path in islice(queue, max(count, 0)):
            try:
                future = executor.submit(_render_in_worker, path, options)
            except BrokenProcessPool as exc:  # a worker died: every input still to go fails like the ones in flight
                future = Future()
                future.set_exception(exc)
            pending[future] = index

    try:
        with _sigint_ignored():
            submit(in_flight)
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                done(index, _outcome_of(future, paths[index]))
            submit(in_flight - len(pending))
    except BaseException:
        _stop(executor)
        raise
    executor.shutdown(wait=True)


def _outcome_of(future: Future, path: Path) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # the worker process died (BrokenProcessPool) or could not return
        return Outcome(str(path), EXIT_INTERNAL, error=f"docgen 内部错误：处理该文件的工作进程异常退出（{type(exc).__name__}）")


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop the workers: SIGTERM lets each clean up its temporary files; a stuck one is killed.

    The executor's own manager thread notices the workers ending and reaps them; waiting for it
    (rather than joining the processes here too) leaves no process half-reaped.
    """
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)  # shutdown() forgets it
    for process in processes:
        with suppress(Exception):
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)
    if manager is None:
        return
    manager.join(_STOP_GRACE)
    if manager.is_alive():
        for process in processes:
            with suppress(Exception):
                process.kill()
        manager.join(_STOP_GRACE)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _worker_started() -> None:
    """In each worker: Ctrl-C is the parent's business; SIGTERM unwinds (cleaning up) and exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum, frame) -> None:
    # Once only: a second SIGTERM must not cut short the clean-up the first one started.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(EXIT_INTERRUPTED)


def _render_in_worker(path: Path, options: Options) -> Outcome:
    try:
        return render_guarded(path, options)
    except SystemExit:
        # Stopped by the parent: the temporary files were removed on the way out; leave at once.
        os._exit(EXIT_INTERRUPTED)
