"""docgen init"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from .app import app
from .output import say


@app.command("init")
def init_command(
    output: Path = typer.Option(..., "-o", "--output", metavar="文件", help="要写出的输入文件（.yaml）", show_default=False),
    edition: int | None = typer.Option(None, "--edition", metavar="版本", help="格式版本：2019 或 2021（默认按年度选择）", show_default=False),
    agency: str = typer.Option("请填写报告机关名称", "--agency", metavar="名称", help="报告机关名称"),
    year: int | None = typer.Option(None, "--year", metavar="年度", help="报告年度（默认为上一年）", show_default=False),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的文件"),
) -> None:
    """生成一份带中文注释的空白输入文件（全部数字为 0），可直接通过 check。"""
    from .. import editions
    from ..errors import DocgenError
    from ..fsutil import write_text
    from ..report.skeleton import skeleton

    year = year or dt.date.today().year - 1
    if not 2008 <= year <= 2100:
        raise DocgenError(f"--year：应为四位年份，实际为 {year}")
    if edition is None:
        spec = editions.for_year(year)
    elif edition in editions.EDITIONS:
        spec = editions.get(edition)
    else:
        raise DocgenError(f"--edition：不认识的格式版本 {edition}，可选：{'、'.join(str(e) for e in editions.EDITIONS)}")
    if output.exists() and not force:
        raise DocgenError(f"“{output}”已存在；如需覆盖请加 --force")
    write_text(output, skeleton(spec, " ".join(agency.split()) or "请填写报告机关名称", year))
    say(f"已生成 {output}（{spec.id}版格式，{year}年度）")
