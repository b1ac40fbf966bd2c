"""The inter-rater agreement section of a study report.

Reports state agreement before they trust a codebook: per code Cohen's kappa and
Krippendorff's alpha with their bands, the pooled figures, what a unit is, and the
interpretation conventions (labelled as conventions)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.coding.agreement.table import export_table, headline, notes, pair_table
from qualcode.errors import NotFoundError
from qualcode.report.content import Report

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.project import Project


def add_agreement_section(project: "Project", report: Report, coders: list[str], unit: str = "excerpt") -> None:
    """Add an "Agreement between coders" section; nothing when the coders share no material."""
    known = set(project.applications()["coder"]) if not project.applications().empty else set()
    if len([c for c in coders if c in known]) < 2:
        return
    try:
        result = project.agreement(coders, unit=unit)
    except NotFoundError:
        return
    text = headline(result) + "\n\n" + "\n\n".join(notes(result))
    section = report.add_section(f"Agreement between coders ({', '.join(coders)})", text)
    table = export_table(result)
    section.add_table(table, f"Agreement per code ({unit} level)", decimals=2)
    pairs = pair_table(result)
    if len(coders) > 2 and not pairs.empty:
        section.add_table(pairs, "Pooled kappa per pair of coders", decimals=2)
    if not result.disagreements.empty:
        # confirmed names become their pseudonyms with the rest of the report (build_report)
        section.add_table(result.disagreements.head(200), "Disagreements to discuss (first 200)")
