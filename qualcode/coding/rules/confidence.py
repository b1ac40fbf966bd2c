"""A rule suggestion's confidence, learnt from how often its code's rule agreed with people.

Why: by default a rule's confidence only counts keyword matches (``1 - 0.5**matches``),
so nearly every rule suggestion sits at 0.50 and ordering the review "least certain
first" orders nothing. Where a team has coded some sources by hand, each rule's track
record there is a better confidence: of the units the rule coded in those sources, the
share that a person's excerpt of the same code overlaps (its precision, from
:mod:`qualcode.coding.rules.evaluation`).

The share is smoothed as ``(agreed + 1) / (suggested + 2)`` -- the mean of a uniform
prior updated by the counts (Laplace's rule of succession) -- so a rule seen twice and
right twice gets 0.75, not 1.0, and a rule never seen stays at 0.5. Where the hand
coding is not exhaustive, precision and so this confidence are lower bounds.

Pure functions on frames; the project layer runs the evaluation and stores the run.
"""
from __future__ import annotations

import pandas as pd

from qualcode.coding.rules.evaluation import ALL_CODES


def calibrated_confidence(evaluation_table: pd.DataFrame) -> pd.DataFrame:
    """Per code: ``code, checked, agreed, confidence`` from a rule evaluation's table.

    ``evaluation_table`` has the columns ``code, suggested, agreed`` of
    :class:`~qualcode.coding.rules.evaluation.RuleEvaluation.table` (its pooled row is
    left out); ``checked`` is its ``suggested``: the rule's units in hand-coded sources.
    """
    table = evaluation_table[evaluation_table["code"] != ALL_CODES]
    checked = table["suggested"].astype(int).to_numpy()
    agreed = table["agreed"].astype(int).to_numpy()
    return pd.DataFrame({
        "code": table["code"].astype(str).to_numpy(),
        "checked": checked,
        "agreed": agreed,
        "confidence": (agreed + 1.0) / (checked + 2.0),
    })


def with_confidence(spans: pd.DataFrame, calibration: pd.DataFrame) -> pd.DataFrame:
    """``spans`` (rule matches with ``code`` and ``confidence``) with each code's calibrated
    confidence; a code the calibration does not cover gets the prior, 0.5."""
    by_code = dict(zip(calibration["code"], calibration["confidence"]))
    if spans.empty:
        return spans
    return spans.assign(confidence=spans["code"].map(by_code).fillna(0.5).astype(float))
