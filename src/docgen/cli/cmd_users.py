"""docgen users add / list / reset-password"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from . import output
from .app import app
from .frame import ChineseTyper
from .output import say

users_app = ChineseTyper(name="users", help="门户（docgen serve --portal）的账号管理。", no_args_is_help=True, options_metavar="[选项]")
app.add_typer(users_app, name="users")

ACTOR, ADDRESS = "命令行", "本机"  # how the audit trail names the server's command line
_DATA_HELP = "数据文件夹（与 docgen serve 相同；默认为本用户的 docgen 数据文件夹）"


def _portal():
    """The portal's modules (imported here: `docgen --help` stays fast without the web stack)."""
    from ..errors import DocgenError

    try:
        from ..web import accounts, audit, portaldb, server
    except ImportError as exc:
        raise DocgenError(f"缺少门户所需的组件（{exc.name}）；请安装：pip install 'docgen[web]'") from None
    return accounts, audit, portaldb, server


@users_app.command("add")
def add_command(
    name: str = typer.Argument(..., metavar="用户名", help="登录用的用户名（文字、字母、数字和 . _ - @）", show_default=False),
    role: str = typer.Option(..., "--role", help="角色：管理员、审核人或填报人", show_default=False),
    agency: str = typer.Option("", "--agency", help="所属机关（填报人必填；机关不存在时自动创建）", show_default=False),
    display_name: str = typer.Option("", "--display-name", help="显示的姓名（默认用用户名）", show_default=False),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读取密码（一行，供脚本使用），不提示"),
    data: Path | None = typer.Option(None, "--data", help=_DATA_HELP, show_default=False),
) -> None:
    """创建门户账号（首次启动门户前，先用它创建管理员）。

    密码按提示输入两次，不会显示在屏幕上；脚本中可用 --password-stdin 从标准输入读取。密码至少 8 个字符，须同时包含字母和数字。
    数据库与 docgen serve 相同：--data 指定数据文件夹，或设置环境变量 DOCGEN_DATABASE_URL 使用 PostgreSQL。
    """
    from ..errors import DocgenError

    accounts_module, audit, portaldb, server = _portal()
    role = role.strip()
    if role not in portaldb.ROLES:  # refuse before asking for a password
        raise DocgenError(f"--role：角色“{role[:20]}”不存在，应为 {'、'.join(portaldb.ROLES)} 之一")
    if role == portaldb.CLERK and not agency.strip():
        raise DocgenError("填报人必须属于一个机关：请用 --agency 指定机关名称")
    password = _read_password(password_stdin, accounts_module.password_problem, name, "未创建账号")
    store, where = server.open_store(data)
    try:
        accounts = accounts_module.Accounts(store)
        existed = accounts.agency_id(agency) is not None if agency.strip() else True
        try:
            account = accounts.add(name, role, password, agency=agency, display_name=display_name, must_change=False)
        except accounts_module.AccountError as exc:
            raise DocgenError(exc.message) from None
        audit.record(store, "user_add", ACTOR, address=ADDRESS, agency=account.agency_name,
                     detail={"username": account.username, "role": account.role, "via": "docgen users add"})
        if not existed:
            audit.record(store, "agency_add", ACTOR, address=ADDRESS, agency=account.agency_name, detail={"via": "docgen users add"})
    finally:
        store.close()
    made = f"（新建了机关“{account.agency_name}”）" if not existed else ""
    belongs = f"，属于“{account.agency_name}”" if account.agency_name else ""
    say(f"已创建{account.role}账号“{account.username}”{belongs}{made}。数据库：{where}")


@users_app.command("list")
def list_command(
    data: Path | None = typer.Option(None, "--data", help=_DATA_HELP, show_default=False),
) -> None:
    """列出门户的全部账号：用户名、姓名、角色、机关、状态和创建时间。

    状态为“正常”“已停用”“锁定至 时:分”（连续输错密码被锁定）或“须修改初始密码”（一次性密码还没有修改）。
    数据库的选择与 docgen users add 相同（--data 或环境变量 DOCGEN_DATABASE_URL）。不显示任何密码。
    """
    accounts_module, _, portaldb, server = _portal()
    store, where = _open_existing(server, data)
    try:
        accounts = accounts_module.Accounts(store)
        rows, now = accounts.list(), accounts.now()
    finally:
        store.close()
    if not rows:
        say(f"还没有账号；请先用 docgen users add 创建管理员账号。数据库：{where}")
        return
    cells = [(a.username, a.display_name, a.role, a.agency_name, a.status(now), a.created_at.strftime("%Y-%m-%d %H:%M")) for a in rows]
    counts = "、".join(f"{role} {n}" for role in portaldb.ROLES if (n := sum(1 for a in rows if a.role == role)))
    output.table(("用户名", "姓名", "角色", "机关", "状态", "创建时间"), cells, f"共 {len(rows)} 个账号（{counts}）。数据库：{where}")


@users_app.command("reset-password")
def reset_password_command(
    name: str = typer.Argument(..., metavar="用户名", help="要重置密码的账号的用户名", show_default=False),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读取新密码（一行，供脚本使用），不生成一次性密码"),
    enable: bool = typer.Option(False, "--enable", help="账号已停用时同时重新启用（不加时仍保持停用）"),
    data: Path | None = typer.Option(None, "--data", help=_DATA_HELP, show_default=False),
) -> None:
    """重置门户账号的密码（例如管理员忘记了密码，或账号被锁定时，在服务器上使用）。

    默认生成一个一次性密码，只显示这一次（单独一行写到标准输出，说明写到标准错误），该账号下次登录后必须修改；
    加 --password-stdin 时改用从标准输入读到的密码（至少 8 个字符，须同时包含字母和数字），登录后不必修改。
    两种方式都会解除锁定、让该账号在所有设备上退出登录，并记入审计记录；已停用的账号仍保持停用，除非加 --enable。
    """
    from ..errors import DocgenError

    accounts_module, audit, _, server = _portal()
    password = _read_password(True, accounts_module.password_problem, name, "密码未修改") if password_stdin else None
    store, where = _open_existing(server, data)
    try:
        accounts = accounts_module.Accounts(store)
        account = accounts.by_name(name.strip())
        if account is None:
            raise DocgenError(f"没有用户名为“{name.strip()[:64]}”的账号（用 docgen users list 查看全部账号）；未做任何修改。")
        try:
            done = accounts.reset(account.id, password, enable=enable)
        except accounts_module.AccountError as exc:
            raise DocgenError(f"{exc.message}（密码未修改）") from None
        audit.record(store, "user_update", ACTOR, address=ADDRESS, agency=account.agency_name,
                     detail={"username": account.username, "change": _change_text(done), "via": "docgen users reset-password"})
    finally:
        store.close()
    _report_reset(done, where)


def _change_text(done) -> str:
    """The audit trail's words for a reset from the command line."""
    how = "一次性密码" if done.one_time else "由标准输入设定"
    extra = ("，已解除锁定" if done.unlocked else "") + ("，已重新启用" if done.enabled else "")
    return f"命令行重置密码（{how}，已退出其所有登录{extra}）"


def _report_reset(done, where: str) -> None:
    """What the administrator reads. The one-time password goes alone on standard output (a script
    can take it with $(...)); everything else goes to standard error. No other password is shown."""
    account = done.account
    parts = ["已解除锁定"] if done.unlocked else []
    if done.enabled:
        parts.append("已重新启用")
    parts.append(f"已结束其 {done.sessions_ended} 处登录" if done.sessions_ended else "该账号当前没有登录")
    summary = f"已重置{account.role}账号“{account.username}”的密码：{'，'.join(parts)}。"
    talk = output.level() > output.QUIET
    if account.disabled and not done.enabled and talk:
        typer.echo("注意：该账号已停用，重置密码后仍不能登录；要同时重新启用，请加 --enable 重新运行。", err=True)
    if not done.one_time:
        say(f"{summary}新密码即标准输入提供的密码，登录后不必修改。数据库：{where}")
        return
    if talk:
        typer.echo(f"{summary}数据库：{where}", err=True)
        typer.echo("一次性密码（只显示这一次，该账号下次登录后必须修改）：", err=True)
    output.verdict(done.password)


def _open_existing(server, data: Path | None):
    """The store of an existing portal database (a mistyped --data must not create a new one)."""
    from ..errors import DocgenError

    location = server.locate(data)
    if location.sqlite_file is not None and not location.sqlite_file.is_file():
        raise DocgenError(f"数据库“{location.where}”不存在：请检查 --data（应与 docgen serve --data 相同），"
                          "或先用 docgen users add 创建管理员账号。")
    return server.open_store(data)


def _read_password(from_stdin: bool, problem_of, username: str, unchanged: str) -> str:
    """A password from standard input (one line) or typed twice without echo; ``unchanged`` says
    what was not done when it is refused."""
    from ..errors import DocgenError

    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise DocgenError(f"--password-stdin：标准输入中没有密码（{unchanged}）")
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
            raise DocgenError(f"两次输入的密码不一致，{unchanged}")
    problem = problem_of(password, username)
    if problem:
        raise DocgenError(f"密码不符合要求：{problem}（{unchanged}）")
    return password
