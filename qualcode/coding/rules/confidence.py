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

**Each suggestion its own confidence.** One number per code made every suggestion of a
code equally sure, so "accept above 0.05" accepted a rule's every hit, the weak ones
with the strong. A suggestion's confidence is therefore built from *its own passage's*
evidence: the keywords of its code's rule that occur in it, each with its own smoothed
track record in the hand-coded sources (``(agreed + 1) / (units + 2)`` from the
evaluation's keyword table), combined as independent pieces of evidence,
``1 - prod(1 - p_k)``. A keyword never seen in hand-coded material counts with its
code's confidence; a passage brought in by no listed keyword (a regex, say) keeps its
code's. Two good keywords make a passage surer than one weak one.

Pure functions on frames; the project layer runs the evaluation and stores the run.
"""
from __future__ import annotations

import numpy as np
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


def with_confidence(spans: pd.DataFrame, calibration: pd.DataFrame, keywords: pd.DataFrame | None = None,
                    hits: pd.DataFrame | None = None) -> pd.DataFrame:
    """``spans`` (rule matches with ``code`` and ``confidence``) with a calibrated
    confidence each: from the keywords found in the passage (``hits``: ``row, code,
    keyword`` with ``row`` the position in ``spans``; ``keywords``: the evaluation's
    keyword table) when given, else its code's. A code the calibration does not cover
    gets the prior, 0.5."""
    by_code = dict(zip(calibration["code"], calibration["confidence"]))
    if spans.empty:
        return spans
    code_conf = spans["code"].map(by_code).fillna(0.5).astype(float).to_numpy()
    if keywords is None or hits is None or hits.empty:
        return spans.assign(confidence=code_conf)
    track = {(c, k): (a + 1.0) / (u + 2.0)
             for c, k, a, u in zip(keywords["code"], keywords["keyword"], keywords["agreed"], keywords["units"])}
    codes = spans["code"].to_numpy()
    own = hits[hits["code"].to_numpy() == codes[hits["row"].to_numpy()]]
    doubt = np.ones(len(spans))
    found = np.zeros(len(spans), dtype=bool)
    for row, code, keyword in zip(own["row"].tolist(), own["code"].tolist(), own["keyword"].tolist()):
        doubt[row] *= 1.0 - track.get((code, keyword), code_conf[row])
        found[row] = True
    return spans.assign(confidence=np.where(found, 1.0 - doubt, code_conf))
