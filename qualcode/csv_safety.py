"""CSV that a spreadsheet opens as data, never as formulas (CSV injection).

A participant's answer, a descriptor value or a code name can start with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return; Excel and LibreOffice run such a cell as a
formula (``=HYPERLINK(...)`` phones home, ``=cmd|...`` runs a program). Following
OWASP's advice, every text cell and every column header that starts with one of those
characters is written with a leading ``'``, which spreadsheets show but do not run.
Numbers are never touched (``-3`` stays a number). Every CSV qualcode writes -- the CLI's
``--format csv``, ``export csv``, the report's tables, disagreement and prediction lists
-- goes through :func:`safe_frame` (xlsx is protected by ``quotePrefix`` instead).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is formula-like text; anything else as is."""
    if isinstance(value, tuple):
        return tuple(neutralise(v) for v in value)
    return "'" + value if is_formula_like(value) else value


def _safe_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([neutralise(t) for t in index], names=[neutralise(n) for n in index.names])
    if index.dtype == object or pd.api.types.is_string_dtype(index):
        return pd.Index([neutralise(v) for v in index], name=neutralise(index.name))
    return index.rename(neutralise(index.name))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, headers and index are safe to open as CSV."""
    out = frame.copy()
    for i, column in enumerate(out.columns):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype):
            out.isetitem(i, col.astype(object).map(neutralise))
    out.columns = _safe_index(out.columns)
    out.index = _safe_index(out.index)
    return out
