"""REFI-QDA at scale: import a .qdpx of 10^5 selections into a fresh project, export the
project back to .qdpx, and import that export again (the round trip a team does when it
moves a study between tools).

Each phase runs in its own Python process so that its peak resident memory (``ru_maxrss``
of that process) belongs to that phase alone; times are wall-clock seconds of the phase
(project open/close included, interpreter start-up not), with the phase's CPU seconds
(user + system, median), which a busy shared machine inflates less. The input file is generated
here from a fixed seed: sources of random words, a 200-code tree (20 x 10), 3 coders,
1-2 codings per selection.

    python benchmarks/bench_refi.py                  # 10^5 selections
    python benchmarks/bench_refi.py --selections 20000 --repeat 1
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def make_exchange(n_selections: int, per_source: int, seed: int = 7):
    from qualcode.interop.exchange import ExchangeProject, ExCode, ExCoding, ExSelection, ExSource, ExUser

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)] + ["board", "funding", "trustees", "confidence", "café", "naïve"]
    users = [ExUser(str(uuid.UUID(int=rng.getrandbits(128))), name) for name in ("anna", "ben", "carla")]
    codes, leaves = [], []
    for i in range(20):
        children = [ExCode(str(uuid.UUID(int=rng.getrandbits(128))), f"Code {i}.{j}") for j in range(10)]
        leaves += children
        codes.append(ExCode(str(uuid.UUID(int=rng.getrandbits(128))), f"Branch {i}", children=children))
    ep = ExchangeProject(name="bench", users=users, codes=codes)
    n_sources = max(1, n_selections // per_source)
    for s in range(n_sources):
        paragraphs = [" ".join(rng.choices(words, k=rng.randint(20, 60))) for _ in range(per_source)]
        text = "\n\n".join(paragraphs) + "\n"
        source = ExSource(str(uuid.UUID(int=rng.getrandbits(128))), f"Interview {s:05d}", text)
        ep.sources.append(source)
        pos = 0
        for p in paragraphs:  # one selection per paragraph: a whole paragraph or a part of it
            start = pos + rng.randint(0, len(p) // 3)
            end = pos + len(p) - rng.randint(0, len(p) // 3)
            pos += len(p) + 2
            chosen = rng.sample(leaves, rng.randint(1, 2))
            ep.selections.append(ExSelection(
                str(uuid.UUID(int=rng.getrandbits(128))), source.guid, start, end,
                codings=[ExCoding(c.guid, rng.choice(users).guid) for c in chosen],
            ))
    return ep


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def phase(name: str, work: Path, args: argparse.Namespace) -> dict[str, object]:
    from qualcode import Project

    t0 = time.perf_counter()
    c0 = _cpu()
    if name == "write-input":
        from qualcode.interop import write_qdpx

        ep = make_exchange(args.selections, args.per_source)
        write_qdpx(ep, work / "input.qdpx")
        result = {"selections": len(ep.selections), "codings": sum(len(s.codings) for s in ep.selections),
                  "sources": len(ep.sources), "bytes": (work / "input.qdpx").stat().st_size}
    elif name in ("import", "reimport"):
        target = work / f"{name}.qcproj"
        for stale in work.glob(f"{name}.qcproj*"):
            stale.unlink()
        source = work / ("input.qdpx" if name == "import" else "export.qdpx")
        with Project.create(target) as project:
            report = project.import_qdpx(source)
            result = {"excerpts": report.added["excerpts"], "applications": report.added["applications"],
                      "sources": report.added["sources"]}
    elif name == "export":
        with Project.open(work / "import.qcproj") as project:
            report = project.export_qdpx(work / "export.qdpx")
            result = {"selections": report.written["selections"], "codings": report.written["codings"],
                      "bytes": report.path.stat().st_size}
    else:
        raise SystemExit(f"unknown phase {name}")
    result["seconds"] = time.perf_counter() - t0
    result["cpu_seconds"] = _cpu() - c0
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_phase(name: str, work: Path, args: argparse.Namespace) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--phase", name, "--work", str(work), "--selections", str(args.selections),
           "--per-source", str(args.per_source)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def baseline_rss() -> float:
    """Peak RSS of a process that only imports qualcode (the floor under every phase)."""
    code = "import resource, qualcode, qualcode.project, qualcode.interop; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--selections", type=int, default=100_000)
    parser.add_argument("--per-source", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--work", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.work), args)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        made = run_phase("write-input", work, args)
        print(f"input: {made['selections']:,} selections, {made['codings']:,} codings, {made['sources']} sources, "
              f"{made['bytes'] / 1e6:.1f} MB qdpx, written in {made['seconds']:.1f} s")
        print(f"baseline RSS (python + qualcode imported): {baseline_rss():.0f} MB")
        print(f"{'phase':<34}{'median s':>9}{'min s':>8}{'CPU s':>8}{'peak RSS MB':>13}")
        rows = {"import": "import qdpx -> fresh project", "export": "export project -> qdpx",
                "reimport": "import the export -> fresh project"}
        for key, label in rows.items():
            runs = [run_phase(key, work, args) for _ in range(args.repeat)]
            secs = sorted(float(r["seconds"]) for r in runs)
            cpu = sorted(float(r["cpu_seconds"]) for r in runs)
            peak = max(float(r["peak_rss_mb"]) for r in runs)
            print(f"{label:<34}{secs[len(secs) // 2]:>9.2f}{secs[0]:>8.2f}{cpu[len(cpu) // 2]:>8.2f}{peak:>13.0f}")
            check = runs[-1]
            if key != "export" and (check["excerpts"], check["applications"]) != (made["selections"], made["codings"]):
                raise SystemExit(f"{key}: stored {check} but the file has {made}")
        load = os.getloadavg()
        print(f"load average at the end (1, 5, 15 min): {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
