"""Speed of ingest: reading and segmenting a generated corpus, against bare spaCy tokenisation.

Corpus: ``--docs`` transcript-like text files (default 2,000) holding ``--words`` words in
all (default 10M, so 5,000 a file), written into a temporary folder: a title line, then
turns ``[hh:mm:ss] Interviewer: ...`` / ``[hh:mm:ss] CEO-nn: ...`` of 1-6 sentences whose
words are drawn by their frequency in English (the 100,000 most frequent word forms of
spacy-lookups-data's probability table: a natural Zipf curve), some turns running on over a
second paragraph.

Steps, each over every file, each timed once in this process (issue 3's target is
the ratio, so both sides run in the same process on the same text):

* ``tokenise``   -- the baseline: the files' text through bare ``spacy.blank("en")`` with
  ``nlp.pipe`` (reading the files included, so both sides do their I/O);
* ``read``       -- ``read_path`` per file: decode, normalise, detect the transcript, turns;
* ``read+sentences`` -- ``read_path`` then ``segment.sentences_many`` over every source's
  turns (spaCy tokeniser + sentencizer through ``nlp.pipe``), i.e. all units a later
  autocoding run needs.

Throughput is words per second; the ratio is the baseline's time over the step's time
(target >= 0.7 for read+sentences), from wall-clock and from CPU time: the machine is
shared, and CPU time is what the two sides cost when another job competes for the core.
spaCy is imported and both pipelines are built before any step is timed. Peak memory is the process's max RSS from
``resource.getrusage`` (target <= 2 GiB), printed after each step.

More steps (the project store, ``--project``) go in ``STEPS`` as functions taking the file
list and returning how many words they processed.

    python benchmarks/bench_ingest.py [--docs 2000] [--words 10000000] [--steps tokenise,read,read+sentences]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import spacy_lookups_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.ingest.registry import read_path  # noqa: E402
from qualcode.ingest.segment import sentences_many  # noqa: E402

VOCABULARY_SIZE = 100_000  # word types drawn from, most frequent first
_WORD = re.compile(r"[A-Za-z]+")
SPEAKERS = [f"CEO-{i:02d}" for i in range(1, 41)]
TARGET_RATIO = 0.7
TARGET_RSS_GIB = 2.0


def load_vocabulary(size: int = VOCABULARY_SIZE) -> tuple[list[str], np.ndarray]:
    """Real English word forms with their corpus frequencies (spacy-lookups-data's
    ``en_lexeme_prob`` table), so the generated text has a natural Zipf distribution and
    vocabulary growth. A toy vocabulary of a few hundred words would flatter the spaCy
    tokeniser (every chunk a cache hit) and misstate both sides of the ratio."""
    table_path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(table_path, "rt", encoding="utf-8") as handle:
        log_probs: dict[str, float] = json.load(handle)
    words = [(w, p) for w, p in log_probs.items() if _WORD.fullmatch(w)]
    words.sort(key=lambda item: -item[1])
    words = words[:size]
    weights = np.exp(np.array([p for _, p in words]))
    return [w for w, _ in words], weights / weights.sum()


class SentenceMaker:
    """Sentences of 5-22 words drawn by frequency, with commas and . ? ! endings."""

    def __init__(self, seed: int) -> None:
        self.words, self.probs = load_vocabulary()
        self.rng = np.random.default_rng(seed)
        self.cumulative = np.cumsum(self.probs)
        self.buffer: list[str] = []
        self.at = 0

    def _draw(self, n: int) -> list[str]:
        if self.at + n > len(self.buffer):
            ids = np.searchsorted(self.cumulative, self.rng.random(200_000) * self.cumulative[-1])
            self.buffer = self.buffer[self.at:] + [self.words[i] for i in ids]
            self.at = 0
        self.at += n
        return self.buffer[self.at - n:self.at]

    def sentence(self) -> str:
        words = self._draw(int(self.rng.integers(5, 23)))
        if len(words) > 8 and self.rng.random() < 0.5:
            words[int(self.rng.integers(3, len(words) - 3))] += ","
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words) + ".....?!"[int(self.rng.integers(0, 7))]


def make_document(maker: SentenceMaker, rng: random.Random, n_words: int, index: int) -> tuple[str, int]:
    """One transcript of about ``n_words`` words (turn labels and times not counted)."""
    speaker = SPEAKERS[index % len(SPEAKERS)]
    parts = [f"Interview {index} with {speaker}, wave {1 + index % 2}"]
    words = 0
    seconds = 0
    turn = 0
    while words < n_words:
        who = "Interviewer" if turn % 2 == 0 else speaker
        body = " ".join(maker.sentence() for _ in range(rng.randint(1, 6)))
        if who != "Interviewer" and rng.random() < 0.3:
            body += "\n\n" + " ".join(maker.sentence() for _ in range(rng.randint(1, 3)))
        words += len(body.split())
        parts.append(f"[{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}] {who}: {body}")
        seconds += rng.randint(5, 90)
        turn += 1
    return "\n\n".join(parts) + "\n", words


def generate_corpus(folder: Path, n_docs: int, n_words: int, seed: int = 0) -> tuple[list[Path], int]:
    """Write the corpus one file at a time; return the paths and the word count."""
    rng = random.Random(seed)
    maker = SentenceMaker(seed)
    per_doc = max(1, n_words // n_docs)
    paths: list[Path] = []
    total = 0
    for index in range(n_docs):
        text, words = make_document(maker, rng, per_doc, index)
        path = folder / f"interview {index:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        total += words
    return paths, total


def count_words(paths: list[Path]) -> int:
    return sum(len(p.read_text(encoding="utf-8").split()) for p in paths)


# ---------------------------------------------------------------- steps


def step_tokenise(paths: list[Path]) -> int:
    """Baseline: bare spacy.blank("en") over the file texts."""
    import spacy

    nlp = spacy.blank("en")
    nlp.max_length = 50_000_000
    tokens = 0
    texts: Iterator[str] = (p.read_text(encoding="utf-8") for p in paths)
    for doc in nlp.pipe(texts, batch_size=32):
        tokens += len(doc)
    return tokens


def step_read(paths: list[Path]) -> int:
    """read_path on every file: decoding, normalising, transcript detection, turns."""
    segments = 0
    for path in paths:
        for source in read_path(path).sources:
            segments += len(source.segments)
    return segments


def step_read_sentences(paths: list[Path]) -> int:
    """read_path, then sentences inside every source's units, streamed through nlp.pipe."""
    sources = (source for path in paths for source in read_path(path).sources)
    pending: list[list[tuple[int, int]]] = []

    def texts() -> Iterator[str]:
        for source in sources:
            pending.append([(s.start, s.end) for s in source.segments])
            yield source.text

    def units() -> Iterator[list[tuple[int, int]]]:
        while True:
            yield pending.pop(0)

    n_sentences = 0
    for spans in sentences_many(texts(), units()):
        n_sentences += len(spans)
    return n_sentences


def step_project(paths: list[Path]) -> int:
    """``Project.ingest`` of every file into a new SQLite project: read, hash, store the
    text and its segments, in one transaction (what ``qualcode ingest`` does)."""
    import tempfile

    from qualcode import Project

    with tempfile.TemporaryDirectory(prefix="qc-bench-ingest-") as tmp:
        project = Project.create(Path(tmp) / "bench.qcproj")
        report = project.ingest(*paths, progress=False)
        segments = len(project.segments())
        project.close()
    assert len(report.added) == len(paths)
    return segments


STEPS: dict[str, Callable[[list[Path]], int]] = {
    "tokenise": step_tokenise,
    "read": step_read,
    "read+sentences": step_read_sentences,
    "project": step_project,
}


def warm_up() -> None:
    """Import spaCy and build both pipelines before timing, so neither side pays for it."""
    import spacy

    from qualcode.nlp import get_nlp

    spacy.blank("en")("warm up.")
    list(sentences_many(["Warm up. Twice."]))
    get_nlp()


def max_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # Linux: KiB


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--words", type=int, default=10_000_000)
    parser.add_argument("--steps", default="tokenise,read,read+sentences,project")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args(argv)
    steps = args.steps.split(",")
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")

    folder = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-bench-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        paths, words = generate_corpus(folder, args.docs, args.words)
        size = sum(p.stat().st_size for p in paths) / 1024 ** 2
        print(f"corpus: {len(paths)} files, {words:,} words, {size:.0f} MiB, "
              f"generated in {time.perf_counter() - started:.1f} s; max RSS {max_rss_gib():.2f} GiB")
        warm_up()
        wall: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for name in steps:
            started, started_cpu = time.perf_counter(), time.process_time()
            result = STEPS[name](paths)
            wall[name] = time.perf_counter() - started
            cpu[name] = time.process_time() - started_cpu
            print(f"{name:>16}: wall {wall[name]:7.1f} s ({words / wall[name]:>10,.0f} words/s)  "
                  f"cpu {cpu[name]:7.1f} s ({words / cpu[name]:>10,.0f} words/s)  "
                  f"result {result:,}; max RSS {max_rss_gib():.2f} GiB")
        if "tokenise" in wall:
            for name in wall:
                if name != "tokenise":
                    print(f"ratio {name} / tokenise: wall {wall['tokenise'] / wall[name]:.2f}, "
                          f"cpu {cpu['tokenise'] / cpu[name]:.2f} (target >= {TARGET_RATIO})")
        rss = max_rss_gib()
        print(f"peak memory (max RSS): {rss:.2f} GiB (target <= {TARGET_RSS_GIB} GiB)")
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
