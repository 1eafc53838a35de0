"""The CLI: exit codes, messages, init, editions, no tracebacks, documented commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import EXAMPLE_2021, ROOT, SEED_2019, minimal
from docgen.editions import EDITIONS


def test_check_examples_exit_0(cli):
    result = cli("check", SEED_2019, EXAMPLE_2021)
    assert result.code == 0, result.text
    assert "乳山市乳山口镇人民政府 2020年度，2019版格式：通过" in result.out


def test_check_folder(cli):
    result = cli("check", ROOT / "inputs")
    assert result.code == 0 and result.out.count("通过") == len(list((ROOT / "inputs").glob("*.yaml")))


def test_inconsistent_exit_1_names_column_and_rule(cli, write):
    path = write("bad.yaml", minimal(2021, a="applications:\n  received: [3, 0, 0, 0, 0, 0]\n  granted: [2, 0, 0, 0, 0, 0]"))
    result = cli("check", path)
    assert result.code == 1
    assert f"{path}:5: 表三 · 自然人列：[R1] 一、本年新收 3 + 二、上年结转 0 = 3，但（七）总计 2" in result.text
    assert "数字不一致（2 处）" in result.out


def test_unusable_exit_2_one_line_per_problem(cli, write):
    path = write("bad.yaml", minimal(2021, a="applications:\n  received: [五, 0, 0, 0, 0, 0]\n  granted: [0, 0]"))
    result = cli("check", path)
    assert result.code == 2
    lines = [l for l in result.out.splitlines() if l.startswith(f"{path}:")]  # findings, one line each
    assert len(lines) == 2 and result.out.strip().endswith("无法使用（2 处问题）")
    assert "Traceback" not in result.text


def test_worst_exit_code_wins(cli, write):
    bad = write("bad.yaml", "agency: [\n")
    assert cli("check", EXAMPLE_2021, bad).code == 2


def test_warnings_keep_exit_0(cli, write):
    path = write("w.yaml", "edition: 2019\nagency: x\nyear: 2023\n")
    result = cli("check", path)
    assert result.code == 0 and "警告：" in result.text


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_init_output_passes_check(cli, tmp_path, edition):
    out = tmp_path / "new.yaml"
    year = EDITIONS[edition].first_year
    result = cli("init", "--edition", edition, "--agency", "乳山市乳山口镇人民政府", "--year", year, "-o", out)
    assert result.code == 0, result.text
    text = out.read_text(encoding="utf-8")
    spec = EDITIONS[edition]
    for row in spec.app_rows:
        assert f"# {row.label}" in text
    for _, row in spec.active_rows:
        assert f"# {row.label}" in text
    check = cli("check", out)
    assert check.code == 0 and "通过" in check.out
    assert all("[未完成]" in line for line in check.err.splitlines())  # init's stand-ins are flagged, nothing else


def test_init_refuses_to_overwrite(cli, tmp_path):
    out = tmp_path / "x.yaml"
    out.write_text("keep", encoding="utf-8")
    result = cli("init", "-o", out)
    assert result.code == 2 and "已存在" in result.err and out.read_text(encoding="utf-8") == "keep"


def test_init_bad_edition(cli, tmp_path):
    result = cli("init", "--edition", "2018", "-o", tmp_path / "x.yaml")
    assert result.code == 2 and "不认识的格式版本 2018" in result.err and not (tmp_path / "x.yaml").exists()


def test_editions(cli):
    result = cli("editions")
    assert result.code == 0
    for edition in EDITIONS.values():
        assert edition.document in result.out


@pytest.mark.parametrize("args, fragment", [(["check", "--bogus"], "没有这个选项：--bogus"), (["check"], "缺少参数"), (["bogus"], "没有这个命令")])
def test_usage_errors_exit_2(cli, args, fragment):
    result = cli(*args)
    assert result.code == 2 and fragment in result.err


def test_console_script_and_module_entry(tmp_path):
    """`python -m docgen` runs the same CLI in a fresh process, without a traceback."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([sys.executable, "-m", "docgen", "check", str(tmp_path / "none.yaml")], capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 2 and "文件不存在" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


def test_every_command_is_documented_in_readme():
    from docgen.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    for name in names:
        assert re.search(rf"docgen {name}\b", readme), f"README 未介绍命令 docgen {name}"
