"""The fast suggesting path (issue 5) gives what the straightforward computation gives.

Three shortcuts are checked against references built from scikit-learn's own pieces:
word and character n-gram features counted with numpy (``suggest_ngrams``) against
``TfidfVectorizer.transform`` (bit for bit); per-code scores from one product with all
codes' coefficients, NB ratios folded in, against each member's ``predict_proba`` on
NB-scaled features (1e-9); and ``CodeSuggester.predict_proba`` (distinct strings scored
once, wholes and parts together) against scoring wholes and parts separately (1e-9).
"""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from qualcode.coding.suggest import ngrams as suggest_ngrams

from qualcode.coding.suggest import parts as suggest_parts
from qualcode.coding.suggest.ngrams import CharCounter, WordCounter, _stable_argsort
from qualcode.coding.suggest.labels import entry_weights, label_matrix
from qualcode.coding.suggest.models import BinaryRelevance, ConstantCode, _DistinctVectors
from qualcode.coding.suggest.text import TextFeatures, char_view, word_view
from qualcode.coding.suggest.suggester import CodeSuggester

WORDS = ["funding", "money", "grant", "board", "trustees", "chair", "mentor", "advice", "listening",
         "confident", "bolder", "the", "we", "it", "was", "really", "and", "so", "then", "our"]
ODD = ["", "   ", "\t//\t", "Ünïcödé  tèxt\t\t// ok", "a\0b  c", "x", "// - and ,", "ÀÉÎ ø ß ñ ✓ 😀 q",
       "MONEY// money //MONEY", "zzz qqq xxx", "don't know", "don't know", "the board. the chair - and money"]


def corpus(n: int, seed: int) -> tuple[list[str], pd.DataFrame]:
    """Short texts of a few words, some with separators and clauses, and four 0/1 codes."""
    rng = np.random.default_rng(seed)
    texts, rows = [], []
    for _ in range(n):
        words = list(rng.choice(WORDS, size=rng.integers(2, 12)))
        for at in rng.integers(0, len(words) + 1, size=rng.integers(0, 3)):
            words.insert(int(at), str(rng.choice(["//", "and", "-", ".", ","])))
        text = " ".join(words)
        texts.append(text.upper() if rng.random() < 0.2 else text)
        rows.append([int(any(w in text.lower() for w in group)) for group in
                     (WORDS[0:3], WORDS[3:6], WORDS[6:9], ["bolder"])])
    return texts, pd.DataFrame(rows, columns=["Funding", "Board", "Mentor", "Rare"])


@pytest.fixture(scope="module")
def data():
    return corpus(300, seed=1), corpus(150, seed=2)[0] + ODD


def sklearn_features(features: TextFeatures, texts: list[str]) -> sp.csr_matrix:
    """The features as scikit-learn's vectorisers compute them, block by block."""
    return sp.hstack([vec.transform(texts) for vec in features.vectorizers_], format="csr")


def assert_same_csr(a: sp.spmatrix, b: sp.spmatrix) -> None:
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)  # bit for bit, not approximately


@pytest.mark.parametrize("word_ngrams,char_ngrams,min_df", [((1, 2), (1, 5), 2), ((1, 3), (2, 4), 1),
                                                             ((2, 2), (3, 3), 2), ((1, 1), None, 2)])
def test_features_equal_the_vectorisers_own(data, word_ngrams, char_ngrams, min_df):
    (train, _), new = data
    features = TextFeatures(word_ngrams=word_ngrams, char_ngrams=char_ngrams, char_min_df=min_df).fit(train)
    # the fast paths are the ones under test
    assert WordCounter.build(features.vectorizers_[0], word_view) is not None
    if char_ngrams is not None:
        assert CharCounter.build(features.vectorizers_[-1], char_view) is not None
    assert_same_csr(features.transform(new), sklearn_features(features, new))
    assert_same_csr(features.transform(new[:1]), sklearn_features(features, new[:1]))


def test_char_features_in_several_chunks_and_of_empty_input(data, monkeypatch):
    (train, _), new = data
    features = TextFeatures().fit(train)
    monkeypatch.setattr(suggest_ngrams, "_CHUNK_CHARS", 50)
    monkeypatch.setattr(suggest_ngrams, "_CHUNK_TOKENS", 7)
    assert_same_csr(features.transform(new), sklearn_features(features, new))
    assert_same_csr(features.transform(["", ""]), sklearn_features(features, ["", ""]))


def test_too_large_a_vocabulary_falls_back_to_scikit_learn(data, monkeypatch):
    (train, _), new = data
    monkeypatch.setattr(suggest_ngrams, "_MAX_TABLE", 10)
    monkeypatch.setattr(suggest_ngrams, "_MAX_KEY", 10)
    features = TextFeatures().fit(train)
    assert CharCounter.build(features.vectorizers_[-1], char_view) is None
    assert WordCounter.build(features.vectorizers_[0], word_view) is None
    assert_same_csr(features.transform(new), sklearn_features(features, new))


def test_other_vectoriser_settings_are_not_taken_over():
    vec = TfidfVectorizer(analyzer="char", preprocessor=char_view, binary=True).fit(["ab ab", "ba"])
    assert CharCounter.build(vec, char_view) is None
    vec = TfidfVectorizer(analyzer="char_wb", preprocessor=char_view).fit(["ab ab", "ba"])
    assert CharCounter.build(vec, char_view) is None
    vec = TfidfVectorizer(preprocessor=word_view, token_pattern=r"\S+ \S+").fit(["ab ab", "ba"])
    assert WordCounter.build(vec, word_view) is None  # tokens with spaces: n-grams would not split back
    vec = TfidfVectorizer(preprocessor=word_view).fit(["ab ab", "ba"])
    assert WordCounter.build(vec, word_view) is not None
    vec.stop_words = ["ab"]
    assert WordCounter.build(vec, word_view) is None
    assert WordCounter.build(TfidfVectorizer().fit(["ab ab", "ba"]), word_view) is None  # another preprocessor


def test_stable_argsort_past_16_bits():
    values = np.random.default_rng(0).integers(0, 300_000, size=5000)
    np.testing.assert_array_equal(_stable_argsort(values, 300_000), np.argsort(values, kind="stable"))
    small = values % 1000
    np.testing.assert_array_equal(_stable_argsort(small, 1000), np.argsort(small, kind="stable"))


def reference_scores(model: BinaryRelevance, X: sp.csr_matrix) -> np.ndarray:
    """Per code, the mean of each member's own predict_proba; NB-LR on NB-scaled features."""
    out = np.zeros((X.shape[0], len(model.models_)))
    for j, (fitted, ratio) in enumerate(zip(model.models_, model.nb_ratios_)):
        probs = []
        for name, member in fitted.items():
            if isinstance(member, ConstantCode):
                probs.append(np.full(X.shape[0], member.probability))
            elif name == "nblr":
                scaled = sp.csr_matrix(X.multiply(ratio[None, :]))
                z = member.decision_function(scaled)
                np.testing.assert_allclose(member.predict_proba(scaled)[:, 1], 1 / (1 + np.exp(-z)), atol=1e-12)
                probs.append(1 / (1 + np.exp(-z)))
            else:
                probs.append(member.predict_proba(X)[:, 1])
        out[:, j] = np.mean(probs, axis=0)
    return out


@pytest.mark.parametrize("members", [("lr", "nblr"), ("nblr",), ("lr",), ("nblr", "lr")])
def test_stacked_scores_equal_each_members_own(data, members):
    (train, Y), new = data
    features = TextFeatures().fit(train)
    labels, _ = label_matrix(Y.assign(Never=0))  # "Never" has no positive: a constant member
    weights = entry_weights(labels, None, 1.0, 0.0)
    model = BinaryRelevance(members).fit(features.transform(train), labels, weights)
    assert isinstance(next(iter(model.models_[-1].values())), ConstantCode)
    X = features.transform(new)
    np.testing.assert_allclose(model.predict_scores(X), reference_scores(model, X), rtol=0, atol=1e-9)


def reference_proba(model: CodeSuggester, texts: list[str]) -> np.ndarray:
    """predict_proba the long way: scikit-learn features, wholes and parts scored apart."""
    X = sklearn_features(model.features_, texts)
    whole = reference_scores(model.model_, X)
    if model.parts_ is not None:
        owners, pieces = suggest_parts.parts_of(texts, model.parts_)
        if pieces:
            parts = reference_scores(model.model_, sklearn_features(model.features_, pieces))
            best = whole.copy()
            for row in set(owners.tolist()):
                best[row] = parts[owners == row].max(axis=0)
            w = model.part_weight
            whole = (1 - w) * whole + w * best
    return model.calibrator_.transform(whole)


@pytest.mark.parametrize("params", [{}, {"parts": "separators", "members": ("nblr",)}, {"parts": None},
                                    {"char_ngrams": None}])
def test_predict_proba_equals_the_reference(data, params):
    (train, Y), new = data
    model = CodeSuggester(cv=2, **params).fit(train, Y)
    np.testing.assert_allclose(model.predict_proba(new), reference_proba(model, new), rtol=0, atol=1e-9)


def test_caches_stay_out_of_saved_models(data):
    (train, Y), new = data
    model = CodeSuggester(cv=2).fit(train, Y)
    before = model.predict_proba(new)
    assert "_counters" in model.features_.__dict__ and "_stacked_cache" in model.model_.__dict__
    copy = pickle.loads(pickle.dumps(model))
    assert "_counters" not in copy.features_.__dict__ and "_stacked_cache" not in copy.model_.__dict__
    np.testing.assert_array_equal(copy.predict_proba(new), before)


def test_fitting_in_two_processes_gives_the_same_model(data):
    """n_jobs only changes where the codes are fitted: same coefficients, same confidences."""
    (train, Y), new = data
    one = CodeSuggester(cv=2).fit(train, Y)
    two = CodeSuggester(cv=2, n_jobs=2).fit(train, Y)
    for mine, theirs in zip(one.model_.models_, two.model_.models_):
        assert list(mine) == list(theirs)
        for name in mine:
            np.testing.assert_array_equal(mine[name].coef_, theirs[name].coef_)
    np.testing.assert_array_equal(one.predict_proba(new), two.predict_proba(new))


def test_repeated_vectors_are_merged_without_changing_the_embedding_fit():
    """The embedding member fits repeated (vector, label) rows once with their summed weight:
    the same optimum as scikit-learn's LogisticRegression on every row."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    distinct = rng.normal(size=(25, 6))
    rows = rng.integers(0, 25, size=200)  # most vectors repeat, some with both labels
    E = distinct[rows]
    y = ((E[:, 0] + rng.normal(scale=1.0, size=200)) > 0).astype(int)
    weights = rng.uniform(0.5, 2.0, size=200)
    ours = BinaryRelevance(("emb",), emb_C=3.0, tol=1e-10).fit(sp.csr_matrix((200, 1)), y[:, None],
                                                                weights[:, None], E)
    member = ours.models_[0]["emb"]
    reference = LogisticRegression(C=3.0, solver="liblinear", tol=1e-10, max_iter=10_000).fit(
        E, y, sample_weight=weights)
    np.testing.assert_allclose(member.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(member.intercept_, reference.intercept_, atol=1e-6)
    merged, labels, summed = _DistinctVectors(E).merged(np.arange(200), y, weights)
    assert len(merged) <= 50 and summed.sum() == pytest.approx(weights.sum())  # it did merge: 200 rows to <= 50
