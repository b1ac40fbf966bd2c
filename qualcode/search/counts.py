"""How many cases of each group say the searched words: text-search hits counted by a field.

Why per case and with the base shown: "12 mentions of reserves" could be one talkative
chief executive. As in the other tables, a group's base is its cases with material in
the searched set, so "% of cases" is out of the people who could have said it.
"""
from __future__ import annotations

import pandas as pd

from qualcode.analysis._matrix import attach_fields, require

COLUMNS = ["units", "sources", "cases", "cases_searched", "pct_cases"]


def search_hits_by(hits: pd.DataFrame, searched: pd.DataFrame, field: str,
                   descriptors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per value of ``field``: matching ``units``, ``sources`` and ``cases`` with a hit, the
    group's ``cases_searched`` and ``pct_cases`` (cases with a hit / cases searched * 100).

    ``hits`` is a search result (``source``, ``case``); ``searched`` the sources that were
    searched (``source``, ``case``, and ``wave``/``kind`` if grouped by them); ``field`` a
    column of either or a case descriptor. Material without a case counts in ``units``
    and ``sources`` but not among cases. Groups with no hit are listed with zeros.
    """
    require(hits, ["source", "case"], "search hits", "project.search_text()")
    require(searched, ["source", "case"], "searched sources", "project.sources()")
    material = attach_fields(searched, descriptors, [field])
    group_of_source = material.set_index("source")[field]
    found = hits.assign(**{field: hits["source"].map(group_of_source).to_numpy()})
    label = lambda s: s.astype("string").fillna("(none)")  # noqa: E731
    found[field], material[field] = label(found[field]), label(material[field])
    counted = found.groupby(field).agg(units=("source", "size"), sources=("source", "nunique"),
                                       cases=("case", "nunique"))
    base = material.groupby(field)["case"].nunique().rename("cases_searched")
    table = base.to_frame().join(counted, how="outer").fillna(0).astype(int)
    table["pct_cases"] = (100 * table["cases"] / table["cases_searched"].where(table["cases_searched"] > 0)).round(1)
    return table[COLUMNS].reset_index()
