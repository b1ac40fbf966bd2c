"""Speed of the counting analyses on a generated study of 10^6 applications.

Study: 200 codes (20 top-level codes with 9 children each), 10^4 cases with 3 sources
each, 5 * 10^5 excerpts (2 applications each on average, codes drawn with a Zipf-like
skew), spans placed so that neighbouring excerpts in a source often overlap, and two
case descriptors (role: 5 values, mode: 2). Targets (issue 4): frequencies,
co-occurrence and crosstab <= 2 s each.

Each analysis runs ``--repeat`` times; the median wall time is reported. Peak memory is
measured in a separate run under tracemalloc (numpy, scipy and pandas buffers are
traced), and the process's max RSS is printed at the end.

    python benchmarks/bench_analysis.py [--applications 1000000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.analysis import (  # noqa: E402
    code_by_descriptor,
    cooccurrence_matrix,
    frequencies,
    group_tests,
    top_priorities,
    wave_change,
)


TARGET_S = 2.0  # issue 4: frequencies, co-occurrence, crosstab each <= 2 s


def make_study(n_apps: int, n_codes_top: int = 20, n_children: int = 9, n_cases: int = 10_000,
               sources_per_case: int = 3, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    paths = []
    rows = []
    cid = 0
    for t in range(n_codes_top):
        cid += 1
        top_id = cid
        paths.append(f"T{t:02d}")
        rows.append((cid, f"T{t:02d}", f"T{t:02d}", pd.NA, 0, f"T{t:02d}", t))
        for c in range(n_children):
            cid += 1
            p = f"T{t:02d}/C{c}"
            paths.append(p)
            rows.append((cid, p, f"C{c}", top_id, 1, f"T{t:02d}", c))
    codebook = pd.DataFrame(rows, columns=["code_id", "path", "name", "parent_id", "depth", "top", "position"])
    n_codes = len(paths)
    n_sources = n_cases * sources_per_case
    n_excerpts = n_apps // 2
    ex_source = rng.integers(0, n_sources, n_excerpts)
    ex_start = rng.integers(0, 20_000, n_excerpts)
    ex_end = ex_start + rng.integers(50, 600, n_excerpts)
    per_ex = rng.integers(1, 4, n_excerpts)  # 1-3 applications, mean 2
    per_ex = per_ex[np.cumsum(per_ex) <= n_apps]
    n_ex = len(per_ex)
    ex_of_app = np.repeat(np.arange(n_ex), per_ex)
    weights = 1.0 / np.arange(1, n_codes + 1) ** 0.8
    code_of_app = rng.choice(n_codes, size=len(ex_of_app), p=weights / weights.sum())
    src = ex_source[ex_of_app]
    case = src // sources_per_case
    wave = (src % sources_per_case) + 1
    paths_arr = np.array(paths, dtype=object)
    apps = pd.DataFrame({
        "application_id": np.arange(len(ex_of_app)),
        "excerpt_id": ex_of_app,
        "source_id": src,
        "source": pd.Categorical.from_codes(src, [f"S{i}" for i in range(n_sources)]).astype(str),
        "case": pd.Categorical.from_codes(case, [f"P{i:05d}" for i in range(n_cases)]).astype(str),
        "wave": wave.astype(str),
        "start": ex_start[ex_of_app],
        "end": ex_end[ex_of_app],
        "code_id": code_of_app + 1,
        "code": paths_arr[code_of_app],
        "coder": "anna",
        "weight": np.where(rng.random(len(ex_of_app)) < 0.3, rng.integers(1, 11, len(ex_of_app)), np.nan),
        "origin": "manual",
        "status": "applied",
    })
    descriptors = pd.DataFrame({
        "case": [f"P{i:05d}" for i in range(n_cases)],
        "role": rng.choice(["CEO", "mentor", "mentee", "trustee", "staff"], n_cases),
        "mode": rng.choice(["online", "face to face"], n_cases),
    })
    return apps, codebook, descriptors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--applications", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    apps, codebook, descriptors = make_study(args.applications)
    gen = time.perf_counter() - t0
    print(f"generated {len(apps):,} applications, {apps['excerpt_id'].nunique():,} excerpts, "
          f"{len(codebook)} codes, {apps['case'].nunique():,} cases, {apps['source_id'].nunique():,} sources "
          f"in {gen:.1f} s")

    runs = {
        "frequencies (explicit + child-sum)": lambda: frequencies(apps, codebook),
        "co-occurrence, same excerpt": lambda: cooccurrence_matrix(apps, codebook),
        "co-occurrence, overlapping excerpts": lambda: cooccurrence_matrix(apps, codebook, overlap=True),
        "crosstab code x role": lambda: code_by_descriptor(apps, "role", descriptors, codebook),
        "crosstab code x role x mode": lambda: code_by_descriptor(apps, ["role", "mode"], descriptors, codebook),
        "wave change 1 -> 2": lambda: wave_change(apps, "1", "2", codebook),
        "group tests code x role (crosstab incl.)": lambda: group_tests(
            code_by_descriptor(apps, "role", descriptors, codebook), "role"),
        "top priorities": lambda: top_priorities(apps, codebook),
    }
    print(f"{'analysis':40s} {'median s':>9s} {'min s':>7s} {'peak MB':>8s} {'/ 2 s target':>13s}")
    for name, fn in runs.items():
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        med = statistics.median(times)
        print(f"{name:40s} {med:9.2f} {min(times):7.2f} {peak / 2**20:8.0f} {med / TARGET_S:13.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = " ".join(f"{x:.1f}" for x in __import__("os").getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} on {__import__('os').cpu_count()} CPUs")
    print(f"max RSS of the whole run (input frame included): {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
