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
    base_cases,
    counts_by_unit,
    descriptor_lookup,
    incidence,
    require,
    unit_matrix,
)
from qualcode.errors import UsageError

__all__ = ["code_by_descriptor", "to_wide"]


class _Keys:
    """Integer group keys: each ``by`` field's values sorted, combined by ravel_multi_index.

    Case descriptors are looked up once per distinct case, not once per excerpt, and
    excerpt-level fields are matched with ``get_indexer``: 10^6 applications stay
    within a second.
    """

    def __init__(self, by: list[str], row_fields: list[str], lookup: pd.DataFrame,
                 frames: list[pd.DataFrame]) -> None:
        self.by, self.row_fields, self.lookup = by, row_fields, lookup
        self.universe: dict[str, pd.Index] = {}
        for f in by:
            if f in row_fields:
                parts = [fr[f].dropna() for fr in frames if f in fr.columns]
                vals = pd.concat(parts) if parts else pd.Series([], dtype=object)
            else:
                vals = lookup[f].dropna()
            self.universe[f] = pd.Index(pd.unique(vals)).sort_values()
        self.dims = tuple(max(len(self.universe[f]), 1) for f in by)

    def keys(self, frame: pd.DataFrame) -> np.ndarray:
        """Group key of each row (-1 when a value is missing or unknown)."""
        n = len(frame)
        case_idx, cases = pd.factorize(frame["case"]) if "case" in frame.columns else (np.full(n, -1), pd.Index([]))
        codes = []
        for f in self.by:
            if f in self.row_fields:
                if f not in frame.columns:
                    raise UsageError(f"field {f!r} is per source; pass base as a frame with 'case' and {f!r} "
                                     "columns (e.g. project.excerpts())")
                c = self.universe[f].get_indexer(frame[f])
            else:
                per_case = self.universe[f].get_indexer(self.lookup[f].reindex(cases))
                c = np.where(case_idx >= 0, per_case[np.maximum(case_idx, 0)] if len(per_case) else -1, -1)
            codes.append(np.asarray(c, dtype=np.int64))
        ok = np.all([c >= 0 for c in codes], axis=0) if codes else np.zeros(n, dtype=bool)
        key = np.full(n, -1, dtype=np.int64)
        if ok.any():
            key[ok] = np.ravel_multi_index([c[ok] for c in codes], self.dims)
        return key

    def values(self, keys: np.ndarray) -> pd.DataFrame:
        """The ``by`` values of each key, one column per field."""
        idx = np.unravel_index(keys, self.dims) if len(keys) else [np.zeros(0, int)] * len(self.by)
        return pd.DataFrame({f: self.universe[f][i].to_numpy() if len(keys) else [] for f, i in zip(self.by, idx)})


def code_by_descriptor(apps: pd.DataFrame, by: str | Sequence[str], descriptors: pd.DataFrame | None = None,
                       codebook: pd.DataFrame | None = None, *, base: object = None,
                       child_sum: bool = False) -> pd.DataFrame:
    """Per code and group: excerpts, cases, % of the group's cases, normalised counts.

    ``by`` is one field or a list (descriptor x descriptor x code). Each field is a
    column of ``apps`` (``wave``, ``source``...; these win on a name clash) or of
    ``descriptors`` (one row per case). Excerpts with a missing group value are left out.

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
    row_fields = [f for f in by if f in apps.columns]
    case_fields = [f for f in by if f not in row_fields]
    lookup = descriptor_lookup(descriptors, case_fields) if case_fields else pd.DataFrame()
    inc = incidence(apps, codebook, child_sum=child_sum, extra=row_fields)
    if isinstance(base, pd.DataFrame):
        base_frame = base
    elif base is None:
        base_frame = None
    else:
        if row_fields:
            raise UsageError(f"field {row_fields[0]!r} is per source; pass base as a frame with 'case' and "
                             f"{row_fields[0]!r} columns (e.g. project.excerpts())")
        base_frame = pd.DataFrame({"case": sorted(base_cases(apps, base), key=str)})
    keys = _Keys(by, row_fields, lookup, [inc.excerpts] + ([base_frame] if base_frame is not None else []))
    k_ex = keys.keys(inc.excerpts)
    # distinct (case, group) units of the material, and of the base
    n_keys = int(np.prod(keys.dims))
    ok = (inc.case_idx >= 0) & (k_ex >= 0)
    pair = np.where(ok, inc.case_idx.astype(np.int64) * n_keys + k_ex, -1)
    if base_frame is None:
        base_pairs = pd.unique(pair[ok])
        base_group = base_pairs % n_keys
    else:
        require(base_frame, ["case"], "base", "project.excerpts()")
        kb = keys.keys(base_frame)
        bc = pd.factorize(base_frame["case"])[0]
        good = (kb >= 0) & (bc >= 0)
        base_group = pd.unique(bc[good].astype(np.int64) * n_keys + kb[good]) % n_keys
    groups = np.union1d(pd.unique(k_ex[k_ex >= 0]), base_group).astype(np.int64)
    n_groups = len(groups)
    g = np.where(k_ex >= 0, np.searchsorted(groups, np.maximum(k_ex, 0)), -1)
    exc = counts_by_unit(g, inc.cells, n_groups).toarray()
    unit_idx, unit_keys = pd.factorize(pair)
    unit_keys = np.asarray(unit_keys)
    unit_idx = np.where(pair >= 0, unit_idx, -1)
    unit_group = np.where(unit_keys >= 0, np.searchsorted(groups, unit_keys % n_keys), -1)
    present = unit_matrix(unit_idx, inc.cells, len(unit_keys))
    cases = counts_by_unit(unit_group, present, n_groups).toarray()
    size = np.bincount(np.searchsorted(groups, base_group), minlength=n_groups) if n_groups else np.zeros(0, int)
    n_codes = len(inc.codes)
    out = pd.concat([inc.codes[["code", "name", "depth", "top"]]] * n_groups, ignore_index=True) if n_groups else \
        pd.DataFrame(columns=["code", "name", "depth", "top"])
    values = keys.values(groups)
    for f in by:
        out[f] = np.repeat(values[f].to_numpy(), n_codes) if n_groups else []
    # rows so far are group-major (all codes of group 0, then group 1...), as exc.ravel()
    out["excerpts"] = exc.ravel()
    out["cases"] = cases.ravel()
    out["group_cases"] = np.repeat(size, n_codes)
    gc = out["group_cases"].to_numpy(dtype=float)
    safe = np.where(gc > 0, gc, 1.0)
    out["pct_cases"] = np.where(gc > 0, 100.0 * out["cases"] / safe, np.nan)
    factor = np.where(gc > 0, (size.max() if n_groups else 0) / safe, np.nan)
    out["excerpts_normalised"] = out["excerpts"] * factor
    out["cases_normalised"] = out["cases"] * factor
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
