"""Store benchmarks (issue 3): bulk import of 10^6 codings from csv, and opening a project
with 10^5 excerpts and listing them as a DataFrame.

    python benchmarks/bench_store.py [--codings 1000000] [--excerpts 100000] [--workdir DIR]

Targets: bulk import <= 60 s; open + ``excerpts()`` <= 2 s. Prints seconds and peak RSS.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import string
import sys
import tempfile
import time
from pathlib import Path

from qualcode import Project
from qualcode.ingest.load import content_hash
from qualcode.store import schema
from qualcode.store.migrations import utcnow

WORDS = ["mentor", "board", "funding", "confidence", "trustees", "partners", "strategy", "staff", "carers", "the",
         "and", "we", "really", "think", "about", "our", "organisation", "change", "support", "year"]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_project(path: Path, n_sources: int, n_codes: int, seed: int = 1) -> tuple[Project, dict[str, int]]:
    """A project with ``n_sources`` texts of ~6,000 characters and a 2-level codebook."""
    rng = random.Random(seed)
    project = Project.create(path)
    lengths: dict[str, int] = {}
    now = utcnow()
    rows = []
    for i in range(n_sources):
        text = " ".join(rng.choice(WORDS) for _ in range(1000))
        name = f"S{i:05d}"
        rows.append({"name": name, "kind": "document", "origin_path": "", "content_hash": content_hash(text), "text": text,
                     "length": len(text), "case_id": None, "wave": None, "questionnaire_id": None, "meta": None,
                     "created_at": now})
        lengths[name] = len(text)
    with project.database.begin() as conn:
        conn.execute(schema.sources.insert(), rows)
    for top in range(n_codes // 10):
        for child in range(10):
            project.add_code(f"T{top:02d}/C{child}")
    return project, lengths


def write_codings(path: Path, lengths: dict[str, int], n: int, n_codes: int, seed: int = 2) -> None:
    rng = random.Random(seed)
    names = list(lengths)
    coders = ["anna", "ben", "chloe"]
    with path.open("w", encoding="utf-8") as f:
        f.write("source,start,end,code,coder,weight\n")
        for _ in range(n):
            name = rng.choice(names)
            start = rng.randrange(0, lengths[name] - 400)
            end = start + rng.randrange(20, 400)
            code = rng.randrange(n_codes)
            f.write(f"{name},{start},{end},T{code // 10:02d}/C{code % 10},{rng.choice(coders)},{rng.choice(['', '3'])}\n")


def bench_bulk_import(workdir: Path, n_codings: int) -> dict[str, float]:
    project, lengths = make_project(workdir / "bulk.qcproj", n_sources=1000, n_codes=200)
    csv_path = workdir / "codings.csv"
    write_codings(csv_path, lengths, n_codings, 200)
    c0, t0 = time.process_time(), time.perf_counter()
    report = project.import_codings(csv_path)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    project.close()
    return {"rows": report.rows, "applications": report.applications, "seconds": seconds, "cpu": cpu}


def bench_open_list(workdir: Path, n_excerpts: int) -> dict[str, float]:
    path = workdir / "list.qcproj"
    project, lengths = make_project(path, n_sources=500, n_codes=200)
    csv_path = workdir / "list.csv"
    write_codings(csv_path, lengths, n_excerpts, 200, seed=3)
    project.import_codings(csv_path)
    n = project.summary()["excerpts"]
    project.close()
    import sqlite3

    c0, t0 = time.process_time(), time.perf_counter()
    with sqlite3.connect(path) as raw:  # the baseline: the same rows fetched with no processing
        rows = raw.execute('select id, source_id, start, "end", text from excerpts').fetchall()
    raw_seconds, raw_cpu = time.perf_counter() - t0, time.process_time() - c0
    c0, t0 = time.process_time(), time.perf_counter()
    reopened = Project.open(path)
    frame = reopened.excerpts()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    reopened.close()
    assert len(frame) == n == len(rows)
    return {"excerpts": n, "seconds": seconds, "cpu": cpu, "raw_seconds": raw_seconds, "raw_cpu": raw_cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--excerpts", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="qc-bench-store-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        listing = bench_open_list(workdir, args.excerpts)
        print(f"open + excerpts(): {listing['excerpts']:,} excerpts in {listing['seconds']:.2f} s wall, "
              f"{listing['cpu']:.2f} s CPU (target <= 2 s); bare sqlite3 fetch of the same rows "
              f"{listing['raw_seconds']:.2f} s wall, {listing['raw_cpu']:.2f} s CPU")
        bulk = bench_bulk_import(workdir, args.codings)
        print(f"bulk import: {bulk['rows']:,} rows -> {bulk['applications']:,} applications in "
              f"{bulk['seconds']:.1f} s wall, {bulk['cpu']:.1f} s CPU (target <= 60 s)")
        print(f"peak RSS: {peak_rss_mib():.0f} MiB; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
