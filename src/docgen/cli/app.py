"""The typer application, and the one place that turns errors into messages and exit codes.

Where output goes: results on standard output (findings, one line per problem; per-file
verdicts; summaries; a roll-up's YAML when no -o is given), everything else on standard error
(progress, command-line mistakes, diagnostics, interruptions, internal errors).
"""

from __future__ import annotations

import os
import signal
import sys

import typer

from .. import __version__
from ..errors import EXIT_INTERRUPTED, EXIT_UNUSABLE, DocgenError
from . import output
from .frame import ChineseTyper, is_usage_error, usage_message

EXIT_INTERNAL = 3

app = ChineseTyper(
    name="docgen",
    help="政府信息公开工作年度报告生成工具：检查数字勾稽关系，生成 Word 报告（.docx）和审计工作簿（.xlsx）。",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    options_metavar="[选项]",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"docgen {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main_options(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", "-V", help="显示版本号并退出", is_eager=True, callback=_show_version),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="安静：只输出错误和结论，不显示警告、进度和成功信息"),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="详细：在标准错误上多输出诊断信息（使用的工作进程数、LibreOffice 路径等）"),
) -> None:
    """政府信息公开工作年度报告生成工具：检查数字勾稽关系，生成 Word 报告（.docx）和审计工作簿（.xlsx）。

    结果（发现的问题、每个文件的结论、汇总表）写到标准输出，进度和诊断信息写到标准错误，
    因此 docgen check 报告.yaml > 结果.txt 可以保存检查结果。
    """
    if quiet and verbose:
        raise DocgenError("-q/--quiet 和 -v/--verbose 不能同时使用")
    output.set_level(output.QUIET if quiet else output.VERBOSE if verbose else output.NORMAL)
    if ctx.invoked_subcommand is None:  # bare `docgen`: the help, once
        text = ctx.get_help()  # typer's rich help prints itself and returns ""
        if text:
            typer.echo(text)
        raise typer.Exit(0)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and exit with) 0 ok, 1 inconsistent figures, 2 unusable input, 130 interrupted."""
    signal.signal(signal.SIGTERM, _terminated)  # `kill` cleans up like Ctrl-C does
    output.console_safe()
    code = run(argv)
    sys.exit(code)


def _terminated(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise KeyboardInterrupt


def run(argv: list[str] | None = None) -> int:
    output.set_level(output.NORMAL)
    if os.environ.get("_DOCGEN_COMPLETE"):  # the shell asks for completions
        from .cmd_completion import prepare

        prepare()
    try:
        result = app(args=argv, prog_name="docgen", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("已中断。", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        typer.echo("已中断，未完成的输出已清理；已经完成的文件保留。", err=True)
        return EXIT_INTERRUPTED
    except DocgenError as exc:
        typer.echo(exc.message, err=True)
        return exc.exit_code
    except Exception as exc:
        if is_usage_error(exc):
            typer.echo(f"命令行有误：{usage_message(exc)}（用 docgen --help 或 docgen 命令 --help 查看用法）", err=True)
            return EXIT_UNUSABLE
        if os.environ.get("DOCGEN_DEBUG") or output.level() >= output.VERBOSE:
            import traceback

            traceback.print_exc()
            if os.environ.get("DOCGEN_DEBUG"):
                raise
        # A bug in docgen, not the user's fault.
        typer.echo(f"docgen 内部错误：{type(exc).__name__}: {exc}\n请把输入文件和这条信息反馈给维护人员（设置 DOCGEN_DEBUG=1 或加 -v 可查看详细信息）。", err=True)
        return EXIT_INTERNAL
