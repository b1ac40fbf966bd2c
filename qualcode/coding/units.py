"""Cutting sources into units of coding: sentence, paragraph, turn, answer or the whole source.

A rule codes a *unit*; the same boundaries must come out for autocoding, agreement and
review, so every unit is built from the segments made at ingest (speaker turns, subtitle
cues, email messages, questionnaire answers) and from ``qualcode.ingest.segment``:

* the **speech** of a source is its speaker segments (turns, messages or subtitle cues),
  else its questionnaire answers, else its paragraph segments, else the paragraphs of
  its text. Subtitles carry both cues and the turns merged from them; a merged turn's
  span runs over the next cues' "Speaker:" labels, so sentences and paragraphs are cut
  inside the clean cues and only the ``turn`` unit uses the merged turns.
  Text outside the speech -- a transcript's header line, an email's ``From:`` lines, the
  question wording printed in a questionnaire response -- is not coded;
* ``turn``: each speech segment (a paragraph for a plain document, an answer for a
  questionnaire response);
* ``answer``: questionnaire answers and email messages (one question per exchange);
  other sources have none;
* ``paragraph``: blank-line blocks of the text, cut at the edges of speech segments;
* ``sentence``: spaCy sentences inside the speech segments (never across two turns);
* ``source``: the whole text, trimmed (header lines and, for a questionnaire response,
  the question wordings included: the one unit that is not cut from the speech).

Each unit keeps the speaker and the question of the segment it lies in, so rules can ask
"only mentors" or "every answer to open_improve", and interviewer turns can be skipped.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

from qualcode.errors import UsageError
from qualcode.ingest.segment import paragraphs, sentences_many, trim

UNIT_KINDS = ("sentence", "paragraph", "turn", "answer", "source")
COLUMNS = ["source_id", "start", "end", "unit", "speaker", "question", "text"]
# Which segments make up the speech, in order of preference: the first kind present wins.
_PREFERENCE = {
    "turn": (("turn",), ("message",), ("cue",), ("answer",), ("paragraph",)),
    "other": (("cue",), ("turn",), ("message",), ("answer",), ("paragraph",)),
}


@dataclass(frozen=True)
class Piece:
    """A segment of a source's speech: span, kind, speaker, question."""

    start: int
    end: int
    kind: str
    speaker: str | None
    question: str | None


def check_unit(unit: str) -> str:
    if unit not in UNIT_KINDS:
        raise UsageError(f"unit {unit!r} is not one of {', '.join(UNIT_KINDS)}")
    return unit


SegmentRow = tuple[int, int, str, object, object]  # start, end, kind, speaker, question


def speech(text: str, rows: list[SegmentRow] | None, unit: str = "sentence") -> list[Piece]:
    """The speech segments of one source (see the module docstring), in text order."""
    rows = rows or []
    for kinds in _PREFERENCE["turn" if unit == "turn" else "other"]:
        chosen = [r for r in rows if r[2] in kinds]
        if chosen:
            pieces = [Piece(int(a), int(b), k, _text_or_none(s), _text_or_none(q)) for a, b, k, s, q in chosen]
            return sorted((p for p in pieces if p.end > p.start), key=lambda p: p.start)
    return [Piece(a, b, "paragraph", None, None) for a, b in paragraphs(text)]


def rows_by_source(segments: pd.DataFrame | None, wanted: Mapping[int, object]) -> dict[int, list[SegmentRow]]:
    """The segments of the wanted sources as plain tuples, in one pass over the columns
    (per-source DataFrame slicing cost more than cutting the units)."""
    by_source: dict[int, list[SegmentRow]] = {}
    if segments is None or segments.empty:
        return by_source
    columns = [segments[c].tolist() for c in ("source_id", "start", "end", "kind", "speaker", "question")]
    for sid, start, end, kind, speaker, question in zip(*columns):
        if sid in wanted:
            by_source.setdefault(int(sid), []).append((int(start), int(end), kind, speaker, question))
    return by_source


def _text_or_none(value: object) -> str | None:
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def cut_units(
    texts: Mapping[int, str],
    segments: pd.DataFrame | None,
    unit: str,
    batch_size: int = 32,
) -> pd.DataFrame:
    """Units of kind ``unit`` for every source in ``texts`` (source_id -> text).

    ``segments`` is ``project.segments()`` (or the rows for these sources). Returns the
    columns ``source_id, start, end, unit, speaker, question, text`` in source order.
    """
    import pandas as pd

    check_unit(unit)
    by_source = rows_by_source(segments, texts)
    ids = list(texts)
    speeches = {sid: speech(texts[sid], by_source.get(sid), unit) for sid in ids}
    rows: list[tuple[int, int, int, str | None, str | None]] = []
    if unit == "sentence":
        spans_iter = sentences_many(
            (texts[sid] for sid in ids), ([(p.start, p.end) for p in speeches[sid]] for sid in ids), batch_size
        )
        for sid, spans in zip(ids, spans_iter):
            rows.extend(_attach(sid, spans, speeches[sid]))
    else:
        for sid in ids:
            rows.extend(_cut_one(sid, texts[sid], speeches[sid], unit))
    frame = pd.DataFrame.from_records(rows, columns=["source_id", "start", "end", "speaker", "question"])
    frame["unit"] = unit
    frame["text"] = [texts[s][a:b] for s, a, b in zip(frame["source_id"], frame["start"], frame["end"])]
    frame = frame.astype({"source_id": "int64", "start": "int64", "end": "int64"})
    frame["speaker"] = frame["speaker"].astype("string")
    frame["question"] = frame["question"].astype("string")
    return frame[COLUMNS]


def _cut_one(sid: int, text: str, pieces: Sequence[Piece], unit: str) -> list[tuple]:
    if unit == "source":
        span = trim(text, 0, len(text))
        return [] if span is None else [(sid, span[0], span[1], None, None)]
    if unit == "turn":
        return [(sid, p.start, p.end, p.speaker, p.question) for p in pieces if trim(text, p.start, p.end)]
    if unit == "answer":
        return [
            (sid, p.start, p.end, p.speaker, p.question)
            for p in pieces
            if (p.kind == "answer" or (p.kind == "message" and p.question)) and trim(text, p.start, p.end)
        ]
    # paragraph: blank-line blocks, cut at the edges of the speech pieces (both sorted,
    # pieces do not overlap, so a bisect finds the first piece a block reaches)
    ends = [p.end for p in pieces]
    out = []
    for block_start, block_end in paragraphs(text):
        i = bisect_right(ends, block_start)
        while i < len(pieces) and pieces[i].start < block_end:
            p = pieces[i]
            span = trim(text, max(block_start, p.start), min(block_end, p.end))
            if span is not None:
                out.append((sid, span[0], span[1], p.speaker, p.question))
            i += 1
    return out


def _attach(sid: int, spans: Sequence[tuple[int, int]], pieces: Sequence[Piece]) -> list[tuple]:
    """Each sentence gets the speaker and question of the speech piece it starts in."""
    starts = [p.start for p in pieces]
    out = []
    for a, b in spans:
        i = bisect_right(starts, a) - 1
        piece = pieces[i] if i >= 0 and a < pieces[i].end else None
        out.append((sid, a, b, piece.speaker if piece else None, piece.question if piece else None))
    return out
