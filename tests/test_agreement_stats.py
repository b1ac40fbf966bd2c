"""Agreement statistics checked against independent implementations and published numbers."""
from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr
from sklearn.metrics import cohen_kappa_score

from qualcode.coding.agreement.interpret import alpha_label, interpretation_text, kappa_label
from qualcode.coding.agreement.stats import (
    ALL_ABSENT, ALL_PRESENT, NO_UNITS, alpha_nominal, grouped_pearson, kappa_from_counts, pooled_kappa,
)


def oracle_alpha(data, value_domain=None) -> float:
    """The krippendorff package's nominal alpha, NaN where it calls alpha undefined."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal",
                                            value_domain=value_domain))
        except ValueError:  # "no unit with two coders" / "one value in the domain"
            return float("nan")


def table_of(y1, y2) -> list[float]:
    y1, y2 = np.asarray(y1), np.asarray(y2)
    return [np.sum((y1 == 1) & (y2 == 1)), np.sum((y1 == 1) & (y2 == 0)),
            np.sum((y1 == 0) & (y2 == 1)), np.sum((y1 == 0) & (y2 == 0))]


# --------------------------------------------------------------------------- kappa
def test_kappa_reproduces_the_textbook_grant_example():
    # 50 proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> po .70, pe .50, kappa .40
    row = kappa_from_counts(np.array([[20, 5, 10, 15]])).iloc[0]
    assert row["po"] == pytest.approx(0.70)
    assert row["pe"] == pytest.approx(0.50)
    assert row["kappa"] == pytest.approx(0.40)
    assert row["percent_agreement"] == pytest.approx(70.0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=60))
def test_kappa_equals_sklearn_on_random_and_edge_data(pairs):
    y1 = [a for a, _ in pairs]
    y2 = [b for _, b in pairs]
    expected = cohen_kappa_score(y1, y2, labels=[0, 1])
    row = kappa_from_counts(np.array([table_of(y1, y2)])).iloc[0]
    if np.isnan(expected):
        assert np.isnan(row["kappa"])
        assert row["kappa_note"].startswith("undefined")
    else:
        assert row["kappa"] == pytest.approx(expected, abs=1e-12)
        assert row["kappa_note"] == ""


def test_kappa_undefined_cases_are_nan_with_reasons_never_0_or_1():
    out = kappa_from_counts(np.array([[0, 0, 0, 10], [7, 0, 0, 0], [0, 0, 0, 0]]))
    assert out["kappa"].isna().all()
    assert list(out["kappa_note"]) == [ALL_ABSENT, ALL_PRESENT, NO_UNITS]
    # one coder constant, the other not: kappa is defined and is 0
    assert kappa_from_counts(np.array([[0, 0, 3, 7]])).iloc[0]["kappa"] == pytest.approx(0.0)


# --------------------------------------------------------------------------- pooled kappa
def test_pooled_kappa_by_hand_on_three_codes():
    # three codes over 10 excerpts, tables (both, only A, only B, neither)
    tables = np.array([[4, 1, 1, 4], [2, 0, 3, 5], [0, 0, 0, 10]])
    # by hand:
    # code 1: po = 8/10; pA = .5, pB = .5 -> pe = .25 + .25 = .50
    # code 2: po = 7/10; pA = .2, pB = .5 -> pe = .10 + .40 = .50
    # code 3: po = 1;    pA = 0,  pB = 0  -> pe = 1
    po_bar = (0.8 + 0.7 + 1.0) / 3
    pe_bar = (0.5 + 0.5 + 1.0) / 3
    expected = (po_bar - pe_bar) / (1 - pe_bar)  # = (2.5/3 - 2/3) / (1/3) = 0.5
    assert expected == pytest.approx(0.5)
    stats = kappa_from_counts(tables)
    po, pe, kappa, note = pooled_kappa(stats["po"].to_numpy(), stats["pe"].to_numpy())
    assert po == pytest.approx(po_bar) and pe == pytest.approx(pe_bar)
    assert kappa == pytest.approx(expected)
    assert note == ""

def test_pooled_kappa_is_not_the_mean_of_per_code_kappas():
    # code 1: kappa .6 (po .8, pe .5); code 2: [1, 0, 0, 9] -> po 1, pA = pB = .1, pe = .82, kappa 1
    stats = kappa_from_counts(np.array([[4, 1, 1, 4], [1, 0, 0, 9]]))
    assert list(stats["kappa"]) == pytest.approx([0.6, 1.0])
    # pooled: po .9, pe (.5 + .82) / 2 = .66 -> (.9 - .66) / .34
    assert pooled_kappa(stats["po"], stats["pe"])[2] == pytest.approx(0.24 / 0.34)


def test_pooled_kappa_undefined_when_no_code_varies():
    stats = kappa_from_counts(np.array([[0, 0, 0, 5], [5, 0, 0, 0]]))
    assert np.isnan(pooled_kappa(stats["po"], stats["pe"])[2])


# --------------------------------------------------------------------------- alpha
KRIPPENDORFF_2011_NOMINAL = [  # Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C
    [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],          # observer A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],                    # observer B
    [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],               # observer C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],                    # observer D
]


def test_alpha_reproduces_krippendorffs_published_nominal_example():
    # 4 observers, 12 units, missing data, nominal: the paper reports alpha = 0.743
    assert round(alpha_nominal(KRIPPENDORFF_2011_NOMINAL), 3) == 0.743


def test_alpha_reproduces_the_coincidence_matrix_by_hand():
    # Independent hand computation of the same example, straight from the definition:
    # unit 12 has one value and is unpairable; units 2, 6 and 8 hold the only disagreements.
    data = np.array(KRIPPENDORFF_2011_NOMINAL)
    # n_c by direct count over units with >= 2 values
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    vals = data[:, pairable]
    n_c = {v: int(np.sum(vals == v)) for v in (1, 2, 3, 4, 5)}
    assert n_c == {1: 9, 2: 13, 3: 10, 4: 5, 5: 3}
    n = sum(n_c.values())
    # disagreeing units: u2 (2,2,3,2), u6 (1,2,3,4), u8 (1,1,2,1); sum over units of
    # mismatched ordered pairs / (m_u - 1): u2: 6/3, u6: 12/3, u8: 6/3
    observed = 6 / 3 + 12 / 3 + 6 / 3
    expected = sum(n_c[a] * n_c[b] for a in n_c for b in n_c if a != b) / (n - 1)
    assert alpha_nominal(data) == pytest.approx(1 - observed / expected)


def test_alpha_reproduces_the_wikipedia_three_coder_example():
    # en.wikipedia.org/wiki/Krippendorff's_alpha "A computational example": nominal alpha = 0.691
    nan = np.nan
    data = [[nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
            [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
            [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4]]
    assert round(alpha_nominal(data), 3) == 0.691


reliability = st.integers(2, 5).flatmap(lambda coders: st.integers(1, 25).flatmap(
    lambda units: st.lists(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=units, max_size=units),
                           min_size=coders, max_size=coders)))


@settings(max_examples=200, deadline=None)
@given(reliability)
def test_alpha_nominal_equals_krippendorff_package_with_missing_values(rows):
    data = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    expected = oracle_alpha(data)
    got = alpha_nominal(data)
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-9)


# --------------------------------------------------------------------------- weights
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(1, 10), st.integers(1, 10)), min_size=0, max_size=40))
def test_grouped_pearson_equals_scipy(rows):
    group = np.array([g for g, _, _ in rows], dtype=np.int64)
    x = np.array([a for _, a, _ in rows], dtype=float)
    y = np.array([b for _, _, b in rows], dtype=float)
    r, n, note = grouped_pearson(group, x, y, 3)
    for g in range(3):
        xs, ys = x[group == g], y[group == g]
        assert n[g] == len(xs)
        if len(xs) < 2 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
            assert np.isnan(r[g]) and note[g].startswith("weight r undefined")
        else:
            assert r[g] == pytest.approx(pearsonr(xs, ys).statistic, abs=1e-9)


# --------------------------------------------------------------------------- interpretation
@pytest.mark.parametrize("value,label", [
    (-0.1, "poor"), (0.0, "slight"), (0.20, "slight"), (0.21, "fair"), (0.40, "fair"), (0.41, "moderate"),
    (0.60, "moderate"), (0.61, "substantial"), (0.80, "substantial"), (0.81, "almost perfect"),
    (1.0, "almost perfect"), (float("nan"), "undefined"),
])
def test_landis_koch_bands(value, label):
    assert kappa_label(value) == label


@pytest.mark.parametrize("value,label", [
    (0.5, "unacceptable"), (0.666, "unacceptable"), (0.667, "tentative"), (0.79, "tentative"),
    (0.8, "acceptable"), (1.0, "acceptable"), (float("nan"), "undefined"),
])
def test_krippendorff_guideline(value, label):
    assert alpha_label(value) == label


def test_interpretation_text_names_values_and_says_these_are_conventions():
    text = interpretation_text(0.65, float("nan"))
    assert "0.65 (substantial)" in text
    assert "undefined (undefined)" in text
    assert "conventions" in text and "Landis & Koch (1977)" in text and "Krippendorff (2004)" in text
