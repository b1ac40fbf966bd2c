"""Character-level comparison: every character of the compared sources is a unit.

This is the finest unitisation (NVivo's coding comparison works this way): coders who
drew different spans around the same passage agree on the characters they share and
disagree on the rest. It is computed with interval arithmetic -- a sweep over span
boundaries per (code, source) -- so cost grows with the number of applications, never
with the number of characters.

What counts as the text: each compared source contributes its characters
``[0, length)``. The length comes from ``source_lengths`` (id -> length), else from
``source_texts`` (id -> text), else -- as a fallback -- from the furthest ``end`` of
any application in that source. The fallback leaves out uncoded text after the last
coding, which lowers the "neither" count and so kappa and alpha; pass real lengths
for exact figures.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from qualcode.coding.agreement.intervals import merge_runs, sweep_states
from qualcode.coding.agreement.stats import StateCounts
from qualcode.coding.agreement.units import code_positions, comparable, resolve_codes
from qualcode.errors import CodingError


@dataclass(frozen=True)
class CharComparison:
    """Character counts per (code, avail, present) plus the disputed stretches.

    ``sources``: compared sources -- ``source_id, length, avail``.
    ``spans``: maximal stretches where coders differ -- ``source_id, start, end,
    code_pos, present, avail`` (bit masks as in :class:`StateCounts`).
    """

    coders: tuple[str, ...]
    codes: tuple[str, ...]
    counts: StateCounts
    sources: pd.DataFrame
    spans: pd.DataFrame


def source_lengths_for(
    apps: pd.DataFrame,
    source_ids: np.ndarray,
    source_lengths: Mapping[int, int] | pd.Series | None = None,
    source_texts: Mapping[int, str] | pd.Series | None = None,
) -> pd.Series:
    """Length in code points of each compared source (see the module docstring for the order)."""
    fallback = apps.groupby("source_id")["end"].max()
    given = pd.Series(dtype="float64")
    if source_lengths is not None:
        given = pd.Series(source_lengths, dtype="float64")
    elif source_texts is not None:
        given = pd.Series({k: len(v) for k, v in dict(source_texts).items()}, dtype="float64")
    lengths = given.reindex(source_ids).fillna(fallback.reindex(source_ids)).fillna(0).astype(np.int64)
    too_long = apps.merge(lengths.rename("length"), left_on="source_id", right_index=True)
    too_long = too_long[too_long["end"] > too_long["length"]]
    if len(too_long):
        row = too_long.iloc[0]
        raise CodingError(
            f"an application of {row['code']!r} by {row['coder']} ends at {row['end']} but source "
            f"{row['source_id']} has {row['length']} characters; check source_lengths or the offsets"
        )
    return lengths.rename_axis("source_id")


def char_comparison(
    apps: pd.DataFrame,
    coders: tuple[str, ...],
    coverage: pd.Series,
    *,
    codes: Sequence[str] | None = None,
    require_all: bool = True,
    source_lengths: Mapping[int, int] | pd.Series | None = None,
    source_texts: Mapping[int, str] | pd.Series | None = None,
) -> CharComparison:
    """Compare coders character by character over the sources they coded."""
    m = len(coders)
    states = 1 << m
    cov = coverage[comparable(coverage.to_numpy(np.int64), m, require_all)]
    src_ids = np.sort(cov.index.to_numpy(np.int64))
    avail_src = cov.reindex(src_ids).to_numpy(np.int64)
    in_scope = apps[apps["source_id"].isin(src_ids)]
    lengths = source_lengths_for(in_scope, src_ids, source_lengths, source_texts)
    sources = pd.DataFrame({"source_id": src_ids, "length": lengths.to_numpy(np.int64), "avail": avail_src})

    chosen = resolve_codes(pd.unique(in_scope["code"]), codes)
    code_pos = code_positions(in_scope["code"], chosen)
    src_pos = np.searchsorted(src_ids, in_scope["source_id"].to_numpy(np.int64))
    coder_pos = in_scope["coder_pos"].to_numpy(np.int64)
    keep = (code_pos >= 0) & (((avail_src[src_pos] >> coder_pos) & 1) == 1)
    n_src = len(src_ids)
    group = code_pos[keep] * n_src + src_pos[keep]
    g, seg_start, seg_end, present = sweep_states(
        group, in_scope["start"].to_numpy(np.int64)[keep], in_scope["end"].to_numpy(np.int64)[keep],
        coder_pos[keep], m,
    )
    seg_code, seg_src = g // max(n_src, 1), g % max(n_src, 1)
    seg_avail = avail_src[seg_src]
    length = (seg_end - seg_start).astype(float)

    # covered stretches, then the uncovered rest of each (code, avail pattern) as present = 0
    key = (seg_code * states + seg_avail) * states + present
    uniq, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse, weights=length, minlength=len(uniq))
    k_code, k_avail, k_present = uniq // (states * states), (uniq // states) % states, uniq % states
    patterns, pattern_of_src = np.unique(avail_src, return_inverse=True)
    per_pattern = np.bincount(pattern_of_src, weights=sources["length"].to_numpy(float), minlength=len(patterns))
    covered = np.bincount(k_code * len(patterns) + np.searchsorted(patterns, k_avail), weights=sums,
                          minlength=len(chosen) * len(patterns)).reshape(len(chosen), len(patterns))
    rest = per_pattern[None, :] - covered
    zc, zp = np.nonzero(rest > 0)
    counts = StateCounts(
        codes=chosen, coders=coders,
        code=np.concatenate((k_code, zc)).astype(np.int64),
        avail=np.concatenate((k_avail, patterns[zp])).astype(np.int64),
        present=np.concatenate((k_present, np.zeros(len(zc), dtype=np.int64))),
        n=np.concatenate((sums, rest[zc, zp])),
    )

    disputed = present != seg_avail
    dg, ds, de, dm = merge_runs(g[disputed], seg_start[disputed], seg_end[disputed], present[disputed])
    spans = pd.DataFrame({
        "source_id": src_ids[dg % max(n_src, 1)] if len(dg) else np.zeros(0, dtype=np.int64),
        "start": ds, "end": de,
        "code_pos": dg // max(n_src, 1),
        "present": dm,
        "avail": avail_src[dg % max(n_src, 1)] if len(dg) else np.zeros(0, dtype=np.int64),
    })
    return CharComparison(coders, chosen, counts, sources, spans)
