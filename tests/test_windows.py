"""Windows code paths, run here by simulation: the platform check says Windows, the POSIX-only
functions (os.killpg, signal.SIGKILL) are removed, the registry is a stand-in module."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

import docgen.office as office
from docgen.errors import OfficeError

from test_office import chinese_docx, fake_soffice, wait_until_gone


@pytest.fixture
def windows(monkeypatch, tmp_path):
    """Look like Windows: no LibreOffice on PATH, Program Files folders under tmp_path."""
    monkeypatch.setattr(office, "_on_windows", lambda: True)
    monkeypatch.setattr(office, "_no_network_prefix", lambda: ())
    monkeypatch.delenv("DOCGEN_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    folders = {}
    for name, folder in (("ProgramFiles", "Program Files"), ("ProgramFiles(x86)", "Program Files (x86)")):
        folders[name] = tmp_path / folder
        folders[name].mkdir()
        monkeypatch.setenv(name, str(folders[name]))
    monkeypatch.delenv("ProgramW6432", raising=False)
    monkeypatch.setitem(sys.modules, "winreg", None)  # import winreg fails, as off Windows
    return folders


def install(folder: Path) -> Path:
    program = folder / "program"
    program.mkdir(parents=True)
    exe = program / "soffice.exe"
    exe.write_text("")
    return exe


def fake_winreg(value: str | None) -> types.ModuleType:
    module = types.ModuleType("winreg")
    module.HKEY_LOCAL_MACHINE, module.HKEY_CURRENT_USER = "HKLM", "HKCU"
    opened = []

    class Key:
        def __init__(self, hive, path):
            opened.append((hive, path))
            if value is None or hive != "HKLM":
                raise FileNotFoundError(path)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    module.OpenKey = Key
    module.QueryValueEx = lambda key, name: (value, 1)
    module.opened = opened
    return module


def test_found_under_program_files(windows):
    exe = install(windows["ProgramFiles(x86)"] / "LibreOffice")
    assert office.find_soffice() == str(exe)


def test_versioned_folder_under_program_files(windows):
    exe = install(windows["ProgramFiles"] / "LibreOffice 7")
    assert office.find_soffice() == str(exe)


def test_found_through_the_registry_app_paths(windows, monkeypatch, tmp_path):
    exe = install(tmp_path / "D-drive" / "Office")
    install(windows["ProgramFiles"] / "LibreOffice")
    registry = fake_winreg(f'"{exe}"')
    monkeypatch.setitem(sys.modules, "winreg", registry)
    assert office.find_soffice() == str(exe)  # the registry comes first
    assert ("HKLM", office._APP_PATHS) in registry.opened


def test_missing_says_in_chinese_where_it_looked(windows, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "winreg", fake_winreg(None))
    assert office.find_soffice() is None
    with pytest.raises(OfficeError) as caught:
        office.docx_to_pdf(chinese_docx(tmp_path / "a.docx"), tmp_path / "a.pdf")
    message = caught.value.message
    assert "未找到 LibreOffice" in message and "已查找" in message and "PATH" in message
    assert "注册表" in message and "App Paths" in message
    assert str(windows["ProgramFiles"] / "LibreOffice" / "program" / "soffice.exe") in message
    assert str(windows["ProgramFiles(x86)"] / "LibreOffice" / "program" / "soffice.exe") in message
    assert "DOCGEN_SOFFICE" in message


def test_timeout_stops_the_tree_without_posix_functions(windows, monkeypatch, tmp_path):
    """No os.killpg, no SIGKILL: the hung tree is ended by taskkill /T /F, not an AttributeError."""
    script, name = fake_soffice(tmp_path, 'if [ "$1" != child ]; then "$0" child & fi\nsleep 60')
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))
    monkeypatch.setenv("PATH", os.defpath)  # the stand-in needs sleep
    real_killpg, real_popen = os.killpg, subprocess.Popen
    monkeypatch.delattr(os, "killpg")
    monkeypatch.delattr(signal, "SIGKILL")
    started_with, taskkills = [], []

    def popen(command, **options):  # Windows options checked, then run here as a group
        started_with.append(options.pop("creationflags"))
        return real_popen(command, start_new_session=True, **options)

    def taskkill(command, **options):  # what taskkill /T /F does: the whole tree ends
        taskkills.append(command)
        real_killpg(int(command[2]), 9)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(office.subprocess, "Popen", popen)
    monkeypatch.setattr(office.subprocess, "run", taskkill)
    begun = time.monotonic()
    with pytest.raises(OfficeError, match="超时"):
        office.docx_to_pdf(chinese_docx(tmp_path / "a.docx"), tmp_path / "a.pdf", timeout=1)
    assert time.monotonic() - begun < 15
    assert started_with and started_with[0] & 0x200  # CREATE_NEW_PROCESS_GROUP
    assert taskkills and taskkills[0][0] == "taskkill" and taskkills[0][3:] == ["/T", "/F"]
    assert wait_until_gone(name) == []
    assert not (tmp_path / "a.pdf").exists()
