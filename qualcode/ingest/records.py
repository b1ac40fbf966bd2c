"""What a reader hands to the project: plain records, no database.

Readers are pure: a file goes in, a ``ReadResult`` comes out. The project decides what to
store (hash check, case linking, one transaction). Keeping readers free of the store means
each format is tested on its own with tiny files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

SourceKind = Literal["transcript", "email", "document", "subtitles", "questionnaire"]
SegmentKind = Literal["turn", "cue", "message", "answer", "paragraph"]
QuestionType = Literal["key", "category", "scale", "rating", "number", "boolean", "date", "text", "open"]


@dataclass
class SegmentRecord:
    """A candidate unit found while reading: a speaker turn, a subtitle cue, an email
    message, a questionnaire answer or a paragraph. ``start``/``end`` are code-point
    offsets into the source's normalised text, ``[start, end)``."""

    kind: SegmentKind
    start: int
    end: int
    speaker: str | None = None
    time_start: float | None = None  # seconds from the start of the recording
    time_end: float | None = None
    question: str | None = None  # the question an email message or an answer responds to
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. {"sender": ..., "date": ...}


@dataclass
class SourceRecord:
    """One document's normalised text (UTF-8 str, NFC, ``\\n`` line ends) and its units."""

    name: str  # default: file name without extension; unique in a project
    kind: SourceKind
    text: str
    origin_path: str
    segments: list[SegmentRecord] = field(default_factory=list)
    case: str | None = None  # the case that owns it, when the reader knows (questionnaire row)
    wave: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # Closed answers of a questionnaire response: column -> typed value (str, float, bool, date).
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass
class QuestionRecord:
    """One column of a questionnaire, as the data dictionary (or auto-detection) says."""

    column: str
    type: QuestionType
    question: str  # full wording; defaults to the column name
    battery: str = ""  # group of scale items shown together (a Likert battery)
    levels: list[str] = field(default_factory=list)  # ordered labels of a scale, low to high


@dataclass
class QuestionnaireRecord:
    """A questionnaire file: its questions and one ``SourceRecord`` per response (row).

    Each response source holds the open answers as text (question heading then answer),
    with one ``answer`` segment per non-empty open answer whose ``question`` is the column.
    ``case`` of each response is the key column's value.
    """

    name: str
    origin_path: str
    key_column: str
    questions: list[QuestionRecord]
    responses: list[SourceRecord]
    invited: int | None = None  # people invited to answer, for the response rate
    invited_by_group: dict[str, dict[str, int]] = field(default_factory=dict)  # field -> value -> invited
    # Other facts about the questionnaire (an ``about`` sheet's rows, e.g. ``title``).
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadResult:
    """Everything read from one file: usually one source, or a questionnaire."""

    sources: list[SourceRecord] = field(default_factory=list)
    questionnaire: QuestionnaireRecord | None = None
    # What was read but may not be what the user expects (one line each, naming the file).
    warnings: list[str] = field(default_factory=list)


DescriptorValue = str | float | bool | date | datetime | None
