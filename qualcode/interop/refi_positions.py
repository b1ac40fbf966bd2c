"""Which way a REFI-QDA file counts its positions, decided from where the selections land.

Project.xsd says only that ``startPosition``/``endPosition`` are integers. Tools count
differently: NVivo 12 counts UTF-16 code units of the text *without* its BOM and CRLF as
two; QualCoder counts code points; older exports count the BOM. Read with the wrong
convention, a text with a BOM shifts every excerpt by one character, and each emoji (two
UTF-16 units, one code point) shifts every later excerpt by one more. Nothing in the file
says which convention it used, so the reader tries each that makes a difference for the
text at hand and keeps the one under which the selections make sense:

1. every selection inside the text;
2. the selection's own text, where the file carries it (ATLAS.ti names a selection by its
   first words), matching the text selected;
3. both ends on word boundaries and not inside a character (a surrogate pair, a CR/LF);
4. no white space at either edge.

Ties go to the convention of the tool named in the file's ``origin`` (UTF-16 for NVivo,
ATLAS.ti and MAXQDA), else to the reading REFI-QDA describes (code points, BOM counted).
Sources with too little evidence of their own take the convention the other sources of
the same file settled on. ``--positions`` forces some or all of the three choices.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product
from typing import Iterable, Literal

from qualcode.errors import UsageError
from qualcode.interop.refi_offsets import BOM, OffsetMap, normalise_with_map

Unit = Literal["codepoint", "utf16"]

#: Tools whose strings are UTF-16 (.NET, Cocoa, Delphi/Qt): their positions count UTF-16 units.
UTF16_TOOLS = ("nvivo", "atlas.ti", "maxqda")
#: What qualcode writes into ``origin`` so that its own exports are read without guessing.
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
ORIGIN_TAG = re.compile(r"\(positions: ([a-z0-9:]+)\)")


@dataclass(frozen=True)
class Convention:
    """One way of counting: the unit, whether a leading BOM counts, CRLF as one or two."""

    unit: Unit = "codepoint"
    bom_counted: bool = True
    crlf: int = 2

    @property
    def spec(self) -> str:
        """Short form accepted by ``--positions`` (``utf16:nobom:crlf2``)."""
        return f"{self.unit}:{'bom' if self.bom_counted else 'nobom'}:crlf{self.crlf}"

    def describe(self) -> str:
        unit = "UTF-16 code units" if self.unit == "utf16" else "code points"
        bom = "BOM counted" if self.bom_counted else "BOM not counted"
        return f"{unit}, {bom}, CRLF as {'two' if self.crlf == 2 else 'one'}"

    def counted_text(self, raw: str) -> str:
        """``raw`` as this convention sees it (positions index this string, in ``unit``)."""
        text = raw
        if not self.bom_counted and text.startswith(BOM):
            text = text[1:]
        if self.crlf == 1:
            text = text.replace("\r\n", "\n")
        return text

    def offset_map(self, raw: str) -> tuple[str, OffsetMap]:
        """Normalised text and the map from this convention's positions to it."""
        return normalise_with_map(self.counted_text(raw), positions=self.unit)


REFI_STANDARD = Convention("codepoint", True, 2)
NVIVO = Convention("utf16", False, 2)
ALL_CONVENTIONS = tuple(Convention(u, b, c) for u, b, c in product(("codepoint", "utf16"), (True, False), (2, 1)))

_TOKENS = {
    "codepoint": ("unit", "codepoint"), "codepoints": ("unit", "codepoint"), "utf16": ("unit", "utf16"),
    "bom": ("bom_counted", True), "nobom": ("bom_counted", False),
    "crlf2": ("crlf", 2), "crlf1": ("crlf", 1),
}


@dataclass(frozen=True)
class PositionsChoice:
    """What the user forced (``None``: decide from the data)."""

    unit: Unit | None = None
    bom_counted: bool | None = None
    crlf: int | None = None

    def allows(self, conv: Convention) -> bool:
        return all(
            want is None or want == getattr(conv, name)
            for name, want in (("unit", self.unit), ("bom_counted", self.bom_counted), ("crlf", self.crlf))
        )

    @property
    def is_auto(self) -> bool:
        return self.unit is None and self.bom_counted is None and self.crlf is None


def parse_positions(spec: str | None) -> PositionsChoice:
    """``auto`` or ``:``-separated parts among ``codepoint|utf16``, ``bom|nobom``, ``crlf2|crlf1``.

    Parts left out are decided from the data (``utf16`` alone forces the unit only).
    """
    if spec is None or spec.strip().lower() in ("", "auto"):
        return PositionsChoice()
    parts: dict[str, object] = {}
    for token in re.split(r"[:,+\s]+", spec.strip().lower()):
        if token not in _TOKENS:
            raise UsageError(
                f"--positions {spec!r}: unknown part {token!r}; use 'auto' or parts such as "
                "'utf16:nobom:crlf2' (codepoint|utf16, bom|nobom, crlf2|crlf1)"
            )
        name, value = _TOKENS[token]
        if name in parts and parts[name] != value:
            raise UsageError(f"--positions {spec!r} gives two values for the same choice")
        parts[name] = value
    return PositionsChoice(**parts)  # type: ignore[arg-type]


def convention_from_spec(spec: str) -> Convention:
    """A full convention for writing (parts not given take NVivo's choices)."""
    choice = parse_positions(spec)
    return Convention(
        choice.unit or NVIVO.unit,
        NVIVO.bom_counted if choice.bom_counted is None else choice.bom_counted,
        choice.crlf or NVIVO.crlf,
    )


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _on_boundary(text: str, pos: int) -> bool:
    return pos <= 0 or pos >= len(text) or not (_is_word(text[pos - 1]) and _is_word(text[pos]))


def _collapse(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class RawSelection:
    """A selection as the file gives it: raw positions and the name the tool gave it."""

    start: int
    end: int
    name: str = ""


@dataclass
class Score:
    """How well the selections of one source fit one convention."""

    outside: int = 0
    quotes: int = 0
    boundaries: int = 0
    clean: int = 0

    def key(self) -> tuple[int, int, int, int]:
        return (-self.outside, self.quotes, self.boundaries, self.clean)

    def add(self, other: Score) -> None:
        self.outside += other.outside
        self.quotes += other.quotes
        self.boundaries += other.boundaries
        self.clean += other.clean


def _quote_matches(name: str, selected: str) -> bool:
    """The tool's name for the selection is its text (whole, or cut with an ellipsis)."""
    name = _collapse(name)
    if len(name) < 4:
        return False
    selected = _collapse(selected)
    for cut in ("…", "..."):
        if name.endswith(cut):
            stem = name[: -len(cut)].rstrip()
            return len(stem) >= 4 and selected.startswith(stem)
    return selected == name


def _inside(mapping: OffsetMap, pos: int) -> bool:
    """A position strictly inside a character (surrogate pair, CR/LF, base + accent)."""
    before = mapping.snapped
    inside = mapping.to_norm(pos, "start") != mapping.to_norm(pos, "end")
    mapping.snapped = before
    return inside


def score(mapping: OffsetMap, text: str, selections: Iterable[RawSelection]) -> Score:
    result = Score()
    for sel in selections:
        if sel.start < 0 or sel.end < sel.start or sel.end > mapping.raw_length:
            result.outside += 1
            continue
        before = mapping.snapped
        start, end = mapping.span_to_norm(sel.start, sel.end)
        mapping.snapped = before
        selected = text[start:end]
        if sel.name and _quote_matches(sel.name, selected):
            result.quotes += 1
        if (not _inside(mapping, sel.start) and not _inside(mapping, sel.end)
                and _on_boundary(text, start) and _on_boundary(text, end)):
            result.boundaries += 1
            if selected and not selected[0].isspace() and not selected[-1].isspace():
                result.clean += 1
    return result


def relevant_conventions(raw: str, choice: PositionsChoice) -> list[Convention]:
    """Conventions the user allows, one per distinct way of counting this text (choices
    that make no difference here, such as the BOM in a text without one, collapse)."""
    has_astral, has_bom, has_crlf = text_features(raw)
    seen: dict[tuple[object, ...], Convention] = {}
    for conv in ALL_CONVENTIONS:
        if not choice.allows(conv):
            continue
        key = (conv.unit if has_astral else None, conv.bom_counted if has_bom else None, conv.crlf if has_crlf else None)
        seen.setdefault(key, conv)
    return list(seen.values())


def preference(origin: str) -> list[Convention]:
    """Tie-break order: the origin tool's own convention first, then REFI-QDA's reading."""
    tool_utf16 = any(name in origin.lower() for name in UTF16_TOOLS)
    first = [NVIVO] if tool_utf16 else [REFI_STANDARD]
    return first + [c for c in (REFI_STANDARD, NVIVO, *ALL_CONVENTIONS) if c not in first]


def text_features(raw: str) -> tuple[bool, bool, bool]:
    """(has astral characters, starts with a BOM, has CRLF): what conventions differ on."""
    return _ASTRAL.search(raw) is not None, raw.startswith(BOM), "\r\n" in raw


def _equivalent(conv: Convention, features: tuple[bool, bool, bool]) -> tuple[object, ...]:
    astral, bom, crlf = features
    return (conv.unit if astral else None, conv.bom_counted if bom else None, conv.crlf if crlf else None)


@dataclass
class SourcePositions:
    """Evidence for one source: each allowed way of counting its text, its map and score."""

    name: str
    features: tuple[bool, bool, bool]
    n_selections: int
    scores: dict[Convention, Score] = field(default_factory=dict)
    maps: dict[Convention, OffsetMap] = field(default_factory=dict)
    chosen: Convention | None = None
    decided_by: str = ""  # "the file says so", "this source", "the file", "no difference"

    def max_raw_length(self) -> int:
        return max((m.raw_length for m in self.maps.values()), default=0)

    def _same(self, conv: Convention, table: dict[Convention, object]) -> object | None:
        key = _equivalent(conv, self.features)
        return next((v for c, v in table.items() if _equivalent(c, self.features) == key), None)

    def map_for(self, conv: Convention) -> OffsetMap | None:
        """The map of ``conv`` (or of the allowed convention that counts this text alike)."""
        return self._same(conv, self.maps)  # type: ignore[return-value]

    def score_for(self, conv: Convention) -> Score:
        found = self._same(conv, self.scores)
        return found if isinstance(found, Score) else Score(outside=self.n_selections)

    def same_counting(self, a: Convention, b: Convention) -> bool:
        return _equivalent(a, self.features) == _equivalent(b, self.features)


def evaluate(name: str, raw: str, selections: list[RawSelection], choice: PositionsChoice) -> tuple[str, SourcePositions]:
    """The normalised text and the score of every relevant convention for one source."""
    result = SourcePositions(name=name, features=text_features(raw), n_selections=len(selections))
    text = ""
    conventions = relevant_conventions(raw, choice)
    for conv in conventions:
        text, mapping = conv.offset_map(raw)
        result.maps[conv] = mapping
        # One way of counting leaves nothing to decide: the evidence is not worth its time.
        result.scores[conv] = score(mapping, text, selections) if len(conventions) > 1 else Score()
    return text, result


def _best(candidates: list[Convention], scores: dict[Convention, Score], order: list[Convention]) -> list[Convention]:
    """Candidates sorted best first (ties by ``order``)."""
    rank = {c: i for i, c in enumerate(order)}
    return sorted(candidates, key=lambda c: (tuple(-x for x in scores[c].key()), rank.get(c, len(order))))


def _clearly_better(own: Score, other: Score, n: int) -> bool:
    """A source's own evidence overrides the file's choice only when it is clear."""
    if own.outside < other.outside:
        return True
    if own.key() <= other.key():
        return False
    return own.quotes - other.quotes >= 2 or own.boundaries - other.boundaries >= max(2, round(0.2 * n))


def decide(sources: list[SourcePositions], *, origin: str, choice: PositionsChoice) -> None:
    """Set ``chosen`` and ``decided_by`` on every source.

    The file's convention is the one that fits all its selections best (one tool wrote
    them all); a source keeps a different one only when its own selections clearly say so.
    """
    order = preference(origin)
    tagged = ORIGIN_TAG.search(origin)
    if tagged and choice.is_auto:
        written = convention_from_spec(tagged.group(1))
        for src in sources:
            src.chosen, src.decided_by = written, "the file says so"
        return
    pooled: dict[Convention, Score] = {}
    for conv in ALL_CONVENTIONS:
        if choice.allows(conv):
            total = Score()
            for src in sources:
                total.add(src.score_for(conv))
            pooled[conv] = total
    file_choice = _best(list(pooled), pooled, order)[0] if pooled else order[0]
    for src in sources:
        if len(src.scores) <= 1:
            src.chosen = next(iter(src.scores), file_choice)
            src.decided_by = "no difference" if choice.is_auto else "forced"
            continue
        own = _best(list(src.scores), src.scores, order)[0]
        if not src.same_counting(own, file_choice) and _clearly_better(
            src.scores[own], src.score_for(file_choice), src.n_selections
        ):
            src.chosen, src.decided_by = own, "this source"
        else:
            src.chosen, src.decided_by = file_choice, "the file"


def runner_up(src: SourcePositions) -> Convention | None:
    """The best convention that counts this text differently from the chosen one."""
    if src.chosen is None:
        return None
    others = [c for c in src.scores if not src.same_counting(c, src.chosen)]
    if not others:
        return None
    return _best(others, src.scores, preference(""))[0]
