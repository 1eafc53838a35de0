"""PDF speed benchmark (issue 16): PDF time per report in a 50-report batch, one LibreOffice
process for the batch (``office.docx_to_pdfs``), against one cold LibreOffice per report
(``office.docx_to_pdf``), both in the same run, interleaved, median of the repetitions.

    python bench/pdf.py             # 50-report batch, 6 cold conversions per round, 3 rounds
    python bench/pdf.py --quick     # 1 round

Also the whole command: ``docgen render DIR --formats docx,pdf`` over the 50 reports with the
default workers. Inputs are copies of inputs/example-2021.yaml with their own agency, in a
temporary folder removed at the end. Needs LibreOffice.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from docgen.office import docx_to_pdf, docx_to_pdfs, find_soffice  # noqa: E402

BATCH = 50
COLD = 6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    if find_soffice() is None:
        print("LibreOffice not found", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="docgen-bench-pdf-") as work:
        work = Path(work)
        inputs = work / "in"
        inputs.mkdir()
        text = (ROOT / "inputs" / "example-2021.yaml").read_text(encoding="utf-8")
        for i in range(BATCH):
            (inputs / f"r{i:02d}.yaml").write_text(re.sub(r"(?m)^agency: .*$", f"agency: 第{i + 1}号机关", text), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        docs = work / "docx"
        subprocess.run([sys.executable, "-m", "docgen", "-q", "render", str(inputs), "-o", str(docs), "--formats", "docx"], check=True, env=env)
        documents = sorted(docs.glob("*.docx"))
        batch_times, cold_times, command_times = [], [], []
        for round_ in range(rounds):
            out = work / f"cold-{round_}"
            started = time.perf_counter()
            for document in documents[:COLD]:
                docx_to_pdf(document, out / f"{document.stem}.pdf")
            cold_times.append((time.perf_counter() - started) / COLD)

            out = work / f"batch-{round_}"
            started = time.perf_counter()
            errors = docx_to_pdfs([(d, out / f"{d.stem}.pdf") for d in documents])
            batch_times.append((time.perf_counter() - started) / len(documents))
            assert not any(errors), errors

            out = work / f"render-{round_}"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "docgen", "-q", "render", str(inputs), "-o", str(out), "--formats", "docx,pdf"], check=True, env=env, stdout=subprocess.DEVNULL)
            command_times.append(time.perf_counter() - started)
            assert len(list(out.glob("*.pdf"))) == BATCH
        cold, batch, command = (statistics.median(t) for t in (cold_times, batch_times, command_times))
        print(f"LibreOffice: {find_soffice()}; {os.cpu_count()} CPUs; {rounds} round(s)")
        print(f"cold LibreOffice per report:       {cold:6.2f} s per PDF (median of {rounds} x {COLD})")
        print(f"one LibreOffice for {BATCH} reports:   {batch:6.2f} s per PDF")
        print(f"ratio batch / cold:                {batch / cold:6.2f}")
        print(f"docgen render {BATCH} reports docx+pdf: {command:6.1f} s in all, {command / BATCH:5.2f} s per report (default workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
