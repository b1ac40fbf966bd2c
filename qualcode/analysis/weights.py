"""Code weights (Dedoose's 1-10 "weight/rating" on an application) summarised by group.

Weights are per application, not per excerpt: two coders weighting one excerpt give
two values. Applications without a weight are left out of ``n`` and the statistics but
counted in ``applications`` so a reader sees how much was weighted.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from qualcode.analysis._matrix import attach_fields, require_apps
from qualcode.analysis._tree import code_table

__all__ = ["code_weights"]


def code_weights(apps: pd.DataFrame, by: str | Sequence[str] | None = None,
                 descriptors: pd.DataFrame | None = None,
                 codebook: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean, min, max and number of weights per code (and per group of ``by``).

    ``by`` fields are columns of ``apps`` or case descriptors (as in
    :func:`~qualcode.analysis.crosstab.code_by_descriptor`). Columns: ``code``, the
    ``by`` fields, ``applications``, ``n`` (weighted applications), ``mean``, ``min``,
    ``max``, ``sd`` (sample, NaN below 2). Only codes that were applied appear; codes
    in tree order, groups sorted; rows with a missing group value are left out.
    """
    require_apps(apps, ["weight"])
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    frame = attach_fields(apps, descriptors, by) if by else apps
    frame = frame.dropna(subset=by) if by else frame
    w = pd.to_numeric(frame["weight"], errors="coerce")
    g = w.groupby([frame["code"].astype(str)] + [frame[f] for f in by], sort=True, dropna=True)
    out = pd.DataFrame({
        "applications": g.size(),
        "n": g.count(),
        "mean": g.mean(),
        "min": g.min(),
        "max": g.max(),
        "sd": g.std(ddof=1),
    }).reset_index()
    out = out.rename(columns={out.columns[0]: "code"})
    order = {p: i for i, p in enumerate(code_table(apps, codebook)["code"])}
    out["_o"] = out["code"].map(order)
    return out.sort_values(["_o", *by], kind="stable").drop(columns="_o").reset_index(drop=True)
