"""docgen check"""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app
from .output import problem_lines, say, worst


@app.command("check")
def check_command(
    inputs: list[Path] = typer.Argument(..., help="输入文件（.yaml），或包含输入文件的文件夹", show_default=False),
) -> int:
    """检查输入文件：格式是否正确，表格数字是否符合勾稽关系。

    退出码：0 通过（可能有警告），1 数字不一致，2 文件无法使用。
    """
    from ..audit import audit
    from ..discover import expand

    codes = []
    for path in expand(inputs):
        result = audit(path)
        problem_lines(result.messages())
        codes.append(result.exit_code)
        say(f"{result.file}：{_verdict(result)}")
    raise typer.Exit(worst(codes))


def _verdict(result) -> str:
    if result.loaded is None:
        return f"无法使用（{len(result.problems)} 处问题）"
    report = result.loaded.report
    errors = sum(1 for f in result.findings if f.level == "error")
    warnings = len(result.messages()) - errors
    head = f"{report.agency} {report.year}年度，{report.edition}版格式"
    note = f"，{warnings} 条警告" if warnings else ""
    return f"{head}：数字不一致（{errors} 处）{note}" if errors else f"{head}：通过{note}"
