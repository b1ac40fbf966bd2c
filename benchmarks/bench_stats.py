"""Statistics on 10^6 codings as a user runs them: the command line and the notebook.

    python benchmarks/bench_stats.py --workdir DIR [--reuse] [--project P.qcproj]
        [--baseline REF --baseline-project P_OLD.qcproj] [--repeat 3] [--baseline-repeat 1]

The project is the one ``bench_report.py`` builds (10^6 applications, 200 codes, 10^4
cases, 3 x 10^4 sources); it is built once into ``--workdir`` and not timed. Opening a
project with a newer qualcode upgrades its schema in place, and an older qualcode
refuses a newer schema: give each version its own copy (``--baseline-project``).

* **Command line**: each ``qualcode stats ...`` command that counts codings, in a new
  process, start-up, loading and printing included: wall time, CPU time (user + system
  of the child) and the child's peak RSS. Target (issue 20): <= 2 s wall each, peak
  <= 600 MiB. The current code keeps the counting arrays of a SQLite project on disk
  between processes (``qualcode/store/count_cache.py``), so each command is timed
  twice per round: **cold** (an empty cache folder: the first command after a write)
  and **warm** (the same folder again: every later command until the next write).
* **Notebook**: a new process opens the project and calls each analysis
  (``Project.frequencies()``, ``crosstab("role")``...) ``--notebook-calls`` times; the
  first call loads, the later ones are what re-running a cell costs. Target: <= 0.5 s.

Both checkouts are byte-compiled first (``compileall``), as ``pip install`` leaves an
installed package, so no run pays for compiling qualcode's modules (the shell this
runs in may set ``PYTHONDONTWRITEBYTECODE``).

With ``--baseline REF`` the same commands run with the code of that git commit
(exported to a temporary folder), interleaved run by run with the current code so both
see the same machine load, and each table printed is compared with the baseline's (the
"Base: ..." line printed under tables since issue 18 left out of the comparison).
Times are the median and minimum of the runs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: every ``qualcode stats`` command that counts codings (words, keywords and
#: questionnaire read texts and answers instead)
COMMANDS: list[list[str]] = [
    ["stats", "frequencies"],
    ["stats", "presence"],
    ["stats", "cooccurrence"],
    ["stats", "crosstab", "--by", "role"],
    ["stats", "crosstab", "--by", "role", "--by", "mode", "--long"],
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
calls = {
    "frequencies": lambda: project.frequencies(),
    "presence": lambda: project.code_presence(),
    "cooccurrence": lambda: project.cooccurrence(),
    "crosstab role": lambda: project.crosstab("role"),
    "crosstab role x mode": lambda: project.crosstab(["role", "mode"]),
    "wave change": lambda: project.wave_change(),
    "priorities": lambda: project.top_priorities(),
    "weights by role": lambda: project.weights("role"),
}
for name in sys.argv[3].split(","):
    runs = []
    for _ in range(int(sys.argv[2])):
        c0, t0 = time.process_time(), time.perf_counter()
        calls[name]()
        runs.append([time.perf_counter() - t0, time.process_time() - c0])
    out[name] = runs
print(json.dumps(out))
"""
NOTEBOOK_CALLS = ["frequencies", "presence", "cooccurrence", "crosstab role", "crosstab role x mode", "wave change",
                  "priorities", "weights by role"]


def _popen_usage(code_dir: Path, args: list[str], env_extra: dict[str, str] | None = None
                 ) -> tuple[float, float, float, str]:
    """Run ``python ARGS`` with ``code_dir`` on PYTHONPATH; wall s, CPU s (user + system
    of the child, from ``os.wait4``), peak RSS MiB and its stdout."""
    env = dict(os.environ, PYTHONPATH=str(code_dir), **(env_extra or {}))
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


def compile_tree(code_dir: Path) -> None:
    """Byte-compile ``code_dir/qualcode`` as an installed package would be."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(code_dir / "qualcode")], check=True,
                   env=dict(os.environ, PYTHONDONTWRITEBYTECODE=""))


def _table_digest(out: str) -> str:
    """A digest of a printed table without the "Base: ..." line that newer versions print
    under it (issue 18): what is compared with an older baseline is the table itself.
    Only digests are kept: a codes x sources table is 90 MB of text, and a child forked
    from a large parent reports the parent's memory as its own peak RSS."""
    kept = "\n".join(line for line in out.splitlines() if not line.startswith("Base: "))
    return hashlib.sha256(kept.encode()).hexdigest()


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} {min(values):6.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--reuse", action="store_true", help="use the project already built in --workdir")
    parser.add_argument("--project", type=Path, default=None, help="the project for the current code "
                        "(default: WORKDIR/big.qcproj)")
    parser.add_argument("--baseline-project", type=Path, default=None,
                        help="a copy of the project for the baseline (needed when the current code upgraded it)")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--baseline", default=None, help="git commit to compare with, run by run")
    parser.add_argument("--current", default=None,
                        help="git commit to measure as 'current' (default: this working tree)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=None,
                        help="runs of each command with the baseline (default: --repeat; the baseline's "
                             "commands take minutes on a busy machine)")
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--baseline-warm", action="store_true",
                        help="also time the baseline warm (a baseline with the count cache, 45b05af or later)")
    parser.add_argument("--only", default=None,
                        help="comma-separated commands to run (e.g. 'frequencies,crosstab'; default: all)")
    parser.add_argument("--notebook-calls", type=int, default=4, help="calls per analysis in the notebook process")
    parser.add_argument("--baseline-notebook", action=argparse.BooleanOptionalAction, default=False,
                        help="also time the notebook calls with the baseline (its repeated calls load again)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    project = args.project or args.workdir / "big.qcproj"
    if not (args.reuse and project.exists()):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_report import build_project

        t0 = time.perf_counter()
        build_project(project, args.cases, args.applications).close()
        print(f"built {project} in {time.perf_counter() - t0:.0f} s (not timed below)", flush=True)
    current = "current" if not args.current else f"current {args.current}"
    code = {current: REPO if not args.current else export_ref(args.current, Path(tempfile.mkdtemp(prefix="qc-cur-")))}
    projects = {current: project}
    baseline = f"baseline {args.baseline}" if args.baseline else None
    if baseline:
        code[baseline] = export_ref(args.baseline, Path(tempfile.mkdtemp(prefix="qc-base-")))
        projects[baseline] = args.baseline_project or project
    for code_dir in code.values():
        compile_tree(code_dir)
    commands = COMMANDS
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        commands = [c for c in COMMANDS if c[1] in wanted]
    baseline_repeat = args.repeat if args.baseline_repeat is None else args.baseline_repeat
    caches = Path(tempfile.mkdtemp(prefix="qc-count-cache-", dir=args.workdir))
    print(f"load average at the start (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    cli: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    notebook: dict[str, list[dict]] = {}
    outputs: dict[tuple[str, str], set[str]] = {}  # digests of what each version printed
    for rep in range(args.repeat):
        for version, code_dir in code.items():
            if version == baseline and rep >= baseline_repeat:
                continue
            for command in commands:
                label = " ".join(command)
                # cold: a cache folder of its own, empty (as after a write); warm: the same again
                folder = caches / f"{rep}-{'-'.join(command[1:])}-{version.split()[0]}"
                shutil.rmtree(folder, ignore_errors=True)
                states = ("cold", "warm") if version == current or args.baseline_warm else ("cold",)
                for state in states:
                    wall, cpu, rss, out = _popen_usage(code_dir, ["-m", "qualcode", "-p", str(projects[version]),
                                                                  *command], {"QUALCODE_CACHE_DIR": str(folder)})
                    cli.setdefault((label, f"{version} {state}"), []).append((wall, cpu, rss))
                    outputs.setdefault((label, version), set()).add(_table_digest(out))
                    del out
                    print(f"run {rep + 1} {version:>20} {state}  {label:45s} {wall:6.2f} s wall {cpu:6.2f} s CPU "
                          f"{rss:6.0f} MiB", flush=True)
            if not args.skip_notebook and (args.baseline_notebook or version != baseline):
                folder = caches / f"{rep}-notebook-{version.split()[0]}"
                _, _, rss, out = _popen_usage(code_dir, ["-c", NOTEBOOK, str(projects[version]), str(args.notebook_calls),
                                                         ",".join(NOTEBOOK_CALLS)], {"QUALCODE_CACHE_DIR": str(folder)})
                result = json.loads(out)
                result["rss"] = rss
                notebook.setdefault(version, []).append(result)
                print(f"run {rep + 1} {version:>20} notebook done ({rss:.0f} MiB)", flush=True)
    shutil.rmtree(caches, ignore_errors=True)
    print()
    print(f"command line, interleaved; wall and CPU: median, min (s); peak RSS: max (MiB); runs: {args.repeat} "
          f"current, {baseline_repeat if baseline else 0} baseline")
    for command in commands:
        label = " ".join(command)
        base_out = outputs.get((label, baseline)) if baseline else None
        for (name, state), runs in sorted(((tuple(k[1].rsplit(" ", 1)), v) for k, v in cli.items() if k[0] == label),
                                          key=lambda kv: (kv[0][0] != current, kv[0][1])):
            same = ""
            if base_out is not None and name == current:
                mine = outputs[(label, current)]
                same = f"  output same as baseline: {len(mine) == 1 and mine == base_out}"
            print(f"  {label:45s} {name:>17} {state}  wall {summary([r[0] for r in runs])}  "
                  f"CPU {summary([r[1] for r in runs])}  peak {max(r[2] for r in runs):5.0f} MiB{same}")
    if notebook:
        print(f"notebook (one process: open, then {args.notebook_calls} calls of each analysis; median, min over "
              "runs; later = every call after the first)")
        for version, runs in notebook.items():
            print(f"  {version}: import + open wall {summary([r['import_open'][0] for r in runs])}"
                  f"   peak {max(r['rss'] for r in runs):.0f} MiB")
            for name in NOTEBOOK_CALLS:
                first = [r[name][0][0] for r in runs]
                later = [t[0] for r in runs for t in r[name][1:]]
                later_cpu = [t[1] for r in runs for t in r[name][1:]]
                print(f"    {name:22s} first call wall {summary(first)}   later calls wall {summary(later)}"
                      f"  CPU {summary(later_cpu)}")
    print(f"load average at the end (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (a machine shared with other engineers' jobs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
