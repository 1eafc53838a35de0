"""Zip packages (.docx, .xlsx) assembled from members deflated ahead of time.

Most parts of a package are the same in every report (a Word template's styles and theme, a
workbook's theme); they are compressed once per process and copied into each package as they
are, and only the parts that depend on the report are compressed per report.

The bytes written are exactly what ``zipfile`` writes for the same members in the same order
with ``ZIP_DEFLATED`` at the default level, mode 0644 and one timestamp for every member, so a
package does not depend on which of the two made it.
"""

from __future__ import annotations

import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_VERSION = 20  # what zipfile records as the version made by / needed to extract
_SYSTEM = 0 if sys.platform == "win32" else 3
_MODE = 0o644 << 16
_UTF8_NAME = 0x800
_LIMIT = 0xFFFFFFFF  # beyond this a member would need ZIP64 records, which no report comes near


@dataclass(frozen=True)
class Member:
    """One member of a package: its name, its data deflated, the CRC and size of the data."""

    name: str
    deflated: bytes
    crc: int
    size: int


def deflate(name: str, data: bytes) -> Member:
    """A member compressed as zipfile compresses with ZIP_DEFLATED and no level given."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return Member(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def package(members: list[Member], date_time: tuple[int, ...] = ZIP_EPOCH) -> bytes:
    """The zip file of ``members`` in order, every member stamped ``date_time``."""
    dosdate = (date_time[0] - 1980) << 9 | date_time[1] << 5 | date_time[2]
    dostime = date_time[3] << 11 | date_time[4] << 5 | date_time[5] // 2
    body: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for member in members:
        name, flags = _encoded(member.name)
        if max(member.size, len(member.deflated), offset) > _LIMIT:
            raise ValueError(f"{member.name}: too large for a zip file without ZIP64 records")
        sizes = (member.crc, len(member.deflated), member.size, len(name))
        header = struct.pack(
            zipfile.structFileHeader, zipfile.stringFileHeader, _VERSION, 0, flags, zipfile.ZIP_DEFLATED, dostime, dosdate, *sizes, 0
        )
        directory.append(
            struct.pack(
                zipfile.structCentralDir, zipfile.stringCentralDir, _VERSION, _SYSTEM, _VERSION, 0, flags,
                zipfile.ZIP_DEFLATED, dostime, dosdate, *sizes, 0, 0, 0, 0, _MODE, offset,
            )
            + name
        )
        body += (header, name, member.deflated)
        offset += len(header) + len(name) + len(member.deflated)
    listing = b"".join(directory)
    end = struct.pack(zipfile.structEndArchive, zipfile.stringEndArchive, 0, 0, len(members), len(members), len(listing), offset, 0)
    return b"".join(body) + listing + end


def _encoded(name: str) -> tuple[bytes, int]:
    """A member name as zipfile stores it: ASCII as is, anything else UTF-8 with the UTF-8 flag."""
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_NAME
