"""docgen render"""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app
from .output import problem_lines, say, worst


@app.command("render")
def render_command(
    inputs: list[Path] = typer.Argument(..., help="输入文件（.yaml），或包含输入文件的文件夹", show_default=False),
    outdir: Path = typer.Option(Path("output"), "-o", "--outdir", help="输出文件夹"),
    formats: str = typer.Option("docx,xlsx", "--formats", help="输出格式，逗号分隔：docx、xlsx、pdf"),
    pdf: bool = typer.Option(False, "--pdf", help="同时生成 PDF（需要安装 LibreOffice），等同于在 --formats 中加上 pdf"),
    force: bool = typer.Option(False, "--force", help="数字不一致时仍然生成（工作簿的“校验”表会标出不符之处）"),
    template: Path | None = typer.Option(None, "--template", help="自定义 Word 模板（由 docgen template export 导出后修改）", show_default=False),
) -> None:
    """检查输入文件并生成 Word 报告（.docx）和审计工作簿（.xlsx），写入 输出文件夹/<输入文件名>.docx 等。

    数字不一致时不生成任何文件（退出码 1），除非加 --force；文件无法使用时退出码 2。
    """
    from ..discover import expand
    from ..fsutil import ensure_folder
    from ..render import Options, output_stems, parse_formats, render_file

    chosen = parse_formats(formats + (",pdf" if pdf else ""))
    paths = expand(inputs)
    output_stems(paths)
    if template is not None:
        from ..word import prepare_template

        prepare_template(template)
    ensure_folder(outdir)
    options = Options(outdir=outdir, formats=chosen, force=force, template=template)
    codes = []
    for path in paths:
        outcome = render_file(path, options)
        problem_lines(outcome.messages)
        if outcome.error:
            typer.echo(f"{outcome.file}：{outcome.error}", err=True)
        written = "、".join(str(p) for p in outcome.written)
        say(f"{outcome.file}：{outcome.status}" + (f" → {written}" if written else ""))
        codes.append(outcome.exit_code)
    raise typer.Exit(worst(codes))
