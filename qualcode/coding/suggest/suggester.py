"""The code suggester: a multi-label scikit-learn estimator that proposes codes for text.

It learns from units a person coded and proposes codes for uncoded units, each with a
calibrated confidence, so a reviewer can accept or reject them. The parts live in small
modules: ``suggest_text`` (features), ``suggest_models`` (one classifier per code and the
calibration), ``suggest_decode`` (from confidences to code sets), ``suggest_labels``
(the 1/0/-1 label matrix and its weights), ``suggest_persist`` (save/load with metadata),
``suggest_parts`` (scoring a text by its parts as well as whole), ``suggest_ngrams``
(fast n-gram counting, identical to scikit-learn's) and ``suggest_embed`` (optional
sentence embeddings).

Every setting was chosen by cross-validation on the training splits of the ANES
benchmark only (see ``benchmarks/RESULTS.md``); ``fit`` itself tunes the calibration and
the per-code thresholds on out-of-fold predictions of the training data it is given.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from qualcode.coding.suggest import decode as suggest_decode

from qualcode.coding.suggest import embed as suggest_embed

from qualcode.coding.suggest import parts as suggest_parts

from qualcode.coding.suggest import persist as suggest_persist
from qualcode.coding.suggest.labels import entry_weights, label_matrix
from qualcode.coding.suggest.models import BinaryRelevance, PooledPlatt
from qualcode.coding.suggest.text import TextFeatures, _as_texts, sentence_view
from qualcode.errors import ModelError, UsageError

DECISIONS = ("expected_f1", "thresholds")
SCORE_BATCH = 20_000  # distinct strings featurised and scored at once by predict_proba

__all__ = ["CodeSuggester"]


class CodeSuggester(BaseEstimator):
    """Multi-label code suggester (TF-IDF word + char n-grams, LR + NB-LR per code).

    Parameters
    ----------
    word_ngrams, char_ngrams, char_min_df
        The two TF-IDF views (``None`` drops one); see ``suggest_text.TextFeatures``.
    members
        Per-code models averaged: ``"lr"`` (logistic regression) and/or ``"nblr"``
        (logistic regression on naive-Bayes-scaled features).
    C, nb_C, tol
        Inverse regularisation of the two members, and the solver's tolerance.
    class_weight
        ``"balanced"`` (default) weighs each code's positives and negatives inversely to
        their counts in that code's model, so a rare code is not learnt as "never"; None
        weighs every text alike. Chosen by 5-fold CV on the ANES training splits (higher
        on 8 of 10 sets, by up to .02; see benchmarks/RESULTS.md).
    embeddings, embedding_C
        ``"minilm"`` adds a third member per code: logistic regression (inverse
        regularisation ``embedding_C``) on all-MiniLM-L6-v2 sentence vectors. Needs the
        optional extra (``suggest_embed``). Default None: numpy/scipy/scikit-learn only.
        With ``"minilm"`` and ``n_jobs=2`` the suggester beats the published ANES figure
        on 9 of 10 sets (8 of 10 without), training in under 50 s a set on 2 CPUs.
    parts, part_weight
        Score each text also by its parts and, per code, use
        ``(1 - part_weight) * whole + part_weight * best part`` (``suggest_parts``):
        ``"clauses"`` splits at ``//``, sentence punctuation, "and" and dashes,
        ``"separators"`` at ``//`` only, None scores whole texts only. Parts are
        scored by the model trained on whole texts; calibration and thresholds are
        fitted on the combined scores.
    calibrate
        Map averaged scores to probabilities with one Platt sigmoid fitted on
        out-of-fold scores (recommended; the thresholds are tuned after it).
    cv
        Folds for the out-of-fold predictions used for calibration and thresholds.
    decision
        ``"expected_f1"`` (per-text code set of highest expected F1; best for
        sample-based F1) or ``"thresholds"`` (code j when confidence >= ``thresholds_[j]``).
    min_codes
        At least this many codes per text; ``"auto"`` means 1 when every training text
        has a code (as in the ANES data) and 0 otherwise.
    negative_weight, unknown_weight
        Weight of known negatives (0 in ``Y``: rejected suggestions, or codes a person
        did not apply to a unit they coded) and of unknown entries (-1: learnt as weak
        negatives, or ignored when 0). ``fit``'s ``sample_weight`` multiplies these.
    random_state
        Seeds the folds and the solvers, so a fit is reproducible.
    n_jobs
        Processes the codes' models are fitted in (None or 1: this one; -1: one per
        CPU). The codes' models are independent and each fit is seeded, so the fitted
        model is the same whatever it is; only the training time changes.
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] | None = (1, 2),
        char_ngrams: tuple[int, int] | None = (1, 5),
        char_min_df: int = 2,
        members: tuple[str, ...] = ("lr", "nblr"),
        C: float = 10.0,
        nb_C: float = 10.0,
        tol: float = 1e-2,
        class_weight: str | None = "balanced",
        embeddings: str | None = None,
        embedding_C: float = 10.0,
        parts: str | None = "clauses",
        part_weight: float = 0.5,
        calibrate: bool = True,
        cv: int = 3,
        decision: str = "expected_f1",
        min_codes: int | str = "auto",
        negative_weight: float = 1.0,
        unknown_weight: float = 0.0,
        random_state: int | None = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.char_min_df = char_min_df
        self.members = members
        self.C = C
        self.nb_C = nb_C
        self.tol = tol
        self.class_weight = class_weight
        self.embeddings = embeddings
        self.embedding_C = embedding_C
        self.parts = parts
        self.part_weight = part_weight
        self.calibrate = calibrate
        self.cv = cv
        self.decision = decision
        self.min_codes = min_codes
        self.negative_weight = negative_weight
        self.unknown_weight = unknown_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __setstate__(self, state: dict) -> None:
        # models saved before class_weight existed were fitted without balancing
        state.setdefault("class_weight", None)
        state.setdefault("n_jobs", None)
        super().__setstate__(state)

    # ----------------------------------------------------------------- training
    def fit(self, texts: Sequence[str], Y: object, sample_weight: object = None) -> "CodeSuggester":
        """Learn from ``texts`` and their code matrix ``Y`` (1 applied, 0 not, -1 unknown)."""
        self._check_params()
        texts = _as_texts(texts)
        labels, codes = label_matrix(Y)
        if labels.shape[0] != len(texts):
            raise ModelError(f"{len(texts)} texts but the code matrix has {labels.shape[0]} rows; they must match")
        if labels.shape[1] == 0:
            raise ModelError("the code matrix has no code columns; there is nothing to learn")
        if len(texts) < 2:
            raise ModelError(f"a suggester needs at least 2 coded texts, got {len(texts)}")
        weights = entry_weights(labels, sample_weight, self.negative_weight, self.unknown_weight)
        if not (weights[labels == 1] > 0).any():
            raise ModelError("no code has a positive (applied) example; code some units first")

        suggest_embed.check_embeddings(self.embeddings)
        self.features_ = TextFeatures(self.word_ngrams, self.char_ngrams, self.char_min_df).fit(texts)
        X_text = self.features_.transform(texts)
        E = self._embed(texts)
        self.parts_ = self.parts if self.part_weight > 0 else None
        split = self._split(texts)

        scores = self._out_of_fold_scores(X_text, E, split, labels, weights)
        if self.calibrate and scores is not None:
            self.calibrator_ = PooledPlatt().fit(scores, labels, weights)
        else:
            self.calibrator_ = None
        if scores is not None:
            self.thresholds_ = suggest_decode.tune_thresholds(self._calibrated(scores), labels, weights)
        else:
            self.thresholds_ = np.full(labels.shape[1], 0.5)

        self.model_ = self._binary_relevance().fit(X_text, labels, weights, E)
        self.classes_ = np.asarray(codes, dtype=object)
        self.n_train_ = len(texts)
        self.min_codes_ = self._resolve_min_codes(labels)
        self.metadata_: dict = {}
        return self

    def _check_params(self) -> None:
        if self.decision not in DECISIONS:
            raise ModelError(f"decision must be one of {DECISIONS}, got {self.decision!r}")
        if not (self.min_codes == "auto" or (isinstance(self.min_codes, (int, np.integer)) and self.min_codes >= 0)):
            raise ModelError(f"min_codes must be 'auto' or a whole number >= 0, got {self.min_codes!r}")
        if not self.members or not set(self.members) <= {"lr", "nblr"}:
            raise ModelError(f"members must be a non-empty subset of ('lr', 'nblr'), got {self.members!r}")
        try:
            suggest_parts.check_split(self.parts)
        except ValueError as error:
            raise ModelError(str(error)) from None
        if not 0.0 <= float(self.part_weight) <= 1.0:
            raise ModelError(f"part_weight must be between 0 and 1, got {self.part_weight!r}")
        if int(self.cv) < 0 or int(self.cv) == 1:
            raise ModelError(f"cv must be 0 (no tuning) or at least 2 folds, got {self.cv!r}")

    def _binary_relevance(self) -> BinaryRelevance:
        members = tuple(self.members) + (("emb",) if self.embeddings is not None else ())
        return BinaryRelevance(
            members, C=self.C, nb_C=self.nb_C, emb_C=self.embedding_C, tol=self.tol, random_state=self.random_state,
            class_weight=self.class_weight, n_jobs=self.n_jobs,
        )

    def _embed(self, texts: list[str]) -> np.ndarray | None:
        if self.embeddings is None:
            return None
        # each distinct string is encoded once: answers and parts repeat a lot
        distinct, where = _distinct([sentence_view(t) for t in texts])
        return suggest_embed.embed(distinct, self.embeddings)[where]

    def _split(self, texts: list[str]) -> tuple[np.ndarray, object, np.ndarray | None]:
        """The parts of ``texts`` (owner row per part, their features and embeddings)."""
        if self.parts_ is None:
            return np.zeros(0, dtype=np.intp), None, None
        owners, pieces = suggest_parts.parts_of(texts, self.parts_)
        if not pieces:
            return owners, None, None
        return owners, self.features_.transform(pieces), self._embed(pieces)

    def _scores(self, model: BinaryRelevance, X_text, E, split, rows: np.ndarray | None = None) -> np.ndarray:
        """Uncalibrated scores of the texts (``rows`` of them, or all), parts included."""
        owners, X_parts, E_parts = split
        if rows is None:
            rows = np.arange(X_text.shape[0])
        whole = model.predict_scores(X_text[rows], None if E is None else E[rows])
        if X_parts is None:
            return whole
        position = np.full(X_text.shape[0], -1)
        position[rows] = np.arange(len(rows))
        mine = np.flatnonzero(position[owners] >= 0)
        if mine.size == 0:
            return whole
        part_scores = model.predict_scores(X_parts[mine], None if E_parts is None else E_parts[mine])
        return suggest_parts.combine(whole, position[owners[mine]], part_scores, float(self.part_weight))

    def _out_of_fold_scores(self, X_text, E, split, labels: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
        """Uncalibrated scores of each text from a model that did not see it (None: too few texts)."""
        folds = min(int(self.cv), len(labels))
        if folds < 2:
            return None
        scores = np.zeros(labels.shape)
        splitter = KFold(folds, shuffle=True, random_state=self.random_state)
        for train, held_out in splitter.split(labels):
            model = self._binary_relevance().fit(
                X_text[train], labels[train], weights[train], None if E is None else E[train]
            )
            scores[held_out] = self._scores(model, X_text, E, split, held_out)
        return scores

    def _resolve_min_codes(self, labels: np.ndarray) -> int:
        if self.min_codes != "auto":
            return int(self.min_codes)
        return int(bool((labels == 1).any(axis=1).all()))

    def _calibrated(self, scores: np.ndarray) -> np.ndarray:
        return scores if self.calibrator_ is None else self.calibrator_.transform(scores)

    # ---------------------------------------------------------------- inference
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated confidence per text (rows) and code (columns, as ``classes_``).

        Whole texts and their parts are featurised and scored together, each distinct
        string once: scores depend on a string alone, and short answers and parts
        ("don't know") repeat a lot, so this saves time without changing any score.
        They go ``SCORE_BATCH`` at a time, so the feature matrices stay small (10^5
        texts and their parts would take some 700 MB at once, and copying them cost more
        than scoring them).
        """
        check_is_fitted(self, "model_")
        texts = _as_texts(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        parts = getattr(self, "parts_", None)  # None also for models saved before part scoring existed
        owners, pieces = suggest_parts.parts_of(texts, parts) if parts is not None else (None, [])
        distinct, where = _distinct(texts + pieces)
        scores = np.concatenate([
            self.model_.predict_scores(self.features_.transform(batch), self._embed(batch))
            for batch in (distinct[at: at + SCORE_BATCH] for at in range(0, len(distinct), SCORE_BATCH))
        ])[where]
        whole = scores[: len(texts)]
        if not pieces:
            return self._calibrated(whole)
        return self._calibrated(suggest_parts.combine(whole, owners, scores[len(texts):], float(self.part_weight)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """0/1 array (texts x codes) of suggested codes, by ``decision``."""
        return self._decide(self.predict_proba(texts))

    def _decide(self, P: np.ndarray) -> np.ndarray:
        if self.decision == "thresholds":
            return suggest_decode.by_thresholds(P, self.thresholds_, self.min_codes_)
        return suggest_decode.by_expected_f1(P, self.min_codes_)

    def uncertainty(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, in [0, 1]: how close its most doubtful code is to that code's threshold.

        Sort a review queue by this, descending (active learning: ask about the
        texts the model is least sure of).
        """
        return suggest_decode.threshold_uncertainty(self.predict_proba(texts), self.thresholds_)

    def suggest(
        self,
        texts: Sequence[str],
        top_k: int | None = None,
        min_confidence: float | None = None,
        index: Sequence[Hashable] | None = None,
    ) -> pd.DataFrame:
        """Suggestions as a long DataFrame: ``index``, ``code``, ``confidence``.

        By default the codes ``predict`` would choose; with ``min_confidence`` every
        code at or above it instead. ``top_k`` keeps each text's k most confident.
        ``index`` labels the texts (default: a Series' index, else 0..n-1). Rows are
        ordered by text, then by confidence (highest first).
        """
        if index is None:
            index = list(texts.index) if isinstance(texts, pd.Series) else list(range(len(texts)))
        elif len(index) != len(texts):
            raise ModelError(f"index has {len(index)} labels for {len(texts)} texts")
        P = self.predict_proba(texts)
        chosen = (P >= min_confidence) if min_confidence is not None else self._decide(P).astype(bool)
        rows, cols = np.nonzero(chosen)
        frame = pd.DataFrame(
            {"row": rows, "index": [index[r] for r in rows], "code": self.classes_[cols], "confidence": P[rows, cols]}
        )
        frame = frame.sort_values(["row", "confidence"], ascending=[True, False], kind="stable")
        if top_k is not None:
            frame = frame.groupby("row", sort=False).head(int(top_k))
        return frame.drop(columns="row").reset_index(drop=True)

    # -------------------------------------------------------------- persistence
    def save(self, path: str | Path, codebook_hash: str | None = None, metadata: dict | None = None) -> Path:
        """Write the fitted model and its metadata to ``path`` (joblib); returns the path."""
        check_is_fitted(self, "model_")
        return suggest_persist.save(self, path, codebook_hash, metadata)

    @classmethod
    def load(cls, path: str | Path) -> "CodeSuggester":
        """Read a model written by :meth:`save`; its metadata is in ``metadata_``.

        Loading unpickles the file: only load models you or your team wrote.
        """
        model = suggest_persist.load(path)
        if not isinstance(model, cls):
            raise ModelError(f"{path}: holds a {type(model).__name__}, not a CodeSuggester")
        return model

    def check_codebook(self, codebook_hash: str) -> None:
        """Raise ModelError when the model was trained against another codebook."""
        suggest_persist.check_codebook(self, codebook_hash)


def with_settings(estimator: object, settings: dict | None) -> object:
    """``estimator`` with ``settings`` set (None values left alone); a one-line error
    naming an unknown setting. For callers that take ``embeddings``/``n_jobs`` options."""
    chosen = {name: value for name, value in (settings or {}).items() if value is not None}
    known = estimator.get_params()  # type: ignore[attr-defined]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise UsageError(f"the suggester has no setting {unknown[0]!r}; use one of {sorted(known)}")
    return estimator.set_params(**chosen) if chosen else estimator  # type: ignore[attr-defined]


def _distinct(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct strings of ``texts`` (first-seen order) and each text's row among them."""
    rows: dict[str, int] = {}
    where = np.fromiter((rows.setdefault(text, len(rows)) for text in texts), dtype=np.intp, count=len(texts))
    return list(rows), where
