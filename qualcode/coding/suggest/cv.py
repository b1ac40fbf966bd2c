"""Measuring a suggester: multi-label scores and per-code cross-validation.

Conventions (the same everywhere in qualcode, and stated in the benchmark):

* sample-based F1 is the mean over texts of the F1 between the suggested and the true
  code set; a text with no true code and no suggestion scores 1 (scikit-learn's
  ``zero_division=1.0``), one with either set empty and the other not scores 0;
* micro F1 pools every (text, code) decision; ``zero_division=1.0`` as above;
* macro F1 is the mean of per-code F1 over the codes that occur in the truth or in
  the predictions (``zero_division=nan``: a code nobody used and nothing predicted
  says nothing about the model and is left out);
* entries marked unknown (-1) are left out of every score.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold

from qualcode.coding.suggest.labels import label_matrix
from qualcode.coding.suggest.text import _as_texts
from qualcode.errors import ModelError


def multilabel_scores(Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, float]:
    """``{"samples_f1", "micro_f1", "macro_f1"}`` of 0/1 arrays (texts x codes)."""
    Y_true = np.asarray(Y_true).astype(int)
    Y_pred = np.asarray(Y_pred).astype(int)
    if Y_true.shape != Y_pred.shape:
        raise ModelError(f"truth has shape {Y_true.shape} but predictions {Y_pred.shape}")
    if Y_true.size == 0:
        return {"samples_f1": float("nan"), "micro_f1": float("nan"), "macro_f1": float("nan")}
    macro = f1_score(Y_true, Y_pred, average="macro", zero_division=np.nan)
    return {
        "samples_f1": float(f1_score(Y_true, Y_pred, average="samples", zero_division=1.0)),
        "micro_f1": float(f1_score(Y_true, Y_pred, average="micro", zero_division=1.0)),
        "macro_f1": float(macro),
    }


def cross_validate_codes(
    texts: Sequence[str],
    Y: object,
    estimator: object = None,
    cv: int = 5,
    random_state: int | None = 0,
    sample_weight: object = None,
) -> pd.DataFrame:
    """Per-code precision, recall, F1 and support from k-fold cross-validation.

    Each fold trains a fresh clone of ``estimator`` (default ``CodeSuggester()``) on the
    other folds -- including its own internal tuning -- and predicts the held-out
    texts, so the figures are what a model trained on all these texts can be expected
    to reach on new ones. Unknown (-1) entries count neither way. The frame is indexed
    by code; ``frame.attrs`` holds sample/micro/macro F1 over the texts with no unknown
    entry, and how many texts that was (``texts_scored``).
    """
    from qualcode.coding.suggest.suggester import CodeSuggester

    texts = _as_texts(texts)
    labels, codes = label_matrix(Y)
    if labels.shape[0] != len(texts):
        raise ModelError(f"{len(texts)} texts but the code matrix has {labels.shape[0]} rows; they must match")
    if len(texts) < cv or cv < 2:
        raise ModelError(f"cross-validation with {cv} folds needs at least {max(cv, 2)} coded texts, got {len(texts)}")
    estimator = CodeSuggester() if estimator is None else estimator
    Y_frame = pd.DataFrame(labels, columns=pd.Index(codes, dtype=object))
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    predicted = np.zeros(labels.shape, dtype=np.int8)
    for train, held_out in KFold(cv, shuffle=True, random_state=random_state).split(texts):
        model = clone(estimator)
        fold_weights = None if weights is None else weights[train]
        model.fit([texts[i] for i in train], Y_frame.iloc[train], sample_weight=fold_weights)
        predicted[held_out] = model.predict([texts[i] for i in held_out])
    known = labels >= 0
    truth = labels == 1
    guess = predicted == 1
    tp = (truth & guess & known).sum(axis=0)
    fp = (~truth & guess & known).sum(axis=0)
    fn = (truth & ~guess & known).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        recall = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
    frame = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn, "predicted": tp + fp},
        index=pd.Index(codes, name="code", dtype=object),
    )
    complete = known.all(axis=1)
    frame.attrs.update(multilabel_scores(truth[complete], guess[complete]))
    frame.attrs["texts_scored"] = int(complete.sum())
    return frame
