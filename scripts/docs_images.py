"""Regenerate docs/first-page.png and docs/table3.png from the rendered 2021 example.

    python scripts/docs_images.py

Renders inputs/example-2021.yaml with the official template, converts it to PDF with
LibreOffice (docgen.office) and draws the pictures with poppler: the first page as it is, and
table 三 cut out of the pages it runs over (from its heading to the next heading), stacked,
with a grey band where the page breaks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from docgen.word import templatebuild as tb  # noqa: E402
from docgen.editions.common import SECTION_LABELS  # noqa: E402
from docgen.report.load import load  # noqa: E402
from docgen.office import docx_to_pdf, pdf_to_png  # noqa: E402
from docgen.word.render import write_docx  # noqa: E402

EXAMPLE = ROOT / "inputs" / "example-2021.yaml"
DOCS = ROOT / "docs"
DPI = 100
PAD = 8.0  # points around the cut-out
BAND = (200, 200, 200)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


def main() -> int:
    """Render the example, then write both pictures into docs/."""
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docgen-docs-") as work:
        work = Path(work)
        docx = write_docx(load(EXAMPLE).report, work / "example-2021.docx")
        pdf = docx_to_pdf(docx, work / "example-2021.pdf")
        first = pdf_to_png(pdf, work / "page", first_page=1, last_page=1, dpi=DPI)[0]
        shutil.copyfile(first, DOCS / "first-page.png")
        write_png(DOCS / "table3.png", *table3_picture(pdf, work))
    print(f"已生成 {DOCS / 'first-page.png'}、{DOCS / 'table3.png'}")
    return 0


def table3_picture(pdf: Path, work: Path) -> tuple[int, int, bytes]:
    """Table 三, from its heading to the heading of 四, across page breaks."""
    pages = words_by_page(pdf)
    start = find(pages, SECTION_LABELS["applications"])
    end = find(pages, SECTION_LABELS["reviews"])
    width_pt, height_pt = pages[start[0]][0]
    top, bottom = tb.MARGIN_TOP / 20 - PAD, height_pt - tb.MARGIN_BOTTOM / 20 + PAD
    left, right = tb.MARGIN_LEFT / 20 - PAD, width_pt - tb.MARGIN_RIGHT / 20 + PAD
    segments = []
    for page in range(start[0], end[0] + 1):
        y0 = start[1] - PAD if page == start[0] else top
        y1 = end[1] - PAD if page == end[0] else bottom
        segments.append(crop(pdf, work, page, left, y0, right, y1))
    width = segments[0][0]
    band = bytes(BAND) * width
    rows: list[bytes] = []
    for i, (_, _, seg_rows) in enumerate(segments):
        if i:
            rows += [band] * 6
        rows += seg_rows
    return width, len(rows), b"".join(rows)


def words_by_page(pdf: Path) -> list[tuple[tuple[float, float], list[tuple[float, str]]]]:
    """Each page's size (points) and its words with their top y, from pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True).stdout.decode("utf-8")
    pages = []
    for chunk in html.split("<page ")[1:]:
        size = _PAGE.search("<page " + chunk)
        words = [(float(m.group(2)), m.group(5)) for m in _WORD.finditer(chunk)]
        pages.append(((float(size.group(1)), float(size.group(2))), words))
    return pages


def find(pages, text: str) -> tuple[int, float]:
    """(page index, top y) of the first word that is exactly `text`."""
    for index, (_, words) in enumerate(pages):
        for y, word in words:
            if word == text:
                return index, y
    raise SystemExit(f"PDF 中找不到“{text}”")


def crop(pdf: Path, work: Path, page: int, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, list[bytes]]:
    """One page region as RGB rows, drawn by pdftoppm."""
    scale = DPI / 72
    box = [round(x0 * scale), round(y0 * scale), round((x1 - x0) * scale), round((y1 - y0) * scale)]
    out = work / f"crop-{page}"
    args = ["pdftoppm", "-r", str(DPI), "-f", str(page + 1), "-l", str(page + 1), "-singlefile"]
    args += ["-x", str(box[0]), "-y", str(box[1]), "-W", str(box[2]), "-H", str(box[3]), str(pdf), str(out)]
    subprocess.run(args, check=True, capture_output=True)
    return read_ppm(out.with_suffix(".ppm"))


def read_ppm(path: Path) -> tuple[int, int, list[bytes]]:
    """A binary (P6, 8-bit) PPM as width, height and rows of RGB bytes."""
    data = path.read_bytes()
    fields = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    width, height = int(fields.group(1)), int(fields.group(2))
    pixels = data[fields.end():]
    stride = width * 3
    return width, height, [pixels[y * stride : (y + 1) * stride] for y in range(height)]


def write_png(path: Path, width: int, height: int, rgb: bytes) -> None:
    """An 8-bit RGB PNG, no filtering."""
    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    sys.exit(main())
