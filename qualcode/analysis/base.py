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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from qualcode.errors import UsageError

__all__ = ["BASES", "AnalysisBase", "HeadlineNumbers", "check_base", "coded_source_ids", "no_cases", "sources_as_cases"]

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


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


#: What the base tile and sentence say the base is: the one wording of it everywhere.
BASE_ROLE = "the base of every %"


@dataclass(frozen=True)
class HeadlineNumbers:
    """The study at a glance, worded once for ``qualcode status``, ``Project.summary()``
    (its ``headline``), the notebook and the report's tiles and sentence.

    A project holds more participants (``cases``: every case, questionnaire respondents
    included) than the analyses count: "% of cases" is out of ``base``, the participants
    whose material carries a code. Saying only "109 participants" above tables of
    percentages out of 20 misleads, so the headline names both, the second as the base.
    In a project without cases (``base_unit == "source"``) the base is sources that carry
    a code. ``invited`` gives the questionnaire's response rate; ``response_rate`` (0-100)
    can be given instead."""

    sources: int
    coded_excerpts: int
    cases: int | None = None
    base: int | None = None
    base_unit: str = "case"
    responses: int | None = None
    invited: int | None = None
    response_rate: float | None = None

    @classmethod
    def from_summary(cls, s: Mapping[str, Any]) -> "HeadlineNumbers":
        """The headline of a :meth:`Project.summary` mapping."""
        return cls(sources=int(s["sources"]), coded_excerpts=int(s["coded_excerpts"]),
                   cases=int(s["cases"]) if s.get("cases") else None,
                   base=int(s["base"]) if s.get("base") is not None else None,
                   base_unit=str(s.get("base_unit") or "case"),
                   responses=int(s["questionnaire_responses"]) if s.get("questionnaire_responses") else None,
                   invited=int(s["invited"]) if s.get("invited") else None)

    def rate(self) -> float | None:
        """Response rate in percent, or None when it cannot be known."""
        if self.responses is not None and self.invited:
            return 100.0 * self.responses / self.invited
        return self.response_rate

    def _base_label(self) -> str:
        if self.base_unit == "source":
            return ("source" if self.base == 1 else "sources") + f" with coded material: {BASE_ROLE}"
        return ("participant" if self.base == 1 else "participants") + f" with coded material: {BASE_ROLE}"

    def tiles(self) -> list[tuple[str, str]]:
        """(number, label) pairs for the report's tiles, in reading order."""
        tiles = [(f"{self.sources:,}", "source" if self.sources == 1 else "sources"),
                 (f"{self.coded_excerpts:,}", "coded excerpt" if self.coded_excerpts == 1 else "coded excerpts")]
        if self.cases:
            tiles.append((f"{self.cases:,}", ("participant" if self.cases == 1 else "participants") + " in the project"))
        if self.base is not None:
            tiles.append((f"{self.base:,}", self._base_label()))
        if self.responses is not None:
            tiles.append((f"{self.responses:,}", "questionnaire response" if self.responses == 1
                          else "questionnaire responses"))
            rate = self.rate()
            if rate is not None:
                tiles.append((f"{rate:.0f}%", "response rate"))
        return tiles

    def parts(self) -> list[str]:
        """The headline sentence's parts: "23 sources", "582 coded excerpts", "109
        participants in the project (20 of them with coded material, the base of every %)"…"""
        parts = [_plural(self.sources, "source", "sources"),
                 _plural(self.coded_excerpts, "coded excerpt", "coded excerpts")]
        if self.cases:
            people = _plural(self.cases, "participant", "participants") + " in the project"
            if self.base is not None and self.base_unit == "case":
                people += f" ({self.base:,} of them with coded material, {BASE_ROLE})"
            parts.append(people)
        elif self.base is not None:
            parts.append(_plural(self.base, "source", "sources") + f" with coded material ({BASE_ROLE})")
        if self.responses is not None:
            text = _plural(self.responses, "questionnaire response", "questionnaire responses")
            rate = self.rate()
            if rate is not None:
                text += f" ({rate:.0f}% response rate)"
            parts.append(text)
        return parts

    def text(self) -> str:
        """The headline as one sentence (no final full stop)."""
        return ", ".join(self.parts())


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
