"""Check the demo study's manual codings against its interviews and codebook.

Run from anywhere:  python corpora/advance-demo/_check_codings.py

Every row of codings.csv must quote text that occurs, verbatim, inside ONE unit of its
source: a speaker turn (plain transcripts, docx), a cue (WebVTT) or a line of an email
body, never across a line break and never including the speaker label. Its code path
must exist in codebooks/mentoring-impact.yaml and its weight must be in the code's range.
This is a standalone check of the demo data, independent of qualcode's own readers, so
that a broken demo is caught before it is shipped. Exit status 1 when anything is wrong.
"""
from __future__ import annotations

import csv
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import docx
import yaml

HERE = Path(__file__).resolve().parent
INTERVIEWS = HERE / "interviews"
CODINGS = HERE / "codings.csv"
CODEBOOK = HERE.parent.parent / "codebooks" / "mentoring-impact.yaml"

TURN = re.compile(r"^(?:\[\d\d:\d\d:\d\d\]\s*)?([A-Za-z][\w-]*):\s(.*)$")
TAG = re.compile(r"</?[^>]*>")
HEADER = re.compile(r"^(From|To|Date|Subject): ")


def transcript_units(text: str) -> list[str]:
    """Turn bodies of a `Speaker: text` transcript (optionally `[hh:mm:ss]` stamped)."""
    units = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("Interview with"):
            continue
        m = TURN.match(line)
        if not m:
            raise ValueError(f"line is not a speaker turn: {line[:60]!r}")
        units.append(m.group(2))
    return units


def email_units(text: str) -> list[str]:
    """Lines of message bodies; header blocks (From/To/Date/Subject) are skipped."""
    units, in_header = [], False
    for line in text.splitlines():
        if line.startswith("From: "):
            in_header = True
        if in_header:
            if not line.strip():
                in_header = False
            elif not HEADER.match(line):
                raise ValueError(f"unexpected header line: {line[:60]!r}")
            continue
        if line.strip():
            units.append(line)
    return units


def vtt_units(text: str) -> list[str]:
    """Cue texts with voice and other tags removed."""
    blocks = re.split(r"\n\s*\n", text.strip())
    if not blocks[0].startswith("WEBVTT"):
        raise ValueError("missing WEBVTT header")
    units = []
    for block in blocks[1:]:
        lines = block.splitlines()
        idx = next(i for i, l in enumerate(lines) if "-->" in l)
        units.append(" ".join(TAG.sub("", l) for l in lines[idx + 1:]))
    return units


def docx_units(path: Path) -> list[str]:
    """Paragraph turns of a docx transcript; the details table is not a turn."""
    units = []
    for p in docx.Document(str(path)).paragraphs:
        if not p.text.strip():
            continue
        m = TURN.match(p.text)
        if not m:
            raise ValueError(f"paragraph is not a speaker turn: {p.text[:60]!r}")
        units.append(m.group(2))
    return units


def load_units(path: Path) -> list[str]:
    if path.suffix == ".docx":
        return docx_units(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".vtt":
        return vtt_units(text)
    if text.startswith("From: "):
        return email_units(text)
    return transcript_units(text)


def code_paths(codebook: Path) -> dict[str, tuple[int, int] | None]:
    """Every code path with its weight range (None when weights are not used)."""
    out: dict[str, tuple[int, int] | None] = {}

    def walk(codes, prefix):
        for c in codes:
            path = prefix + c["name"]
            w = c.get("weight")
            out[path] = (w["min"], w["max"]) if w else None
            walk(c.get("children") or [], path + "/")

    walk(yaml.safe_load(codebook.read_text())["codes"], "")
    return out


def main() -> int:
    problems: list[str] = []
    codes = code_paths(CODEBOOK)
    sources = {p.stem: p for p in INTERVIEWS.iterdir() if p.suffix in (".txt", ".docx", ".vtt")}
    units = {}
    for name, path in sources.items():
        try:
            units[name] = load_units(path)
        except ValueError as e:
            problems.append(f"{path.name}: {e}")
    rows = list(csv.DictReader(CODINGS.open(encoding="utf-8")))
    for n, row in enumerate(rows, start=2):
        where = f"codings.csv line {n}"
        src, quote = row["source"], row["quote"]
        if src not in units:
            problems.append(f"{where}: unknown source {src!r}")
            continue
        if len(quote.split()) < 6:
            problems.append(f"{where}: quote shorter than 6 words")
        if not any(quote in u for u in units[src]):
            problems.append(f"{where}: quote not inside one unit of {src!r}: {quote[:50]!r}")
        occ = int(row["occurrence"] or 1)
        if "\n".join(units[src]).count(quote) < occ:
            problems.append(f"{where}: occurrence {occ} not found in {src!r}")
        if row["code"] not in codes:
            problems.append(f"{where}: unknown code {row['code']!r}")
        elif row["weight"]:
            rng = codes[row["code"]]
            if rng is None or not rng[0] <= int(row["weight"]) <= rng[1]:
                problems.append(f"{where}: weight {row['weight']} not allowed for {row['code']}")
        if not row["coder"]:
            problems.append(f"{where}: no coder")
    for p in problems:
        print(p)
    # Summary, and agreement of the double-coded training subset.
    by_coder = Counter(r["coder"] for r in rows)
    print(f"{len(rows)} codings, {len({r['source'] for r in rows})} sources, "
          f"coders {dict(by_coder)}, {len(codes)} codes in the codebook")
    pairs: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        pairs[r["source"]][r["coder"]].add((r["quote"], r["code"]))
    shared = [s for s, c in pairs.items() if len(c) > 1]
    if shared:
        both = union = 0
        for s in shared:
            a, b = pairs[s]["anna"], pairs[s]["ben"]
            both += len(a & b)
            union += len(a | b)
        print(f"double-coded sources: {', '.join(sorted(shared))}; "
              f"anna and ben agree on {both}/{union} quote-code pairs ({both / union:.0%})")
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
