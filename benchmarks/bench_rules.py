"""Rule-engine throughput against a bare keyword scan of the same text, in one run.

The corpus: sentences of 6-25 words drawn with the word frequencies of the demo
interviews (corpora/advance-demo), in a fifth of them a codebook keyword put in some
inflected form ("mentors", "funded"); 200 rules like a real codebook's (5-10 keywords
and 1-2 phrases each, an exclusion in one rule of four, a regex in one of twenty,
min_matches 2 in one of ten). Timed over the same text:

* **bare scan** -- one pyahocorasick automaton of every keyword and exclusion string as
  written, run over the lower-cased text, counting hits with a word boundary on each
  side. It knows nothing of lemmas (it finds "mentor" but not "mentors" or "Mentoring"),
  tokens, units, phrases across line breaks, exclusions, min_matches or rules: it is the
  floor, the cost of merely finding the strings.
* **rule engine** -- ``RuleSet.apply`` on the sentences, batch by batch: spaCy tokens,
  lemma keys, phrases, exclusions, min_matches, one row per (sentence, code). Its ``fast``
  matcher is timed on the same keywords and exclusions (no regexes: the bare scan has
  none), on the full rules with regexes, and on 2 forked processes; the ``spacy`` matcher
  (PhraseMatcher over every token, the reference) on a slice.
* **regex scan** -- the strings as one compiled alternation ``\\b(?:...)\\b`` with
  IGNORECASE (the other baseline the issue allows), on the slice.

Ratio = bare-scan time / engine time; the target is >= 0.5 for the first pass. Both
sides are sampled alike: ``--repeat`` rounds, each timing the bare scan, then a first
pass of a newly compiled engine (cold: it tokenizes every distinct white-space chunk once,
as an autocode run starts), a later pass of that engine (its chunk table warm), and a
first pass of the full rules with regexes; figures are the median and the min of the
rounds, in CPU seconds of this process (other people's jobs on the shared machine disturb
it less) and in wall seconds. Building the automaton and compiling the rules stay outside
both timings (printed apart). The 2-process run is timed by the wall clock against a cold
1-process run. Units are cut beforehand, so this measures rules, not segmentation; the
cost of spaCy sentence splitting, which a real ``autocode --unit sentence`` pays first, is
printed for the slice.

End to end (``--cli DIR``): a folder of generated transcripts is ingested into a project
per tree and ``qualcode autocode --dry-run`` with the demo codebook runs as a new process,
interleaved with ``--baseline`` (another commit's checkout) when given, median and min of
``--repeat`` runs, CPU (user + system of the child) and wall.

    python benchmarks/bench_rules.py                 # 10M words (about 5 minutes)
    python benchmarks/bench_rules.py --words 1000000 # quicker
    python benchmarks/bench_rules.py --demo /tmp/demo # rule quality on the demo study
    python benchmarks/bench_rules.py --end-to-end /tmp/e2e --words 1000000  # ingest + autocode a project
    python benchmarks/bench_rules.py --end-to-end /tmp/e2e --words 1000000 --cluster local:2  # and on Dask
    python benchmarks/bench_rules.py --cli /tmp/e2e-cli --words 1000000 --baseline /tmp/base  # CLI, new processes
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from qualcode.coding.rules.lemma_keys import key_table
from qualcode.coding.rules.engine import Rule, RuleSet, Task

WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def demo_words(root: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """Word frequencies and word pairs of the demo interviews: realistic English speech."""
    counts: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for path in sorted((root / "corpora" / "advance-demo" / "interviews").glob("*.txt")):
        words = WORD.findall(path.read_text(encoding="utf-8"))
        counts.update(w.lower() for w in words)
        pairs.update(zip((w.lower() for w in words), (w.lower() for w in words[1:])))
    vocab = [w for w, _ in counts.most_common()]
    freq = np.array([counts[w] for w in vocab], dtype=float)
    bigrams = [f"{a} {b}" for (a, b), n in pairs.most_common(3000) if n >= 2 and len(a) > 3 and len(b) > 3]
    return vocab, freq / freq.sum(), bigrams


def make_rules(rng: random.Random, vocab: list[str], lemmas: list[str], bigrams: list[str], n_rules: int) -> list[Rule]:
    """Rules like a real codebook's: 5-10 keywords (content words of the corpus and other
    English words), a phrase or two, an exclusion in one rule of four, a regex in one of
    twenty, min_matches 2 in one of ten."""
    content = [w for w in vocab[80:4000] if len(w) > 3]
    rules = []
    for i in range(n_rules):
        words = rng.sample(content, rng.randint(3, 6)) + rng.sample(lemmas, rng.randint(2, 4))
        phrases = rng.sample(bigrams, rng.randint(1, 2))
        exclude = [f"not {words[0]}"] if i % 4 == 0 else []
        regex = [r"\b" + re.escape(words[0][:4]) + r"\w*ing\b"] if i % 20 == 0 else []
        rules.append(Rule(code_id=i + 1, code=f"Code {i + 1}", unit="sentence", keywords=tuple(words + phrases),
                          exclude=tuple(exclude), regex=tuple(regex), min_matches=2 if i % 10 == 0 else 1))
    return rules


def make_corpus(rng: random.Random, n_words: int, vocab: list[str], freq: np.ndarray, rules: list[Rule],
                keyword_rate: float) -> list[str]:
    """Sentences of 6-25 words drawn with the demo corpus's word frequencies; in a share
    of them a keyword in a random inflected form ("mentors", "funded") is put in."""
    table = key_table()
    forms: dict[str, list[str]] = {}
    all_keywords = [k for r in rules for k in r.keywords]
    nprng = np.random.default_rng(rng.randrange(2**32))
    filler = nprng.choice(len(vocab), size=n_words, p=freq)
    sentences, position = [], 0
    while position < n_words:
        length = int(nprng.integers(6, 26))
        words = [vocab[i] for i in filler[position : position + length]]
        position += length
        if not words:
            break
        if rng.random() < keyword_rate:
            inflected = []
            for w in rng.choice(all_keywords).split():
                if w not in forms:
                    forms[w] = sorted(table.forms(table.key(w))) or [w]
                inflected.append(rng.choice(forms[w]))
            at = rng.randrange(len(words) + 1)
            words[at:at] = inflected
        if rng.random() < 0.3:
            words[rng.randrange(len(words))] += ","
        words[0] = words[0].capitalize()
        sentences.append(" ".join(words) + rng.choice([".", ".", ".", "?", "!"]))
    return sentences


class Clock:
    """CPU seconds of this process (what a comparison on a shared machine should use:
    other people's jobs do not count) and wall seconds."""

    def __enter__(self) -> "Clock":
        self.cpu0, self.wall0 = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.wall = time.perf_counter() - self.wall0


def build_automaton(strings: list[str]):
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for s in set(strings):
        automaton.add_word(s.lower(), len(s))
    automaton.make_automaton()
    return automaton


def bare_scan(text: str, automaton) -> tuple[int, Clock]:
    with Clock() as clock:
        lowered = text.lower()
        n, found = len(lowered), 0
        for end, length in automaton.iter(lowered):
            start = end - length + 1
            if (start == 0 or not lowered[start - 1].isalnum()) and (end + 1 == n or not lowered[end + 1].isalnum()):
                found += 1
    return found, clock


def regex_scan(text: str, strings: list[str]) -> tuple[int, Clock]:
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in sorted(set(strings), key=len, reverse=True)) + r")\b",
                         re.IGNORECASE)
    with Clock() as clock:
        found = sum(1 for _ in pattern.finditer(text))
    return found, clock


def run_engine(ruleset: RuleSet, units: pd.DataFrame, batch: int) -> tuple[int, Clock]:
    with Clock() as clock:
        found = 0
        for i in range(0, len(units), batch):
            found += len(ruleset.apply(units.iloc[i : i + batch]))
    return found, clock


_UNITS: pd.DataFrame | None = None  # inherited by forked workers: no pickling of the texts
_RULESET: RuleSet | None = None


def _work(bounds: tuple[int, int]) -> int:
    assert _UNITS is not None and _RULESET is not None
    return len(_RULESET.apply(_UNITS.iloc[bounds[0] : bounds[1]]))


def run_parallel(ruleset: RuleSet, units: pd.DataFrame, batch: int, processes: int) -> tuple[int, float]:
    """The same batches on ``processes`` forked workers (each builds its own chunk table)."""
    import multiprocessing as mp

    global _UNITS, _RULESET
    _UNITS, _RULESET = units, ruleset
    bounds = [(i, min(i + batch, len(units))) for i in range(0, len(units), batch)]
    with Clock() as clock, ProcessPoolExecutor(processes, mp_context=mp.get_context("fork")) as pool:
        found = sum(pool.map(_work, bounds))
    return found, clock.wall


def demo_quality(out_dir: Path) -> None:
    """Autocode the demo study and compare each code's rule suggestions with the team's
    manual codings (anna, ben), through ``Project.evaluate_rules`` (``qualcode autocode
    --evaluate``): precision = share of rule units (in manually coded sources) overlapping
    a manual excerpt of the same code; recall = share of manual excerpts (one per span and
    code, whoever coded it) overlapped by a rule unit. The manual codings are not
    exhaustive, so precision is a lower bound."""
    from qualcode.demo import build_demo_project

    project = build_demo_project(out_dir, progress=False)
    t0 = time.perf_counter()
    result = project.evaluate_rules(["anna", "ben"], progress=False)
    elapsed = time.perf_counter() - t0
    print(f"demo: rules matched in the hand-coded sources and compared in {elapsed:.1f} s")
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(result.table.round(2).sort_values("precision").to_string(index=False))
    print(result.summary())
    project.close()


def write_transcripts(folder: Path, n_words: int, seed: int) -> None:
    """Generated interview transcripts: the demo's word frequencies, ``Interviewer:`` and
    participant turns of six sentences, about 2,000 words a file."""
    root = Path(__file__).resolve().parents[1]
    rng = random.Random(seed)
    vocab, freq, _ = demo_words(root)
    sentences = make_corpus(rng, n_words, vocab, freq, [], 0.0)  # the demo's words; no keywords put in
    folder.mkdir(parents=True, exist_ok=True)
    per_file, turn = 2000, 6
    for f in range(0, len(sentences), per_file // 15):
        chunk = sentences[f : f + per_file // 15]
        turns = [("Interviewer" if i % 2 == 0 else f"CEO-{f:05d}") + ": " + " ".join(chunk[j : j + turn])
                 for i, j in enumerate(range(0, len(chunk), turn))]
        (folder / f"CEO-{f:05d}.txt").write_text("\n\n".join(turns) + "\n", encoding="utf-8")


def run_child(args: list[str], tree: Path) -> tuple[float, float, str]:
    """``python args`` with ``tree`` on PYTHONPATH: (cpu of the child, wall, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=dict(os.environ, PYTHONPATH=str(tree)), cwd=tree,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {tree}:\n{done.stderr[-3000:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall, done.stdout


def cli_end_to_end(out_dir: Path, n_words: int, seed: int, repeat: int, baseline: Path | None) -> None:
    """``qualcode autocode --dry-run`` as a user runs it: a new process on a project of
    generated transcripts with the demo codebook, this tree and ``baseline`` interleaved."""
    root = Path(__file__).resolve().parents[1]
    folder = out_dir / "interviews"
    if not folder.is_dir():
        write_transcripts(folder, n_words, seed)
    trees = [("this", root)] + ([("baseline", baseline.resolve())] if baseline else [])
    projects = {}
    for name, tree in trees:
        project = out_dir / f"{name}.qcproj"
        project.unlink(missing_ok=True)
        run_child(["-m", "qualcode", "init", str(project)], tree)
        _, ingest_wall, _ = run_child(["-m", "qualcode", "-p", str(project), "ingest", str(folder)], tree)
        run_child(["-m", "qualcode", "-p", str(project), "codebook", "import",
                   str(root / "codebooks" / "mentoring-impact.yaml")], tree)
        projects[name] = project
        print(f"{name}: {tree}: ingested {len(list(folder.iterdir()))} transcripts in {ingest_wall:.1f} s wall")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
    outputs: dict[str, str] = {}
    for _ in range(repeat):
        for name, tree in trees:
            cpu, wall, out = run_child(["-m", "qualcode", "-p", str(projects[name]), "autocode", "--dry-run"], tree)
            runs[name].append((cpu, wall))
            outputs[name] = out
    for name, _ in trees:
        cpu, wall = [c for c, _ in runs[name]], [w for _, w in runs[name]]
        total = next((line.strip() for line in outputs[name].splitlines() if "unit" in line.lower()), "")
        print(f"autocode --dry-run {name:>8}: cpu median {statistics.median(cpu):.2f} s min {min(cpu):.2f} s | "
              f"wall median {statistics.median(wall):.2f} s min {min(wall):.2f} s | {total}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def end_to_end(out_dir: Path, n_words: int, seed: int, cluster: str | None = None) -> None:
    """A project of generated interview transcripts (demo word frequencies, "Interviewer:"
    and participant turns), the demo codebook; times ingest, a dry run and a real run, and
    with ``cluster`` a dry run on 2 local processes and one on that Dask cluster (checked
    to count the same)."""
    from qualcode import Project

    root = Path(__file__).resolve().parents[1]
    folder = out_dir / "interviews"
    write_transcripts(folder, n_words, seed)
    target = out_dir / "e2e.qcproj"
    target.unlink(missing_ok=True)
    project = Project.create(target)
    with Clock() as ingest:
        project.ingest(folder, kind="transcript", progress=False)
    project.import_codebook(root / "codebooks" / "mentoring-impact.yaml")
    with Clock() as dry:
        counted = project.autocode(dry_run=True, progress=False)
    with Clock() as real:
        stored = project.autocode(progress=False)
    with Clock() as again:
        project.autocode(progress=False)
    n = len(project.sources())
    print(f"end to end: {n:,} transcripts, {n_words:,} words; ingest {ingest.wall:.1f} s; autocode dry run "
          f"{dry.wall:.1f} s ({counted.total:,} unit codes); run {real.wall:.1f} s ({stored.inserted:,} suggestions "
          f"written); re-run (nothing new) {again.wall:.1f} s; load average {os.getloadavg()[0]:.1f}")
    if cluster:
        with Clock() as two:
            on_two = project.autocode(dry_run=True, n_process=2, progress=False)
        with Clock() as dask:
            on_cluster = project.autocode(dry_run=True, cluster=cluster, progress=False)
        units = counted.counts[["code", "units"]]  # "new" is 0 now: the real run stored them
        same = on_two.counts[["code", "units"]].equals(units) and on_cluster.counts[["code", "units"]].equals(units)
        print(f"dry run on 2 processes {two.wall:.1f} s; on Dask cluster {cluster} {dask.wall:.1f} s (cluster start "
              f"included); counts the same as 1 process: {same}")
    project.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=10_000_000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--keyword-rate", type=float, default=0.2, help="share of sentences given an inflected keyword")
    parser.add_argument("--batch", type=int, default=20_000, help="units per engine call")
    parser.add_argument("--slice-words", type=int, default=500_000,
                        help="slice for the spaCy engine, the regex scan and sentence splitting")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; figures are their median and min")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end-to-end", metavar="DIR", default=None,
                        help="instead: a project of --words words of generated transcripts in DIR, autocoded")
    parser.add_argument("--cluster", default=None, help="with --end-to-end: also a dry run on this Dask cluster")
    parser.add_argument("--demo", metavar="DIR", default=None,
                        help="instead: build the demo study in DIR and compare rule suggestions with manual codings")
    parser.add_argument("--cli", metavar="DIR", default=None,
                        help="instead: `qualcode autocode --dry-run` in new processes on generated transcripts in DIR")
    parser.add_argument("--baseline", type=Path, default=None, help="with --cli: another commit's checkout, interleaved")
    args = parser.parse_args()
    if args.cli:
        cli_end_to_end(Path(args.cli), args.words, args.seed, args.repeat, args.baseline)
        return
    if args.demo:
        demo_quality(Path(args.demo))
        return
    if args.end_to_end:
        end_to_end(Path(args.end_to_end), args.words, args.seed, args.cluster)
        return

    rng = random.Random(args.seed)
    table = key_table()
    vocab, freq, bigrams = demo_words(Path(__file__).resolve().parents[1])
    lemmas = sorted({table.key(w) for w in table.roots if w.isalpha() and len(w) > 3})
    rules = make_rules(rng, vocab, lemmas, bigrams, args.rules)
    keyword_rules = [replace(r, regex=()) for r in rules]
    t0 = time.perf_counter()
    sentences = make_corpus(rng, args.words, vocab, freq, rules, args.keyword_rate)
    text = "\n".join(sentences)
    n_words = len(text.split())
    print(f"corpus: {n_words:,} words, {len(sentences):,} sentences, {len(text) / 1e6:.1f} MB "
          f"(generated in {time.perf_counter() - t0:.1f} s); {len(rules)} rules, "
          f"{sum(len(r.keywords) for r in rules)} keywords, {sum(len(r.exclude) for r in rules)} exclusions, "
          f"{sum(len(r.regex) for r in rules)} regexes")
    starts = np.cumsum([0] + [len(s) + 1 for s in sentences[:-1]])
    units = pd.DataFrame({"source_id": 1, "start": starts, "end": starts + np.array([len(s) for s in sentences]),
                          "unit": "sentence", "speaker": None, "question": None, "text": sentences})
    strings = [k for r in rules for k in r.keywords + r.exclude]
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores, shared); "
          f"{args.repeat} interleaved rounds of: bare scan, engine first pass (new engine), later pass, full rules")
    started = time.process_time()
    automaton = build_automaton(strings)
    t_automaton = time.process_time() - started
    bare, cold, warm, full_cold = [], [], [], []
    found = coded = full_coded = chunks = 0
    t_compile: list[float] = []
    for _ in range(args.repeat):
        found, clock = bare_scan(text, automaton)
        bare.append(clock)
        started = time.process_time()
        engine = RuleSet.compile([Task(r, "keywords") for r in keyword_rules], engine="fast")
        engine.matcher()
        t_compile.append(time.process_time() - started)
        coded, clock = run_engine(engine, units, args.batch)
        cold.append(clock)
        chunks = len(engine.matcher()._chunk_row)
        warm.append(run_engine(engine, units, args.batch)[1])
        full = RuleSet.compile([Task(r, "keywords") for r in rules], engine="fast")
        full_coded, clock = run_engine(full, units, args.batch)
        full_cold.append(clock)

    def fig(clocks: list[Clock]) -> str:
        cpu, wall = [c.cpu for c in clocks], [c.wall for c in clocks]
        return (f"cpu median {statistics.median(cpu):.2f} s min {min(cpu):.2f} s, "
                f"wall median {statistics.median(wall):.2f} s min {min(wall):.2f} s")

    def ratio(clocks: list[Clock]) -> str:
        med = statistics.median(c.cpu for c in bare) / statistics.median(c.cpu for c in clocks)
        low = min(c.cpu for c in bare) / min(c.cpu for c in clocks)
        wall = statistics.median(c.wall for c in bare) / statistics.median(c.wall for c in clocks)
        return f"ratio bare/engine cpu {med:.2f} (medians), {low:.2f} (mins); wall {wall:.2f} (medians)"

    t_bare = statistics.median(c.cpu for c in bare)
    print(f"bare scan (pyahocorasick over the lower-cased text, word-boundary check per hit; automaton built in "
          f"{t_automaton:.3f} s apart): {fig(bare)}; {n_words / t_bare / 1e6:.2f} M words/s; {found:,} hits")
    print(f"rule engine first pass, same keywords and exclusions (fast; compiled in {statistics.median(t_compile):.2f} s "
          f"apart; tokenizes {chunks:,} distinct chunks): {fig(cold)}; {coded:,} unit codes; {ratio(cold)}")
    print(f"rule engine later pass (chunk table warm): {fig(warm)}; {ratio(warm)}")
    print(f"rule engine first pass, full rules with {sum(len(r.regex) for r in rules)} regexes: {fig(full_cold)}; "
          f"{full_coded:,} unit codes; {ratio(full_cold)}")
    fresh = RuleSet.compile([Task(r, "keywords") for r in keyword_rules], engine="fast")
    _, single = run_engine(fresh, units, args.batch)  # cold, like the workers
    fresh = RuleSet.compile([Task(r, "keywords") for r in keyword_rules], engine="fast")
    coded2, t_par = run_parallel(fresh, units, args.batch, args.processes)
    print(f"rule engine (fast), cold, wall clock: 1 process {single.wall:.2f} s, {args.processes} forked processes "
          f"{t_par:.2f} s (speed-up {single.wall / t_par:.2f}); same codes: {coded2 == coded}; "
          f"load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    part = int(np.searchsorted(np.cumsum([len(s.split()) for s in sentences]), args.slice_words))
    sub, sub_text = units.iloc[:part], "\n".join(sentences[:part])
    sub_words = len(sub_text.split())
    t_bare_sub = statistics.median(bare_scan(sub_text, automaton)[1].cpu for _ in range(args.repeat))
    reference = RuleSet.compile([Task(r, "keywords") for r in keyword_rules], engine="spacy")
    _ = reference.apply(units.iloc[:200])
    c_ref, ref = run_engine(reference, sub, args.batch)
    c_fast, fast_sub = run_engine(engine, sub, args.batch)
    print(f"slice of {sub_words:,} words: spacy engine (PhraseMatcher on every token) {ref.cpu:.2f} s "
          f"({sub_words / ref.cpu / 1e3:.0f} k words/s, ratio {t_bare_sub / ref.cpu:.3f}); fast engine {fast_sub.cpu:.2f} s; "
          f"same codes: {c_ref == c_fast}")
    found_rx, rx = regex_scan(sub_text, strings)
    print(f"slice: one compiled regex alternation \\b(?:...)\\b, IGNORECASE: {rx.cpu:.2f} s ({found_rx:,} hits); "
          f"the fast engine is {rx.cpu / fast_sub.cpu:.0f}x faster (ratio regex/engine)")
    from qualcode.ingest.segment import sentences_many

    with Clock() as split:
        n_sent = sum(len(s) for s in sentences_many([sub_text]))
    print(f"slice: spaCy sentence splitting (qualcode.ingest.segment, what autocode runs to cut sentence units): "
          f"{split.cpu:.2f} s for {n_sent:,} sentences, {sub_words / split.cpu / 1e3:.0f} k words/s")


if __name__ == "__main__":
    main()
