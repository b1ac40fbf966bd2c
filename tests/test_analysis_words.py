"""Word frequencies (hand-counted lemmas) and distinguishing words (formula written out here)."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from qualcode.analysis import distinguishing_words, word_frequencies
from qualcode.errors import UsageError


def test_lemmas_counted_with_stop_words_numbers_punctuation_out():
    texts = ["Mentors helped carers. The mentor helps 3 carers!", "Funding funds the Board; boards were meeting in 2019."]
    f = word_frequencies(texts).set_index("word")
    # by hand: mentor x2, help x2, carer x2, fund x2, board x2, meet x1; the/were/in/3/2019/./!/; out
    assert f["count"].to_dict() == {"board": 2, "carer": 2, "fund": 2, "help": 2, "mentor": 2, "meet": 1}
    assert f.loc["mentor", "texts"] == 1 and f.loc["meet", "texts"] == 1
    assert f["share"].sum() == pytest.approx(1.0)


def test_user_stop_list_min_length_and_frame_input():
    ex = pd.DataFrame({"excerpt_id": [1, 2], "text": ["Carers met the CEO", "carers again, CEO"]})
    f = word_frequencies(ex, stop_words=["Carer"], min_length=4).set_index("word")
    assert "carer" not in f.index  # user stop word (any case), matched on the lemma
    assert "ceo" not in f.index  # 3 letters < min_length
    assert f.loc["meet", "count"] == 1


def _direct_log_odds(a: dict, b: dict, prior: dict) -> dict[str, tuple[float, float]]:
    """Monroe et al. (2008) eq. 16 and 19, written out word by word."""
    na, nb, a0 = sum(a.values()), sum(b.values()), sum(prior.values())
    out = {}
    for w in set(a) | set(b):
        ya, yb, aw = a.get(w, 0), b.get(w, 0), prior[w]
        delta = math.log((ya + aw) / (na + a0 - ya - aw)) - math.log((yb + aw) / (nb + a0 - yb - aw))
        out[w] = (delta, delta / math.sqrt(1 / (ya + aw) + 1 / (yb + aw)))
    return out


A = {"fund": 10, "board": 2, "carer": 5}
B = {"fund": 2, "board": 8, "carer": 5, "online": 3}


def test_log_odds_with_pooled_prior_matches_formula():
    t = distinguishing_words(A, B).set_index("word")
    pooled = {w: A.get(w, 0) + B.get(w, 0) for w in set(A) | set(B)}
    for w, (delta, z) in _direct_log_odds(A, B, pooled).items():
        assert t.loc[w, "log_odds"] == pytest.approx(delta)
        assert t.loc[w, "z"] == pytest.approx(z)
    assert list(t.index[:1]) == ["fund"] and t.index[-1] in ("board", "online")


def test_log_odds_with_background_prior_matches_formula():
    prior = {"fund": 50, "board": 50, "carer": 200, "online": 20}
    t = distinguishing_words(A, B, prior=prior).set_index("word")
    for w, (delta, z) in _direct_log_odds(A, B, prior).items():
        assert t.loc[w, "z"] == pytest.approx(z)
        assert t.loc[w, "log_odds"] == pytest.approx(delta)


def test_chi_square_matches_scipy():
    t = distinguishing_words(A, B, method="chi2").set_index("word")
    na, nb = sum(A.values()), sum(B.values())
    for w in ("fund", "board", "carer", "online"):
        ya, yb = A.get(w, 0), B.get(w, 0)
        chi2, p, _, _ = chi2_contingency([[ya, na - ya], [yb, nb - yb]], correction=False)
        assert t.loc[w, "chi2"] == pytest.approx(chi2)
        assert t.loc[w, "p"] == pytest.approx(p)
    assert t.loc["fund", "z"] > 0 > t.loc["board", "z"]


def test_distinguishing_words_from_texts():
    online = ["The online platform worked; online messages helped.", "Messages online at night."]
    face = ["We met in a cafe and the meeting was warm.", "Meeting face to face in the cafe."]
    t = distinguishing_words(online, face, n=2)
    assert t.iloc[0]["word"] == "online"
    assert set(t[t["z"] < 0]["word"]) <= {"cafe", "meet", "face", "warm"}
    with pytest.raises(UsageError):
        distinguishing_words(online, ["the and of"])


def test_report_word_counts_equal_uncached_counts(study):
    """Inside ``cached()`` (as a report runs) participants' words are tokenised once and
    selected per group; the counts must be exactly those of a fresh count per call."""
    plain = study.word_frequencies()
    plain_ceo = study.word_frequencies(where={"role": "CEO"})
    plain_diff = study.distinguishing_words({"role": "CEO"}, {"role": "Mentor"})
    with study.cached():
        cached = study.word_frequencies()
        cached_ceo = study.word_frequencies(where={"role": "CEO"})
        cached_diff = study.distinguishing_words({"role": "CEO"}, {"role": "Mentor"})
    assert "confidence" in set(plain["word"]) and "trustee" in set(plain["word"])
    assert "trustee" not in set(plain_ceo["word"])  # only Mentor-03 says it
    pd.testing.assert_frame_equal(plain, cached)
    pd.testing.assert_frame_equal(plain_ceo, cached_ceo)
    pd.testing.assert_frame_equal(plain_diff, cached_diff)


def test_lookup_lemmas_corrected_where_the_table_is_wrong():
    """The lookup table maps "bit" to "bite" and "evening" to "even"; a word cloud of
    interviews must not show words nobody said."""
    f = word_frequencies(["It helped a bit, and bits of it every evening were worse.", "Data were shared.",
                          "What matters mattered, as a matter of fact."])
    words = set(f["word"])
    assert {"bit", "evening", "bad", "data", "matter"} <= words
    assert not words & {"bite", "even", "wrong", "datum", "matt"}
    assert f.set_index("word").loc["bit", "count"] == 2
    assert f.set_index("word").loc["matter", "count"] == 3
