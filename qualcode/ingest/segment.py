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
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

Span = tuple[int, int]

# One or more blank (white-space-only) lines; starting with a literal newline lets the
# regex engine jump from newline to newline instead of trying every position.
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")
# One to_array call a Doc (each call walks every token): the columns used below. The spaCy
# attribute ids (and numpy) are imported in ``sentences_many``: paragraphs and trimming are
# regular expressions and must not load spaCy.
_ORTH, _IS_PUNCT, _IS_SPACE, _IDX, _LENGTH, _SENT_START = range(6)
# Components of a trained pipeline that sentences do not need.
_NOT_FOR_SENTENCES = ("lemmatizer", "ner", "tagger", "attribute_ruler", "tok2vec", "transformer")


def paragraphs(text: str) -> list[Span]:
    """Blocks of text separated by blank (or white-space-only) lines."""
    spans: list[Span] = []
    position = 0
    for gap in _BLANK_LINES.finditer(text):
        _add_trimmed(text, position, gap.start(), spans)
        position = gap.end()
    _add_trimmed(text, position, len(text), spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    span = trim(text, start, end)
    if span is not None:
        spans.append(span)


def trim(text: str, start: int, end: int) -> Span | None:
    """``(start, end)`` shrunk to exclude white space at both ends; None when empty."""
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    start += len(piece) - len(piece.lstrip())
    return start, start + len(stripped)


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

    With the default pipeline (``get_nlp()``: rule-based sentencizer) only the tokenizer
    runs, and the sentencizer's own rule -- a sentence ends after a token in its
    ``punct_chars``, once the punctuation run is over -- is applied to the token arrays:
    the same boundaries (tested against the component), without building a Python
    ``Token`` per word, which is most of the component's cost. A trained pipeline's
    parser or senter runs as itself.
    """
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH, SENT_START

    from qualcode.nlp import get_nlp  # the pipeline is built only when sentences are asked for

    attrs = [ORTH, IS_PUNCT, IS_SPACE, IDX, LENGTH, SENT_START]
    nlp = get_nlp()
    punct: np.ndarray | None = None
    if "sentencizer" in nlp.pipe_names:
        chars = nlp.get_pipe("sentencizer").punct_chars
        punct = np.array(sorted(nlp.vocab.strings.add(c) for c in chars), dtype=np.uint64)
        disable = list(nlp.pipe_names)
    else:
        disable = [name for name in nlp.pipe_names if name in _NOT_FOR_SENTENCES]
    units_iter: Iterator[Sequence[Span] | None] = iter(within) if within is not None else _nones()
    # nlp.pipe reads ahead by a batch; the queue pairs each Doc with its text, units and
    # where its piece starts in the text.
    pending: deque[tuple[str, Sequence[Span], int, bool]] = deque()
    by_piece = punct is not None  # a trained parser or senter reads whole texts

    def feed() -> Iterator[str]:
        for text in texts:
            units = next(units_iter)
            if units is None:
                units = paragraphs(text)
            cuts = _cuts(text, units) if by_piece and units else [0]
            for i, start in enumerate(cuts):
                end = cuts[i + 1] if i + 1 < len(cuts) else len(text)
                pending.append((text, units, start, i + 1 == len(cuts)))
                yield text[start:end]

    arrays: list[np.ndarray] = []
    for doc in nlp.pipe(feed(), batch_size=batch_size, disable=disable):
        text, units, offset, last = pending.popleft()
        if len(doc):
            arr = doc.to_array(attrs).astype(np.int64, copy=False)
            if offset:
                arr[:, _IDX] += offset
            arrays.append(arr)
        if not last:
            continue
        arr = arrays[0] if len(arrays) == 1 else np.concatenate(arrays) if arrays else None
        arrays = []
        if arr is None or not units:
            yield []
            continue
        starts = _rule_starts(arr, punct) if punct is not None else arr[:, _SENT_START] == 1
        yield _clip(arr, starts, units)


#: Pieces of a long text are at least this many characters (a Doc costs some overhead).
PIECE_CHARS = 2000


def _cuts(text: str, units: Sequence[Span]) -> list[int]:
    """Where to cut ``text`` into pieces tokenized as Docs of their own: 0 and the unit
    starts that follow white space, at least ``PIECE_CHARS`` apart.

    The tokenizer splits at white space before any rule, so the pieces' tokens are the
    text's tokens, and sentences are cut at unit starts anyway, so the sentencizer rule
    gives the same spans. It is faster: spaCy's tokenizer stops caching a Doc's chunks
    after the first special case in it ("2pm", "don't"), so one long Doc -- a whole
    transcript -- tokenizes most of its words afresh, while a turn at a time keeps the
    cache working (2-3x on Otter transcripts, whose header has such a case near the top).
    """
    cuts = [0]
    if len(text) < 2 * PIECE_CHARS:
        return cuts
    for start, _ in sorted(units):
        if start >= cuts[-1] + PIECE_CHARS and text[start - 1].isspace():
            cuts.append(start)
    return cuts


def _nones() -> Iterator[None]:
    while True:
        yield None


def _rule_starts(arr: np.ndarray, punct: np.ndarray) -> np.ndarray:
    """Sentence-start flags by spaCy's Sentencizer rule, on arrays.

    The component walks the tokens: a token in ``punct_chars`` sets ``seen_period``; the
    next token that is neither punctuation nor in ``punct_chars`` starts a sentence. So a
    "word" token starts a sentence exactly when a ``punct_chars`` token lies between it
    and the previous word token.
    """
    import numpy as np

    orth = arr[:, _ORTH].view(np.uint64)  # hashes: compare as unsigned
    at = np.minimum(np.searchsorted(punct, orth), len(punct) - 1)
    is_stop_char = punct[at] == orth
    word = ~is_stop_char & (arr[:, _IS_PUNCT] == 0)
    seen = np.cumsum(is_stop_char)
    words = np.flatnonzero(word)
    starts = np.zeros(len(arr), dtype=bool)
    if len(words):
        since_previous = np.diff(seen[words], prepend=0)
        starts[words[since_previous > 0]] = True
    starts[0] = True
    return starts


def _clip(arr: np.ndarray, starts: np.ndarray, units: Sequence[Span]) -> list[Span]:
    """Pieces of sentences inside units: runs of non-space tokens with one sentence and
    one unit; ends clipped to the unit. Units must not overlap; a token belongs to the
    unit its first character is in (turns, answers and paragraphs start on a token)."""
    import numpy as np

    token_start = arr[:, _IDX]
    token_end = token_start + arr[:, _LENGTH]
    ordered = sorted(units)
    unit_start = np.array([u[0] for u in ordered], dtype=np.int64)
    unit_end = np.array([u[1] for u in ordered], dtype=np.int64)
    unit = np.searchsorted(unit_start, token_start, side="right") - 1
    inside = (unit >= 0) & (arr[:, _IS_SPACE] == 0)
    inside &= token_start < unit_end[np.maximum(unit, 0)]
    keep = np.flatnonzero(inside)
    if not len(keep):
        return []
    sentence = np.cumsum(starts)[keep]
    unit = unit[keep]
    new = np.ones(len(keep), dtype=bool)
    new[1:] = (sentence[1:] != sentence[:-1]) | (unit[1:] != unit[:-1])
    first_at = np.flatnonzero(new)
    last_at = np.append(first_at[1:] - 1, len(keep) - 1)
    span_start = np.maximum(token_start[keep[first_at]], unit_start[unit[first_at]])
    span_end = np.minimum(token_end[keep[last_at]], unit_end[unit[last_at]])
    return list(zip(span_start.tolist(), span_end.tolist()))
