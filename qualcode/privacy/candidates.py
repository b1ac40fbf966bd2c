"""Candidates over a whole project: every mention of every candidate name, counted,
with contexts and suggested variants, ready for a person to confirm.

Detection per text (:mod:`qualcode.privacy.detect`) sees each sentence alone; a name it
found once is then looked for everywhere, so "Hope" at the start of a sentence is
counted when "Hope" was found mid-sentence elsewhere, and the parts of a full name
("Sarah", "Jones" of "Sarah Jones") are found on their own. Speaker labels, case names
and descriptor values come in as *known* names.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from qualcode.privacy import patterns as pt
from qualcode.privacy.detect import Mention, _is_proper, detect, ner_mentions
from qualcode.privacy.lexicon import Lexicon, lexicon
from qualcode.privacy.name_scan import NameScanner

NAME_KINDS = ("person", "organisation", "place")
SHAPED_KINDS = ("email", "phone", "postcode", "url")
COLUMNS = ["candidate", "kind", "mentions", "sources", "reason", "variant_of", "context", "status", "label"]
CONTEXT_CHARS = 40


def normalise(surface: str) -> str:
    """The key a name is stored and compared under: case-folded, one space between words,
    no possessive ("Sarah Jones's" -> "sarah jones"), no full stop after a title."""
    text = " ".join(str(surface).split())
    text = re.sub(r"(?:['’]s|(?<=s)['’])$", "", text)
    text = re.sub(r"^(\w+)\.(?=\s)", r"\1", text)
    return text.casefold()


@dataclass(frozen=True)
class KnownName:
    """A name the project states outright: a speaker label, a case, a descriptor value."""

    surface: str
    kind: str
    reason: str


@dataclass
class Candidate:
    surface: str
    kind: str
    reasons: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    mentions: int = 0
    sources: set = field(default_factory=set)
    contexts: list = field(default_factory=list)
    part_of: str | None = None


def _context(text: str, start: int, end: int) -> str:
    before = " ".join(text[max(0, start - CONTEXT_CHARS):start].split())
    after = " ".join(text[end:end + CONTEXT_CHARS].split())
    return f"…{before} [{' '.join(text[start:end].split())}] {after}…"


def _name_pattern(surfaces: Iterable[str]) -> NameScanner | None:
    alternatives = set()
    for surface in surfaces:
        words = surface.split()
        if not words:
            continue
        alternatives.add(r"\s+".join(re.escape(w) for w in words))
        alternatives.add(r"\s+".join(re.escape(w.upper()) for w in words))
    if not alternatives:
        return None
    ordered = sorted(alternatives, key=len, reverse=True)
    return NameScanner(ordered, not_preceded_by=r"[\w@.]", not_followed_by=r"[\w@]|\.\w")


def find_mentions(texts: Sequence[str], known: Iterable[KnownName] = (), lex: Lexicon | None = None,
                  use_ner: bool = True) -> tuple[list[list[Mention]], dict[str, Candidate]]:
    """Every mention in every text (detected, then looked for everywhere) and the
    candidates by key."""
    # the word tables (a 12 MB pickle) load when a text first has a capital to judge
    first_pass = [detect(text, lex) for text in texts]
    ner = ner_mentions(list(texts)) if use_ner else None
    if ner is not None:
        first_pass = [a + b for a, b in zip(first_pass, ner)]
    candidates: dict[str, Candidate] = {}

    def note(surface: str, kind: str, reason: str, part_of: str | None = None) -> Candidate:
        key = normalise(surface)
        cand = candidates.get(key)
        if cand is None:
            cand = candidates[key] = Candidate(" ".join(surface.split()), kind, part_of=part_of)
        cand.kinds[kind] += 1
        cand.reasons[reason] += 1
        return cand

    for mentions in first_pass:
        for m in mentions:
            note(re.sub(r"(?:['’]s)$", "", m.surface), m.kind, m.reason)
    for name in known:
        if name.surface.strip():
            note(name.surface, name.kind, name.reason).kinds[name.kind] += 2  # the project says so
    # parts of full names and organisations, found on their own later
    for key, cand in list(candidates.items()):
        if cand.kind in SHAPED_KINDS:
            continue
        words = [w for w in cand.surface.split() if w.casefold().rstrip(".") not in pt.TITLES]
        if len(words) < 2:
            continue
        parts = {words[0], words[-1]} if cand.kind == "person" else {words[0]}
        lex = lex or lexicon()
        for part in parts:
            part = re.sub(r"['’]s$", "", part)
            if normalise(part) in candidates or not _is_proper(part, False, lex):
                continue
            if cand.kind != "person" and lex.capital_ratio(part) < 0:
                continue  # "Young" of "Northfield Young Carers" is not a name
            if part.casefold() in pt.ORG_SUFFIXES | pt.PLACE_SUFFIXES:
                continue
            note(part, cand.kind, f"part of {cand.surface}", part_of=cand.surface)
    names = [c.surface for c in candidates.values() if c.kind not in SHAPED_KINDS]
    pattern = _name_pattern(names)
    all_mentions: list[list[Mention]] = []
    for index, (text, mentions) in enumerate(zip(texts, first_pass)):
        shaped = [m for m in mentions if m.kind in SHAPED_KINDS]
        found = list(shaped)
        if pattern is not None:
            for m in pattern.finditer(text):
                if any(s.start < m.end() and m.start() < s.end for s in shaped):
                    continue
                cand = candidates[normalise(m.group())]
                found.append(Mention(m.start(), m.end(), m.group(), cand.kinds.most_common(1)[0][0], "found"))
        found.sort(key=lambda m: m.start)
        for m in found:
            cand = candidates[normalise(m.surface)]
            cand.mentions += 1
            cand.sources.add(index)
            if len(cand.contexts) < 2:
                cand.contexts.append(_context(text, m.start, m.end))
        all_mentions.append(found)
    for cand in candidates.values():
        cand.kind = cand.kinds.most_common(1)[0][0]
    return all_mentions, candidates


def suggest_variants(candidates: dict[str, Candidate]) -> dict[str, str]:
    """key -> the surface of the fuller name it is probably a variant of: the parts of a
    full name, a title with a surname ("Ms Jones"), a near spelling ("Sarha")."""
    by_part: dict[str, list[Candidate]] = defaultdict(list)
    full = [c for c in candidates.values() if c.kind in NAME_KINDS and len(c.surface.split()) > 1]
    for cand in full:
        for word in cand.surface.split():
            by_part[normalise(word)].append(cand)
    out: dict[str, str] = {}
    for key, cand in candidates.items():
        if cand.kind in SHAPED_KINDS:
            continue
        words = [w for w in cand.surface.split() if w.casefold().rstrip(".") not in pt.TITLES]
        if not words:
            continue
        if len(words) == 1 or len(words) < len(cand.surface.split()):
            owners = [c for c in by_part.get(normalise(words[-1] if len(words) == 1 else " ".join(words)), [])
                      if c is not cand and normalise(c.surface) != key]
            if len(words) > 1:
                owners = [candidates[normalise(" ".join(words))]] if normalise(" ".join(words)) in candidates else owners
            owners = [c for c in owners if c.kind == cand.kind or cand.kind == "person"]
            if owners:
                out[key] = max(owners, key=lambda c: (c.mentions, c.surface)).surface
                continue
    # near spellings of single names, towards the more frequent spelling
    singles = sorted((c for c in candidates.values() if c.kind == "person" and len(c.surface.split()) == 1
                      and len(c.surface) >= 4), key=lambda c: -c.mentions)
    for i, cand in enumerate(singles):
        key = normalise(cand.surface)
        if key in out:
            continue
        for other in singles[:i]:
            if (other.surface[0] == cand.surface[0] and other.mentions > cand.mentions
                    and difflib.SequenceMatcher(None, other.surface.casefold(), key).ratio() >= 0.8):
                out[key] = out.get(normalise(other.surface), other.surface)
                break
    # a variant of a variant is a variant of the head
    for key, head in list(out.items()):
        seen = {key}
        while normalise(head) in out and normalise(head) not in seen:
            seen.add(normalise(head))
            head = out[normalise(head)]
        out[key] = head
    return out


def candidate_table(candidates: dict[str, Candidate], decisions: dict[str, tuple[str, str]] | None = None,
                    source_names: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per candidate, most mentioned first. ``decisions`` maps a key to
    (status, label) for names already confirmed or rejected."""
    decisions = decisions or {}
    variants = suggest_variants(candidates)
    rows = []
    for key, cand in candidates.items():
        if cand.mentions == 0 and not any(r.startswith(("speaker", "case", "descriptor")) for r in cand.reasons):
            continue
        status, label = decisions.get(key, ("new", ""))
        rows.append({
            "candidate": cand.surface,
            "kind": cand.kind,
            "mentions": cand.mentions,
            "sources": len(cand.sources),
            "reason": ", ".join(r for r, _ in cand.reasons.most_common(3)),
            "variant_of": variants.get(key, ""),
            "context": cand.contexts[0] if cand.contexts else "",
            "status": status,
            "label": label,
        })
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    return table.sort_values(["mentions", "candidate"], ascending=[False, True], kind="stable").reset_index(drop=True)
