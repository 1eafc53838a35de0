"""docgen rollover"""

from __future__ import annotations

import re
from pathlib import Path

import typer

from .app import app
from .output import problem_lines, say


@app.command("rollover")
def rollover_command(
    last: Path = typer.Argument(..., metavar="上年度文件", readable=False, help="上年度报告的输入文件（.yaml）", show_default=False),
    output: Path | None = typer.Option(None, "-o", "--output", metavar="文件", help="要写出的下一年度输入文件（默认把文件名中的年份加 1）", show_default=False),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的文件"),
) -> None:
    """由上年度报告生成下一年度的输入文件草稿。

    年度加 1，格式版本按新年度选择。“二、上年结转”逐列取上年度的“四、结转下年度继续办理”；2021版的“现行有效件数”沿用上年度；2019版的“上一年项目数量”为上年度的上一年项目数量加本年增/减；其余数字为 0。

    正文沿用上年度并标记为草稿，check 会一直提示，直到改写；第五部分不沿用，只留下填写提示。
    """
    from ..rules.checks import check, has_errors
    from ..errors import DocgenError, Problem
    from ..fsutil import refuse_own_input, write_text
    from ..report.load import load, load_text
    from ..report.rollover import rollover_text

    loaded = load(last)
    year = loaded.report.year + 1
    target = output or _next_name(last, loaded.report.year, year)
    refuse_own_input(target, last, "结转")
    if target.exists() and not force:
        raise DocgenError(f"“{target}”已存在；如需覆盖请加 --force")
    if has_errors(check(loaded.report, lines=loaded.lines)):
        problem_lines([Problem(str(last), None, "", "上年度报告的数字不一致（运行 docgen check 查看），结转的件数可能有误", "warning")])
    text, notes = rollover_text(loaded.report, last.name)
    load_text(text, str(target))
    write_text(target, text)
    problem_lines([Problem(str(target), None, "", note, "warning") for note in notes])
    edition = load_text(text, str(target)).report.edition
    say(f"已生成 {target}（{loaded.report.agency} {year}年度，{edition}版格式；正文为草稿，请改写）")


def _next_name(last: Path, year: int, next_year: int) -> Path:
    """rushankou-2020.yaml → rushankou-2021.yaml; a name without the year gets “-2021”."""
    stem = last.stem
    if str(year) in stem:
        stem = re.sub(str(year), str(next_year), stem)
    else:
        stem = f"{stem}-{next_year}"
    return last.with_name(stem + (last.suffix or ".yaml"))
