"""docgen completion"""

from __future__ import annotations

import os
import sys

import typer

from .app import app
from .output import say

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
COMPLETE_VAR = "_DOCGEN_COMPLETE"


@app.command("completion")
def completion_command(
    shell: str | None = typer.Argument(None, metavar="[外壳]", help="bash、zsh、fish 或 powershell；不写时按当前环境判断", show_default=False),
    install: bool = typer.Option(False, "--install", help="安装到当前用户的外壳配置（如 ~/.bashrc），重新打开终端后生效"),
) -> None:
    """命令补全：输出补全脚本，或加 --install 安装，之后按 Tab 键可补全命令和选项。"""
    from ..errors import DocgenError

    shell = (shell or _current_shell() or "").lower()
    if shell not in SHELLS:
        raise DocgenError(f"不支持的外壳“{shell or '未能识别'}”；可选：{'、'.join(SHELLS)}，例如 docgen completion bash --install")
    prepare()
    from typer.completion import get_completion_script
    from typer.completion import install as install_script

    if not install:
        typer.echo(get_completion_script(prog_name="docgen", complete_var=COMPLETE_VAR, shell=shell))
        return
    try:
        shell, path = install_script(shell=shell, prog_name="docgen", complete_var=COMPLETE_VAR)
    except OSError as error:
        raise DocgenError(f"无法安装命令补全：{error.strerror or error}") from None
    say(f"已安装 {shell} 的命令补全：{path}；重新打开终端后生效")


def prepare() -> None:
    """Register typer's completion classes (what the shell scripts call back into)."""
    import typer.completion

    typer.completion.completion_init()


def _current_shell() -> str | None:
    if sys.platform == "win32":
        return "powershell"
    return os.path.basename(os.environ.get("SHELL", "")) or None
