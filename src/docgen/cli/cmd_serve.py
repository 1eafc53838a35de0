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
    portal: bool = typer.Option(False, "--portal", help="多用户门户：账号登录、角色权限、审计记录（需先用 docgen users add 创建管理员）"),
    behind_proxy: bool = typer.Option(False, "--behind-proxy", help="门户部署在 HTTPS 反向代理（如 nginx）之后：信任代理传来的客户端地址，Cookie 仅通过 HTTPS 发送"),
    proxy_address: str = typer.Option("127.0.0.1", "--proxy-address", help="反向代理的地址（只信任来自这些地址的 X-Forwarded-For/Proto，多个用逗号分隔）"),
    certfile: Path | None = typer.Option(None, "--certfile", help="HTTPS 证书文件（与 --keyfile 一起，直接启用 HTTPS）", show_default=False),
    keyfile: Path | None = typer.Option(None, "--keyfile", help="HTTPS 私钥文件", show_default=False),
    workers: int | None = typer.Option(None, "--workers", help="同时处理请求的工作进程数（默认：门户模式为 CPU 核数，最多 4 个；单机模式 1 个）", show_default=False),
) -> None:
    """在浏览器中填写报告：按官方表格填写，边填边检查，自动保存。

    数据保存在本机的 SQLite 数据库中（--data 指定文件夹）；设置环境变量 DOCGEN_DATABASE_URL 可改用 PostgreSQL。

    --portal 启动多用户门户（管理员、审核人、填报人）：在非本机地址上提供服务时，必须加 --behind-proxy（HTTPS 反向代理）或 --certfile/--keyfile。
    """
    from ..errors import DocgenError

    if not 1 <= port <= 65535:
        raise DocgenError(f"--port：应为 1—65535 之间的端口号，实际为 {port}")
    try:
        from ..web.server import run
    except ImportError as exc:
        raise DocgenError(f"缺少网页填报所需的组件（{exc.name}）；请安装：pip install 'docgen[web]'") from None
    if not portal and (behind_proxy or certfile or keyfile):
        raise DocgenError("--behind-proxy、--certfile、--keyfile 只用于门户模式，请同时加 --portal")
    run(host, port, data, not no_browser, portal=portal, behind_proxy=behind_proxy, proxy_address=proxy_address, certfile=certfile, keyfile=keyfile, workers=workers)
