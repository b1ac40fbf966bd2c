"""What a project's codings say about each unit: the training labels of the code suggester.

A person codes excerpts of any length; the suggester learns from and proposes codes for
*units* (sentences, paragraphs, turns, answers). This module turns one into the other,
on plain DataFrames (no SQL), so the rules can be tested on hand-made frames:

* an excerpt **marks** a unit when it covers at least half of the unit's characters, or
  when the whole excerpt lies inside the unit (a short quote inside a long turn). Half,
  not "any overlap": an excerpt that runs one word into the next sentence must not make
  that sentence a positive example;
* a unit is **positive** for a code when an applied coding of the code marks it;
* it is a **known negative** when a person read its source (the source carries a
  person's applied coding) and did not apply the code -- provided that person uses
  the code at all: a coder who only tags answers by question says nothing about the
  themes in them -- and a *weighted* known negative
  when a suggestion of the code on it was rejected -- a person's explicit "no" counts
  more than silence;
* anything else is **unknown** (-1): units of sources nobody coded are not evidence that
  the codes are absent, so they are left out of training rather than taught as negatives.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

POSITIVE, NEGATIVE, UNKNOWN = 1, 0, -1
MIN_SHARE = 0.5
PAIR_COLUMNS = ["unit", "span", "overlap", "inside"]


def overlaps(units: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """Every (unit, span) pair that shares at least one character.

    ``units`` and ``spans`` have ``source_id``, ``start``, ``end``. Returns positions
    (``unit``, ``span``: row numbers, not index labels), the ``overlap`` in characters
    and whether the span lies ``inside`` the unit. Units of one kind never overlap one
    another, so a binary search on one line of all sources finds each span's units in
    O((n + m) log n); overlapping units fall back to a join per source.
    """
    if units.empty or spans.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "inside" else bool) for c in PAIR_COLUMNS})
    u_src, u_start, u_end = (units[c].to_numpy(dtype="int64") for c in ("source_id", "start", "end"))
    s_src, s_start, s_end = (spans[c].to_numpy(dtype="int64") for c in ("source_id", "start", "end"))
    _, source_rank = np.unique(np.concatenate([u_src, s_src]), return_inverse=True)
    stride = int(max(u_end.max(), s_end.max())) + 1
    u_line = source_rank[: len(u_src)] * stride
    s_line = source_rank[len(u_src):] * stride
    order = np.lexsort((u_start, u_line))
    starts, ends = u_line[order] + u_start[order], u_line[order] + u_end[order]
    if np.all(np.diff(ends) >= 0):
        first = np.searchsorted(ends, s_line + s_start, side="right")  # first unit ending after the span starts
        stop = np.searchsorted(starts, s_line + s_end, side="left")  # units starting before the span ends
        count = np.maximum(stop - first, 0)
        span = np.repeat(np.arange(len(s_src)), count)
        within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        unit = order[np.repeat(first, count) + within]
    else:
        left = pd.DataFrame({"unit": np.arange(len(u_src)), "source_id": u_src})
        right = pd.DataFrame({"span": np.arange(len(s_src)), "source_id": s_src})
        pairs = left.merge(right, on="source_id")
        unit, span = pairs["unit"].to_numpy(), pairs["span"].to_numpy()
    overlap = np.minimum(u_end[unit], s_end[span]) - np.maximum(u_start[unit], s_start[span])
    inside = (s_start[span] >= u_start[unit]) & (s_end[span] <= u_end[unit])
    keep = overlap > 0
    return pd.DataFrame({"unit": unit[keep], "span": span[keep], "overlap": overlap[keep], "inside": inside[keep]})


def marked(units: pd.DataFrame, spans: pd.DataFrame, min_share: float = MIN_SHARE) -> pd.DataFrame:
    """The (unit, span) pairs where the span counts for the unit (see the module docstring)."""
    pairs = overlaps(units, spans)
    if pairs.empty:
        return pairs
    length = units["end"].to_numpy(dtype="int64") - units["start"].to_numpy(dtype="int64")
    counts = (pairs["overlap"].to_numpy() >= min_share * length[pairs["unit"].to_numpy()]) | pairs["inside"].to_numpy()
    return pairs[counts].reset_index(drop=True)


def unit_code_pairs(units: pd.DataFrame, spans: pd.DataFrame, min_share: float = MIN_SHARE) -> pd.DataFrame:
    """Unique (``unit`` position, ``code``) pairs marked by ``spans``, which carry a ``code`` column."""
    pairs = marked(units, spans, min_share)
    if pairs.empty:
        return pd.DataFrame({"unit": pd.Series(dtype="int64"), "code": pd.Series(dtype=object)})
    codes = spans["code"].to_numpy(dtype=object)[pairs["span"].to_numpy()]
    return pd.DataFrame({"unit": pairs["unit"].to_numpy(), "code": codes}).drop_duplicates().reset_index(drop=True)


def unit_labels(
    units: pd.DataFrame,
    codes: Sequence[str],
    applied: pd.DataFrame,
    rejected: pd.DataFrame | None = None,
    read_sources: Iterable[int] | Mapping[int, Collection[str] | None] = (),
    rejected_weight: float = 2.0,
    min_share: float = MIN_SHARE,
) -> tuple[np.ndarray, np.ndarray]:
    """The 1/0/-1 matrix (units x codes) and its per-entry weights.

    ``applied`` and ``rejected`` are spans with ``source_id, start, end, code``.
    ``read_sources`` names the sources a person coded, whose unmarked units are known
    negatives: a collection of source ids (negatives for every code), or a mapping from
    source id to the codes it was read for (``None``: every code). Positive and plain
    negative entries weigh 1, rejected ones ``rejected_weight``; an applied coding wins
    over a rejected suggestion of the same code on the same unit.
    """
    position = {code: j for j, code in enumerate(codes)}
    Y = np.full((len(units), len(position)), UNKNOWN, dtype=np.int8)
    W = np.ones(Y.shape)
    Y[_read_mask(units, position, read_sources)] = NEGATIVE
    for spans, label, weight in ((rejected, NEGATIVE, rejected_weight), (applied, POSITIVE, 1.0)):
        if spans is None or spans.empty:
            continue
        pairs = unit_code_pairs(units, spans[spans["code"].isin(list(position))], min_share)
        if pairs.empty:
            continue
        rows = pairs["unit"].to_numpy()
        cols = pairs["code"].map(position).to_numpy(dtype="int64")
        Y[rows, cols] = label
        W[rows, cols] = weight
    return Y, W


def _read_mask(units: pd.DataFrame, position: Mapping[str, int],
               read_sources: Iterable[int] | Mapping[int, Collection[str] | None]) -> np.ndarray:
    """Units x codes: True where a person read the unit's source for that code."""
    if not isinstance(read_sources, Mapping):
        read_sources = {int(s): None for s in read_sources}
    sources = list(read_sources)
    table = np.zeros((len(sources) + 1, len(position)), dtype=bool)  # the last row: sources nobody read
    for i, source in enumerate(sources):
        wanted = read_sources[source]
        if wanted is None:
            table[i, :] = True
        else:
            table[i, [position[c] for c in wanted if c in position]] = True
    row_of = {source: i for i, source in enumerate(sources)}
    rows = units["source_id"].map(lambda s: row_of.get(int(s), len(sources))).to_numpy(dtype="int64")
    return table[rows]
