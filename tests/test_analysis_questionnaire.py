"""Questionnaire summaries against hand counts on six written-out responses.

response case wave role    satisfied          useful  obj1 obj2 recommend
r1       P1   1    CEO     Agree              Agree   8    7    True
r2       P2   1    CEO     Strongly agree     Neutral 9    7    True
r3       P3   1    mentor  Disagree           Agree   6    <NA> False
r4       P4   2    mentor  Agree              <NA>    8    8    True
r5       P5   2    CEO     Neutral            Agree   7    2    <NA>
r6       P6   2    mentor  <NA>               Strongly disagree 10 8 True
invited: 10 (questionnaire), wave 1: 4, wave 2: 4
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qualcode.analysis import closed_questions, likert, open_answers, ratings, response_rate
from qualcode.errors import UsageError

LEVELS = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


def make_responses() -> pd.DataFrame:
    return pd.DataFrame({
        "source_id": range(1, 7), "source": [f"r{i}" for i in range(1, 7)],
        "case": [f"P{i}" for i in range(1, 7)], "wave": ["1", "1", "1", "2", "2", "2"],
        "questionnaire": "survey",
        "role": ["CEO", "CEO", "mentor", "mentor", "CEO", "mentor"],
        "satisfied": ["Agree", "Strongly agree", "Disagree", "Agree", "Neutral", pd.NA],
        "useful": ["Agree", "Neutral", "Agree", pd.NA, "Agree", "Strongly disagree"],
        "obj1": [8.0, 9, 6, 8, 7, 10], "obj2": [7.0, 7, np.nan, 8, 2, 8],
        "recommend": pd.array([True, True, False, True, pd.NA, True], dtype="boolean"),
    })


def make_questions() -> pd.DataFrame:
    rows = [
        ("role", "category", "Your role", "", None),
        ("satisfied", "scale", "I am satisfied", "experience", LEVELS),
        ("useful", "scale", "Sessions were useful", "experience", LEVELS),
        ("obj1", "rating", "Share knowledge (marks out of ten)", "", None),
        ("obj2", "rating", "Provide services (marks out of ten)", "", None),
        ("recommend", "boolean", "Would recommend", "", None),
        ("comments", "open", "Anything else?", "", None),
    ]
    q = pd.DataFrame(rows, columns=["column", "type", "question", "battery", "levels"])
    q.insert(0, "questionnaire", "survey")
    q["invited"] = pd.array([10] * len(q), dtype="Int64")
    return q


def test_response_rate_overall_and_by_wave():
    r = response_rate(make_responses(), questions=make_questions())
    assert r.iloc[0][["responses", "invited"]].tolist() == [6, 10]
    assert r.iloc[0]["pct_response"] == pytest.approx(60.0)
    w = response_rate(make_responses(), by="wave", invited={"1": 4, "2": 4}).set_index("group")
    assert w.loc["1", "pct_response"] == pytest.approx(75.0)
    assert w.loc["all", "responses"] == 6 and w.loc["all", "invited"] == 8
    unknown = response_rate(make_responses())
    assert unknown["invited"].isna().all() and unknown["pct_response"].isna().all()
    with pytest.raises(UsageError):
        response_rate(make_responses(), invited={"1": 4})


def test_closed_questions_counts_and_percent_of_answered():
    c = closed_questions(make_responses(), make_questions())
    role = c[c["column"] == "role"].set_index("value")
    assert role["count"].to_dict() == {"CEO": 3, "mentor": 3}
    rec = c[c["column"] == "recommend"].set_index("value")
    assert rec.loc["True", "count"] == 4 and rec.loc["True", "n"] == 5 and rec.loc["True", "missing"] == 1
    assert rec.loc["True", "pct"] == pytest.approx(80.0)
    sat = c[c["column"] == "satisfied"]
    assert list(sat["value"]) == LEVELS  # in level order, unchosen levels kept
    assert list(sat["count"]) == [0, 1, 1, 2, 1]


def test_closed_questions_by_descriptor_group():
    desc = pd.DataFrame({"case": [f"P{i}" for i in range(1, 7)], "region": ["N", "N", "S", "S", "S", "S"]})
    c = closed_questions(make_responses(), make_questions(), columns=["role"], by="region", descriptors=desc)
    south = c[c["group"] == "S"].set_index("value")
    assert south["count"].to_dict() == {"mentor": 3, "CEO": 1}


def test_likert_counts_agree_and_median():
    lk = likert(make_responses(), make_questions(), battery="experience").set_index("column")
    # satisfied answered by 5: levels 4, 5, 2, 4, 3 -> sorted 2 3 4 4 5, median 4 (Agree)
    assert lk.loc["satisfied", "n"] == 5
    assert lk.loc["satisfied", LEVELS].tolist() == [0, 1, 1, 2, 1]
    assert lk.loc["satisfied", "pct_agree"] == pytest.approx(60.0)
    assert lk.loc["satisfied", "median"] == 4.0 and lk.loc["satisfied", "median_level"] == "Agree"
    # useful: 4, 3, 4, 4, 1 -> median 4; agree 3 of 5
    assert lk.loc["useful", "pct_agree"] == pytest.approx(60.0)
    assert lk.loc["useful", "Strongly disagree"] == 1
    by_role = likert(make_responses(), make_questions(), columns=["satisfied"], by="role").set_index("group")
    # CEO: 4, 5, 3 -> median 4; mentor: 2, 4 -> median 3.0, lower median Disagree
    assert by_role.loc["CEO", "median"] == 4.0
    assert by_role.loc["mentor", "median"] == 3.0 and by_role.loc["mentor", "median_level"] == "Disagree"
    pct = likert(make_responses(), make_questions(), columns=["satisfied"], percent=True)
    assert pct.iloc[0]["Agree"] == pytest.approx(40.0)


def test_likert_accepts_numeric_levels():
    resp = make_responses().assign(satisfied=[4, 5, 2, 4, 3, np.nan])
    lk = likert(resp, make_questions(), columns=["satisfied"])
    assert lk.iloc[0]["n"] == 5 and lk.iloc[0]["pct_agree"] == pytest.approx(60.0)


def test_ratings_per_objective():
    r = ratings(make_responses(), make_questions()).set_index("column")
    # obj1: 8 9 6 8 7 10 -> mean 8, median 8, sd sqrt(10/5) = 1.414
    assert r.loc["obj1", "n"] == 6 and r.loc["obj1", "mean"] == pytest.approx(8.0)
    assert r.loc["obj1", "median"] == 8.0 and r.loc["obj1", "sd"] == pytest.approx(2 ** 0.5)
    # obj2: 7 7 8 2 8 -> mean 6.4, median 7, q1 7, q3 8, min 2
    assert r.loc["obj2", "n"] == 5 and r.loc["obj2", "mean"] == pytest.approx(6.4)
    assert (r.loc["obj2", "median"], r.loc["obj2", "q1"], r.loc["obj2", "q3"], r.loc["obj2", "min"]) == (7, 7, 8, 2)


def test_open_answers_link_excerpts():
    segments = pd.DataFrame({
        "segment_id": [1, 2, 3], "source_id": [1, 1, 2], "source": ["r1", "r1", "r2"],
        "kind": ["answer", "answer", "answer"], "start": [0, 50, 0], "end": [40, 90, 30],
        "speaker": pd.NA, "question": ["comments", "why", "comments"],
    })
    excerpts = pd.DataFrame({
        "excerpt_id": [10, 11, 12], "source_id": [1, 1, 2], "case": ["P1", "P1", "P2"],
        "start": [5, 60, 100], "end": [20, 80, 120], "text": ["a", "b", "c"], "codes": ["X", "Y", "Z"],
    })
    o = open_answers(segments, excerpts)
    assert list(zip(o["question"], o["excerpt_id"].astype("Int64").tolist())) == \
        [("comments", 10), ("why", 11), ("comments", pd.NA)]
    only = open_answers(segments, excerpts, question="why")
    assert only["excerpt_id"].tolist() == [11] and only["text"].tolist() == ["b"]


def test_answer_group_tests_kruskal_wallis_by_hand():
    from scipy.stats import chi2, mannwhitneyu

    from qualcode.analysis import answer_group_tests

    t = answer_group_tests(make_responses(), make_questions(), "role", None).set_index("column")
    # obj2: CEO 7 7 2, mentor 8 8. Ranks of 2 7 7 8 8: 1 2.5 2.5 4.5 4.5; rank sums CEO 6, mentor 9.
    # H = 12/(5*6) * (6^2/3 + 9^2/2) - 3*6 = 3; two tied pairs: C = 1 - (6 + 6)/(5^3 - 5) = 0.9 -> 3.333
    row = t.loc["obj2"]
    assert row["h"] == pytest.approx(3 / 0.9)
    assert row["p_value"] == pytest.approx(chi2.sf(3 / 0.9, 1))
    assert row["epsilon_squared"] == pytest.approx(3 / 0.9 / 4)
    assert (row["highest"], row["highest_median"], row["lowest"], row["lowest_mean"]) == \
        ("mentor", 8.0, "CEO", pytest.approx(16 / 3))
    # two groups: the same p as the two-sided Mann-Whitney test without continuity correction
    assert row["p_value"] == pytest.approx(mannwhitneyu([7, 7, 2], [8, 8], method="asymptotic",
                                                        use_continuity=False).pvalue)
    # satisfied (scale, by level): CEO 4 5 3, mentor 2 4 -> rank sums 10.5 and 4.5; one tied pair
    # H = 0.4 * (10.5^2/3 + 4.5^2/2) - 18 = 0.75; C = 1 - 6/120
    assert t.loc["satisfied", "h"] == pytest.approx(0.75 / 0.95)
    assert t.loc["satisfied", "n"] == 5 and t.loc["satisfied", "type"] == "scale"
    # obj1: CEO 8 9 7, mentor 6 8 10: equal rank sums, H = 0
    assert t.loc["obj1", "h"] == pytest.approx(0.0) and t.loc["obj1", "p_value"] == pytest.approx(1.0)
    # q: Benjamini-Hochberg over the four items, by hand
    p = t["p_value"].sort_values()
    m = len(p)
    by_hand = np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1].clip(upper=1)
    assert t.loc[p.index, "q_value"].to_numpy() == pytest.approx(by_hand.to_numpy())


def test_answer_group_tests_one_group_and_no_variation():
    from qualcode.analysis import answer_group_tests

    responses = make_responses().assign(role="CEO")
    t = answer_group_tests(responses, make_questions(), "role", None).set_index("column")
    assert t.loc["obj1", "test"] == "one group only" and np.isnan(t.loc["obj1", "p_value"])
    same = make_responses().assign(obj1=7.0)
    t = answer_group_tests(same, make_questions(), "role", None).set_index("column")
    assert t.loc["obj1", "test"] == "no variation" and t.loc["obj1", "p_value"] == 1.0
