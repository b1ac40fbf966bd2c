"""Transcription marks: ``[laughs]``, ``(inaudible 00:12:03)``, ``[crosstalk]``, ``[00:04:10]``.

Transcribers (people, Rev, Trint, Descript, Otter) write what is not speech inside
brackets. The marks stay in a source's stored text -- offsets must match the file the
researcher has -- but they are not words anyone said: word counts, rule and search
matches and quotes leave them out. This module is the one place that says what a mark
is, so all of those agree.

A mark is a bracketed stretch whose first word is one of ``MARK_WORDS`` (``[laughs]``,
``(inaudible 00:12:03)``, ``[CROSSTALK]``, ``[long pause]``), or a bracketed time stamp
(``[00:12:03]``, ``(12:03)``), or ``[?]`` / ``[...]``. Other bracketed text --
``[the board]``, ``(see below)`` -- is a transcriber's clarification or the speaker's own
aside and stays words.
"""
from __future__ import annotations

import re

__all__ = ["MARK_WORDS", "PAREN_MARK_WORDS", "MARK", "find_marks", "blank_marks", "strip_marks", "only_marks"]

#: First words of a mark in parentheses (lower case): words that in running speech would
#: hardly open an aside, so ``(laughs)`` goes and ``(long story)`` stays.
PAREN_MARK_WORDS = frozenset({
    "laughs", "laughing", "laughter", "chuckles", "chuckling", "giggles", "crosstalk", "cross-talk",
    "overtalk", "inaudible", "unintelligible", "indiscernible", "incomprehensible", "pause", "pauses",
    "silence", "coughs", "coughing", "sighs", "sighing", "applause", "redacted",
})
#: First words of a mark in square brackets, which transcribers use for nothing else but
#: marks and clarifications. Extend with care: a word here makes ``[word ...]`` vanish from
#: counts, matches and quotes.
MARK_WORDS = PAREN_MARK_WORDS | frozenset({
    "laugh", "laughed", "chuckle", "overlapping", "interruption", "interrupts", "unclear", "long", "short",
    "music", "noise", "background", "cough", "sigh", "clears", "phone", "doorbell", "audio", "break",
    "recording", "name", "foreign", "speaking", "gestures", "nods", "smiles", "groans", "whispers", "sniffs",
    "clapping", "beep", "static", "silent", "technical", "connection", "video", "end",
})
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"


def _alternatives(words: frozenset[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


#: One transcription mark; no nesting, at most 60 characters inside, one line.
MARK = re.compile(
    rf"""\[(?:(?:{_alternatives(MARK_WORDS)})\b[^\[\]\n]{{0,60}}|\s*{_TIME}\s*|\?+|\.\.\.|\u2026)\]
       |\((?:(?:{_alternatives(PAREN_MARK_WORDS)})\b[^()\n]{{0,60}}|\s*{_TIME}\s*)\)""",
    re.IGNORECASE | re.VERBOSE,
)
_SPACES = re.compile(r"[^\S\n]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[^\S\n]+([,.;:!?])")


def find_marks(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` code-point spans of the marks in ``text``, in order."""
    return [match.span() for match in MARK.finditer(text)]


def blank_marks(text: str) -> str:
    """``text`` with each mark replaced by spaces of the same length: offsets stay true, so
    a rule or a search matches on the result and reports positions in the original."""
    return MARK.sub(lambda match: " " * len(match.group()), text)


def strip_marks(text: str) -> str:
    """``text`` without its marks, for counting words and printing quotes:
    ``"Well [laughs] I think , yes"`` -> ``"Well I think, yes"`` (runs of spaces closed,
    no space left before punctuation). Line breaks are kept."""
    if "[" not in text and "(" not in text:
        return text
    stripped = MARK.sub(" ", text)
    stripped = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", stripped))
    return stripped.strip()


def only_marks(text: str) -> bool:
    """True when ``text`` holds marks and nothing else (``"[crosstalk]"``, ``"(laughs) ..."``):
    such a unit is not a quote and has nothing to code."""
    return bool(MARK.search(text)) and not any(ch.isalnum() for ch in MARK.sub("", text))
