"""Top priorities: codes ranked by how many cases raised them.

Reports say "the top priorities for mentoring were funding, governance, ...": the
number of *participants* raising a theme matters more than how many excerpts one
talkative participant produced, so cases rank first and excerpts only break ties.
"""
from __future__ import annotations

import pandas as pd

from qualcode.analysis._tree import resolve
from qualcode.analysis.frequencies import frequencies

__all__ = ["top_priorities"]


def top_priorities(apps: pd.DataFrame, codebook: pd.DataFrame | None = None, *,
                   branch: str | None = None, depth: int | None = None, child_sum: bool = True,
                   base: object = None, n: int | None = None) -> pd.DataFrame:
    """Codes ranked by cases (desc), ties broken by excerpts (desc), then tree order.

    ``branch`` keeps only the descendants of that code (path or unique name; the branch
    itself is left out); ``depth`` keeps codes at that depth (0 = top level, as in
    ``codes()``). With ``child_sum`` (default) a parent counts a case that raised any
    of its descendants. ``base`` is the "% of cases" denominator as in
    :func:`~qualcode.analysis.frequencies.frequencies`. Codes never raised are left out.

    Columns: ``rank`` (1 = top; equal cases and excerpts share a rank), ``code, name,
    depth, top, cases, pct_cases, excerpts``.
    """
    freq = frequencies(apps, codebook, base=base)
    suffix = "_sum" if child_sum else ""
    table = freq[["code", "name", "depth", "top"]].copy()
    table["cases"] = freq["cases" + suffix]
    table["pct_cases"] = freq["pct_cases" + suffix]
    table["excerpts"] = freq["excerpts" + suffix]
    table["_o"] = range(len(table))
    if branch is not None:
        root = resolve(freq, branch)
        table = table[table["code"].str.startswith(root + "/")]
    if depth is not None:
        table = table[table["depth"] == depth]
    table = table[table["cases"] + table["excerpts"] > 0]
    table = table.sort_values(["cases", "excerpts", "_o"], ascending=[False, False, True])
    key = table["cases"] * (table["excerpts"].max() + 1 if len(table) else 1) + table["excerpts"]
    table.insert(0, "rank", key.rank(method="min", ascending=False).astype(int))
    table = table.drop(columns="_o").reset_index(drop=True)
    return table.head(n) if n is not None else table
