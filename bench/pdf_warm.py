"""Would a warm LibreOffice make `docgen serve`'s PDF download faster? (issue 12, item 5)

A download converts one report, so it pays LibreOffice's cold start every time
(``office.docx_to_pdf``: fresh profile, new process). Without UNO (python3-uno is not part of
docgen's dependencies and does not load into a virtual environment or under Windows' Python),
the only way to hand a document to a LibreOffice that is already running is its own
single-instance pipe: a second ``soffice --convert-to`` with the same profile forwards the
request to the running one and waits for it. This script measures, interleaved, the median of:

- cold: ``office.docx_to_pdf`` (what a download does today);
- forwarded: one LibreOffice started once (same flags and private profile as docgen's), then each
  conversion sent to it by a second ``soffice --convert-to`` (the launcher still starts, finds the
  pipe, hands over the job, and waits for it);
- in-process: ``office.docx_to_pdfs`` over N copies, per document (what a warm worker could reach
  with UNO, for reference; issue 16's batch figure).

    python bench/pdf_warm.py            # 5 rounds, about 1 minute; needs LibreOffice
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from docgen import office  # noqa: E402
from docgen.report.load import load  # noqa: E402
from docgen.word.render import write_docx  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    soffice = office.find_soffice()
    if soffice is None:
        print("LibreOffice not found", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="docgen-pdfwarm-") as work:
        work = Path(work)
        docx = write_docx(load(ROOT / "inputs" / "example-2021.yaml").report, work / "report.docx")
        profile = work / "warm-profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(office._REGISTRY, encoding="utf-8")
        flags = [f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck"]
        env = office._office_env()
        warm = subprocess.Popen([soffice, *flags], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **office._group_options())
        try:
            time.sleep(5)  # let it come up
            cold, forwarded = [], []
            for i in range(args.rounds):
                started = time.perf_counter()
                office.docx_to_pdf(docx, work / f"cold-{i}.pdf")
                cold.append(time.perf_counter() - started)
                out = work / f"fwd-{i}"
                started = time.perf_counter()
                subprocess.run([soffice, *flags, "--convert-to", "pdf", "--outdir", str(out), str(docx)], env=env, capture_output=True, timeout=120)
                forwarded.append(time.perf_counter() - started)
                if not (out / "report.pdf").is_file():
                    print("forwarded conversion made no PDF", file=sys.stderr)
                    return 1
        finally:
            office.stop_tree(warm)
        copies = []
        for i in range(10):
            copy = work / "batch" / f"r{i}.docx"
            copy.parent.mkdir(exist_ok=True)
            shutil.copy(docx, copy)
            copies.append((copy, copy.with_suffix(".pdf")))
        started = time.perf_counter()
        assert not any(office.docx_to_pdfs(copies))
        batch = (time.perf_counter() - started) / len(copies)
    print(f"cold LibreOffice per PDF (office.docx_to_pdf)       median {statistics.median(cold):.2f} s  (all: {', '.join(f'{t:.2f}' for t in cold)})")
    print(f"forwarded to a running LibreOffice, per PDF          median {statistics.median(forwarded):.2f} s  (all: {', '.join(f'{t:.2f}' for t in forwarded)})")
    print(f"one LibreOffice for 10 PDFs (docx_to_pdfs), per PDF  {batch:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
