"""Impact-model pictures, report section, ``Project.impact`` output and ``qualcode impact``.

The pictures are checked for what a reader would notice first: every label is on the
page, no two labels overlap, and a label that sits inside a shape stays inside it.
The study is the hand-counted one of ``test_impact.py``.
"""
from __future__ import annotations

import os
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.patches import Circle, FancyBboxPatch
from openpyxl import load_workbook

from qualcode import Project
from qualcode.cli import cli
from qualcode.impact.diagram import _renderer, impact_diagram, logic_diagram
from qualcode.reporting.impact import add_impact_section
from qualcode.report.content import Report
from test_impact import LOGIC, MODEL, make_study, write


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = make_study(tmp_path_factory.mktemp("impact-report"))
    yield project
    project.close()


def texts_of(fig) -> list:
    return [t for ax in fig.axes for t in ax.texts if t.get_text().strip() and t.get_visible()]


def assert_readable(fig) -> None:
    """Every text inside the figure, and no two texts overlapping."""
    renderer = _renderer(fig)
    page = fig.bbox
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts_of(fig)]
    for text, box in boxes:
        assert box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1, text
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"


def assert_labels_inside_shapes(fig) -> None:
    """A text centred on a shape lies within that shape's bounding box."""
    renderer = _renderer(fig)
    ax = fig.axes[0]
    shapes = [p for p in ax.patches if isinstance(p, (Circle, FancyBboxPatch)) and p.get_zorder() >= 3]
    checked = 0
    for t in texts_of(fig):
        x, y = ax.transData.transform(t.get_position())
        for p in shapes:
            box = p.get_window_extent(renderer)
            if box.contains(x, y) and t.get_zorder() > p.get_zorder():
                tb = t.get_window_extent(renderer)
                assert box.x0 <= tb.x0 and tb.x1 <= box.x1 and box.y0 <= tb.y0 and tb.y1 <= box.y1, t.get_text()
                checked += 1
                break
    assert checked > 0


# ------------------------------------------------------------------------ pictures
def test_impact_diagram_is_readable(study: Project, tmp_path: Path) -> None:
    summary = study.impact_summary(write(tmp_path / "m.yaml", MODEL), cooccurrence="source")
    fig = impact_diagram(summary)
    assert_readable(fig)
    assert_labels_inside_shapes(fig)
    labels = " ".join(t.get_text() for t in texts_of(fig))
    for name in ("Self", "Organisation", "Sustainability", "Governance", "Volunteers", "Partners"):
        assert name in labels
    assert "3 cases" in labels  # Self: 3 cases, 75%


@pytest.mark.parametrize("elements", [
    # one arena, no issues, no stakeholders
    "  - {name: Only arena, kind: arena, codes: [Impact/Confidence]}\n",
    # four arenas with long names around two issues; nothing evidenced for some
    "".join(f"  - {{name: {n}, kind: arena, codes: [{c}]}}\n" for n, c in [
        ("The chief executive's confidence and strategic leadership", "Impact/Confidence"),
        ("Organisational finances and strategy", "Impact/Organisation"),
        ("Relations with partners and funders", "Ripple/Partners"),
        ("Staff wellbeing", "Ripple/Staff")])
    + "  - {name: Sustainability and income diversification, kind: issue, codes: [Issues/Sustainability]}\n"
    + "  - {name: Governance, kind: issue, codes: [Issues/Governance]}\n",
    # many stakeholders on the ripple ring
    "  - {name: Self, kind: arena, codes: [Impact/Confidence]}\n"
    "  - {name: Issue, kind: issue, codes: [Issues]}\n"
    + "".join(f"  - {{name: Stakeholder group {i}, kind: stakeholder, codes: [Ripple/Staff]}}\n" for i in range(8)),
])
def test_impact_diagram_copes_with_other_shapes(study: Project, tmp_path: Path, elements: str) -> None:
    summary = study.impact_summary(write(tmp_path / "m.yaml", "elements:\n" + elements), by=None)
    assert_readable(impact_diagram(summary))


def test_logic_diagram_is_readable(study: Project, tmp_path: Path) -> None:
    summary = study.impact_summary(write(tmp_path / "logic.yaml", LOGIC), by=None)
    fig = logic_diagram(summary)
    assert_readable(fig)
    assert_labels_inside_shapes(fig)
    labels = " ".join(t.get_text() for t in texts_of(fig))
    for stage in ("Rationale", "Activities", "Outcomes", "Impact"):
        assert stage in labels
    boxes = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch) and p.get_zorder() == 3]
    assert len(boxes) == 5  # one box per element


def test_a_model_without_the_right_kinds_gets_a_message_not_an_error(study: Project, tmp_path: Path) -> None:
    summary = study.impact_summary(write(tmp_path / "m.yaml", "elements:\n  - {name: S, kind: stakeholder, "
                                                              "codes: [Ripple/Staff]}\n"), by=None)
    fig = impact_diagram(summary)
    assert "no arenas or core issues" in " ".join(t.get_text() for t in texts_of(fig))
    assert "no logic-model stages" in " ".join(t.get_text() for t in texts_of(logic_diagram(summary)))


# -------------------------------------------------------------------------- report
def test_report_section_has_diagram_tables_and_quotes(study: Project, tmp_path: Path) -> None:
    report = Report("Study")
    summary = add_impact_section(study, report, tmp_path / "figures", write(tmp_path / "m.yaml", MODEL))
    titles = [s.title for s in report.sections]
    assert titles == ["Test impact model", "Test impact model: in their own words"]
    main = report.sections[0]
    captions = [t.caption for t in main.tables]
    assert "Evidence for each element" in captions
    assert "Arenas x core issues: cases where both were coded" in captions
    assert "Elements by role (% of cases)" in captions  # role exists, so it is the default
    assert any(c.startswith("Change between wave 1 and wave 2") for c in captions)
    figure = main.figures[0]
    assert figure.png.exists() and figure.svg is not None and figure.svg.exists()
    quotes = report.sections[1].quotes
    assert quotes and all("Anna Smith" not in q.text for q in quotes)
    assert any(q.attribution.endswith("Arena: Self") for q in quotes)
    evidence = main.tables[0].frame.set_index("element")
    assert evidence.at["Self", "cases"] == 3 and summary.case_base == 4


def test_project_impact_writes_workbook_markdown_and_figures(study: Project, tmp_path: Path) -> None:
    written = study.impact(write(tmp_path / "logic.yaml", LOGIC), tmp_path / "out", by=None)
    names = {p.name for p in written}
    assert {"impact.xlsx", "impact.md"} <= names
    assert any(n.endswith(".png") for n in names) and any(n.endswith(".svg") for n in names)
    assert all(p.exists() for p in written)
    sheets = load_workbook(tmp_path / "out" / "impact.xlsx", read_only=True).sheetnames
    assert any("stages" in s.lower() for s in sheets) and any("links" in s.lower() for s in sheets)
    markdown = (tmp_path / "out" / "impact.md").read_text(encoding="utf-8")
    assert "Confident leaders" in markdown and "figures/" in markdown


def test_report_builder_adds_the_impact_section(study: Project, tmp_path: Path) -> None:
    from qualcode.reporting.study import ReportOptions, build_report

    model = write(tmp_path / "m.yaml", MODEL.replace("title: Test impact model", "title: Our impact model"))
    report = build_report(study, tmp_path / "figures", ReportOptions(impact_models=[model]))
    assert "Our impact model" in [s.title for s in report.sections]


# ----------------------------------------------------------------------------- CLI
def run(args: list[str], cwd: Path):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_cli_impact(study: Project, tmp_path: Path) -> None:
    model = write(tmp_path / "m.yaml", MODEL)
    result = run(["-p", study.target, "impact", str(model), "--out", str(tmp_path / "out"), "--where", "role=CEO"],
                 tmp_path)
    assert result.exit_code == 0, result.output
    assert "base: 2 cases" in result.output
    assert (tmp_path / "out" / "impact.xlsx").exists()
    line = next(x for x in result.output.splitlines() if x.strip().startswith("Self"))
    assert line.split()[2:4] == ["2", "100.0"]  # kind, cases, % of the two CEOs


def test_cli_impact_bad_model_is_one_line(study: Project, tmp_path: Path) -> None:
    model = write(tmp_path / "bad.yaml", "elements:\n  - {name: A, kind: arena, codes: [Nope]}\n")
    result = CliRunner().invoke(cli, ["-p", study.target, "impact", str(model), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "bad.yaml:2:" in result.output


# ---------------------------------------------------------------------------- demo
@pytest.mark.slow
def test_demo_models_agree_with_the_frequency_table(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each demo element that is one code with its children has that code's child-sum
    case count from ``project.frequencies`` on the same material: two routes, one number."""
    from qualcode.demo import build_demo_project, demo_paths
    from qualcode.reporting.study import coded_sources

    project = build_demo_project(tmp_path_factory.mktemp("demo"), progress=False)
    try:
        root = demo_paths().codebook.parent
        summary = project.impact_summary(root / "advance-impact-model.yaml")
        freq = project.frequencies({"source": coded_sources(project)}).set_index("code")
        rows = summary.elements.set_index("element")
        for element, code in [("The organisation", "Impact/Organisation"), ("Sustainability", "Issues/Sustainability"),
                              ("Governance", "Issues/Governance"), ("Service users", "Ripple/Service users")]:
            assert rows.at[element, "cases"] == freq.at[code, "cases_sum"], element
            assert rows.at[element, "excerpts"] == freq.at[code, "excerpts_sum"], element
        assert summary.case_base == int(freq["case_base"].iloc[0])
        indicators = summary.indicators.set_index(["question", "wave"])
        likert = project.likert().set_index("column")
        assert indicators.at[("conf_decisions", "all"), "value"] == pytest.approx(likert.at["conf_decisions", "pct_agree"])
        logic = project.impact_summary(root / "advance-logic-model.yaml", by=None)
        assert not logic.stages.empty and len(logic.links) >= 5
    finally:
        project.close()


def test_a_link_skipping_a_box_runs_on_the_side_other_arrows_do_not_use():
    """In a stage column A, B, C, the link A -> C must not run over B's arrows: when B
    sends links on to the next stage (right edge) it goes left, when B receives links
    from the previous stage (left edge) it goes right."""
    import pandas as pd

    from qualcode.impact.diagram import _bracket_side

    boxes = {"prev": (0.0, 1.0, 1.0, 1.0), "A": (2.0, 4.0, 1.0, 1.0), "B": (2.0, 2.5, 1.0, 1.0),
             "C": (2.0, 1.0, 1.0, 1.0), "next1": (4.0, 3.0, 1.0, 1.0), "next2": (4.0, 1.0, 1.0, 1.0)}
    sends = pd.DataFrame({"from": ["A", "B", "B"], "to": ["C", "next1", "next2"]})
    receives = pd.DataFrame({"from": ["A", "prev", "prev"], "to": ["C", "B", "B"]})
    assert _bracket_side("A", "C", boxes, sends) == "left"
    assert _bracket_side("A", "C", boxes, receives) == "right"
