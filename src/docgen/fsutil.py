"""Writing outputs atomically: a temporary file in the target folder, renamed over the target
only when complete, so a failed or interrupted run never leaves a partial file or damages an
earlier output of the same name."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from pathlib import Path
from typing import Iterator

from .errors import OutputError

TEMP_PREFIX = ".docgen-"
TEMP_SUFFIX = ".part"


def ensure_folder(folder: Path) -> Path:
    """Create an output folder (and parents); OutputError when it cannot be."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"输出位置“{folder}”已存在且不是文件夹")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹“{folder}”：{_reason(exc)}") from None
    return folder


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success it replaces `target`, else it is removed."""
    target = Path(target)
    if target.is_dir():
        raise OutputError(f"输出文件“{target}”是一个已存在的文件夹")
    ensure_folder(target.parent)
    temp = target.with_name(f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{target.name}{TEMP_SUFFIX}")
    try:
        yield temp
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError(f"无法写入“{target}”：{_reason(exc)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


# Temporary names carry the writer's process id, so leftovers of a killed run can be told apart
# from the files of a run still going on: ".docgen-<pid>-<random>-<name>.part", and names made
# from those (".<that>.<random>.tmp" by the PDF converter).
_TEMP_NAME = re.compile(rf"^\.*{re.escape(TEMP_PREFIX.lstrip('.'))}(\d+)-[0-9a-f]+-")


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the temporary files that docgen processes no longer running left in `folder`."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in Path(folder).iterdir():
            match = _TEMP_NAME.match(entry.name)
            if match and not _alive(int(match.group(1))) and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid > 0
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as temp:
        temp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "没有写入权限"
    if exc.errno == errno.ENOTDIR:
        return "路径中有一部分不是文件夹"
    return exc.strerror or str(exc)
