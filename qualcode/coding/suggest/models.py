"""One binary classifier per code (binary relevance), and the calibration of their scores.

Why binary relevance and not a model of code combinations: it is the only scheme that
copes with a partly known label matrix (a rejected suggestion says something about one
code, not about the unit's whole code set), it trains in seconds, and on the ANES
benchmark cross-validation did not favour label-powerset or stacked models over it.

Each code gets the average of linear models: plain logistic regression on the n-gram
features, logistic regression on features scaled by the code's naive-Bayes log-count
ratio (NB-LR, Wang & Manning 2012), which is stronger on small training sets, and --
when sentence embeddings are on -- logistic regression on the embedding vectors.
The averaged score is then mapped to a calibrated probability by one Platt sigmoid
fitted on out-of-fold scores of all codes pooled (per-code sigmoids overfit rare codes).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

MEMBERS = ("lr", "nblr", "emb")
_EPS = 1e-6


class ConstantCode:
    """Stands in for a classifier when a code has only one class in the training data."""

    def __init__(self, probability: float) -> None:
        self.probability = float(probability)

    def predict_proba(self, X: object) -> np.ndarray:
        n = X.shape[0]
        return np.column_stack([np.full(n, 1.0 - self.probability), np.full(n, self.probability)])


class BinaryRelevance:
    """Per-code ensembles of LR, NB-LR and embedding LR; ``predict_scores`` averages them.

    ``Y`` is 1/0/-1 and ``W`` the per-entry weights (see ``suggest_labels``): entries
    with weight 0 are left out of that code's model, -1 entries with a weight are
    negatives. ``E`` (dense sentence vectors) is needed only by the ``"emb"`` member.
    ``n_jobs`` fits the codes in that many processes (None: in this one).
    """

    def __init__(
        self,
        members: Sequence[str] = MEMBERS,
        C: float = 10.0,
        nb_C: float = 10.0,
        nb_alpha: float = 1.0,
        emb_C: float = 10.0,
        tol: float = 1e-2,
        random_state: int | None = 0,
        class_weight: str | None = None,
        n_jobs: int | None = None,
    ) -> None:
        if class_weight not in (None, "balanced"):
            raise ValueError(f"class_weight must be None or 'balanced', got {class_weight!r}")
        unknown = set(members) - set(MEMBERS)
        if unknown or not members:
            raise ValueError(f"members must be a non-empty subset of {MEMBERS}, got {members!r}")
        self.members = tuple(members)
        self.C = C
        self.nb_C = nb_C
        self.nb_alpha = nb_alpha
        self.emb_C = emb_C
        self.tol = tol
        self.random_state = random_state
        self.class_weight = class_weight
        self.n_jobs = n_jobs

    def fit(self, X_text: sp.csr_matrix, Y: np.ndarray, W: np.ndarray, E: np.ndarray | None = None) -> "BinaryRelevance":
        """Fit every code's members; returns self.

        With ``n_jobs`` > 1 the codes are split into that many chunks fitted in worker
        processes, not threads: liblinear seeds one process-wide random generator, so
        threads would make fits depend on timing. Each fit reseeds it from
        ``random_state``, so the models are the same as with one process.
        """
        if "emb" in self.members and E is None:
            raise ValueError("the 'emb' member needs sentence vectors E")
        vectors = _DistinctVectors(E) if "emb" in self.members else None
        n_codes = Y.shape[1]
        workers = max(1, min(effective_n_jobs(self.n_jobs), n_codes))
        if workers == 1:
            fitted = self._fit_codes(X_text, vectors, Y, W)
        else:
            chunks = [np.arange(first, n_codes, workers) for first in range(workers)]  # interleaved: balanced
            parts = Parallel(n_jobs=workers)(
                delayed(self._fit_codes)(X_text, vectors, Y[:, chunk], W[:, chunk]) for chunk in chunks
            )
            fitted = [None] * n_codes
            for chunk, part in zip(chunks, parts):
                for j, item in zip(chunk, part):
                    fitted[j] = item
        self.models_: list[dict[str, object]] = [models for models, _ in fitted]
        self.nb_ratios_: list[np.ndarray | None] = [ratio for _, ratio in fitted]
        self.__dict__.pop("_stacked_cache", None)
        return self

    def _fit_codes(
        self, X_text: sp.csr_matrix, vectors: "_DistinctVectors | None", Y: np.ndarray, W: np.ndarray,
    ) -> list[tuple[dict[str, object], np.ndarray | None]]:
        """The members of each column's code, in column order."""
        binary = (X_text > 0).astype(np.float64).tocsr()
        return [self._fit_code(X_text, binary, vectors, Y[:, j], W[:, j]) for j in range(Y.shape[1])]

    def _fit_code(
        self, X_text: sp.csr_matrix, binary: sp.csr_matrix, vectors: "_DistinctVectors | None",
        labels: np.ndarray, weights: np.ndarray,
    ) -> tuple[dict[str, object], np.ndarray | None]:
        """One code's members and its NB ratio (None when the code has one class only)."""
        rows = np.flatnonzero(weights > 0)
        y = (labels[rows] == 1).astype(int)
        w = weights[rows]
        if y.size == 0 or y.min() == y.max():
            prior = float(np.average(y, weights=w)) if y.size else 0.0
            return {name: ConstantCode(prior) for name in self.members}, None
        # the fits' weights; the NB ratios below are word statistics and keep the plain ones
        fit_w = w * _balancing(y) if self.class_weight == "balanced" else w
        fitted: dict[str, object] = {}
        ratio = None
        X_rows = X_text if rows.size == X_text.shape[0] else X_text[rows]
        if "lr" in self.members:
            fitted["lr"] = self._logistic(self.C).fit(X_rows, y, sample_weight=fit_w)
        if "nblr" in self.members:
            ratio = _nb_ratio(binary if rows.size == X_text.shape[0] else binary[rows], y, w, self.nb_alpha)
            fitted["nblr"] = self._logistic(self.nb_C).fit(_scale(X_rows, ratio), y, sample_weight=fit_w)
        if "emb" in self.members:
            E_rows, y_rows, w_rows = vectors.merged(rows, y, fit_w)
            fitted["emb"] = self._logistic(self.emb_C, dual=False).fit(E_rows, y_rows, sample_weight=w_rows)
        return fitted, ratio

    def predict_scores(self, X_text: sp.csr_matrix, E: np.ndarray | None = None) -> np.ndarray:
        """Average member probability per text and code (not yet calibrated).

        Every linear member's score comes from one sparse-dense product with all codes'
        coefficients side by side (``_stacked``); NB-LR's feature scaling is folded into
        its coefficients, ``(X * r) @ w == X @ (r * w)``, instead of scaling a copy of
        ``X`` per code. That equals the members' own ``predict_proba`` up to rounding
        (about 1e-16) and is many times faster on 10^5 texts.
        """
        n = X_text.shape[0]
        stacked = self._stacked()
        probs = {}
        if stacked.text_coef.shape[1]:
            probs["text"] = expit(np.asarray(X_text @ stacked.text_coef) + stacked.text_intercept)
        if stacked.emb_coef.shape[1]:
            if E is None:
                raise ValueError("the 'emb' member needs sentence vectors E")
            probs["emb"] = expit(np.asarray(E, dtype=np.float64) @ stacked.emb_coef + stacked.emb_intercept)
        total = None
        for slot in stacked.slots:
            member = np.empty((n, len(self.models_)))
            for source, codes, columns in slot:
                if source == "const":
                    member[:, codes] = columns[None, :]
                else:
                    member[:, codes] = probs[source][:, columns]
            # summed member by member and divided, as np.mean over the members did
            total = member if total is None else total + member
        return total / len(stacked.slots)

    def _stacked(self) -> "_Stacked":
        """Coefficients of all codes' linear members as matrices, built once per fit."""
        cached = self.__dict__.get("_stacked_cache")
        if cached is None:
            cached = _Stacked(self.models_, self.nb_ratios_)
            self._stacked_cache = cached
        return cached

    def __setstate__(self, state: dict) -> None:
        state.setdefault("class_weight", None)  # saved before class_weight existed: fitted without it
        state.setdefault("n_jobs", None)  # saved before n_jobs existed
        self.__dict__.update(state)

    def __getstate__(self) -> dict:
        # the stacked coefficients are derived from the models: keep them out of saved files
        state = self.__dict__.copy()
        state.pop("_stacked_cache", None)
        return state

    def _logistic(self, C: float, dual: bool = True) -> LogisticRegression:
        # The dual liblinear solver is ~10x faster than the primal one when, as with
        # n-gram features, there are far more features than texts (not so for the 384
        # embedding dimensions). A loose tolerance saves time and, on the ANES training
        # splits, changed cross-validated sample F1 by less than 0.001.
        return LogisticRegression(
            C=C, solver="liblinear", dual=dual, tol=self.tol, max_iter=1000, random_state=self.random_state
        )


class _Stacked:
    """All codes' member coefficients side by side, for one product per feature block.

    ``text_coef`` (features x linear text members) holds each LR member's coefficients
    and each NB-LR member's coefficients times its code's NB ratio; ``emb_coef`` the
    embedding members'. ``slots`` says, member by member (in the order the members were
    fitted), which codes take which column of which block, or a constant probability.
    """

    def __init__(self, models: list[dict[str, object]], ratios: list[np.ndarray | None]) -> None:
        text_columns: list[np.ndarray] = []
        text_intercepts: list[float] = []
        emb_columns: list[np.ndarray] = []
        emb_intercepts: list[float] = []
        n_members = len(models[0]) if models else 0
        placed: list[dict[str, tuple[list[int], list]]] = [
            {"text": ([], []), "emb": ([], []), "const": ([], [])} for _ in range(n_members)
        ]
        for j, (fitted, ratio) in enumerate(zip(models, ratios)):
            for slot, (name, model) in enumerate(fitted.items()):
                if isinstance(model, ConstantCode):
                    source, column = "const", model.probability
                elif name == "emb":
                    source, column = "emb", len(emb_columns)
                    emb_columns.append(np.asarray(model.coef_, dtype=np.float64).ravel())
                    emb_intercepts.append(float(model.intercept_[0]))
                else:
                    coef = np.asarray(model.coef_, dtype=np.float64).ravel()
                    source, column = "text", len(text_columns)
                    text_columns.append(coef if name == "lr" else ratio * coef)
                    text_intercepts.append(float(model.intercept_[0]))
                placed[slot][source][0].append(j)
                placed[slot][source][1].append(column)
        self.text_coef = _columns(text_columns)
        self.text_intercept = np.asarray(text_intercepts, dtype=np.float64)
        self.emb_coef = _columns(emb_columns)
        self.emb_intercept = np.asarray(emb_intercepts, dtype=np.float64)
        self.slots = [
            [
                (source, np.asarray(codes, dtype=np.intp),
                 np.asarray(columns, dtype=np.float64 if source == "const" else np.intp))
                for source, (codes, columns) in slot.items() if codes
            ]
            for slot in placed
        ]


class _DistinctVectors:
    """Sentence vectors with repeated rows merged, for the embedding member's fits.

    Why: short answers repeat ("don't know", "vice president"), and a dense fit's cost
    grows with its rows. Rows with the same vector and the same label are one row whose
    weight is their summed weight: the weighted log-loss, and so the fitted model, is
    the same, at about half the cost on the ANES sets.
    """

    def __init__(self, E: np.ndarray) -> None:
        self.unique, inverse = np.unique(np.asarray(E, dtype=np.float64), axis=0, return_inverse=True)
        self.inverse = np.asarray(inverse).ravel()

    def merged(self, rows: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The vectors, labels and summed weights of ``rows`` with duplicates merged."""
        keys, position = np.unique(self.inverse[rows] * 2 + y, return_inverse=True)
        return self.unique[keys // 2], (keys % 2).astype(int), np.bincount(position.ravel(), weights=w)


def _columns(vectors: list[np.ndarray]) -> np.ndarray:
    """Vectors as the columns of a C-ordered matrix (rows read contiguously by X @ W)."""
    if not vectors:
        return np.zeros((0, 0))
    return np.ascontiguousarray(np.column_stack(vectors))


def _balancing(y: np.ndarray) -> np.ndarray:
    """Per-text factors that give a code's positives and negatives equal total weight, from
    their *counts* (``n / (2 * count)``, scikit-learn's "balanced").

    Counted here rather than passed as ``class_weight``: scikit-learn (1.x) balances by the
    sample-weighted totals, which would cancel ``negative_weight`` and the extra weight of
    rejected suggestions; by counts, those weights keep their meaning on top.
    """
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    return np.where(y == 1, y.size / (2.0 * n_pos), y.size / (2.0 * n_neg))


def _nb_ratio(binary: sp.csr_matrix, y: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """Log ratio of a feature's (smoothed, weighted) rate in positives vs negatives."""
    pos = alpha + np.asarray(binary.T @ (w * (y == 1))).ravel()
    neg = alpha + np.asarray(binary.T @ (w * (y == 0))).ravel()
    return np.log(pos / pos.sum()) - np.log(neg / neg.sum())


def _scale(X: sp.csr_matrix, ratio: np.ndarray) -> sp.csr_matrix:
    return sp.csr_matrix(X.multiply(ratio[None, :]))


class PooledPlatt:
    """One sigmoid on the logit of the scores, fitted on all codes' out-of-fold scores.

    ``probability = 1 / (1 + exp(-(a * logit(score) + b)))``. With too little data
    (no positive or no negative entry) it is the identity.
    """

    def fit(self, scores: np.ndarray, Y: np.ndarray, W: np.ndarray) -> "PooledPlatt":
        known = W > 0
        x = _logit(scores[known]).reshape(-1, 1)
        y = (Y[known] == 1).astype(int)
        if y.size == 0 or y.min() == y.max():
            self.a_, self.b_ = 1.0, 0.0
            return self
        model = LogisticRegression(C=100.0, solver="lbfgs", max_iter=1000).fit(x, y, sample_weight=W[known])
        self.a_, self.b_ = float(model.coef_[0, 0]), float(model.intercept_[0])
        return self

    def transform(self, scores: np.ndarray) -> np.ndarray:
        z = self.a_ * _logit(scores) + self.b_
        return 1.0 / (1.0 + np.exp(-z))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1.0 - _EPS)
    return np.log(p / (1.0 - p))
