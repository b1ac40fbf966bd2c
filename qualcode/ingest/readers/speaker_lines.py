"""Speaker lines: the speaker's name on a line of its own, the words on the lines below.

This is how Otter.ai, Microsoft Teams and Zoom write a transcript to .txt, .docx and .pdf::

    Jane Doe  0:03
    Thanks for making the time. Shall we start with how you came to the programme?

    Sam Okafor  0:41
    Sure. I was three months into the job...

(Otter: ``MM:SS`` or ``H:MM:SS`` after two spaces; Teams: ``H:MM:SS`` or ``MM:SS``, the
words in the same Word paragraph after a line break.) Teams' older Word transcripts put a
cue timing line above the name instead::

    0:0:3.120 --> 0:0:7.450
    Jane Doe
    Thanks everyone for joining.
 Some typed transcripts put the name
alone on its line, with no time (a bold speaker paragraph in Word); that layout is read
when it is asked for or when few names recur in strict alternation.

What is not speech stays in the stored text but gets no segment: the header block Otter
puts on top (title, date, ``SUMMARY KEYWORDS``, ``SPEAKERS``), its ``Transcribed by
https://otter.ai`` footer, and Teams' ``Jane Doe started transcription`` lines, which
also end the turn before them.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from qualcode.ingest.readers.transcript import MAX_LABEL_WORDS, TurnLine, label_key, looks_like_name, parse_time

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}"
#: ``Jane Doe  0:03``, ``Speaker 2  1:02:17``, ``Unknown Speaker 12:40`` (one space in PDFs).
_TIMED = re.compile(
    rf"^[^\S\n]*(?P<label>[^\W\d_][^\n:]{{0,60}}?)[^\S\n]+\|?[^\S\n]*(?P<time>{_TIME})[^\S\n]*$", re.MULTILINE
)
#: A name alone on its line (``JANE``, ``Sam Okafor``), optionally bold-marked or with a colon.
_NAME_ALONE = re.compile(r"^[^\S\n]*(?:\*\*)?(?P<label>[^\W\d_][\w.'\u2019\- ]{0,40}?)(?:\*\*)?:?[^\S\n]*$", re.MULTILINE)
#: Lines that close a turn without being anyone's words.
_FOOTER = re.compile(
    r"^[^\S\n]*(?:Transcribed by https?://otter\.ai\S*|[^\n]{1,60} (?:started|stopped) transcription)[^\S\n]*$",
    re.MULTILINE | re.IGNORECASE,
)
_OTTER_HEADER = re.compile(r"^[^\S\n]*(?:SUMMARY KEYWORDS|SPEAKERS)[^\S\n]*$", re.MULTILINE)
#: Teams' older layout: ``0:0:3.120 --> 0:0:7.450``, then the name on the next line.
_CUE_NAME = re.compile(
    r"^[^\S\n]*(?P<time>\d{1,2}:\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?)[^\S\n]*-->[^\S\n]*\d{1,2}:\d{1,2}:\d{1,2}"
    r"(?:[.,]\d{1,3})?[^\S\n]*\n(?:[^\S\n]*\n)?[^\S\n]*(?P<label>[^\W\d_][^\n]{0,60}?)[^\S\n]*$",
    re.MULTILINE,
)
# Cheap scans that find the only lines the patterns above can match, so that those run
# at a few line starts instead of at every position of the text: a line ending in a
# time (``:03``), a footer (both footers say "transcri..."), a line break before a name.
_TIME_AT_LINE_END = re.compile(r":\d{2}[^\S\n]*$", re.MULTILINE)
_TRANSCRI = re.compile(r"transcri", re.IGNORECASE)
_NEXT_NAME_ALONE = re.compile(r"\n(?=[^\S\n]*(?:\*\*)?[^\W\d_])")
#: Zoom's saved captions (``meeting_saved_closed_caption.txt``): ``[Jane Doe] 10:02:33 : words``,
#: one caption a line, the clock time of day. Searched from the ``[`` (a literal, fast to
#: find); the line must start there.
_CAPTION = re.compile(
    r"\[(?P<label>[^\]\n]{1,60})\][^\S\n]+(?P<time>\d{1,2}:\d{2}:\d{2})[^\S\n]*:(?:[^\S\n]+|(?=\n)|$)"
)
MIN_NAME_LINE_TURNS = 4
MAX_NAME_LINE_SPEAKERS = 8


def find_timed_lines(text: str) -> list[TurnLine]:
    """Every ``Name  0:03`` line followed by words (the speech starts on the next line).

    A label that is not capitalised like a name counts only when it recurs, as a
    lower-case ``jane`` does in a transcript someone renamed by hand.
    """
    candidates = []
    for match in _timed_matches(text):
        label = " ".join(match.group("label").split())
        if len(label.split()) > MAX_LABEL_WORDS or _FOOTER.fullmatch(match.group().strip()):
            continue
        candidates.append((match, label))
    counts = Counter(label_key(label) for _, label in candidates)
    lines = []
    for match, label in candidates:
        if not (looks_like_name(label) or counts[label_key(label)] >= 2):
            continue
        first = match.start() + len(match.group()) - len(match.group().lstrip())
        speech = match.end() + 1 if match.end() < len(text) else match.end()
        lines.append(TurnLine(first, speech, label, parse_time(match.group("time"))))
    return lines


def _timed_matches(text: str) -> Iterator[re.Match[str]]:
    """``_TIMED.finditer(text)``, tried only at the start of lines that end in ``:dd``."""
    tried = -1
    for end in _TIME_AT_LINE_END.finditer(text):
        line_start = text.rfind("\n", 0, end.start()) + 1
        if line_start == tried:
            continue
        tried = line_start
        match = _TIMED.match(text, line_start)
        if match is not None:
            yield match


def _line_starts(text: str, pattern: re.Pattern[str]) -> Iterator[int]:
    """0, and the start of every line after a line break ``pattern`` finds."""
    yield 0
    for match in pattern.finditer(text):
        yield match.start() + 1


def find_cue_lines(text: str) -> list[TurnLine]:
    """Every ``0:0:3.120 --> 0:0:7.450`` line followed by a speaker's name (Teams' older
    Word transcripts); the speech starts on the line after the name."""
    if "-->" not in text:
        return []
    candidates = []
    for match in _CUE_NAME.finditer(text):
        label = " ".join(match.group("label").split())
        if len(label.split()) > MAX_LABEL_WORDS:
            continue
        candidates.append((match, label))
    counts = Counter(label_key(label) for _, label in candidates)
    lines = []
    for match, label in candidates:
        if looks_like_name(label) or counts[label_key(label)] >= 2:
            speech = match.end() + 1 if match.end() < len(text) else match.end()
            lines.append(TurnLine(match.start("time"), speech, label, parse_time(match.group("time"))))
    return lines


def find_caption_lines(text: str) -> list[TurnLine]:
    """Every ``[Name] 10:02:33 : words`` line of Zoom's saved captions; each line is a
    turn (a speaker's consecutive captions stay separate turns, as typed lines do), its
    speech after the colon. The time is the clock time Zoom writes, kept as seconds."""
    if "[" not in text:
        return []
    candidates = []
    for match in _CAPTION.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if text[line_start:match.start()].strip():
            continue  # a bracket inside someone's words, not a caption line
        label = " ".join(match.group("label").split())
        if not label or len(label.split()) > MAX_LABEL_WORDS or not label[0].isalpha():
            continue
        candidates.append((match, label))
    counts = Counter(label_key(label) for _, label in candidates)
    return [TurnLine(match.start(), match.end(), label, parse_time(match.group("time")))
            for match, label in candidates if looks_like_name(label) or counts[label_key(label)] >= 2]


def find_name_lines(text: str, *, strict: bool = True) -> list[TurnLine]:
    """Every line that holds only a speaker's name and is followed by words.

    ``strict`` (when guessing the layout): the names must look like names, at most
    ``MAX_NAME_LINE_SPEAKERS`` distinct ones, each at least twice, with no name following
    itself -- headings of a document are many, rarely repeat and never alternate.
    """
    candidates = []
    said_until = len(text.rstrip())
    for line_start in _line_starts(text, _NEXT_NAME_ALONE):
        match = _NAME_ALONE.match(text, line_start)
        if match is None:
            continue
        label = " ".join(match.group("label").split())
        if not label or len(label.split()) > MAX_LABEL_WORDS or not looks_like_name(label):
            continue
        if match.end() >= said_until:
            continue  # nothing said after the last name
        first = match.start() + len(match.group()) - len(match.group().lstrip())
        speech = match.end() + 1 if match.end() < len(text) else match.end()
        candidates.append(TurnLine(first, speech, label, None))
    if not strict:
        return candidates
    keys = [label_key(line.speaker) for line in candidates]
    counts = Counter(keys)
    lines = [line for line, key in zip(candidates, keys) if counts[key] >= 2]
    if len(lines) < MIN_NAME_LINE_TURNS or len({label_key(l.speaker) for l in lines}) > MAX_NAME_LINE_SPEAKERS:
        return []
    if any(label_key(a.speaker) == label_key(b.speaker) for a, b in zip(lines, lines[1:])):
        return []
    if len(lines) < 0.8 * len(candidates):
        return []  # other short capitalised lines (headings) in between: not a transcript
    return lines


def stops(text: str) -> list[int]:
    """Offsets where a turn must end although no one starts speaking: Otter's footer,
    Teams' "started/stopped transcription" lines."""
    if not _TRANSCRI.search(text):
        return []
    return [match.start() for match in _FOOTER.finditer(text)]


def otter_header_end(text: str, first_turn: int) -> int:
    """Where Otter's header block (``SUMMARY KEYWORDS`` / ``SPEAKERS`` and the lines under
    them) ends: the first turn when the preamble has such a heading, else 0 (no header)."""
    return first_turn if _OTTER_HEADER.search(text, 0, first_turn) else 0


def style(text: str, lines: list[TurnLine]) -> str:
    """Which tool wrote a speaker-lines transcript, as far as the text says."""
    if not lines:
        return "name lines"
    if lines[0].time is None:
        return "name lines"
    if "-->" in text[lines[0].line_start:lines[0].speech_start]:
        return "teams (cue lines)"
    if _CAPTION.match(text, lines[0].line_start):
        return "zoom captions"
    if _OTTER_HEADER.search(text, 0, lines[0].line_start) or re.search(r"otter\.ai", text, re.IGNORECASE):
        return "otter"
    if re.search(r"(?:started|stopped) transcription", text, re.IGNORECASE):
        return "teams"
    return "name + time lines"
