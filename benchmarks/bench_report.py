"""The full report on a large project (issue 4): 10^6 applications over 200 codes and
10^4 cases, written as xlsx, html, md and csv.

    python benchmarks/bench_report.py [--applications 1000000] [--cases 10000] [--workdir DIR [--reuse]]

The project is built first (sources inserted directly, descriptors and codings through
the public import paths) and is not timed. Then ``build_report`` (every analysis and
figure) and each writer are timed separately. Target: the full Excel report <= 60 s.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode import Project  # noqa: E402
from qualcode.ingest.load import content_hash  # noqa: E402
from qualcode.report.content import write_csv  # noqa: E402
from qualcode.report.excel import write_excel  # noqa: E402
from qualcode.report.html import write_html  # noqa: E402
from qualcode.report.markdown import write_markdown  # noqa: E402
from qualcode.reporting.study import ReportOptions, build_report  # noqa: E402
from qualcode.store import schema  # noqa: E402
from qualcode.store.migrations import utcnow  # noqa: E402

WORDS = ("mentor board funding confidence trustees partners strategy staff carers the and we really think "
         "about our organisation change support year reserves governance chair council volunteers").split()


def build_project(path: Path, n_cases: int, n_apps: int, seed: int = 1) -> Project:
    rng = random.Random(seed)
    project = Project.create(path, title="Generated study")
    folder = path.parent
    with (folder / "cases.csv").open("w", encoding="utf-8") as f:
        f.write("case,role,mode\n")
        for i in range(n_cases):
            f.write(f"P{i:05d},{rng.choice(['CEO', 'Mentor', 'Trustee', 'Staff', 'Funder'])},"
                    f"{rng.choice(['online', 'face to face'])}\n")
    project.import_descriptors(folder / "cases.csv", key="case")
    case_ids = dict(zip(project.descriptors()["case"], range(n_cases)))
    with project.database.connect() as conn:
        ids = {r.name: r.id for r in conn.execute(schema.cases.select())}
    rows, lengths, now = [], {}, utcnow()
    for case in case_ids:
        for wave in ("1", "2", "3"):
            text = " ".join(rng.choice(WORDS) for _ in range(300))
            name = f"{case} wave {wave}"
            rows.append({"name": name, "kind": "transcript", "origin_path": "", "content_hash": content_hash(text + name),
                         "text": text, "length": len(text), "case_id": ids[case], "wave": wave,
                         "questionnaire_id": None, "meta": None, "created_at": now})
            lengths[name] = len(text)
    with project.database.begin() as conn:
        conn.execute(schema.sources.insert(), rows)
    for top in range(20):
        project.add_code(f"Branch {top:02d}", colour=f"#{rng.randrange(0x1000000):06x}")
        for child in range(9):
            project.add_code(f"Branch {top:02d}/Code {child}")
    names = list(lengths)
    with (folder / "codings.csv").open("w", encoding="utf-8") as f:
        f.write("source,start,end,code,coder,weight\n")
        for _ in range(n_apps):
            name = rng.choice(names)
            start = rng.randrange(0, lengths[name] - 300)
            top, child = min(int(rng.paretovariate(1.2)) - 1, 19), rng.randrange(9)
            f.write(f"{name},{start},{start + rng.randrange(30, 300)},Branch {top:02d}/Code {child},"
                    f"{rng.choice(['anna', 'ben'])},{rng.choice(['', '2', '4'])}\n")
    project.import_codings(folder / "codings.csv")
    return project


def timed(label: str, func, *args):  # noqa: ANN001, ANN201 - a tiny benchmark helper
    c0, t0 = time.process_time(), time.perf_counter()
    result = func(*args)
    print(f"{label:>14}: {time.perf_counter() - t0:7.1f} s wall, {time.process_time() - c0:7.1f} s CPU", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--excerpt-rows", type=int, default=ReportOptions.excerpt_rows,
                        help="rows of the excerpts table (0: all, as before the cap)")
    parser.add_argument("--reuse", action="store_true", help="open the project already built in --workdir")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="qc-bench-report-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        path = workdir / "big.qcproj"
        if args.reuse and path.exists():
            project = Project.open(path)
        else:
            project = build_project(path, args.cases, args.applications)
        summary = project.summary()
        print(f"project: {summary['applications']:,} applications, {summary['excerpts']:,} excerpts, "
              f"{summary['cases']:,} cases, {summary['codes']} codes, {summary['sources']:,} sources "
              f"(built in {time.perf_counter() - t0:.0f} s, not timed below)", flush=True)
        out = workdir / "report"
        t_build = time.perf_counter()
        report = timed("build_report", build_report, project, out / "figures", ReportOptions(excerpt_rows=args.excerpt_rows))
        timed("write_excel", write_excel, report, out / "report.xlsx")
        xlsx_wall = time.perf_counter() - t_build
        timed("write_html", write_html, report, out / "report.html")
        timed("write_markdown", write_markdown, report, out / "report.md")
        timed("write_csv", write_csv, report, out / "tables")
        size = (out / "report.xlsx").stat().st_size / 2**20
        print(f"the Excel report (build_report + write_excel): {xlsx_wall:.1f} s wall = {xlsx_wall / 60:.2f} of the 60 s target")
        print(f"report.xlsx {size:.0f} MiB; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB; "
              f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        project.close()
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
