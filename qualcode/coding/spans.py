"""Turning what a researcher points at (a quote, or offsets) into a checked span.

Pure functions on a source's text: no database. Offsets are code points, ``[start, end)``.
"""
from __future__ import annotations

import re

from qualcode.errors import CodingError


def check_span(text: str, start: int, end: int, source: str) -> None:
    """Raise ``CodingError`` unless ``0 <= start < end <= len(text)``."""
    if start < 0 or end > len(text) or end <= start:
        raise CodingError(
            f"offsets [{start}, {end}) are not a span of source {source!r} (length {len(text)}); "
            "need 0 <= start < end <= length"
        )


def _preview(quote: str, limit: int = 50) -> str:
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"


def find_quote(text: str, quote: str, source: str, occurrence: int = 1) -> tuple[int, int]:
    """The span of the ``occurrence``-th (1-based) appearance of ``quote`` in ``text``.

    An exact match is tried first. When there is none, runs of white space in the quote
    match any run of white space in the text, and typographic quotes and dashes match
    their plain forms: a passage copied from a Word file or a PDF still finds itself.
    """
    quote = quote.strip()
    if not quote:
        raise CodingError(f"the quote for source {source!r} is empty; give the passage to code")
    if occurrence < 1:
        raise CodingError(f"occurrence must be 1 or more (got {occurrence})")
    spans = _literal_spans(text, quote)
    if not spans:
        pattern = _loose_pattern(quote)
        spans = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    if not spans:
        raise CodingError(
            f"quote not found in source {source!r}: \"{_preview(quote)}\"; check the wording "
            "(copy it from 'qualcode show') or give --start/--end"
        )
    if occurrence > len(spans):
        raise CodingError(
            f"quote \"{_preview(quote)}\" appears {len(spans)} time(s) in source {source!r}; "
            f"--occurrence must be between 1 and {len(spans)}"
        )
    return spans[occurrence - 1]


def _literal_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where ``quote`` appears in ``text``, left to right and not overlapping (what
    ``re.finditer(re.escape(quote), text)`` finds, without compiling a pattern per quote:
    a bulk import looks up thousands of different quotes)."""
    spans, at = [], text.find(quote)
    while at >= 0:
        spans.append((at, at + len(quote)))
        at = text.find(quote, at + len(quote))
    return spans


_EQUIVALENT = {
    "'": "['\u2018\u2019\u02bc]",
    "\u2018": "['\u2018\u2019\u02bc]",
    "\u2019": "['\u2018\u2019\u02bc]",
    '"': '["\u201c\u201d]',
    "\u201c": '["\u201c\u201d]',
    "\u201d": '["\u201c\u201d]',
    "-": "[-\u2013\u2014]",
    "\u2013": "[-\u2013\u2014]",
    "\u2014": "[-\u2013\u2014]",
}


def _loose_pattern(quote: str) -> str:
    parts: list[str] = []
    for token in re.split(r"(\s+)", quote):
        if not token:
            continue
        if token.isspace():
            parts.append(r"\s+")
        else:
            parts.append("".join(_EQUIVALENT.get(ch, re.escape(ch)) for ch in token))
    return "".join(parts)
