"""agreement(): end-to-end results checked against sklearn, the krippendorff package and hand counts."""
from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr
from sklearn.metrics import cohen_kappa_score

from qualcode.coding.agreement.measure import AgreementResult, agreement
from qualcode.errors import CodingError, NotFoundError, QualcodeError, UsageError

CODERS = ["ann", "ben", "cat", "dan"]
CODES = ["Issues/Governance", "Issues/Sustainability", "Self/Confidence"]


def oracle_alpha(data) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal", value_domain=[0, 1]))
        except ValueError:
            return float("nan")


def oracle_kappa(y1, y2) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(y1, y2, labels=[0, 1]))


def frames_from_matrix(present: np.ndarray, coded: np.ndarray):
    """Build applications, units and a who-coded-what frame from a coders x units x codes 0/1 array.

    Each unit is the excerpt [0, 10) of its own source, so 'coded' can vary per unit.
    """
    m, n_units, k = present.shape
    rows = []
    for c in range(m):
        for u in range(n_units):
            if not coded[c, u]:
                continue
            for j in range(k):
                if present[c, u, j]:
                    rows.append({"excerpt_id": u + 1, "source_id": u + 1, "start": 0, "end": 10,
                                 "code": CODES[j], "coder": CODERS[c], "weight": np.nan})
    apps = pd.DataFrame(rows, columns=["excerpt_id", "source_id", "start", "end", "code", "coder", "weight"])
    units = pd.DataFrame({"excerpt_id": np.arange(1, n_units + 1), "source_id": np.arange(1, n_units + 1),
                          "start": 0, "end": 10})
    who = pd.DataFrame([{"coder": CODERS[c], "source_id": u + 1} for c in range(m) for u in range(n_units) if coded[c, u]],
                       columns=["coder", "source_id"])
    return apps, units, who


@st.composite
def coding_study(draw, allow_missing: bool):
    m = draw(st.integers(2, 4))
    n_units = draw(st.integers(1, 20))
    k = draw(st.integers(1, 3))
    present = np.array(draw(st.lists(st.integers(0, 1), min_size=m * n_units * k, max_size=m * n_units * k))).reshape(m, n_units, k)
    if allow_missing:
        coded = np.array(draw(st.lists(st.booleans(), min_size=m * n_units, max_size=m * n_units))).reshape(m, n_units)
    else:
        coded = np.ones((m, n_units), dtype=bool)
    # every coder must appear somewhere for the comparison to name them
    for c in range(m):
        if not (present[c] * coded[c][:, None]).any():
            u = draw(st.integers(0, n_units - 1))
            coded[c, u] = True
            present[c, u, 0] = 1
    return present, coded


@settings(max_examples=80, deadline=None)
@given(coding_study(allow_missing=True))
def test_per_code_alpha_and_pairwise_kappa_match_the_oracles_with_missing_data(study):
    present, coded = study
    m, _, k = present.shape
    apps, units, who = frames_from_matrix(present, coded)
    if (coded.sum(axis=0) < 2).all():  # no unit coded by two coders: nothing to compare, said loudly
        with pytest.raises(NotFoundError, match="nothing to compare"):
            agreement(apps, units=units, sources=who, require_all=False, codes=CODES[:k])
        return
    result = agreement(apps, units=units, sources=who, require_all=False, codes=CODES[:k])
    assert result.coders == tuple(CODERS[:m])
    for j, code in enumerate(CODES[:k]):
        data = np.where(coded, present[:, :, j], np.nan).astype(float)
        row = result.per_code.set_index("code").loc[code]
        expected = oracle_alpha(data)
        if np.isnan(expected):
            assert np.isnan(row["alpha"]) and "alpha" in row["explanation"] and row["alpha_label"] == "undefined"
        else:
            assert row["alpha"] == pytest.approx(expected, abs=1e-9)
        pairs = result.pairwise[result.pairwise["code"] == code]
        for pr in pairs.itertuples(index=False):
            a, b = CODERS.index(pr.coder_a), CODERS.index(pr.coder_b)
            both = coded[a] & coded[b]
            assert pr.n_units == both.sum()
            if both.sum() == 0:
                assert np.isnan(pr.kappa)
                continue
            kappa = oracle_kappa(present[a, both, j], present[b, both, j])
            if np.isnan(kappa):
                assert np.isnan(pr.kappa) and pr.explanation.startswith("kappa undefined")
            else:
                assert pr.kappa == pytest.approx(kappa, abs=1e-12)
    # overall alpha = alpha over every unit x code decision
    stacked = np.concatenate([np.where(coded, present[:, :, j], np.nan) for j in range(k)], axis=1).astype(float)
    expected = oracle_alpha(stacked)
    if np.isnan(expected):
        assert np.isnan(result.pooled["alpha"])
    else:
        assert result.pooled["alpha"] == pytest.approx(expected, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(coding_study(allow_missing=False))
def test_two_coder_per_code_table_and_pooled_kappa_match_hand_counts(study):
    present, coded = study
    present, coded = present[:2], coded[:2]
    k = present.shape[2]
    apps, units, _ = frames_from_matrix(present, coded)
    result = agreement(apps, units=units, sources=list(units["source_id"]), codes=CODES[:k])
    po, pe = [], []
    for j, code in enumerate(CODES[:k]):
        a, b = present[0, :, j], present[1, :, j]
        row = result.per_code.set_index("code").loc[code]
        counts = (np.sum(a & b), np.sum(a & (1 - b)), np.sum((1 - a) & b), np.sum((1 - a) & (1 - b)))
        assert (row["both"], row["only_a"], row["only_b"], row["neither"]) == counts
        assert row["percent_agreement"] == pytest.approx(100 * np.mean(a == b))
        kappa = oracle_kappa(a, b)
        assert (np.isnan(row["kappa"]) and np.isnan(kappa)) or row["kappa"] == pytest.approx(kappa, abs=1e-12)
        po.append(np.mean(a == b))
        pe.append(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    po_bar, pe_bar = np.mean(po), np.mean(pe)
    if pe_bar < 1:
        assert result.pooled["kappa"] == pytest.approx((po_bar - pe_bar) / (1 - pe_bar), abs=1e-12)
    else:
        assert np.isnan(result.pooled["kappa"]) and "undefined" in result.pooled["explanation"]


# --------------------------------------------------------------------------- hand-made fixture
def fixture() -> pd.DataFrame:
    """Two coders, 10 excerpts of one source, three codes, some weights."""
    ann = {"G": [1, 2, 3, 4, 5], "S": [1, 2], "C": []}
    ben = {"G": [1, 2, 3, 4, 6], "S": [1, 2, 3, 4, 5], "C": []}
    weights = {("ann", "G"): {1: 2, 2: 4, 3: 6, 4: 8}, ("ben", "G"): {1: 3, 2: 5, 3: 6, 4: 9, 6: 1}}
    rows = []
    for coder, codes in (("ann", ann), ("ben", ben)):
        for code, excerpts in codes.items():
            for e in excerpts:
                rows.append({"excerpt_id": e, "source_id": 7, "start": 10 * e, "end": 10 * e + 10, "code": code,
                             "coder": coder, "weight": weights.get((coder, code), {}).get(e, np.nan),
                             "text": f"excerpt {e}"})
    return pd.DataFrame(rows)


def fixture_units() -> pd.DataFrame:
    return pd.DataFrame({"excerpt_id": range(1, 11), "source_id": 7, "start": [10 * e for e in range(1, 11)],
                         "end": [10 * e + 10 for e in range(1, 11)], "text": [f"excerpt {e}" for e in range(1, 11)]})


def test_hand_fixture_per_code_pooled_and_weights():
    result = agreement(fixture(), units=fixture_units(), codes=["G", "S", "C"])
    assert isinstance(result, AgreementResult) and result.unit == "excerpt"
    pc = result.per_code.set_index("code")
    # G: both 1-4, only ann 5, only ben 6, neither 7-10 -> po .8, pe .5*.5+.5*.5 = .5, kappa .6
    assert tuple(pc.loc["G", ["both", "only_a", "only_b", "neither"]]) == (4, 1, 1, 4)
    assert pc.loc["G", "kappa"] == pytest.approx(0.6)
    # S: both 1-2, only ben 3-5, neither 6-10 -> po .7, pe .2*.5 + .8*.5 = .5, kappa .4
    assert pc.loc["S", "kappa"] == pytest.approx(0.4)
    assert pc.loc["S", "kappa_label"] == "fair"
    # C: nobody used it -> undefined, explained, not 0 or 1
    assert np.isnan(pc.loc["C", "kappa"]) and np.isnan(pc.loc["C", "alpha"])
    assert pc.loc["C", "explanation"] == "kappa and alpha undefined: nobody applied the code (no variation)"
    assert pc.loc["C", "kappa_label"] == "undefined" and pc.loc["C", "percent_agreement"] == 100
    # pooled: po (.8 + .7 + 1)/3, pe (.5 + .5 + 1)/3 -> (2.5 - 2)/(3 - 2) = .5
    assert result.pooled["kappa"] == pytest.approx(0.5)
    assert result.pooled["kappa_label"] == "moderate"
    # weights: G on excerpts 1-4 weighted by both: (2,3) (4,5) (6,6) (8,9)
    assert pc.loc["G", "n_weighted"] == 4
    assert pc.loc["G", "weight_r"] == pytest.approx(pearsonr([2, 4, 6, 8], [3, 5, 6, 9]).statistic)
    # S carries no weights at all: r is NaN and no weight note clutters the row
    assert np.isnan(pc.loc["S", "weight_r"]) and pc.loc["S", "explanation"] == ""
    # alpha of G by the package on the same decisions
    g = np.array([[1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 1, 0, 0, 0, 0]], dtype=float)
    assert pc.loc["G", "alpha"] == pytest.approx(oracle_alpha(g))


def test_disagreement_list_shows_what_each_coder_applied():
    result = agreement(fixture(), units=fixture_units(), codes=["G", "S", "C"])
    dis = result.disagreements
    assert list(dis["unit_id"]) == [3, 4, 5, 6]
    row5 = dis.set_index("unit_id").loc[5]
    assert row5["disputed"] == "G; S"
    assert row5["applied:ann"] == "G" and row5["applied:ben"] == "S"
    assert row5["text"] == "excerpt 5" and (row5["source_id"], row5["start"], row5["end"]) == (7, 50, 60)
    row3 = dis.set_index("unit_id").loc[3]
    assert row3["disputed"] == "S" and row3["applied:ann"] == "G" and row3["applied:ben"] == "G; S"
    assert result.pooled["n_disagreements"] == 4


def test_weight_r_undefined_is_explained_when_weights_exist():
    apps = fixture()
    apps.loc[(apps["code"] == "S") & (apps["excerpt_id"] == 1), "weight"] = 5
    pc = agreement(apps, units=fixture_units(), codes=["G", "S"]).per_code.set_index("code")
    assert np.isnan(pc.loc["S", "weight_r"])
    assert pc.loc["S", "explanation"] == "weight r undefined: fewer than 2 units weighted by both coders"


def test_three_coders_pairwise_table_and_kappa_matrix():
    apps = fixture()
    third = apps[apps["coder"] == "ann"].assign(coder="cat")
    result = agreement(pd.concat([apps, third]), units=fixture_units(), codes=["G", "S", "C"])
    assert result.coders == ("ann", "ben", "cat")
    assert set(zip(result.pooled_pairwise["coder_a"], result.pooled_pairwise["coder_b"])) == {
        ("ann", "ben"), ("ann", "cat"), ("ben", "cat")}
    assert len(result.pairwise) == 9
    matrix = result.kappa_matrix()
    assert matrix.loc["ann", "cat"] == pytest.approx(1.0)  # cat copied ann
    assert matrix.loc["ben", "ann"] == matrix.loc["ann", "ben"] == pytest.approx(0.5)
    assert np.isnan(matrix.loc["ann", "ann"])
    assert "kappa" not in result.per_code.columns  # pair statistics live in pairwise
    assert np.isnan(result.pooled["kappa"]) and "pooled_pairwise" in result.pooled["explanation"]


def test_summary_is_text_with_the_headline_numbers_and_the_conventions():
    text = agreement(fixture(), units=fixture_units(), codes=["G", "S", "C"]).summary()
    assert "ann, ben" in text and "10 excerpts" in text
    assert "Pooled kappa 0.50 (moderate)" in text
    assert "1 code(s) have undefined coefficients" in text
    assert "conventions" in text


def test_segment_level_end_to_end_matches_sklearn_on_brute_force_presence():
    rng = np.random.default_rng(7)
    units = pd.DataFrame({"unit_id": range(1, 21), "source_id": 1, "start": range(0, 200, 10), "end": range(10, 210, 10)})
    rows = []
    for coder in ("ann", "ben"):
        for _ in range(15):
            a = int(rng.integers(0, 190))
            rows.append({"excerpt_id": len(rows) + 1, "source_id": 1, "start": a, "end": a + int(rng.integers(1, 25)),
                         "code": "X", "coder": coder})
    apps = pd.DataFrame(rows)
    result = agreement(apps, unit="segment", units=units, codes=["X"])
    marks = {}
    for coder in ("ann", "ben"):
        covered = np.zeros(210, dtype=bool)
        for r in rows:
            if r["coder"] == coder:
                covered[r["start"]:r["end"]] = True
        marks[coder] = np.array([covered[s:e].any() for s, e in zip(units["start"], units["end"])], dtype=int)
    assert result.per_code.loc[0, "kappa"] == pytest.approx(oracle_kappa(marks["ann"], marks["ben"]))
    assert result.per_code.loc[0, "both"] == np.sum(marks["ann"] & marks["ben"])


# --------------------------------------------------------------------------- errors
def test_errors_are_one_line_and_actionable():
    apps = fixture()
    with pytest.raises(UsageError, match="lacks column"):
        agreement(apps.drop(columns="coder"))
    with pytest.raises(UsageError, match="at least two coders"):
        agreement(apps[apps["coder"] == "ann"])
    with pytest.raises(NotFoundError, match="'zoe'.*known coders: ann, ben"):
        agreement(apps, coders=["ann", "zoe"])
    with pytest.raises(UsageError, match="needs a units frame"):
        agreement(apps, unit="segment")
    with pytest.raises(NotFoundError, match="nothing to compare: no source was coded by every one of ann, ben"):
        agreement(apps.assign(source_id=np.where(apps["coder"] == "ann", 1, 2)))
    with pytest.raises(UsageError, match="unit must be one of"):
        agreement(apps, unit="sentence")
    bad = apps.copy()
    bad.loc[0, "end"] = bad.loc[0, "start"]
    with pytest.raises(CodingError, match="source 7 has start 10 and end 10"):
        agreement(bad)
    with pytest.raises(CodingError, match=r"ends at \d+ but source 7 has 50 characters; check source_lengths"):
        agreement(apps, unit="char", source_lengths={7: 50})
    assert issubclass(UsageError, QualcodeError) and issubclass(CodingError, QualcodeError)
