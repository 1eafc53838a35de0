"""docgen backup / docgen restore"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..errors import EXIT_INTERRUPTED, DocgenError
from . import output
from .app import app

_DATA_HELP = "数据文件夹（与 docgen serve --data 相同；默认为本用户的 docgen 数据文件夹）"


def _web():
    try:
        from ..web import backup, server
    except ImportError as exc:
        raise DocgenError(f"缺少网页填报所需的组件（{exc.name}）；请安装：pip install 'docgen[web]'") from None
    return backup, server


@app.command("backup")
def backup_command(
    file: Path = typer.Argument(..., help="备份文件（如 docgen-备份-20260126.sqlite3）", show_default=False),
    data: Path | None = typer.Option(None, "--data", help=_DATA_HELP, show_default=False),
    force: bool = typer.Option(False, "--force", help="备份文件已存在时覆盖它"),
) -> None:
    """备份网页填报（docgen serve）的全部数据到一个文件；服务运行时也可以备份。

    SQLite 的备份是一个 SQLite 数据库文件，PostgreSQL 的备份是 pg_dump 的自定义格式文件。
    设置了环境变量 DOCGEN_DATABASE_URL 时，与 docgen serve 一样使用其中的 PostgreSQL 数据库。
    """
    backup, server = _web()
    location = server.locate(data)
    contents = backup.backup(location, file, force)
    output.say(f"已备份 {location.where} → {file}：{contents.describe()}，已校验。")


@app.command("restore")
def restore_command(
    file: Path = typer.Argument(..., help="docgen backup 生成的备份文件", show_default=False),
    data: Path | None = typer.Option(None, "--data", help=_DATA_HELP, show_default=False),
    yes: bool = typer.Option(False, "--yes", "-y", help="不再询问，直接恢复"),
) -> None:
    """用备份文件替换网页填报（docgen serve）的全部数据；须先停止 docgen serve。

    先检查备份文件，确认后才替换；SQLite 的原数据库保留为 docgen.sqlite3.before-restore-<时间>。
    较旧的备份恢复后自动升级到当前的数据库版本。数据库的选择与 docgen serve 相同（--data 或 DOCGEN_DATABASE_URL）。
    """
    backup, server = _web()
    location = server.locate(data)
    prepared = backup.prepare_restore(location, file)
    try:
        now = prepared.current.describe() if prepared.current else "还没有数据"
        typer.echo(f"备份文件：{file}（{prepared.contents.describe()}）", err=True)
        typer.echo(f"将替换：{location.where}（现有：{now}）", err=True)
        if not yes:
            if not sys.stdin or not sys.stdin.isatty():
                raise DocgenError("恢复会替换现有的全部数据，需要确认；在脚本中使用请加 --yes。数据未改动。")
            if not typer.confirm("确定用备份替换现有的全部数据吗？", default=False, err=True):
                typer.echo("已取消，数据未改动。", err=True)
                raise typer.Exit(EXIT_INTERRUPTED)
    except BaseException:
        prepared.discard()
        raise
    kept = prepared.commit()
    output.say(f"已恢复 {file} → {location.where}：{prepared.contents.describe()}。")
    if kept is not None:
        output.say(f"原数据库保留为：{kept}")
