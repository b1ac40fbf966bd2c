"""Code weights (Dedoose's 1-10 "weight/rating" on an application) summarised by group.

Weights are per application, not per excerpt: two coders weighting one excerpt give
two values. Applications without a weight are left out of ``n`` and the statistics but
counted in ``applications`` so a reader sees how much was weighted.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import attach_fields, descriptor_lookup, require_apps
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
    keys, text_fields = [], set()
    for field in by:
        key, as_text = _group_key(apps, descriptors, field)
        keys.append(key)
        if as_text:
            text_fields.add(field)
    w = pd.to_numeric(apps["weight"], errors="coerce")
    # the project's counting frames hold paths as a categorical: grouped by its integer
    # codes (no hashing of 10^6 texts), the labels made text once per group below
    code = apps["code"] if isinstance(apps["code"].dtype, pd.CategoricalDtype) else apps["code"].astype(str)
    # rows with a missing group value are left out (``dropna``)
    g = w.groupby([code.rename("code"), *keys], sort=True, dropna=True, observed=True)
    out = pd.DataFrame({
        "applications": g.size(),
        "n": g.count(),
        "mean": g.mean(),
        "min": g.min(),
        "max": g.max(),
        "sd": g.std(ddof=1),
    }).reset_index()
    out["code"] = out["code"].astype(str)
    for field in text_fields:  # a descriptor grouped by its cases' numbers: text, as attach_fields gives it
        out[field] = out[field].astype(str)
    order = {p: i for i, p in enumerate(code_table(apps, codebook)["code"])}
    out["_o"] = out["code"].map(order)
    return out.sort_values(["_o", *by], kind="stable").drop(columns="_o").reset_index(drop=True)


def _group_key(apps: pd.DataFrame, descriptors: pd.DataFrame | None, field: str) -> tuple[pd.Series, bool]:
    """What ``field`` groups the applications by: their own column, or the case
    descriptor (as :func:`~qualcode.analysis._matrix.attach_fields` joins it); and
    whether the table's column must be made text again.

    A text descriptor of the counting frames' categorical ``case`` is made a categorical
    from the cases' integer codes (a value per case, not per application: grouping 10^6
    texts hashes each one)."""
    case = apps["case"] if "case" in apps.columns else None
    if field in apps.columns or case is None or not isinstance(case.dtype, pd.CategoricalDtype):
        return attach_fields(apps, descriptors, [field])[field], False
    values = descriptor_lookup(descriptors, [field])[field]
    if not (pd.api.types.is_string_dtype(values.dtype) or (isinstance(values.dtype, pd.CategoricalDtype)
                                                           and pd.api.types.is_string_dtype(values.dtype.categories))):
        return attach_fields(apps, descriptors, [field])[field], False
    per_case = values.reindex(case.cat.categories)  # the value of each case the frame can name (NA: none)
    small, labels = pd.factorize(per_case.astype(object), use_na_sentinel=True)
    codes = np.append(small, -1)[case.cat.codes.to_numpy()]  # a row with no case: -1, missing
    key = pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object)), index=apps.index,
                    name=field)
    return key, True
