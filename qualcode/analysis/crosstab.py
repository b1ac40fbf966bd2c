"""Code x descriptor (and descriptor x descriptor x code) cross-tabulations.

Answers "do CEOs raise governance more than mentors?" in the three ways Dedoose shows
it: raw counts, % of the cases in each group, and counts normalised to the largest
group (``count * largest group size / group size``) so unequal groups compare fairly.
Groups come from case descriptors (``role``, ``mode``) or from excerpt-level columns of
the applications frame (``wave``, ``kind``); the latter win on a name clash because a
source's wave is more specific than a case's.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import (
    attach_fields,
    base_cases,
    counts_by_unit,
    incidence,
    unit_matrix,
)
from qualcode.errors import UsageError

__all__ = ["code_by_descriptor", "to_wide", "group_index"]


def group_index(frame: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number of each row (-1 when any ``by`` value is missing) and the groups.

    Groups are sorted by their values; the second item has one row per group with the
    ``by`` columns, RangeIndex = group number.
    """
    if len(frame) == 0:
        return np.zeros(0, dtype=np.int64), pd.DataFrame(columns=by)
    keys = frame[by].reset_index(drop=True)
    missing = keys.isna().any(axis=1).to_numpy()
    ok = keys[~missing]
    groups = ok.drop_duplicates().sort_values(by, kind="stable").reset_index(drop=True)
    idx = np.full(len(keys), -1, dtype=np.int64)
    if len(groups):
        lookup = pd.MultiIndex.from_frame(groups.astype(object))
        idx[~missing] = lookup.get_indexer(pd.MultiIndex.from_frame(ok.astype(object)))
    return idx, groups


def _base_units(apps_units: pd.DataFrame, base: object, descriptors: pd.DataFrame | None,
                by: list[str]) -> pd.DataFrame:
    """Distinct (case, group values) pairs that form each group's denominator."""
    if base is None:
        frame = apps_units
    elif isinstance(base, pd.DataFrame):
        frame = attach_fields(base, descriptors, by)
    else:
        names = sorted(base_cases(apps_units, base))
        frame = pd.DataFrame({"case": names})
        per_excerpt = [f for f in by if descriptors is None or f not in descriptors.columns]
        if per_excerpt:
            raise UsageError(f"field {per_excerpt[0]!r} is per source; pass base as a frame with 'case' and "
                             f"{per_excerpt[0]!r} columns (e.g. project.excerpts())")
        frame = attach_fields(frame, descriptors, by)
    return frame[["case", *by]].dropna().drop_duplicates()


def code_by_descriptor(apps: pd.DataFrame, by: str | Sequence[str], descriptors: pd.DataFrame | None = None,
                       codebook: pd.DataFrame | None = None, *, base: object = None,
                       child_sum: bool = False) -> pd.DataFrame:
    """Per code and group: excerpts, cases, % of the group's cases, normalised counts.

    ``by`` is one field or a list (descriptor x descriptor x code). Each field is a
    column of ``apps`` (``wave``, ``kind``, ``source``) or of ``descriptors`` (one row
    per case). Excerpts with a missing group value are left out.

    The group size ``group_cases`` is the number of cases in the group: by default those
    with an application in ``apps``; pass ``base`` (a frame with ``case`` and the
    per-source ``by`` fields, e.g. ``project.excerpts()``; or a list of case names when
    every field is a case descriptor) to count cases with material but no codings. A
    case whose sources have different waves counts once in each wave.

    Columns: ``code, name, depth, top``, the ``by`` fields, ``excerpts``, ``cases``,
    ``group_cases``, ``pct_cases`` (100 * cases / group_cases), ``excerpts_normalised``
    and ``cases_normalised`` (count * largest group_cases / group_cases: Dedoose's
    normalisation, the largest group weighted 1). One row per code and group, zeros
    included; codes in tree order, groups sorted by value.
    """
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise UsageError("by needs at least one field, e.g. by='role'")
    inc = incidence(apps, codebook, child_sum=child_sum)
    ex = attach_fields(inc.excerpts, descriptors, by)
    g_ex, groups_ex = group_index(ex, by)
    # (case, group) units: a case counts once per group it has material in
    units_frame = ex[["case", *by]].copy()
    units_frame["_g"] = g_ex
    ok = (inc.case_idx >= 0) & (g_ex >= 0)
    base_units = _base_units(units_frame.loc[ok, ["case", *by]], base, descriptors, by)
    # every group seen in the material or the base
    all_groups = (pd.concat([groups_ex, base_units[by]], ignore_index=True)
                  .drop_duplicates().sort_values(by, kind="stable").reset_index(drop=True))
    gmap = pd.MultiIndex.from_frame(all_groups.astype(object))
    remap = gmap.get_indexer(pd.MultiIndex.from_frame(groups_ex.astype(object))) if len(groups_ex) else np.zeros(0, int)
    g = np.where(g_ex >= 0, remap[np.maximum(g_ex, 0)] if len(remap) else -1, -1)
    n_groups = len(all_groups)
    exc = counts_by_unit(g, inc.matrix, n_groups).toarray()
    pair = np.where(ok, inc.case_idx.astype(np.int64) * max(n_groups, 1) + g, -1)
    unit_idx, unit_keys = pd.factorize(pair)
    unit_idx = np.where(pair >= 0, unit_idx, -1)
    unit_group = np.asarray(unit_keys) % max(n_groups, 1)
    present = unit_matrix(unit_idx, inc.matrix, len(unit_keys))
    # drop the -1 key's unit (it has no rows, since unit_idx was set to -1 there)
    cases = counts_by_unit(np.where(np.asarray(unit_keys) >= 0, unit_group, -1), present, n_groups).toarray()
    size = np.zeros(n_groups, dtype=np.int64)
    if len(base_units):
        bidx = gmap.get_indexer(pd.MultiIndex.from_frame(base_units[by].astype(object)))
        size = np.bincount(bidx[bidx >= 0], minlength=n_groups)
    n_codes = len(inc.codes)
    out = pd.concat([inc.codes[["code", "name", "depth", "top"]]] * n_groups, ignore_index=True) if n_groups else \
        pd.DataFrame(columns=["code", "name", "depth", "top"])
    for f in by:
        out[f] = np.repeat(all_groups[f].to_numpy(), n_codes) if n_groups else []
    out["excerpts"] = exc.ravel()
    out["cases"] = cases.ravel()
    out["group_cases"] = np.repeat(size, n_codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        gc = out["group_cases"].to_numpy(dtype=float)
        out["pct_cases"] = np.where(gc > 0, 100.0 * out["cases"] / np.where(gc > 0, gc, 1), np.nan)
        factor = np.where(gc > 0, (size.max() if n_groups else 0) / np.where(gc > 0, gc, 1), np.nan)
    out["excerpts_normalised"] = out["excerpts"] * factor
    out["cases_normalised"] = out["cases"] * factor
    # codes in tree order, then groups
    out["_c"] = np.tile(np.arange(n_codes), n_groups)
    out["_g"] = np.repeat(np.arange(n_groups), n_codes)
    return out.sort_values(["_c", "_g"]).drop(columns=["_c", "_g"]).reset_index(drop=True)


def to_wide(table: pd.DataFrame, value: str = "excerpts", by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Pivot a :func:`code_by_descriptor` table to codes x groups for heat maps and sheets.

    ``by`` defaults to the columns between ``top`` and ``excerpts``. Code order is kept.
    """
    if by is None:
        cols = list(table.columns)
        by = cols[cols.index("top") + 1:cols.index("excerpts")]
    by = [by] if isinstance(by, str) else list(by)
    order = pd.unique(table["code"])
    wide = table.pivot_table(index="code", columns=by, values=value, aggfunc="first", dropna=False, sort=False)
    return wide.reindex(order)
