"""Code branches qualcode makes itself, as structure rather than findings.

Ingesting a questionnaire codes every open answer with a code named after its question,
under ``Questionnaire/``. Those codes say *where* a text came from, not what it is about,
so the findings-oriented views (code cloud, priorities, impact models) and the trained
suggester leave them out.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: The branch under which questionnaire questions become codes.
QUESTION_BRANCH = "Questionnaire"
#: Top-level branches that are structure, not findings.
STRUCTURAL_BRANCHES: tuple[str, ...] = (QUESTION_BRANCH,)


def is_structural(path: str) -> bool:
    """True for a code path inside a structural branch."""
    return path.split("/", 1)[0] in STRUCTURAL_BRANCHES


def thematic_mask(codes: pd.Series) -> pd.Series:
    """True where a code path is outside the structural branches. Decided once per
    distinct path: a report asks this of 10^6 applications several times. The
    counting frames hold paths as a categorical: then once per category, without
    turning 10^6 codes into strings."""
    if isinstance(codes.dtype, pd.CategoricalDtype):
        keep = [not is_structural(str(c)) for c in codes.cat.categories]
        keep.append(True)  # code -1, a missing path: not structural
        return pd.Series(np.asarray(keep, dtype=bool)[codes.cat.codes.to_numpy()], index=codes.index)
    thematic = {c for c in pd.unique(codes.to_numpy()) if not is_structural(str(c))}
    return codes.isin(thematic)
