"""Speed of the agreement engine: 3 coders, 10^5 units, 200 codes (target <= 10 s, issue 7).

Generated study: 1,000 sources of 100 contiguous units each (50-300 characters), so
10^5 units. Each unit has 1-5 "true" codes drawn with a Zipf-like skew from 200 codes;
each coder keeps a true code with probability 0.8 and adds Poisson(0.3) spurious codes,
and weights 40% of applications (1-10, true weight plus noise). That is about 6 * 10^5
applications.

Levels timed, each the whole ``agreement()`` call (unitisation, statistics for every
code and pair, pooled values, disagreement list):

* excerpt: applications on the units' exact spans, units passed explicitly;
* segment: applications with boundaries jittered by up to 20 characters, matched to
  the units by the overlap rule;
* char: the jittered applications compared character by character.

For contrast, the krippendorff package (the test oracle) is timed on ``--oracle-codes``
codes of the excerpt-level reliability data and extrapolated to all codes.
Each level runs ``--repeat`` times (median wall time reported, with the process CPU time:
on a shared machine wall time also measures the neighbours); peak traced memory comes
from a separate run of each level under tracemalloc; max RSS of the process is printed last.

    python benchmarks/bench_agreement.py [--units 100000] [--codes 200] [--coders 3] [--repeat 3]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.coding.agreement.measure import agreement  # noqa: E402
from qualcode.coding.agreement.units import (  # noqa: E402
    excerpt_presence, prepare_applications, source_coverage,
)

TARGET_SECONDS = 10.0


def make_study(n_units: int, n_codes: int, n_coders: int, units_per_source: int = 100, seed: int = 0):
    """Units frame, exact-span applications and jittered-span applications."""
    rng = np.random.default_rng(seed)
    n_sources = max(1, n_units // units_per_source)
    source = np.repeat(np.arange(1, n_sources + 1), units_per_source)[:n_units]
    if len(source) < n_units:
        source = np.concatenate([source, np.full(n_units - len(source), n_sources)])
    length = rng.integers(50, 301, n_units)
    end = np.zeros(n_units, dtype=np.int64)
    start = np.zeros(n_units, dtype=np.int64)
    for_source = pd.Series(length).groupby(source).cumsum().to_numpy()
    end[:] = for_source
    start[:] = end - length
    units = pd.DataFrame({"unit_id": np.arange(1, n_units + 1), "source_id": source, "start": start, "end": end})
    source_lengths = units.groupby("source_id")["end"].max()

    codes = np.array([f"Code/{i:03d}" for i in range(n_codes)], dtype=object)
    popularity = 1.0 / (np.arange(n_codes) + 5.0)
    popularity /= popularity.sum()
    n_true = np.minimum(1 + rng.poisson(1.0, n_units), 5)
    true_unit = np.repeat(np.arange(n_units), n_true)
    true_code = rng.choice(n_codes, size=len(true_unit), p=popularity)
    true_weight = rng.integers(1, 11, len(true_unit))

    parts = []
    for c in range(n_coders):
        keep = rng.random(len(true_unit)) < 0.8
        n_extra = rng.poisson(0.3, n_units)
        extra_unit = np.repeat(np.arange(n_units), n_extra)
        extra_code = rng.choice(n_codes, size=len(extra_unit), p=popularity)
        unit_idx = np.concatenate([true_unit[keep], extra_unit])
        code_idx = np.concatenate([true_code[keep], extra_code])
        weight = np.concatenate([np.clip(true_weight[keep] + rng.integers(-2, 3, keep.sum()), 1, 10),
                                 rng.integers(1, 11, len(extra_unit))]).astype(float)
        weight[rng.random(len(weight)) >= 0.4] = np.nan
        parts.append(pd.DataFrame({"unit": unit_idx, "code": codes[code_idx], "coder": f"coder{c + 1}", "weight": weight}))
    apps = pd.concat(parts, ignore_index=True)
    u = apps.pop("unit").to_numpy()
    apps.insert(0, "excerpt_id", u + 1)
    apps.insert(1, "source_id", source[u])
    apps.insert(2, "start", start[u])
    apps.insert(3, "end", end[u])

    jitter = apps.copy()
    s = jitter["start"].to_numpy() + rng.integers(-20, 21, len(jitter))
    e = jitter["end"].to_numpy() + rng.integers(-20, 21, len(jitter))
    s = np.clip(s, 0, source_lengths.reindex(jitter["source_id"]).to_numpy() - 1)
    e = np.clip(np.maximum(e, s + 1), 1, source_lengths.reindex(jitter["source_id"]).to_numpy())
    jitter["start"], jitter["end"] = s, e
    return units, apps, jitter, source_lengths


def run_level(level: str, units, apps, jitter, source_lengths):
    if level == "excerpt":
        return agreement(apps, unit="excerpt", units=units)
    if level == "segment":
        return agreement(jitter, unit="segment", units=units)
    return agreement(jitter, unit="char", source_lengths=source_lengths)


def time_oracle(units, apps, n_codes: int) -> tuple[float, int]:
    """Seconds the krippendorff package needs per code on the excerpt-level reliability data."""
    import krippendorff

    prepared, coders = prepare_applications(apps, None)
    table = excerpt_presence(prepared, coders, source_coverage(prepared, coders), units=units)
    chosen = table.codes[:n_codes]
    data = [table.reliability_data(code) for code in chosen]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for d in data:
            krippendorff.alpha(reliability_data=d, level_of_measurement="nominal", value_domain=[0, 1])
    return (time.perf_counter() - t0) / len(chosen), len(table.codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=200)
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--oracle-codes", type=int, default=10)
    parser.add_argument("--levels", default="excerpt,segment,char")
    args = parser.parse_args()

    t0 = time.perf_counter()
    units, apps, jitter, source_lengths = make_study(args.units, args.codes, args.coders)
    print(f"study: {len(units):,} units, {units['source_id'].nunique():,} sources, {args.codes} codes, "
          f"{args.coders} coders, {len(apps):,} applications (generated in {time.perf_counter() - t0:.1f} s)")

    excerpt_seconds = None
    for level in args.levels.split(","):
        times, cpu = [], []
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            result = run_level(level, units, apps, jitter, source_lengths)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        median = statistics.median(times)
        if level == "excerpt":
            excerpt_seconds = median
        tracemalloc.start()
        run_level(level, units, apps, jitter, source_lengths)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        p = result.pooled
        print(f"{level:8s} median {median:6.2f} s wall (runs {', '.join(f'{x:.2f}' for x in times)}; "
              f"CPU {statistics.median(cpu):.2f} s), "
              f"target/measured {TARGET_SECONDS / median:5.1f}x, peak traced {peak / 2**20:6.0f} MiB | "
              f"units {p['n_units']:,}, codes {p['n_codes']}, alpha {p['alpha']:.3f}, "
              f"disagreement rows {p['n_disagreements']:,}")

    if excerpt_seconds is not None and args.oracle_codes > 0:
        per_code, n_codes = time_oracle(units, apps, args.oracle_codes)
        print(f"krippendorff package: {per_code:.3f} s per code on {args.oracle_codes} codes -> "
              f"~{per_code * n_codes:.1f} s for alpha alone over {n_codes} codes; "
              f"whole excerpt-level agreement() is {per_code * n_codes / excerpt_seconds:.1f}x faster")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS of the benchmark process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
