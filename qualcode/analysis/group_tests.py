"""Is a difference between groups, or between waves, more than chance?

A crosstab says 92% of CEOs and 40% of mentors raised governance. With 12 CEOs and 5
mentors a reader needs to know whether that gap could come from who happened to be
interviewed. Dedoose and NVivo print the percentages and leave the reader to guess; these
functions give each code an exact test and a false-discovery-adjusted q-value, so a
report can say which gaps hold up and which are within chance.

* **Groups** (``group_tests``): each case is in one group and either raised the code or
  did not, a groups x 2 table with fixed margins. Two groups: Fisher's exact test
  (two-sided). More groups: the exact test that orders tables by their Pearson
  chi-square, summing the multivariate hypergeometric probability of every table as
  extreme as the one observed. When there are too many tables to list (``max_tables``,
  which takes large groups) the chi-square distribution gives the p-value if every
  expected count is at least 5 (Cochran's rule), else ``draws`` seeded Monte Carlo tables
  do; the ``test`` column says which.
* **Waves** (``paired_wave_tests``): the same cases in both waves, so the exact McNemar
  test on the cases that changed (raised it only in the first wave, only in the second).

Every p-value is adjusted across the codes actually tested with Benjamini-Hochberg
(``q_value``): with 40 codes, two p < .05 by chance are expected. A code with nothing to
test ("no variation", "no change", "one group only") keeps its p-value for the record but
takes no part in the adjustment and has no q-value: counting it as a test with p = 1 would
inflate every other code's q-value.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import require
from qualcode.errors import UsageError

__all__ = ["benjamini_hochberg", "cases_in_several_groups", "exact_chi_square_p", "group_tests",
           "paired_wave_tests"]

MAX_TABLES = 500_000
MIN_EXPECTED = 5.0  # Cochran's rule: every expected count this large, the chi-square approximation holds
DRAWS = 20_000
_TIE = 1e-9  # statistics equal up to float rounding count as "as extreme"


def _chi_square(x: np.ndarray, sizes: np.ndarray, total_with: int) -> np.ndarray:
    """Pearson chi-square of groups x (with, without) tables; ``x`` holds "with" counts
    (last axis = groups). With fixed margins it is a sum over groups, which lets a whole
    batch of tables be scored at once."""
    n = sizes.sum()
    expected = sizes * total_with / n
    scale = n * n / (sizes * total_with * (n - total_with))
    return ((x - expected) ** 2 * scale).sum(axis=-1)


def _table_count(sizes: np.ndarray, total_with: int, limit: int) -> int:
    """Upper bound on the tables with these margins (product of each group's choices),
    counted only until it passes ``limit``."""
    count = 1
    for s in sizes[:-1]:
        count *= int(min(s, total_with)) + 1
        if count > limit:
            break
    return count


def exact_chi_square_p(with_code: np.ndarray, sizes: np.ndarray) -> float:
    """Exact p of a groups x 2 table: the probability, under random allocation of the
    cases to groups of these sizes, of a chi-square at least the observed one.

    Lists every table with these margins (all but the last group's counts free), which
    is why ``group_tests`` only calls it below ``MAX_TABLES``.
    """
    from scipy.special import gammaln

    with_code, sizes = np.asarray(with_code, dtype=np.int64), np.asarray(sizes, dtype=np.int64)
    k, n = int(with_code.sum()), int(sizes.sum())
    if k in (0, n):
        return 1.0
    observed = _chi_square(with_code.astype(float), sizes.astype(float), k)
    grids = np.meshgrid(*[np.arange(min(s, k) + 1) for s in sizes[:-1]], indexing="ij")
    free = np.stack([g.ravel() for g in grids], axis=-1) if grids else np.zeros((1, 0), np.int64)
    last = k - free.sum(axis=1)
    ok = (last >= 0) & (last <= sizes[-1])
    tables = np.column_stack([free[ok], last[ok]])
    # log multivariate hypergeometric probability of each table
    log_p = (gammaln(sizes + 1) - gammaln(tables + 1) - gammaln(sizes - tables + 1)).sum(axis=1)
    log_p -= gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
    chi = _chi_square(tables.astype(float), sizes.astype(float), k)
    extreme = chi >= observed - _TIE * max(1.0, observed)
    return float(min(1.0, np.exp(log_p[extreme]).sum()))


def _monte_carlo_p(with_code: np.ndarray, sizes: np.ndarray, draws: int, seed: int) -> float:
    """p from ``draws`` random tables with the same margins, (1 + as extreme) / (1 + draws)."""
    k = int(with_code.sum())
    observed = _chi_square(with_code.astype(float), sizes.astype(float), k)
    rng = np.random.default_rng(seed)
    tables = rng.multivariate_hypergeometric(sizes.astype(np.int64), k, size=draws)
    chi = _chi_square(tables.astype(float), sizes.astype(float), k)
    return float((1 + np.sum(chi >= observed - _TIE * max(1.0, observed))) / (draws + 1))


UNTESTED = frozenset({"no variation", "no change", "one group only"})


def benjamini_hochberg(p: pd.Series, tests: pd.Series | None = None) -> pd.Series:
    """Benjamini-Hochberg q-values over the p-values of the codes actually tested.

    ``tests`` (the ``test`` column) names what was done per row; rows whose test is in
    :data:`UNTESTED` are left out of the adjustment and get no q-value, as do missing
    p-values."""
    from qualcode.analysis.exact_tests import benjamini_hochberg_q

    q = pd.Series(np.nan, index=p.index, dtype=float)
    tested = p if tests is None else p[~tests.isin(UNTESTED)]
    tested = tested.dropna()
    if len(tested):
        q[tested.index] = benjamini_hochberg_q(tested.to_numpy(dtype=float))
    return q


def cases_in_several_groups(excerpts: pd.DataFrame, by: str) -> list[object]:
    """Cases whose material falls in more than one group of ``by``. Empty for a case
    descriptor (one value per case); for a per-source field such as wave, the cases
    interviewed in several waves, which make the groups dependent and a group test wrong."""
    if by not in excerpts.columns:
        return []
    spread = excerpts[["case", by]].dropna().groupby("case")[by].nunique()
    return spread[spread > 1].index.tolist()


def group_tests(table: pd.DataFrame, by: str, *, max_tables: int = MAX_TABLES, draws: int = DRAWS,
                seed: int = 0) -> pd.DataFrame:
    """Per code: do the groups of ``by`` differ in the share of cases that raised it?

    ``table`` is the long output of :func:`qualcode.analysis.code_by_descriptor` for the
    one field ``by`` (columns ``code``, ``by``, ``cases``, ``group_cases``), where each
    case is in exactly one group: a case descriptor, not a per-source field such as wave.
    Groups with no cases are left out; a code every case (or no case) raised cannot
    differ and gets ``p_value`` 1.

    Columns: ``code, name, depth, top, groups, cases, base, highest, highest_pct,
    lowest, lowest_pct, gap`` (percentage points), ``test``, ``chi_square``,
    ``cramers_v`` (effect size, 0 to 1), ``p_value``, ``q_value``; codes in the table's
    order.
    """
    from qualcode.analysis.exact_tests import chi2_sf, fisher_exact_p

    require(table, ["code", by, "cases", "group_cases"], "table", f"project.crosstab({by!r})")
    used = table[table["group_cases"] > 0]
    rows = []
    for code, part in used.groupby("code", sort=False):
        part = part.sort_values(by)
        with_code = part["cases"].to_numpy(dtype=np.int64)
        sizes = part["group_cases"].to_numpy(dtype=np.int64)
        k, n = int(with_code.sum()), int(sizes.sum())
        pct = 100.0 * with_code / sizes
        hi, lo = int(np.argmax(pct)), int(np.argmin(pct))
        row = {"code": code, "groups": len(sizes), "cases": k, "base": n,
               "highest": part[by].iloc[hi], "highest_pct": pct[hi],
               "lowest": part[by].iloc[lo], "lowest_pct": pct[lo], "gap": pct[hi] - pct[lo]}
        for extra in ("name", "depth", "top"):
            if extra in part.columns:
                row[extra] = part[extra].iloc[0]
        if len(sizes) < 2:
            row.update(test="one group only", chi_square=np.nan, cramers_v=np.nan, p_value=np.nan)
        elif k in (0, n):
            row.update(test="no variation", chi_square=0.0, cramers_v=0.0, p_value=1.0)
        else:
            chi = float(_chi_square(with_code.astype(float), sizes.astype(float), k))
            row.update(chi_square=chi, cramers_v=math.sqrt(chi / n))
            if len(sizes) == 2:
                row["test"] = "Fisher's exact"
                row["p_value"] = fisher_exact_p([[with_code[0], sizes[0] - with_code[0]],
                                                 [with_code[1], sizes[1] - with_code[1]]])
            elif _table_count(sizes, k, max_tables) <= max_tables:
                row["test"] = "exact chi-square"
                row["p_value"] = exact_chi_square_p(with_code, sizes)
            elif min((sizes * k / n).min(), (sizes * (n - k) / n).min()) >= MIN_EXPECTED:
                row["test"] = "chi-square"
                row["p_value"] = float(chi2_sf(chi, len(sizes) - 1))
            else:
                row["test"] = f"chi-square, Monte Carlo ({draws:,} draws)"
                row["p_value"] = _monte_carlo_p(with_code, sizes, draws, seed)
        rows.append(row)
    columns = ["code", "name", "depth", "top", "groups", "cases", "base", "highest", "highest_pct", "lowest",
               "lowest_pct", "gap", "test", "chi_square", "cramers_v", "p_value"]
    out = pd.DataFrame(rows, columns=columns).drop(columns=[c for c in ("name", "depth", "top")
                                                            if c not in used.columns])
    out["q_value"] = benjamini_hochberg(out["p_value"], out["test"])
    return out.reset_index(drop=True)


def paired_wave_tests(change: pd.DataFrame) -> pd.DataFrame:
    """Exact McNemar test per code on a paired wave comparison.

    ``change`` is :func:`qualcode.analysis.wave_change` with ``paired=True`` (the same
    cases in both waves). Only the cases that changed carry information: ``only_first``
    raised the code in the first wave and not the second, ``only_second`` the reverse;
    under no change each is equally likely, a binomial test with p = 1/2.

    Adds ``test``, ``p_value`` and ``q_value`` (Benjamini-Hochberg across the codes
    where some case changed; "no change" codes get no q-value) to ``change``.
    """
    from qualcode.analysis.exact_tests import binomial_test_p

    require(change, ["code", "only_first", "only_second", "base_first", "base_second"], "change",
            "project.wave_change(paired=True)")
    if len(change) and (change["base_first"] != change["base_second"]).any():
        raise UsageError("the McNemar test needs the same cases in both waves: use wave_change(..., paired=True)")
    out = change.copy()
    changed = (out["only_first"] + out["only_second"]).astype(int)
    out["test"] = np.where(changed > 0, "exact McNemar", "no change")
    out["p_value"] = [binomial_test_p(int(a), int(t), 0.5) if t else 1.0
                      for a, t in zip(out["only_first"], changed)]
    out["q_value"] = benjamini_hochberg(out["p_value"], out["test"])
    return out
