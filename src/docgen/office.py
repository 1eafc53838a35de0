"""LibreOffice headless and poppler: the one place docgen runs office tools.

Every LibreOffice run gets a fresh private profile that tells Calc to recalculate every formula
on load, runs in its own process group with a time limit, and sees docgen's fontconfig alias
file, so the official Windows faces are drawn with free look-alikes.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from xml.etree import ElementTree

from docgen.errors import OfficeError, OutputError

SOFFICE_ENV = "DOCGEN_SOFFICE"
DEFAULT_TIMEOUT = 120.0
POPPLER_TIMEOUT = 120.0
FONTS_CONF = Path(__file__).resolve().parent / "fonts" / "fonts.conf"

# Separator ",", quote '"', UTF-8, from line 1, no column formats, default language,
# quoted fields not forced to text, detect special numbers, raw values (not "as shown"),
# values (not formulas), keep spaces, all sheets (one file per sheet).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

# Calc: always recalculate on load, whatever cached values an OOXML or ODF file carries.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_MISSING = "未找到 LibreOffice（soffice），无法生成 PDF 或重新计算工作簿；请安装 LibreOffice 后重试"
_STDERR_TAIL = 800
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def find_soffice() -> str | None:
    """Return the LibreOffice executable to run, or None when there is none.

    The environment variable DOCGEN_SOFFICE (a path or a command name) wins over the PATH
    lookup of ``soffice`` and ``libreoffice``; when it is set but unusable, None is returned.
    """
    override = os.environ.get(SOFFICE_ENV, "").strip()
    if override:
        return shutil.which(override)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def docx_to_pdf(docx: Path, pdf: Path, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert a Word document to PDF with LibreOffice and return the PDF path.

    The PDF is made in a temporary folder and then renamed into place, so a failed or
    interrupted run leaves an earlier ``pdf`` untouched. Raises OfficeError when LibreOffice
    is missing, times out or fails, OutputError when ``pdf`` cannot be written.
    """
    docx, pdf = Path(docx), Path(pdf)
    _require_file(docx)
    with tempfile.TemporaryDirectory(prefix="docgen-pdf-") as work:
        outdir = Path(work)
        stderr = _run_soffice(["--convert-to", "pdf"], docx, outdir, timeout)
        made = outdir / f"{docx.stem}.pdf"
        if not made.is_file():
            raise _no_output(docx, stderr)
        _replace_atomically(made, pdf)
    return pdf


def workbook_to_csv(xlsx: Path, timeout: float = DEFAULT_TIMEOUT) -> dict[str, list[list[str]]]:
    """Recalculate a workbook with LibreOffice and return every sheet as rows of cell text.

    The result maps sheet name to rows, in workbook order when the sheet list can be read.
    Formulas are recalculated on load, so cached values in the file are ignored.

    Cells hold LibreOffice's raw values rather than the text as displayed (the filter's "save
    cell contents as shown" is off): no thousands separators and no fixed decimals ("1234.5"
    for 1,234.50; "3" for 3.00 or 3.0); at most 15 significant digits ("0.666666666666667",
    "0.3" for =0.1+0.2); very large numbers in scientific notation ("1.23456789012346E+017").
    Two exceptions keep a format: a percent-formatted cell is the raw value times 100 with a
    percent sign ("25%" for 0.25 shown as 25%, "12.345%" for 0.12345 shown as 12.35%), and a
    date follows its date format ("2021-03-04"). Booleans are "TRUE"/"FALSE", errors are text
    such as "#DIV/0!", empty cells are "". Every row is as wide as the sheet's used area.
    """
    xlsx = Path(xlsx)
    _require_file(xlsx)
    with tempfile.TemporaryDirectory(prefix="docgen-csv-") as work:
        outdir = Path(work)
        stderr = _run_soffice(["--convert-to", CSV_FILTER], xlsx, outdir, timeout)
        files = _sheet_files(outdir, xlsx.stem, _sheet_names(xlsx))
        if not files:
            raise _no_output(xlsx, stderr)
        return {name: _read_csv(path) for name, path in files.items()}


def convert_document(source: Path, target_format: str, outdir: Path, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert an office file (.doc, .wps, .xls, .et, .odt, .ods, .rtf…) to ``target_format``
    ("docx" or "xlsx") in ``outdir`` with the same runner as every other conversion; return the
    new file. Raises OfficeError when LibreOffice is missing, times out, fails or writes nothing.
    """
    source, outdir = Path(source), Path(outdir)
    _require_file(source)
    stderr = _run_soffice(["--convert-to", target_format], source, outdir, timeout)
    made = outdir / f"{source.stem}.{target_format}"
    if not made.is_file():
        raise _no_output(source, stderr)
    return made


def pdf_text(pdf: Path) -> str:
    """Return the text of a PDF as extracted by poppler's pdftotext (reading order, UTF-8)."""
    pdf = Path(pdf)
    _require_file(pdf)
    result = _run_tool("pdftotext", ["-enc", "UTF-8", str(pdf), "-"], pdf)
    return result.stdout.decode("utf-8", errors="replace")


def pdf_to_png(
    pdf: Path,
    out_prefix: Path,
    first_page: int = 1,
    last_page: int | None = None,
    dpi: int = 96,
) -> list[Path]:
    """Render PDF pages to PNG with poppler's pdftoppm and return the images in page order.

    Images are named ``<out_prefix>-<page>.png`` (pdftoppm pads the page number to the
    width of the page count).
    """
    pdf, out_prefix = Path(pdf), Path(out_prefix)
    _require_file(pdf)
    args = ["-png", "-r", str(dpi), "-f", str(first_page)]
    if last_page is not None:
        args += ["-l", str(last_page)]
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    _run_tool("pdftoppm", [*args, str(pdf), str(out_prefix)], pdf)
    return _rendered_pages(out_prefix, first_page, last_page)


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise OfficeError(f"找不到要转换的文件：{path}")


def _no_output(source: Path, stderr: bytes) -> OfficeError:
    return OfficeError(f"LibreOffice 未能转换 {source}：没有生成输出文件{_tail(stderr)}")


@contextmanager
def _private_profile() -> Iterator[Path]:
    """A fresh LibreOffice profile folder, seeded with the recalculation settings."""
    folder = Path(tempfile.mkdtemp(prefix="docgen-lo-"))
    try:
        user = folder / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _office_env() -> dict[str, str]:
    env = dict(os.environ)
    if FONTS_CONF.is_file():
        env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env


def _run_soffice(convert: list[str], source: Path, outdir: Path, timeout: float) -> bytes:
    """Run one headless conversion of ``source`` into ``outdir`` and return its stderr.

    Raises OfficeError when LibreOffice is missing, times out or exits with an error.
    """
    soffice = find_soffice()
    if soffice is None:
        raise OfficeError(_MISSING)
    with _private_profile() as profile:
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            *convert,
            "--outdir",
            str(outdir),
            str(source.resolve()),
        ]
        code, stderr = _run_in_group(command, timeout, source)
    if code != 0:
        raise OfficeError(f"LibreOffice 转换失败（退出码 {code}）：{source}{_tail(stderr)}")
    return stderr


def _run_in_group(command: list[str], timeout: float, source: Path) -> tuple[int, bytes]:
    """Run ``command`` in a new process group; kill the whole group when done or timed out."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_office_env(),
            start_new_session=True,
        )
    except OSError as error:
        reason = error.strerror or str(error)
        raise OfficeError(f"无法启动 LibreOffice（{command[0]}）：{reason}") from error
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise OfficeError(
            f"LibreOffice 转换超时（{timeout:g} 秒），已终止：{source}"
        ) from None
    except BaseException:
        _kill_group(process)
        raise
    _kill_group(process)
    return process.returncode, stderr


def _kill_group(process: subprocess.Popen) -> None:
    """Kill every process left in the group led by ``process``, reap the leader, close pipes."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _tail(stderr: bytes) -> str:
    """The end of a tool's stderr, on its own lines, to append to a message (noise removed)."""
    lines = stderr.decode("utf-8", errors="replace").splitlines()
    text = "\n".join(line for line in lines if "javaldx" not in line).strip()
    if not text:
        return ""
    return f"\n{text[-_STDERR_TAIL:]}"


def _replace_atomically(made: Path, target: Path) -> None:
    """Copy ``made`` next to ``target`` under a temporary name, then rename it over ``target``."""
    temp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: never reuse a stray file; mode 0o666 minus the umask, like any new file.
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "wb") as out, made.open("rb") as data:
            shutil.copyfileobj(data, out)
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise OutputError(f"无法写入 {target}：{error.strerror or error}") from error


def _sheet_names(xlsx: Path) -> list[str]:
    """Sheet names in workbook order, read from an OOXML workbook; [] when unreadable."""
    try:
        with zipfile.ZipFile(xlsx) as archive:
            root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return []
    return [sheet.get("name", "") for sheet in root.iter(f"{_SHEET_NS}sheet")]


def _sheet_files(outdir: Path, stem: str, names: list[str]) -> dict[str, Path]:
    """Map sheet name to the CSV LibreOffice wrote for it (``<stem>-<sheet>.csv``)."""
    prefix = f"{stem}-"
    found = {
        path.name[len(prefix) : -len(".csv")]: path
        for path in outdir.glob("*.csv")
        if path.name.startswith(prefix)
    }
    ordered = {name: found.pop(name) for name in names if name in found}
    ordered.update(sorted(found.items()))
    return ordered


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.reader(handle)]


def _run_tool(tool: str, args: list[str], source: Path) -> subprocess.CompletedProcess:
    """Run a poppler tool; raise OfficeError when it is missing, hangs or fails."""
    executable = shutil.which(tool)
    if executable is None:
        raise OfficeError(f"未找到 {tool}（poppler-utils），无法处理 PDF：{source}")
    try:
        result = subprocess.run(
            [executable, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=POPPLER_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise OfficeError(f"{tool} 超时（{POPPLER_TIMEOUT:g} 秒），已终止：{source}") from None
    if result.returncode != 0:
        raise OfficeError(f"{tool} 处理失败（退出码 {result.returncode}）：{source}{_tail(result.stderr)}")
    return result


def _rendered_pages(out_prefix: Path, first: int, last: int | None) -> list[Path]:
    """The PNG files pdftoppm wrote for pages first..last, in page order."""
    pages: list[tuple[int, Path]] = []
    head = f"{out_prefix.name}-"
    for path in out_prefix.parent.iterdir():
        number = path.name[len(head) : -len(".png")]
        if not (path.name.startswith(head) and path.name.endswith(".png") and number.isdigit()):
            continue
        if int(number) >= first and (last is None or int(number) <= last):
            pages.append((int(number), path))
    return [path for _, path in sorted(pages)]
