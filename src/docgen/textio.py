"""Reading an input file's bytes as text: size limit, encodings clerks actually produce
(UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK from Windows Notepad), binary detection."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import Callable

from .errors import InputError, Problem

MAX_INPUT_BYTES = 2 * 1024 * 1024


def read_text(path: Path, shown: str, limit: int = MAX_INPUT_BYTES) -> str:
    """The file's text, or InputError naming the file (`shown` is the name used in messages)."""

    def fail(what: str) -> InputError:
        return InputError([Problem(shown, None, "", what)])

    data = read_regular(path, limit, fail, "输入文件")
    return decode(data, fail)


NOT_REGULAR = "不是普通文件（设备、管道或终端），请提供保存在磁盘上的文件"


def read_regular(path: Path, limit: int, fail: Callable[[str], Exception], what: str = "文件") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; ``fail(reason)`` is raised otherwise.

    Devices, FIFOs and terminals (/dev/zero, a named pipe, /dev/stdin) are refused before they
    are opened (opening a FIFO would wait for a writer); the limit is enforced while reading too,
    so a file that grows, or lies about its size, is never read past it.
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise fail(f"是一个文件夹，不是{what}")
        if not stat.S_ISREG(info.st_mode):
            raise fail(NOT_REGULAR)
        if info.st_size > limit:
            raise fail(_too_large(info.st_size, limit, what))
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise fail(NOT_REGULAR)
            data = file.read(limit + 1)
    except FileNotFoundError:
        raise fail("文件不存在") from None
    except PermissionError:
        raise fail("没有读取权限") from None
    except IsADirectoryError:
        raise fail(f"是一个文件夹，不是{what}") from None
    except OSError as exc:
        raise fail(f"无法读取（{exc.strerror or exc}）") from None
    if len(data) > limit:
        raise fail(_too_large(len(data), limit, what))
    return data


def _too_large(size: int, limit: int, what: str) -> str:
    return f"文件过大（{size // 1024} KB），{what}不应超过 {_size(limit)}"


def _size(limit: int) -> str:
    return f"{limit // 1024 // 1024} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def decode(data: bytes, fail) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _clean(data.decode(encoding))
            except UnicodeDecodeError:
                raise fail(f"文件以 {encoding.upper()} 标记开头，但内容无法按该编码读取") from None
    if _looks_utf16(data):
        try:
            return _clean(data.decode("utf-16-le" if data[1:2] == b"\0" else "utf-16-be"))
        except UnicodeDecodeError:
            pass
    if b"\0" in data:
        raise fail("不是文本文件（含有二进制内容），请提供 UTF-8 编码的 YAML 文件")
    try:
        return _clean(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK/GB2312, the encoding of Windows Notepad in Chinese locales.
        return _clean(data.decode("gb18030"))
    except UnicodeDecodeError:
        raise fail("无法识别文件编码（既不是 UTF-8，也不是 GBK），请另存为 UTF-8 编码") from None


def _looks_utf16(data: bytes) -> bool:
    sample = data[:200]
    return len(sample) >= 4 and (sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4)


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
