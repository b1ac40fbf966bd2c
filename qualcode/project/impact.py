"""``Project`` methods for impact and logic models.

``qualcode.Project`` inherits this class; it builds on :class:`~qualcode.project.core.ProjectCore`
(the frames), so mypy checks every call. Methods stay thin: read the project's frames or
open one transaction, call the module that does the work, return data.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.project.analysis import ProjectAnalysis

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.impact.model import ImpactModel
    from qualcode.impact.summary import ImpactSummary


class ProjectImpact(ProjectAnalysis):
    """Impact and logic models; ``qualcode.Project`` inherits them (quotes go through the anonymiser of
    :class:`~qualcode.project.privacy.ProjectPrivacy`)."""

    def impact_model(self, path: str | Path) -> "ImpactModel":
        """Read an impact or logic model YAML and check it against this project: every
        code in the codebook, every indicator a questionnaire column of a suitable type,
        every filter field a descriptor. Errors name the file and line."""
        from qualcode.impact.model import check_model, read_model

        return check_model(read_model(path), self.codes(), self.questions(), self.descriptors())

    def impact_summary(self, model: "str | Path | ImpactModel", where: Mapping[str, Any] | None = None,
                       by: str | None = "role", *, first_wave: str | None = None, second_wave: str | None = None,
                       cooccurrence: str | None = None) -> "ImpactSummary":
        """The model's evidence as DataFrames: per element (excerpts, sources, cases, % of
        cases, evidence label), by ``by`` group and by wave with the change, indicators,
        the arena × issue matrix, the ripple table, logic-model stages and links, quotes.

        ``where`` filters the material (and the questionnaire responses, on the fields they
        have) on top of the model's own filter; ``by=None`` skips the group table;
        ``cooccurrence`` overrides the model's unit for pairs (excerpt, overlap, source).
        """
        from qualcode.impact.model import ImpactModel
        from qualcode.impact.summary import summarise

        model = model if isinstance(model, ImpactModel) else self.impact_model(model)
        return summarise(
            model, self.applications(), self.excerpts(status=None), self.codes(), self.descriptors(),
            self.responses(), self.questions(), by=by, where=where,
            first_wave=first_wave, second_wave=second_wave, cooccurrence=cooccurrence,
            anonymise=self.anonymiser(case_names=True).series,
        )

    def impact(self, model: "str | Path | ImpactModel | ImpactSummary", out_dir: str | Path,
               where: Mapping[str, Any] | None = None, by: str | None = "role", *,
               cooccurrence: str | None = None) -> list[Path]:
        """Write the model's summary into ``out_dir``: ``impact.xlsx`` (every table, the
        diagrams, the quotes), ``impact.md`` (the same as Markdown with quotes) and
        ``figures/`` (PNG and SVG diagrams). ``model`` may be a summary already computed
        (then ``where``, ``by`` and ``cooccurrence`` are not used). Returns the paths written."""
        from qualcode.reporting.impact import write_impact  # the report layer, imported when called
        from qualcode.impact.summary import ImpactSummary

        summary = model if isinstance(model, ImpactSummary) else self.impact_summary(model, where, by,
                                                                                     cooccurrence=cooccurrence)
        return write_impact(summary, out_dir, subtitle=f"{self.title}: made with qualcode",
                            anonymise=self.anonymiser().report)
