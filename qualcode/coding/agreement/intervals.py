"""Vectorised interval arithmetic for comparing coders' spans.

Why a module of its own: segment-level and character-level agreement both reduce to
questions about half-open ``[start, end)`` spans -- which units does an application
overlap, how much of a unit do a coder's spans cover together, which stretches of text
did which coders mark. Answering them with per-character or per-pair Python loops is
hopeless at 10**5-10**6 excerpts, so everything here is sorting, ``searchsorted``,
running maxima and cumulative sums over whole arrays.
"""
from __future__ import annotations

import numpy as np


def sort_by_group(group: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Order that sorts by (group, position): one argsort of a combined int64 key when it
    fits (several times faster than ``np.lexsort``), lexsort otherwise."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = int(position.min()), int(position.max())
    width = hi - lo + 1
    if lo >= 0 and int(group.max()) < (2**62) // width:
        return np.argsort(group * width + (position - lo), kind="stable")
    return np.lexsort((position, group))


def overlap_pairs(
    span_start: np.ndarray,
    span_end: np.ndarray,
    unit_start: np.ndarray,
    unit_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (span, unit) pairs that share at least one position, with the shared length.

    Coordinates must already separate sources (e.g. ``offset[source] + offset_in_text``).
    Units may overlap or nest: candidates are the units after the last one whose
    running-maximum end is <= the span start, and before the first starting at or after
    the span end; candidates that do not actually overlap are dropped.
    Returns (span_index, unit_index, overlap_length), indices into the inputs.
    """
    span_start = np.asarray(span_start, dtype=np.int64)
    span_end = np.asarray(span_end, dtype=np.int64)
    order = np.argsort(unit_start, kind="stable")
    us = np.asarray(unit_start, dtype=np.int64)[order]
    ue = np.asarray(unit_end, dtype=np.int64)[order]
    if len(us) == 0 or len(span_start) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    running_end = np.maximum.accumulate(ue)
    lo = np.searchsorted(running_end, span_start, side="right")
    hi = np.searchsorted(us, span_end, side="left")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    span_idx = np.repeat(np.arange(len(span_start)), counts)
    first = np.repeat(lo, counts)
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    sorted_unit = first + within
    shared = np.minimum(span_end[span_idx], ue[sorted_unit]) - np.maximum(span_start[span_idx], us[sorted_unit])
    keep = shared > 0
    return span_idx[keep], order[sorted_unit[keep]], shared[keep]


def union_length(group: np.ndarray, start: np.ndarray, end: np.ndarray, n_groups: int) -> np.ndarray:
    """Length of the union of the spans in each group (overlaps counted once).

    Spans are sorted by (group, start); each span adds what reaches beyond the running
    maximum end of the earlier spans of its group. Groups are kept apart by shifting
    each group by ``group * (max_end + 1)``, so one global running maximum suffices.
    Coordinates must be non-negative.
    """
    group = np.asarray(group, dtype=np.int64)
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    if len(group) == 0:
        return np.zeros(n_groups)
    width = int(end.max()) + 1
    order = sort_by_group(group, start)
    g, s, e = group[order], start[order] + group[order] * width, end[order] + group[order] * width
    previous = np.concatenate(([np.iinfo(np.int64).min], np.maximum.accumulate(e)[:-1]))
    gain = np.clip(e - np.maximum(s, previous), 0, None)
    return np.bincount(g, weights=gain, minlength=n_groups)


def sweep_states(
    group: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    coder: np.ndarray,
    n_coders: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut each group's line into stretches where the set of coders covering it is constant.

    Every span adds +1 at its start and -1 at its end to its coder's depth counter; a
    cumulative sum over the events sorted by (group, position) gives each coder's depth
    after every event (each group nets to zero, so one global cumsum is exact). The
    coder set (bit mask of coders with depth > 0) holds until the next event of the same
    group. Overlapping spans of one coder are thus counted once.
    Returns (group, seg_start, seg_end, mask) for stretches of positive length and
    non-empty mask.
    """
    group = np.asarray(group, dtype=np.int64)
    n = len(group)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    g = np.concatenate((group, group))
    pos = np.concatenate((np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)))
    who = np.concatenate((coder, coder)).astype(np.int64)
    delta = np.concatenate((np.ones(n, dtype=np.int32), -np.ones(n, dtype=np.int32)))
    order = sort_by_group(g, pos)
    g, pos, who, delta = g[order], pos[order], who[order], delta[order]
    mask = np.zeros(len(g), dtype=np.int64)
    for c in range(n_coders):
        depth = np.cumsum(np.where(who == c, delta, 0))
        mask |= (depth > 0).astype(np.int64) << c
    seg_end = np.concatenate((pos[1:], pos[-1:]))
    same_group = np.concatenate((g[1:] == g[:-1], [False]))
    length = np.where(same_group, seg_end - pos, 0)
    keep = (length > 0) & (mask != 0)
    return g[keep], pos[keep], seg_end[keep], mask[keep]


def merge_runs(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Join consecutive stretches of one group that touch and carry the same mask.

    Input must be sorted by (group, start), as :func:`sweep_states` returns it.
    """
    if len(group) == 0:
        return group, start, end, mask
    new_run = np.ones(len(group), dtype=bool)
    new_run[1:] = (group[1:] != group[:-1]) | (mask[1:] != mask[:-1]) | (start[1:] != end[:-1])
    first = np.flatnonzero(new_run)
    last = np.concatenate((first[1:], [len(group)])) - 1
    return group[first], start[first], end[last], mask[first]
