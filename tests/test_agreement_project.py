"""Project.agreement end to end: coders code through Project.code / import_codings, and the
figures are checked against sklearn's cohen_kappa_score and the krippendorff package on
presence tables written out by hand in this file."""
from __future__ import annotations

import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from qualcode.errors import NotFoundError, UsageError

CEO, MENTOR = "CEO-07 wave 1", "Mentor-03 wave 1"
CONF, LEAD = "Impact/Confidence", "Impact/Leadership"
GOV, BOARD, SUST = "Issues/Governance", "Issues/Governance/Board relations", "Issues/Sustainability"

# The quotes every coder below codes (conftest's CEO_07 and MENTOR_03 texts).
Q1 = (CEO, "I regained that confidence I had lost.")
Q2 = (CEO, "The board was difficult, and our chair and I argued about the budget.")
Q3 = (CEO, "Funding is the big worry.")
Q4 = (CEO, "I regained that confidence slowly.")
Q5 = (MENTOR, "The board relations improved a lot.")
Q6 = (MENTOR, "She found her voice with the trustees.")
QUOTES = [Q1, Q2, Q3, Q4, Q5, Q6]

ANNA = {Q1: [CONF], Q2: [GOV], Q3: [SUST], Q4: [CONF], Q5: [BOARD], Q6: [CONF]}
BEN = {Q1: [CONF], Q2: [GOV, BOARD], Q3: [SUST], Q4: [LEAD], Q5: [BOARD]}
CAROL = {Q1: [CONF], Q2: [BOARD], Q3: [SUST], Q4: [CONF], Q5: [BOARD], Q6: [CONF]}

# The presence table by hand: units Q1..Q6 (the spans anyone coded), 1 = coder applied the code.
HAND = {
    CONF:  {"anna": [1, 0, 0, 1, 0, 1], "ben": [1, 0, 0, 0, 0, 0], "carol": [1, 0, 0, 1, 0, 1]},
    LEAD:  {"anna": [0, 0, 0, 0, 0, 0], "ben": [0, 0, 0, 1, 0, 0], "carol": [0, 0, 0, 0, 0, 0]},
    GOV:   {"anna": [0, 1, 0, 0, 0, 0], "ben": [0, 1, 0, 0, 0, 0], "carol": [0, 0, 0, 0, 0, 0]},
    BOARD: {"anna": [0, 0, 0, 0, 1, 0], "ben": [0, 1, 0, 0, 1, 0], "carol": [0, 1, 0, 0, 1, 0]},
    SUST:  {"anna": [0, 0, 1, 0, 0, 0], "ben": [0, 0, 1, 0, 0, 0], "carol": [0, 0, 1, 0, 0, 0]},
}


def code_all(project, coder: str, plan: dict) -> None:
    for (source, quote), codes in plan.items():
        project.code(source, codes, quote=quote, coder=coder)


def import_carol(project, folder: Path) -> None:
    lines = ["source,quote,code,coder"]
    for (source, quote), codes in CAROL.items():
        lines += [f'{source},"{quote}",{code},carol' for code in codes]
    path = folder / "carol.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project.import_codings(path)


@pytest.fixture
def coded(study, tmp_path: Path):
    code_all(study, "anna", ANNA)
    code_all(study, "ben", BEN)
    import_carol(study, tmp_path)
    return study


def sk_kappa(a, b) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(a, b, labels=[0, 1]))


def k_alpha(rows) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(krippendorff.alpha(reliability_data=np.array(rows, dtype=float), level_of_measurement="nominal",
                                        value_domain=[0, 1]))


def hand_po_pe(a, b) -> tuple[float, float]:
    a, b = np.array(a), np.array(b)
    po = float(np.mean(a == b))
    pe = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    return po, pe


# ------------------------------------------------------------------ two coders
def test_two_coders_excerpt_level_matches_sklearn_and_krippendorff(coded) -> None:
    result = coded.agreement(["anna", "ben"])
    per = result.per_code.set_index("code")
    assert sorted(per.index) == sorted(HAND)
    assert result.pooled["n_units"] == 6 and result.pooled["n_sources"] == 2
    for code, table in HAND.items():
        a, b = table["anna"], table["ben"]
        assert per.loc[code, "kappa"] == pytest.approx(sk_kappa(a, b))
        assert per.loc[code, "alpha"] == pytest.approx(k_alpha([a, b]))
        assert per.loc[code, "both"] == sum(x & y for x, y in zip(a, b))
        assert per.loc[code, "only_a"] == sum(x & (1 - y) for x, y in zip(a, b))
    # pooled kappa (de Vries et al.): mean po and mean pe over the five codes
    parts = [hand_po_pe(t["anna"], t["ben"]) for t in HAND.values()]
    po, pe = np.mean([p for p, _ in parts]), np.mean([e for _, e in parts])
    assert result.pooled["kappa"] == pytest.approx((po - pe) / (1 - pe))
    # overall alpha: every unit x code decision is one unit of analysis
    assert result.pooled["alpha"] == pytest.approx(k_alpha([sum((t["anna"] for t in HAND.values()), []),
                                                           sum((t["ben"] for t in HAND.values()), [])]))
    # applied by both: of the unit x code pairs anyone applied (8), both applied 4
    both = sum(x & y for t in HAND.values() for x, y in zip(t["anna"], t["ben"]))
    anyone = sum(x | y for t in HAND.values() for x, y in zip(t["anna"], t["ben"]))
    assert (both, anyone) == (4, 8)
    assert result.pooled["percent_all_applied"] == pytest.approx(50.0)
    assert per.loc[CONF, "percent_all_applied"] == pytest.approx(100 / 3)  # Q1 of Q1, Q4, Q6


def test_disagreement_list_names_the_source_and_the_text(coded) -> None:
    dis = coded.agreement("anna,ben").disagreements
    # by hand: Q2 (Board relations), Q4 (Confidence vs Leadership), Q6 (Confidence)
    assert list(dis["text"]) == [Q2[1], Q4[1], Q6[1]]
    assert list(dis["source"]) == [CEO, CEO, MENTOR]
    q4 = dis.iloc[1]
    assert q4["applied:anna"] == CONF and q4["applied:ben"] == LEAD
    assert set(q4["disputed"].split("; ")) == {CONF, LEAD}


def test_where_and_sources_limit_the_comparison(coded) -> None:
    only_ceo = coded.agreement("anna,ben", where={"role": "CEO"})
    assert only_ceo.pooled["n_sources"] == 1 and only_ceo.pooled["n_units"] == 4
    same = coded.agreement("anna,ben", sources=[CEO])
    assert same.pooled["n_units"] == 4
    a, b = HAND[CONF]["anna"][:4], HAND[CONF]["ben"][:4]
    assert only_ceo.per_code.set_index("code").loc[CONF, "kappa"] == pytest.approx(sk_kappa(a, b))


def test_a_code_nobody_applied_is_undefined_with_the_reason(coded) -> None:
    result = coded.agreement("anna,ben", codes=["Impact"])  # Impact and its children
    per = result.per_code.set_index("code")
    assert list(per.index) == ["Impact", CONF, LEAD]
    assert np.isnan(per.loc["Impact", "kappa"]) and np.isnan(per.loc["Impact", "alpha"])
    assert "nobody applied" in per.loc["Impact", "explanation"]
    assert per.loc[CONF, "kappa"] == pytest.approx(sk_kappa(HAND[CONF]["anna"], HAND[CONF]["ben"]))


# ------------------------------------------------------------------ three coders
def test_three_coders_alpha_and_pooled_kappa_per_pair(coded) -> None:
    result = coded.agreement(["anna", "ben", "carol"])
    per = result.per_code.set_index("code")
    for code, table in HAND.items():
        assert per.loc[code, "alpha"] == pytest.approx(k_alpha([table["anna"], table["ben"], table["carol"]]))
    pairs = result.pooled_pairwise.set_index(["coder_a", "coder_b"])
    for a, b in (("anna", "ben"), ("anna", "carol"), ("ben", "carol")):
        parts = [hand_po_pe(t[a], t[b]) for t in HAND.values()]
        po, pe = np.mean([p for p, _ in parts]), np.mean([e for _, e in parts])
        assert pairs.loc[(a, b), "kappa"] == pytest.approx((po - pe) / (1 - pe))
    matrix = result.kappa_matrix()
    assert matrix.loc["carol", "anna"] == pytest.approx(pairs.loc[("anna", "carol"), "kappa"])
    # anna and carol differ on one decision only (Governance on Q2): the closest pair
    assert matrix.loc["anna", "carol"] > max(matrix.loc["anna", "ben"], matrix.loc["ben", "carol"])


# ------------------------------------------------------------------ different spans
ANNA_SPANS = [(CONF, "I regained that confidence I had lost. The board was difficult"),
              (SUST, "Funding is the big worry."), (GOV, "our chair and I argued about the budget")]
BEN_SPANS = [(CONF, "regained that confidence"), (CONF, "I regained that confidence slowly."),
             (SUST, "Funding is the big worry."), (GOV, "The board was difficult, and our chair and I argued about the budget.")]
SENTENCES = ["How has the programme helped you?", Q1[1], Q2[1], "Anything else?", Q3[1], Q4[1]]
# The interviewer's two questions are units nobody codes by design: agreement leaves them
# out (counted, each would be an "agreed: no code" that lifts kappa and alpha).
COMPARED_SENTENCES = [Q1[1], Q2[1], Q3[1], Q4[1]]
# by hand, sentence by sentence over the compared sentences (any overlap counts)
SENTENCE_HAND = {
    CONF: ([1, 1, 0, 0], [1, 0, 0, 1]),
    GOV: ([0, 1, 0, 0], [0, 1, 0, 0]),
    SUST: ([0, 0, 1, 0], [0, 0, 1, 0]),
}


@pytest.fixture
def spans_study(study):
    for coder, plan in (("anna", ANNA_SPANS), ("ben", BEN_SPANS)):
        for code, quote in plan:
            study.code(CEO, code, quote=quote, coder=coder)
    return study


def test_sentence_level_compares_coders_who_drew_different_spans(spans_study) -> None:
    units = spans_study.agreement_units("sentence", [spans_study.sources().set_index("source")["source_id"][CEO]])
    assert list(units["text"]) == SENTENCES  # the units the hand table below is about
    excerpt = spans_study.agreement("anna,ben").per_code.set_index("code")
    assert excerpt.loc[CONF, "both"] == 0  # no shared span: at excerpt level they never agree on Confidence

    result = spans_study.agreement("anna,ben", unit="sentence")
    assert result.unit_name == "sentence" and result.pooled["n_units"] == len(COMPARED_SENTENCES)
    per = result.per_code.set_index("code")
    for code, (a, b) in SENTENCE_HAND.items():
        assert per.loc[code, "kappa"] == pytest.approx(sk_kappa(a, b))
        assert per.loc[code, "alpha"] == pytest.approx(k_alpha([a, b]))
    assert per.loc[CONF, "both"] == 1
    assert "Sentence level" in result.summary()


def test_min_overlap_drops_a_sentence_barely_touched(spans_study) -> None:
    # anna's Confidence span reaches 23 of the 69 characters of the 'board' sentence (0.33)
    per = spans_study.agreement("anna,ben", unit="sentence", min_overlap=0.5).per_code.set_index("code")
    a, b = [1, 0, 0, 0], [1, 0, 0, 1]
    assert per.loc[CONF, "kappa"] == pytest.approx(sk_kappa(a, b))


def test_turn_level_and_char_level(spans_study) -> None:
    turns = spans_study.agreement("anna,ben", unit="turn").per_code.set_index("code")
    # turns: interviewer, CEO (Q1+Q2), interviewer, CEO (Q3+Q4): both coders put Confidence in both CEO turns
    assert turns.loc[CONF, "both"] == 1 and turns.loc[CONF, "only_b"] == 1
    text = spans_study.source_text(CEO)
    result = spans_study.agreement("anna,ben", unit="char")
    assert result.pooled["n_units"] == len(text)  # every character, uncoded ones too

    def chars(plan, code):
        marks = np.zeros(len(text), dtype=int)
        for c, quote in plan:
            if c == code:
                start = text.index(quote)
                marks[start:start + len(quote)] = 1
        return marks

    per = result.per_code.set_index("code")
    for code in (CONF, GOV, SUST):
        assert per.loc[code, "kappa"] == pytest.approx(sk_kappa(chars(ANNA_SPANS, code), chars(BEN_SPANS, code)))


# ------------------------------------------------------------------ errors
def test_mistakes_are_one_line_errors(coded) -> None:
    with pytest.raises(NotFoundError, match="zed"):
        coded.agreement("anna,zed")
    with pytest.raises(UsageError):
        coded.agreement("anna")
    with pytest.raises(UsageError, match="unit"):
        coded.agreement("anna,ben", unit="word")
    with pytest.raises(UsageError, match="min_overlap"):
        coded.agreement("anna,ben", min_overlap=0.5)
    with pytest.raises(NotFoundError, match="answer"):
        coded.agreement("anna,ben", unit="answer")  # interviews have no answers
    with pytest.raises(NotFoundError, match="codebook"):
        coded.agreement("anna,ben", codes=["Impact/Nothing"])


def test_coders_of_different_sources_have_nothing_to_compare(study) -> None:
    study.code(CEO, CONF, quote=Q1[1], coder="dora")
    study.code(MENTOR, CONF, quote=Q6[1], coder="eve")
    for unit in ("excerpt", "sentence", "char"):
        with pytest.raises(NotFoundError, match="nothing to compare"):
            study.agreement("dora,eve", unit=unit)
    # saying that both read both sources makes every absent mark a real 'no'
    result = study.agreement("dora,eve", sources=[CEO, MENTOR])
    assert result.per_code.set_index("code").loc[CONF, ["both", "only_a", "only_b"]].tolist() == [0, 1, 1]
