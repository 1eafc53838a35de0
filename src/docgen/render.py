"""`docgen render`: one input → its outputs (.docx, .xlsx, .pdf), all or nothing; many inputs
in worker processes.

Every output of an input is first written to a temporary file in the output folder; only when
all of them succeeded are they renamed over their targets. A refused or failed input leaves no
file of its own and earlier outputs of the same name untouched, and never stops the others.

PDFs are made a group at a time: the group's Word documents are written, then converted by one
LibreOffice process (``office.docx_to_pdfs``), then each input's outputs are renamed into place.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections import deque
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
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
    outcome, pending = _prepare(path, options, shown)
    if pending is not None:
        _finish(outcome, pending, _convert(pending, options) if pending.pdf else None)
    return outcome


@dataclass
class _Pending:
    """One input's outputs written to temporary files, waiting for the PDF and the final rename."""

    stack: ExitStack
    targets: list[Path]
    docx: Path | None = None
    pdf: Path | None = None  # the temporary PDF to make from docx
    shown: str = ""  # what messages about the PDF call it (its target)


def _prepare(path: Path, options: Options, shown: str | None = None) -> tuple[Outcome, _Pending | None]:
    """Check an input and write its .docx/.xlsx to temporary files; None when refused or failed."""
    result = audit(path, shown)
    outcome = Outcome(result.file, result.exit_code, result.messages())
    if result.loaded is None or (has_errors(result.findings) and not options.force):
        return outcome, None
    stack = ExitStack()
    try:
        pending = _write_parts(result, path.stem, options, stack)
    except BaseException as exc:
        # Unwound as if raised inside the temporary files' blocks: they are removed, and an
        # OSError becomes the OutputError that names the file and the cause (disk full...).
        seen = _unwind(stack, exc)
        if seen is exc and not isinstance(exc, DocgenError):
            raise
        if not isinstance(seen, DocgenError):
            raise seen from exc
        outcome.exit_code, outcome.error = seen.exit_code, seen.message
        return outcome, None
    return outcome, pending


def _write_parts(result: Audit, stem: str, options: Options, stack: ExitStack) -> _Pending:
    from .word.render import write_docx
    from .workbook import write_xlsx

    report = result.loaded.report
    targets = {fmt: options.outdir / f"{stem}.{fmt}" for fmt in options.formats}
    temps = {fmt: stack.enter_context(atomic_path(target)) for fmt, target in targets.items()}
    pending = _Pending(stack, list(targets.values()), pdf=temps.get("pdf"), shown=str(targets.get("pdf", "")))
    if "docx" in temps or "pdf" in temps:
        pending.docx = temps.get("docx") or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="docgen-"))) / f"{stem}.docx"
        write_docx(report, pending.docx, options.template)
    if "xlsx" in temps:
        write_xlsx(report, temps["xlsx"], source=Path(result.file).name)
    if "html" in temps:
        from .webpage import write_html

        write_html(report, temps["html"])
    return pending


def _convert(pending: _Pending, options: Options) -> DocgenError | None:
    from .office import docx_to_pdfs

    return docx_to_pdfs([(pending.docx, pending.pdf)], options.pdf_timeout, [pending.shown])[0]


def _finish(outcome: Outcome, pending: _Pending, error: DocgenError | None) -> None:
    """Rename the outputs into place, or (after ``error``) remove them all."""
    if error is not None:
        _abandon(pending.stack, error)
        outcome.exit_code, outcome.error = error.exit_code, error.message
        return
    try:
        pending.stack.close()
    except DocgenError as exc:
        outcome.exit_code, outcome.error = exc.exit_code, exc.message
        return
    outcome.written = pending.targets


def _unwind(stack: ExitStack, exc: BaseException) -> BaseException:
    """Unwind ``stack`` with ``exc``; the exception that comes out of it (``exc`` itself, or what
    a context turned it into)."""
    try:
        stack.__exit__(type(exc), exc, exc.__traceback__)
    except BaseException as seen:  # handed back to the caller
        return seen
    return exc


def _abandon(stack: ExitStack, exc: BaseException) -> None:
    """Unwind ``stack`` as if ``exc`` was raised inside it: every temporary file is removed."""
    with suppress(BaseException):
        stack.__exit__(type(exc), exc, exc.__traceback__)


def write_outputs(result: Audit, stem: str, options: Options) -> list[Path]:
    """Write every output of a checked input; DocgenError (and nothing written) when one fails."""
    with ExitStack() as stack:
        pending = _write_parts(result, stem, options, stack)
        error = _convert(pending, options) if pending.pdf else None
        if error is not None:
            raise error
    return pending.targets


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """Output names come from input file names only; a repeated name is an error for the later file.

    Names are compared without regard to case (and Unicode case folding), as Windows and macOS
    compare file names: ``A.yaml`` and ``a.yaml`` would write the same ``a.docx`` there.
    """
    seen: dict[str, Path] = {}
    clashes = []
    for path in paths:
        key = path.stem.casefold()
        if key in seen:
            clashes.append(Problem(str(path), None, "", f"输出文件名与“{seen[key]}”相同（{path.stem}，不区分大小写），会互相覆盖；请改名后重试"))
        seen.setdefault(key, path)
    if clashes:
        from .errors import InputError

        raise InputError(clashes)
    return {path: path.stem for path in paths}


# -- many inputs ------------------------------------------------------------------------------
OnDone = Callable[[int, Outcome], None]
OnStart = Callable[[int], None]
_STOP_GRACE = 10.0  # seconds a stopped worker gets to clean up before it is killed
PDF_GROUP = 50  # at most this many PDFs per LibreOffice process
MIN_PER_WORKER = 12  # without -j, a worker process is started for every this many inputs
MIN_PER_WORKER_PDF = 6  # the same with PDFs (each input costs more, so workers pay off sooner)


def default_jobs() -> int:
    """The number of worker processes when none is asked for: the cores this process may use."""
    counter = getattr(os, "process_cpu_count", None)
    if counter is not None:
        return counter() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def choose_jobs(count: int, jobs: int | None, formats: tuple[str, ...] = DEFAULT_FORMATS) -> int:
    """Worker processes for ``count`` inputs: ``jobs`` when asked for (never more than the inputs),
    else the cores, but fewer for a small batch, where starting a worker costs more than it saves."""
    if jobs is not None:
        return max(1, min(jobs, count))
    per_worker = MIN_PER_WORKER_PDF if "pdf" in formats else MIN_PER_WORKER
    return max(1, min(default_jobs(), count // per_worker))


def render_many(
    paths: list[Path], options: Options, jobs: int | None = None, on_done: OnDone | None = None, on_start: OnStart | None = None
) -> list[Outcome]:
    """Render every input; return their outcomes in input order.

    ``jobs`` worker processes share the inputs (default: ``choose_jobs``; 1, or a single input,
    renders in this process). ``on_start(index)`` is called as an input is taken up and
    ``on_done(index, outcome)`` as it finishes, in this process. One input failing, even by a bug
    in docgen or a worker process that dies, never stops the others: a lost worker is replaced
    and only the input it was working on is reported. On KeyboardInterrupt the workers are
    stopped, the temporary files of this run are removed and the KeyboardInterrupt is raised
    again. Leftovers of earlier runs that were killed are removed first.
    """
    outcomes: list[Outcome | None] = [None] * len(paths)

    def done(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if on_done is not None:
            on_done(index, outcome)

    render_each(paths, options, jobs, done, on_start)
    return outcomes  # type: ignore[return-value]


def render_each(paths: list[Path], options: Options, jobs: int | None, on_done: OnDone, on_start: OnStart | None = None) -> None:
    """``render_many`` that keeps no outcome: each is handed to ``on_done`` only, so memory stays
    the same however many inputs there are."""
    sweep_stale(options.outdir)
    jobs = choose_jobs(len(paths), jobs, options.formats)
    started = on_start or (lambda index: None)
    if jobs == 1:
        for group in _groups(list(enumerate(paths)), 1, options):
            render_group(group, options, started, on_done)
        return
    try:
        _Pool(paths, options, jobs, started, on_done).run()
    except BaseException:
        sweep_stale(options.outdir)
        raise


def _groups(items: list[tuple[int, Path]], jobs: int, options: Options) -> Iterator[list[tuple[int, Path]]]:
    """Inputs in the groups one call of ``render_group`` takes: one each without PDF; with PDF,
    as many as share one LibreOffice process (the batch spread evenly over the workers)."""
    size = 1
    if "pdf" in options.formats:
        size = max(1, min(PDF_GROUP, -(-len(items) // jobs)))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def render_group(group: list[tuple[int, Path]], options: Options, on_start: OnStart, on_done: OnDone) -> None:
    """Render a group of ``(index, path)`` inputs; their PDFs in one LibreOffice process."""
    if not any(fmt == "pdf" for fmt in options.formats) or len(group) == 1:
        for index, path in group:
            on_start(index)
            on_done(index, render_guarded(path, options))
        return
    waiting: list[tuple[int, Outcome, _Pending]] = []
    finished = 0  # how many of ``waiting`` were renamed into place or removed
    try:
        for index, path in group:
            on_start(index)
            try:
                outcome, pending = _prepare(path, options)
            except Exception as exc:  # a bug in docgen must not stop the other inputs
                outcome, pending = _internal(path, exc), None
            if pending is None:
                on_done(index, outcome)
            else:
                waiting.append((index, outcome, pending))
        from .office import docx_to_pdfs

        try:
            jobs = [(p.docx, p.pdf) for _, _, p in waiting]
            errors: list = docx_to_pdfs(jobs, options.pdf_timeout, [p.shown for _, _, p in waiting])
        except Exception as exc:  # a bug: every input of the group says so, none is written
            errors = [_internal(Path(outcome.file), exc) for _, outcome, _ in waiting]
        for (index, outcome, pending), error in zip(waiting, errors):
            finished += 1
            if isinstance(error, Outcome):
                _abandon(pending.stack, RuntimeError(error.error))
                outcome = error
            else:
                _finish(outcome, pending, error)
            on_done(index, outcome)
    finally:
        for _, _, pending in waiting[finished:]:  # interrupted: no unfinished input keeps a file
            _abandon(pending.stack, KeyboardInterrupt())


def render_guarded(path: Path, options: Options) -> Outcome:
    """``render_file`` that turns a bug into an outcome (exit code 3) instead of an exception."""
    try:
        return render_file(path, options)
    except DocgenError as exc:
        return Outcome(str(path), exc.exit_code, error=exc.message)
    except Exception as exc:  # a bug in docgen must not stop the other inputs
        return _internal(path, exc)


def _internal(path: Path, exc: BaseException) -> Outcome:
    return Outcome(str(path), EXIT_INTERNAL, error=f"docgen 内部错误：{type(exc).__name__}: {exc}；请把输入文件和这条信息反馈给维护人员")


_LOST = "docgen 内部错误：处理该文件的工作进程异常退出（可能被结束或内存不足），其余文件不受影响"


class _Worker:
    """One worker process and the pipe to it; ``group`` holds the inputs it has not finished."""

    def __init__(self, context, options: Options):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, options), daemon=True, name="docgen-worker")
        self.process.start()
        child.close()
        self.group: list[tuple[int, Path]] = []
        self.current: int | None = None  # the input being checked and written, if any


class _Pool:
    """Worker processes that take groups of inputs and report each input as it starts and ends.

    Unlike a ProcessPoolExecutor, a worker that dies (killed, out of memory) costs only the
    input it was working on: the others of its group go back in the queue and a new worker
    takes its place. Workers watch this process and stop when it is gone, even by SIGKILL.
    """

    def __init__(self, paths: list[Path], options: Options, jobs: int, on_start: OnStart, on_done: OnDone):
        import multiprocessing

        self.context = multiprocessing.get_context("spawn")  # the same on every platform
        self.options, self.jobs, self.on_start, self.on_done = options, jobs, on_start, on_done
        self.queue = deque(_groups(list(enumerate(paths)), jobs, options))
        self.workers: list[_Worker] = []
        self.retried: set[int] = set()

    def run(self) -> None:
        from multiprocessing.connection import wait

        try:
            with _sigint_ignored():  # workers start with SIGINT ignored: Ctrl-C is for this process
                self.workers = [_Worker(self.context, self.options) for _ in range(min(self.jobs, len(self.queue)))]
            for worker in self.workers:
                self._give(worker)
            while any(worker.group for worker in self.workers):
                busy = [w for w in self.workers if w.group]
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
                for worker in busy:
                    if worker.conn in ready or worker.process.sentinel in ready:
                        self._serve(worker)
        except BaseException:
            self._stop()
            raise
        self._close()

    def _give(self, worker: _Worker) -> None:
        if self.queue and not worker.group:
            worker.group = self.queue.popleft()
            worker.conn.send(worker.group)

    def _serve(self, worker: _Worker) -> None:
        """Handle every message ``worker`` sent; replace it when it died."""
        ended = False
        try:
            while worker.conn.poll():
                self._handle(worker, worker.conn.recv())
        except (EOFError, OSError):
            ended = True
        if ended or not worker.process.is_alive():
            worker.process.join(_STOP_GRACE)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            self._lost(worker)
        elif not worker.group:
            self._give(worker)

    def _handle(self, worker: _Worker, message: tuple) -> None:
        kind, index, *rest = message
        if kind == "start":
            worker.current = index
            self.on_start(index)
        else:  # "done"
            worker.group = [item for item in worker.group if item[0] != index]
            if worker.current == index:
                worker.current = None
            self.on_done(index, rest[0])

    def _lost(self, worker: _Worker) -> None:
        """A worker died: its current input fails, the rest of its group is queued again alone."""
        worker.conn.close()
        group, current = worker.group, worker.current
        if current is None and group:  # died between inputs (e.g. converting PDFs): blame the first
            current = group[0][0]
        for index, path in group:
            if index == current or index in self.retried:
                self.on_done(index, Outcome(str(path), EXIT_INTERNAL, error=_LOST))
            else:
                self.retried.add(index)
                self.queue.appendleft([(index, path)])
        if not self.queue:
            self.workers.remove(worker)
            return
        with _sigint_ignored():
            replacement = _Worker(self.context, self.options)
        self.workers[self.workers.index(worker)] = replacement
        self._give(replacement)

    def _close(self) -> None:
        for worker in self.workers:
            with suppress(OSError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(_STOP_GRACE)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()

    def _stop(self) -> None:
        """Stop the workers: SIGTERM lets each clean up its temporary files; a stuck one is killed."""
        for worker in self.workers:
            with suppress(Exception):
                worker.process.terminate()
        for worker in self.workers:
            worker.process.join(_STOP_GRACE)
            if worker.process.is_alive():
                with suppress(Exception):
                    worker.process.kill()
                worker.process.join()
            with suppress(OSError):
                worker.conn.close()


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


def _worker_main(conn, options: Options) -> None:
    """A worker: render the groups sent over ``conn`` until told to stop (None) or orphaned."""
    _worker_started()
    try:
        while True:
            try:
                group = conn.recv()
            except (EOFError, OSError):
                break
            if group is None:
                break
            render_group(group, options, lambda index: conn.send(("start", index)), lambda index, outcome: conn.send(("done", index, outcome)))
    except SystemExit:
        # Stopped by the parent (or orphaned): temporary files were removed on the way out.
        os._exit(EXIT_INTERRUPTED)
    except (BrokenPipeError, EOFError, OSError):
        os._exit(EXIT_INTERRUPTED)


def _worker_started() -> None:
    """In each worker: Ctrl-C is the parent's business; SIGTERM unwinds (cleaning up) and exits;
    when the parent process is gone (even killed with SIGKILL), the worker stops the same way."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    threading.Thread(target=_watch_parent, name="docgen-parent-watch", daemon=True).start()


def _watch_parent() -> None:
    import _thread
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return
    wait([parent.sentinel])  # ready when the parent has exited, however it ended
    if hasattr(signal, "SIGTERM"):
        _thread.interrupt_main(signal.SIGTERM)  # unwind as for SIGTERM: temporary files are removed
    threading.Event().wait(_STOP_GRACE)
    os._exit(EXIT_INTERRUPTED)


def _terminated(signum, frame) -> None:
    # Once only: a second SIGTERM must not cut short the clean-up the first one started.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(EXIT_INTERRUPTED)
