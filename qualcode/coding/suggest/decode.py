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
TAIL_SDS = 8.0  # true-code counts this many standard deviations above the mean share one bin
DECODE_BATCH = 4096


def by_thresholds(P: np.ndarray, thresholds: np.ndarray, min_codes: int = 0) -> np.ndarray:
    """0/1 decisions ``P >= thresholds``; at least the top ``min_codes`` codes per text."""
    D = (P >= thresholds[None, :]).astype(np.int8)
    return _force_top(D, P, min_codes)


def by_expected_f1(P: np.ndarray, min_codes: int = 0) -> np.ndarray:
    """Per text, the code set of highest expected F1, taking the confidences as independent.

    Under independence the best set is the k most confident codes for some k (Ye et
    al. 2012), so only m + 1 sets are scored per text, each exactly:
    ``E[2 a / (k + a + b)]`` where ``a`` (true codes among the k chosen) and ``b``
    (true codes among the rest) follow Poisson-binomial distributions, built by dynamic
    programming over the sorted confidences (Jansche 2007). The empty set scores the
    probability that no code applies (an empty prediction for an empty truth counts as
    F1 = 1, as with ``zero_division=1``). Texts go ``DECODE_BATCH`` at a time; in a
    batch, counts more than ``TAIL_SDS`` standard deviations above a text's expected
    number of codes share one bin. That keeps a 72-code book fast when texts carry one
    or two codes, and leaves out a probability below 1e-12.
    """
    n, m = P.shape
    D = np.zeros((n, m), dtype=np.int8)
    if n == 0 or m == 0:
        return D
    for at in range(0, n, DECODE_BATCH):
        D[at: at + DECODE_BATCH] = _decode_batch(P[at: at + DECODE_BATCH], min_codes)
    return D


def _decode_batch(P: np.ndarray, min_codes: int) -> np.ndarray:
    n, m = P.shape
    order = np.argsort(-P, axis=1, kind="stable")
    sorted_p = np.take_along_axis(P, order, axis=1)
    mean = P.sum(axis=1)
    spread = np.sqrt((P * (1.0 - P)).sum(axis=1))
    cap = int(min(m, np.ceil((mean + TAIL_SDS * spread).max()) + 1))
    chosen_counts = _count_distributions(sorted_p, cap)  # [k]: true codes among the top k
    rest_counts = _count_distributions(sorted_p[:, ::-1], cap)  # [r]: true codes among the last r
    support = np.arange(cap + 1, dtype=float)
    scores = np.empty((n, m + 1))
    for k in range(m + 1):
        a = support[: min(k, cap) + 1, None]  # true codes among the chosen (at most k)
        b = support[None, : min(m - k, cap) + 1]  # true codes among the rest
        denom = k + a + b
        gain = np.divide(2.0 * a, denom, out=np.ones_like(denom), where=denom > 0)
        scores[:, k] = ((chosen_counts[k][:, : a.size] @ gain) * rest_counts[m - k][:, : b.size]).sum(axis=1)
    if min_codes > 0:
        scores[:, : min(min_codes, m)] = -np.inf
    best_k = scores.argmax(axis=1)
    D = np.zeros((n, m), dtype=np.int8)
    chosen = (np.arange(1, m + 1)[None, :] <= best_k[:, None]).astype(np.int8)
    np.put_along_axis(D, order, chosen, axis=1)
    return D


def _count_distributions(p: np.ndarray, cap: int) -> list[np.ndarray]:
    """For k = 0..m, the distribution (texts x cap + 1) of successes among p's first k columns.

    The last bin holds ``cap`` or more successes.
    """
    current = np.zeros((p.shape[0], cap + 1))
    current[:, 0] = 1.0
    out = [current]
    for j in range(p.shape[1]):
        q = p[:, j: j + 1]
        q_flat = p[:, j]
        following = current * (1.0 - q)
        following[:, 1:] += current[:, :-1] * q
        following[:, -1] += current[:, -1] * q_flat  # the pooled top bin stays pooled
        out.append(following)
        current = following
    return out


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
