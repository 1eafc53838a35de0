"""Zip bombs: size limits checked from an archive's directory, before anything is unpacked."""

from __future__ import annotations

import zipfile

ZIP_RATIO = 200  # a real .docx/.xlsx part compresses 5–20×; a zip bomb thousands of times


def bomb_problem(infos: list[zipfile.ZipInfo], max_unpacked: int, max_members: int, ratio: int = ZIP_RATIO) -> str | None:
    """Why an archive's directory looks like a zip bomb (too many members, too large unpacked, a
    member inflating more than `ratio` times), or None."""
    unpacked = sum(info.file_size for info in infos)
    if len(infos) > max_members:
        return f"压缩包内文件过多（{len(infos)} 个），不像是正常的 Word 或工作簿文件"
    if unpacked > max_unpacked:
        return f"解压后过大（{_mb(unpacked)}，上限 {_mb(max_unpacked)}），拒绝读取"
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > ratio * max(info.compress_size, 1):
            return f"压缩比异常（{info.filename} 解压后放大 {info.file_size // max(info.compress_size, 1)} 倍），可能是压缩炸弹，拒绝读取"
    return None


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"
