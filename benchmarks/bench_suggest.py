"""Suggester speed: training on 10^5 labelled units and suggesting for 10^5 units (issue 5).

Targets: training <= 120 s, suggesting <= 30 s, on the shared 2-core machine.

The units are synthetic sentences of 6-25 words drawn with the word frequencies of the
demo interviews (``corpora/advance-demo``), so the vocabulary and the n-gram counts the
TF-IDF views see are those of real speech. ``--codes`` codes (20 by default, about a
codebook branch's worth) each own five keywords; a unit carries no code (60%), one
(30%) or two (10%), with one or two of each code's keywords put in, and one label in
fifty flipped, so the models have real work to do. The training units are labelled
completely (0/1), like units of sources a person coded.

Timed, with the suggester ``train_suggester`` picks for that many units
(``suggest_project.estimator_for``: ``CodeSuggester()`` up to 20,000 units; word n-grams,
NB-LR only and 2 folds of internal tuning past that):

* **train** -- ``fit`` on the training units: TF-IDF, out-of-fold scores for calibration
  and thresholds, the final per-code models;
* **suggest** -- ``suggest`` (features, per-code scores, calibration, decisions, the long
  frame of suggestions) for as many new units; sample F1 on them is printed as a check
  that the models learnt something;
* **suggest, small model** -- the usual case of a project: a model trained on
  ``--small-model`` units with the full ``CodeSuggester()`` (word and character n-grams)
  suggesting for the same new units;
* ``--defaults`` also trains ``CodeSuggester()`` itself on all the training units (slow:
  about 13 minutes for 10^5).

Wall-clock seconds and CPU seconds of this process are both reported (the machine is
shared: wall time swings with other people's jobs). ``--project DIR`` also runs the
project path end to end on a smaller corpus: ingest transcripts, import hand codings,
``train_suggester(cv=False)`` and ``suggest()`` on 1 and 2 processes (this adds spaCy
sentence splitting and the store).

    python benchmarks/bench_suggest.py                      # 10^5 + 10^5 units (about 4 minutes)
    python benchmarks/bench_suggest.py --units 20000        # quicker
    python benchmarks/bench_suggest.py --units 1000 --small-model 0 --project /tmp/bench-suggest \\
        --project-units 100000 --coded-share 0.15   # a project: 15,000 coded units, 10^5 to suggest for
"""
from __future__ import annotations

import argparse
import re
import shutil
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from qualcode.coding.suggest.cv import multilabel_scores
from qualcode.coding.suggest.project_models import estimator_for
from qualcode.coding.suggest.suggester import CodeSuggester

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def vocabulary(root: Path = ROOT) -> tuple[np.ndarray, np.ndarray]:
    """Words of the demo interviews and their probabilities."""
    counts: Counter[str] = Counter()
    for path in sorted((root / "corpora" / "advance-demo" / "interviews").glob("*.txt")):
        counts.update(WORD.findall(path.read_text(encoding="utf-8").lower()))
    words, n = zip(*counts.most_common())
    p = np.asarray(n, dtype=float)
    return np.asarray(words, dtype=object), p / p.sum()


def synthetic_units(n: int, n_codes: int, seed: int) -> tuple[list[str], pd.DataFrame]:
    """``n`` sentences and their 0/1 code frame (see the module docstring)."""
    words, p = vocabulary()
    rng = np.random.default_rng(seed)
    keyword_rng = np.random.default_rng(12345)  # the same keywords in every split
    mid = words[200:2200]  # content words, neither "the" nor hapaxes
    keywords = keyword_rng.choice(mid, size=(n_codes, 5), replace=False)
    lengths = rng.integers(6, 26, size=n)
    body = rng.choice(words, size=int(lengths.sum()), p=p)
    how_many = rng.choice([0, 1, 2], size=n, p=[0.6, 0.3, 0.1])
    Y = np.zeros((n, n_codes), dtype=np.int8)
    texts = []
    at = 0
    for i in range(n):
        sentence = list(body[at: at + lengths[i]])
        at += lengths[i]
        for code in rng.choice(n_codes, size=how_many[i], replace=False):
            Y[i, code] = 1
            for word in rng.choice(keywords[code], size=rng.integers(1, 3), replace=False):
                sentence.insert(int(rng.integers(0, len(sentence) + 1)), word)
        texts.append(" ".join(sentence).capitalize() + ".")
    flips = rng.random(Y.shape) < 1 / 50 / n_codes * 2
    Y = np.where(flips, 1 - Y, Y).astype(np.int8)
    return texts, pd.DataFrame(Y, columns=[f"Code {j + 1:02d}" for j in range(n_codes)])


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_estimator(n: int, n_codes: int, small: int, defaults: bool) -> None:
    train_texts, train_Y = synthetic_units(n, n_codes, seed=1)
    test_texts, test_Y = synthetic_units(n, n_codes, seed=2)
    print(f"{n} training units, {n} new units, {n_codes} codes; "
          f"{np.mean([len(t.split()) for t in train_texts]):.1f} words a unit, "
          f"{train_Y.to_numpy().any(axis=1).mean():.0%} of units coded")
    model = estimator_for(n)
    print(f"train_suggester's suggester for {n} units: {describe(model)}")
    fitted, wall, cpu = timed(model.fit, train_texts, train_Y)
    print(f"train    {wall:7.1f} s wall  {cpu:7.1f} s CPU   (target <= 120 s)  "
          f"{fitted.features_.n_features_out_} features")
    suggest_and_check(fitted, test_texts, test_Y, "suggest ")
    if small:
        fitted, wall, cpu = timed(estimator_for(small).fit, train_texts[:small], train_Y.iloc[:small])
        print(f"small model: {describe(fitted)} trained on {small} units in {wall:.1f} s wall")
        suggest_and_check(fitted, test_texts, test_Y, "suggest, small model")
    if defaults:
        fitted, wall, cpu = timed(CodeSuggester().fit, train_texts, train_Y)
        print(f"CodeSuggester() defaults: train {wall:7.1f} s wall  {cpu:7.1f} s CPU")
        suggest_and_check(fitted, test_texts, test_Y, "suggest, defaults")


def describe(model: CodeSuggester) -> str:
    changed = {k: v for k, v in model.get_params().items() if v != CodeSuggester().get_params()[k]}
    return "CodeSuggester(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"


def suggest_and_check(model: CodeSuggester, texts: list[str], truth: pd.DataFrame, label: str) -> None:
    frame, wall, cpu = timed(model.suggest, texts)
    print(f"{label}  {wall:7.1f} s wall  {cpu:7.1f} s CPU   (target <= 30 s)   {len(frame)} suggestions")
    predicted = np.zeros(truth.shape, dtype=int)
    column = {c: j for j, c in enumerate(truth.columns)}
    predicted[frame["index"].to_numpy(dtype=int), frame["code"].map(column).to_numpy(dtype=int)] = 1
    scores = multilabel_scores(truth.to_numpy(), predicted)
    print("  check  sample F1 {samples_f1:.3f}, micro F1 {micro_f1:.3f}, macro F1 {macro_f1:.3f} on the new units"
          .format(**scores))


def bench_project(folder: Path, n: int, n_codes: int, coded_share: float) -> None:
    """Ingest ``n`` synthetic sentences as transcripts, code them, train and suggest through the API."""
    from qualcode import Project

    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("bench*"):  # the project file, its -wal/-shm and bench.models
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    texts, Y = synthetic_units(n, n_codes, seed=3)
    per_source = 200
    interviews = folder / "interviews"
    interviews.mkdir(exist_ok=True)
    for old in interviews.glob("*.txt"):
        old.unlink()
    rows = []
    for s in range(0, n, per_source):
        name = f"P-{s // per_source:04d}"
        body = texts[s: s + per_source]
        (interviews / f"{name}.txt").write_text(f"{name}: " + " ".join(body) + "\n", encoding="utf-8")
        if s < n * coded_share:  # these sources coded by hand, the others left for suggestions
            for sentence, labels in zip(body, Y.iloc[s: s + per_source].to_numpy()):
                rows += [(name, sentence, code) for code, on in zip(Y.columns, labels) if on]
    codebook = folder / "codebook.yaml"
    codebook.write_text("codebook: bench\ncodes:\n" + "".join(f"  - name: {c}\n" for c in Y.columns), encoding="utf-8")
    project = Project.create(folder / "bench.qcproj")
    _, wall, _ = timed(project.ingest, interviews, progress=False)
    project.import_codebook(codebook)
    codings = pd.DataFrame(rows, columns=["source", "quote", "code"]).assign(coder="anna")
    codings.to_csv(folder / "codings.csv", index=False)
    _, wall_import, _ = timed(project.import_codings, folder / "codings.csv")
    print(f"project  {n} sentences in {n // per_source} sources; ingest {wall:.2f} s, {len(codings)} codings "
          f"imported in {wall_import:.1f} s")
    report, wall, cpu = timed(project.train_suggester, cv=False, progress=False)
    print(f"train_suggester  {wall:7.1f} s wall  {cpu:7.1f} s CPU  ({report.n_units} units; fit alone "
          f"{report.train_seconds:.1f} s)")
    print(f"  suggester: {describe(CodeSuggester.load(report.path))}")
    result, wall, cpu = timed(project.suggest, dry_run=True, progress=False)
    print(f"suggest, dry run, 1 process   {wall:7.1f} s wall  ({len(result.suggestions)} unit codes)")
    result, wall, cpu = timed(project.suggest, dry_run=True, n_process=2, progress=False)
    print(f"suggest, dry run, 2 processes {wall:7.1f} s wall  ({len(result.suggestions)} unit codes)")
    result, wall, cpu = timed(project.suggest, progress=False)
    print(f"suggest, stored, 1 process    {wall:7.1f} s wall  {cpu:7.1f} s CPU  ({len(result.suggestions)} unit codes, "
          f"{result.inserted} stored)")
    project.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000, help="training units, and as many new units")
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--small-model", type=int, default=10_000,
                        help="also suggest with a full CodeSuggester() trained on this many units (0: skip)")
    parser.add_argument("--defaults", action="store_true", help="also train CodeSuggester() on all the units")
    parser.add_argument("--project", type=Path, default=None, help="also run train/suggest in a project here")
    parser.add_argument("--project-units", type=int, default=20_000, help="sentences in the --project run")
    parser.add_argument("--coded-share", type=float, default=0.5, help="share of the --project sources coded by hand")
    args = parser.parse_args()
    bench_estimator(args.units, args.codes, min(args.small_model, args.units), args.defaults)
    if args.project is not None:
        bench_project(args.project, args.project_units, args.codes, args.coded_share)


if __name__ == "__main__":
    main()
