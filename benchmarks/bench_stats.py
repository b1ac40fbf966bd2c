"""Statistics on 10^6 codings as a user runs them: the command line and the notebook.

    python benchmarks/bench_stats.py --workdir DIR [--reuse] [--baseline REF] [--repeat 3]

The project is the one ``bench_report.py`` builds (10^6 applications, 200 codes, 10^4
cases, 3 x 10^4 sources); it is built once into ``--workdir`` and not timed.

* **Command line**: each ``qualcode stats ...`` command in a new process, start-up,
  loading and printing included: wall time, CPU time (user + system of the child) and
  the child's peak RSS. Target (issue 20): <= 2 s wall each, peak <= 600 MiB.
* **Notebook**: a new process opens the project and calls ``Project.frequencies()``
  (then ``crosstab("role")``) ``--notebook-calls`` times (default 4); the first call loads, the later ones are
  what re-running a cell costs. Target: later calls <= 0.5 s.

With ``--baseline REF`` every measurement is also made with the code of that git
commit (exported to a temporary folder), interleaved run by run with the current code
so both see the same machine load. Times are the median and minimum of ``--repeat``
runs.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

COMMANDS: list[list[str]] = [
    ["stats", "frequencies"],
    ["stats", "crosstab", "--by", "role"],
    ["stats", "crosstab", "--by", "role", "--by", "mode", "--long"],
    ["stats", "cooccurrence"],
    ["stats", "waves"],
    ["stats", "priorities"],
    ["stats", "weights", "--by", "role"],
]

NOTEBOOK = """
import json, sys, time
c0, t0 = time.process_time(), time.perf_counter()
from qualcode import Project
project = Project.open(sys.argv[1])
out = {"import_open": [time.perf_counter() - t0, time.process_time() - c0]}
for name, call in (("frequencies", lambda: project.frequencies()), ("crosstab", lambda: project.crosstab("role"))):
    runs = []
    for _ in range(int(sys.argv[2])):
        c0, t0 = time.process_time(), time.perf_counter()
        call()
        runs.append([time.perf_counter() - t0, time.process_time() - c0])
    out[name] = runs
print(json.dumps(out))
"""


def _popen_usage(code_dir: Path, args: list[str]) -> tuple[float, float, float, str]:
    """Like :func:`run_child`, reading the child's own rusage with ``os.wait4``."""
    env = dict(os.environ, PYTHONPATH=str(code_dir))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=code_dir, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise SystemExit(f"{' '.join(args)} failed in {code_dir}:\n{err.read()[-2000:]}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read()


def export_ref(ref: str, into: Path) -> Path:
    """The code of commit ``ref`` as plain files (no checkout of the working tree)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} {min(values):6.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--reuse", action="store_true", help="use the project already built in --workdir")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--baseline", default=None, help="git commit to compare with, run by run")
    parser.add_argument("--current", default=None,
                        help="git commit to measure as 'current' (default: this working tree)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--only", default=None,
                        help="comma-separated commands to run (e.g. 'frequencies,crosstab'; default: all)")
    parser.add_argument("--notebook-calls", type=int, default=4, help="calls per analysis in the notebook process")
    parser.add_argument("--baseline-notebook", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the notebook calls with the baseline (its repeated calls load again)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    project = args.workdir / "big.qcproj"
    if not (args.reuse and project.exists()):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_report import build_project

        t0 = time.perf_counter()
        build_project(project, args.cases, args.applications).close()
        print(f"built {project} in {time.perf_counter() - t0:.0f} s (not timed below)", flush=True)
    versions = {"current": REPO}
    if args.current:
        versions = {f"current {args.current}": export_ref(args.current, Path(tempfile.mkdtemp(prefix="qc-cur-")))}
    if args.baseline:  # current first in each round: on a loaded machine its runs finish first
        versions = {**versions,
                    f"baseline {args.baseline}": export_ref(args.baseline, Path(tempfile.mkdtemp(prefix="qc-base-")))}
    commands = COMMANDS
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        commands = [c for c in COMMANDS if c[1] in wanted]
    cli: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    notebook: dict[str, list[dict]] = {}
    outputs: dict[tuple[str, str], str] = {}
    for rep in range(args.repeat):
        for version, code_dir in versions.items():
            for command in commands:
                label = " ".join(command)
                wall, cpu, rss, out = _popen_usage(code_dir, ["-m", "qualcode", "-p", str(project), *command])
                cli.setdefault((label, version), []).append((wall, cpu, rss))
                outputs[(label, version)] = out
                print(f"run {rep + 1} {version:>20}  {label:45s} {wall:6.2f} s wall {cpu:6.2f} s CPU {rss:6.0f} MiB",
                      flush=True)
            if not args.skip_notebook and (args.baseline_notebook or not version.startswith("baseline")):
                _, _, _, out = _popen_usage(code_dir, ["-c", NOTEBOOK, str(project), str(args.notebook_calls)])
                notebook.setdefault(version, []).append(json.loads(out))
    print()
    print(f"command line, {args.repeat} runs each, interleaved; wall and CPU: median, min (s); peak RSS: max (MiB)")
    for command in commands:
        label = " ".join(command)
        same = len({outputs.get((label, v)) for v in versions}) == 1
        for version in versions:
            runs = cli.get((label, version), [])
            if not runs:
                continue
            print(f"  {label:45s} {version:>22}  wall {summary([r[0] for r in runs])}  "
                  f"CPU {summary([r[1] for r in runs])}  peak {max(r[2] for r in runs):5.0f} MiB"
                  + ("" if len(versions) == 1 else f"  output same as baseline: {same}"))
    if notebook:
        print(f"notebook (one process: open, then {args.notebook_calls} calls each; median, min over runs)")
        for version, runs in notebook.items():
            print(f"  {version}: import + open wall {summary([r['import_open'][0] for r in runs])}")
            for name in ("frequencies", "crosstab"):
                first = [r[name][0][0] for r in runs]
                later = [t[0] for r in runs for t in r[name][1:]]
                later_cpu = [t[1] for r in runs for t in r[name][1:]]
                print(f"    {name:12s} first call wall {summary(first)}   later calls wall {summary(later)}"
                      f" CPU {summary(later_cpu)}")
    print(f"load average at the end (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (a machine shared with other engineers' jobs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
