"""Speaker turns in plain text: ``Name: text``, ``[00:01:02] Name: text``, ``00:01:02 Name:``.

A transcript is recognised by its content, not its extension: most paragraphs start with
a short speaker label and speakers recur. The stored text keeps the labels and time
stamps as written (so offsets match what the researcher sees in the file); each ``turn``
segment covers the words spoken -- from after ``Name:`` to the end of the turn, which
runs until the next label, across any unlabelled continuation paragraphs. Lines before
the first turn (a title, a note on the interview) become ``paragraph`` segments.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from qualcode.ingest.records import SegmentRecord
from qualcode.ingest.segment import paragraphs, trim
from qualcode.speech.roles import is_interviewer_label

TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TURN_BODY = rf"""[^\S\n]*
    (?:[\[(]?(?P<t1>{TIME})[\])]?[^\S\n]*(?:[-\u2013\u2014][^\S\n]*)?)?   # time before the name
    (?:\*\*|__)?                                                          # Markdown bold
    (?P<label>[^\W\d_][\w.'\u2019&/#()\- ]{{0,40}}?)                      # the speaker label
    (?:[^\S\n]*[\[(](?P<t2>{TIME})[\])])?                                 # or time after it
    [^\S\n]*(?:\*\*|__)?:(?:\*\*|__)?(?=[^\S\n]|$)[^\S\n]*"""
# The first line, and every later one: starting with a literal newline lets the regex
# engine jump between newlines rather than try each position of the text.
_FIRST_LINE = re.compile(_TURN_BODY, re.MULTILINE | re.VERBOSE)
_NEXT_LINE = re.compile(r"\n" + _TURN_BODY, re.MULTILINE | re.VERBOSE)
# A line break before a line with a colon in it: every turn line has one (after the label),
# so the label pattern, costly on a long line of speech, runs only on those lines.
_BREAK_BEFORE_COLON_LINE = re.compile(r"\n(?=[^\n:]*:)")
_CONNECTORS = frozenset({"of", "the", "and", "de", "van", "von", "der", "da", "le", "la", "du", "di", "y", "&"})
MAX_LABEL_WORDS = 4
MIN_TURNS = 3  # fewer labelled lines could be a document's "Aims:" / "Method:"; force kind instead
MIN_SHARE = 0.4  # share of text units (paragraphs / turn lines) that open with a label


@dataclass(frozen=True)
class TurnLine:
    line_start: int  # first non-blank character of the line (time stamp or label)
    speech_start: int  # first character after ``Name:`` and the spaces that follow
    speaker: str
    time: float | None


def parse_time(value: str | None) -> float | None:
    """``"01:02"`` -> 62.0, ``"1:02:03.5"`` -> 3723.5; None stays None."""
    if not value:
        return None
    main, _, fraction = value.replace(",", ".").partition(".")
    seconds = 0.0
    for part in main.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds + (float("0." + fraction) if fraction else 0.0)


def looks_like_name(label: str) -> bool:
    """``Interviewer``, ``CEO-07``, ``Dr. Smith``, ``Head of Policy``, ``P3 (mentor)``:
    every word capitalised or a number, bar a few connectors; at most four words."""
    words = re.sub(r"\([^)]*\)", " ", label).split()
    if not words or len(words) > MAX_LABEL_WORDS:
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _CONNECTORS for w in words)


def label_key(label: str) -> str:
    return " ".join(label.casefold().split())




def find_turn_lines(text: str) -> list[TurnLine]:
    """Every line that opens a speaker turn.

    A label that is not capitalised like a name (``so what I said was:``) counts only when
    it recurs at least three times, as ``interviewer:`` does in a lower-case transcript.
    """
    matches = [m for m in (_FIRST_LINE.match(text),) if m is not None]
    for line_break in _BREAK_BEFORE_COLON_LINE.finditer(text):
        match = _NEXT_LINE.match(text, line_break.start())
        if match is not None:
            matches.append(match)
    candidates = []
    for match in matches:
        label = match.group("label").strip()
        if len(label.split()) > MAX_LABEL_WORDS + 2:
            continue
        candidates.append((match, label))
    counts = Counter(label_key(label) for _, label in candidates)
    accepted: dict[str, bool] = {}
    lines: list[TurnLine] = []
    for match, label in candidates:
        ok = accepted.get(label)
        if ok is None:
            ok = accepted[label] = looks_like_name(label) or counts[label_key(label)] >= 3
        if not ok:
            continue
        whole = match.group()
        first = match.start() + len(whole) - len(whole.lstrip())
        lines.append(
            TurnLine(first, match.end(), label, parse_time(match.group("t1") or match.group("t2")))
        )
    return lines


def is_transcript(text: str, lines: list[TurnLine] | None = None) -> bool:
    """Most text units open with a speaker label, and speakers recur (a document's
    ``Aims:`` / ``Method:`` / ``Findings:`` paragraphs are all different labels).

    A short exchange -- one question and one answer -- has too few turns for speakers to
    recur; it counts when one of its two speakers is named as the interviewer, which no
    document heading is.
    """
    if lines is None:
        lines = find_turn_lines(text)
    if len(lines) < MIN_TURNS:
        return _is_short_interview(text, lines)
    blocks = paragraphs(text)
    block_starts = {start for start, _ in blocks}
    turn_at_block_start = sum(1 for line in lines if line.line_start in block_starts)
    units = len(blocks) + len(lines) - turn_at_block_start
    if blocks and blocks[0][0] != lines[0].line_start:
        units -= 1  # a title or preamble before the first turn does not count against it
    if units <= 0 or len(lines) / units < MIN_SHARE:
        return False
    return speakers_recur(lines)


def speakers_recur(lines: list[TurnLine]) -> bool:
    """At least ``MIN_TURNS`` turns, someone speaks twice, and speakers are fewer than
    three in four turns: a conversation, not a list of headings."""
    if len(lines) < MIN_TURNS:
        return False
    speakers = Counter(label_key(line.speaker) for line in lines)
    return speakers.most_common(1)[0][1] >= 2 and len(speakers) <= max(2, 0.75 * len(lines))


def _is_short_interview(text: str, lines: list[TurnLine]) -> bool:
    if len(lines) != 2 or lines[0].speaker == lines[1].speaker:
        return False
    if not any(is_interviewer_label(line.speaker) for line in lines):
        return False
    block_starts = {start for start, _ in paragraphs(text)}
    if all(line.line_start in block_starts for line in lines):  # each turn opens a paragraph
        return True
    # or the text is nothing but the two turns, one line each ("I: …\nR: …", as QualCoder
    # and other tools keep a short exchange)
    starts = {line.line_start for line in lines}
    at = 0
    for raw in text.split("\n"):
        if raw.strip() and at not in starts:
            return False
        at += len(raw) + 1
    return True


def turn_segments(
    text: str, lines: list[TurnLine] | None = None, *, stops: list[int] | None = None, skip_until: int = 0,
) -> list[SegmentRecord]:
    """``turn`` segments (and ``paragraph`` segments for any preamble) in text order.

    ``time_end`` of a turn is the next turn's time stamp when both are known. A turn also
    ends at the next of ``stops`` (a footer line that is nobody's words); the preamble
    before ``skip_until`` (a tool's header block) gets no segment.
    """
    if lines is None:
        lines = find_turn_lines(text)
    stops = sorted(stops or [])
    segments: list[SegmentRecord] = []
    first = lines[0].line_start if lines else len(text)
    for start, end in paragraphs(text[:first]):
        if start >= skip_until:
            segments.append(SegmentRecord("paragraph", start, end))
    for i, line in enumerate(lines):
        next_start = lines[i + 1].line_start if i + 1 < len(lines) else len(text)
        stop = next((s for s in stops if line.speech_start <= s < next_start), next_start)
        span = trim(text, line.speech_start, stop)
        if span is None:
            continue  # a label with nothing said
        next_time = lines[i + 1].time if i + 1 < len(lines) else None
        time_end = next_time if line.time is not None and next_time is not None else None
        segments.append(
            SegmentRecord("turn", span[0], span[1], speaker=line.speaker, time_start=line.time, time_end=time_end)
        )
    return segments


def style(text: str, lines: list[TurnLine]) -> str:
    """How a labelled transcript writes its labels: ``Name (00:01:02):`` (Rev),
    ``[00:01:02] Name:`` (Trint, Descript), ``Q:``/``A:``, ``I:``/``R:``, ``NAME:``, ``Name:``."""
    heads = [text[line.line_start:line.speech_start] for line in lines]
    if heads and sum(bool(re.search(rf"[\[(]{TIME}[\])]\s*:", h)) for h in heads) > len(heads) / 2:
        return "rev"
    if heads and sum(bool(re.match(rf"[\[(]?{TIME}", h)) for h in heads) > len(heads) / 2:
        return "[time] Name:"
    speakers = {label_key(line.speaker) for line in lines}
    if speakers and speakers <= {"q", "a"}:
        return "Q:/A:"
    if speakers and speakers <= {"i", "r", "p"}:
        return "I:/R:"
    if lines and all(line.speaker.upper() == line.speaker for line in lines):
        return "NAME:"
    return "Name:"
