"""Name detection against a labelled set, and leaks in the demo's exports (issue 21).

Quality, not speed: how many of the marked mentions in ``benchmarks/privacy_set/`` the
detector finds before anyone confirms anything (recall), and how many of its candidate
mentions are real names (precision), per kind; then, after the demo's names are
confirmed, how many confirmed names or undecided candidates ``qualcode redact check``
finds in every export of the demo.

    python benchmarks/bench_privacy.py            # both parts
    python benchmarks/bench_privacy.py --no-demo  # the labelled set only

The set's files are stripped of their marks, ingested into a new project as a user
would, and the project's own detector runs on the stored texts (speaker labels, case
names and descriptors included, as ``qualcode redact suggest`` does). A marked mention
counts as found when a candidate mention overlaps it; "kind right" also needs the kind.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SET = HERE / "privacy_set"
KINDS = {"p": "person", "o": "organisation", "l": "place", "e": "email", "t": "phone"}
MARK = re.compile(r"\[\[(.+?)\|([a-z])\]\]")


def strip_marks(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Clean text and the marked mentions in order (surface, kind)."""
    gold = [(m.group(1), KINDS[m.group(2)]) for m in MARK.finditer(text)]
    return MARK.sub(lambda m: m.group(1), text), gold


def align(text: str, gold: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Positions of the marked mentions in the stored text (readers drop time stamps and
    cue markup, never reorder words)."""
    spans, position = [], 0
    for surface, kind in gold:
        found = text.find(surface, position)
        if found < 0:
            raise SystemExit(f"marked mention {surface!r} not found in the stored text")
        spans.append((found, found + len(surface), kind))
        position = found + len(surface)
    return spans


def evaluate(work: Path) -> dict[str, dict[str, float]]:
    from qualcode import Project
    from qualcode.privacy.candidates import find_mentions

    clean = work / "material"
    clean.mkdir()
    gold_by_file = {}
    for path in sorted(SET.glob("0*")):
        text, gold = strip_marks(path.read_text(encoding="utf-8"))
        (clean / path.name).write_text(text, encoding="utf-8")
        gold_by_file[path.stem] = gold
    project = Project.create(work / "set.qcproj")
    project.ingest(clean, progress=False)
    sources = project.sources().set_index("source_id")["source"].to_dict()
    stored = project.source_texts()
    ids = sorted(stored)
    started = time.perf_counter()
    mentions, _ = find_mentions([stored[i] for i in ids], project._known_names())
    seconds = time.perf_counter() - started
    gold_total, found, kind_right = Counter(), Counter(), Counter()
    predicted, correct = Counter(), Counter()
    misses: list[str] = []
    false: list[str] = []
    for source_id, detected in zip(ids, mentions):
        text = stored[source_id]
        gold = align(text, gold_by_file[Path(sources[source_id]).stem])
        for start, end, kind in gold:
            gold_total[kind] += 1
            hits = [m for m in detected if m.start < end and start < m.end]
            if hits:
                found[kind] += 1
                kind_right[kind] += any(m.kind == kind for m in hits)
            else:
                misses.append(f"{kind}: {text[start:end]}")
        for m in detected:
            predicted[m.kind] += 1
            if any(m.start < end and start < m.end for start, end, _ in gold):
                correct[m.kind] += 1
            else:
                false.append(f"{m.kind}: {m.surface}")
    project.close()
    table = {}
    for kind in ("person", "organisation", "place", "email", "phone"):
        table[kind] = {
            "marked": gold_total[kind],
            "found": found[kind],
            "recall": found[kind] / gold_total[kind] if gold_total[kind] else float("nan"),
            "recall_kind_right": kind_right[kind] / gold_total[kind] if gold_total[kind] else float("nan"),
            "candidates": predicted[kind],
            "precision": correct[kind] / predicted[kind] if predicted[kind] else float("nan"),
        }
    print(f"detection over {len(ids)} sources: {seconds:.2f} s")
    print("| kind | marked | found | recall | recall, kind right | candidate mentions | precision |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, row in table.items():
        print(f"| {kind} | {row['marked']} | {row['found']} | {row['recall']:.3f} | {row['recall_kind_right']:.3f} "
              f"| {row['candidates']} | {row['precision']:.3f} |")
    print("\nmissed:", "; ".join(misses) or "none")
    print("not names:", "; ".join(sorted(set(false))) or "none")
    return table


def demo_leaks(work: Path) -> int:
    """Build the demo, write every export, and count what ``redact check`` finds."""
    out = work / "demo"
    project = out / "advance-demo.qcproj"

    def qualcode(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True, text=True, check=check)

    qualcode("demo", "--out", str(out))
    exports = out / "exports"
    exports.mkdir()
    for fmt, name in (("xlsx", "demo.xlsx"), ("html", "demo.html"), ("md", "demo.md"), ("csv", "tables")):
        qualcode("-p", str(project), "export", fmt, str(exports / name))
    qualcode("-p", str(project), "export", "qdpx", "--anonymise", str(exports / "demo.qdpx"))
    (exports / "excerpts.csv").write_text(qualcode("-p", str(project), "excerpts", "--anonymise", "--format",
                                                   "csv").stdout, encoding="utf-8")
    (exports / "quotes.txt").write_text(qualcode("-p", str(project), "quotes", "Impact", "-n", "30").stdout,
                                        encoding="utf-8")
    (exports / "words.csv").write_text(qualcode("-p", str(project), "stats", "words", "--format", "csv").stdout,
                                       encoding="utf-8")
    qualcode("-p", str(project), "wordcloud", "--words", "--out", str(exports / "cloud.png"))
    qualcode("-p", str(project), "agreement", "--coders", "anna,ben", "--disagreements",
             str(exports / "disagreements.csv"))
    files = sum(1 for p in out.rglob("*") if p.is_file())
    result = qualcode("-p", str(project), "redact", "check", str(out), "--format", "csv", check=False)
    leaks = max(0, len(result.stdout.strip().splitlines()) - 1) if result.returncode else 0
    print(f"\ndemo: {files} files written (report, exports, quotes, words, cloud, disagreements); "
          f"redact check exit {result.returncode}, {leaks} leak(s)")
    if result.returncode:
        print(result.stdout)
    return leaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true", help="Only the labelled set.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qualcode-privacy-") as tmp:
        evaluate(Path(tmp))
        if not args.no_demo:
            demo_leaks(Path(tmp))


if __name__ == "__main__":
    main()
