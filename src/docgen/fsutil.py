"""Writing outputs atomically: a temporary file in the target folder, renamed over the target
only when complete, so a failed or interrupted run never leaves a partial file or damages an
earlier output of the same name."""

from __future__ import annotations

import contextlib
import errno
import os
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
    temp = target.with_name(f"{TEMP_PREFIX}{target.stem}-{secrets.token_hex(4)}{target.suffix}{TEMP_SUFFIX}")
    try:
        yield temp
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError(f"无法写入“{target}”：{_reason(exc)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


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
