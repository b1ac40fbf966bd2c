"""The disagreement list: where coders differ, with what each of them applied.

Coefficients say *how much* coders disagree; a team improves its codebook by talking
through *where*. One row per unit (excerpt or segment) with at least one disputed code,
or per disputed stretch of text and code at character level. Columns:

``unit_id, source_id, start, end, text, disputed`` then one ``applied:<coder>`` column per
coder. ``disputed`` lists the codes not applied by every coder who coded the unit;
``applied:<coder>`` lists all compared codes that coder applied to the unit ("" for none,
<NA> when the coder did not code that source). Lists are joined with "; ".
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from qualcode.coding.agreement.chars import CharComparison
from qualcode.coding.agreement.units import PresenceTable

SEP = "; "


def applied_column(coder: str) -> str:
    """Name of the column listing what ``coder`` applied."""
    return f"applied:{coder}"


def _joined(group_pos: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """Join ``labels`` per group (input sorted by group), "" for groups without labels.

    ``np.add.reduceat`` on an object array concatenates the strings of each run in one
    pass (every label but a run's first carries the separator in front) -- many times
    faster than a pandas groupby-join at 10^5 groups.
    """
    out = np.full(n_groups, "", dtype=object)
    if len(group_pos):
        group_pos = np.asarray(group_pos)
        first = np.concatenate(([True], group_pos[1:] != group_pos[:-1]))
        labels = np.asarray(labels, dtype=object)
        pieces = np.where(first, labels, SEP + labels)
        starts = np.flatnonzero(first)
        out[group_pos[starts]] = np.add.reduceat(pieces, starts)
    return out


def unit_disagreements(table: PresenceTable) -> pd.DataFrame:
    """Disagreement list for excerpt- or segment-level comparisons."""
    codes = np.asarray(table.codes, dtype=object)
    avail_units = table.units["avail"].to_numpy(np.int64)
    ucm = table.unit_code_masks
    disputed = ucm[ucm["present"].to_numpy() != avail_units[ucm["unit_pos"].to_numpy()]]
    pos = disputed["unit_pos"].to_numpy()  # sorted (see below); plain np.unique hashes and is slow on numpy 2.x
    unit_rows = pos[np.concatenate(([True], pos[1:] != pos[:-1]))] if len(pos) else pos
    n = len(unit_rows)
    units = table.units.iloc[unit_rows]
    out = pd.DataFrame({
        "unit_id": units["unit_id"].to_numpy(),
        "source_id": units["source_id"].to_numpy(),
        "start": units["start"].to_numpy(),
        "end": units["end"].to_numpy(),
        "text": units["text"].to_numpy() if "text" in units.columns else pd.array([pd.NA] * n, dtype="string"),
    })
    # unit_code_masks and marks come out of np.unique on (unit, code[, coder]) keys, so they
    # are already sorted by unit then code: no sort needed before joining
    d = disputed
    out["disputed"] = _joined(np.searchsorted(unit_rows, d["unit_pos"].to_numpy()), codes[d["code_pos"].to_numpy()], n)
    marks = table.marks[np.isin(table.marks["unit_pos"].to_numpy(), unit_rows)]
    for c, coder in enumerate(table.coders):
        mine = marks[marks["coder_pos"].to_numpy() == c]
        col = _joined(np.searchsorted(unit_rows, mine["unit_pos"].to_numpy()), codes[mine["code_pos"].to_numpy()], n)
        col = pd.array(col, dtype="string")
        col[((units["avail"].to_numpy(np.int64) >> c) & 1) == 0] = pd.NA
        out[applied_column(coder)] = col
    return out.sort_values(["source_id", "start", "end"], kind="stable").reset_index(drop=True)


def char_disagreements(comparison: CharComparison, source_texts: Mapping[int, str] | pd.Series | None = None) -> pd.DataFrame:
    """Disagreement list at character level: one row per disputed stretch and code."""
    spans = comparison.spans
    if len(spans):  # order by place in the text, on integers (sorting the string column is slow)
        order = np.lexsort((spans["code_pos"].to_numpy(), spans["end"].to_numpy(),
                            spans["start"].to_numpy(), spans["source_id"].to_numpy()))
        spans = spans.iloc[order]
    codes = np.asarray(comparison.codes, dtype=object)
    n = len(spans)
    code_names = codes[spans["code_pos"].to_numpy()] if n else np.zeros(0, dtype=object)
    if source_texts is not None:
        texts = dict(source_texts)
        text = pd.array([texts[s][a:b] if s in texts else pd.NA for s, a, b in
                         zip(spans["source_id"], spans["start"], spans["end"])], dtype="string")
    else:
        text = pd.array([pd.NA] * n, dtype="string")
    out = pd.DataFrame({
        "unit_id": pd.array([pd.NA] * n, dtype="Int64"),
        "source_id": spans["source_id"].to_numpy(),
        "start": spans["start"].to_numpy(),
        "end": spans["end"].to_numpy(),
        "text": text,
        "disputed": code_names,
    })
    present = spans["present"].to_numpy(np.int64)
    avail = spans["avail"].to_numpy(np.int64)
    for c, coder in enumerate(comparison.coders):
        col = pd.array(np.where(((present >> c) & 1) == 1, code_names, ""), dtype="string")
        col[((avail >> c) & 1) == 0] = pd.NA
        out[applied_column(coder)] = col
    return out
