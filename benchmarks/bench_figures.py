"""The demo's report from the command line, current code against a baseline commit.

    python benchmarks/bench_figures.py --workdir DIR --baseline REF [--current REF] [--repeat 3]

The demo project is built once (``qualcode demo``, not timed). Each run is then
``qualcode -p <demo> report --out ...`` in a new process -- start-up, every analysis,
every figure saved as PNG and SVG, the workbook, HTML, Markdown and CSV tables --
alternating between the baseline and the current code so both see the same load.
Printed: wall and CPU time (median and minimum), whether every CSV table is the same
file in both versions, and for each PNG how many pixels differ by more than 32 levels.
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

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stats import export_ref  # noqa: E402

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


def compare(a: Path, b: Path) -> list[str]:
    lines = []
    tables_a = sorted(p.relative_to(a) for p in (a / "tables").rglob("*.csv"))
    tables_b = sorted(p.relative_to(b) for p in (b / "tables").rglob("*.csv"))
    same = tables_a == tables_b and all((a / t).read_bytes() == (b / t).read_bytes() for t in tables_a)
    lines.append(f"CSV tables: {len(tables_a)} vs {len(tables_b)}, every file identical: {same}")
    for png in sorted((a / "figures").glob("*.png")):
        other = b / "figures" / png.name
        if not other.exists():
            lines.append(f"  {png.name}: missing in the current report")
            continue
        x = np.asarray(Image.open(png).convert("RGB")).astype(int)
        y = np.asarray(Image.open(other).convert("RGB")).astype(int)
        if x.shape != y.shape:
            lines.append(f"  {png.name}: size {x.shape[1]}x{x.shape[0]} vs {y.shape[1]}x{y.shape[0]}")
            continue
        differ = (np.abs(x - y).max(axis=2) > 32).mean()
        lines.append(f"  {png.name:45s} pixels differing by > 32 levels: {differ:.2%}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--current", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    base = export_ref(args.baseline, Path(tempfile.mkdtemp(prefix="qc-base-")))
    current = export_ref(args.current, Path(tempfile.mkdtemp(prefix="qc-cur-"))) if args.current else REPO
    demo_dir = args.workdir / "demo"
    project = demo_dir / "advance-demo.qcproj"
    if not project.exists():
        run(base, ["demo", "--out", str(demo_dir)])
    versions = {f"baseline {args.baseline}": base, f"current {args.current or 'working tree'}": current}
    times: dict[str, list[tuple[float, float]]] = {v: [] for v in versions}
    outs = {}
    for rep in range(args.repeat):
        for version, code_dir in versions.items():
            out = args.workdir / f"report-{'base' if code_dir == base else 'current'}-{rep}"
            wall, cpu = run(code_dir, ["-p", str(project), "report", "--out", str(out)])
            times[version].append((wall, cpu))
            outs[version] = out
            print(f"run {rep + 1} {version:>30}: {wall:6.1f} s wall {cpu:6.1f} s CPU", flush=True)
    print(f"\nqualcode report of the demo, {args.repeat} runs each, interleaved (median, min)")
    for version, runs in times.items():
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        print(f"  {version:>30}: wall {statistics.median(walls):6.1f} {min(walls):6.1f}   "
              f"CPU {statistics.median(cpus):6.1f} {min(cpus):6.1f}")
    first, second = list(outs.values())
    print("\n".join(compare(first, second)))
    print(f"load average at the end (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (a machine shared with other engineers' jobs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
