"""The command line in Chinese: help frame, usage errors from click's fields, --version, the
nearest command, bare `docgen`, completion, -q/-v, and what goes to standard output or error."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import EXAMPLE_2021, ROOT, minimal
from docgen import __version__

ENGLISH = re.compile(r"\b(Usage|Options|Arguments|Commands|Show this message|required|default|Missing|Invalid|No such|Error|Got unexpected|Input should|is not|requires)\b")
COMMANDS = ["check", "editions", "import", "init", "render", "rollover", "rollup", "template", "template export", "template check", "completion"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COLUMNS="200", **(env or {}))
    return subprocess.run([sys.executable, "-m", "docgen", *args], capture_output=True, text=True, env=environment)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_is_chinese(cli, command):
    result = cli(*command.split(), "--help")
    assert result.code == 0
    text = result.text
    assert "用法：docgen" in text and "显示本帮助并退出" in text
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert "<" not in text.replace("<输入文件名>", "")  # no Python types such as <list[Path]>


def test_required_and_default_markers_are_chinese(cli):
    text = cli("rollup", "--help").text + cli("render", "--help").text
    assert "[必填]" in text and "[默认：output]" in text and "选项" in text and "参数" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "--bogus"], "没有这个选项：--bogus"),
        (["render", "x.yaml", "--forc"], "没有这个选项：--forc，是不是要用 --force"),
        (["check"], "缺少参数：输入文件"),
        (["rollup", "a.yaml"], "缺少选项 --agency"),
        (["render", "x.yaml", "-o"], "选项 -o 需要一个值"),
        (["render", "x.yaml", "--pdf=yes"], "选项 --pdf 不带值"),
        (["init", "-o", "x.yaml", "--year", "abc"], "--year 的值无效：“abc”不是整数"),
        (["init", "-o", "x.yaml", "--year", "２０２４x"], "--year 的值无效"),
        (["render", "x.yaml", "-j", "two"], "-j/--jobs 的值无效：“two”不是整数"),
        (["editions", "extra"], "多余的参数：extra"),
        (["rendr", "x.yaml"], "没有这个命令：rendr。是不是要用 docgen render？"),
        (["template", "exprt"], "是不是要用 docgen template export？"),
    ],
)
def test_usage_errors_are_chinese_and_exit_2(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    assert message in result.err and result.out == ""
    assert result.err.startswith("命令行有误：") and not ENGLISH.search(result.err), result.err


def test_version(cli):
    result = cli("--version")
    assert result.code == 0 and result.out.strip() == f"docgen {__version__}"
    from importlib import metadata

    try:
        assert metadata.version("docgen") == __version__  # single source: pyproject reads it
    except metadata.PackageNotFoundError:
        pass


def test_bare_docgen_prints_the_help_once():
    result = run()
    assert result.returncode == 0
    assert result.stdout.count("用法：docgen") == 1 and result.stderr == ""
    bare_template = run("template")
    assert bare_template.returncode == 0 and bare_template.stdout.count("用法：docgen template") == 1


def test_findings_on_stdout_diagnostics_on_stderr(cli, write):
    path = write("bad.yaml", minimal(2021, a="applications:\n  received: [3, 0, 0, 0, 0, 0]\n  granted: [2, 0, 0, 0, 0, 0]"))
    result = cli("check", path)
    assert result.code == 1
    assert f"{path}:5: 表三" in result.out and "数字不一致（2 处）" in result.out
    assert result.err == ""
    mistake = cli("check", path, "--bogus")
    assert mistake.out == "" and "命令行有误" in mistake.err


def test_check_redirected_to_a_file_captures_the_findings(tmp_path, write):
    path = write("bad.yaml", minimal(2021, a="applications:\n  received: [3, 0, 0, 0, 0, 0]\n  granted: [2, 0, 0, 0, 0, 0]"))
    target = tmp_path / "结果.txt"
    with target.open("w", encoding="utf-8") as handle:
        environment = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONIOENCODING="utf-8")
        code = subprocess.run([sys.executable, "-m", "docgen", "check", str(path)], stdout=handle, env=environment).returncode
    assert code == 1
    assert "[R1]" in target.read_text(encoding="utf-8")


def test_quiet_and_verbose(cli, write, tmp_path):
    warned = write("w.yaml", "edition: 2019\nagency: x\nyear: 2023\n")
    normal, quiet = cli("check", warned), cli("-q", "check", warned)
    assert "警告：" in normal.out and "警告：" not in quiet.text and "w.yaml：" in quiet.out
    verbose = cli("-v", "render", EXAMPLE_2021, "-o", tmp_path / "out")
    assert verbose.code == 0 and "个工作进程" in verbose.err and str((tmp_path / "out").resolve()) in verbose.err
    both = cli("-q", "-v", "check", warned)
    assert both.code == 2 and "不能同时使用" in both.err


def test_batch_summary_names_the_output_folder(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.yaml").write_text(EXAMPLE_2021.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "~$a.yaml").write_bytes(b"\x00lock")  # Word/WPS owner file: not an input
    result = cli("render", folder, "-o", tmp_path / "out", "-j", "1")
    assert result.code == 0, result.text
    assert f"输出文件夹：{(tmp_path / 'out').resolve()}" in result.out
    assert "~$" not in result.text and "共 2 个文件" in result.out


def test_output_names_that_differ_only_in_case_collide(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("Report", "report"):
        (folder / f"{name}.yaml").write_text(EXAMPLE_2021.read_text(encoding="utf-8"), encoding="utf-8")
    if len(list(folder.iterdir())) < 2:
        pytest.skip("this file system ignores case")
    result = cli("render", folder, "-o", tmp_path / "out")
    assert result.code == 2 and "不区分大小写" in result.err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_completion_script_and_install(tmp_path):
    script = run("completion", "bash")
    assert script.returncode == 0 and "_DOCGEN_COMPLETE" in script.stdout
    home = tmp_path / "home"
    home.mkdir()
    installed = run("completion", "bash", "--install", env={"HOME": str(home)})
    assert installed.returncode == 0, installed.stderr
    assert "已安装" in installed.stdout and "bash" in installed.stdout
    assert "docgen" in (home / ".bashrc").read_text()
    words = run(env={"_DOCGEN_COMPLETE": "complete_bash", "COMP_WORDS": "docgen ren", "COMP_CWORD": "1"})
    assert words.returncode == 0 and "render" in words.stdout.split()
    unknown = run("completion", "tcsh")
    assert unknown.returncode == 2 and "不支持" in unknown.stderr and not ENGLISH.search(unknown.stderr)


def test_a_gbk_console_never_breaks_the_output(tmp_path, write):
    path = write("坏.yaml", minimal(2021, a="applications:\n  received: [3, 0, 0, 0, 0, 0]\n  granted: [2, 0, 0, 0, 0, 0]"))
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONIOENCODING="gbk")
    odd = tmp_path / "报告−①😀.yaml"
    odd.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "docgen", "check", str(path), str(odd)], capture_output=True, env=environment)
    assert result.returncode == 1
    text = result.stdout.decode("gbk")
    assert "[R1]" in text and "Traceback" not in result.stderr.decode("gbk", "replace")


def test_messages_keep_to_gbk_characters():
    """What docgen prints is shown on a GBK console as written: no "−" and the like."""
    import ast

    for folder in ("cli", "rules", "report", "errors.py", "render.py", "office.py", "fsutil.py", "textio.py"):
        root = ROOT / "src" / "docgen" / folder
        for source in [root] if root.is_file() else sorted(root.rglob("*.py")):
            tree = ast.parse(source.read_text(encoding="utf-8"))
            docstrings = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body and isinstance(n.body[0], ast.Expr)}
            for node in ast.walk(tree):
                chinese = isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search("[\u4e00-\u9fff]", node.value)
                if chinese and id(node) not in docstrings:  # a message (patterns and the like are not printed)
                    try:
                        node.value.encode("gbk")
                    except UnicodeEncodeError as error:
                        pytest.fail(f"{source.relative_to(ROOT)}:{node.lineno}: {node.value!r} ({error.object[error.start]!r} is not in GBK)")


def test_progress_bar_names_a_file_from_the_start(monkeypatch):
    import io

    from docgen.cli import cmd_render
    from docgen.render import Outcome

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    view = cmd_render._view(3, ["a.yaml", "b.yaml", "c.yaml"])
    assert isinstance(view, cmd_render._ProgressView)
    description = lambda: view.progress.tasks[0].description  # noqa: E731
    assert "a.yaml" in description()  # before any file has started or finished
    with view:
        view.start(0)
        view.start(1)
        assert description() == "正在处理 a.yaml"
        view.done(0, Outcome("a.yaml", 0))
        assert description() == "正在处理 b.yaml"
        view.done(1, Outcome("b.yaml", 0))
    assert view.count == 2
