"""Candidate units of any text: paragraphs (blank-line blocks) and sentences (spaCy).

Autocoding and agreement work on units -- a sentence, a paragraph, a speaker turn, an
answer -- so the same boundaries must come out wherever they are asked for. All spans are
``(start, end)`` code-point offsets into the text, ``[start, end)``, trimmed of white
space at both ends, so ``text[start:end]`` is exactly the unit a person would select.

Sentences never cross a unit boundary: they are found inside given units (turns, answers,
paragraphs by default). A sentence that spaCy's rule-based sentencizer would run across
two speaker turns -- common in speech, which often has no final full stop -- is cut where
the turn ends. The document is still tokenised once (one ``Doc`` per text, many texts
through ``nlp.pipe``) because that is where the time goes.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator, Sequence

Span = tuple[int, int]

# A block of consecutive lines that each hold something other than white space.
_BLOCK = re.compile(r"(?m)^[^\S\n]*(\S.*(?:\n[^\S\n]*\S.*)*)")
# Components of qualcode.nlp.get_nlp() that sentences do not need.
_NOT_FOR_SENTENCES = ("lemmatizer", "ner", "tagger", "attribute_ruler", "tok2vec", "transformer")


def paragraphs(text: str) -> list[Span]:
    """Blocks of text separated by blank (or white-space-only) lines."""
    spans: list[Span] = []
    for match in _BLOCK.finditer(text):
        start = match.start(1)
        end = start + len(match.group(1).rstrip())
        spans.append((start, end))
    return spans


def trim(text: str, start: int, end: int) -> Span | None:
    """``(start, end)`` shrunk to exclude white space at both ends; None when empty."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def sentences(text: str, within: Sequence[Span] | None = None) -> list[Span]:
    """Sentence spans of ``text``, found inside ``within`` (default: its paragraphs)."""
    return next(sentences_many([text], [within] if within is not None else None))


def sentences_by_unit(text: str, units: Sequence[Span]) -> list[list[Span]]:
    """For each unit (turn, answer, paragraph...), the sentences inside it, in order.

    The caller keeps the unit's speaker or question for each sentence; units may be in
    any order but must not overlap.
    """
    flat = sentences(text, units)
    order = sorted(range(len(units)), key=lambda i: units[i][0])
    starts = [units[i][0] for i in order]
    result: list[list[Span]] = [[] for _ in units]
    for span in flat:
        position = bisect_right(starts, span[0]) - 1
        result[order[position]].append(span)
    return result


def sentences_many(
    texts: Iterable[str],
    within: Iterable[Sequence[Span] | None] | None = None,
    batch_size: int = 32,
) -> Iterator[list[Span]]:
    """Sentence spans for many texts, streamed through ``nlp.pipe``.

    ``within`` gives, per text, the units to split (None for that text's paragraphs).
    Yields one list per text, in order; memory holds one batch of Docs at a time.
    """
    from qualcode.nlp import get_nlp  # spaCy loads only when sentences are asked for

    nlp = get_nlp()
    disable = [name for name in nlp.pipe_names if name in _NOT_FOR_SENTENCES]
    units_iter: Iterator[Sequence[Span] | None] = iter(within) if within is not None else _nones()

    # nlp.pipe reads ahead by a batch; the queue pairs each Doc with its text and units.
    pending: deque[tuple[str, Sequence[Span] | None]] = deque()

    def feed() -> Iterator[str]:
        for text in texts:
            pending.append((text, next(units_iter)))
            yield text

    for doc in nlp.pipe(feed(), batch_size=batch_size, disable=disable):
        text, units = pending.popleft()
        if units is None:
            units = paragraphs(text)
        yield _clip(text, [(s.start_char, s.end_char) for s in doc.sents], units)


def _nones() -> Iterator[None]:
    while True:
        yield None


def _clip(text: str, sents: list[Span], units: Sequence[Span]) -> list[Span]:
    """Intersect spaCy's sentences with the units, trim white space, drop empties."""
    result: list[Span] = []
    if not units:
        return result
    ordered = sorted(units)
    sent_index = 0
    n_sents = len(sents)
    for unit_start, unit_end in ordered:
        # skip sentences that end before this unit
        while sent_index < n_sents and sents[sent_index][1] <= unit_start:
            sent_index += 1
        j = sent_index
        while j < n_sents and sents[j][0] < unit_end:
            span = trim(text, max(sents[j][0], unit_start), min(sents[j][1], unit_end))
            if span is not None:
                result.append(span)
            j += 1
        # keep sent_index: the last sentence may continue into the next unit
    return result
