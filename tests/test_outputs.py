"""Output problems: a target that is a file, a folder that cannot be written, a full disk, a
failure half-way — always exit 2 with a clear message, and earlier outputs stay intact."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from conftest import EXAMPLE_2021


def test_outdir_is_a_file(cli, tmp_path):
    target = tmp_path / "out"
    target.write_text("not a folder", encoding="utf-8")
    result = cli("render", EXAMPLE_2021, "-o", target)
    assert result.code == 2 and "已存在且不是文件夹" in result.err and "Traceback" not in result.text
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_output_name_taken_by_a_folder(cli, tmp_path):
    (tmp_path / "example-2021.docx").mkdir()
    result = cli("render", EXAMPLE_2021, "-o", tmp_path)
    assert result.code == 2 and "是一个已存在的文件夹" in result.err
    assert not (tmp_path / "example-2021.xlsx").exists()


def test_outdir_not_creatable(cli, tmp_path):
    result = cli("render", EXAMPLE_2021, "-o", "/proc/docgen-cannot-exist/out")
    assert result.code == 2 and "无法创建输出文件夹" in result.err and "Traceback" not in result.text


@pytest.mark.parametrize("err, text", [(errno.ENOSPC, "磁盘空间不足"), (errno.EACCES, "没有写入权限")])
def test_disk_full_or_denied_keeps_earlier_outputs(cli, tmp_path, monkeypatch, err, text):
    assert cli("render", EXAMPLE_2021, "-o", tmp_path).code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_replace = os.replace

    def failing_replace(src, dst):
        if str(dst).endswith(".xlsx"):
            raise OSError(err, os.strerror(err))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    result = cli("render", EXAMPLE_2021, "-o", tmp_path)
    assert result.code == 2 and text in result.err and "Traceback" not in result.text
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before, "earlier outputs changed or temp files left"


def test_failure_while_writing_leaves_nothing_new(cli, tmp_path, monkeypatch):
    import docgen.workbook as workbook

    def broken(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook, "write_xlsx", broken)
    result = cli("render", EXAMPLE_2021, "-o", tmp_path)
    assert result.code == 2 and "磁盘空间不足" in result.err
    assert list(Path(tmp_path).iterdir()) == []
