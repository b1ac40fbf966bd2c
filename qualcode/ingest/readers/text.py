"""Plain text and Markdown (.txt, .md): a document of paragraphs, or a transcript of turns.

``source_from_text`` is shared by every reader that ends with plain text (Word, PDF), so a
transcript is recognised the same way whatever file it came in.
"""
from __future__ import annotations

from typing import Any

from qualcode.ingest.records import SegmentRecord, SourceKind, SourceRecord
from qualcode.ingest.readers import transcript
from qualcode.ingest.segment import paragraphs


def paragraph_segments(text: str) -> list[SegmentRecord]:
    return [SegmentRecord("paragraph", start, end) for start, end in paragraphs(text)]


def source_from_text(
    text: str,
    *,
    origin: str,
    name: str,
    kind: str = "auto",
    wave: str | None = None,
    case: str | None = None,
    meta: dict[str, Any] | None = None,
) -> SourceRecord:
    """A source from normalised text: ``kind`` ``auto`` picks transcript or document.

    ``transcript`` forces turn parsing (paragraphs when no label is found); ``document``
    forces paragraphs even when the text has speaker labels.
    """
    source_kind: SourceKind
    if kind in ("auto", "transcript"):
        lines = transcript.find_turn_lines(text)
        if lines and (kind == "transcript" or transcript.is_transcript(text, lines)):
            source_kind, segments = "transcript", transcript.turn_segments(text, lines)
        else:
            source_kind = "transcript" if kind == "transcript" else "document"
            segments = paragraph_segments(text)
    else:
        source_kind, segments = "document", paragraph_segments(text)
    return SourceRecord(
        name=name, kind=source_kind, text=text, origin_path=origin, segments=segments,
        case=case, wave=wave, meta=dict(meta or {}),
    )

