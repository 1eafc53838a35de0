"""docgen render"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import typer

from . import output
from .app import app
from .output import worst


@app.command("render")
def render_command(
    inputs: list[Path] = typer.Argument(..., metavar="输入文件...", readable=False, help="输入文件（.yaml），或包含输入文件的文件夹", show_default=False),
    outdir: Path = typer.Option(Path("output"), "-o", "--outdir", metavar="文件夹", help="输出文件夹"),
    formats: str = typer.Option("docx,xlsx", "--formats", metavar="格式", help="输出格式，逗号分隔：docx、xlsx、pdf、html（网页，可直接粘贴到网站内容管理系统）"),
    pdf: bool = typer.Option(False, "--pdf", help="同时生成 PDF（需要安装 LibreOffice），等同于在 --formats 中加上 pdf"),
    force: bool = typer.Option(False, "--force", help="数字不一致时仍然生成（工作簿的“校验”表会标出不符之处）"),
    template: Path | None = typer.Option(None, "--template", metavar="模板", readable=False, help="自定义 Word 模板（由 docgen template export 导出后修改）", show_default=False),
    jobs: int | None = typer.Option(
        None,
        "-j",
        "--jobs",
        metavar="个数",
        help="工作进程数；默认按 CPU 核数，文件少时自动减少（启动进程比省下的时间还多）；-j 1 在本进程内逐个处理",
        show_default=False,
    ),
) -> None:
    """检查输入文件并生成 Word 报告（.docx）和审计工作簿（.xlsx），写入 输出文件夹/<输入文件名>.docx 等。

    可以一次处理整个文件夹或多个文件，多个工作进程同时进行；某个文件出错不影响其他文件，出错的文件不生成任何输出。
    结束时列出每个文件的结果和输出文件夹，退出码取所有文件中最严重的：数字不一致为 1（加 --force 仍然生成），文件无法使用为 2。
    生成 PDF 时一批文件共用一个 LibreOffice 进程（每个工作进程一个），比每份报告单独启动快得多。

    每个文件的问题和结果写到标准输出，进度条写到标准错误。
    """
    from ..discover import expand
    from ..errors import EXIT_INTERRUPTED, DocgenError
    from ..fsutil import ensure_folder
    from ..render import Options, choose_jobs, output_stems, parse_formats, render_each

    if jobs is not None and jobs < 1:
        raise DocgenError(f"-j/--jobs：工作进程数至少为 1，实际为 {jobs}")
    chosen = parse_formats(formats + (",pdf" if pdf else ""))
    paths = expand(inputs)
    output_stems(paths)
    if template is not None:
        from ..word.render import prepare_template

        prepare_template(template)
    ensure_folder(outdir)
    options = Options(outdir=outdir, formats=chosen, force=force, template=template)
    output.note(f"{len(paths)} 个输入文件，{choose_jobs(len(paths), jobs, chosen)} 个工作进程，输出到 {outdir.resolve()}")
    if "pdf" in chosen:
        from ..office import find_soffice

        output.note(f"LibreOffice：{find_soffice() or '未找到'}")
    view = _view(len(paths), [str(p) for p in paths])
    try:
        with view:
            render_each(paths, options, jobs, view.done, view.start)
    except KeyboardInterrupt:
        typer.echo(f"已中断：{view.count} 个文件已处理完，其余未生成；未完成的输出已清理。", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    rows = [row for row in view.rows if row is not None]
    if len(rows) > 1:
        _summary(rows, outdir)
    raise typer.Exit(worst([row.exit_code for row in rows]))


def _line(outcome) -> str:
    written = "、".join(str(p) for p in outcome.written)
    return f"{outcome.file}：{outcome.status}" + (f" → {written}" if written else "")


class _Row(NamedTuple):
    """What the summary shows of one file (the outcome itself, messages and all, is not kept)."""

    file: str
    status: str
    errors: int
    warnings: int
    written: str
    exit_code: int


class _PlainView:
    """Not a terminal: one line per finished file, its messages before it (standard output)."""

    def __init__(self, total: int, names: list[str] | None = None):
        self.total = total
        self.names = names or []
        self.count = 0
        self.rows: list[_Row | None] = [None] * total  # in input order

    def start(self, index: int) -> None:
        return None

    def keep(self, index: int, outcome) -> None:
        written = "、".join(p.name for p in outcome.written)
        self.rows[index] = _Row(outcome.file, outcome.status, outcome.errors, outcome.warnings, written, outcome.exit_code)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def done(self, index: int, outcome) -> None:
        self.count += 1
        self.keep(index, outcome)
        output.problem_lines(outcome.messages)
        if outcome.error:  # why nothing was written: a diagnostic
            typer.echo(f"{outcome.file}：{outcome.error}", err=True)
        prefix = f"[{self.count}/{self.total}] " if self.total > 1 else ""
        typer.echo(prefix + _line(outcome))


class _ProgressView(_PlainView):
    """A terminal: a progress bar on standard error, messages printed above it."""

    def __init__(self, total: int, names: list[str] | None = None):
        super().__init__(total, names)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(file=sys.stderr)
        self.progress = Progress(
            TextColumn("生成报告"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=self.console,
            transient=True,
        )
        # The bar names a file from the start: the first one, until the workers say which they are on.
        self.working: list[int] = []
        self.task = self.progress.add_task(self.names[0] if self.names else "", total=total)

    def start(self, index: int) -> None:
        self.working.append(index)
        self._describe()

    def _describe(self) -> None:
        if self.working and self.names:
            self.progress.update(self.task, description=f"正在处理 {self.names[self.working[0]]}")

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def done(self, index: int, outcome) -> None:
        # Messages are results (standard output), printed above the bar (standard error).
        self.count += 1
        self.keep(index, outcome)
        for message in outcome.messages:  # the bar's live display puts standard output above it
            if output.level() > output.QUIET or message.level == "error":
                typer.echo(str(message))
        if outcome.error:
            self.console.print(f"{outcome.file}：{outcome.error}", markup=False, highlight=False)
        if index in self.working:
            self.working.remove(index)
        self.progress.update(self.task, advance=1)
        self._describe()


def _view(total: int, names: list[str] | None = None) -> _PlainView:
    if total > 1 and sys.stderr.isatty() and output.level() > output.QUIET:
        return _ProgressView(total, names)
    return _PlainView(total, names)


def _summary(rows: list[_Row], outdir: Path) -> None:
    """The table at the end of a batch: file, outcome, number of errors and warnings, outputs."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="生成结果", box=box.SIMPLE_HEAD, title_justify="left")
    for header, justify in (("文件", "left"), ("结果", "left"), ("错误", "right"), ("警告", "right"), ("输出", "left")):
        table.add_column(header, justify=justify, overflow="fold")
    for row in rows:
        cells = (row.file, row.status, str(row.errors), str(row.warnings), row.written)
        table.add_row(*(Text(cell) for cell in cells))  # file names are shown as they are, never as markup
    ok = sum(1 for row in rows if row.written)
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160, highlight=False)
    console.print(table)
    console.print(f"共 {len(rows)} 个文件：{ok} 个已生成，{len(rows) - ok} 个未生成。输出文件夹：{outdir.resolve()}", markup=False)
