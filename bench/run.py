"""docgen performance benchmark (issue 7): every comparison in one run, reported as ratios.

    python bench/run.py              # full: scale measured at 200 and 10,000 reports (a few minutes)
    python bench/run.py --quick      # quick: scale at 200 reports only, fewer repetitions
    python bench/run.py --src DIR    # benchmark another checkout's src/ (e.g. the code before a change)

Each docgen figure is measured next to its baseline in the same run (absolute times drift on
shared machines), interleaved, and the median taken:

- start: ``docgen --help`` against a bare typer app with two commands (both fresh processes);
  also which heavy libraries ``--help`` imports and how long docgen's own modules take;
- batch: ``docgen render DIR -j 1`` over 200 reports against the naive loop — per report a
  fresh ``DocxTemplate(path).render(ctx)`` + save and an openpyxl workbook built cell by cell +
  saved — both fresh processes, total time / 200; plus both loops' steady state inside a process;
- cold: ``docgen render inputs/rushankou-2020.yaml`` against the naive single-report script;
- scale: ``docgen render DIR -j 2`` over 200 (and 10,000) reports: wall time and the peak RSS
  of the whole process tree (sampled from /proc: the largest simultaneous sum, and the sum of
  each process's own peak).

Inputs are copies of inputs/*.yaml with varied figures, written to a temporary folder with
the outputs; nothing is written into the repository. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ("rushankou-2020.yaml", "example-2021.yaml")
BATCH = 200
SCALE_FULL = (200, 10_000)
SCALE_QUICK = (200,)
HEAVY = ("docxtpl", "docx", "openpyxl", "pydantic", "lxml", "jinja2", "yaml", "numpy")

BARE_APP = '''\
import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    """Say hello."""
    print(f"hello {name}")


@app.command()
def bye(name: str) -> None:
    """Say goodbye."""
    print(f"bye {name}")


if __name__ == "__main__":
    app()
'''

# The naive way: YAML with yaml.safe_load, the Report model for the context and the workbook
# writer, then per report a fresh DocxTemplate rendered and saved and a fresh openpyxl workbook
# built cell by cell and saved. Prints the first report's time and the later ones' mean.
NAIVE_SCRIPT = '''\
import json, sys, time
from decimal import Decimal
from pathlib import Path

import yaml
from docxtpl import DocxTemplate

from docgen import editions
from docgen.report.model import Report
from docgen.word.context import build_context
from docgen.workbook import build_workbook

TEMPLATES, OUT = Path(sys.argv[1]), Path(sys.argv[2])


def report_of(data):
    spec = editions.get(data["edition"])
    active = {}
    for block, row in spec.active_rows:
        value = (data.get("active") or {}).get(row.id)
        if value is not None:
            value = value if isinstance(value, dict) else {block.fields[0].id: value}
            active[row.id] = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in value.items()}
    applications = {}

    def flatten(prefix, node):
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                flatten(name, value)
            else:
                applications[name] = value

    flatten("", data.get("applications") or {})
    keys = ("agency", "year", "date", "title", "preamble", "overview", "problems", "other_matters", "reviews")
    return Report(edition=data["edition"], active=active, applications=applications, **{k: data[k] for k in keys if k in data})


def render(path):
    data = yaml.safe_load(Path(path).read_text("utf-8"))
    report = report_of(data)
    tpl = DocxTemplate(TEMPLATES / str(report.edition) / "report.docx")
    tpl.render(build_context(report), autoescape=True)
    tpl.save(OUT / (Path(path).stem + ".docx"))
    book, _ = build_workbook(report, Path(path).name)
    book.save(OUT / (Path(path).stem + ".xlsx"))


files = sys.argv[3:]
start = time.perf_counter()
render(files[0])
first = time.perf_counter()
for path in files[1:]:
    render(path)
end = time.perf_counter()
print(json.dumps({"first": first - start, "per_report": (end - first) / max(len(files) - 1, 1)}))
'''

# docgen's batch inside one process, for its steady state per report.
STEADY_SCRIPT = '''\
import json, sys, time
from pathlib import Path

from docgen.render import Options, render_many

out, files = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
start = time.perf_counter()
render_many(files[:1], Options(outdir=out), 1)
first = time.perf_counter()
outcomes = render_many(files[1:], Options(outdir=out), 1)
end = time.perf_counter()
assert all(o.written for o in outcomes)
print(json.dumps({"first": first - start, "per_report": (end - first) / max(len(files) - 1, 1)}))
'''


# -- inputs ---------------------------------------------------------------------------------
def make_inputs(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """``count`` inputs: the seed examples in turn, each with its own agency and varied figures
    that keep every rule (a count added to 一、本年新收 goes to （一）予以公开 in the same column)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    seeds = [yaml.safe_load((ROOT / "inputs" / name).read_text("utf-8")) for name in SEEDS]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        data = json.loads(json.dumps(seeds[i % len(seeds)], default=str))
        data["agency"] = data["agency"].replace("人民政府", f"第{i}分局")
        for key, row in data["active"].items():
            if isinstance(row, dict):
                for name, value in row.items():
                    if isinstance(value, int) and name != "change":
                        row[name] = rng.randint(0, 500)
            elif isinstance(row, int):
                data["active"][key] = rng.randint(0, 3000)
        apps = data["applications"]
        for column in range(6):
            extra = rng.randint(0, 30)
            apps["received"][column] += extra
            apps["granted"][column] += extra
        for group in data["reviews"]:
            data["reviews"][group] = [rng.randint(0, 9) for _ in range(4)]
        path = folder / f"r{i:05d}.yaml"
        path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False), "utf-8")
        paths.append(path)
    return paths


# -- running and measuring --------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    tree_peak: int = 0  # bytes: the largest sum of RSS over the live processes of the tree
    own_peaks: int = 0  # bytes: the sum of each process's own largest RSS
    stdout: str = ""


def run(cmd: list[str], env: dict[str, str], measure_memory: bool = False) -> Run:
    """Run ``cmd`` to the end (its output goes to a file: a pipe left unread would stall it)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=output, stderr=subprocess.DEVNULL, text=True)
        peaks: dict[int, int] = {}
        tree_peak = 0
        while measure_memory and proc.poll() is None:
            sizes = {pid: _rss(pid) for pid in _tree(proc.pid)}
            tree_peak = max(tree_peak, sum(sizes.values()))
            for pid, size in sizes.items():
                peaks[pid] = max(peaks.get(pid, 0), size)
            time.sleep(0.05)
        proc.wait()
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd[:6])} …")
        output.seek(0)
        return Run(wall, tree_peak, sum(peaks.values()), output.read())


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def median_walls(commands: dict[str, list[str]], env: dict[str, str], repeat: int, before=None) -> dict[str, float]:
    """Each command ``repeat`` times, interleaved; the median wall time of each."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            if before:
                before(name)
            walls[name].append(run(cmd, env).wall)
    return {name: statistics.median(values) for name, values in walls.items()}


# -- the comparisons ----------------------------------------------------------------------------
def write_scripts(work: Path) -> dict[str, Path]:
    """The baselines and the steady-state probe, as files in the work folder."""
    scripts = {"bare": BARE_APP, "naive": NAIVE_SCRIPT, "steady": STEADY_SCRIPT}
    for name, text in scripts.items():
        (work / f"{name}.py").write_text(text, "utf-8")
    return {name: work / f"{name}.py" for name in scripts}


def start_time(env: dict[str, str], scripts: dict[str, Path], repeat: int) -> dict:
    commands = {"docgen": [sys.executable, "-m", "docgen", "--help"], "bare": [sys.executable, str(scripts["bare"]), "--help"]}
    walls = median_walls(commands, env, repeat)
    trace = subprocess.run([sys.executable, "-X", "importtime", "-m", "docgen", "--help"], env=env, capture_output=True, text=True).stderr
    own = 0.0
    imported = set()
    for line in trace.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            imported.add(match[2].split(".")[0])
            if match[2].startswith("docgen"):
                own += int(match[1]) / 1000  # the module's own time, without what it imports
    return {**walls, "docgen_modules_ms": own, "heavy": sorted(set(HEAVY) & imported), "ratio": walls["docgen"] / walls["bare"]}


def batch(env: dict[str, str], work: Path, scripts: dict[str, Path], inputs: list[Path], repeat: int, src: Path) -> dict:
    templates = src.parent / "templates"
    naive, steady = scripts["naive"], scripts["steady"]
    folder = inputs[0].parent
    outs = {"docgen": work / "out-docgen", "naive": work / "out-naive"}
    files = [str(p) for p in inputs]
    commands = {
        "docgen": [sys.executable, "-m", "docgen", "render", str(folder), "-o", str(outs["docgen"]), "-j", "1"],
        "naive": [sys.executable, str(naive), str(templates), str(outs["naive"]), *files],
    }
    walls = median_walls(commands, env, repeat, before=lambda name: fresh(outs[name]))
    for name, out in outs.items():
        written = len(list(out.iterdir()))
        if written != 2 * len(inputs):
            raise SystemExit(f"{name} wrote {written} files for {len(inputs)} inputs")
    naive_steady = json.loads(run(commands["naive"], env).stdout)
    fresh(outs["docgen"])
    docgen_steady = json.loads(run([sys.executable, str(steady), str(outs["docgen"]), *files], env).stdout)
    per = {name: wall / len(inputs) for name, wall in walls.items()}
    return {
        "per_report": per,
        "ratio": per["docgen"] / per["naive"],
        "steady": {"docgen": docgen_steady["per_report"], "naive": naive_steady["per_report"]},
        "steady_ratio": docgen_steady["per_report"] / naive_steady["per_report"],
    }


def cold(env: dict[str, str], work: Path, scripts: dict[str, Path], repeat: int, src: Path) -> dict:
    seed = ROOT / "inputs" / SEEDS[0]
    out = work / "out-cold"
    commands = {
        "docgen": [sys.executable, "-m", "docgen", "render", str(seed), "-o", str(out)],
        "naive": [sys.executable, str(scripts["naive"]), str(src.parent / "templates"), str(out), str(seed)],
    }
    walls = median_walls(commands, env, repeat, before=lambda name: fresh(out))
    return {**walls, "ratio": walls["docgen"] / walls["naive"]}


def scale(env: dict[str, str], work: Path, count: int) -> dict:
    folder = work / f"in-{count}"
    make_inputs(folder, count, seed=count)
    out = fresh(work / f"out-{count}")
    measured = run([sys.executable, "-m", "docgen", "render", str(folder), "-o", str(out), "-j", "2"], env, measure_memory=True)
    written = len(list(out.iterdir()))
    if written != 2 * count:
        raise SystemExit(f"docgen -j 2 wrote {written} files for {count} inputs")
    shutil.rmtree(out)
    shutil.rmtree(folder)
    return {"count": count, "wall": measured.wall, "tree_peak_mb": measured.tree_peak / 2**20, "own_peaks_mb": measured.own_peaks / 2**20}


# -- report ---------------------------------------------------------------------------------------
def machine(src: Path, env: dict[str, str]) -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0")
    libraries = ", ".join(f"{name} {_version(name)}" for name in ("docxtpl", "python-docx", "openpyxl", "lxml", "Jinja2", "pydantic", "PyYAML", "typer", "rich"))
    import yaml

    return [
        f"machine: {os.cpu_count()} CPUs ({cpu}), {int(memory) / 2**20:.1f} GiB RAM, {platform.platform()}",
        f"python {platform.python_version()}; libyaml {'yes' if getattr(yaml, '__with_libyaml__', False) else 'no'}; {libraries}",
        f"docgen {_docgen_file(env)}",
    ]


def _docgen_file(env: dict[str, str]) -> str:
    """Where the measured processes import docgen from (PYTHONPATH wins over an editable install)."""
    found = subprocess.run([sys.executable, "-c", "import docgen; print(docgen.__file__)"], env=env, capture_output=True, text=True)
    return found.stdout.strip() or "not importable"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def table(results: dict, quick: bool) -> list[str]:
    rows = [("comparison", "docgen", "baseline", "ratio", "target", "met")]
    s = results["start"]
    rows.append(("start: docgen --help vs bare typer app", f"{s['docgen']:.3f} s", f"{s['bare']:.3f} s", f"{s['ratio']:.2f}×", "≤ 1.5×", _yes(s["ratio"] <= 1.5)))
    rows.append(("  heavy libraries imported by --help", ", ".join(s["heavy"]) or "none", "", "", "none", _yes(not s["heavy"])))
    rows.append(("  docgen's own modules at --help", f"{s['docgen_modules_ms']:.1f} ms", "", "", "", ""))
    b = results["batch"]
    rows.append((f"batch -j 1, {BATCH} reports, per report", f"{b['per_report']['docgen'] * 1000:.1f} ms", f"{b['per_report']['naive'] * 1000:.1f} ms", f"{b['ratio']:.3f}×", "≤ 0.5× (aim 0.1×)", _yes(b["ratio"] <= 0.5)))
    rows.append(("  steady state in one process, per report", f"{b['steady']['docgen'] * 1000:.1f} ms", f"{b['steady']['naive'] * 1000:.1f} ms", f"{b['steady_ratio']:.3f}×", "", ""))
    c = results["cold"]
    rows.append(("cold: render the seed example, fresh process", f"{c['docgen']:.3f} s", f"{c['naive']:.3f} s", f"{c['ratio']:.2f}×", "≤ 1.2×", _yes(c["ratio"] <= 1.2)))
    for item in results["scale"]:
        n = f"{item['count']:,}"
        ok = item["wall"] < 300 if item["count"] >= 10_000 else None
        rows.append((f"scale -j 2, {n} reports: wall time", f"{item['wall']:.1f} s", "", "", "< 300 s at 10,000" if ok is not None else "", _yes(ok) if ok is not None else ""))
        rows.append(("  peak RSS, process tree (simultaneous)", f"{item['tree_peak_mb']:.0f} MB", "", "", "< 300 MB", _yes(item["tree_peak_mb"] < 300)))
        rows.append(("  sum of each process's own peak RSS", f"{item['own_peaks_mb']:.0f} MB", "", "", "< 300 MB", _yes(item["own_peaks_mb"] < 300)))
    if quick:
        rows.append(("scale at 10,000 reports", "not run (--quick)", "", "", "", ""))
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _yes(ok: bool | None) -> str:
    return "yes" if ok else "NO"


def _width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scale at 200 reports only, fewer repetitions")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the src/ folder of the docgen to measure")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    src = args.src.resolve()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    env.pop("DOCGEN_DEBUG", None)
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    repeat = {"start": 10, "batch": 1, "cold": 5} if args.quick else {"start": 30, "batch": 3, "cold": 15}
    try:
        for line in machine(src, env):
            print(line)
        print(f"mode: {'quick' if args.quick else 'full'}; work folder {work}", flush=True)
        scripts = write_scripts(work)
        inputs = make_inputs(work / "in-batch", BATCH)
        results = {
            "start": start_time(env, scripts, repeat["start"]),
            "batch": batch(env, work, scripts, inputs, repeat["batch"], src),
            "cold": cold(env, work, scripts, repeat["cold"], src),
            "scale": [scale(env, work, n) for n in (SCALE_QUICK if args.quick else SCALE_FULL)],
        }
        print()
        print("\n".join(table(results, args.quick)))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
