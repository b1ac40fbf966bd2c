"""Plain text and Markdown (.txt, .md): a document of paragraphs, or a transcript of turns.

``source_from_text`` is shared by every reader that ends with plain text (Word, PDF), so a
transcript is recognised the same way whatever file it came in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from qualcode.errors import UsageError
from qualcode.ingest.records import SegmentRecord, SourceKind, SourceRecord
from qualcode.ingest.readers import speaker_lines, transcript
from qualcode.ingest.segment import paragraphs


def paragraph_segments(text: str) -> list[SegmentRecord]:
    return [SegmentRecord("paragraph", start, end) for start, end in paragraphs(text)]


#: ``--layout`` values: the tools people name, and the layouts behind them.
LAYOUTS = {
    "auto": "auto",
    "otter": "speaker-lines", "teams": "speaker-lines", "zoom": "speaker-lines", "speaker-lines": "speaker-lines",
    "rev": "labels", "trint": "labels", "descript": "labels", "labels": "labels", "qa": "labels",
    "name-lines": "name-lines",
    "zoom-captions": "captions", "captions": "captions",
}
_TIME_STAMP = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")


@dataclass(frozen=True)
class Layout:
    """How a transcript's turns were found: the layout, the tool's style, the turn lines."""

    name: str  # labels, speaker-lines, captions, name-lines
    style: str  # rev, otter, teams, Q:/A:, Name: ...
    lines: list[transcript.TurnLine]
    stops: list[int]
    skip_until: int = 0


def find_layout(text: str, layout: str = "auto", *, forced: bool = False) -> Layout | None:
    """The transcript layout of ``text`` and its turn lines, or None when it is not one.

    ``layout`` (a key of ``LAYOUTS``) chooses the parser; with ``auto`` every parser runs
    and the one that finds a transcript with the most turns wins (a ``Name  0:03`` line
    never parses as a ``Name:`` label, so the two do not compete for the same line).
    ``forced`` (``--kind transcript``) accepts any turns found, without the
    is-this-a-transcript test.
    """
    wanted = LAYOUTS.get(layout)
    if wanted is None:
        raise UsageError(f"unknown transcript layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    options: list[Layout] = []
    stops = speaker_lines.stops(text) if wanted in ("auto", "speaker-lines", "name-lines", "captions") else []
    if wanted in ("auto", "labels"):
        lines = transcript.find_turn_lines(text)
        options.append(Layout("labels", transcript.style(text, lines), lines, []))
    if wanted in ("auto", "speaker-lines"):
        cue_lines = speaker_lines.find_cue_lines(text)
        if cue_lines:
            options.append(Layout("speaker-lines", speaker_lines.style(text, cue_lines), cue_lines, stops))
        lines = speaker_lines.find_timed_lines(text)
        first = lines[0].line_start if lines else 0
        options.append(Layout("speaker-lines", speaker_lines.style(text, lines), lines, stops,
                              speaker_lines.otter_header_end(text, first)))
    if wanted in ("auto", "captions"):
        lines = speaker_lines.find_caption_lines(text)
        options.append(Layout("captions", speaker_lines.style(text, lines), lines, stops))
    if wanted in ("auto", "name-lines"):
        lines = speaker_lines.find_name_lines(text, strict=wanted == "auto")
        options.append(Layout("name-lines", "name lines", lines, stops))
    explicit = forced or wanted != "auto"
    good = [o for o in options if o.lines and (explicit or _is_transcript(text, o))]
    if not good:
        return None
    return max(good, key=lambda o: len(o.lines))


def _is_transcript(text: str, option: Layout) -> bool:
    if option.name == "labels":
        return transcript.is_transcript(text, option.lines)
    # A name with a time stamp on a line of its own is no document's heading; a name alone
    # on its line passed strict tests when it was found. Recurring speakers are enough.
    return transcript.speakers_recur(option.lines)


def looks_like_transcript(text: str, file_name: str = "") -> str | None:
    """Why a text with no speakers found might still be a transcript (time stamps on many
    lines, an Otter header, "transcript" in its name), or None."""
    if re.search(r"^\s*(?:SUMMARY KEYWORDS|SPEAKERS)\s*$", text, re.MULTILINE) or "otter.ai" in text.casefold():
        return "it has Otter's header or footer"
    stamped = sum(1 for line in text.split("\n") if _TIME_STAMP.search(line))
    if stamped >= 3:
        return f"{stamped} lines carry time stamps"
    if "transcript" in file_name.casefold():
        return "its name says transcript"
    return None


def source_from_text(
    text: str,
    *,
    origin: str,
    name: str,
    kind: str = "auto",
    wave: str | None = None,
    case: str | None = None,
    meta: dict[str, Any] | None = None,
    layout: str = "auto",
) -> SourceRecord:
    """A source from normalised text: ``kind`` ``auto`` picks transcript or document.

    ``transcript`` forces turn parsing (paragraphs when no label is found); ``document``
    forces paragraphs even when the text has speaker labels. ``layout`` names the
    transcript layout when guessing it is not enough (``otter``, ``rev``, ``name-lines``…).
    The layout found is kept in ``meta["layout"]`` and the tool's style in ``meta["style"]``.
    """
    source_kind: SourceKind
    meta = dict(meta or {})
    found = find_layout(text, layout, forced=kind == "transcript") if kind in ("auto", "transcript") else None
    if found is not None:
        source_kind = "transcript"
        segments = transcript.turn_segments(text, found.lines, stops=found.stops, skip_until=found.skip_until)
        meta.update(layout=found.name, style=found.style)
    else:
        source_kind = "transcript" if kind == "transcript" else "document"
        segments = paragraph_segments(text)
    return SourceRecord(
        name=name, kind=source_kind, text=text, origin_path=origin, segments=segments,
        case=case, wave=wave, meta=meta,
    )
