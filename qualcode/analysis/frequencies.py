"""Code frequencies, the code application matrix, code presence, excerpts per source.

These are Dedoose's first charts: how often each code was applied, where, and by how
many participants. Counts are of *distinct excerpts* (two coders applying one code to
one excerpt count once); ``applications`` keeps the raw number of application rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import (
    case_base_size,
    counts_by_unit,
    factorize_labels,
    incidence,
    require,
    rolled_column_cells,
    rollup,
    unit_matrix,
)

__all__ = ["frequencies", "code_application", "code_presence", "excerpts_per_source"]


def frequencies(apps: pd.DataFrame, codebook: pd.DataFrame | None = None, *,
                base: object = None) -> pd.DataFrame:
    """Per code: explicit and child-sum counts of excerpts, sources and cases.

    *Explicit* counts an excerpt for a code only when that code itself is applied.
    *Child-sum* (``*_sum`` columns) also counts an excerpt for every ancestor of an
    applied code, once per excerpt: an excerpt with two children of one parent (and
    perhaps the parent too) adds 1 to the parent, not 2 or 3.

    ``base`` is the denominator of ``pct_cases``: None = the cases appearing in ``apps``;
    a frame with a ``case`` column (e.g. ``project.excerpts()`` filtered the same way,
    so cases with material but no codings still count); a list of case names; or an
    int. The base used is in the ``case_base`` column.

    Columns: ``code, name, depth, top, parent, applications, excerpts, sources, cases,
    pct_cases, excerpts_sum, sources_sum, cases_sum, pct_cases_sum, case_base``.
    Excerpts whose source has no case count for excerpts and sources, not for cases.
    """
    inc = incidence(apps, codebook)
    out = inc.codes.copy()
    out["applications"] = np.bincount(inc.app_cols, minlength=len(out)) if len(apps) else 0
    n_base = len(inc.cases) if base is None else case_base_size(apps, base)
    # sources x codes from the excerpt rows; cases x codes from sources (a source has one
    # case); child-sum the same from the child-sum excerpt rows (an OR over descendants)
    n_src = int(inc.source_idx.max()) + 1 if len(inc.source_idx) else 0
    source_case = np.full(n_src, -1, dtype=np.int64)
    source_case[inc.source_idx] = inc.case_idx
    by_source = unit_matrix(inc.source_idx, inc.cells, n_src)
    for suffix, ex_counts, by_source in (("", inc.cells.column_cells(), by_source),
                                         ("_sum", rolled_column_cells(inc.cells, inc.codes),
                                          rollup(by_source, inc.codes))):
        by_case = unit_matrix(source_case, by_source, len(inc.cases))
        out["excerpts" + suffix] = ex_counts
        out["sources" + suffix] = by_source.column_cells()
        out["cases" + suffix] = by_case.column_cells()
    for suffix in ("", "_sum"):
        out["pct_cases" + suffix] = 100.0 * out["cases" + suffix] / n_base if n_base else np.nan
    out["case_base"] = n_base
    order = ["code", "name", "depth", "top", "parent", "applications",
             "excerpts", "sources", "cases", "pct_cases",
             "excerpts_sum", "sources_sum", "cases_sum", "pct_cases_sum", "case_base"]
    return out[order]


def code_application(apps: pd.DataFrame, codebook: pd.DataFrame | None = None, *,
                     by: str = "source", child_sum: bool = False) -> pd.DataFrame:
    """Codes x sources (or cases): number of distinct excerpts with the code.

    ``by`` is ``"source"`` or ``"case"``. Returns a wide frame: index = code path (named
    ``code``, tree order), columns = source (or case) names in order of first appearance,
    values = int counts. Dedoose's "Code Application" chart.
    """
    return _codes_by_unit(apps, codebook, by, child_sum, presence=False)


def code_presence(apps: pd.DataFrame, codebook: pd.DataFrame | None = None, *,
                  by: str = "source", child_sum: bool = False) -> pd.DataFrame:
    """Codes x sources (or cases), 1 where the code occurs at least once, else 0.

    Same shape and labels as :func:`code_application`; Dedoose's "Code Presence".
    """
    return _codes_by_unit(apps, codebook, by, child_sum, presence=True)


def _codes_by_unit(apps: pd.DataFrame, codebook: pd.DataFrame | None, by: str, child_sum: bool,
                   presence: bool) -> pd.DataFrame:
    """The codes x units table of :func:`code_application` (counts) or
    :func:`code_presence` (0/1), laid out once in its final shape: 200 codes x 30,000
    sources is 48 MB, so no transposed or intermediate copy is made."""
    if by not in ("source", "case"):
        raise ValueError(f"by must be 'source' or 'case', got {by!r}")
    require(apps, ["excerpt_id", "code", by], "applications", "project.applications()")
    inc = incidence(apps, codebook, child_sum=child_sum)
    unit_idx, units = factorize_labels(inc.excerpts[by])
    values = np.zeros((len(inc.codes), len(units)), dtype=np.int64)
    if presence:  # a 1 at each (code, unit) an excerpt has: nothing to count
        unit_of_cell = np.asarray(unit_idx, dtype=np.int64)[inc.cells.rows]
        known = unit_of_cell >= 0
        values[inc.cells.cols[known], unit_of_cell[known]] = 1
    else:
        um = counts_by_unit(np.asarray(unit_idx), inc.cells, len(units))
        values[um.cols, um.rows] = um.counts()
    return pd.DataFrame(values, index=pd.Index(inc.codes["code"], name="code"),
                        columns=pd.Index(units, name=by), copy=False)


def excerpts_per_source(excerpts: pd.DataFrame, apps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per source: excerpts, coded excerpts and (with ``apps``) applications.

    Input is ``project.excerpts()`` (its ``codes`` column tells coded from uncoded).
    Columns: ``source, case, kind, wave`` (those present), ``excerpts``,
    ``coded_excerpts``, ``applications`` (only when ``apps`` is given), sorted by source.
    """
    require(excerpts, ["excerpt_id", "source"], "excerpts", "project.excerpts()")
    keys = [c for c in ("source", "case", "kind", "wave") if c in excerpts.columns]
    ex = excerpts.copy()
    coded = ex["codes"].fillna("").astype(str).str.len() > 0 if "codes" in ex.columns else pd.Series(False, index=ex.index)
    ex["_coded"] = coded.astype(int)
    out = (ex.groupby("source", sort=True, dropna=False)
             .agg(excerpts=("excerpt_id", "nunique"), coded_excerpts=("_coded", "sum"))
             .reset_index())
    attrs = ex[keys].drop_duplicates("source")
    out = attrs.merge(out, on="source", how="right")
    if apps is not None:
        require(apps, ["source"], "applications", "project.applications()")
        n_apps = apps.groupby("source").size().rename("applications")
        out = out.merge(n_apps, left_on="source", right_index=True, how="left")
        out["applications"] = out["applications"].fillna(0).astype(int)
    out["coded_excerpts"] = out["coded_excerpts"].astype(int)
    return out.reset_index(drop=True)
