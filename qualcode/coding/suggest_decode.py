"""Turning per-code confidences into a set of codes for each text.

Two rules, both learnt or justified on training data only:

* ``thresholds``: code j is suggested when its confidence reaches ``t_j``; each ``t_j``
  maximises that code's F1 on out-of-fold confidences (shrunk towards one shared
  threshold when the code has few positives, since a threshold tuned on five
  examples is noise).
* ``expected_f1``: for each text, the set that maximises the expected F1 between the
  suggested and the true code set, taking the codes' confidences as independent
  probabilities (Jansche 2007; Nan Ye et al. 2012). This is the rule that suits the
  sample-based F1 of the benchmark: it predicts two codes for a text when two are
  likely, one when only one is, and none only when "no code" is the likeliest outcome.

``min_codes=1`` forces at least the most confident code, which sample-based F1 rewards
whenever every text is known to carry a code.
"""
from __future__ import annotations

import numpy as np

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
SHRINK_POSITIVES = 20.0


def by_thresholds(P: np.ndarray, thresholds: np.ndarray, min_codes: int = 0) -> np.ndarray:
    """0/1 decisions ``P >= thresholds``; at least the top ``min_codes`` codes per text."""
    D = (P >= thresholds[None, :]).astype(np.int8)
    return _force_top(D, P, min_codes)


def by_expected_f1(P: np.ndarray, min_codes: int = 0) -> np.ndarray:
    """Per text, the code set of highest (approximate) expected F1 under independence.

    For the k most confident codes the expected F1 is approximated by
    ``2 * sum(top k p) / (k + sum(all p))``; the empty set scores the probability that
    no code applies, ``prod(1 - p)`` (an empty prediction for an empty truth counts as
    F1 = 1, as with ``zero_division=1``). Vectorised over texts.
    """
    n, m = P.shape
    D = np.zeros((n, m), dtype=np.int8)
    if n == 0 or m == 0:
        return D
    order = np.argsort(-P, axis=1, kind="stable")
    sorted_p = np.take_along_axis(P, order, axis=1)
    k = np.arange(1, m + 1)
    scores = 2.0 * np.cumsum(sorted_p, axis=1) / (k[None, :] + P.sum(axis=1, keepdims=True))
    best_k = scores.argmax(axis=1) + 1
    if min_codes < 1:
        empty = np.prod(1.0 - P, axis=1) > scores.max(axis=1)
        best_k = np.where(empty, 0, best_k)
    best_k = np.maximum(best_k, min(min_codes, m))
    chosen = k[None, :] <= best_k[:, None]
    np.put_along_axis(D, order, chosen.astype(np.int8), axis=1)
    return D


def tune_thresholds(P: np.ndarray, Y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Per-code thresholds from out-of-fold confidences ``P`` and 1/0/-1 labels ``Y``.

    A code's threshold maximises its (weighted) F1 over ``THRESHOLD_GRID``; the F1
    curve is first averaged with the curve of all codes pooled, with weight
    ``n_pos / (n_pos + 20)`` on the code's own curve, so rare codes lean on the shared
    threshold. Ties go to the higher threshold (fewer, surer suggestions).
    """
    known = W > 0
    pooled = _f1_curve(P[known], Y[known] == 1, W[known])
    out = np.empty(P.shape[1])
    for j in range(P.shape[1]):
        rows = known[:, j]
        positives = float(W[rows, j][Y[rows, j] == 1].sum())
        own = _f1_curve(P[rows, j], Y[rows, j] == 1, W[rows, j])
        share = positives / (positives + SHRINK_POSITIVES)
        curve = share * own + (1.0 - share) * pooled
        best = np.flatnonzero(curve >= curve.max() - 1e-12)[-1]
        out[j] = THRESHOLD_GRID[best]
    return out


def _f1_curve(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted F1 of ``p >= t`` for every t in the grid (0 where undefined)."""
    predicted = p[None, :] >= THRESHOLD_GRID[:, None]
    tp = (predicted & y[None, :]) @ w
    fp = (predicted & ~y[None, :]) @ w
    fn = (~predicted & y[None, :]) @ w
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(denom, dtype=float), where=denom > 0)


def _force_top(D: np.ndarray, P: np.ndarray, min_codes: int) -> np.ndarray:
    if min_codes < 1 or P.shape[1] == 0:
        return D
    top = np.argsort(-P, axis=1, kind="stable")[:, : min(min_codes, P.shape[1])]
    np.put_along_axis(D, top, 1, axis=1)
    return D


def threshold_uncertainty(P: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How close each text's closest call is to its code's threshold, in [0, 1].

    Per code, ``1 - |p - t| / t`` below the threshold and ``1 - (p - t) / (1 - t)``
    above it, so 1 means a confidence exactly at the threshold and 0 a certain call
    (p = 0 or 1). A text's uncertainty is its largest value over codes -- the review
    queue shows first the texts where one answer from a person teaches the model most.
    """
    t = thresholds[None, :]
    below = 1.0 - (t - P) / np.maximum(t, 1e-12)
    above = 1.0 - (P - t) / np.maximum(1.0 - t, 1e-12)
    closeness = np.where(P < t, below, above)
    if closeness.shape[1] == 0:
        return np.zeros(P.shape[0])
    return np.clip(closeness, 0.0, 1.0).max(axis=1)
