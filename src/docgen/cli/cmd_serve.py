"""docgen serve"""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app


@app.command("serve")
def serve_command(
    port: int = typer.Option(8000, "--port", help="端口"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只允许本机访问）"),
    data: Path | None = typer.Option(None, "--data", help="数据文件夹（默认为本用户的 docgen 数据文件夹）", show_default=False),
    no_browser: bool = typer.Option(False, "--no-browser", help="启动后不自动打开浏览器"),
) -> None:
    """在浏览器中填写报告：按官方表格填写，边填边检查，自动保存。

    数据保存在本机的 SQLite 数据库中（--data 指定文件夹）；设置环境变量 DOCGEN_DATABASE_URL 可改用 PostgreSQL。
    """
    from ..errors import DocgenError

    if not 1 <= port <= 65535:
        raise DocgenError(f"--port：应为 1—65535 之间的端口号，实际为 {port}")
    try:
        from ..web.server import run
    except ImportError as exc:
        raise DocgenError(f"缺少网页填报所需的组件（{exc.name}）；请安装：pip install 'docgen[web]'") from None
    run(host, port, data, not no_browser)
