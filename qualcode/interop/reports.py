"""What an import, an export or a merge did: counts, what was dropped, warnings.

The CLI prints ``summary()`` and then every warning, one line each; notebooks inspect the
fields. Nothing here touches the project.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any



def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class ImportReport:
    """An exchange file taken into the project.

    ``in_file`` counts what the file carried (:meth:`ExchangeProject.counts`); ``added``
    what the project gained; ``reused`` what was already there (same content hash, same
    code path, same excerpt x code x coder); ``dropped`` what qualcode does not keep, by
    kind, with one line per kind in ``warnings``; ``conflicts`` the codings the project
    already had with another weight (the project's value is kept).
    """

    file: str
    tool: str = ""
    in_file: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    reused: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: How a REFI-QDA file's positions were counted, per source (see ``positions_lines``).
    positions: list[dict[str, Any]] = field(default_factory=list)
    #: Speakers of the imported transcripts guessed to be interviewers (as ``ingest`` guesses).
    guessed_interviewers: list[str] = field(default_factory=list)

    KEYS = ("sources", "codes", "excerpts", "applications", "coders", "cases", "descriptor_values", "memos", "code_sets")

    def __post_init__(self) -> None:
        for key in self.KEYS:
            self.added.setdefault(key, 0)
            self.reused.setdefault(key, 0)

    def add(self, what: str, n: int = 1) -> None:
        self.added[what] = self.added.get(what, 0) + n

    def reuse(self, what: str, n: int = 1) -> None:
        self.reused[what] = self.reused.get(what, 0) + n

    def drop(self, what: str, n: int, why: str | None) -> None:
        """Count ``n`` dropped ``what`` and say why in one warning line (``why=None``:
        count only, when another warning line already names them)."""
        if n <= 0:
            return
        self.dropped[what] = self.dropped.get(what, 0) + n
        if why is not None:
            self.warnings.append(f"dropped {n} {what}: {why}")

    def summary(self) -> str:
        a, r = self.added, self.reused
        parts = [
            f"{_plural(a.get('sources', 0), 'source')}",
            f"{_plural(a.get('codes', 0), 'code')}",
            f"{_plural(a.get('excerpts', 0), 'excerpt')}",
            f"{_plural(a.get('applications', 0), 'coding')}",
        ]
        for key, word in (("cases", "case"), ("descriptor_values", "descriptor value"), ("memos", "memo"),
                          ("code_sets", "code set")):
            if a.get(key):
                parts.append(_plural(a[key], word))
        text = f"{self.file}: added {', '.join(parts)}"
        again = [f"{_plural(n, k.rstrip('s').replace('_', ' '))}" for k, n in r.items() if n]
        if again:
            text += f"; already in the project: {', '.join(again)}"
        if self.dropped:
            text += f"; dropped {sum(self.dropped.values())} element(s) (see warnings)"
        if self.conflicts:
            text += f"; {_plural(len(self.conflicts), 'conflict')} (project's weight kept)"
        return text

    def lines(self) -> list[str]:
        """The summary, how positions were read, the interviewers guessed, then every warning, for printing."""
        guessed = ([f"interviewer (guessed, asks most questions or is labelled so): "
                    f"{', '.join(self.guessed_interviewers)}; their turns are left out of coding, search, word "
                    "counts and quotes. Check with 'qualcode speakers'."] if self.guessed_interviewers else [])
        return [self.summary(), *positions_lines(self.positions), *guessed, *(f"warning: {w}" for w in self.warnings)]


def confidence(n: int, hits: int, other: int | None, quotes: int = 0, other_quotes: int = 0) -> str:
    """How sure a position reading is: 'sure', 'fairly sure' or 'unsure'.

    ``n`` selections, ``hits`` of them on word boundaries under the reading (``quotes``
    matching the text the file names them by), ``other`` under the best different reading."""
    if other is None or n == 0:
        return "no difference"
    if quotes > other_quotes and quotes >= 0.8 * n:
        return "sure"
    if hits >= 0.9 * n and hits - other >= max(3, 0.25 * n):
        return "sure"
    return "fairly sure" if hits > other else "unsure"


def positions_lines(positions: list[dict[str, Any]]) -> list[str]:
    """One line per position reading used: how many sources, the evidence, how sure.

    Sources whose text counts the same under every reading (no BOM, CRLF or character
    beyond U+FFFF) are left out: there was nothing to decide for them. The evidence is
    summed over the sources read alike, since one tool wrote them all."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in positions:
        if entry["decided_by"] == "no difference":
            continue
        given = entry["decided_by"] in ("the file says so", "forced")
        groups.setdefault((entry["described"], entry["decided_by"] if given else ""), []).append(entry)
    lines = []
    for (described, given), entries in groups.items():
        text = f"positions: {_plural(len(entries), 'source')} read as {described}"
        if given:
            lines.append(f"{text} ({'as the file says' if given == 'the file says so' else 'as --positions says'})")
            continue
        n = sum(e["selections"] for e in entries)
        hits = sum(e["on_word_boundaries"] for e in entries)
        quotes = sum(e["quotes_matched"] for e in entries)
        rivals = [e for e in entries if e.get("runner_up")]
        other = sum(e["runner_up_on_word_boundaries"] or 0 for e in rivals) if rivals else None
        other_quotes = sum(e["runner_up_quotes_matched"] or 0 for e in rivals)
        sure = confidence(n, hits, other, quotes, other_quotes)
        text += f" ({sure}): {hits} of {n} selections on word boundaries"
        if quotes:
            text += f", {quotes} match the words the file names them by"
        if rivals:
            commonest = Counter(e["runner_up"] for e in rivals).most_common(1)[0][0]
            text += f"; the next best reading ({_describe(commonest)}) puts {other} there"
        if sure in ("unsure", "fairly sure"):
            names = ", ".join(f"'{e['source']}'" for e in entries[:5]) + (" …" if len(entries) > 5 else "")
            text += f"; check excerpts of {names}, or force a reading with --positions"
        lines.append(text)
    return lines


def _describe(spec: str) -> str:
    from qualcode.interop.refi_positions import convention_from_spec  # with an import, not with Project

    return convention_from_spec(spec).describe()


@dataclass
class ExportReport:
    """A REFI-QDA file written: where, how many of each element, what could not go."""

    path: Path
    written: dict[str, int] = field(default_factory=dict)
    not_exported: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    positions: str = ""  # how selection positions count the texts written

    def leave_out(self, what: str, n: int, why: str) -> None:
        if n <= 0:
            return
        self.not_exported[what] = self.not_exported.get(what, 0) + n
        self.warnings.append(f"not exported: {n} {what}: {why}")

    def summary(self) -> str:
        w = self.written
        keys = [("sources", "source"), ("codes", "code"), ("selections", "selection"), ("codings", "coding"),
                ("notes", "note"), ("cases", "case"), ("variables", "variable"), ("sets", "set"), ("users", "user")]
        parts = [_plural(w[k], word) for k, word in keys if k in w and (w[k] or k in ("sources", "codes"))]
        text = f"wrote {self.path.name}: {', '.join(parts)}"
        if self.positions:
            text += f"; positions count {self.positions}"
        return text

    def lines(self) -> list[str]:
        return [self.summary(), *(f"warning: {x}" for x in self.warnings)]


@dataclass
class MergeReport:
    """Another project's codings brought into this one (issue 7, merging coders' work).

    ``conflicts`` lists excerpt x code x coder triples both projects hold with a different
    weight or status: this project's values are kept, the other's are listed here.
    """

    other: str
    sources_matched: int = 0
    sources_missing: list[str] = field(default_factory=list)
    codes_created: list[str] = field(default_factory=list)
    coders_added: list[str] = field(default_factory=list)
    excerpts_added: int = 0
    applications_in_other: int = 0
    applications_added: int = 0
    applications_present: int = 0
    applications_skipped: int = 0  # on sources missing here
    memos_added: int = 0
    marks_added: int = 0  # sources newly marked as read and coded by a coder
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"merged {self.other}: {_plural(self.applications_added, 'coding')} added on "
            f"{_plural(self.excerpts_added, 'new excerpt')}, {self.applications_present} already present, "
            f"{_plural(len(self.codes_created), 'code')} created, {_plural(self.sources_matched, 'source')} matched"
        )
        if self.memos_added:
            text += f", {_plural(self.memos_added, 'memo')} added"
        if self.marks_added:
            text += f", {_plural(self.marks_added, 'source')} newly marked coded"
        if self.sources_missing:
            text += f"; {_plural(len(self.sources_missing), 'source')} not in this project ({self.applications_skipped} coding(s) skipped)"
        if self.conflicts:
            text += f"; {_plural(len(self.conflicts), 'conflict')} (this project's values kept)"
        return text

    def lines(self) -> list[str]:
        return [self.summary(), *(f"warning: {x}" for x in self.warnings)]
