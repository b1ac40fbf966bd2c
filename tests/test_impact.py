"""Impact-model summaries checked against hand counts on a small study built here.

The study (every expected number below was counted by hand from this table):

case       role     source            wave  excerpts (codes; coder anna unless noted)
CEO-1      CEO      "CEO-1 wave 1"    1     e1 Confidence | e2 Funding | e3 Strategy + Governance
CEO-1      CEO      "CEO-1 wave 2"    2     e4 Ripple/Staff | e5 Sustainability + Finances
CEO-2      CEO      "CEO-2 wave 1"    1     e6 Confidence (anna and bob) + Governance | e7 Funding, overlapping e6
Mentor-1   Mentor   "Mentor-1 wave 2" 2     e8 Confidence | e9 Ripple/Volunteers
Mentor-2   Mentor   "Mentor-2 wave 1" 1     e10 Process/Trust (thematic, but in no element)
Trustee-1  Trustee  "Trustee-1 wave 1" 1    e11 Questionnaire/q1 only (structural: not "coded material")

Coded material ("base: coded"): CEO-1, CEO-2, Mentor-1, Mentor-2 = 4 cases
(wave 1: CEO-1, CEO-2, Mentor-2 = 3; wave 2: CEO-1, Mentor-1 = 2). With "base: all"
Trustee-1 counts too (5).

element (model)       codes                     excerpts  sources  cases
Self (arena)          Impact/Confidence         e1 e6 e8   3        CEO-1 CEO-2 Mentor-1
Organisation (arena)  Impact/Organisation (+)   e3 e5      2        CEO-1
Sustainability (iss.) Issues/Sustainability (+) e2 e5 e7   3        CEO-1 CEO-2
Governance (issue)    Issues/Governance         e3 e6      2        CEO-1 CEO-2
Staff (stakeholder)   Ripple/Staff              e4         1        CEO-1
Volunteers (st.)      Ripple/Volunteers         e9         1        Mentor-1
Partners (st.)        Ripple/Partners           (never applied)
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualcode import Project
from qualcode.impact import ImpactModelError, read_model, summarise

CODEBOOK = """\
codebook: impact-test
codes:
  - name: Impact
    children:
      - name: Confidence
      - name: Organisation
        children: [{name: Strategy}, {name: Finances}]
  - name: Issues
    children:
      - name: Sustainability
        children: [{name: Funding}]
      - name: Governance
  - name: Ripple
    children: [{name: Staff}, {name: Volunteers}, {name: Partners}]
  - name: Process
    children: [{name: Trust}]
  - name: Questionnaire
    children: [{name: q1}]
"""

TEXTS = {  # source name -> (wave, text)
    "CEO-1 wave 1": ("1", "I feel more confident now. Funding is our biggest worry. The board and I plan strategy together."),
    "CEO-1 wave 2": ("2", "Our staff are happier. We found new money from local firms."),
    "CEO-2 wave 1": ("1", "I am confident with the chair, Anna Smith, at last. Reserves are thin."),
    "Mentor-1 wave 2": ("2", "She is a far more confident leader. Volunteers noticed it too."),
    "Mentor-2 wave 1": ("1", "Trust built slowly over the year."),
    "Trustee-1 wave 1": ("1", "I answered the first question."),
}
PARTICIPANTS = "participant,role\nCEO-1,CEO\nCEO-2,CEO\nMentor-1,Mentor\nMentor-2,Mentor\nTrustee-1,Trustee\n"

MODEL = """\
model: test-impact
title: Test impact model
quotes: 2
elements:
  - {name: Self, kind: arena, codes: [Impact/Confidence]}
  - {name: Organisation, kind: arena, codes: [Impact/Organisation]}
  - {name: Sustainability, kind: issue, codes: [Issues/Sustainability]}
  - {name: Governance, kind: issue, codes: [Governance]}
  - {name: Staff, kind: stakeholder, codes: [Ripple/Staff]}
  - {name: Volunteers, kind: stakeholder, codes: [Ripple/Volunteers]}
  - {name: Partners, kind: stakeholder, codes: [Ripple/Partners]}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def make_study(tmp_path: Path) -> Project:
    """The study of the module docstring, in a new project."""
    folder = tmp_path / "material"
    folder.mkdir()
    project = Project.create(tmp_path / "impact.qcproj", title="Impact test")
    for name, (wave, text) in TEXTS.items():
        project.ingest(write(folder / f"{name}.txt", text), wave=wave, progress=False)
    project.import_descriptors(write(folder / "participants.csv", PARTICIPANTS), key="participant")
    project.import_codebook(write(folder / "codebook.yaml", CODEBOOK))
    code = project.code
    code("CEO-1 wave 1", "Impact/Confidence", quote="I feel more confident now.", coder="anna")
    code("CEO-1 wave 1", "Issues/Sustainability/Funding", quote="Funding is our biggest worry.", coder="anna")
    code("CEO-1 wave 1", ["Impact/Organisation/Strategy", "Issues/Governance"],
         quote="The board and I plan strategy together.", coder="anna")
    code("CEO-1 wave 2", "Ripple/Staff", quote="Our staff are happier.", coder="anna")
    code("CEO-1 wave 2", ["Issues/Sustainability", "Impact/Organisation/Finances"],
         quote="We found new money from local firms.", coder="anna")
    e6 = "I am confident with the chair, Anna Smith, at last."
    code("CEO-2 wave 1", ["Impact/Confidence", "Issues/Governance"], quote=e6, coder="anna")
    code("CEO-2 wave 1", "Impact/Confidence", quote=e6, coder="bob")  # a second coder: still one excerpt
    text = TEXTS["CEO-2 wave 1"][1]
    start = text.index("at last.")  # e7 overlaps the end of e6
    code("CEO-2 wave 1", "Issues/Sustainability/Funding", start=start, end=len(text), coder="anna")
    code("Mentor-1 wave 2", "Impact/Confidence", quote="She is a far more confident leader.", coder="anna")
    code("Mentor-1 wave 2", "Ripple/Volunteers", quote="Volunteers noticed it too.", coder="anna")
    code("Mentor-2 wave 1", "Process/Trust", quote="Trust built slowly over the year.", coder="anna")
    code("Trustee-1 wave 1", "Questionnaire/q1", quote="I answered the first question.", coder="anna")
    project.add_redaction_names(["Anna Smith"])
    return project


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """One study for the module: the tests only read it."""
    project = make_study(tmp_path_factory.mktemp("impact"))
    yield project
    project.close()


@pytest.fixture
def model_path(tmp_path: Path) -> Path:
    return write(tmp_path / "model.yaml", MODEL)


def element_rows(summary) -> pd.DataFrame:
    return summary.elements.set_index("element")


# ------------------------------------------------------------------- per element
def test_element_counts_match_the_hand_counts(study: Project, model_path: Path) -> None:
    s = study.impact_summary(model_path)
    rows = element_rows(s)
    expected = {  # excerpts, sources, cases
        "Self": (3, 3, 3), "Organisation": (2, 2, 1), "Sustainability": (3, 3, 2), "Governance": (2, 2, 2),
        "Staff": (1, 1, 1), "Volunteers": (1, 1, 1), "Partners": (0, 0, 0),
    }
    for name, (excerpts, sources, cases) in expected.items():
        assert (rows.at[name, "excerpts"], rows.at[name, "sources"], rows.at[name, "cases"]) == (excerpts, sources, cases), name
    assert s.case_base == 4
    assert (rows["case_base"] == 4).all()
    assert rows.at["Self", "pct_cases"] == pytest.approx(75.0)
    assert rows.at["Organisation", "pct_cases"] == pytest.approx(25.0)


def test_an_element_whose_codes_were_never_applied_is_zero_not_an_error(study: Project, model_path: Path) -> None:
    rows = element_rows(study.impact_summary(model_path))
    assert rows.at["Partners", "cases"] == 0 and rows.at["Partners", "pct_cases"] == 0.0
    assert rows.at["Partners", "evidence"] == "none"


def test_exact_leaves_out_children(study: Project, tmp_path: Path) -> None:
    model = write(tmp_path / "m.yaml", "elements:\n"
                  "  - {name: Parent only, kind: arena, exact: true, codes: [Impact/Organisation]}\n"
                  "  - {name: Mixed, kind: arena, codes: [{code: Issues/Sustainability, exact: true}, Impact/Confidence]}\n")
    rows = element_rows(study.impact_summary(model, by=None))
    assert rows.at["Parent only", "excerpts"] == 0  # only children were applied
    # e5 carries Issues/Sustainability itself; e1 e6 e8 Confidence; e2 e7 (Funding) are children, left out
    assert rows.at["Mixed", "excerpts"] == 4


def test_evidence_labels_follow_the_thresholds_in_the_file(study: Project, tmp_path: Path) -> None:
    text = MODEL.replace("quotes: 2\n", "quotes: 0\nevidence:\n  levels: {high: 60, some: 30, trace: 0}\n  none: absent\n")
    rows = element_rows(study.impact_summary(write(tmp_path / "m.yaml", text)))
    # 75% >= 60; 50% >= 30; 25% below 30 but above 0; no material
    assert rows.at["Self", "evidence"] == "high"
    assert rows.at["Sustainability", "evidence"] == "some"
    assert rows.at["Organisation", "evidence"] == "trace"
    assert rows.at["Partners", "evidence"] == "absent"
    default = element_rows(study.impact_summary(write(tmp_path / "d.yaml", MODEL)))
    assert default.loc[["Self", "Sustainability", "Organisation", "Partners"], "evidence"].tolist() == [
        "strong", "strong", "moderate", "none"]


# ------------------------------------------------------------------------ filters
def test_where_restricts_material_and_base(study: Project, model_path: Path) -> None:
    s = study.impact_summary(model_path, where={"role": "CEO"})
    rows = element_rows(s)
    assert s.case_base == 2
    assert rows.at["Self", "cases"] == 2 and rows.at["Self", "pct_cases"] == pytest.approx(100.0)
    assert rows.at["Volunteers", "cases"] == 0  # only a mentor mentioned volunteers
    wave1 = element_rows(study.impact_summary(model_path, where={"wave": "1"}))
    assert wave1.at["Self", "cases"] == 2 and wave1.at["Self", "case_base"] == 3


def test_an_element_filter_changes_its_own_base(study: Project, tmp_path: Path) -> None:
    model = write(tmp_path / "m.yaml", "elements:\n"
                  "  - {name: Mentors see confidence, kind: arena, codes: [Impact/Confidence], where: {role: Mentor}}\n"
                  "  - {name: Self, kind: arena, codes: [Impact/Confidence]}\n")
    rows = element_rows(study.impact_summary(model, by=None))
    assert rows.at["Mentors see confidence", "cases"] == 1  # Mentor-1
    assert rows.at["Mentors see confidence", "case_base"] == 2  # Mentor-1, Mentor-2
    assert rows.at["Self", "cases"] == 3 and rows.at["Self", "case_base"] == 4


def test_base_all_counts_cases_with_only_structural_codes(study: Project, tmp_path: Path) -> None:
    model = write(tmp_path / "m.yaml", "base: all\n" + MODEL)
    s = study.impact_summary(model)
    assert s.case_base == 5
    assert element_rows(s).at["Self", "pct_cases"] == pytest.approx(60.0)


# ------------------------------------------------------------------ groups and waves
def test_by_role(study: Project, model_path: Path) -> None:
    g = study.impact_summary(model_path, by="role").by_group.set_index(["element", "role"])
    assert g.loc[("Self", "CEO"), ["cases", "group_cases"]].tolist() == [2, 2]
    assert g.loc[("Self", "Mentor"), ["cases", "group_cases"]].tolist() == [1, 2]
    assert g.loc[("Organisation", "Mentor"), "pct_cases"] == 0.0
    assert ("Partners", "CEO") in g.index  # zeros are rows, not gaps


def test_waves_and_change(study: Project, model_path: Path) -> None:
    s = study.impact_summary(model_path)
    assert s.waves == ("1", "2")
    w = s.by_wave.set_index(["element", "wave"])
    assert w.loc[("Self", "1"), ["cases", "group_cases"]].tolist() == [2, 3]
    assert w.loc[("Self", "2"), ["cases", "group_cases"]].tolist() == [1, 2]
    c = s.wave_change.set_index("element")
    assert c.loc["Self", ["cases_first", "cases_second", "both", "only_first", "only_second"]].tolist() == [2, 1, 0, 2, 1]
    assert c.loc["Sustainability", ["both", "only_first", "only_second"]].tolist() == [1, 1, 0]
    assert c.loc["Self", "pct_change"] == pytest.approx(50.0 - 200.0 / 3)
    assert c.loc["Partners", "cases_first"] == 0


# ------------------------------------------------------------------ pairs of elements
def test_arena_by_issue_matrix_on_the_same_excerpt(study: Project, model_path: Path) -> None:
    s = study.impact_summary(model_path)
    m = s.matrix.set_index(["arena", "issue"])
    assert m.loc[("Self", "Governance"), ["excerpts", "cases"]].tolist() == [1, 1]  # e6
    assert m.loc[("Self", "Sustainability"), ["excerpts", "cases"]].tolist() == [0, 0]
    assert m.loc[("Organisation", "Sustainability"), ["excerpts", "cases"]].tolist() == [1, 1]  # e5
    assert m.loc[("Organisation", "Governance"), ["excerpts", "cases"]].tolist() == [1, 1]  # e3
    assert s.wide("matrix").loc["Self", "Governance"] == 1


def test_overlap_and_source_units(study: Project, model_path: Path) -> None:
    over = study.impact_summary(model_path, cooccurrence="overlap").matrix.set_index(["arena", "issue"])
    assert over.loc[("Self", "Sustainability"), ["excerpts", "cases"]].tolist() == [2, 1]  # e6 and e7 overlap
    src = study.impact_summary(model_path, cooccurrence="source").matrix.set_index(["arena", "issue"])
    # CEO-1 wave 1: e1 with e2; CEO-2 wave 1: e6 with e7
    assert src.loc[("Self", "Sustainability"), ["excerpts", "sources", "cases"]].tolist() == [4, 2, 2]
    assert src.loc[("Self", "Governance"), ["excerpts", "sources", "cases"]].tolist() == [3, 2, 2]  # e1 e3; e6


def test_ripple_table(study: Project, model_path: Path) -> None:
    r = study.impact_summary(model_path, cooccurrence="source").ripple.set_index(["stakeholder", "arena"])
    assert r.loc[("Staff", "Organisation"), ["excerpts", "cases"]].tolist() == [2, 1]  # e4 with e5
    assert r.loc[("Volunteers", "Self"), ["excerpts", "cases"]].tolist() == [2, 1]  # e9 with e8
    assert r.loc[("Partners", "Self"), "cases"] == 0
    assert len(r) == 3 * 2


# ---------------------------------------------------------------------- logic model
LOGIC = """\
type: logic
cooccurrence: source
elements:
  - {name: Pressure, kind: rationale, codes: [Issues/Sustainability], links: [Mentoring]}
  - {name: Mentoring, kind: activities, codes: [Process/Trust], links: [Confident leaders]}
  - {name: Confident leaders, kind: outcomes, codes: [Impact/Confidence], links: [Better organisations]}
  - {name: Better organisations, kind: stage, stage: outcomes, codes: [Impact/Organisation]}
  - {name: Happier staff, kind: impact, codes: [Ripple/Staff]}
"""


def test_logic_model_stages_and_links(study: Project, tmp_path: Path) -> None:
    s = study.impact_summary(write(tmp_path / "logic.yaml", LOGIC), by=None)
    stages = s.stages.set_index("stage")
    assert stages.index.tolist() == ["rationale", "activities", "outcomes", "impact"]
    # outcomes: Confidence e1 e6 e8 + Organisation e3 e5 -> 5 excerpts; cases CEO-1 CEO-2 Mentor-1
    assert stages.loc["outcomes", ["excerpts", "cases"]].tolist() == [5, 3]
    assert stages.loc["activities", ["excerpts", "cases"]].tolist() == [1, 1]
    links = s.links.set_index(["from", "to"])
    assert links.loc[("Pressure", "Mentoring"), "cases"] == 0  # Trust only in Mentor-2's interview
    # Confidence and Organisation in the same source: CEO-1 wave 1 (e1, e3) only
    assert links.loc[("Confident leaders", "Better organisations"), ["excerpts", "cases"]].tolist() == [2, 1]
    assert links.loc[("Confident leaders", "Better organisations"), "from_stage"] == "outcomes"


# ------------------------------------------------------------------------- quotes
def test_quotes_are_anonymised_and_attributed(study: Project, model_path: Path) -> None:
    q = study.impact_summary(model_path).quotes
    self_quotes = q[q["element"] == "Self"]
    assert 1 <= len(self_quotes) <= 2
    text = " ".join(q["quote"]) + " ".join(q["attribution"])
    for name in ("Anna Smith", "CEO-1", "CEO-2", "Mentor-1"):
        assert name not in text
    assert set(q["attribution"]) <= {"CEO, wave 1", "CEO, wave 2", "Mentor, wave 1", "Mentor, wave 2"}
    assert "Partners" not in set(q["element"])


# -------------------------------------------------------------------- indicators
def test_indicators_on_hand_made_responses(study: Project, tmp_path: Path) -> None:
    levels = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
    questions = pd.DataFrame({
        "questionnaire": ["q"] * 3, "column": ["conf", "score", "recommend"], "type": ["scale", "rating", "boolean"],
        "question": ["I am confident", "Marks out of ten", "Recommend?"], "battery": ["", "", ""],
        "levels": [levels, [], []],
    })
    responses = pd.DataFrame({
        "source_id": range(6), "source": [f"r{i}" for i in range(6)], "case": [f"R{i}" for i in range(6)],
        "wave": ["1", "1", "1", "2", "2", "2"], "questionnaire": "q", "role": ["CEO"] * 4 + ["Staff"] * 2,
        "conf": ["Agree", "Disagree", "Strongly agree", "Agree", "Neither", None],
        "score": [6.0, 8.0, 7.0, 9.0, None, 5.0],
        "recommend": pd.array([True, False, True, True, True, None], dtype="boolean"),
    })
    model = read_model(write(tmp_path / "m.yaml", """\
elements:
  - name: Self
    kind: arena
    indicators:
      - {name: Confident, question: conf}
      - {name: Score, question: score}
      - {name: Score 7+, question: score, measure: pct_at_least, at_least: 7}
      - {name: Recommend, question: recommend}
      - {name: CEOs agree strongly, question: conf, measure: pct_levels, levels: [Strongly agree], where: {role: CEO}}
"""))
    s = summarise(model, study.applications(), study.excerpts(), study.codes(), study.descriptors(),
                  responses, questions, by=None)
    ind = s.indicators.set_index(["indicator", "wave"])
    # conf answers: Agree, Disagree, Strongly agree, Agree, Neither (5): agree = 3
    assert ind.loc[("Confident", "all"), ["n", "value"]].tolist() == [5, pytest.approx(60.0)]
    assert ind.loc[("Confident", "1"), "value"] == pytest.approx(200.0 / 3)
    assert ind.loc[("Confident", "2"), "value"] == pytest.approx(50.0)
    assert ind.loc[("Score", "all"), "value"] == pytest.approx(35.0 / 5)
    assert ind.loc[("Score 7+", "all"), "value"] == pytest.approx(60.0)  # 8, 7, 9 of 5
    assert ind.loc[("Recommend", "all"), ["n", "value"]].tolist() == [5, pytest.approx(80.0)]
    assert ind.loc[("CEOs agree strongly", "all"), ["n", "value"]].tolist() == [4, pytest.approx(25.0)]
    assert ind.loc[("Confident", "all"), "unit"] == "% agree" and ind.loc[("Score", "all"), "unit"] == "mean"
    assert element_rows(s).at["Self", "evidence"] == "indicators only"
    ceo = summarise(model, study.applications(), study.excerpts(), study.codes(), study.descriptors(),
                    responses, questions, by=None, where={"role": "CEO"}).indicators.set_index(["indicator", "wave"])
    assert ceo.loc[("Confident", "all"), ["n", "value"]].tolist() == [4, pytest.approx(75.0)]


# --------------------------------------------------------------------- validation
@pytest.mark.parametrize(("text", "line", "words"), [
    ("elements:\n  - {name: A, kind: arena, codes: [Impact/Nope]}\n", 2, "code 'Impact/Nope' is not in the codebook"),
    ("elements:\n  - name: A\n    kind: arena\n    codes:\n      - Impact/Confidence\n      - Nope\n", 6, "'Nope'"),
    ("elements:\n  - {name: A, kind: arena, indicators: [{question: nope}]}\n", 2, "question 'nope'"),
    ("elements:\n  - {name: A, kind: arena, codes: [Impact], where: {colour: red}}\n", 2, "'colour'"),
])
def test_errors_against_the_project_name_file_and_line(study: Project, tmp_path: Path, text: str, line: int,
                                                       words: str) -> None:
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ImpactModelError) as err:
        study.impact_model(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}:") and words in message and "\n" not in message


def test_an_ambiguous_code_name_asks_for_the_path(tmp_path: Path) -> None:
    project = make_study(tmp_path)
    project.add_code("Impact/Organisation/Staff")  # now 'Staff' is two codes
    path = write(tmp_path / "m.yaml", "elements:\n  - {name: A, kind: arena, codes: [Staff]}\n")
    try:
        with pytest.raises(ImpactModelError, match=r"m\.yaml:2: .*'Staff' is ambiguous; give its full path"):
            project.impact_model(path)
    finally:
        project.close()


@pytest.mark.parametrize(("text", "line", "words"), [
    ("elements:\n  - {name: A, kind: arena, codes: [X]}\n  - {name: A, kind: issue, codes: [Y]}\n", 3,
     "duplicate element name 'A' (also line 2)"),
    ("elements:\n  - {name: A, kind: arena}\n", 2, "no codes and no indicators"),
    ("elements:\n  - {name: A, kind: planet, codes: [X]}\n", 2, "unknown kind 'planet'"),
    ("elements:\n  - name: A\n    kind: arena\n    codes: [X]\n    links: [B]\n", 5, "unknown element 'B'"),
    ("elements:\n  - {name: A, kind: stage, stage: lunch, codes: [X]}\n", 2, "unknown stage 'lunch'"),
    ("elements:\n  - {name: A, kind: arena, code: [X]}\n", 2, "unknown key 'code'"),
    ("evidence:\n  levels: {strong: high}\nelements:\n  - {name: A, kind: arena, codes: [X]}\n", 2,
     "evidence level 'strong' needs a number"),
    ("elements: [\n", 2, "not valid YAML"),
    ("cooccurrence: turn\nelements:\n  - {name: A, kind: arena, codes: [X]}\n", 1, "cooccurrence 'turn'"),
])
def test_errors_in_the_file_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ImpactModelError) as err:
        read_model(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message and "\n" not in message


def test_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ImpactModelError, match="file not found"):
        read_model(tmp_path / "absent.yaml")


def test_the_bundled_models_fit_the_demo_codebook() -> None:
    from qualcode.impact import check_model
    from qualcode.codebook.yaml_io import read_codebook

    root = Path(__file__).resolve().parents[1] / "codebooks"
    spec = read_codebook(root / "mentoring-impact.yaml")
    codes = pd.DataFrame({"path": [c.path for c in spec.codes], "position": [c.position for c in spec.codes]})
    for name in ("advance-impact-model.yaml", "advance-logic-model.yaml"):
        model = read_model(root / name)
        checked = check_model(model, codes)  # no questionnaire here: indicators are checked with the demo
        assert len(checked.elements) == len(model.elements) >= 5
