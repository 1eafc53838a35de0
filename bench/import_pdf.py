"""Import time per PDF: `docgen import` of published and rendered reports.

For each PDF: the median wall time of importing it in this process (pdfplumber tables, text,
checks; imports warm), and of `docgen import` in a fresh process (the cost a user sees). The
PDFs are the published reports in ../shared/samples/published (when present) and the two example
inputs rendered by this docgen (needs LibreOffice).

    python bench/import_pdf.py            # 5 repetitions
    python bench/import_pdf.py --repeat 9 --src /tmp/other/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (ROOT.parent / "shared", Path("/work/shared")) if p.is_dir()), ROOT.parent / "shared")


def pdfs(work: Path, src: Path) -> list[Path]:
    found = sorted((SHARED / "samples" / "published").glob("*.pdf"))
    env = dict(os.environ, PYTHONPATH=str(src))
    for example in ("example-2021", "rushankou-2020"):
        subprocess.run(
            [sys.executable, "-m", "docgen", "render", str(ROOT / "inputs" / f"{example}.yaml"), "--formats", "pdf", "-o", str(work), "-j", "1"],
            env=env, check=True, capture_output=True,
        )
        found.append(work / f"{example}.pdf")
    return found


def in_process(pdf: Path, repeat: int) -> float:
    from docgen.importers import import_file

    import_file(pdf).findings()  # warm: imports, pdfplumber
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        import_file(pdf).findings()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh(pdf: Path, repeat: int, src: Path, work: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    times = []
    for _ in range(repeat):
        out = work / f"{pdf.stem}.yaml"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "docgen", "import", str(pdf), "-o", str(out), "--force"], env=env, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src))
    import pdfplumber

    print(f"docgen from {args.src}; pdfplumber {pdfplumber.__version__}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="docgen-bench-import-") as tmp:
        work = Path(tmp)
        rows = [("PDF", "pages", "KB", "in process", "fresh `docgen import`")]
        for pdf in pdfs(work, args.src):
            with pdfplumber.open(pdf) as document:
                pages = len(document.pages)
            rows.append((pdf.name, str(pages), f"{pdf.stat().st_size // 1024}", f"{in_process(pdf, args.repeat):.2f} s", f"{fresh(pdf, args.repeat, args.src, work):.2f} s"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))


if __name__ == "__main__":
    main()
