"""Old and other office formats (.doc, .wps, .xls, .et, .odt, .ods, .rtf) → the imported report.

LibreOffice converts the file to .docx or .xlsx (the project's runner: private profile, time
limit, the whole process tree killed), in a temporary folder beside nothing of the user's; the
result is imported like any Word document or workbook.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

WORD_SUFFIXES = {".doc", ".wps", ".odt", ".rtf", ".wpt", ".dot", ".fodt"}
SHEET_SUFFIXES = {".xls", ".et", ".ods", ".xlt", ".ett", ".fods"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHEET_STREAM = "Workbook".encode("utf-16-le")  # the stream of an Excel 97–2003 file
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "docx",
    b"application/vnd.oasis.opendocument.spreadsheet": "xlsx",
}


def target_format(path: Path, data: bytes) -> str | None:
    """"docx" or "xlsx" for a file LibreOffice should convert first, else None."""
    suffix = path.suffix.lower()
    if data.startswith(_OLE):
        if _ENCRYPTED in data[:1 << 20]:
            return None  # a password-protected .docx/.xlsx, not an old format
        if suffix in WORD_SUFFIXES:
            return "docx"
        if suffix in SHEET_SUFFIXES or _SHEET_STREAM in data[:1 << 20]:
            return "xlsx"
        return "docx"
    if data.lstrip()[:5] == b"{\\rtf":
        return "docx"
    if data.startswith(b"PK\x03\x04") and data[30:38] == b"mimetype":
        for mimetype, fmt in ODF_MIMETYPES.items():
            if mimetype in data[38:38 + 80]:
                return fmt
    if suffix in WORD_SUFFIXES | SHEET_SUFFIXES and data.startswith(b"PK\x03\x04"):
        return "xlsx" if suffix in SHEET_SUFFIXES else "docx"
    return None


def convertible(path: Path, data: bytes) -> bool:
    return target_format(path, data) is not None


def import_converted(path: Path, shown: str, data: bytes):
    """Convert with LibreOffice, then import the .docx/.xlsx it wrote."""
    from ..errors import OfficeError
    from ..office import convert_document
    from . import _unusable, import_file

    fmt = target_format(path, data)
    kind = "旧版或其他格式的工作簿" if fmt == "xlsx" else "旧版或其他格式的文档"
    with tempfile.TemporaryDirectory(prefix="docgen-import-") as work:
        try:
            made = convert_document(path, fmt, Path(work))
        except OfficeError as error:
            raise _unusable(shown, f"是{kind}（{path.suffix or '无扩展名'}），需要用 LibreOffice 转换为 .{fmt} 后读取，但转换失败：{error.message}") from None
        imported = import_file(made, shown)
    imported.converted_from = path.suffix.lower() or fmt
    return imported
