"""The Chinese frame around the commands: help panels, usage line, value names, the help option,
and command-line mistakes, all through typer's and click's own hooks.

- Help panel titles and markers are typer's ``rich_utils`` settings, set when help is first
  formatted (importing rich_utils costs about 100 ms, which other commands need not pay).
- ``ChineseCommand`` / ``ChineseGroup`` (typer's command classes, subclassed) write the usage line
  with a Chinese prefix, give the help option a Chinese text, name values in Chinese (flags none),
  and report an unknown command (with the nearest one) or extra arguments in Chinese.
- ``usage_message`` turns click's usage exceptions into Chinese from their fields (the option
  name, the parameter, the value pydantic rejected), never from their English text.
"""

from __future__ import annotations

import difflib

import typer
from typer.core import TyperCommand, TyperGroup

from ..errors import DocgenError

HELP_HINT = "用 docgen --help 或 docgen 命令 --help 查看用法"

_PANEL_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已停用）",
    "ABORTED_TEXT": "已中断。",
    "RICH_HELP": "用 '{command_path} {help_option}' 查看帮助。",
}


def _chinese_panels() -> None:
    from typer import rich_utils

    for name, text in _PANEL_TEXTS.items():
        setattr(rich_utils, name, text)

USAGE_PREFIX = "用法："
HELP_TEXT = "显示本帮助并退出"
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."


class UsageProblem(DocgenError):
    """A mistake on the command line (exit code 2), already in Chinese."""

    def __init__(self, what: str):
        super().__init__(f"命令行有误：{what}（{HELP_HINT}）")


class _ChineseFrame:
    """What commands and groups share: the usage line, the help option, value names."""

    def format_help(self, ctx, formatter) -> None:
        _chinese_panels()
        super().format_help(ctx, formatter)

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE_PREFIX)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if param.metavar is None:
                param.metavar = _value_name(param)
            if param.param_type_name == "argument":
                # The name says what to give; no Python type such as <list[Path]> beside it.
                param.display_type_rich = _no_type
        return params

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or param.name
                pieces.append(name if param.required else f"[{name}]")
        return pieces


def _no_type(ctx) -> None:
    return None


def _value_name(param) -> str:
    """The name shown for a parameter's value when its command gives none: flags take no value."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    many = "..." if param.nargs != 1 else ""
    return ("参数" if param.param_type_name == "argument" else "值") + many


class ChineseCommand(_ChineseFrame, TyperCommand):
    def __init__(self, *args, **kwargs):
        if kwargs.get("options_metavar") in (None, "[OPTIONS]"):
            kwargs["options_metavar"] = OPTIONS_METAVAR
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx, args):
        # Extra arguments are let through the parser, then reported here in Chinese.
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        except Exception as exc:
            if is_usage_error(exc) and getattr(exc, "ctx", None) is None:
                exc.ctx = ctx  # the parser's errors come without it; usage_message looks there
            raise
        finally:
            ctx.allow_extra_args = allowed
        if ctx.args and not allowed and not ctx.resilient_parsing:
            raise UsageProblem(f"多余的参数：{' '.join(ctx.args)}")
        return rest


class ChineseGroup(_ChineseFrame, TyperGroup):
    def __init__(self, *args, **kwargs):
        if kwargs.get("options_metavar") in (None, "[OPTIONS]"):
            kwargs["options_metavar"] = OPTIONS_METAVAR
        if kwargs.get("subcommand_metavar") is None:
            kwargs["subcommand_metavar"] = SUBCOMMAND_METAVAR
        super().__init__(*args, **kwargs)

    def collect_usage_pieces(self, ctx) -> list[str]:
        return [*_ChineseFrame.collect_usage_pieces(self, ctx), self.subcommand_metavar]

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            names = self.list_commands(ctx)
            near = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
            hint = f"是不是要用 {ctx.command_path} {near[0]}？" if near else ""
            raise UsageProblem(f"没有这个命令：{name}。{hint}可用的命令：{'、'.join(names)}")
        return super().resolve_command(ctx, args)


class ChineseTyper(typer.Typer):
    """A typer app whose groups and commands are the Chinese ones above."""

    def __init__(self, **kwargs):
        kwargs.setdefault("cls", ChineseGroup)
        kwargs.setdefault("context_settings", {"help_option_names": ["-h", "--help"]})
        super().__init__(**kwargs)

    def command(self, *args, **kwargs):
        kwargs.setdefault("cls", ChineseCommand)
        return super().command(*args, **kwargs)


def is_usage_error(exc: BaseException) -> bool:
    """A click usage exception (typer's own copy of click, or click itself)."""
    return hasattr(exc, "format_message") and hasattr(exc, "exit_code") and "click" in type(exc).__module__


def usage_message(exc: BaseException) -> str:
    """A click exception, in Chinese, built from its fields."""
    kind = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    param = getattr(exc, "param", None)
    if kind == "NoSuchOption":
        text = f"没有这个选项：{exc.option_name}"
        near = sorted(getattr(exc, "possibilities", None) or ()) or difflib.get_close_matches(exc.option_name, _option_names(ctx), n=1)
        return text + (f"，是不是要用 {'、'.join(near)}？" if near else "")
    if kind == "BadOptionUsage":
        option = _option_named(ctx, exc.option_name)
        if option is not None and getattr(option, "is_flag", False):
            return f"选项 {exc.option_name} 不带值"
        return f"选项 {exc.option_name} 需要一个值"
    if kind == "MissingParameter":
        if param is not None and param.param_type_name == "option":
            return f"缺少选项 {_hint(param)}"
        return f"缺少参数：{_hint(param)}" if param is not None else "缺少参数"
    if kind == "BadParameter":
        return f"{_hint(param) if param is not None else '参数'} 的值无效：{_value_problem(exc)}"
    if kind == "BadArgumentUsage":
        return "参数的个数不对"
    if kind == "FileError":
        return f"无法打开文件“{getattr(exc, 'filename', '')}”"
    return "无法理解这条命令"


def _option_names(ctx) -> list[str]:
    command = getattr(ctx, "command", None)
    names = []
    for param in getattr(command, "params", None) or ():
        names += [n for n in (*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())) if n.startswith("-")]
    return names


def _option_named(ctx, name: str):
    command = getattr(ctx, "command", None)
    for param in getattr(command, "params", None) or ():
        if name in getattr(param, "opts", ()) or name in getattr(param, "secondary_opts", ()):
            return param
    return None


def _hint(param) -> str:
    if param.param_type_name == "option":
        return "/".join(param.opts)
    return (param.metavar or param.name or "").rstrip(".") or "参数"


_PYDANTIC = {
    "int_parsing": "“{input}”不是整数",
    "int_from_float": "“{input}”不是整数",
    "int_type": "“{input}”不是整数",
    "float_parsing": "“{input}”不是数字",
    "float_type": "“{input}”不是数字",
    "decimal_parsing": "“{input}”不是数字",
    "bool_parsing": "“{input}”不是是/否值（可用 true/false、yes/no、1/0）",
    "enum": "“{input}”不是可选的值之一",
    "literal_error": "“{input}”不是可选的值之一",
    "string_too_long": "“{input}”太长",
    "greater_than_equal": "“{input}”太小",
    "less_than_equal": "“{input}”太大",
}


def _value_problem(exc: BaseException) -> str:
    """Why a value was refused: from the pydantic error that caused it, when there is one."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except Exception:  # not pydantic's errors() after all
            first = None
        if isinstance(first, dict):
            template = _PYDANTIC.get(first.get("type", ""), "“{input}”不可用")
            return template.format(input=first.get("input", ""))
    return "这个值不可用（路径不存在、类型不对或不能读取）"
