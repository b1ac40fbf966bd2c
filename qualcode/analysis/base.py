"""What "% of cases" is out of: one definition of the analysis base, named everywhere.

A study's numbers get quoted in funded reports, so one study must give one number for
"how many participants raised confidence" wherever it is asked: the command line, the
Python API, the notebook and the report. Two things decide it:

* **The material.** By default (``base="coded"``) analyses count the *coded material*:
  the sources that carry at least one code a person applied or accepted, outside the
  structural ``Questionnaire/`` branch. A participant who only answered the closed part
  of a questionnaire was never asked about confidence and should not dilute its share.
  ``base="all"`` counts every source with material instead (the other base, on request).
* **The unit.** Cases (participants) when the project has them. A project where no
  source belongs to a case (a QualCoder or NVivo project imported without cases) counts
  each *source* as one unit, so figures are by source instead of zeros, and every base
  line says so.

:class:`AnalysisBase` carries the choice and :meth:`AnalysisBase.describe` is the
sentence printed under every table and figure.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qualcode.errors import UsageError

__all__ = ["BASES", "AnalysisBase", "check_base", "coded_source_ids", "no_cases", "sources_as_cases"]

#: The bases an analysis can use; the first is the default.
BASES: tuple[str, ...] = ("coded", "all")

LINK_CASES_HINT = ("link sources to cases (qualcode descriptors import FILE --key COLUMN, a source named like a "
                   "case belongs to it) for figures by participant")


def check_base(base: str) -> str:
    """``base`` if it is one of :data:`BASES`, else a one-line UsageError."""
    if base not in BASES:
        raise UsageError(f"base {base!r} is not one of {', '.join(BASES)} "
                         "('coded': the sources that carry a code; 'all': every source)")
    return base


@dataclass(frozen=True)
class AnalysisBase:
    """The denominator of "% of cases" and what it is made of.

    ``kind`` is ``"coded"`` or ``"all"``; ``unit`` is ``"case"`` or ``"source"`` (a
    project without cases); ``units`` how many cases (or sources) form the base;
    ``sources`` how many sources their material spans."""

    kind: str
    unit: str
    units: int
    sources: int

    @property
    def unit_noun(self) -> str:
        """"participant(s)" or "source(s)", for sentences."""
        word = "participant" if self.unit == "case" else "source"
        return word if self.units == 1 else word + "s"

    def describe(self, *, hint: bool = False) -> str:
        """One line for under a table or figure: "Base: the 20 participants whose material
        carries a code (23 coded sources)."; with ``hint``, a project without cases is also
        told how to link them (the command line, where this line stands alone)."""
        material = "coded " if self.kind == "coded" else ""
        plural = "" if self.sources == 1 else "s"
        if self.unit == "source":
            what = ("that carry a code" if self.kind == "coded" else "with material")
            return (f"Base: the {self.units:,} {self.unit_noun} {what}; the project has no cases, so each "
                    "source counts as one unit" + (f" ({LINK_CASES_HINT})." if hint else "."))
        what = "whose material carries a code" if self.kind == "coded" else "with any material"
        return f"Base: the {self.units:,} {self.unit_noun} {what} ({self.sources:,} {material}source{plural})."


def coded_source_ids(apps: pd.DataFrame, thematic: pd.Series) -> set[int]:
    """Sources carrying at least one of ``apps`` (applied codings) where ``thematic``
    is True (codes outside the structural branches)."""
    if apps.empty:
        return set()
    return set(pd.unique(apps.loc[thematic, "source_id"]).tolist())


def no_cases(excerpts: pd.DataFrame) -> bool:
    """True when there is material and none of it belongs to a case."""
    return len(excerpts) > 0 and "case" in excerpts.columns and bool(excerpts["case"].isna().all())


def sources_as_cases(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each source standing in for its (absent) case."""
    if frame.empty or "source" not in frame.columns:
        return frame
    return frame.assign(case=frame["source"].astype(object))
