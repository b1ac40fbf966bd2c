"""Code frequencies by wave, and what changed between two waves.

Longitudinal evaluations ask "did more participants talk about sustainability in the
second year?". The honest answer separates cases who raised a code in both waves from
those who raised it only in one, and compares % of cases with material in each wave
(not raw counts, because waves differ in size).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import incidence, require, require_apps, unit_matrix
from qualcode.analysis.crosstab import code_by_descriptor
from qualcode.errors import UsageError

__all__ = ["frequencies_by_wave", "wave_change"]


def frequencies_by_wave(apps: pd.DataFrame, codebook: pd.DataFrame | None = None, *,
                        base: pd.DataFrame | None = None, child_sum: bool = False) -> pd.DataFrame:
    """Per code and wave: excerpts, cases, % of the wave's cases (see ``code_by_descriptor``).

    Columns: ``code, name, depth, top, wave, excerpts, cases, group_cases, pct_cases,
    excerpts_normalised, cases_normalised``. ``base`` is a frame with ``case`` and
    ``wave`` (e.g. ``project.excerpts()``) when cases without codings should count.
    """
    require_apps(apps, ["wave"])
    return code_by_descriptor(apps, "wave", None, codebook, base=base, child_sum=child_sum)


def _wave_cases(frame: pd.DataFrame, waves: pd.Series, wave: object) -> pd.Index:
    # A source without a wave compares as <NA>, which is "not this wave", never an error.
    in_wave = (waves == str(wave)).fillna(False).to_numpy(dtype=bool)
    return pd.Index(pd.unique(frame.loc[in_wave, "case"].dropna()))


def wave_change(apps: pd.DataFrame, first: object, second: object, codebook: pd.DataFrame | None = None, *,
                base: pd.DataFrame | None = None, child_sum: bool = False, paired: bool = False) -> pd.DataFrame:
    """Per code: cases raising it in wave ``first``, in ``second``, in both, in only one.

    A case "raises" a code in a wave when any excerpt of its sources of that wave
    carries it. ``pct_first``/``pct_second`` divide by the cases with material in each
    wave (``base_first``/``base_second``: from ``base``, a frame with ``case`` and
    ``wave`` such as ``project.excerpts()``, else from ``apps``). With ``paired`` only
    cases with material in both waves are counted, so the change is not a change of
    who took part. ``pct_change`` is ``pct_second - pct_first`` in percentage points.

    Columns: ``code, name, depth, top, cases_first, cases_second, both, only_first,
    only_second, base_first, base_second, pct_first, pct_second, pct_change``.
    """
    require_apps(apps, ["case", "wave"])
    frame = apps if base is None else base
    require(frame, ["case", "wave"], "base", "project.excerpts()")
    waves = frame["wave"].astype("string")
    present = sorted(pd.unique(waves.dropna()).tolist())
    for w in (first, second):
        if str(w) not in present:
            raise UsageError(f"wave {w!r} has no material; waves present: {', '.join(present) or 'none'}")
    base_a, base_b = _wave_cases(frame, waves, first), _wave_cases(frame, waves, second)
    if paired:
        base_a = base_b = base_a.intersection(base_b)
    inc = incidence(apps, codebook, child_sum=child_sum)
    wave = inc.excerpts["wave"].astype("string").fillna("").to_numpy(dtype=object)
    case = inc.excerpts["case"]
    cases = inc.cases.union(base_a).union(base_b)
    cidx = cases.get_indexer(case)
    pres = {}
    for name, w, allowed in (("a", str(first), base_a), ("b", str(second), base_b)):
        ok = (wave == w) & (allowed.get_indexer(case) >= 0)
        pres[name] = unit_matrix(np.where(ok, cidx, -1), inc.cells, len(cases))
    a, b = pres["a"], pres["b"]
    out = inc.codes[["code", "name", "depth", "top"]].copy()
    n_codes = len(out)
    n_a, n_b = a.column_cells(), b.column_cells()
    # cells (case, code) present in both waves; each matrix holds a cell once
    in_both = np.intersect1d(a.rows * n_codes + a.cols, b.rows * n_codes + b.cols, assume_unique=True)
    both = np.bincount(in_both % n_codes, minlength=n_codes) if n_codes else np.zeros(0, dtype=np.int64)
    out["cases_first"], out["cases_second"], out["both"] = n_a, n_b, both
    out["only_first"], out["only_second"] = n_a - both, n_b - both
    out["base_first"], out["base_second"] = len(base_a), len(base_b)
    out["pct_first"] = 100.0 * n_a / len(base_a) if len(base_a) else np.nan
    out["pct_second"] = 100.0 * n_b / len(base_b) if len(base_b) else np.nan
    out["pct_change"] = out["pct_second"] - out["pct_first"]
    return out.reset_index(drop=True)
