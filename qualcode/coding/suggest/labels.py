"""The label matrix a suggester learns from: what is known about each unit and code.

A project knows three things about a unit and a code, not two: a person applied the
code (positive), a person decided it does not apply -- rejected a suggestion, or coded
the unit with other codes (known negative) -- or nobody looked (unknown). The matrix
encodes them as 1, 0 and -1, and per-entry weights say how much each entry counts, so
rejected suggestions can count more than silence and unknowns can count a little or
not at all.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd

from qualcode.errors import ModelError

POSITIVE, NEGATIVE, UNKNOWN = 1, 0, -1


def label_matrix(Y: object) -> tuple[np.ndarray, list[Hashable]]:
    """Check ``Y`` and return it as an int8 array of 1/0/-1 plus the code names.

    A DataFrame's columns name the codes; for an array the codes are 0..m-1. NaN and
    ``pd.NA`` mean unknown (-1). Anything else than 1, 0, -1 (or True/False) is an error
    naming the row and code.
    """
    if isinstance(Y, pd.DataFrame):
        codes: list[Hashable] = list(Y.columns)
        values = np.empty(Y.shape, dtype=float)
        for j, code in enumerate(codes):
            column = Y.iloc[:, j]
            numeric = pd.to_numeric(column.astype(object) if column.dtype == bool else column, errors="coerce")
            unreadable = numeric.isna().to_numpy() & column.notna().to_numpy()
            if unreadable.any():
                row = int(np.flatnonzero(unreadable)[0])
                raise ModelError(
                    f"code matrix row {row + 1}, code {code!r}: value {column.iat[row]!r} is not 1, 0 or -1 (unknown)"
                )
            values[:, j] = numeric.to_numpy(dtype=float, na_value=np.nan)
        raw = Y
    else:
        values = np.asarray(Y, dtype=float) if not sp_issparse(Y) else Y.toarray().astype(float)
        if values.ndim != 2:
            raise ModelError(f"the code matrix must be 2-D (texts x codes), got {values.ndim}-D")
        codes = list(range(values.shape[1]))
        raw = None
    if len(set(map(str, codes))) != len(codes):
        raise ModelError("the code matrix has duplicate code names; give each code one column")
    values = np.where(np.isnan(values), UNKNOWN, values)
    bad = ~np.isin(values, (POSITIVE, NEGATIVE, UNKNOWN))
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        shown = raw.iat[row, col] if raw is not None else values[row, col].item()
        raise ModelError(
            f"code matrix row {row + 1}, code {codes[col]!r}: value {shown!r} is not 1, 0 or -1 (unknown)"
        )
    return values.astype(np.int8), codes


def entry_weights(
    Y: np.ndarray,
    sample_weight: object = None,
    negative_weight: float = 1.0,
    unknown_weight: float = 0.0,
) -> np.ndarray:
    """Per-entry training weights (texts x codes) from the 1/0/-1 matrix.

    Positives weigh 1, known negatives ``negative_weight``, unknowns ``unknown_weight``
    (they are then learnt as weak negatives; 0 leaves them out). ``sample_weight`` is
    either one weight per text or a texts x codes array, and multiplies the above --
    the way to make only rejected suggestions count more than other negatives.
    """
    base = np.where(Y == POSITIVE, 1.0, np.where(Y == NEGATIVE, float(negative_weight), float(unknown_weight)))
    if sample_weight is None:
        return base
    weights = np.asarray(sample_weight, dtype=float)
    if weights.ndim == 1:
        weights = weights[:, None]
    if weights.shape[0] != Y.shape[0] or weights.shape[1] not in (1, Y.shape[1]):
        raise ModelError(
            f"sample_weight has shape {np.shape(sample_weight)}; expected ({Y.shape[0]},) or {Y.shape}"
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ModelError("sample_weight must be finite and not negative")
    return base * weights


def labels_from_decisions(
    units: Sequence[Hashable],
    codes: Sequence[Hashable],
    applied: Iterable[tuple[Hashable, Hashable]],
    rejected: Iterable[tuple[Hashable, Hashable]] = (),
    reviewed_units: Iterable[Hashable] | None = None,
    rejected_weight: float = 2.0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Build ``(Y, sample_weight)`` for :meth:`CodeSuggester.fit` from a project's decisions.

    ``applied`` and ``rejected`` hold ``(unit, code)`` pairs. A unit in
    ``reviewed_units`` (default: every unit with an applied code) is a known negative
    for the codes not applied to it; other units are unknown (-1) except for their
    rejected codes. Rejected entries get ``rejected_weight`` in the returned weights.
    """
    unit_pos = {unit: i for i, unit in enumerate(units)}
    code_pos = {code: j for j, code in enumerate(codes)}
    Y = np.full((len(unit_pos), len(code_pos)), UNKNOWN, dtype=np.int8)
    weights = np.ones(Y.shape)
    applied = list(applied)
    reviewed = {u for u, _ in applied} if reviewed_units is None else set(reviewed_units)
    for unit in reviewed:
        if unit in unit_pos:
            Y[unit_pos[unit], :] = NEGATIVE
    for unit, code in rejected:
        i, j = _position(unit_pos, code_pos, unit, code, "rejected")
        Y[i, j] = NEGATIVE
        weights[i, j] = rejected_weight
    for unit, code in applied:
        i, j = _position(unit_pos, code_pos, unit, code, "applied")
        Y[i, j] = POSITIVE
        weights[i, j] = 1.0
    return pd.DataFrame(Y, index=list(unit_pos), columns=list(code_pos)), weights


def _position(unit_pos: dict, code_pos: dict, unit: Hashable, code: Hashable, what: str) -> tuple[int, int]:
    if unit not in unit_pos:
        raise ModelError(f"{what} pair ({unit!r}, {code!r}) names a unit that is not in units")
    if code not in code_pos:
        raise ModelError(f"{what} pair ({unit!r}, {code!r}) names a code that is not in codes")
    return unit_pos[unit], code_pos[code]


def sp_issparse(obj: object) -> bool:
    """True for a scipy sparse matrix or array (without importing scipy at call sites)."""
    import scipy.sparse as sp

    return sp.issparse(obj)
