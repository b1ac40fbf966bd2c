"""`qualcode demo` and the demo's `qualcode report`, current code against a baseline commit.

    python benchmarks/bench_figures.py --workdir DIR --baseline REF [--current REF] [--repeat 3]
                                       [--steps demo,report] [--project PATH]

Every run is a new ``qualcode`` process, as a user runs it, alternating between the
baseline and the current code so both see the same load:

- ``demo``: ``qualcode demo --out ...`` (build the demo project from its corpus, code it,
  write the whole report);
- ``report``: ``qualcode -p <demo project> report --out ...`` (start-up, every analysis,
  every figure as PNG and SVG, the workbook, HTML, Markdown and CSV tables).

Each version reports on its own copy of the demo project (built once by the baseline and
copied before anything opens it: a newer schema upgrades a project in place), or of
``--project`` (e.g. the 10^6-codings project; it is copied, never opened in place).
Printed: wall and CPU time (user + system of the process and every child it waited for,
e.g. the processes that write figures), median and minimum; whether every CSV table is
the same file in both versions; for each PNG the share of pixels that differ at all and
by more than 32 levels; whether each SVG is the same once its random ids are renamed;
whether report.html has the same text and report.xlsx the same values and number formats
in every cell.

The 10^6-codings report against the baseline, checked against main before a change:

    python benchmarks/bench_figures.py --workdir DIR --baseline 3ad4238 --steps report \
        --project /tmp/figures/big2/big.qcproj --same-as <main before the change> --repeat 3
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stats import compile_tree, export_ref  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def run(code_dir: Path, args: list[str]) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=str(code_dir))
    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "qualcode", *args], cwd=code_dir, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"qualcode {' '.join(args)} failed in {code_dir}:\n{err.read()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def _svg_ids_renamed(text: str) -> str:
    """matplotlib names clip paths and images by a salted hash (random unless svg.hashsalt is set)."""
    ids: dict[str, str] = {}
    return re.sub(r"\b(?:[pm]|image)[0-9a-f]{10}\b", lambda m: ids.setdefault(m.group(0), f"id{len(ids)}"), text)


def compare(a: Path, b: Path) -> list[str]:
    lines = []
    tables_a = sorted(p.relative_to(a) for p in (a / "tables").rglob("*.csv"))
    tables_b = sorted(p.relative_to(b) for p in (b / "tables").rglob("*.csv"))
    differing = [str(t) for t in tables_a if t in tables_b and (a / t).read_bytes() != (b / t).read_bytes()]
    same = tables_a == tables_b and not differing
    lines.append(f"CSV tables: {len(tables_a)} vs {len(tables_b)}, every file identical: {same}"
                 + (f" (differing: {', '.join(differing)})" if differing else ""))
    md_same = (a / "report.md").read_bytes() == (b / "report.md").read_bytes()
    lines.append(f"report.md identical: {md_same}")
    lines.append(_compare_html_and_xlsx(a, b))
    for png in sorted((a / "figures").glob("*.png")):
        other = b / "figures" / png.name
        if not other.exists():
            lines.append(f"  {png.name}: missing in the current report")
            continue
        x = np.asarray(Image.open(png).convert("RGBA")).astype(int)
        y = np.asarray(Image.open(other).convert("RGBA")).astype(int)
        if x.shape != y.shape:
            lines.append(f"  {png.name}: size {x.shape[1]}x{x.shape[0]} vs {y.shape[1]}x{y.shape[0]}")
            continue
        diff = np.abs(x - y).max(axis=2)
        svg_a, svg_b = png.with_suffix(".svg"), other.with_suffix(".svg")
        svg = (_svg_ids_renamed(svg_a.read_text(encoding="utf-8")) == _svg_ids_renamed(svg_b.read_text(encoding="utf-8"))
               if svg_a.exists() and svg_b.exists() else "missing")
        lines.append(f"  {png.stem:38s} PNG pixels differing: {(diff > 0).mean():7.2%} (> 32 levels: "
                     f"{(diff > 32).mean():6.2%}), {png.stat().st_size // 1000:4d} -> {other.stat().st_size // 1000:4d} KB;"
                     f" SVG same: {svg}")
    return lines


def _images_blanked(html: str) -> str:
    """The HTML report's text: embedded SVGs and base64 images replaced by a mark."""
    html = re.sub(r"<svg\b.*?</svg>", "SVG", html, flags=re.S)
    return re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "IMAGE", html)


def _compare_html_and_xlsx(a: Path, b: Path) -> str:
    """report.html's text, and every cell's value and number format of report.xlsx (read
    with openpyxl), plus which parts of the xlsx package differ byte for byte."""
    import zipfile

    from openpyxl import load_workbook

    html_a, html_b = (a / "report.html").read_text(encoding="utf-8"), (b / "report.html").read_text(encoding="utf-8")
    html = "identical" if html_a == html_b else (
        "same text (images differ)" if _images_blanked(html_a) == _images_blanked(html_b) else "DIFFERENT text")
    with zipfile.ZipFile(a / "report.xlsx") as za, zipfile.ZipFile(b / "report.xlsx") as zb:
        names = za.namelist()
        parts = [n for n in names if n != "docProps/core.xml" and (n not in zb.namelist() or za.read(n) != zb.read(n))]
    wa, wb = load_workbook(a / "report.xlsx", read_only=True), load_workbook(b / "report.xlsx", read_only=True)
    cells, differing = 0, [s for s in wa.sheetnames if s not in wb.sheetnames]
    for sheet in (s for s in wa.sheetnames if s in wb.sheetnames):
        rows_a = [[(c.value, c.number_format) for c in r] for r in wa[sheet].iter_rows()]
        rows_b = [[(c.value, c.number_format) for c in r] for r in wb[sheet].iter_rows()]
        cells += sum(len(r) for r in rows_a)
        if rows_a != rows_b:
            differing.append(sheet)
    same = not differing and wa.sheetnames == wb.sheetnames
    return (f"report.html: {html}; report.xlsx: {len(wa.sheetnames)} sheets, {cells:,} cells, values and number "
            f"formats the same: {same}" + (f" (differing: {', '.join(differing)})" if differing else "")
            + f"; package parts differing byte for byte: {', '.join(parts) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--current", default=None, help="a commit (default: this working tree)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", default="demo,report", help="demo, report or both (comma-separated)")
    parser.add_argument("--same-as", default=None, metavar="REF",
                        help="also write each step's output once with this commit (not timed) and compare the "
                             "current outputs with it: the check that a speed-up changed nothing, when the "
                             "report's content has changed since the baseline")
    parser.add_argument("--project", type=Path, default=None,
                        help="report on a copy of this project instead of the demo's (no demo step)")
    args = parser.parse_args(argv)
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    if args.project is not None:
        steps = [s for s in steps if s != "demo"]
    args.workdir.mkdir(parents=True, exist_ok=True)
    base = export_ref(args.baseline, Path(tempfile.mkdtemp(prefix="qc-base-")))
    current = export_ref(args.current, Path(tempfile.mkdtemp(prefix="qc-cur-"))) if args.current else REPO
    versions = {"base": (f"baseline {args.baseline}", base),
                "current": (f"current {args.current or 'working tree'}", current)}
    same_as = export_ref(args.same_as, Path(tempfile.mkdtemp(prefix="qc-same-"))) if args.same_as else None
    for code_dir in {base, current, *([same_as] if same_as else [])}:
        compile_tree(code_dir)  # as an installed package is: no run pays for compiling qualcode
    print(f"load average at the start (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)

    projects: dict[str, Path] = {}
    if "report" in steps:
        if args.project is not None:
            source = args.project
        else:
            source = args.workdir / "demo" / "advance-demo.qcproj"
            if not source.exists():
                run(base, ["demo", "--out", str(source.parent)])
        for key in [*versions, *(["same"] if same_as else [])]:  # each version its own copy: opening may upgrade the schema in place
            projects[key] = args.workdir / f"project-{key}" / source.name
            if not projects[key].exists():
                projects[key].parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, projects[key])

    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    outs: dict[tuple[str, str], Path] = {}
    for rep in range(args.repeat):
        for step in steps:
            for key, (label, code_dir) in versions.items():
                out = args.workdir / f"{step}-{key}-{rep}"
                shutil.rmtree(out, ignore_errors=True)
                if step == "demo":
                    command = ["demo", "--out", str(out)]
                else:
                    command = ["-p", str(projects[key]), "report", "--out", str(out)]
                wall, cpu = run(code_dir, command)
                times.setdefault((step, key), []).append((wall, cpu))
                outs[(step, key)] = out
                print(f"run {rep + 1} {step:6s} {label:>28}: {wall:6.1f} s wall {cpu:6.1f} s CPU "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)

    if same_as is not None:
        for step in steps:
            out = args.workdir / f"{step}-same"
            shutil.rmtree(out, ignore_errors=True)
            run(same_as, ["demo", "--out", str(out)] if step == "demo"
                else ["-p", str(projects["same"]), "report", "--out", str(out)])
            outs[(step, "same")] = out

    for step in steps:
        what = "qualcode demo" if step == "demo" else f"qualcode report of {args.project or 'the demo'}"
        print(f"\n{what}, {args.repeat} runs each, interleaved (median, min)")
        medians = {}
        for key, (label, _) in versions.items():
            runs = times[(step, key)]
            walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
            medians[key] = (statistics.median(walls), statistics.median(cpus))
            print(f"  {label:>30}: wall {statistics.median(walls):6.1f} {min(walls):6.1f}   "
                  f"CPU {statistics.median(cpus):6.1f} {min(cpus):6.1f}")
        print(f"  speed-up (baseline / current, medians): wall {medians['base'][0] / medians['current'][0]:.2f}x, "
              f"CPU {medians['base'][1] / medians['current'][1]:.2f}x")
        print(f"outputs, baseline {args.baseline} vs current:")
        print("\n".join(compare(outs[(step, "base")], outs[(step, "current")])))
        if same_as is not None:
            print(f"outputs, {args.same_as} vs current:")
            print("\n".join(compare(outs[(step, "same")], outs[(step, "current")])))
    print(f"load average at the end (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (a machine shared with other engineers' jobs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
