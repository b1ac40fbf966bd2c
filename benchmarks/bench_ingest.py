"""Speed of ingest end to end, against bare spaCy tokenisation of the same files.

Every measured run is a **new Python process**, loading included, as a user runs it;
runs are interleaved (tokenise, then each step on this tree, then on ``--baseline``, then
the next repeat) and each figure is the median and the min of ``--repeat`` runs, in CPU
seconds (user + system of the child, which other jobs on a shared machine disturb less)
and wall seconds. The load average is printed before and after.

Corpora (``--layouts``), each a folder of ``--docs`` files holding ``--words`` words in
all, words drawn by their frequency in English (the 100,000 most frequent word forms of
spacy-lookups-data's probability table: a natural Zipf curve, so the tokeniser's cache
sees a realistic vocabulary):

* ``labels``   -- transcripts, a title line then ``[hh:mm:ss] Name: ...`` turns (Trint,
  Descript), some turns running on over a second paragraph;
* ``otter``    -- transcripts as Otter.ai writes them: a header (title, date, ``SPEAKERS``),
  ``Name  mm:ss`` on its own line, the words below, Otter's footer;
* ``document`` -- plain documents of paragraphs, no speakers.

Steps, each a process over one folder:

* ``tokenise``      -- the baseline: ``spacy.blank("en")`` and ``nlp.pipe`` over the files' text
  (importing spaCy and reading the files included);
* ``read+segment``  -- what qualcode does to make a file's units: ``read_path`` per file
  (decode, normalise, find the transcript layout, turns), then ``segment.sentences_many``
  over every source's turns (spaCy's tokeniser and the sentencizer's rule). This is the like-
  for-like comparison with tokenising (target: ratio >= 0.7 on transcripts);
* ``api ingest``    -- ``Project.create`` + ``Project.ingest(folder)`` into a new SQLite project
  (read, turns, hash, store, the interviewer guess; no sentences: ingest stores turns);
* ``cli ingest``    -- ``qualcode -p new.qcproj ingest folder`` (the project made beforehand by
  ``qualcode init``, untimed).

Ratio = tokenise time / step time (above 1: faster than tokenising). With ``--baseline
DIR`` (a checkout of another commit, e.g. ``git worktree add --detach /tmp/base 3ad4238``)
every step also runs with that tree on ``PYTHONPATH``; each child prints what it found
(sources, turns, sentences), so a baseline that reads a layout differently shows it.

    python benchmarks/bench_ingest.py [--docs 200] [--words 1000000] [--layouts labels,otter,document]
                                      [--steps tokenise,read+segment,api,cli] [--repeat 3] [--baseline DIR]
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VOCABULARY_SIZE = 100_000  # word types drawn from, most frequent first
_WORD = re.compile(r"[A-Za-z]+")
SPEAKERS = [f"CEO-{i:02d}" for i in range(1, 41)]
INTERVIEWERS = ["Priya Raman", "Tom Achebe", "Sam Okafor"]
TARGET_RATIO = 0.7
LAYOUTS = ("labels", "otter", "document")
STEPS = ("tokenise", "read+segment", "api", "cli")

# ---------------------------------------------------------------- the children (run with -c)

CHILD_TOKENISE = r"""
import json, sys
from pathlib import Path
import spacy
nlp = spacy.blank("en")
nlp.max_length = 50_000_000
paths = sorted(Path(sys.argv[1]).iterdir())
tokens = sum(len(doc) for doc in nlp.pipe((p.read_text(encoding="utf-8") for p in paths), batch_size=32))
print(json.dumps({"files": len(paths), "tokens": tokens}))
"""

CHILD_SEGMENT = r"""
import json, sys
from qualcode.ingest.registry import iter_files, read_path
from qualcode.ingest.segment import sentences_many
sources = turns = 0
def texts_and_units():
    global sources, turns
    for path in iter_files(sys.argv[1]):
        for source in read_path(path).sources:
            sources += 1
            turns += sum(1 for s in source.segments if s.kind == "turn")
            yield source.text, [(s.start, s.end) for s in source.segments]
pending = []  # nlp.pipe reads ahead: each text's units wait here
def texts():
    for text, units in texts_and_units():
        pending.append(units)
        yield text
def units():
    while True:
        yield pending.pop(0)
sentences = sum(len(spans) for spans in sentences_many(texts(), units()))
print(json.dumps({"sources": sources, "turns": turns, "sentences": sentences}))
"""

CHILD_API = r"""
import json, sys
from qualcode import Project
project = Project.create(sys.argv[2])
report = project.ingest(sys.argv[1], progress=False)
segments = project.segments()
turns = int((segments["kind"] == "turn").sum())
project.close()
print(json.dumps({"sources": len(report.added), "turns": turns}))
"""


def run_child(args: list[str], tree: Path) -> tuple[float, float, str]:
    """Run ``python args`` with ``tree`` first on PYTHONPATH; (cpu, wall, stdout). CPU is the
    child's user + system time (RUSAGE_CHILDREN before and after: runs are one at a time)."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, cwd=tree, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed in {tree}:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout.strip()


def run_step(step: str, folder: Path, tree: Path, scratch: Path) -> tuple[float, float, str]:
    if step in ("tokenise", "read+segment", "api"):
        project = scratch / f"bench-{step}.qcproj"
        project.unlink(missing_ok=True)
        code = {"tokenise": CHILD_TOKENISE, "read+segment": CHILD_SEGMENT, "api": CHILD_API}[step]
        cpu, wall, out = run_child(["-c", code, str(folder), str(project)], tree)
        return cpu, wall, out.splitlines()[-1] if out else ""
    project = scratch / f"bench-{step}.qcproj"
    project.unlink(missing_ok=True)
    # cli: the project is made first (untimed), then one `qualcode ingest` process
    run_child(["-m", "qualcode", "init", str(project)], tree)
    cpu, wall, out = run_child(["-m", "qualcode", "-p", str(project), "ingest", str(folder)], tree)
    summary = next((line for line in out.splitlines() if "source(s) added" in line), out[-80:])
    return cpu, wall, summary


# ---------------------------------------------------------------- the corpus


def load_vocabulary(size: int = VOCABULARY_SIZE):
    """Real English word forms with their corpus frequencies (spacy-lookups-data's
    ``en_lexeme_prob`` table), so the generated text has a natural Zipf distribution and
    vocabulary growth. A toy vocabulary of a few hundred words would flatter the spaCy
    tokeniser (every chunk a cache hit) and misstate both sides of the ratio."""
    import numpy as np
    import spacy_lookups_data

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
        import numpy as np

        self.words, self.probs = load_vocabulary()
        self.rng = np.random.default_rng(seed)
        self.cumulative = np.cumsum(self.probs)
        self.buffer: list[str] = []
        self.at = 0

    def _draw(self, n: int) -> list[str]:
        import numpy as np

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


def _clock(seconds: int, hours: bool) -> str:
    if hours:
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def make_document(maker: SentenceMaker, rng: random.Random, n_words: int, index: int, layout: str) -> tuple[str, int]:
    """One file of about ``n_words`` words (labels, times and headers not counted)."""
    participant = SPEAKERS[index % len(SPEAKERS)]
    interviewer = INTERVIEWERS[index % len(INTERVIEWERS)]
    title = f"Interview {index} with {participant}, wave {1 + index % 2}"
    if layout == "otter":
        parts = [f"{title}\nTue, 3/11 2:04PM \u2022 52:10",
                 "SUMMARY KEYWORDS\nmentor, board, funding, trustees",
                 f"SPEAKERS\n{interviewer}, {participant}"]
    else:
        parts = [title]
    words = seconds = turn = 0
    while words < n_words:
        who = interviewer if turn % 2 == 0 else participant
        body = " ".join(maker.sentence() for _ in range(rng.randint(1, 6)))
        if layout != "document" and who != interviewer and rng.random() < 0.3:
            body += "\n\n" + " ".join(maker.sentence() for _ in range(rng.randint(1, 3)))
        words += len(body.split())
        if layout == "labels":
            parts.append(f"[{_clock(seconds, True)}] {who}: {body}")
        elif layout == "otter":
            parts.append(f"{who}  {_clock(seconds, False)}\n{body}")
        else:
            parts.append(body)
        seconds += rng.randint(5, 90)
        turn += 1
    if layout == "otter":
        parts.append("Transcribed by https://otter.ai")
    return "\n\n".join(parts) + "\n", words


def generate_corpus(folder: Path, n_docs: int, n_words: int, layout: str, seed: int = 0) -> tuple[list[Path], int]:
    """Write one layout's corpus one file at a time; return the paths and the word count."""
    rng = random.Random(seed)
    maker = SentenceMaker(seed)
    per_doc = max(1, n_words // n_docs)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    total = 0
    for index in range(n_docs):
        text, words = make_document(maker, rng, per_doc, index, layout)
        path = folder / f"interview {index:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        total += words
    return paths, total


# ---------------------------------------------------------------- the run


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="files per layout")
    parser.add_argument("--words", type=int, default=1_000_000, help="words per layout")
    parser.add_argument("--layouts", default=",".join(LAYOUTS))
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a checkout of another commit, run the same way")
    parser.add_argument("--keep", type=Path, help="write the corpora here and keep them (reused when present)")
    args = parser.parse_args(argv)
    layouts, steps = args.layouts.split(","), args.steps.split(",")
    for given, known in ((layouts, LAYOUTS), (steps, STEPS)):
        unknown = [x for x in given if x not in known]
        if unknown:
            parser.error(f"unknown {', '.join(unknown)}; choose from {', '.join(known)}")
    trees = [("this", REPO)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])

    root = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-bench-ingest-"))
    scratch = Path(tempfile.mkdtemp(prefix="qualcode-bench-ingest-projects-"))
    try:
        words: dict[str, int] = {}
        for layout in layouts:
            folder = root / layout
            if not (folder.is_dir() and any(folder.iterdir())):
                generate_corpus(folder, args.docs, args.words, layout)
            words[layout] = sum(len(p.read_text(encoding="utf-8").split()) for p in folder.iterdir())
            size = sum(p.stat().st_size for p in folder.iterdir()) / 1024 ** 2
            print(f"corpus {layout}: {len(list(folder.iterdir()))} files, {words[layout]:,} words "
                  f"(labels and times included), {size:.1f} MiB")
        print(f"load average before (1, 5, 15 min): {load()} on {os.cpu_count()} CPUs; "
              f"{args.repeat} interleaved repeats; every run a new process, loading included")
        runs: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
        found: dict[tuple[str, str, str], str] = {}
        for _ in range(args.repeat):
            for layout in layouts:
                for step in steps:
                    for tree_name, tree in trees:
                        if step == "tokenise" and tree_name != "this":
                            continue  # the same spaCy either way
                        cpu, wall, out = run_step(step, root / layout, tree, scratch)
                        runs.setdefault((layout, step, tree_name), []).append((cpu, wall))
                        found[(layout, step, tree_name)] = out
        for layout in layouts:
            print(f"\n{layout}:")
            base = runs.get((layout, "tokenise", "this"))
            for step in steps:
                for tree_name, _ in trees:
                    times = runs.get((layout, step, tree_name))
                    if not times:
                        continue
                    cpu = [c for c, _ in times]
                    wall = [w for _, w in times]
                    line = (f"  {step:>13} {tree_name:>8}: cpu median {statistics.median(cpu):6.2f} s min {min(cpu):6.2f} s"
                            f" | wall median {statistics.median(wall):6.2f} s min {min(wall):6.2f} s")
                    if base and step != "tokenise":
                        b_cpu = [c for c, _ in base]
                        b_wall = [w for _, w in base]
                        line += (f" | ratio tokenise/step cpu {statistics.median(b_cpu) / statistics.median(cpu):.2f} "
                                 f"(of mins {min(b_cpu) / min(cpu):.2f}), wall "
                                 f"{statistics.median(b_wall) / statistics.median(wall):.2f}")
                    print(line)
                    print(f"  {'':>13} {'':>8}  found: {found[(layout, step, tree_name)]}")
        print(f"\ntarget: read+segment ratio >= {TARGET_RATIO} on transcripts (labels, otter)")
        print(f"load average after (1, 5, 15 min): {load()}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
