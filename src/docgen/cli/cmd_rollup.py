"""docgen rollup"""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app
from .output import problem_lines


@app.command("rollup")
def rollup_command(
    inputs: list[Path] = typer.Argument(..., metavar="输入文件...", readable=False, help="各机关的输入文件（.yaml，或本工具生成的 .xlsx 工作簿），或包含它们的文件夹", show_default=False),
    agency: str = typer.Option(..., "--agency", metavar="名称", help="汇总机关名称（汇总报告的报告机关，如 某某县人民政府）", show_default=False),
    output: Path | None = typer.Option(None, "-o", "--output", metavar="文件", help="汇总输入文件（.yaml）；不写时输出到屏幕（标准输出）", show_default=False),
    workbook: Path | None = typer.Option(None, "--workbook", metavar="工作簿", help="同时生成汇总工作簿（.xlsx）：总览、汇总表（公式）、各机关表、校验", show_default=False),
    force: bool = typer.Option(False, "--force", help="有输入文件数字不一致时仍然汇总（退出码仍为 1）"),
) -> None:
    """把多个机关（各乡镇、各部门）同一格式版本、同一年度的报告逐项相加，生成本级机关的汇总输入文件。

    表格中每个数字都是各机关之和（金额精确相加；采购总金额单位不一时统一换算为万元），正文留给本级机关撰写。
    汇总结果本身也可以再汇总（乡镇 → 县 → 市 → 省）。

    格式版本或年度不一致、同一机关出现两次时拒绝汇总（退出码 2）；有输入文件数字不一致时列出问题并停止（退出码 1），除非加 --force。
    """
    from ..errors import EXIT_INTERRUPTED, DocgenError
    from ..rollup.sum import gather, rollup, write_rollup

    if output is not None and output.suffix.lower() not in (".yaml", ".yml"):
        raise DocgenError(f"-o：汇总输入文件应以 .yaml 结尾，实际为“{output}”；汇总工作簿请用 --workbook")
    if workbook is not None and workbook.suffix.lower() != ".xlsx":
        raise DocgenError(f"--workbook：汇总工作簿应以 .xlsx 结尾，实际为“{workbook}”")
    paths = gather(inputs)
    targets = [t for t in (output, workbook) if t is not None]
    for target in targets:
        clash = next((p for p in paths if p.resolve() == target.resolve()), None)
        if clash is not None:
            raise DocgenError(f"输出文件“{target}”就是输入文件“{clash}”，会覆盖它；请换一个输出位置")
    if output is not None and workbook is not None and output.resolve() == workbook.resolve():
        raise DocgenError(f"-o 和 --workbook 指向同一个文件“{output}”")
    try:
        result = rollup(paths, agency, force)
        # Standard output carries the YAML when there is no -o: the findings go to standard error then.
        problem_lines([m for part in result.parts for m in part.messages()], err=output is None)
        write_rollup(result, output, workbook)
    except KeyboardInterrupt:
        typer.echo("已中断，未写出任何文件。", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if output is None:
        typer.echo(result.to_yaml(), nl=False)
    written = "、".join(str(t) for t in targets)
    note = "（按 --force 汇总了数字不一致的输入）" if result.forced else ""
    typer.echo(
        f"已汇总 {len(result.parts)} 个机关的报告（{result.report.edition}版格式，{result.report.year}年度）"
        f" → {result.report.agency}{note}" + (f"：{written}" if written else ""),
        err=True,
    )
    raise typer.Exit(1 if result.forced else 0)
