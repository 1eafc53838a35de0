"""The typer application, and the one place that turns errors into messages and exit codes."""

from __future__ import annotations

import os
import re
import signal
import sys

import typer

try:  # recent typer vendors its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover - typer on plain click
    from click.exceptions import ClickException, NoArgsIsHelpError

from ..errors import EXIT_INTERRUPTED, EXIT_UNUSABLE, DocgenError

EXIT_INTERNAL = 3

app = typer.Typer(
    name="docgen",
    help="政府信息公开工作年度报告生成工具：检查数字勾稽关系，生成 Word 报告（.docx）和审计工作簿（.xlsx）。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and exit with) 0 ok, 1 inconsistent figures, 2 unusable input, 130 interrupted."""
    signal.signal(signal.SIGTERM, _terminated)  # `kill` cleans up like Ctrl-C does
    code = run(argv)
    sys.exit(code)


def _terminated(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise KeyboardInterrupt


def run(argv: list[str] | None = None) -> int:
    try:
        result = app(args=argv, prog_name="docgen", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return EXIT_UNUSABLE
    except typer.Abort:
        typer.echo("已中断。", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        typer.echo("已中断，未完成的输出已清理；已经完成的文件保留。", err=True)
        return EXIT_INTERRUPTED
    except ClickException as exc:
        typer.echo(f"命令行有误：{_usage_message(exc.format_message())}（用 docgen --help 或 docgen 命令 --help 查看用法）", err=True)
        return EXIT_UNUSABLE
    except DocgenError as exc:
        typer.echo(exc.message, err=True)
        return exc.exit_code
    except Exception as exc:  # a bug in docgen, not the user's fault
        if os.environ.get("DOCGEN_DEBUG"):
            raise
        typer.echo(f"docgen 内部错误：{type(exc).__name__}: {exc}\n请把输入文件和这条信息反馈给维护人员（设置 DOCGEN_DEBUG=1 可查看详细信息）。", err=True)
        return EXIT_INTERNAL


_USAGE = (
    (re.compile(r"No such option: (\S+)"), "没有这个选项：{0}"),
    (re.compile(r"No such command '([^']+)'"), "没有这个命令：{0}"),
    (re.compile(r"Missing (?:argument|parameter):? '?([^'.]+)"), "缺少参数：{0}"),
    (re.compile(r"Option '([^']+)' requires an argument"), "选项 {0} 需要一个值"),
    (re.compile(r"Invalid value for '([^']+)': (.*)"), "{0} 的值无效：{1}"),
    (re.compile(r"Got unexpected extra arguments? \((.*)\)"), "多余的参数：{0}"),
)


def _usage_message(text: str) -> str:
    for pattern, chinese in _USAGE:
        match = pattern.search(text)
        if match:
            return chinese.format(*match.groups())
    return text
