"""Do groups answer a rating or a scale item differently, beyond chance?

CEOs give the programme 7.0 out of ten and staff 6.8: with two dozen answers each that
gap is noise, and a report should say so. Ratings and Likert answers are ordinal, and
"marks out of ten" bunch at 6-8, so the test is on ranks, not means: Kruskal-Wallis
(with the tie correction; for two groups it is the two-sided Mann-Whitney test), its
p-value from the chi-square approximation, adjusted across the items tested with
Benjamini-Hochberg. The effect size is epsilon-squared, ``H / (n - 1)``: the share of
the rank variance that lies between the groups (0 to 1).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qualcode.analysis.group_tests import benjamini_hochberg
from qualcode.analysis.questionnaire import item_answers

__all__ = ["answer_group_tests"]


def answer_group_tests(responses: pd.DataFrame, questions: pd.DataFrame, by: str, descriptors: pd.DataFrame, *,
                       columns: Sequence[str] | None = None, questionnaire: str | None = None,
                       types: Sequence[str] = ("rating", "scale")) -> pd.DataFrame:
    """Per rating and scale item: do the groups of ``by`` answer it differently?

    Groups with no answer to an item are left out of its test. Scale answers are level
    positions (1 = the first level). ``highest``/``lowest`` are the groups with the highest
    and lowest mean rank (the groups the test compares), with their medians and means.

    Columns: ``column, question, type, groups, n, highest, highest_median, highest_mean,
    lowest, lowest_median, lowest_mean, test, h, epsilon_squared, p_value, q_value``.
    """
    from qualcode.analysis.exact_tests import kruskal, rankdata

    rows = []
    for item, samples in item_answers(responses, questions, by, descriptors, types=types, columns=columns,
                                      questionnaire=questionnaire):
        row: dict[str, object] = {"column": item["column"], "question": item.get("question", ""),
                                  "type": item["type"], "groups": len(samples),
                                  "n": int(sum(len(v) for v in samples.values()))}
        if samples:
            pooled = np.concatenate(list(samples.values()))
            ranks = rankdata(pooled)
            mean_rank, start = {}, 0
            for group, values in samples.items():
                mean_rank[group] = ranks[start:start + len(values)].mean()
                start += len(values)
            hi, lo = max(mean_rank, key=mean_rank.get), min(mean_rank, key=mean_rank.get)
            row.update(highest=hi, highest_median=float(np.median(samples[hi])), highest_mean=samples[hi].mean(),
                       lowest=lo, lowest_median=float(np.median(samples[lo])), lowest_mean=samples[lo].mean())
        if len(samples) < 2:
            row.update(test="one group only", h=np.nan, epsilon_squared=np.nan, p_value=np.nan)
        elif len(np.unique(pooled)) == 1:
            row.update(test="no variation", h=0.0, epsilon_squared=0.0, p_value=1.0)
        else:
            h, p_value = kruskal(*samples.values())
            n = row["n"]
            row.update(test="Kruskal-Wallis", h=h, epsilon_squared=h / (n - 1), p_value=p_value)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["column", "question", "type", "groups", "n", "highest", "highest_median",
                                      "highest_mean", "lowest", "lowest_median", "lowest_mean", "test", "h",
                                      "epsilon_squared", "p_value"])
    out["q_value"] = benjamini_hochberg(out["p_value"], out["test"])
    return out
