"""Exact position mapping between a tool's raw text and qualcode's normalised text.

REFI-QDA positions are Unicode code points of the text *as stored in the file*. Files
written on Windows carry CRLF line ends and sometimes a BOM, and the positions count
those characters; text may also be in a decomposed Unicode form (``e`` + combining
accent). qualcode stores every source normalised: NFC, ``\\n`` line ends (also for lone CR,
U+2028, U+2029 and U+0085), no leading BOM -- the rules of ``qualcode.ingest.decode``.
Shifting positions by a guessed amount silently corrupts excerpts, so this module builds
an explicit table of every place where raw and normalised text differ (an *edit*) and
maps positions through it. Between edits the offset is constant, so a lookup is one
binary search.

A position strictly inside an edit (between ``\\r`` and ``\\n``, or between a base letter
and its combining accent) has no exact image. ``start`` positions snap to the start of
the edit's normalised span and ``end`` positions to its end, so a selection grows to whole
characters rather than shrinking; ``OffsetMap.snapped`` tells a reader to warn.

Other tools count UTF-16 code units (Qt, .NET). :func:`utf16_stage` converts those to
code points and chains in front of the normalisation map.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

Side = Literal["start", "end"]

BOM = "\ufeff"
# The same line ends qualcode.ingest.decode.normalise_text turns into "\n" (kept equal by a test).
_NEWLINES = re.compile(r"\r\n?|\u2028|\u2029|\x85")


@dataclass(frozen=True)
class Edit:
    """Raw span ``[raw_start, raw_end)`` became normalised span ``[norm_start, norm_end)``."""

    raw_start: int
    raw_end: int
    norm_start: int
    norm_end: int
    kind: str  # "bom", "newline", "nfc", "utf16"


@dataclass
class Stage:
    """One rewriting step (raw -> normalised) as a sorted list of non-overlapping edits."""

    edits: list[Edit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._raw_starts = [e.raw_start for e in self.edits]
        self._norm_starts = [e.norm_start for e in self.edits]

    def to_norm(self, pos: int, side: Side) -> tuple[int, bool]:
        """Map a raw position; the flag says it fell strictly inside a non-newline edit."""
        k = bisect_right(self._raw_starts, pos) - 1
        if k < 0:
            return pos, False
        e = self.edits[k]
        if pos >= e.raw_end:
            return pos + (e.norm_end - e.raw_end), False
        if pos == e.raw_start:
            return e.norm_start, False
        # Strictly inside: round outwards. Inside CRLF is harmless: "\r" alone also
        # normalises to "\n", so the snapped span still equals the normalised slice.
        return (e.norm_start if side == "start" else e.norm_end), e.kind != "newline"

    def to_raw(self, pos: int, side: Side) -> int:
        """Map a normalised position back to the raw text (for writing raw text)."""
        k = bisect_right(self._norm_starts, pos) - 1
        if k < 0:
            return pos
        e = self.edits[k]
        if pos >= e.norm_end:
            return e.raw_end + (pos - e.norm_end)
        if pos == e.norm_start:
            return e.raw_start
        return e.raw_start if side == "start" else e.raw_end


@dataclass
class OffsetMap:
    """Raw -> normalised position map made of chained stages (applied in order)."""

    stages: list[Stage] = field(default_factory=list)
    raw_length: int = 0
    norm_length: int = 0
    snapped: int = 0  # positions that fell inside a character and were rounded outwards


    def to_norm(self, pos: int, side: Side = "start") -> int:
        """Map a raw position to the normalised text (``side`` chooses the rounding)."""
        inside_any = False
        for stage in self.stages:
            pos, inside = stage.to_norm(pos, side)
            inside_any = inside_any or inside
        if inside_any:
            self.snapped += 1
        return pos

    def span_to_norm(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)``; an empty span stays empty."""
        first = self.to_norm(start, "start")
        return (first, first) if end == start else (first, self.to_norm(end, "end"))

    def to_raw(self, pos: int, side: Side = "start") -> int:
        """Map a normalised position back to raw coordinates."""
        for stage in reversed(self.stages):
            pos = stage.to_raw(pos, side)
        return pos


def _apply(raw: str, replacements: list[tuple[int, int, str, str]]) -> tuple[str, Stage]:
    """Apply sorted, non-overlapping ``(start, end, new, kind)`` replacements."""
    out: list[str] = []
    edits: list[Edit] = []
    last = 0
    norm = 0
    for start, end, new, kind in replacements:
        out.append(raw[last:start])
        norm += start - last
        edits.append(Edit(start, end, norm, norm + len(new), kind))
        out.append(new)
        norm += len(new)
        last = end
    out.append(raw[last:])
    return "".join(out), Stage(edits)


def newline_stage(raw: str) -> tuple[str, Stage]:
    """Drop a leading BOM; turn CRLF, lone CR and Unicode line separators into ``\\n``."""
    reps: list[tuple[int, int, str, str]] = []
    if raw.startswith(BOM):
        reps.append((0, 1, "", "bom"))
    # CRLF shrinks by one; the others keep their length but are recorded all the same.
    reps.extend((m.start(), m.end(), "\n", "newline") for m in _NEWLINES.finditer(raw))
    return _apply(raw, reps)


@lru_cache(maxsize=1)
def _unsafe_starters() -> frozenset[str]:
    """Starters (combining class 0) that NFC may still join to the preceding text:
    second halves of canonical pairs (Hangul jamo, some Indic vowel signs) and starters
    whose decomposition begins with a combining mark (Tibetan vowel signs)."""
    unsafe: set[str] = set()
    for cp in range(0x30000):
        ch = chr(cp)
        decomposition = unicodedata.decomposition(ch)
        if not decomposition or decomposition.startswith("<"):
            continue
        parts = [chr(int(h, 16)) for h in decomposition.split()]
        if len(parts) == 2 and unicodedata.combining(parts[1]) == 0:
            unsafe.add(parts[1])
        if unicodedata.combining(ch) == 0 and unicodedata.combining(unicodedata.normalize("NFD", ch)[0]) != 0:
            unsafe.add(ch)
    # Hangul syllables compose algorithmically (no decomposition entry for L+V, LV+T).
    unsafe.update(chr(c) for c in range(0x1161, 0x1176))
    unsafe.update(chr(c) for c in range(0x11A8, 0x11C3))
    return frozenset(unsafe)


def nfc_stage(text: str) -> tuple[str, Stage]:
    """NFC-normalise ``text`` segment by segment, recording each segment that changed.

    A segment starts at a character NFC can never join to what precedes it, so
    normalising segments separately equals normalising the whole text (checked; if the
    check ever failed the whole text would become one edit, coarse but still correct).
    """
    if unicodedata.is_normalized("NFC", text):
        return text, Stage([])
    unsafe = _unsafe_starters()
    bounds = [0]
    for i in range(1, len(text)):
        ch = text[i]
        if unicodedata.combining(ch) == 0 and ch not in unsafe:
            bounds.append(i)
    bounds.append(len(text))
    reps: list[tuple[int, int, str, str]] = []
    for s, e in zip(bounds, bounds[1:]):
        seg = text[s:e]
        if not unicodedata.is_normalized("NFC", seg):
            reps.append((s, e, unicodedata.normalize("NFC", seg), "nfc"))
    out, stage = _apply(text, reps)
    if out != unicodedata.normalize("NFC", text):  # pragma: no cover - safety net
        whole = unicodedata.normalize("NFC", text)
        return whole, Stage([Edit(0, len(text), 0, len(whole), "nfc")])
    return out, stage


def utf16_stage(text: str) -> Stage:
    """Stage mapping UTF-16 code-unit positions of ``text`` to code-point positions."""
    edits: list[Edit] = []
    unit = 0
    for i, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if width == 2:
            edits.append(Edit(unit, unit + 2, i, i + 1, "utf16"))
        unit += width
    return Stage(edits)


def normalise_with_map(raw: str, *, positions: Literal["codepoint", "utf16"] = "codepoint") -> tuple[str, OffsetMap]:
    """Normalise ``raw`` (NFC, ``\\n``, no BOM) and return the position map raw -> normalised.

    ``positions="utf16"`` treats incoming positions as UTF-16 code units of ``raw``.
    """
    stages: list[Stage] = []
    raw_length = len(raw)
    if positions == "utf16":
        stages.append(utf16_stage(raw))
        raw_length = len(raw.encode("utf-16-le")) // 2
    mid, newline = newline_stage(raw)
    text, nfc = nfc_stage(mid)
    stages.extend([newline, nfc])
    return text, OffsetMap(stages=stages, raw_length=raw_length, norm_length=len(text))


def normalise_text(raw: str) -> str:
    """qualcode's stored form of a text: NFC, ``\\n`` line ends, no leading BOM."""
    text = raw[1:] if raw.startswith(BOM) else raw
    text = _NEWLINES.sub("\n", text)
    return unicodedata.normalize("NFC", text)


def denormalise(text: str, *, newline: str = "\n", bom: bool = False) -> tuple[str, OffsetMap]:
    """Write normalised ``text`` with other line ends / a BOM; map its positions back.

    Returns the raw text and the map whose ``to_raw`` gives positions valid in it.
    """
    raw = text.replace("\n", newline) if newline != "\n" else text
    if bom:
        raw = BOM + raw
    back, mapping = normalise_with_map(raw)
    if back != text:
        raise ValueError("denormalise() needs normalised text (NFC, \\n line ends, no BOM)")
    return raw, mapping
