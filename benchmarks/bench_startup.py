"""Start-up benchmark (issue 16): how long a user waits for the command line to answer.

    python benchmarks/bench_startup.py [--rounds 5] [--project DEMO.qcproj]
                                       [--tree after=. --tree before=/path/to/old/checkout]

Each command is run end to end as a new process, exactly as a shell runs it
(``python -m qualcode …`` with ``PYTHONPATH`` set to the checkout under test), interleaved
round by round with the baseline ``python -c pass`` so that a busy machine slows all of
them alike. Reported: median and min wall seconds over the rounds, and the median above
bare Python. With several ``--tree`` options the same commands run for each checkout in
the same rounds (a before/after comparison in one run).

Commands: ``import qualcode``, ``qualcode --help``, ``qualcode --version``, one TAB of
shell completion (``qualcode sta<TAB>``), ``qualcode status`` on the demo project and
``qualcode code SOURCE CODE --quote …`` on it (the same application each time: the
second and later calls change nothing, as a script coding passages one by one would
mostly do).

Targets: ``--help`` <= 0.5 s above bare Python; ``status`` <= 1.5 s.
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

REPO = Path(__file__).resolve().parents[1]


def demo_project(folder: Path) -> Path:
    """The demo project (ingested, coded by hand; no machine runs), built once."""
    sys.path.insert(0, str(REPO))
    from qualcode.demo import build_demo_project

    project = build_demo_project(folder, progress=False)
    target = Path(project.target)
    project.close()
    return target


def code_arguments(project_path: Path) -> list[str]:
    """``SOURCE CODE --quote TEXT`` for one passage of the demo project's first transcript."""
    sys.path.insert(0, str(REPO))
    from qualcode import Project

    with Project.open(project_path) as project:
        sources = project.sources()
        source = sources.loc[sources["kind"] == "transcript", "name"].iloc[0]
        text = project.source_text(source)
        code = project.codes()["path"].iloc[-1]
    start = text.index(" ", len(text) // 3) + 1
    quote = text[start:start + 40].strip()
    return [source, code, "--quote", quote, "--coder", "bench-startup"]


def commands(project_path: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    qualcode = [sys.executable, "-m", "qualcode"]
    completion = {"_QUALCODE_COMPLETE": "bash_complete", "COMP_WORDS": "qualcode sta", "COMP_CWORD": "1"}
    return {
        "python -c pass": ([sys.executable, "-c", "pass"], {}),
        "import qualcode": ([sys.executable, "-c", "import qualcode"], {}),
        "qualcode --help": (qualcode + ["--help"], {}),
        "qualcode --version": (qualcode + ["--version"], {}),
        "TAB completion": (qualcode, completion),
        "qualcode status": (qualcode + ["--project", str(project_path), "status"], {}),
        "qualcode code": (qualcode + ["--project", str(project_path), "code", *code_arguments(project_path)], {}),
    }


def run_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--project", type=Path, help="a demo project to run status/code on (default: build one)")
    parser.add_argument("--tree", action="append", default=[],
                        help="LABEL=PATH of a qualcode checkout to time (default: this one); repeat to compare")
    args = parser.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree) or {"this checkout": str(REPO)}
    with tempfile.TemporaryDirectory() as tmp:
        project_path = args.project or demo_project(Path(tmp) / "demo")
        plan = commands(project_path)
        times: dict[tuple[str, str], list[float]] = {}
        for round_no in range(args.rounds):
            for label, (argv, extra) in plan.items():
                for tree, path in trees.items() if label != "python -c pass" else [("", str(REPO))]:
                    env = {**os.environ, "PYTHONPATH": str(Path(path).resolve()), **extra}
                    env.pop("QUALCODE_PROJECT", None)
                    times.setdefault((label, tree), []).append(run_once(argv, env))
            print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
    base = statistics.median(times[("python -c pass", "")])
    print(f"{'command':22} {'checkout':14} {'median s':>9} {'min s':>7} {'above python s':>15}")
    for (label, tree), values in times.items():
        median = statistics.median(values)
        print(f"{label:22} {tree:14} {median:9.3f} {min(values):7.3f} {median - base:15.3f}")
    print(f"({args.rounds} rounds, interleaved; python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
