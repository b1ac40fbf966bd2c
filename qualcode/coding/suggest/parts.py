"""Scoring a text by its parts as well as whole (multiple-instance scoring).

Why: an open answer often lists several reasons ("the economy//his speeches", "he was
black, and a good speaker"), and each reason carries its own code. Scored whole, the
words of one reason dilute those of the others, so the second and third codes of a
long answer get low confidences. Scored part by part, each reason is seen on its own.
The suggester therefore scores the whole text and each of its parts with the same
model and, per code, averages the whole-text score with the best part's score:
``(1 - w) * whole + w * max(parts)``. A text with a single part keeps its whole score.
The combined score is what the calibration and the decoding are fitted on (out of
fold), so no extra assumption about how parts and wholes relate is needed.

On the ANES training splits (5-fold CV, see ``benchmarks/RESULTS.md``) clause parts
with ``w = 0.5`` raised sample F1 by up to .025 on the small sets and left the large
ones within noise; splitting only at ``//`` gained about half as much.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

PART_SPLITS = {
    # the interviewer's separators between probed answers
    "separators": re.compile(r"/+|\\\\+"),
    # ... and clause boundaries: sentence punctuation followed by a space, "and", a dash
    "clauses": re.compile(r"/+|\\\\+|[.;,!?]+\s|\s+and\s+|\s*-\s+", re.IGNORECASE),
}


def check_split(parts: str | None) -> None:
    """Raise ValueError for an unknown split name (None means: no part scoring)."""
    if parts is not None and parts not in PART_SPLITS:
        raise ValueError(f"parts must be None or one of {tuple(PART_SPLITS)}, got {parts!r}")


def split_parts(text: str, parts: str) -> list[str]:
    """The non-empty, stripped parts of ``text`` under the named split."""
    return [piece.strip() for piece in PART_SPLITS[parts].split(str(text)) if piece.strip()]


def parts_of(texts: Sequence[str], parts: str) -> tuple[np.ndarray, list[str]]:
    """Parts of every text that has at least two: (owner row of each part, part texts)."""
    owners: list[int] = []
    pieces: list[str] = []
    for row, text in enumerate(texts):
        split = split_parts(text, parts)
        if len(split) > 1:
            owners.extend([row] * len(split))
            pieces.extend(split)
    return np.asarray(owners, dtype=np.intp), pieces


def combine(whole: np.ndarray, owners: np.ndarray, part_scores: np.ndarray, weight: float) -> np.ndarray:
    """Per text and code ``(1 - weight) * whole + weight * max over the text's parts``.

    ``owners[i]`` is the row in ``whole`` that part ``i`` belongs to; rows without
    parts keep their whole score.
    """
    if len(owners) == 0 or weight == 0:
        return whole
    best = whole.copy()
    best[np.unique(owners)] = -np.inf
    np.maximum.at(best, owners, part_scores)
    return (1.0 - weight) * whole + weight * best
