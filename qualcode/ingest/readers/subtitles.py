"""WebVTT (.vtt) and SubRip (.srt): recorded interviews as timed cues.

The stored text has one line per cue, ``Speaker: text`` -- the speaker from a WebVTT
voice tag ``<v Anna>`` or, as Zoom and Teams write it, a ``Name:`` at the start of the
cue -- or just the text when no speaker is known. Other markup (``<i>``, ``<c.x>``,
``<00:00:01.000>``, ``{\\an8}``) is removed and entities decoded. Each cue is a ``cue``
segment over its words with its times; consecutive cues of one speaker also form a
``turn`` segment (from the first cue's words to the last's), so turn-level coding works
the same as for a typed transcript. With speakers the source is a ``transcript``,
without them ``subtitles``.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import IngestError
from qualcode.ingest.decode import read_text_file
from qualcode.ingest.records import ReadResult, SegmentRecord, SourceRecord
from qualcode.ingest.readers.transcript import find_turn_lines

_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>", re.IGNORECASE)
_VOICE_SPLIT = re.compile(r"(<v(?:\.[^\s>]*)?\s+[^>]*>)", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_ASS = re.compile(r"\{\\[^}]*\}")


@dataclass
class Cue:
    start: float
    end: float
    parts: list[tuple[str | None, str]]  # (speaker, words) -- several voices may share a cue


def _seconds(stamp: str) -> float:
    main, _, fraction = stamp.replace(",", ".").partition(".")
    seconds = 0.0
    for part in main.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds + float("0." + fraction)


def _clean(payload: str) -> str:
    text = _ASS.sub("", _TAG.sub("", payload))
    return " ".join(html.unescape(text).replace("\u200e", "").replace("\u200f", "").split())


def _parts(payload: str) -> list[tuple[str | None, str]]:
    """Split a cue's payload at voice tags into (speaker, words)."""
    pieces = _VOICE_SPLIT.split(payload)
    parts: list[tuple[str | None, str]] = []
    speaker: str | None = None
    for piece in pieces:
        voice = _VOICE.fullmatch(piece)
        if voice:
            speaker = " ".join(voice.group(1).split()) or None
            continue
        words = _clean(piece)
        if words:
            parts.append((speaker, words))
    return [(s, w) for s, w in parts if w]


def parse_cues(text: str, path: Path) -> list[Cue]:
    """Cues of a WebVTT or SRT text (header, NOTE/STYLE/REGION blocks and ids skipped)."""
    cues: list[Cue] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        timing = _TIMING.match(lines[i])
        if timing is None:
            i += 1
            continue
        payload_lines = []
        i += 1
        while i < len(lines) and lines[i].strip() and not _TIMING.match(lines[i]):
            payload_lines.append(lines[i])
            i += 1
        parts = _parts(" ".join(payload_lines)) if payload_lines else []
        if parts:
            cues.append(Cue(_seconds(timing["start"]), _seconds(timing["end"]), parts))
    if not cues:
        raise IngestError(f"{path}: no subtitle cues (lines like '00:00:01.000 --> 00:00:04.000') found; export the "
                          "captions again as .vtt or .srt, or rename the file .txt to read it as a transcript")
    _speakers_from_labels(cues)
    return cues


def _speakers_from_labels(cues: list[Cue]) -> None:
    """Without voice tags, ``Name: words`` at the start of most cues names the speaker
    (Zoom, Teams). Required of most cues, so a lone ``So: ...`` is not taken for a name."""
    if any(speaker for cue in cues for speaker, _ in cue.parts):
        return
    labelled: list[tuple[Cue, str, str]] = []
    for cue in cues:
        words = cue.parts[0][1]
        lines = find_turn_lines(words)
        if lines and lines[0].line_start == 0:
            labelled.append((cue, lines[0].speaker, words[lines[0].speech_start:].strip()))
    if len(labelled) < max(1, 0.5 * len(cues)):
        return
    for cue, speaker, words in labelled:
        if words:
            cue.parts[0] = (speaker, words)


def _style(raw: str) -> str:
    return "<v Name> voices" if _VOICE.search(raw) else "Name: in cues"


def read_subtitles(path: Path, *, name: str, kind: str = "auto", wave: str | None = None) -> ReadResult:
    """Read a .vtt/.srt file into cue (and turn) segments."""
    raw, encoding = read_text_file(path)
    if path.suffix.lower() == ".vtt" and not raw.lstrip().startswith("WEBVTT"):
        raise IngestError(f"{path}: a WebVTT file must start with 'WEBVTT'; is this really a .vtt file?")
    cues = parse_cues(raw, path)
    lines: list[str] = []
    segments: list[SegmentRecord] = []
    turns: list[SegmentRecord] = []
    offset = 0
    for cue in cues:
        for speaker, words in cue.parts:
            label = f"{speaker}: " if speaker else ""
            start = offset + len(label)
            end = start + len(words)
            lines.append(label + words)
            offset += len(label) + len(words) + 1
            segments.append(SegmentRecord("cue", start, end, speaker=speaker, time_start=cue.start, time_end=cue.end))
            if speaker and turns and turns[-1].speaker == speaker:
                turns[-1].end = end
                turns[-1].time_end = cue.end
            elif speaker:
                turns.append(SegmentRecord("turn", start, end, speaker=speaker, time_start=cue.start, time_end=cue.end))
    text = "\n".join(lines)
    has_speakers = any(seg.speaker for seg in segments)
    source_kind = "transcript" if has_speakers or kind == "transcript" else "subtitles"
    source = SourceRecord(
        name=name, kind=source_kind, text=text, origin_path=str(path),
        segments=sorted(segments + turns, key=lambda s: (s.start, s.kind != "turn")),
        wave=wave, meta={"encoding": encoding, "cues": len(cues), "layout": "webvtt" if has_speakers else "cues",
                         "style": _style(raw) if has_speakers else "no speakers"},
    )
    return ReadResult(sources=[source])
