"""docgen users add"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .app import app
from .frame import ChineseTyper
from .output import say

users_app = ChineseTyper(name="users", help="门户（docgen serve --portal）的账号管理。", no_args_is_help=True, options_metavar="[选项]")
app.add_typer(users_app, name="users")


@users_app.command("add")
def add_command(
    name: str = typer.Argument(..., metavar="用户名", help="登录用的用户名（文字、字母、数字和 . _ - @）", show_default=False),
    role: str = typer.Option(..., "--role", help="角色：管理员、审核人或填报人", show_default=False),
    agency: str = typer.Option("", "--agency", help="所属机关（填报人必填；机关不存在时自动创建）", show_default=False),
    display_name: str = typer.Option("", "--display-name", help="显示的姓名（默认用用户名）", show_default=False),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读取密码（一行，供脚本使用），不提示"),
    data: Path | None = typer.Option(None, "--data", help="数据文件夹（与 docgen serve 相同；默认为本用户的 docgen 数据文件夹）", show_default=False),
) -> None:
    """创建门户账号（首次启动门户前，先用它创建管理员）。

    密码按提示输入两次，不会显示在屏幕上；脚本中可用 --password-stdin 从标准输入读取。密码至少 8 个字符，须同时包含字母和数字。
    数据库与 docgen serve 相同：--data 指定数据文件夹，或设置环境变量 DOCGEN_DATABASE_URL 使用 PostgreSQL。
    """
    from ..errors import DocgenError

    try:
        from ..web.accounts import AccountError, Accounts, password_problem
        from ..web.portaldb import CLERK, ROLES
        from ..web.server import open_store
    except ImportError as exc:
        raise DocgenError(f"缺少门户所需的组件（{exc.name}）；请安装：pip install 'docgen[web]'") from None
    role = role.strip()
    if role not in ROLES:  # refuse before asking for a password
        raise DocgenError(f"--role：角色“{role[:20]}”不存在，应为 {'、'.join(ROLES)} 之一")
    if role == CLERK and not agency.strip():
        raise DocgenError("填报人必须属于一个机关：请用 --agency 指定机关名称")
    password = _read_password(password_stdin, password_problem, name)
    store, where = open_store(data)
    try:
        accounts = Accounts(store)
        existed = accounts.agency_id(agency) is not None if agency.strip() else True
        try:
            account = accounts.add(name, role, password, agency=agency, display_name=display_name, must_change=False)
        except AccountError as exc:
            raise DocgenError(exc.message) from None
        from ..web import audit

        audit.record(store, "user_add", "命令行", address="本机", agency=account.agency_name,
                     detail={"username": account.username, "role": account.role, "via": "docgen users add"})
        if not existed:
            audit.record(store, "agency_add", "命令行", address="本机", agency=account.agency_name, detail={"via": "docgen users add"})
    finally:
        store.close()
    made = f"（新建了机关“{account.agency_name}”）" if not existed else ""
    belongs = f"，属于“{account.agency_name}”" if account.agency_name else ""
    say(f"已创建{account.role}账号“{account.username}”{belongs}{made}。数据库：{where}")


def _read_password(from_stdin: bool, problem_of, username: str) -> str:
    from ..errors import DocgenError

    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise DocgenError("--password-stdin：标准输入中没有密码")
    else:
        import getpass

        if not sys.stdin or not sys.stdin.isatty():
            raise DocgenError("没有可以输入密码的终端；在脚本中请用 --password-stdin 从标准输入提供密码")
        try:
            password = getpass.getpass("密码（不会显示）：")
            again = getpass.getpass("再次输入密码：")
        except EOFError:
            raise DocgenError("没有读到密码") from None
        if password != again:
            raise DocgenError("两次输入的密码不一致，未创建账号")
    problem = problem_of(password, username)
    if problem:
        raise DocgenError(f"密码不符合要求：{problem}（未创建账号）")
    return password
