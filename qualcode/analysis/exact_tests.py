"""The few tests and distributions a report needs, without importing ``scipy.stats``.

``import scipy.stats`` costs about a second of CPU (it builds the docstrings of a hundred
distributions) in every report, for a handful of p-values: Fisher's exact test, an exact
binomial (McNemar) test, the chi-square tail, a t quantile, Benjamini-Hochberg, ranks and
Kruskal-Wallis. ``scipy.special`` (a tenth of that) holds the numerical cores scipy.stats
itself calls: the same Boost hypergeometric and binomial functions, ``chdtrc`` and
``stdtrit``. Each function here follows scipy.stats' own algorithm step for step on those
cores, so the values are scipy.stats' to the last bit (tests/test_exact_tests.py compares
them with scipy.stats on thousands of tables); a report's tables do not change.

If a future scipy renames the Boost functions, :func:`fisher_exact_p` and
:func:`binomial_test_p` use scipy.stats itself.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["benjamini_hochberg_q", "binomial_test_p", "chi2_sf", "fisher_exact_p", "kruskal", "rankdata",
           "t_quantile"]


def _boost() -> Any:
    """scipy.special's Boost distribution functions (what scipy.stats' hypergeom and binom
    call), or None when this scipy has none under these names."""
    try:
        from scipy.special import _ufuncs
    except ImportError:  # pragma: no cover - scipy always has it today
        return None
    names = ("_hypergeom_pmf", "_hypergeom_cdf", "_hypergeom_sf", "_binom_pmf", "_binom_cdf", "_binom_sf")
    return _ufuncs if all(hasattr(_ufuncs, n) for n in names) else None


def _clip(value: Any) -> float:
    return float(np.clip(value, 0, 1))


def _binary_search(a: Callable[[Any], float], d: float, lo: Any, hi: Any) -> Any:
    """scipy.stats._binomtest._binary_search_for_binom_tst: i between lo and hi with a(i) <= d < a(i+1)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        midval = a(mid)
        if midval < d:
            lo = mid + 1
        elif midval > d:
            hi = mid - 1
        else:
            return mid
    if a(lo) <= d:
        return lo
    return lo - 1


def chi2_sf(x: Any, df: Any) -> Any:
    """P(X >= x) for a chi-square with ``df`` degrees of freedom (scipy.stats.chi2.sf)."""
    from scipy.special import chdtrc

    return chdtrc(df, x)


def t_quantile(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom (scipy.stats.t.ppf)."""
    from scipy.special import stdtrit

    return float(stdtrit(df, q))


def fisher_exact_p(table: Sequence[Sequence[int]]) -> float:
    """Two-sided p of Fisher's exact test on a 2 x 2 table (scipy.stats.fisher_exact(...).pvalue)."""
    c = np.asarray(table, dtype=np.int64)
    if c.shape != (2, 2) or (c < 0).any():
        raise ValueError("Fisher's exact test needs a 2 x 2 table of counts")
    boost = _boost()
    if boost is None:  # pragma: no cover - another scipy
        from scipy import stats

        return float(stats.fisher_exact(c).pvalue)
    if 0 in c.sum(axis=0) or 0 in c.sum(axis=1):
        return 1.0
    n1 = int(c[0, 0] + c[0, 1])
    n2 = int(c[1, 0] + c[1, 1])
    n = int(c[0, 0] + c[1, 0])
    total = n1 + n2
    low, high = max(n - n2, 0), min(n1, n)  # the support of the hypergeometric distribution

    def pmf(x: Any) -> float:
        return _clip(boost._hypergeom_pmf(x, n1, n, total)) if low <= x <= high and x == math.floor(x) else 0.0

    def cdf(x: Any) -> float:
        return 1.0 if x >= high else 0.0 if x < low else _clip(boost._hypergeom_cdf(x, n1, n, total))

    def sf(x: Any) -> float:
        return 1.0 if x < low else 0.0 if x >= high else _clip(boost._hypergeom_sf(x, n1, n, total))

    x = int(c[0, 0])
    mode = int((n + 1) * (n1 + 1) / (n1 + n2 + 2))
    pexact, pmode = pmf(x), pmf(mode)
    epsilon = 1e-14
    gamma = 1 + epsilon
    if abs(pexact - pmode) / max(pexact, pmode) <= epsilon:
        return 1.0
    if x < mode:
        plower = cdf(x)
        if pmf(n) > pexact * gamma:
            return plower
        guess = _binary_search(lambda k: -pmf(k), -pexact * gamma, mode, n)
        pvalue = plower + sf(guess)
    else:
        pupper = sf(x - 1)
        if pmf(0) > pexact * gamma:
            return pupper
        guess = _binary_search(pmf, pexact * gamma, 0, mode)
        pvalue = pupper + cdf(guess)
    return min(pvalue, 1.0)


def binomial_test_p(k: int, n: int, p: float = 0.5) -> float:
    """Two-sided p of the exact binomial test of ``k`` successes in ``n`` trials
    (scipy.stats.binomtest(k, n, p).pvalue)."""
    if not (0 <= k <= n and n >= 1 and 0 <= p <= 1):
        raise ValueError(f"binomial test: need 0 <= k <= n, n >= 1 and 0 <= p <= 1, got k={k}, n={n}, p={p}")
    boost = _boost()
    if boost is None:  # pragma: no cover - another scipy
        from scipy import stats

        return float(stats.binomtest(k, n, p).pvalue)

    def pmf(x: Any) -> float:
        return _clip(boost._binom_pmf(x, n, p)) if 0 <= x <= n and x == math.floor(x) else 0.0

    def cdf(x: Any) -> float:
        x = math.floor(x)
        return 1.0 if x >= n else 0.0 if x < 0 else _clip(boost._binom_cdf(x, n, p))

    def sf(x: Any) -> float:
        x = math.floor(x)
        return 1.0 if x < 0 else 0.0 if x >= n else _clip(boost._binom_sf(x, n, p))

    d = pmf(k)
    rerr = 1 + 1e-7
    if k == p * n:
        pval = 1.0
    elif k < p * n:
        ix = _binary_search(lambda x1: -pmf(x1), -d * rerr, np.ceil(p * n), n)
        y = n - ix + int(d * rerr == pmf(ix))
        pval = cdf(k) + sf(n - y)
    else:
        ix = _binary_search(pmf, d * rerr, 0, np.floor(p * n))
        y = ix + 1
        pval = cdf(y - 1) + sf(k - 1)
    return float(min(1.0, pval))


def benjamini_hochberg_q(ps: Any) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, in the order given
    (scipy.stats.false_discovery_control(ps, method="bh"))."""
    ps = np.asarray(ps, dtype=float)
    if ps.ndim != 1:
        raise ValueError("Benjamini-Hochberg: give one p-value per test, in a flat sequence")
    if ((ps < 0) | (ps > 1) | np.isnan(ps)).any():
        raise ValueError("Benjamini-Hochberg: every p-value must lie between 0 and 1")
    if ps.size <= 1:
        return ps.copy()
    m = ps.size
    order = np.argsort(ps)
    adjusted = ps[order]
    adjusted *= m / np.arange(1, m + 1, dtype=adjusted.dtype)
    np.minimum.accumulate(adjusted[::-1], out=adjusted[::-1])
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return np.clip(out, 0.0, 1.0)


def _ranks_and_ties(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (1-based) of ``x`` and the size of each group of tied values."""
    order = np.argsort(x, kind="stable")
    y = x[order]
    first = np.concatenate([[True], y[:-1] != y[1:]])
    starts = np.arange(y.size)[first]
    counts = np.diff(starts, append=y.size)
    ordinal = np.arange(1, y.size + 1, dtype=float)
    ranks_sorted = np.repeat(ordinal[first] + (counts.astype(float) - 1) / 2, counts)
    ranks = np.empty_like(ranks_sorted)
    ranks[order] = ranks_sorted
    return ranks, counts.astype(float)


def rankdata(values: Any) -> np.ndarray:
    """Ranks 1..n, ties sharing their average rank (scipy.stats.rankdata(values))."""
    x = np.ravel(np.asarray(values))
    if x.size == 0:
        return np.empty(0, dtype=float)
    if np.issubdtype(x.dtype, np.floating) and np.isnan(x).any():
        return np.full(x.size, np.nan)
    return _ranks_and_ties(x)[0]


def kruskal(*samples: Any) -> tuple[float, float]:
    """Kruskal-Wallis H and its chi-square p (scipy.stats.kruskal(*samples)); NaN for
    both if a value is missing."""
    if len(samples) < 2:
        raise ValueError("Kruskal-Wallis needs at least two groups")
    arrays = [np.asarray(s, dtype=float) for s in samples]
    sizes = [a.shape[-1] for a in arrays]
    if min(sizes) < 1:
        raise ValueError("Kruskal-Wallis: every group needs at least one value")
    total = sum(sizes)
    alldata = np.concatenate(arrays)
    if np.isnan(alldata).any():
        return float("nan"), float("nan")  # as scipy.stats' nan_policy="propagate"
    ranked, ties = _ranks_and_ties(alldata)
    tie_correction = 1 - np.sum(ties ** 3 - ties) / (total ** 3 - total)
    bounds = list(itertools.accumulate(sizes, initial=0))
    ssbn = sum(np.sum(ranked[bounds[i]:bounds[i + 1]]) ** 2 / sizes[i] for i in range(len(arrays)))
    h = 12.0 / (total * (total + 1)) * ssbn - 3 * (total + 1)
    h /= tie_correction
    return float(h), float(chi2_sf(h, np.asarray(len(arrays) - 1, dtype=np.float64)))
