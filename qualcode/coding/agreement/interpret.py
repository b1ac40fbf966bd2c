"""Interpretation labels for agreement coefficients -- conventions, not tests.

Reports need words next to numbers, and researchers ask "is 0.62 good?". The two
conventions most cited in qualitative research are given here, with their sources, and
the text returned always says they are conventions: Landis and Koch proposed their
bands as "useful benchmarks" for one medical example, and Krippendorff's cut-offs are
his advice on what to rely on, which depends on the cost of being wrong.

* Landis, J. R. & Koch, G. G. (1977). The measurement of observer agreement for
  categorical data. Biometrics 33(1), 159-174: < 0 poor, 0-0.20 slight, 0.21-0.40 fair,
  0.41-0.60 moderate, 0.61-0.80 substantial, 0.81-1 almost perfect.
* Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology (2nd
  ed.), p. 241: rely on variables with alpha >= .800; consider those between .667 and
  .800 only for tentative conclusions.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

UNDEFINED = "undefined"

#: (upper bound inclusive, label) for Landis & Koch; values below 0 are "poor".
LANDIS_KOCH = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"), (1.00, "almost perfect"))

KAPPA_CONVENTION = (
    "Kappa labels follow Landis & Koch (1977): below 0 poor, 0-0.20 slight, 0.21-0.40 fair, "
    "0.41-0.60 moderate, 0.61-0.80 substantial, 0.81-1 almost perfect."
)
ALPHA_CONVENTION = (
    "Alpha labels follow Krippendorff (2004): 0.800 or more acceptable, 0.667 to 0.800 tentative "
    "(for tentative conclusions only), below 0.667 unacceptable."
)
CONVENTION_NOTE = (
    "These bands are conventions, not statistical tests: what is good enough depends on how the "
    "codes will be used and on the cost of a wrong conclusion. Undefined means the coefficient "
    "cannot be computed (for example a code nobody applied), not perfect or zero agreement."
)


def kappa_label(value: float) -> str:
    """Landis & Koch band of one kappa value ("undefined" for NaN)."""
    if value is None or pd.isna(value):
        return UNDEFINED
    v = round(float(value), 2)  # the published bands are two-decimal (0.21-0.40 ...)
    if v < 0:
        return "poor"
    for upper, label in LANDIS_KOCH:
        if v <= upper:
            return label
    return LANDIS_KOCH[-1][1]


def alpha_label(value: float) -> str:
    """Krippendorff's (2004) guideline for one alpha value ("undefined" for NaN)."""
    if value is None or pd.isna(value):
        return UNDEFINED
    v = round(float(value), 3)  # his cut-offs are stated to three decimals
    if v >= 0.800:
        return "acceptable"
    if v >= 0.667:
        return "tentative"
    return "unacceptable"


def kappa_labels(values: Iterable[float]) -> np.ndarray:
    """Vector version of :func:`kappa_label`."""
    return np.array([kappa_label(v) for v in values], dtype=object)


def alpha_labels(values: Iterable[float]) -> np.ndarray:
    """Vector version of :func:`alpha_label`."""
    return np.array([alpha_label(v) for v in values], dtype=object)


def interpretation_text(kappa: float | None = None, alpha: float | None = None) -> str:
    """A short paragraph for reports: the labels of the given values and the conventions used."""
    parts = []
    if kappa is not None:
        shown = "undefined" if pd.isna(kappa) else f"{kappa:.2f}"
        parts.append(f"Pooled kappa {shown} ({kappa_label(kappa)}).")
    if alpha is not None:
        shown = "undefined" if pd.isna(alpha) else f"{alpha:.3f}"
        parts.append(f"Krippendorff's alpha {shown} ({alpha_label(alpha)}).")
    parts += [KAPPA_CONVENTION, ALPHA_CONVENTION, CONVENTION_NOTE]
    return " ".join(parts)


def neither_note(percent_neither: float, percent_all_applied: float, unit_word: str) -> str:
    """One sentence on how much of the agreement is "nobody applied the code", and the agreement without it.

    Percent agreement, and to a lesser degree kappa's expected agreement, are dominated
    by the unit x code decisions where no coder applied the code; with many small units
    (sentences, characters) and rare codes that is nearly every decision, so the headline
    percentage looks excellent whatever the coders did. Saying so next to the numbers is
    what lets a reader trust or doubt them.
    """
    if pd.isna(percent_neither):
        return ""
    applied = ("undefined (nobody applied a code)" if pd.isna(percent_all_applied)
               else f"{percent_all_applied:.1f}%")
    text = (f"{percent_neither:.1f}% of the {unit_word} x code decisions are 'neither' (no coder applied the code); "
            f"of the {unit_word} x code pairs anyone applied, every coder applied {applied} "
            "(not corrected for chance).")
    if percent_neither >= 90:
        text += (" Because 'neither' dominates, percent agreement is high almost by construction: "
                 "read kappa and alpha, which correct for it, and the applied-by-all percentage.")
    return text


def unit_note(unit: str, unit_word: str, min_overlap: float = 0.0) -> str:
    """What a unit is and when a coder counts as having applied a code to it, for reports."""
    if unit == "excerpt":
        return ("Excerpt level: the units are the spans the compared coders coded; text nobody coded is not compared, "
                "and a coder who marked a slightly different span of the same passage did not code this one.")
    if unit == "char":
        return ("Character level: every character of the compared sources is a unit, so uncoded text counts as "
                "agreement ('neither') and partial overlaps count in proportion.")
    rule = ("any overlap of one character or more" if not min_overlap
            else f"covering at least {min_overlap:.0%} of it")
    return (f"{unit_word.capitalize()} level: a coder applied a code to {_article(unit_word)} {unit_word} when their spans of that code "
            f"overlap it ({rule}), so coders who drew different spans around the same passage can agree; "
            f"{unit_word}s nobody coded count as agreement ('neither').")


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
