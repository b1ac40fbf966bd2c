"""The impact-model section of a report: diagram, tables and quotes.

:func:`add_impact_section` is what the report builder calls when ``ReportOptions.
impact_model`` names a model file; :func:`add_summary_sections` renders an
:class:`~qualcode.impact.summary.ImpactSummary` already computed (``Project.impact`` writes
it on its own). Every writer (Excel, HTML, Markdown, CSV) then shows the same numbers.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qualcode.impact.diagram import impact_diagram, logic_diagram
from qualcode.impact.summary import ImpactSummary
from qualcode.report.content import Report, Section
from qualcode.report.excel import write_excel
from qualcode.report.markdown import write_markdown

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.project import Project

__all__ = ["add_impact_section", "add_summary_sections", "write_impact"]

KIND_TITLES = {"arena": "Arena", "issue": "Core issue", "stakeholder": "Stakeholders", "stage": "Stage"}
UNIT_WORDS = {"excerpt": "on the same excerpt", "overlap": "on the same or overlapping excerpts",
              "source": "in the same source (interview, email thread or document)"}


def add_impact_section(project: "Project", report: Report, figures_dir: str | Path, model_path: str | Path, *,
                       where: dict[str, Any] | None = None, by: str | None = None) -> ImpactSummary:
    """Summarise the model at ``model_path`` on ``project`` and add its sections to ``report``.

    ``by`` defaults to ``role`` when the project has that descriptor (no group table
    otherwise). Returns the summary, so a caller can reuse its tables.
    """
    if by is None and "role" in project.descriptors().columns:
        by = "role"
    summary = project.impact_summary(model_path, where=where, by=by)
    add_summary_sections(report, summary, figures_dir)
    return summary


def add_summary_sections(report: Report, summary: ImpactSummary, figures_dir: str | Path) -> list[Section]:
    """Add the model's sections (evidence with diagram and tables; quotes) to ``report``."""
    model = summary.model
    figures_dir = Path(figures_dir)
    title = model.title_text
    section = report.add_section(title, _intro(summary))
    slug = model.name or "impact-model"
    if model.of_kind("arena") or model.of_kind("issue"):
        section.add_figure(impact_diagram(summary), f"{title}: arenas of impact around the core issues",
                           figures_dir, f"{slug}-diagram")
    if model.stages():
        section.add_figure(logic_diagram(summary), f"{title}: evidence per stage", figures_dir, f"{slug}-logic-model")
    _evidence_tables(section, summary)
    if model.stages() and not (model.of_kind("arena") or model.of_kind("issue")):
        # a logic model's sheets say so: two models in one workbook must not read "impact elements (2)"
        for table in section.tables:
            table.name = table.name.replace("impact ", "logic model ")
    sections = [section]
    if not summary.quotes.empty:
        quotes = report.add_section(
            f"{title}: in their own words",
            "Representative quotes for each element, at most one per participant, attributed by descriptors. "
            "Names of people and organisations are replaced by [name].",
        )
        for row in summary.quotes.itertuples():
            kind = KIND_TITLES.get(str(row.kind), str(row.kind))
            attribution = f"{row.attribution} \u2014 {kind}: {row.element}" if row.attribution else f"{kind}: {row.element}"
            quotes.add_quote(str(row.quote), attribution)
        sections.append(quotes)
    return sections


def write_impact(summary: ImpactSummary, out_dir: str | Path, subtitle: str = "",
                 anonymise: Callable[[Report], Report] | None = None) -> list[Path]:
    """``impact.xlsx``, ``impact.md`` and ``figures/`` (PNG + SVG) for one summary; returns
    the paths. ``anonymise`` (a project's ``anonymiser().report``) runs over the report
    before it is written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = Report(summary.model.title_text, subtitle=subtitle)
    add_summary_sections(report, summary, out / "figures")
    if anonymise is not None:
        report = anonymise(report)
    written = [write_excel(report, out / "impact.xlsx"), write_markdown(report, out / "impact.md")]
    for _, ref in report.figures():
        written.extend(p for p in (ref.png, ref.svg) if p is not None)
    return written


def _intro(summary: ImpactSummary) -> str:
    model = summary.model
    base = ("participants whose material carries at least one thematic code"
            if model.base == "coded" else "participants with any material")
    parts = [model.description] if model.description else []
    parts.append(
        f"Each element is evidenced by the excerpts coded with its codes (children included). "
        f"Percentages are of the {summary.case_base} {base}. Evidence strength: {model.evidence.describe()}."
    )
    if not summary.matrix.empty or not summary.links.empty:
        parts.append(f"Two elements count as connected for a participant when both were coded "
                     f"{UNIT_WORDS[summary.cooccurrence]}.")
    if summary.waves:
        parts.append(f"Waves compared: {summary.waves[0]} and {summary.waves[1]} (percentages of the participants "
                     "with material in each wave).")
    return "\n\n".join(parts)


def _evidence_tables(section: Section, summary: ImpactSummary) -> None:
    elements = summary.elements.copy()
    elements["kind"] = [KIND_TITLES.get(k, k) if not s else s.capitalize()
                        for k, s in zip(elements["kind"], elements["stage"])]
    section.add_table(
        elements[["element", "kind", "cases", "pct_cases", "evidence", "excerpts", "sources", "codes"]],
        "Evidence for each element", name="impact elements", formats={"pct_cases": "percent"},
        note=f"Base: {summary.case_base} cases.",
    )
    if not summary.matrix.empty:
        wide = summary.wide("matrix", "cases")
        section.add_table(wide, "Arenas x core issues: cases where both were coded", name="arena x issue",
                          heatmap=True, index=True,
                          note=f"Cases with both {UNIT_WORDS[summary.cooccurrence]}; excerpts in the next table.")
        section.add_table(summary.matrix, "Arenas x core issues: cases and excerpts", name="arena x issue long",
                          formats={"pct_cases": "percent"})
    if not summary.ripple.empty:
        section.add_table(summary.wide("ripple", "cases"), "Ripple effects: stakeholders x arenas (cases)",
                          name="ripple", heatmap=True, index=True,
                          note=f"Cases where the stakeholder group and the arena were both coded "
                               f"{UNIT_WORDS[summary.cooccurrence]}.")
    if not summary.stages.empty:
        section.add_table(summary.stages, "Logic model: evidence per stage", name="stages",
                          formats={"pct_cases": "percent"})
    if not summary.links.empty:
        section.add_table(summary.links, "Logic model: evidence per link", name="links",
                          formats={"pct_cases": "percent"},
                          note=f"Cases whose material evidences both ends {UNIT_WORDS[summary.cooccurrence]}.")
    if summary.by and not summary.by_group.empty:
        wide = summary.wide("by_group", "pct_cases")
        sizes = summary.by_group.drop_duplicates(summary.by)[[summary.by, "group_cases"]]
        section.add_table(wide, f"Elements by {summary.by} (% of cases)", name=f"impact by {summary.by}",
                          heatmap=True, index=True, formats={c: "percent" for c in wide.columns},
                          note="Group sizes: " + ", ".join(f"{g} {n}" for g, n in zip(sizes[summary.by],
                                                                                    sizes["group_cases"])) + ".")
    if not summary.wave_change.empty:
        first, second = summary.waves or ("first", "second")
        change = summary.wave_change.rename(columns={"pct_first": f"pct_wave_{first}", "pct_second": f"pct_wave_{second}",
                                                     "cases_first": f"cases_wave_{first}",
                                                     "cases_second": f"cases_wave_{second}"})
        section.add_table(
            change.drop(columns=["base_first", "base_second"]), f"Change between wave {first} and wave {second}",
            name="impact waves", formats={c: "percent" for c in change.columns if c.startswith("pct")},
            note=f"Bases: {int(summary.wave_change['base_first'].iloc[0])} cases in wave {first}, "
                 f"{int(summary.wave_change['base_second'].iloc[0])} in wave {second}; pct_change in percentage points.",
        )
    if not summary.indicators.empty:
        section.add_table(indicator_table(summary.indicators), "Questionnaire indicators", name="impact indicators",
                          decimals=1, note="Values by wave of the questionnaire; n is the number of answers overall.")


def indicator_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: overall value and n, then one column per wave."""
    keys = ["element", "indicator", "unit"]
    overall = indicators[indicators["wave"] == "all"][[*keys, "value", "n"]].rename(columns={"value": "all"})
    waves = indicators[indicators["wave"] != "all"]
    if waves.empty:
        return overall.reset_index(drop=True)
    wide = waves.pivot_table(index=keys, columns="wave", values="value", aggfunc="first", sort=False)
    wide.columns = [f"wave {w}" for w in wide.columns]
    out = overall.merge(wide.reset_index(), on=keys, how="left")
    return out[[*keys, "all", *wide.columns, "n"]].reset_index(drop=True)
