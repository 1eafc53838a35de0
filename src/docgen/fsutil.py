"""Writing outputs atomically: a temporary file in the target folder, renamed over the target
only when complete, so a failed or interrupted run never leaves a partial file or damages an
earlier output of the same name."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import sys
import time
from pathlib import Path
from typing import Iterator

from .errors import OutputError

TEMP_PREFIX = ".docgen-"
TEMP_SUFFIX = ".part"
NAME_MAX_BYTES = 255  # the longest file name (in UTF-8 bytes) common file systems accept
# The PDF converter names its own temporary file ".<temp name>.<12 hex>.tmp" (office.py); room for it.
_CONVERTER_EXTRA = len("..") + 12 + len(".tmp")
# An output held open by Word/WPS/Excel (or scanned by an antivirus) cannot be replaced on
# Windows; an antivirus lets go within moments, so the rename is retried briefly.
REPLACE_RETRIES = (0.1, 0.25, 0.5, 1.0)
LOCKED = "文件正被其他程序打开，请关闭后重试"


def ensure_folder(folder: Path) -> Path:
    """Create an output folder (and parents); OutputError when it cannot be."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"输出位置“{folder}”已存在且不是文件夹")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹“{folder}”：{_reason(exc)}") from None
    return folder


def check_target(target: Path) -> None:
    """OutputError unless `target` is a new path or an existing regular file (never a device,
    a FIFO, a socket or a folder, which replacing would destroy or which would never end)."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError:
        return  # unreadable parents etc.: the write itself reports it
    if stat.S_ISDIR(mode):
        raise OutputError(f"输出文件“{target}”是一个已存在的文件夹")
    if not stat.S_ISREG(mode):
        raise OutputError(f"输出位置“{target}”不是普通文件（设备、管道等），拒绝写入；请换一个文件名")


def temp_name(target_name: str, pid: int | None = None, token: str | None = None) -> str:
    """The temporary name of an output: ``.docgen-<pid>-<8 hex>-<name>.part``, the name shortened
    (at a character boundary) when the whole would be longer than a file system allows."""
    head = f"{TEMP_PREFIX}{os.getpid() if pid is None else pid}-{token or secrets.token_hex(4)}-"
    room = NAME_MAX_BYTES - len(head) - len(TEMP_SUFFIX) - _CONVERTER_EXTRA
    name = target_name.encode("utf-8")[: max(room, 1)].decode("utf-8", errors="ignore")
    return f"{head}{name}{TEMP_SUFFIX}"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success it replaces `target`, else it is removed."""
    target = Path(target)
    check_target(target)
    ensure_folder(target.parent)
    temp = target.with_name(temp_name(target.name))
    try:
        yield temp
        check_target(target)
        replace(temp, target)
    except OSError as exc:
        raise OutputError(f"无法写入“{target}”：{_reason(exc)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def replace(source: Path, target: Path) -> None:
    """os.replace, retried briefly while the target is locked; OutputError naming the file when it stays locked."""
    for pause in (*REPLACE_RETRIES, None):
        try:
            os.replace(source, target)
            return
        except PermissionError as exc:
            if not _locked(exc):
                raise
            if pause is None:
                raise OutputError(f"无法写入“{target}”：{LOCKED}") from None
            time.sleep(pause)


def _locked(exc: OSError) -> bool:
    """Whether a failed rename means another program holds the file open (Windows only)."""
    if getattr(exc, "winerror", None) in (5, 32, 33):  # access denied, sharing / lock violation
        return True
    return _windows() and exc.errno == errno.EACCES


def _windows() -> bool:
    return os.name == "nt" or sys.platform == "win32"


# Only the exact names docgen creates are ever swept: ".docgen-<pid>-<8 hex>-<name>.part" and the
# PDF converter's ".<that>.<12 hex>.tmp". The pid tells leftovers of a killed run from the files
# of a run still going on.
_TEMP_NAME = re.compile(
    rf"^(?:{re.escape(TEMP_PREFIX)}(\d+)-[0-9a-f]{{8}}-.+{re.escape(TEMP_SUFFIX)}"
    rf"|\.{re.escape(TEMP_PREFIX)}(\d+)-[0-9a-f]{{8}}-.+{re.escape(TEMP_SUFFIX)}\.[0-9a-f]{{12}}\.tmp)$",
    re.S,
)


def stale_pid(name: str) -> int | None:
    """The writer's pid when `name` is one of docgen's temporary names, else None."""
    match = _TEMP_NAME.match(name)
    if not match:
        return None
    digits = match.group(1) or match.group(2)
    return int(digits) if len(digits) <= 10 else None


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the temporary files that docgen processes no longer running left in `folder`."""
    removed: list[Path] = []
    folder = folder if isinstance(folder, Path) else Path(folder)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        pid = stale_pid(entry.name)
        if pid is None:
            continue
        try:
            if _alive(pid) or not entry.is_file(follow_symlinks=False):
                continue
            os.unlink(entry.path)
        except OSError:
            continue  # one file that cannot be checked or removed does not stop the sweep
        removed.append(folder / entry.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if _windows():
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, OSError):
        return False
    return _not_zombie(pid)


def _alive_windows(pid: int) -> bool:
    """Whether a process runs, asked without signalling it: on Windows ``os.kill(pid, 0)`` would
    send it a Ctrl-C (signal 0 is CTRL_C_EVENT), or terminate it."""
    try:
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        return True  # cannot tell: keep the file
    query_limited_information, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() == access_denied  # it exists but is not ours to query
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def _not_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat_file:
            return stat_file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as temp:
        temp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def _reason(exc: OSError) -> str:
    if _locked(exc):
        return LOCKED
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "没有写入权限"
    if exc.errno == errno.ENOTDIR:
        return "路径中有一部分不是文件夹"
    if exc.errno == errno.ENAMETOOLONG:
        return "文件名过长，请缩短文件名或输出文件夹路径"
    return exc.strerror or str(exc)


def refuse_own_input(target: Path, source: Path, verb: str) -> None:
    """OutputError when `target` is the very file `source` (same path, link or hard link)."""
    try:
        same = os.path.samefile(target, source)
    except OSError:
        same = False
    if same:
        raise OutputError(f"输出文件“{target}”就是要{verb}的文件，请用 -o 指定其他文件名")
