"""docgen check"""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app
from .output import problem_lines, verdict, worst


@app.command("check")
def check_command(
    inputs: list[Path] = typer.Argument(..., metavar="输入文件...", readable=False, help="输入文件（.yaml），或包含输入文件的文件夹", show_default=False),
    previous: Path | None = typer.Option(
        None, "--previous", metavar="上年度文件", readable=False, help="上年度报告的输入文件（.yaml）：核对上年结转（R5）、现行有效件数（R6）和第五部分是否与上年雷同", show_default=False
    ),
) -> int:
    """检查输入文件：格式是否正确，表格数字是否符合勾稽关系，正文数字是否与表格一致。

    加 --previous 时还核对跨年度关系：R5（上年结转 = 上年度结转下年度继续办理，不符为错误）、R6（现行有效件数的连续性，警告）、第五部分是否与上年度雷同（警告）。

    发现的问题（每行一个，注明文件、行号和官方标签）和每个文件的结论写到标准输出，可用 docgen check 报告.yaml > 结果.txt 保存。

    退出码：0 通过（可能有警告），1 数字不一致，2 文件无法使用。
    """
    from ..rules.audit import audit
    from ..discover import expand

    last = _previous(previous) if previous is not None else None
    codes = []
    for path in expand(inputs):
        result = audit(path, previous=last)
        problem_lines(result.messages())
        codes.append(result.exit_code)
        verdict(f"{result.file}：{_verdict(result)}")
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


def _previous(path: Path):
    """Last year's report; an unusable file stops the command (exit 2) with its problems."""
    from ..errors import DocgenError, InputError
    from ..report.load import load

    try:
        return load(path).report
    except InputError as exc:
        problem_lines(exc.problems)
        raise DocgenError(f"上年度报告“{path}”无法使用（{len(exc.problems)} 处问题），未进行检查") from None
