"""Autocoding a hand-made study: exactly which units get which codes, runs, dry runs, undo.

The expected codings below are counted by hand from the texts, not from the code.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualcode import Project
from qualcode.errors import CodingError, NotFoundError, UsageError
from qualcode.store import coding as store_coding

CEO = """Interview with CEO-07, wave 1, the board and me

Interviewer: How did the mentoring help with the board?

CEO-07: My mentors helped a lot. The Boards of two charities met. We discussed the board meeting and
board meetings in general.

Interviewer: And your confidence?

CEO-07: I told her in confidence that I had lost my confidence. Now I feel confident and I trust my own judgement. I learned to delegate. I felt like an Impostor. The trustees and the chair argued. The ICB called, the icb did not.
"""

MENTOR = """Interviewer: What did you learn as a mentor?

Mentor-03: As a mentor I learned to listen. My mentee grew.
"""

SURVEY = """respondent,role,improve
R1,Mentor,"More time with the other mentors would have helped me a great deal, honestly."
R2,CEO,"Meetings were hard to schedule around board papers and the rota every month."
R3,CEO,N/A
"""

CODEBOOK = """\
codebook: hand
codes:
  - name: Board
    rules: {keywords: [board]}
  - name: Board meeting
    rules: {keywords: [board meeting]}
  - name: Confidence
    rules: {keywords: [confidence, confident], exclude: [in confidence]}
  - name: Judgement
    rules: {keywords: [trust my own judgement]}
  - name: Mentoring
    rules: {keywords: [mentor]}
  - name: Mentor practice
    rules: {keywords: [learn], speakers: [Mentor]}
  - name: Mentor voice
    rules: {speakers: [Mentor-03]}
  - name: Governance depth
    rules: {keywords: [board, trustee, chair], min_matches: 2}
  - name: Impostor
    rules: {regex: ["\\\\bimpost[eo]r\\\\b"]}
  - name: ICB
    rules: {keywords: [ICB], case_sensitive: true}
  - name: Improvement
    rules: {questions: [improve]}
  - name: No rules
"""

S1 = "My mentors helped a lot."
S2 = "The Boards of two charities met."
S3 = "We discussed the board meeting and\nboard meetings in general."
S4 = "I told her in confidence that I had lost my confidence."
S5 = "Now I feel confident and I trust my own judgement."
S6 = "I learned to delegate."
S7 = "I felt like an Impostor."
S8 = "The trustees and the chair argued."
S9 = "The ICB called, the icb did not."
M1 = "As a mentor I learned to listen."
M2 = "My mentee grew."
A1 = "More time with the other mentors would have helped me a great deal, honestly."
A2 = "Meetings were hard to schedule around board papers and the rota every month."

# (source, unit text, code), counted by hand. Interviewer turns are never coded; the
# header line "… the board and me" is outside the speech; S4 is excluded from Confidence
# ("in confidence"); S6 "learned" is by a CEO, not a Mentor; A3 "N/A" says nothing.
EXPECTED = {
    ("CEO-07 wave 1", S1, "Mentoring"),
    ("CEO-07 wave 1", S2, "Board"),
    ("CEO-07 wave 1", S3, "Board"),
    ("CEO-07 wave 1", S3, "Board meeting"),
    ("CEO-07 wave 1", S5, "Confidence"),
    ("CEO-07 wave 1", S5, "Judgement"),
    ("CEO-07 wave 1", S7, "Impostor"),
    ("CEO-07 wave 1", S8, "Governance depth"),
    ("CEO-07 wave 1", S9, "ICB"),
    ("Mentor-03 wave 1", M1, "Mentoring"),
    ("Mentor-03 wave 1", M1, "Mentor practice"),
    ("Mentor-03 wave 1", M1, "Mentor voice"),
    ("Mentor-03 wave 1", M2, "Mentor voice"),
    ("survey R1", A1, "Mentoring"),
    ("survey R1", A1, "Improvement"),
    ("survey R2", A2, "Board"),
    ("survey R2", A2, "Improvement"),
}


@pytest.fixture
def hand(tmp_path: Path) -> Project:
    folder = tmp_path / "material"
    folder.mkdir()
    (folder / "CEO-07 wave 1.txt").write_text(CEO, encoding="utf-8")
    (folder / "Mentor-03 wave 1.txt").write_text(MENTOR, encoding="utf-8")
    (folder / "survey.csv").write_text(SURVEY, encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "people.csv").write_text("participant,role\nCEO-07,CEO\nMentor-03,Mentor\n", encoding="utf-8")
    project = Project.create(tmp_path / "hand.qcproj")
    project.ingest(folder / "CEO-07 wave 1.txt", folder / "Mentor-03 wave 1.txt", kind="transcript", progress=False)
    project.ingest(folder / "survey.csv", kind="questionnaire", key_column="respondent", progress=False)
    project.import_descriptors(folder / "people.csv", key="participant")
    project.import_codebook(folder / "codebook.yaml")
    yield project
    project.close()


RULE = "rule:hand"  # the fixture codebook is named "hand" (codebook: hand)


def rule_apps(project: Project, status: str | None = "applied") -> pd.DataFrame:  # noqa: D103
    """The rule coder's applications (ingest codes questionnaire answers by question too)."""
    apps = project.applications(status=status)
    return apps[apps["coder"] == RULE].reset_index(drop=True) if not apps.empty else apps


def coded(project: Project, status: str | None = None) -> set[tuple[str, str, str]]:
    apps = rule_apps(project, status=status)
    if apps.empty:
        return set()
    texts = project.excerpts(status=None).set_index("excerpt_id")["text"]
    return {(s, texts[e], c) for s, e, c in zip(apps["source"], apps["excerpt_id"], apps["code"])}


def test_the_fixture_has_the_answers_the_rules_need(hand):
    answers = hand.segments()
    answers = answers[answers["kind"] == "answer"]
    assert sorted(answers["question"]) == ["improve", "improve"]  # "N/A" is no answer
    assert set(hand.descriptors().set_index("case")["role"].dropna().items()) >= {("R1", "Mentor"), ("Mentor-03", "Mentor")}


def test_rules_code_exactly_the_hand_counted_units(hand):
    result = hand.autocode(progress=False)
    assert coded(hand, status="suggested") == EXPECTED
    assert rule_apps(hand).empty  # nothing applied without a person
    apps = rule_apps(hand, status=None)
    assert set(apps["origin"]) == {"rule"} and set(apps["status"]) == {"suggested"}
    assert (apps["run_id"] == result.run_id).all() and result.inserted == len(EXPECTED)
    # confidence grows with distinct hits: S3 has "board" once as a keyword (board, boards -> one
    # distinct keyword); Governance depth on S8 has two (trustee, chair); questions are certain
    conf = {(c, t): v for c, t, v in zip(apps["code"], apps["excerpt_id"].map(hand.excerpts(status=None).set_index("excerpt_id")["text"]), apps["confidence"])}
    assert conf[("Board", S3)] == 0.5
    assert conf[("Governance depth", S8)] == 0.75
    assert conf[("Improvement", A1)] == 1.0 and conf[("Mentor voice", M2)] == 1.0


def test_a_second_run_adds_nothing_and_keeps_decisions(hand):
    first = hand.autocode(progress=False)
    apps = rule_apps(hand, status=None)
    rejected = int(apps.loc[apps["code"] == "Board", "application_id"].iloc[0])
    hand.reject(rejected, by="anna")
    again = hand.autocode(progress=False)
    assert again.run_id is None and again.inserted == 0 and again.new == 0 and again.total == len(EXPECTED)
    after = rule_apps(hand, status=None)
    assert len(after) == len(EXPECTED)
    assert after.set_index("application_id").loc[rejected, "status"] == "rejected"  # not suggested again
    assert len(hand.runs()) == 1 and first.run_id == 1


def test_dry_run_counts_per_code_and_writes_nothing(hand):
    before = hand.summary()
    result = hand.autocode(dry_run=True, progress=False)
    assert result.dry_run and result.run_id is None
    hand_counts = pd.Series([c for _, _, c in EXPECTED]).value_counts().sort_index()
    counts = result.counts.set_index("code")
    assert counts["units"].to_dict() == hand_counts.to_dict()
    assert counts["new"].to_dict() == hand_counts.to_dict()
    assert hand.summary() == before and hand.runs().empty
    assert rule_apps(hand, status=None).empty
    # after a real run, a dry run finds the same units and none new
    hand.autocode(progress=False)
    again = hand.autocode(dry_run=True, progress=False)
    assert again.total == len(EXPECTED) and again.new == 0


def test_undo_removes_undecided_applications_and_keeps_decisions(hand):
    run = hand.autocode(progress=False).run_id
    apps = rule_apps(hand, status=None)
    keep_accepted = int(apps.loc[apps["code"] == "Judgement", "application_id"].iloc[0])
    keep_rejected = int(apps.loc[apps["code"] == "ICB", "application_id"].iloc[0])
    hand.accept(keep_accepted, by="anna")
    hand.reject(keep_rejected, by="anna")
    done = hand.undo_run(run)
    assert done["deleted"] == len(EXPECTED) - 2 and done["kept"] == 2
    left = rule_apps(hand, status=None)
    assert sorted(left["application_id"]) == sorted([keep_accepted, keep_rejected])
    # excerpts of deleted applications are gone; the decided ones keep theirs (and the
    # answers keep the question codes the questionnaire import gave them)
    assert set(hand.excerpts(status=None)["text"]) == {S5, S9, A1, A2}
    runs = hand.runs()
    assert runs.loc[0, "undone_at"] != "" and runs.loc[0, "applied"] == 1 and runs.loc[0, "rejected"] == 1
    assert hand.undo_run(run, force=True)["deleted"] == 2
    assert rule_apps(hand, status=None).empty and set(hand.excerpts(status=None)["text"]) == {A1, A2}
    with pytest.raises(NotFoundError):
        hand.undo_run(99)


def test_after_undo_a_run_codes_again(hand):
    run = hand.autocode(progress=False).run_id
    hand.undo_run(run)
    again = hand.autocode(progress=False)
    assert again.inserted == len(EXPECTED) and again.run_id != run


def test_a_failed_write_leaves_the_project_as_it_was(hand, monkeypatch):
    before = hand.summary()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_coding, "insert_applications", broken)
    with pytest.raises(RuntimeError):
        hand.autocode(progress=False)
    assert hand.summary() == before
    assert hand.runs().empty and rule_apps(hand, status=None).empty
    assert RULE not in set(hand.applications(status=None)["coder"])


def test_interviewer_turns_are_coded_only_when_asked(hand):
    hand.autocode(codes=["Mentoring"], include_interviewer=True, progress=False)
    texts = {t for _, t, _ in coded(hand, status="suggested")}
    # "mentoring" has the lemma "mentor" too
    assert texts == {S1, M1, A1, "What did you learn as a mentor?", "How did the mentoring help with the board?"}


def test_codes_limit_the_run_and_apply_stores_applied_with_who(hand, monkeypatch):
    monkeypatch.setenv("QUALCODE_CODER", "ben")
    result = hand.autocode(codes=["Board"], apply=True, progress=False)
    apps = rule_apps(hand, status="applied")
    assert set(apps["code"]) == {"Board"} and len(apps) == 3 and result.inserted == 3
    assert set(apps["decided_by"]) == {"ben"} and apps["decided_at"].notna().all()
    with pytest.raises(NotFoundError):
        hand.autocode(codes=["Nonexistent"], progress=False)
    with pytest.raises(CodingError, match="rules"):
        hand.autocode(codes=["No rules"], progress=False)


def test_unit_override_codes_whole_turns(hand):
    hand.autocode(unit="turn", codes=["Confidence", "Board"], progress=False)
    got = coded(hand, status="suggested")
    turn1 = S1 + " " + S2 + " " + S3
    # the second turn has "confidence" twice but also "in confidence": excluded as a whole;
    # a questionnaire's turns are its answers
    assert got == {("CEO-07 wave 1", turn1, "Board"), ("survey R2", A2, "Board")}


def test_bad_arguments_are_usage_errors(hand):
    with pytest.raises(UsageError):
        hand.autocode(unit="chapter", progress=False)
    with pytest.raises(UsageError):
        hand.autocode(n_process=0, progress=False)


def test_two_processes_give_the_same_codes(hand, monkeypatch):
    from qualcode.coding.rules import autocode as autocode_module
    monkeypatch.setattr(autocode_module, "BATCH_CHARS", 50)  # one source a batch, so the pool is used
    result = hand.autocode(n_process=2, dry_run=True, progress=False)
    assert result.total == len(EXPECTED)
    hand.autocode(n_process=2, progress=False)
    assert coded(hand, status="suggested") == EXPECTED


def test_a_dask_cluster_gives_the_same_codes(hand, monkeypatch):
    """Past one machine: the rules go to two Dask worker processes (pickled), one source a batch."""
    pytest.importorskip("distributed")
    from qualcode.coding.rules import autocode as autocode_module
    monkeypatch.setattr(autocode_module, "BATCH_CHARS", 50)
    result = hand.autocode(cluster="local:2", progress=False)
    assert result.total == len(EXPECTED)
    assert coded(hand, status="suggested") == EXPECTED
    assert len(hand.runs()) == 1  # one run, written here in one transaction


def test_an_unreachable_cluster_is_one_line_and_writes_nothing(hand, monkeypatch):
    pytest.importorskip("distributed")
    from qualcode.coding import dask_runs

    monkeypatch.setattr(dask_runs, "CONNECT_TIMEOUT_S", 1)
    before = hand.applications(status=None)
    with pytest.raises(UsageError, match=r"tcp://127\.0\.0\.1:9: cannot reach a Dask scheduler"):
        hand.autocode(cluster="tcp://127.0.0.1:9", progress=False)
    with pytest.raises(UsageError, match="scheduler address"):
        hand.autocode(cluster="my-laptop", progress=False)
    pd.testing.assert_frame_equal(hand.applications(status=None), before)
    assert hand.runs().empty
