"""The whole analysis of a project as one :class:`~qualcode.report.content.Report`.

This module sits above ``Project`` (see docs/architecture.md): it asks the ``Project`` for its analyses, draws the
figures with ``qualcode.report.charts`` / ``clouds``, and assembles sections that every
writer (Excel, HTML, Markdown, CSV) renders the same way. Sections appear only when the
project has the material for them (no questionnaire, no questionnaire section).

Denominators are stated in the report: code analyses use the *coded material* (sources
with at least one thematic code applied), so "% of cases" is out of the participants
whose material was coded, not out of everyone who filled in a questionnaire.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from qualcode.analysis import cases_in_several_groups, group_tests, to_wide  # noqa: E402
from qualcode.errors import ExportError, UsageError  # noqa: E402
from qualcode.codebook.branches import STRUCTURAL_BRANCHES, thematic_mask  # noqa: E402
from qualcode.report import charts, clouds  # noqa: E402
from qualcode.report.content import Headline, Report, Section  # noqa: E402
from qualcode.report.excel import write_excel  # noqa: E402
from qualcode.report.html import write_html  # noqa: E402
from qualcode.report.markdown import write_markdown  # noqa: E402
from qualcode.report.content import write_csv  # noqa: E402
from qualcode.report.figures import saving_in_background  # noqa: E402
from qualcode.reporting.elsewhere import meanwhile, sections_elsewhere  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.analysis.base import AnalysisBase
    from qualcode.coding.rules.evaluation import RuleEvaluation
    from qualcode.project import Project

#: Most rows a heat-map figure shows (its table lists every code).
HEATMAP_ROWS = 40


@dataclass
class ReportOptions:
    """What to include; the defaults suit a study report."""

    title: str | None = None
    by: list[str] = field(default_factory=lambda: ["role", "mode"])  # descriptors to cross codes with
    top: int = 20  # codes in bar charts and priorities
    quotes_per_code: int = 3
    quote_codes: int = 6  # quote the N most widespread codes
    quote_fields: list[str] | None = None  # attribution descriptors (default: role, wave)
    cooccurrence_codes: int = 15
    include_excerpts: bool = True
    #: rows of the excerpts table (in source order); 0 lists every excerpt. A workbook of
    #: 10^6 excerpts takes minutes to write and is past what Excel opens comfortably (and
    #: past a sheet's 1,048,576 rows a little later); ``qualcode excerpts --format csv``
    #: lists them all.
    excerpt_rows: int = 100_000
    impact_models: list[Path] = field(default_factory=list)  # impact/logic model YAMLs: a section each
    agreement_coders: list[str] | None = None  # two or more coders: adds an inter-rater agreement section
    agreement_unit: str = "excerpt"
    #: top priorities of one branch ("Issues") and/or one group ({"role": "CEO"}): "the top
    #: priorities raised by CEOs", as a study's seed reports put it
    priorities_branch: str | None = None
    priorities_where: dict[str, list[str]] | None = None
    stop_words: list[str] = field(default_factory=list)  # extra stop words for the word cloud and tables
    keep_filler: bool = False  # count conversational fillers in transcripts (left out by default)
    include_memos: bool = True
    #: ``by`` fields were named by the user: a field the project lacks is an error, not a
    #: silently missing section (the default role/mode are used where they exist)
    by_required: bool = False
    #: look for names nobody has confirmed or rejected, and say in the report how many remain
    check_names: bool = True
    #: processes that write figures while the report goes on (None: one per CPU beyond
    #: the first, on Linux; 0: write each figure in this process as it is drawn)
    figure_processes: int | None = None
    #: processes that compute the middle sections (words, weights, quotes, machine coding,
    #: questionnaire) while this one computes the code analyses, impact models and agreement,
    #: and that write the workbook while this one writes HTML, Markdown and CSV
    #: (None: one when figures are written in the background; 0: all in this process)
    section_processes: int | None = None
    #: a machine-coding run to do first (the demo's ``autocode``): it stores suggestions,
    #: which count in no analysis and only the machine-coding section reads, so it runs
    #: just before that section, in the process computing it (a forked one, see
    #: ``section_processes``) while this one computes the code analyses
    machine_run: "Callable[[Project], object] | None" = None


@dataclass
class WrittenReport:
    """Paths of what ``write_report`` wrote."""

    folder: Path
    xlsx: Path
    html: Path
    markdown: Path
    csv: list[Path]
    figures: list[Path]


def coded_sources(project: "Project") -> list[str]:
    """Sources carrying at least one thematic (non-structural) applied code (from the
    analyses' lean frame: the full ``applications()`` frame reads every timestamp)."""
    apps = project.analysis_frames().apps
    if apps.empty:
        return []
    return sorted(apps.loc[thematic_mask(apps["code"]), "source"].unique().tolist())


def build_report(project: "Project", figures_dir: str | Path, options: ReportOptions | None = None) -> Report:
    """Assemble the report; figures are saved (PNG + SVG) into ``figures_dir``."""
    options = options or ReportOptions()
    with project.cached():
        with saving_in_background(options.figure_processes):  # figures are written while the next sections compute
            report = _build_report(project, figures_dir, options)
            if options.check_names:
                _anonymity_note(project, report)
        # the one place the report's text is anonymised: every writer renders this object
        return project.anonymiser().report(report)


def _anonymity_note(project: "Project", report: Report) -> None:
    """Tell the reader whether every name found in the material has been decided on."""
    open_names = project.redaction_candidates()
    decided = project.redactions()
    confirmed = int((decided["status"] == "accepted").sum()) if not decided.empty else 0
    if open_names.empty:
        text = (f"Anonymity: {confirmed:,} confirmed way(s) of writing a name are replaced by pseudonyms such as "
                "[Person 1] throughout; every name found in the material has been confirmed or ruled out.")
    else:
        shown = ", ".join(open_names["candidate"].head(5))
        text = (f"Anonymity: {len(open_names):,} possible name(s) found in the material have not been confirmed "
                f"or ruled out (for example {shown}) and may appear in this report; review them with "
                "'qualcode redact suggest', then write the report again. "
                f"{confirmed:,} confirmed way(s) of writing a name are replaced by pseudonyms.")
    target = report.sections[0] if report.sections else report.add_section("The material")
    target.text = (target.text + "\n\n" if target.text else "") + text


def check_options(project: "Project", options: ReportOptions) -> None:
    """One-line errors, before anything is drawn, for options naming what the project lacks."""
    fields = set(project.descriptors().columns) - {"case"} | {"wave", "kind", "source"}
    if options.by_required:
        missing = [f for f in options.by if f not in fields]
        if missing:
            raise UsageError(f"--by {missing[0]!r}: the project has no such field; descriptors are: "
                             f"{', '.join(sorted(fields - {'kind', 'source'})) or '(none)'}")
    for name in (options.priorities_where or {}):
        if name not in fields:
            raise UsageError(f"--priorities-for {name}=…: the project has no field {name!r}")
    if options.priorities_branch:
        codes = project.codes()
        if not codes.empty and options.priorities_branch not in set(codes["path"]) | set(codes["name"]):
            raise UsageError(f"--priorities-branch {options.priorities_branch!r} is not a code of the codebook")
    for model in options.impact_models:
        if not Path(model).is_file():
            raise UsageError(f"impact model {model} does not exist")
    if options.agreement_coders is not None and len(options.agreement_coders) < 2:
        raise UsageError("agreement needs two or more coders, e.g. --agreement anna,ben")


def _build_report(project: "Project", figures_dir: str | Path, options: ReportOptions) -> Report:
    check_options(project, options)
    figures_dir = Path(figures_dir)
    figures_dir.mkdir(parents=True, exist_ok=True)
    summary = project.summary()
    base = project.analysis_base()
    sources = coded_sources(project)
    material = None  # analyses count the coded material by default (docs/numbers.md)
    frequencies = project.frequencies(material) if sources else pd.DataFrame()
    thematic = frequencies[~frequencies["top"].isin(STRUCTURAL_BRANCHES)] if not frequencies.empty else frequencies
    report = Report(
        title=options.title or summary["title"],
        subtitle="Analysis report made with qualcode",
        headline=Headline.from_summary(summary),
    )
    colours = _branch_colours(project)
    _material_section(project, report, sources, summary, base)
    first_analysis = len(report.sections)
    analyses = not thematic.empty and thematic["applications"].sum() > 0

    def middle_sections(report: Report) -> None:
        """Sections that need nothing the code analyses compute (another process may do them)."""
        if analyses:
            _words_section(project, report, figures_dir, sources, options)
            _weights_section(project, report, material)
            _quotes_section(project, report, material, thematic, options)
        _machine_section(project, report)
        if summary["questionnaire_responses"]:
            _questionnaire_section(project, report, figures_dir, options)

    # the middle sections are computed in a forked process meanwhile and take their place
    machine_run = (lambda: options.machine_run(project)) if options.machine_run is not None else None
    with sections_elsewhere(project, report, middle_sections, _other_processes(options), first=machine_run) as middle:
        if analyses:
            _codes_section(project, report, figures_dir, thematic, colours, options, base)
            _priorities_section(project, report, figures_dir, material, colours, options, base)
            _groups_section(project, report, figures_dir, material, options)
            _waves_section(project, report, figures_dir, material, options)
            _cooccurrence_section(project, report, figures_dir, material, thematic, options)
            _name_the_base(report.sections[first_analysis:], base)
        middle.here()
        if options.impact_models:
            from qualcode.reporting.impact import add_impact_section

            for model_path in options.impact_models:
                add_impact_section(project, report, figures_dir, model_path)
        if options.agreement_coders:
            from qualcode.reporting.agreement import add_agreement_section

            add_agreement_section(project, report, options.agreement_coders, options.agreement_unit)
    if options.include_memos:
        _memos_section(project, report)
    _codebook_section(project, report, options)
    return report


def _other_processes(options: ReportOptions) -> int | None:
    """``options.section_processes``; 0 when figures are to be written in this process and
    nothing else was said (everything here, as asked)."""
    if options.section_processes is None and options.figure_processes == 0:
        return 0
    return options.section_processes


def _name_the_base(sections: list[Section], base: "AnalysisBase") -> None:
    """Every table and figure of the code analyses says what its percentages are out of."""
    line = base.describe()
    for section in sections:
        for table in section.tables:
            if "Base:" not in table.note:
                table.note = f"{table.note} {line}".strip()
        for figure in section.figures:
            if "Base:" not in figure.caption:
                figure.caption = f"{figure.caption.rstrip('.')}. {line}"


def _memos_section(project: "Project", report: Report) -> None:
    """The team's memos, by what they are about (a code, a source, an excerpt, the project)."""
    memos = project.memos()
    if memos.empty:
        return
    section = report.add_section("Memos", f"{len(memos):,} memo(s) the team wrote while coding, oldest first.")
    table = memos[["id", "target", "about", "author", "created_at", "text"]].copy()
    table["created_at"] = pd.to_datetime(table["created_at"]).dt.strftime("%Y-%m-%d %H:%M")
    table["text"] = table["text"].astype(str)  # the anonymiser passes over the whole report at the end
    section.add_table(table, "Memos by target")


def write_report(project: "Project", out_dir: str | Path, options: ReportOptions | None = None) -> WrittenReport:
    """Build the report and write it as xlsx, self-contained html, md and csv tables."""
    check_options(project, options or ReportOptions())  # a bad option writes nothing, not even the folder
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures_dir = out / "figures"
    report = build_report(project, figures_dir, options)
    xlsx = out / "report.xlsx"
    with meanwhile(lambda: write_excel(report, xlsx), _other_processes(options or ReportOptions())):
        # the workbook is written in another process meanwhile
        html = write_html(report, out / "report.html")
        md = write_markdown(report, out / "report.md", figures_dir="figures")
        csv = write_csv(report, out / "tables")
    figures = [ref.png for _, ref in report.figures()]
    return WrittenReport(out, xlsx, html, md, csv, figures)


EXPORT_FORMATS = ("xlsx", "html", "md", "csv")


def export_one(project: "Project", fmt: str, out: str | Path, options: ReportOptions | None = None) -> Path:
    """Write the report in one format; figures go to ``figures/`` beside ``out`` (for
    Markdown they are linked; for Excel and HTML they are embedded)."""
    import tempfile

    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    out = Path(out)
    if fmt == "csv" and out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file; csv tables go into a folder, give a folder name")
    if fmt != "csv" and out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name such as {out / ('report.' + fmt)}")
    if fmt == "csv":
        with tempfile.TemporaryDirectory(prefix="qualcode-figures-") as tmp:
            report = build_report(project, tmp, options)
            write_csv(report, out)
        return out
    if not out.parent.exists():
        raise ExportError(f"folder {out.parent} does not exist; create it first")
    if fmt == "md":
        report = build_report(project, out.parent / "figures", options)
        return write_markdown(report, out, figures_dir="figures")
    with tempfile.TemporaryDirectory(prefix="qualcode-figures-") as tmp:
        report = build_report(project, tmp, options)
        return write_excel(report, out) if fmt == "xlsx" else write_html(report, out)


# ---------------------------------------------------------------------------- sections

def _branch_colours(project: "Project") -> dict[str, str]:
    codes = project.codes()
    if codes.empty:
        return {}
    tops = codes[(codes["depth"] == 0) & (codes["colour"] != "")]
    return dict(zip(tops["name"], tops["colour"]))


def _material_section(project: "Project", report: Report, coded: list[str], summary: dict,
                      base: "AnalysisBase") -> None:
    sources = project.sources()
    responses = summary["questionnaire_responses"]
    held = f"The project holds {summary['sources']:,} source{'s' if summary['sources'] != 1 else ''}"
    held += (f" and {responses:,} questionnaire response{'s' if responses != 1 else ''}." if responses else ".")
    text = (f"{held} Code analyses below use the {summary['coded_sources']:,} sources that carry at least one "
            f"code a person applied or accepted ({summary['coded_excerpts']:,} coded excerpts); "
            f"percentages are out of the {base.units:,} {base.unit_noun} in that material.")
    if base.unit == "source":
        text += ("\n\nNo source belongs to a case, so every figure counts sources, not participants. For figures "
                 "by participant, link the sources to cases: 'qualcode descriptors import people.csv --key "
                 "participant' (a source named like a case belongs to it), then run the report again.")
    section = report.add_section("The material", text)
    if sources.empty:
        return
    kinds = sources.assign(wave=sources["wave"].astype(object).fillna("-")).pivot_table(
        index="kind", columns="wave", values="source", aggfunc="count", fill_value=0)
    kinds.columns = [f"wave {c}" if c != "-" else "no wave" for c in kinds.columns]
    kinds["total"] = kinds.sum(axis=1)
    section.add_table(kinds.reset_index(), "Sources by kind and wave", index=False)
    descriptors = project.descriptors()
    if "role" in descriptors.columns:
        cases = sources.dropna(subset=["case"]).merge(descriptors, on="case", how="left")
        cases["role"] = cases["role"].astype("string").fillna("(none)")
        roles = cases.groupby("role").agg(cases=("case", "nunique"), sources=("source", "count")).reset_index()
        section.add_table(roles, "Participants and sources by role")


def _codes_section(project: "Project", report: Report, figures_dir: Path, thematic: pd.DataFrame,
                   colours: dict[str, str], options: ReportOptions, base: "AnalysisBase") -> None:
    who = _who(base)
    section = report.add_section(
        "How the codes were applied",
        "Each code's size in the cloud is the number of times it was applied; colours are the codebook's "
        "top-level branches. The table gives explicit counts and, for parent codes, counts with their "
        "children summed (an excerpt counts once).",
    )
    leaves = thematic[thematic["applications"] > 0]
    section.add_figure(clouds.code_cloud(leaves, colours=colours, title="How the codes were applied"),
                       "Code cloud: codes sized by number of applications", figures_dir, "code-cloud")
    section.add_figure(
        charts.frequency_bars(leaves, "cases", label="code", branch="top", colours=colours, top=options.top,
                              title=f"Codes by number of {who}" + (f" (top {options.top})" if len(leaves) > options.top
                                                                    else ""),
                              xlabel="Participants (cases)" if base.unit == "case" else "Sources"),
        f"Codes by number of {who}", figures_dir, "code-frequencies",
    )
    table = thematic[["code", "applications", "excerpts", "sources", "cases", "pct_cases", "excerpts_sum", "cases_sum",
                      "pct_cases_sum"]]
    section.add_table(table, "Code frequencies", formats={"pct_cases": "percent", "pct_cases_sum": "percent"})


def _who(base: "AnalysisBase") -> str:
    """What the figures count: participants, or sources in a project without cases."""
    return "participants" if base.unit == "case" else "sources"


def _priorities_section(project: "Project", report: Report, figures_dir: Path, material: dict | None,
                        colours: dict[str, str], options: ReportOptions, base: "AnalysisBase") -> None:
    who = _who(base)
    top = project.top_priorities(options.top, material, depth=1)
    if top.empty:
        return
    section = report.add_section(
        "Top priorities",
        f"Second-level codes ranked by how many {who} raised them (children included), ties broken by "
        "the number of excerpts.",
    )
    section.add_figure(
        charts.frequency_bars(top, "pct_cases", label="code", branch="top", colours=colours, fmt="percent",
                              title=f"Top priorities (% of {who})", xlabel=f"% of {who}", sort=False),
        f"Top priorities by % of {who}", figures_dir, "top-priorities",
    )
    section.add_table(top[["rank", "code", "cases", "pct_cases", "excerpts"]], "Top priorities",
                      formats={"pct_cases": "percent"})
    if options.priorities_branch or options.priorities_where:
        _chosen_priorities(project, section, figures_dir, colours, options, who)


def _chosen_priorities(project: "Project", section: Section, figures_dir: Path, colours: dict[str, str],
                       options: ReportOptions, who: str) -> None:
    """"The top priorities raised by CEOs": one branch, one group, or both."""
    where = options.priorities_where or None
    group = " and ".join(f"{', '.join(map(str, v))} ({k})" for k, v in (where or {}).items())
    branch = options.priorities_branch
    depth = 1
    if branch:  # the branch's own children: one level, as the main ranking has
        codes = project.codes()
        row = codes[(codes["path"] == branch) | (codes["name"] == branch)]
        depth = int(row["depth"].iloc[0]) + 1 if not row.empty else 1
    top = project.top_priorities(options.top, where, branch=branch, depth=depth)
    if top.empty:
        section.text += f"\n\nNo code{' of ' + branch if branch else ''} was raised{' by ' + group if group else ''}."
        return
    label = "Top priorities" + (f" in {branch}" if branch else "") + (f" raised by {group}" if group else "")
    base = project.analysis_base(where)
    section.add_figure(
        charts.frequency_bars(top, "pct_cases", label="code", branch="top", colours=colours, fmt="percent",
                              title=f"{label} (% of {who})", xlabel=f"% of {who}", sort=False),
        f"{label}. {base.describe()}", figures_dir, "top-priorities-chosen",
    )
    section.add_table(top[["rank", "code", "cases", "pct_cases", "excerpts"]], label,
                      formats={"pct_cases": "percent"}, note=base.describe())


def _groups_section(project: "Project", report: Report, figures_dir: Path, material: dict | None,
                    options: ReportOptions) -> None:
    descriptors = project.descriptors()
    for field_name in options.by:
        if field_name not in descriptors.columns:
            continue
        table = project.crosstab(field_name, material, child_sum=True)
        table = table[~table["top"].isin(STRUCTURAL_BRANCHES) & (table["depth"] <= 1)]
        if table.empty or table["cases"].sum() == 0:
            continue
        wide = to_wide(table, "pct_cases", field_name)
        shown, shown_note = wide, ""
        if len(wide) > HEATMAP_ROWS:  # a figure of hundreds of rows is unreadable; the table keeps them all
            widest = table.groupby("code")["cases"].sum().nlargest(HEATMAP_ROWS).index
            shown = wide[wide.index.isin(widest)]
            shown_note = f", the {HEATMAP_ROWS} codes raised by most participants"
        groups = table.drop_duplicates(field_name)[[field_name, "group_cases"]]
        sizes = ", ".join(f"{g} {n}" for g, n in zip(groups[field_name], groups["group_cases"]))
        # a percentage of 3 people reads differently from one of 30: the figure names each base
        shown = shown.rename(columns={g: f"{g} (n={n})" for g, n in zip(groups[field_name], groups["group_cases"])})
        # a per-source field (a descriptor named like the sources' wave) can put one person in two
        # groups: the groups are then not independent and the tests would mislead, so none are run
        dependent = bool(cases_in_several_groups(project.analysis_frames(material).base, field_name))
        tests = None if dependent else group_tests(table, field_name)
        differ = set() if tests is None else set(tests.loc[tests["q_value"] < 0.05, "code"])
        if differ:  # the figure itself marks the gaps that are more than chance
            shown = shown.rename(index={c: f"{c}*" for c in differ})  # no space: the mark stays on the name's line
            shown_note += "; * the groups differ, q below .05 by an exact test: see the table below"
        section = report.add_section(
            f"Codes by {field_name}",
            f"Percentage of participants in each {field_name} group whose material carries the code (children "
            f"included). Group sizes: {sizes}. Normalised counts scale each group to the size of the largest, "
            "as Dedoose does.",
        )
        title = f"% of participants by {field_name}" + (" (* groups differ, q < .05)" if differ else "")
        section.add_figure(
            charts.heatmap(shown, title=title, value_label="% of participants", fmt="percent", decimals=0,
                           col_title=field_name),
            f"Codes by {field_name} (% of participants{shown_note})", figures_dir, f"codes-by-{field_name}",
        )
        section.add_table(wide, f"Codes by {field_name} (% of participants)", heatmap=True, index=True,
                          formats={c: "percent" for c in wide.columns})
        long_table = table[["code", field_name, "excerpts", "cases", "group_cases", "pct_cases",
                            "excerpts_normalised", "cases_normalised"]]
        section.add_table(long_table, f"Codes by {field_name}: counts and normalised counts",
                          formats={"pct_cases": "percent", "excerpts_normalised": "decimal", "cases_normalised": "decimal"})
        if tests is not None:
            _group_tests_table(section, tests, field_name)
        else:
            section.text += (f"\n\nSome participants have material in more than one {field_name} group, so the "
                             "groups are not independent and no test of the gaps is given.")


def _group_tests_table(section: Section, tests: pd.DataFrame, field_name: str) -> None:
    """Which of the gaps in the heat map are more than chance: one exact test per code
    (``tests``: :func:`qualcode.analysis.group_tests` of the section's crosstab)."""
    tests = tests[tests["p_value"].notna()].sort_values(["p_value", "gap"], ascending=[True, False], kind="stable")
    tests = tests.reset_index(drop=True)
    if tests.empty:
        return
    held = int((tests["q_value"] < 0.05).sum())
    section.add_table(
        tests[["code", "highest", "highest_pct", "lowest", "lowest_pct", "gap", "test", "p_value", "q_value"]],
        f"Do the {field_name} groups differ? Exact tests per code",
        formats={"highest_pct": "percent", "lowest_pct": "percent", "gap": "decimal", "p_value": "pvalue",
                 "q_value": "pvalue"},
        decimals={"highest_pct": 0, "lowest_pct": 0, "gap": 0, "p_value": 3, "q_value": 3},
        note=(f"{held} of the {int(tests['q_value'].notna().sum())} codes tested differ between the {field_name} "
              "groups with q below .05 (a code every participant or none raised has nothing to test and no q). "
              "p: Fisher's exact test (two groups) or the exact chi-square test (more), on the participants "
              "who did and did not raise the code; q: p adjusted with Benjamini-Hochberg for the number of codes "
              "tested. gap: percentage points between the highest and lowest group. With small groups a wide gap "
              "can still be within chance, and a high q is not evidence that the groups are alike."),
    )


def _waves_section(project: "Project", report: Report, figures_dir: Path, material: dict | None,
                   options: ReportOptions) -> None:
    excerpts = project.analysis_frames(material).base
    waves = sorted(excerpts["wave"].dropna().astype(str).unique()) if not excerpts.empty else []
    if len(waves) < 2:
        return
    change = project.wave_change(waves[0], waves[1], material, child_sum=True)
    change = change[~change["top"].isin(STRUCTURAL_BRANCHES) & (change["depth"] >= 1)]
    if change.empty:
        return
    who = _who(project.analysis_base())
    section = report.add_section(
        f"Change between wave {waves[0]} and wave {waves[1]}",
        f"For each code, the share of {who} with material in each wave who raised it, and how many "
        "raised it in both waves, only the first or only the second. The change is in percentage points.",
    )
    # one level of the codebook in the figure (second-level codes, children summed): a parent
    # and its own children side by side count the same excerpts twice
    level = change[change["depth"] == 1] if (change["depth"] == 1).any() else change
    shown = level.set_index("code")
    section.add_figure(
        charts.wave_comparison(shown, waves=["pct_first", "pct_second"],
                               names=[f"Wave {waves[0]} (n={int(change['base_first'].iloc[0])})",
                                      f"Wave {waves[1]} (n={int(change['base_second'].iloc[0])})"],
                               fmt="percent", top=options.top, title=f"Codes by wave (% of {who})",
                               xlabel=f"% of {who}"),
        "Codes by wave (second-level codes, children included)", figures_dir, "waves",
    )
    section.add_table(
        change[["code", "cases_first", "cases_second", "both", "only_first", "only_second", "pct_first",
                "pct_second", "pct_change"]],
        "Change between waves",
        formats={"pct_first": "percent", "pct_second": "percent", "pct_change": "decimal"},
        note=f"pct_change is in percentage points. Bases: {int(change['base_first'].iloc[0])} {who} in wave "
             f"{waves[0]}, {int(change['base_second'].iloc[0])} in wave {waves[1]}.",
    )
    _paired_wave_tests_table(project, section, waves, material)


# A two-sided exact McNemar test on n changed pairs cannot go below 2 / 2**n: under 6
# pairs no change could ever reach p < .05, so the table would only mislead.
MIN_PAIRS_FOR_TEST = 6


def _paired_wave_tests_table(project: "Project", section: Section, waves: list[str], material: dict | None) -> None:
    """The change among the participants present in both waves, tested (exact McNemar)."""
    tests = project.wave_tests(waves[0], waves[1], material, child_sum=True)
    tests = tests[~tests["top"].isin(STRUCTURAL_BRANCHES) & (tests["depth"] >= 1)]
    pairs = int(tests["base_first"].iloc[0]) if not tests.empty else 0
    if pairs < MIN_PAIRS_FOR_TEST:
        section.text += (
            f"\n\n{pairs} participant{'s have' if pairs != 1 else ' has'} material in both waves: too few to test "
            f"change within the same people (with {MIN_PAIRS_FOR_TEST} or more, each code gets an exact McNemar "
            "test). The percentages compare everyone interviewed in each wave, not the same people twice."
        )
        return
    tests = tests.sort_values("p_value", kind="stable").reset_index(drop=True)
    held = int((tests["q_value"] < 0.05).sum())
    section.add_table(
        tests[["code", "both", "only_first", "only_second", "pct_first", "pct_second", "test", "p_value", "q_value"]],
        f"Change within the {pairs} participants in both waves: exact McNemar tests",
        formats={"pct_first": "percent", "pct_second": "percent", "p_value": "pvalue", "q_value": "pvalue"},
        decimals={"pct_first": 0, "pct_second": 0, "p_value": 3, "q_value": 3},
        note=(f"{held} of the {int(tests['q_value'].notna().sum())} codes tested changed with q below .05. "
              "Only participants who raised a code in "
              "one wave and not the other carry information (only_first, only_second); p: exact McNemar test, "
              "q: Benjamini-Hochberg for the number of codes tested."),
    )


def _cooccurrence_section(project: "Project", report: Report, figures_dir: Path, material: dict | None,
                          thematic: pd.DataFrame, options: ReportOptions) -> None:
    pairs = project.cooccurrence_pairs(material)
    if pairs.empty:
        return
    pairs = pairs[thematic_mask(pairs["code_a"]) & thematic_mask(pairs["code_b"])]
    if pairs.empty:
        return
    # the codes of the most frequent pairs (a figure of the most used codes is mostly zeros)
    ranked = pairs[pairs["excerpts"] > 0].sort_values(["excerpts", "jaccard"], ascending=False, kind="stable")
    top_codes: list[str] = []
    for a, b in zip(ranked["code_a"], ranked["code_b"]):
        for code in (a, b):
            if code not in top_codes and len(top_codes) < options.cooccurrence_codes:
                top_codes.append(code)
        if len(top_codes) >= options.cooccurrence_codes:
            break
    if len(top_codes) < 2:
        return
    matrix = project.cooccurrence(material).loc[top_codes, top_codes]
    names = _short_names(top_codes)  # the same label on both axes
    matrix = matrix.rename(index=names, columns=names)
    section = report.add_section(
        "Codes that occur together",
        "Number of excerpts carrying both codes, for the codes of the most frequent pairs. Pairs are listed "
        "with the Jaccard index (excerpts with both / excerpts with either).",
    )
    section.add_figure(charts.cooccurrence_heatmap(matrix, title="Code co-occurrence (same excerpt)"),
                       "Code co-occurrence", figures_dir, "cooccurrence")
    section.add_table(pairs.sort_values(["excerpts", "jaccard"], ascending=False).head(30),
                      "Most frequent code pairs", formats={"jaccard": "decimal"}, decimals=2)


def _short_names(codes: list[str]) -> dict[str, str]:
    """Each code path by its own name, with its parent's where two names would clash."""
    last = [c.split("/")[-1] for c in codes]
    return {c: (n if last.count(n) == 1 else " / ".join(c.split("/")[-2:])) for c, n in zip(codes, last)}


def _words_section(project: "Project", report: Report, figures_dir: Path, coded: list[str],
                   options: ReportOptions) -> None:
    stops = {"stop_words": options.stop_words, "conversation_stop": not options.keep_filler}
    words = project.word_frequencies(n=150, min_count=2, **stops)
    if words.empty:
        return
    section = report.add_section(
        "Words participants used",
        "Lemmatised words from participants' own turns, messages and answers (interviewers' questions, stop "
        "words, numbers, case names and confirmed names of people, organisations and places left out"
        + (", and in transcripts the fillers of conversation such as like, know, yeah, okay, think, thing: "
           "qualcode.analysis.conversation lists them" if not options.keep_filler else "")
        + (f"; {len(options.stop_words)} word(s) of the report's own stop list too" if options.stop_words else "")
        + ").",
    )
    section.add_figure(clouds.word_cloud(words, title="Words participants used"), "Word cloud", figures_dir, "word-cloud")
    section.add_table(words.head(40), "Most frequent words", formats={"share": "fraction"}, decimals=3)
    descriptors = project.descriptors()
    if "role" in descriptors.columns:
        # compare the two roles with the most coded material (interviewees, usually)
        coded_cases = project.sources().query("source in @coded")["case"].dropna()
        roles = descriptors[descriptors["case"].isin(coded_cases)]["role"].dropna().astype(str).value_counts()
        if len(roles) >= 2:
            a, b = roles.index[0], roles.index[1]
            keywords = project.distinguishing_words({"role": a}, {"role": b}, n=12, **stops)
            if not keywords.empty:
                section.add_table(keywords, f"Words that distinguish {a} from {b} (log-odds, z > 0: {a})",
                                  formats={"log_odds": "decimal", "z": "decimal"}, decimals=2)


def _weights_section(project: "Project", report: Report, material: dict | None) -> None:
    weights = project.weights(None, material)
    weights = weights.dropna(subset=["mean"]) if not weights.empty else weights
    if weights.empty:
        return
    section = report.add_section("Weights", "Weights coders gave to applications (intensity of the change described).")
    section.add_table(weights, "Weights by code", formats={"mean": "decimal", "sd": "decimal"}, decimals=2)


def _quotes_section(project: "Project", report: Report, material: dict | None, thematic: pd.DataFrame,
                    options: ReportOptions) -> None:
    candidates = thematic[(thematic["depth"] >= 1) & (thematic["excerpts"] > 0)].nlargest(options.quote_codes, "cases")
    if candidates.empty:
        return
    section = report.add_section("In their own words", _quotes_intro(project, options))
    for code in candidates["code"]:
        quotes = project.quotes(code, options.quotes_per_code, material, fields=options.quote_fields)
        for row in quotes.itertuples():
            section.add_quote(f"{row.quote}", f"{row.attribution} \u2014 {code}")


def _quotes_intro(project: "Project", options: ReportOptions) -> str:
    """What the quotes are and how they are attributed, as the project's material allows:
    a project without cases or descriptors (a QualCoder import) has no role or wave to
    name, and its quotes are one per source."""
    base = project.analysis_base()
    unit = "participant" if base.unit == "case" else "source"
    sources = project.sources()
    fields = options.quote_fields
    if fields is None:
        fields = [f for f in ("role",) if f in project.descriptors().columns]
        if not sources.empty and sources["wave"].fillna("").astype(str).str.strip().ne("").any():
            fields.append("wave")
    by = (f"attributed by {' and '.join(fields)}" if fields
          else f"attributed to a neutral label ({unit.capitalize()} 1, 2…) since the project has no descriptors")
    return (f"Representative quotes for the most widespread codes, at most one per {unit}, {by}. Confirmed "
            "names of people, organisations and places are replaced by pseudonyms such as [Person 1], and case "
            "names by [name].")


def _machine_section(project: "Project", report: Report) -> None:
    """What the rules and the suggester proposed, and what people decided about it."""
    machine = project.applications(status=None, origin=["rule", "model"])
    if machine.empty:
        return
    table = machine.pivot_table(index="code", columns="status", values="application_id", aggfunc="count",
                                fill_value=0)
    for status in ("suggested", "applied", "rejected"):
        if status not in table.columns:
            table[status] = 0
    table = table[["suggested", "applied", "rejected"]]
    table["mean_confidence"] = machine.groupby("code")["confidence"].mean()
    table = table.sort_values("suggested", ascending=False).reset_index()
    counts = machine["status"].value_counts()
    section = report.add_section(
        "Machine coding",
        f"{_proposers(machine)} proposed {len(machine):,} codings: "
        f"{counts.get('suggested', 0):,} await review, {counts.get('applied', 0):,} were accepted and "
        f"{counts.get('rejected', 0):,} rejected. Suggestions count in no analysis until a person accepts them "
        "(qualcode review)." + _confidence_note(project, machine),
    )
    section.add_table(table, "Machine suggestions by code and decision", formats={"mean_confidence": "decimal"},
                      decimals=2)
    if (machine["origin"] == "rule").any():
        _rule_quality(project, machine[machine["origin"] == "rule"], section)


def _proposers(machine: pd.DataFrame) -> str:
    origins = set(machine["origin"])
    if origins == {"rule"}:
        return "Codebook rules"
    return "The trained suggester" if origins == {"model"} else "Codebook rules and the trained suggester"


def _confidence_note(project: "Project", machine: pd.DataFrame) -> str:
    """What mean_confidence means for these suggestions: calibrated rules, match counts, or a model."""
    runs = project.runs()
    calibrated = set(runs.loc[runs["calibrated"], "run_id"]) if not runs.empty else set()
    rules = machine[machine["origin"] == "rule"]
    note = ""
    if not rules.empty and rules["run_id"].isin(calibrated).all():
        note += (" A rule suggestion's confidence is how often that code's rule agreed with the hand coding, "
                 "smoothed as (agreed + 1) / (checked + 2), and the review shows those nearest 0.5 first.")
    elif not rules.empty:
        note += (" A rule suggestion's confidence counts only its keyword matches (1 - 0.5^matches); "
                 "'qualcode autocode --calibrate' measures it against the hand coding instead.")
    if (machine["origin"] == "model").any():
        note += " A model suggestion's confidence is the suggester's calibrated probability that the code applies."
    return note


def _rule_quality(project: "Project", rule_apps: pd.DataFrame, section: Section) -> None:
    """The stored rule suggestions against the hand coding of the same sources, when there is any."""
    from qualcode.coding.rules.evaluation_run import hand_applications

    hand = hand_applications(project.applications(status="applied"))
    if hand.empty or not set(hand["source_id"]) & set(rule_apps["source_id"]):
        return
    result = project.evaluate_rules(stored=True)
    section.text += (
        f"\n\nIn the {result.sources} source(s) coded by hand, {_share(result, 'precision')} of the rule suggestions "
        f"overlap a hand-coded excerpt of the same code, and the rules find {_share(result, 'recall')} of the "
        "hand-coded excerpts. Hand coding is rarely exhaustive, so the first figure is a lower bound. "
        "'qualcode autocode --evaluate --examples 5' lists what each rule wrongly hits and misses."
    )
    section.add_table(result.table, "Rules against hand coding",
                      formats={"precision": "fraction", "recall": "fraction", "f1": "decimal"},
                      decimals={"precision": 0, "recall": 0, "f1": 2},
                      note="agreed: rule units overlapping a hand-coded excerpt of their code; found: hand-coded "
                           "excerpts (one per passage and code, whoever coded it) that a rule unit overlaps")


def _share(result: "RuleEvaluation", column: str) -> str:
    value = result.table[column].iloc[-1]
    return "-" if pd.isna(value) else f"{value:.0%}"


def _stem_caption(stem: str) -> str:
    """The question items share, for a caption: a stem that stops mid-sentence ("…how far has
    Advance met its aim of") is completed by the items on the figure, and says so, rather
    than reading as a caption cut short."""
    stem = stem.strip()
    if not stem:
        return ""
    if stem[-1] in ".?!":
        return f". {stem}"
    return f". {stem.rstrip(':;,')} … (each item on the figure completes the question)"


def _questionnaire_section(project: "Project", report: Report, figures_dir: Path, options: ReportOptions) -> None:
    section = report.add_section("Questionnaire", "Closed questions of the questionnaire(s).")
    rate = project.response_rate()
    descriptors = project.descriptors()
    if "role" in descriptors.columns:
        by_role = project.response_rate("role")
        if not by_role.empty:
            rate = by_role
    section.add_table(rate, "Response rate", formats={"pct_response": "percent"})
    likert = project.likert()
    if not likert.empty:
        for battery, items in likert.groupby("battery", sort=False):
            stem, labels = split_common_stem(items["question"].tolist())
            items = items.assign(item=labels)
            section.add_figure(charts.likert_bars(items, label="item", title=str(battery) or "Scale items"),
                               f"{battery or 'Scale items'}: distribution of answers" + _stem_caption(stem),
                               figures_dir, f"likert-{battery}")
        section.add_table(likert.drop(columns=["battery"]), "Scale items", formats={"pct_agree": "percent"})
    ratings = project.ratings()
    if not ratings.empty:
        stem, labels = split_common_stem(ratings["question"].tolist())
        section.add_figure(charts.ratings_chart(ratings.assign(item=labels), label="item", title="Ratings out of ten"),
                           "Ratings per objective" + _stem_caption(stem), figures_dir, "ratings")
        section.add_table(ratings, "Ratings", formats={"mean": "decimal", "sd": "decimal"}, decimals=1)
    closed = project.closed_questions()
    if not closed.empty:
        closed = closed[~closed["column"].isin(likert["column"] if not likert.empty else [])]
        closed = closed[~closed["column"].isin(ratings["column"] if not ratings.empty else [])]
        if not closed.empty:
            section.add_table(closed, "Other closed questions", formats={"pct": "percent"})
    if not likert.empty or not ratings.empty:
        for field_name in options.by:
            _answer_tests_table(project, section, field_name)


def _answer_tests_table(project: "Project", section: Section, field_name: str) -> None:
    """Do the groups answer the rating and scale items differently? (Kruskal-Wallis per item.)"""
    if field_name not in project.responses().columns and field_name not in project.descriptors().columns:
        return  # not a field of the respondents: nothing to compare
    tests = project.answer_tests(field_name)
    tests = tests[tests["p_value"].notna()].reset_index(drop=True)
    if tests.empty:
        return
    # scale items and ratings each share a stem ("Thinking about…:", "Out of ten, how far…"): quote each once
    labels, stems = pd.Series("", index=tests.index), []
    for _, part in tests.groupby("type", sort=False):
        stem, part_labels = split_common_stem(part["question"].astype(str).tolist())
        labels[part.index] = part_labels
        if stem:
            stems.append(stem)
    tests = tests.assign(item=labels)
    stem = " / ".join(stems)
    held = int((tests["q_value"] < 0.05).sum())
    section.add_table(
        # no "test" column: it is Kruskal-Wallis throughout (an item nobody varied on has p = 1), and
        # the table has to fit a page
        tests[["item", "type", "n", "highest", "highest_median", "lowest", "lowest_median", "epsilon_squared",
               "p_value", "q_value"]],
        f"Do answers differ by {field_name}? Kruskal-Wallis test per item",
        formats={"highest_median": "decimal", "lowest_median": "decimal", "epsilon_squared": "decimal",
                 "p_value": "pvalue", "q_value": "pvalue"},
        decimals={"highest_median": 1, "lowest_median": 1, "epsilon_squared": 2, "p_value": 3, "q_value": 3},
        note=(f"{held} of {len(tests)} items are answered differently by the {field_name} groups with q below .05. "
              "The test compares ranks (scale answers by level, 1 = the first), so it suits ratings that bunch "
              "at 6-8; highest and lowest are the groups with the highest and lowest mean rank, shown with their "
              "medians. epsilon_squared: the share of the rank variance between groups. q: Benjamini-Hochberg "
              "for the number of items tested." + (f" Items: {stem}" if stem else "")),
    )


def split_common_stem(questions: list[str]) -> tuple[str, list[str]]:
    """Questions of a battery repeat their stem ("Thinking about …: The chief executive is
    more confident"); charts label each item by what differs and quote the stem once.

    Returns (stem, labels). The stem ends at a word boundary; items keep at least a few
    words, and a shared tail such as "(0 = not at all, 10 = completely)" is dropped too.
    """
    if len(questions) < 2:
        return "", list(questions)
    words = [q.split() for q in questions]
    head = 0
    while all(len(w) > head + 2 for w in words) and len({w[head] for w in words}) == 1:
        head += 1
    tail = 0
    while all(len(w) > head + tail + 2 for w in words) and len({w[-1 - tail] for w in words}) == 1:
        tail += 1
    while head and words[0][head - 1].casefold() in {"the", "a", "an"}:
        head -= 1  # "The chief executive…" reads better than "Chief executive…"
    if head < 3:  # not a real shared stem
        head = 0
    labels = [" ".join(w[head:len(w) - tail]) for w in words]
    labels = [label[:1].upper() + label[1:] for label in labels]
    stem = " ".join(words[0][:head])
    return stem, labels


def _codebook_section(project: "Project", report: Report, options: ReportOptions) -> None:
    codes = project.codes()
    if codes.empty:
        return
    section = report.add_section("Codebook", "The codes with their descriptions, as used in this analysis.")
    section.add_table(codes[["path", "description", "inclusion", "exclusion"]], "Codebook")
    if options.include_excerpts:
        excerpts = project.excerpts()
        if not excerpts.empty:
            descriptors = project.descriptors()
            keep = [c for c in ("role", "mode", "cohort") if c in descriptors.columns]
            table = excerpts.merge(descriptors[["case", *keep]], on="case", how="left") if keep else excerpts
            table = table[["excerpt_id", "source", "case", "wave", *keep, "start", "end", "codes", "text"]].copy()
            note = "Confirmed names are replaced by pseudonyms such as [Person 1]."
            if options.excerpt_rows and len(table) > options.excerpt_rows:
                note += (f" The first {options.excerpt_rows:,} of {len(table):,} excerpts, in source order; "
                         "'qualcode excerpts --format csv' lists them all.")
                table = table.iloc[: options.excerpt_rows]
            section.add_table(table, "Excerpts with codes and descriptors", note=note)
