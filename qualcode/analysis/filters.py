"""Filters that prepare frames for the analyses.

Every analysis counts the rows it is given, so "CEOs in wave 2, Governance branch" is
two filter calls before the analysis, not options repeated on every function. The same
``where`` applied to ``excerpts()`` gives the matching denominator (``base``).

``where`` is a dict ``{field: condition}``; a field is a column of the frame or a case
descriptor (joined by ``case``). A condition is a value (equality), a list/tuple/set
of values (membership), or a callable taking the column (a Series) and returning a
boolean mask, e.g. ``{"role": "CEO", "wave": ["1", "2"], "size": lambda s: s > 10}``.
Conditions are combined with AND; a missing value never matches. Text values match
case-insensitively against the value as it reads (``"2024"`` matches a number 2024,
``"2025-03-01"`` a date), because that is how the command line passes them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import attach_fields, require
from qualcode.analysis._tree import code_table, expand

__all__ = ["filter_where", "filter_codes", "excerpts_with_codes", "with_descriptors", "filter_applications",
           "listed_where"]


def with_descriptors(frame: pd.DataFrame, descriptors: pd.DataFrame,
                     fields: Iterable[str] | None = None) -> pd.DataFrame:
    """``frame`` with case descriptor columns added (all, or ``fields``).

    Columns the frame already has are kept as they are (a source's ``wave`` wins over a
    case's).
    """
    names = [c for c in descriptors.columns if c != "case"] if fields is None else list(fields)
    return attach_fields(frame, descriptors, names)


def _mask(column: pd.Series, condition: object) -> pd.Series:
    if callable(condition):
        out = condition(column)
        return pd.Series(out, index=column.index).fillna(False).astype(bool)
    values = list(condition) if isinstance(condition, (list, tuple, set, frozenset, pd.Index, pd.Series)) else [condition]
    if values and all(isinstance(v, str) for v in values):
        # Text conditions (from the command line, or typed by a researcher) match the
        # value as it reads, case-insensitively: "ceo" finds "CEO", "2024" finds 2024.0.
        # Each distinct value is judged once (a column of 10^6 rows has few of them).
        wanted = {v.strip().casefold() for v in values}
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        hit = np.array([_as_text(u).casefold() in wanted for u in uniques] + [False], dtype=bool)
        return pd.Series(hit[codes], index=column.index)
    return column.isin(values).fillna(False).astype(bool) & column.notna()


def _as_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10] if getattr(value, "hour", 0) == 0 and getattr(value, "minute", 0) == 0 else value.isoformat()
    return str(value)


def filter_where(frame: pd.DataFrame, where: Mapping[str, object] | None,
                 descriptors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of ``frame`` that meet every condition in ``where`` (see module docstring).

    Descriptor columns used for the test are not added to the result.
    """
    if not where:
        return frame
    fields = list(where)
    joined = attach_fields(frame, descriptors, fields)
    keep = pd.Series(True, index=frame.index)
    for field, condition in where.items():
        keep &= _mask(joined[field], condition).to_numpy()
    return frame[keep.to_numpy()]


def filter_codes(apps: pd.DataFrame, codes: str | Iterable[str], codebook: pd.DataFrame | None = None, *,
                 descendants: bool = True) -> pd.DataFrame:
    """Applications of ``codes`` (paths or unique names) and, by default, their descendants.

    Note: a frequency table of the result counts only those codes; use the unfiltered
    ``excerpts()`` (or its ``where``-filtered version) as ``base`` for "% of cases".
    """
    require(apps, ["code"], "applications", "project.applications()")
    paths = expand(code_table(apps, codebook), codes, descendants)
    return apps[apps["code"].isin(paths)]


def excerpts_with_codes(excerpts: pd.DataFrame, apps: pd.DataFrame, codes: str | Iterable[str],
                        codebook: pd.DataFrame | None = None, *, descendants: bool = True) -> pd.DataFrame:
    """Rows of ``excerpts()`` that carry any of ``codes`` (with descendants by default)."""
    hits = filter_codes(apps, codes, codebook, descendants=descendants)
    return excerpts[excerpts["excerpt_id"].isin(hits["excerpt_id"])]


def listed_where(where: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``{"role": "CEO"}`` and ``{"role": ["CEO"]}`` both work; iterables become lists."""
    if not where:
        return None
    return {k: (v if isinstance(v, (str, int, float, bool)) or callable(v) else list(v)) for k, v in where.items()}


def filter_applications(apps: pd.DataFrame, code: str | Iterable[str] | None, codes: pd.DataFrame | None, *,
                         descendants: bool = True, source: str | None = None, case: str | None = None,
                         coder: str | Iterable[str] | None = None, where: Mapping[str, Any] | None = None,
                         descriptors: pd.DataFrame | None = None, final_only: bool = False) -> pd.DataFrame:
    """The rows of an applications frame (full or counting) that pass every filter."""
    if apps.empty:
        return apps
    if code is not None:
        apps = filter_codes(apps, code, codes, descendants=descendants)
    mask = apps["final"].copy() if final_only else pd.Series(True, index=apps.index)
    if source is not None:
        mask &= apps["source"] == source
    if case is not None:
        mask &= apps["case"] == case
    if coder is not None:
        mask &= apps["coder"].isin([coder] if isinstance(coder, str) else list(coder))
    apps = filter_where(apps[mask], listed_where(where), descriptors)
    return apps.reset_index(drop=True)
