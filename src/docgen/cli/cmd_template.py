"""docgen template export | check"""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app
from .frame import ChineseTyper
from .output import say

template_app = ChineseTyper(
    help="导出官方 Word 模板，或检查修改过的自定义模板（用于 docgen render --template）。",
    invoke_without_command=True,
)
app.add_typer(template_app, name="template")


@template_app.callback()
def _template_help(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:  # bare `docgen template`: its help, once
        text = ctx.get_help()
        if text:
            typer.echo(text)
        raise typer.Exit(0)

_EDITION_HELP = "格式版本：2019 或 2021（默认为现行的 2021 版）"


@template_app.command("export")
def export_command(
    output: Path = typer.Option(..., "-o", "--output", metavar="文件", help="要写出的模板文件（.docx）", show_default=False),
    edition: int | None = typer.Option(None, "--edition", metavar="版本", help=_EDITION_HELP, show_default=False),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的文件"),
) -> None:
    """导出某一格式版本的官方 Word 模板。

    在 Word 或 WPS 中修改字体、页边距、页眉页脚等版式，保留 {{ }} 和 {%p %} 标记，
    再用 docgen template check 检查、docgen render --template 使用。
    """
    from ..word.custom import edition_of, export_template

    spec = edition_of(edition)
    export_template(spec, output, force=force)
    say(f"已导出{spec.id}版格式的官方模板：{output}")


@template_app.command("check")
def check_command(
    template: Path = typer.Argument(..., metavar="模板文件", readable=False, help="要检查的模板文件（.docx）", show_default=False),
    edition: int | None = typer.Option(None, "--edition", metavar="版本", help=_EDITION_HELP, show_default=False),
) -> None:
    """检查自定义 Word 模板：标记能否解析、有没有未知的占位符、有没有删掉的占位符。

    每个问题一行。退出码：0 可以使用，2 有问题。
    """
    from ..errors import EXIT_OK, EXIT_UNUSABLE
    from ..word.custom import check_template, edition_of

    spec = edition_of(edition)
    problems = check_template(template, spec)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        say(f"{template}：有 {len(problems)} 处问题，不能用于{spec.id}版格式的报告")
        raise typer.Exit(EXIT_UNUSABLE)
    say(f"{template}：可以用于{spec.id}版格式的报告")
    raise typer.Exit(EXIT_OK)
