"""Rule-engine throughput against a bare keyword scan of the same text, in one run.

Generates a corpus of English-like sentences (words drawn from spaCy's lookup table with
a Zipf law, 200 rules with 6-12 keywords each, a third of the sentences holding a
keyword in some inflected form) and times, over the same text:

* **bare scan** -- one pyahocorasick automaton of the keyword and exclusion strings as
  written, over the lower-cased text, counting hits with a word boundary on each side.
  It knows nothing of lemmas ("mentors" is found only as the substring "mentor" +
  "s", which the boundary check then rejects), tokens, units, exclusions or rules.
* **regex scan** (``--regex-baseline``) -- the same strings as one compiled alternation
  ``\\b(?:...)\\b`` with IGNORECASE; slower, so it runs on a slice of the corpus.
* **rule engine** -- ``RuleSet.apply`` on sentence units: lemma matching, phrases,
  exclusions, min_matches, regexes, with the ``scan`` engine (Aho-Corasick + spaCy
  token check) and, on a slice, the ``spacy`` engine (PhraseMatcher on every token);
  also with 2 processes.

The ratio reported is bare-scan time / engine time (>= 0.5 is the target). Units are cut
beforehand (a regex sentence splitter, so the benchmark measures rules, not
segmentation); the cost of real spaCy sentence splitting is reported separately on a slice.

    python benchmarks/bench_rules.py                 # 10M words
    python benchmarks/bench_rules.py --words 1000000 # quicker
"""
from __future__ import annotations

import argparse
import random
import re
import time
from collections import Counter
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from qualcode.coding.lemma_keys import key_table
from qualcode.coding.rules_engine import RuleSet, Rule, Task

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


def bare_scan(text: str, strings: list[str]) -> tuple[int, float]:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for s in set(strings):
        automaton.add_word(s.lower(), len(s))
    automaton.make_automaton()
    t0 = time.perf_counter()
    lowered = text.lower()
    n, found = len(lowered), 0
    for end, length in automaton.iter(lowered):
        start = end - length + 1
        if (start == 0 or not lowered[start - 1].isalnum()) and (end + 1 == n or not lowered[end + 1].isalnum()):
            found += 1
    return found, time.perf_counter() - t0


def regex_scan(text: str, strings: list[str]) -> tuple[int, float]:
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in sorted(set(strings), key=len, reverse=True)) + r")\b",
                         re.IGNORECASE)
    t0 = time.perf_counter()
    found = sum(1 for _ in pattern.finditer(text))
    return found, time.perf_counter() - t0


def run_engine(ruleset: RuleSet, units: pd.DataFrame, batch: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    found = 0
    for i in range(0, len(units), batch):
        found += len(ruleset.apply(units.iloc[i : i + batch]))
    return found, time.perf_counter() - t0


_WORKER: RuleSet | None = None


def _init(ruleset: RuleSet) -> None:
    global _WORKER
    _WORKER = ruleset


def _work(frame: pd.DataFrame) -> int:
    assert _WORKER is not None
    return len(_WORKER.apply(frame))


def run_parallel(ruleset: RuleSet, units: pd.DataFrame, batch: int, processes: int) -> tuple[int, float]:
    import multiprocessing as mp

    t0 = time.perf_counter()
    chunks = [units.iloc[i : i + batch] for i in range(0, len(units), batch)]
    with ProcessPoolExecutor(processes, mp_context=mp.get_context("fork"), initializer=_init, initargs=(ruleset,)) as pool:
        found = sum(pool.map(_work, chunks))
    return found, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=10_000_000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--keyword-rate", type=float, default=0.2, help="share of sentences holding a keyword")
    parser.add_argument("--batch", type=int, default=20_000, help="units per engine call")
    parser.add_argument("--spacy-words", type=int, default=500_000, help="slice for the spaCy engine and regex scan")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    table = key_table()
    vocab, freq, bigrams = demo_words(Path(__file__).resolve().parents[1])
    lemmas = sorted({table.key(w) for w in table.roots if w.isalpha() and len(w) > 3})
    rules = make_rules(rng, vocab, lemmas, bigrams, args.rules)
    t0 = time.perf_counter()
    sentences = make_corpus(rng, args.words, vocab, freq, rules, args.keyword_rate)
    text = "\n".join(sentences)
    n_words = len(text.split())
    print(f"corpus: {n_words:,} words, {len(sentences):,} sentences, {len(text) / 1e6:.1f} MB "
          f"(generated in {time.perf_counter() - t0:.1f} s); {len(rules)} rules, "
          f"{sum(len(r.keywords) for r in rules)} keywords")
    starts = np.cumsum([0] + [len(s) + 1 for s in sentences[:-1]])
    units = pd.DataFrame({"source_id": 1, "start": starts, "end": starts + np.array([len(s) for s in sentences]),
                          "unit": "sentence", "speaker": None, "question": None, "text": sentences})
    strings = [k for r in rules for k in r.keywords + r.exclude]
    found, t_bare = bare_scan(text, strings)
    print(f"bare scan (pyahocorasick, lower-cased, word boundaries): {t_bare:.2f} s, {n_words / t_bare / 1e6:.2f} M words/s, {found:,} hits")
    ruleset = RuleSet.compile([Task(r, "keywords") for r in rules], engine="fast")
    _ = ruleset.apply(units.iloc[:2000])  # build the automaton outside the timing
    coded, t_scan = run_engine(ruleset, units, args.batch)
    print(f"rule engine (fast): {t_scan:.2f} s, {n_words / t_scan / 1e6:.2f} M words/s, {coded:,} unit codes; "
          f"ratio bare/engine = {t_bare / t_scan:.2f}")
    coded2, t_par = run_parallel(ruleset, units, args.batch, args.processes)
    print(f"rule engine (fast, {args.processes} processes): {t_par:.2f} s, ratio {t_bare / t_par:.2f}, same codes: {coded2 == coded}")

    part = int(np.searchsorted(np.cumsum([len(s.split()) for s in sentences]), args.spacy_words))
    sub, sub_text = units.iloc[:part], "\n".join(sentences[:part])
    sub_words = len(sub_text.split())
    _, t_bare_sub = bare_scan(sub_text, strings)
    reference = RuleSet.compile([Task(r, "keywords") for r in rules], engine="spacy")
    _ = reference.apply(units.iloc[:200])
    c_ref, t_ref = run_engine(reference, sub, args.batch)
    c_scan, t_scan_sub = run_engine(ruleset, sub, args.batch)
    print(f"slice of {sub_words:,} words: spacy engine {t_ref:.2f} s ({sub_words / t_ref / 1e3:.0f} k words/s, "
          f"ratio {t_bare_sub / t_ref:.3f}); fast engine {t_scan_sub:.2f} s; same codes: {c_ref == c_scan}")
    _, t_regex = regex_scan(sub_text, strings)
    print(f"regex alternation scan on the slice: {t_regex:.2f} s (ratio of fast engine to it: {t_regex / t_scan_sub:.2f})")


if __name__ == "__main__":
    main()
