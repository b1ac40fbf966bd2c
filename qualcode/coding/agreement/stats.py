"""Agreement statistics computed from compressed presence data.

Why compressed: with two or more coders and present/absent decisions, every unit of a
code is fully described by two small bit masks -- which coders *could* have coded it
(``avail``, they coded its source) and which coders *applied* the code (``present``).
Cohen's kappa, percent agreement and Krippendorff's nominal alpha depend only on how many
units (or characters) share each (code, avail, present) combination. So the engine
counts those combinations once (:class:`StateCounts`) and every statistic is a handful of
``np.bincount`` calls over at most codes x 2**coders x 2**coders rows, whatever the number
of units. This is what keeps 3 coders x 10**5 units x 200 codes well under the speed
target without materialising a 6*10**7-cell table.

Undefined values are ``NaN`` with an explanation string, never 0 or 1: a kappa for a code
nobody used is 0/0, and reporting it as perfect agreement would flatter the codebook.

:func:`alpha_nominal` is a general (any values, missing data) implementation of
Krippendorff's alpha from the coincidence matrix, used for checks and by callers who
have ordinary reliability data rather than code presence.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

#: Explanations used in the ``explanation`` columns, one per cause.
NO_UNITS = "undefined: no unit was coded by both coders"
NO_PAIRABLE = "undefined: no unit was coded by two or more coders"
ALL_ABSENT = "undefined: nobody applied the code (no variation)"
ALL_PRESENT = "undefined: the code was applied to every unit by every coder (no variation)"
FEW_WEIGHTS = "weight r undefined: fewer than 2 units weighted by both coders"
CONST_WEIGHTS = "weight r undefined: a coder's weights do not vary"
NO_WEIGHTS = "weight r not computed at character level"


@dataclass(frozen=True)
class StateCounts:
    """How many units (or characters) share each (code, avail, present) combination.

    Bit ``i`` of ``avail`` is set when coder ``coders[i]`` coded the unit's source (so an
    absent mark is a real "no" rather than missing data); bit ``i`` of ``present`` is set
    when that coder applied the code. ``present`` is always a subset of ``avail``.
    ``n`` is a float so that character counts and unit counts share one type.
    """

    codes: tuple[str, ...]
    coders: tuple[str, ...]
    code: np.ndarray
    avail: np.ndarray
    present: np.ndarray
    n: np.ndarray

    @property
    def n_codes(self) -> int:
        return len(self.codes)


def popcount(mask: np.ndarray) -> np.ndarray:
    """Number of set bits of each non-negative integer (coders in a mask)."""
    mask = np.asarray(mask, dtype=np.int64)
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(mask).astype(np.int64)
    count = np.zeros(mask.shape, dtype=np.int64)
    rest = mask.copy()
    while rest.any():
        count += rest & 1
        rest >>= 1
    return count


# --------------------------------------------------------------------------- pairs
def pair_counts(sc: StateCounts, a: int, b: int) -> np.ndarray:
    """Per code, the 2x2 table of coders ``a`` and ``b``: columns both, only_a, only_b, neither.

    Only units that both coders coded count (the others are missing for this pair).
    """
    both_avail = ((sc.avail >> a) & 1).astype(bool) & ((sc.avail >> b) & 1).astype(bool)
    xa = (sc.present[both_avail] >> a) & 1
    xb = (sc.present[both_avail] >> b) & 1
    # cell index: 0 both, 1 only a, 2 only b, 3 neither
    cell = np.where(xa == 1, np.where(xb == 1, 0, 1), np.where(xb == 1, 2, 3))
    key = sc.code[both_avail] * 4 + cell
    counts = np.bincount(key, weights=sc.n[both_avail], minlength=sc.n_codes * 4)
    return counts.reshape(sc.n_codes, 4)


def kappa_from_counts(counts: np.ndarray) -> pd.DataFrame:
    """Cohen's kappa and its parts for each row of a (k, 4) both/only_a/only_b/neither array.

    Uses the closed form for a 2x2 table, kappa = 2(ad - bc) / ((a+b)(b+d) + (a+c)(c+d)),
    which equals (po - pe) / (1 - pe) and is 0/0 exactly when both coders gave one and
    the same answer to every unit.
    """
    counts = np.asarray(counts, dtype=float).reshape(-1, 4)
    a, b, c, d = counts.T
    n = a + b + c + d
    with np.errstate(invalid="ignore", divide="ignore"):
        po = (a + d) / n
        pa, pb = (a + b) / n, (a + c) / n
        pe = pa * pb + (1 - pa) * (1 - pb)
        denom = (a + b) * (b + d) + (a + c) * (c + d)
        kappa = np.where(denom > 0, 2 * (a * d - b * c) / np.where(denom > 0, denom, 1), np.nan)
    note = np.full(len(n), "", dtype=object)
    note[(denom == 0) & (d == n)] = ALL_ABSENT
    note[(denom == 0) & (a == n)] = ALL_PRESENT
    note[n == 0] = NO_UNITS
    return pd.DataFrame(
        {"n_units": n, "both": a, "only_a": b, "only_b": c, "neither": d,
         "percent_agreement": 100 * po, "po": po, "pe": pe, "kappa": kappa,
         "kappa_note": note}
    )


def pooled_kappa(po: np.ndarray, pe: np.ndarray) -> tuple[float, float, float, str]:
    """Pooled kappa (de Vries et al. 2008): kappa from observed and expected agreement averaged over codes.

    Codes without units (``po`` NaN) are left out. A code nobody used has po = pe = 1 and
    leaves the pooled kappa unchanged, so it is kept. Returns (po_bar, pe_bar, kappa, note).
    """
    po = np.asarray(po, dtype=float)
    pe = np.asarray(pe, dtype=float)
    ok = ~np.isnan(po) & ~np.isnan(pe)
    if not ok.any():
        return float("nan"), float("nan"), float("nan"), NO_UNITS
    po_bar, pe_bar = float(po[ok].mean()), float(pe[ok].mean())
    if pe_bar >= 1.0:
        return po_bar, pe_bar, float("nan"), "undefined: no code varied between units"
    return po_bar, pe_bar, (po_bar - pe_bar) / (1.0 - pe_bar), ""


# --------------------------------------------------------------------------- alpha
@dataclass(frozen=True)
class Coincidences:
    """Binary coincidence matrix parts per code: o_01 and the marginals n_0, n_1."""

    o01: np.ndarray
    n0: np.ndarray
    n1: np.ndarray

    @property
    def n(self) -> np.ndarray:
        return self.n0 + self.n1


def coincidences(sc: StateCounts) -> Coincidences:
    """Krippendorff's coincidence counts for present/absent data, per code.

    A unit coded by m_u >= 2 coders, n1 of whom applied the code, contributes
    n1(m_u - n1)/(m_u - 1) to o_01 and its m_u values to the marginals; units with fewer
    than two coders are unpairable and ignored, as the definition requires.
    """
    m = popcount(sc.avail)
    ones = popcount(sc.present & sc.avail)
    keep = m >= 2
    m, ones, w, code = m[keep], ones[keep], sc.n[keep], sc.code[keep]
    zeros = m - ones
    o01 = np.bincount(code, weights=w * ones * zeros / (m - 1), minlength=sc.n_codes)
    n1 = np.bincount(code, weights=w * ones, minlength=sc.n_codes)
    n0 = np.bincount(code, weights=w * zeros, minlength=sc.n_codes)
    return Coincidences(o01=o01, n0=n0, n1=n1)


def alpha_from_coincidences(o01: np.ndarray, n0: np.ndarray, n1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nominal alpha = 1 - (n - 1) o_01 / (n_0 n_1), with NaN and a reason where undefined."""
    o01, n0, n1 = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (o01, n0, n1))
    n = n0 + n1
    denom = n0 * n1
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(denom > 0, 1.0 - (n - 1) * o01 / np.where(denom > 0, denom, 1), np.nan)
    note = np.full(len(n), "", dtype=object)
    note[(denom == 0) & (n1 > 0)] = ALL_PRESENT
    note[(denom == 0) & (n1 == 0)] = ALL_ABSENT
    note[n == 0] = NO_PAIRABLE
    return alpha, note


def percent_all_agree(sc: StateCounts) -> tuple[np.ndarray, np.ndarray]:
    """Per code: percentage of pairable units on which every coder who coded it agrees, and the unit count."""
    m = popcount(sc.avail)
    ones = popcount(sc.present & sc.avail)
    keep = m >= 2
    agree = (ones == 0) | (ones == m)
    total = np.bincount(sc.code[keep], weights=sc.n[keep], minlength=sc.n_codes)
    agreed = np.bincount(sc.code[keep & agree], weights=sc.n[keep & agree], minlength=sc.n_codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(total > 0, 100 * agreed / np.where(total > 0, total, 1), np.nan)
    return pct, total


def percent_all_applied(sc: StateCounts) -> tuple[np.ndarray, np.ndarray]:
    """Per code: of the pairable units at least one coder applied it to, the percentage every coder applied it to.

    Returns (percent, units applied by anyone). Unlike percent agreement this ignores the
    units nobody applied the code to, so it is not inflated when "neither" dominates (a
    rare code over many sentences). With two coders it is both / (both + only_a + only_b),
    the "share of quote-code pairs both coders chose" that teams often quote; it is the
    Jaccard index of the two coders' sets and is not corrected for chance.
    """
    m = popcount(sc.avail)
    ones = popcount(sc.present & sc.avail)
    keep = (m >= 2) & (ones > 0)
    every = keep & (ones == m)
    applied = np.bincount(sc.code[keep], weights=sc.n[keep], minlength=sc.n_codes)
    by_all = np.bincount(sc.code[every], weights=sc.n[every], minlength=sc.n_codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(applied > 0, 100 * by_all / np.where(applied > 0, applied, 1), np.nan)
    return pct, applied


def alpha_nominal(reliability_data: np.ndarray | Sequence[Sequence[float]]) -> float:
    """Krippendorff's alpha for nominal data from a coders x units matrix (NaN = missing).

    Built from the coincidence matrix: for each unit with m_u >= 2 values and value
    counts c_u, o += (c_u c_u^T - diag(c_u)) / (m_u - 1). Returns NaN when alpha is
    undefined (no pairable unit, or a single value throughout).
    """
    data = np.asarray(reliability_data, dtype=float)
    if data.ndim != 2:
        raise ValueError("reliability_data must be a 2-D coders x units array")
    values, inverse = np.unique(data[~np.isnan(data)], return_inverse=True)
    if len(values) < 2:
        return float("nan")
    codes = np.full(data.shape, -1, dtype=np.int64)
    codes[~np.isnan(data)] = inverse
    n_units, n_values = data.shape[1], len(values)
    counts = np.zeros((n_units, n_values))
    coder_idx, unit_idx = np.nonzero(codes >= 0)
    np.add.at(counts, (unit_idx, codes[coder_idx, unit_idx]), 1)
    m_u = counts.sum(axis=1)
    pairable = m_u >= 2
    counts, m_u = counts[pairable], m_u[pairable]
    if counts.size == 0:
        return float("nan")
    scaled = counts / (m_u - 1)[:, None]
    o = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    observed_disagreement = o.sum() - np.trace(o)
    expected_disagreement = (n_c.sum() ** 2 - (n_c ** 2).sum()) / (n - 1)
    if expected_disagreement <= 0:
        return float("nan")
    return float(1.0 - observed_disagreement / expected_disagreement)


# --------------------------------------------------------------------------- weights
def grouped_pearson(group: np.ndarray, x: np.ndarray, y: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pearson r of (x, y) within each group, centred two-pass for accuracy.

    Returns (r, n, note): r is NaN with a note when a group has fewer than two pairs or
    either variable is constant within it.
    """
    n = np.bincount(group, minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.bincount(group, weights=x, minlength=n_groups) / n
        my = np.bincount(group, weights=y, minlength=n_groups) / n
        dx, dy = x - mx[group], y - my[group]
        sxx = np.bincount(group, weights=dx * dx, minlength=n_groups)
        syy = np.bincount(group, weights=dy * dy, minlength=n_groups)
        sxy = np.bincount(group, weights=dx * dy, minlength=n_groups)
        scale_x = np.bincount(group, weights=x * x, minlength=n_groups)
        scale_y = np.bincount(group, weights=y * y, minlength=n_groups)
        constant = (sxx <= 1e-12 * scale_x) | (syy <= 1e-12 * scale_y)
        r = np.where((n >= 2) & ~constant, sxy / np.sqrt(sxx * syy), np.nan)
    r = np.clip(r, -1.0, 1.0)
    note = np.full(n_groups, "", dtype=object)
    note[(n >= 2) & constant] = CONST_WEIGHTS
    note[n < 2] = FEW_WEIGHTS
    return r, n, note
