"""LibreOffice headless and poppler: the one place docgen runs office tools.

Every LibreOffice run gets a fresh private profile that tells Calc to recalculate every formula
on load, runs in its own process group (POSIX session, or a Windows process group stopped with
``taskkill /T``) with a time limit, and sees docgen's fontconfig alias file, so the official
Windows faces are drawn with free look-alikes.

Isolation: LibreOffice converts a copy of each document, made in a private job folder, from
which externally linked parts (images, OLE objects, sub-documents, attached templates: any
relationship with ``TargetMode="External"`` other than a hyperlink) are removed, so nothing
outside the job is read. The network is cut off: on Linux the process runs in its own network
namespace (``unshare -n``) when the system allows it; everywhere, the profile blocks links from
untrusted documents and macros, and sends every connection to a closed local proxy port.

Batches: ``docx_to_pdfs`` converts many documents in one LibreOffice process (one cold start
for the lot); a file that takes longer than the time limit stops the process, and what was not
converted by then is converted one file per process, so a bad file fails alone.
"""

from __future__ import annotations

import csv
import functools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from xml.etree import ElementTree

from docgen.errors import DocgenError, OfficeError, OutputError

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
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings">\
<prop oor:name="ooInetProxyType" oor:op="fuse"><value>2</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings">\
<prop oor:name="ooInetNoProxy" oor:op="fuse"><value></value></prop></item>
""" + "".join(
    f'<item oor:path="/org.openoffice.Inet/Settings">'
    f'<prop oor:name="ooInet{kind}ProxyName" oor:op="fuse"><value>127.0.0.1</value></prop></item>\n'
    f'<item oor:path="/org.openoffice.Inet/Settings">'
    f'<prop oor:name="ooInet{kind}ProxyPort" oor:op="fuse"><value>9</value></prop></item>\n'
    for kind in ("HTTP", "HTTPS", "FTP")
) + "</oor:items>\n"

# Every proxy variable points at the discard port of this machine, where nothing listens.
_DEAD_PROXY = "http://127.0.0.1:9"
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy")
_HYPERLINK = "/hyperlink"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_MISSING = "未找到 LibreOffice（soffice），无法生成 PDF 或重新计算工作簿；请安装 LibreOffice 后重试"
_POLL = 0.2  # seconds between looks at a running LibreOffice
_APP_PATHS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\soffice.exe"
_STDERR_TAIL = 800
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def find_soffice() -> str | None:
    """Return the LibreOffice executable to run, or None when there is none.

    The environment variable DOCGEN_SOFFICE (a path or a command name) wins; when it is set but
    unusable, None is returned. Otherwise ``soffice`` and ``libreoffice`` on PATH, then the
    places an installer puts LibreOffice without adding it to PATH (``soffice_places``).
    """
    override = os.environ.get(SOFFICE_ENV, "").strip()
    if override:
        return shutil.which(override)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((place for place in soffice_places() if os.path.isfile(place)), None)


def soffice_places() -> list[str]:
    """Where LibreOffice is installed when it is not on PATH, in the order they are tried.

    Windows: the registry's App Paths entry for soffice.exe (machine, then user), then
    ``LibreOffice\\program\\soffice.exe`` under Program Files and Program Files (x86) (also
    versioned folders such as ``LibreOffice 7``). macOS: the application bundle.
    """
    if _on_windows():
        places = _registry_app_paths()
        folders = [os.environ.get(name, "") for name in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")]
        folders += [r"C:\Program Files", r"C:\Program Files (x86)"]
        for folder in dict.fromkeys(f for f in folders if f):
            places.append(os.path.join(folder, "LibreOffice", "program", "soffice.exe"))
            with suppress(OSError):
                for entry in sorted(os.listdir(folder), reverse=True):
                    if entry.lower().startswith("libreoffice") and entry.lower() != "libreoffice":
                        places.append(os.path.join(folder, entry, "program", "soffice.exe"))
        return list(dict.fromkeys(places))
    if sys.platform == "darwin":
        return ["/Applications/LibreOffice.app/Contents/MacOS/soffice"]
    return []


def missing_message() -> str:
    """The Chinese message for a missing LibreOffice, naming every place that was searched."""
    override = os.environ.get(SOFFICE_ENV, "").strip()
    if override:
        return f"{_MISSING}（环境变量 {SOFFICE_ENV} 指向的“{override}”不存在或不能运行）"
    searched = ["PATH 中的 soffice、libreoffice"]
    if _on_windows():
        searched.append(f"注册表 HKEY_LOCAL_MACHINE、HKEY_CURRENT_USER\\{_APP_PATHS}")
    searched += soffice_places()
    return f"{_MISSING}。已查找：{'；'.join(dict.fromkeys(searched))}。也可以用环境变量 {SOFFICE_ENV} 指定 soffice 的完整路径"


def _on_windows() -> bool:
    return sys.platform == "win32"


def _registry_app_paths() -> list[str]:
    """soffice.exe as registered under App Paths (the installer writes it); [] without winreg."""
    try:
        import winreg  # Windows only
    except ImportError:
        return []
    found = []
    for hive in (winreg.HKEY_LOCAL_MACHINE, winreg.HKEY_CURRENT_USER):
        try:
            with winreg.OpenKey(hive, _APP_PATHS) as key:
                value, _ = winreg.QueryValueEx(key, "")
        except OSError:
            continue
        if isinstance(value, str) and value.strip():
            found.append(os.path.expandvars(value.strip().strip('"')))
    return found


def docx_to_pdf(docx: Path, pdf: Path, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert a Word document to PDF with LibreOffice and return the PDF path.

    The PDF is made in a temporary folder and then renamed into place, so a failed or
    interrupted run leaves an earlier ``pdf`` untouched. Raises OfficeError when LibreOffice
    is missing, times out or fails, OutputError when ``pdf`` cannot be written.
    """
    error = docx_to_pdfs([(Path(docx), Path(pdf))], timeout)[0]
    if error is not None:
        raise error
    return Path(pdf)


def docx_to_pdfs(
    jobs: list[tuple[Path, Path]], timeout: float = DEFAULT_TIMEOUT, names: list[str] | None = None
) -> list[DocgenError | None]:
    """Convert many Word documents to PDF, ``(docx, pdf)`` each; return None or the error for each.

    ``names`` are what messages call each document (default: the .docx path).

    All of them go through one LibreOffice process (one cold start for the lot). ``timeout`` is
    per document: when no new PDF appears for that long, LibreOffice is stopped, and every
    document without its PDF by then is converted again in a process of its own, so a document
    that hangs or breaks LibreOffice fails alone. Each PDF replaces its target atomically.
    """
    results: list[DocgenError | None] = [None] * len(jobs)
    with tempfile.TemporaryDirectory(prefix="docgen-pdf-") as work:
        staged: dict[int, Path] = {}
        for index, (docx, _) in enumerate(jobs):
            try:
                _require_file(Path(docx))
                staged[index] = _stage(Path(docx), Path(work) / "in" / f"{index:05d}.docx")
            except DocgenError as error:
                results[index] = error
        done: dict[int, Path] = {}
        if len(staged) > 1:
            done = _convert_together(staged, Path(work) / "batch", timeout)
        for index, copy in staged.items():
            docx, pdf = Path(jobs[index][0]), Path(jobs[index][1])
            shown = Path(names[index]) if names else docx
            try:
                made = done.get(index) or _convert_alone(copy, shown, Path(work) / f"out-{index:05d}", timeout)
                _replace_atomically(made, pdf)
            except DocgenError as error:
                results[index] = error
    return results


def _convert_alone(copy: Path, shown: Path, outdir: Path, timeout: float) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    stderr = _run_soffice(["--convert-to", "pdf"], [copy], outdir, timeout, shown)
    made = outdir / f"{copy.stem}.pdf"
    if not made.is_file():
        raise _no_output(shown, stderr)
    return made


def _convert_together(staged: dict[int, Path], outdir: Path, timeout: float) -> dict[int, Path]:
    """One LibreOffice run over every staged copy; the PDFs it made whole, by index."""
    outdir.mkdir(parents=True, exist_ok=True)

    def made() -> list[Path]:
        return [path for path in outdir.glob("*.pdf") if path.is_file()]

    try:
        _run_soffice(["--convert-to", "pdf"], list(staged.values()), outdir, timeout, None, progress=lambda: len(made()))
        finished = made()
    except OfficeError as error:
        if not getattr(error, "stopped", False):
            return {}  # missing or failed to start: each file will say so on its own
        # Stopped while working: the newest PDF may be the one it was writing; convert it again.
        finished = sorted(made(), key=lambda path: path.stat().st_mtime)[:-1]
    names = {path.name for path in finished}
    return {index: outdir / f"{copy.stem}.pdf" for index, copy in staged.items() if f"{copy.stem}.pdf" in names}


def _stage(source: Path, copy: Path) -> Path:
    """Copy ``source`` into the job folder, without externally linked parts (see the module doc).

    A file that is not a readable zip package is copied as it is (LibreOffice then says what
    is wrong with it).
    """
    copy.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(source) as package, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
            for item in package.infolist():
                data = package.read(item)
                if item.filename.endswith(".rels"):
                    data = _internal_only(data)
                out.writestr(item, data)
    except ElementTree.ParseError as error:
        # An unreadable relationships part cannot be cleaned of external links: never pass it on.
        copy.unlink(missing_ok=True)
        raise OfficeError(f"文件 {source} 已损坏（其中的关系部件无法读取），不能转换") from error
    except (zipfile.BadZipFile, ValueError, EOFError, KeyError, RuntimeError, NotImplementedError):
        copy.unlink(missing_ok=True)
        shutil.copyfile(source, copy)
    except OSError as error:
        raise OfficeError(f"无法读取要转换的文件 {source}：{error.strerror or error}") from error
    return copy


def _internal_only(rels: bytes) -> bytes:
    """A relationships part without its external targets (hyperlinks excepted)."""
    if b"External" not in rels:
        return rels
    root = ElementTree.fromstring(rels)
    dropped = [
        rel
        for rel in list(root)
        if rel.get("TargetMode", "").lower() == "external" and not rel.get("Type", "").endswith(_HYPERLINK)
    ]
    if not dropped:
        return rels
    for rel in dropped:
        root.remove(rel)
    ElementTree.register_namespace("", _RELS_NS)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


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
        stderr = _run_soffice(["--convert-to", CSV_FILTER], [xlsx], outdir, timeout, xlsx)
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
    with tempfile.TemporaryDirectory(prefix="docgen-convert-") as work:
        copy = _stage(source, Path(work) / source.name)  # isolated like every conversion
        stderr = _run_soffice(["--convert-to", target_format], [copy], outdir, timeout, source)
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
    for name in _PROXY_VARIABLES:  # no way out through a proxy either
        env[name] = env[name.upper()] = _DEAD_PROXY
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    return env


@functools.cache
def _no_network_prefix() -> tuple[str, ...]:
    """The command that runs a program without network access on this system, or () if none.

    Linux: ``unshare -n`` (root) or ``unshare -rn`` (an unprivileged user namespace), tried once.
    """
    if not sys.platform.startswith("linux"):
        return ()
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    for flags in ("-n", "-rn"):
        with suppress(OSError, subprocess.SubprocessError):
            probe = subprocess.run([unshare, flags, "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
            if probe.returncode == 0:
                return (unshare, flags)
    return ()


def _run_soffice(
    convert: list[str],
    sources: list[Path],
    outdir: Path,
    timeout: float,
    shown: Path | None,
    progress=None,
) -> bytes:
    """Run one headless conversion of ``sources`` into ``outdir`` and return its stderr.

    ``shown`` is the file named in messages (None: several). With ``progress`` (a function
    counting what is done), ``timeout`` runs from the last change of that count.
    Raises OfficeError when LibreOffice is missing, times out or exits with an error.
    """
    soffice = find_soffice()
    if soffice is None:
        raise OfficeError(missing_message())
    with _private_profile() as profile:
        command = [
            *_no_network_prefix(),
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
            *(str(source.resolve()) for source in sources),
        ]
        code, stderr = _run_in_group(command, timeout, shown, progress)
    if code != 0:
        raise OfficeError(f"LibreOffice 转换失败（退出码 {code}）：{shown or '多个文件'}{_tail(stderr)}")
    return stderr


def _run_in_group(command: list[str], timeout: float, source: Path | None, progress=None) -> tuple[int, bytes]:
    """Run ``command`` as a new process group; stop the whole tree when done or timed out."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_office_env(),
            **_group_options(),
        )
    except OSError as error:
        reason = error.strerror or str(error)
        raise OfficeError(f"无法启动 LibreOffice（{command[0]}）：{reason}") from error
    try:
        stderr = _wait(process, timeout, progress)
    except subprocess.TimeoutExpired:
        stop_tree(process)
        error = OfficeError(f"LibreOffice 转换超时（{timeout:g} 秒），已终止：{source or '多个文件'}")
        error.stopped = True
        raise error from None
    except BaseException:
        stop_tree(process)
        raise
    stop_tree(process)
    return process.returncode, stderr


def _wait(process: subprocess.Popen, timeout: float, progress) -> bytes:
    """Wait for ``process`` and return its stderr; TimeoutExpired when it made no progress in time."""
    if progress is None:
        return process.communicate(timeout=timeout)[1]
    last, seen = time.monotonic(), progress()
    while True:
        try:
            return process.communicate(timeout=_POLL)[1]
        except subprocess.TimeoutExpired:
            now, count = time.monotonic(), progress()
            if count != seen:
                last, seen = now, count
            elif now - last > timeout:
                raise


def _group_options() -> dict:
    """Popen options that make the process the head of a group ``stop_tree`` can stop."""
    if _on_windows():
        flags = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200) | getattr(subprocess, "CREATE_NO_WINDOW", 0x8000000)
        return {"creationflags": flags}
    return {"start_new_session": True}


def stop_tree(process: subprocess.Popen) -> None:
    """Kill ``process`` and everything it started, reap it and close its pipes.

    POSIX: the process leads its own session, so killing its process group takes the children
    too (LibreOffice's launcher starts soffice.bin). Windows (no ``os.killpg``): ``taskkill /T /F``
    ends the tree by parent process id.
    """
    killpg = getattr(os, "killpg", None)
    kill_signal = getattr(signal, "SIGKILL", None)
    if killpg is not None and kill_signal is not None and not _on_windows():
        with suppress(ProcessLookupError, PermissionError):
            killpg(process.pid, kill_signal)
    else:
        _taskkill(process.pid)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
    if process.poll() is None:
        with suppress(OSError):
            process.kill()
    process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _taskkill(pid: int) -> None:
    """Windows: end a process and its children (the tree) by force; quiet when already gone."""
    with suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            ["taskkill", "/PID", str(pid), "/T", "/F"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
        )


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
