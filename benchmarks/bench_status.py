"""``qualcode status`` with its CPU time, two checkouts interleaved (issue 16 / 20).

    python benchmarks/bench_status.py --project DEMO.qcproj --tree after=PATH --tree before=PATH [--rounds 5]

``bench_startup.py`` times every start-up command by wall clock; on a shared machine wall
time is mostly waiting, so this one also reads each child's CPU time (user + system,
``os.wait4``) for ``qualcode -p PROJECT status``, round by round beside ``python -c pass``.
Both checkouts must open the same schema (an older one refuses a newer project).
Target: ``status`` <= 1.5 s.
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


def run(args: list[str], code_dir: str | None) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=code_dir or "")
    env.pop("QUALCODE_PROJECT", None)
    with tempfile.TemporaryDirectory() as empty:  # the current folder comes first on sys.path
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], env=env, cwd=empty, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"{' '.join(args)} failed in {code_dir}: {proc.stderr.read().decode()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--tree", action="append", required=True, help="LABEL=PATH of a checkout (repeat)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree)
    for path in trees.values():  # as an installed package: compiled once, not per run
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(path) / "qualcode")], check=True,
                       env=dict(os.environ, PYTHONDONTWRITEBYTECODE=""))
    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        times.setdefault("python -c pass", []).append(run(["-c", "pass"], None))
        for label, path in trees.items():
            times.setdefault(f"status {label}", []).append(
                run(["-m", "qualcode", "-p", str(args.project.resolve()), "status"], str(Path(path).resolve())))
    for label, runs in times.items():
        wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
        print(f"{label:18s} wall median {statistics.median(wall):5.2f} min {min(wall):5.2f}   "
              f"CPU median {statistics.median(cpu):5.2f} min {min(cpu):5.2f}")
    print(f"({args.rounds} rounds, interleaved; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"at the end, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
