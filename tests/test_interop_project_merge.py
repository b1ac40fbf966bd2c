"""Merging a coder's copy into the master project (issue 7): two projects built from the
same files, coded by different people. Expected results are written out by hand."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.errors import UsageError

BOARD = """Interviewer: How has it gone?

CEO-07: The board was difficult at first. Funding is the big worry.

Interviewer: And now?

CEO-07: I feel more confident with the trustees.
"""
MENTOR = """Interviewer: What did you notice?

Mentor-03: She found her voice with the trustees.
"""
EXTRA = "A note only the coder's copy has.\n"

CODEBOOK = """codebook: merge
codes:
  - name: Issues
    children:
      - name: Governance
      - name: Funding
  - name: Impact
    children:
      - name: Confidence
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "CEO-07.txt").write_text(BOARD, encoding="utf-8")
    (folder / "Mentor-03.txt").write_text(MENTOR, encoding="utf-8")
    (folder / "extra.txt").write_text(EXTRA, encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    return folder


@pytest.fixture
def pair(tmp_path: Path, files: Path) -> tuple[Project, Project]:
    master = Project.create(tmp_path / "master.qcproj")
    master.ingest(files / "CEO-07.txt", files / "Mentor-03.txt", progress=False)
    master.import_codebook(files / "codebook.yaml")
    master.code("CEO-07", "Issues/Governance", quote="The board was difficult at first.", coder="anna", weight=2)
    master.code("CEO-07", "Issues/Funding", quote="Funding is the big worry.", coder="anna")

    # The coder's copy: same files ingested in another order, one under another name, and one file more.
    copy = Project.create(tmp_path / "copy.qcproj")
    copy.ingest(files / "Mentor-03.txt", progress=False, name="mentor interview")
    copy.ingest(files / "CEO-07.txt", files / "extra.txt", progress=False)
    copy.import_codebook(files / "codebook.yaml")
    copy.add_code("Impact/Trustees", description="Relations with the board")
    copy.code("CEO-07", "Issues/Governance", quote="The board was difficult at first.", coder="anna", weight=4)  # conflict
    copy.code("CEO-07", "Issues/Funding", quote="Funding is the big worry.", coder="anna")  # already in master
    copy.code("CEO-07", "Issues/Governance", quote="The board was difficult at first.", coder="ben")  # new
    copy.code("CEO-07", "Impact/Confidence", quote="I feel more confident with the trustees.", coder="ben", weight=3)  # new
    mentor_excerpt = copy.code("mentor interview", "Impact/Trustees", quote="She found her voice with the trustees.",
                               coder="ben")  # new, on a code master lacks, source named differently
    copy.code("extra", "Impact", quote="A note only", coder="ben")  # source missing in master
    copy.add_memo("Strong example of growing confidence.", on="excerpt", target=mentor_excerpt, author="ben")
    yield master, copy
    master.close()
    copy.close()


def codings(project: Project) -> set[tuple[str, str, str, str, float | None]]:
    a = project.applications(status=None)
    return {(r.source, project.source_text(r.source)[r.start:r.end], r.code, r.coder,
             None if r.weight != r.weight else r.weight) for r in a.itertuples()}


def test_merge_brings_new_codings_and_reports_conflicts(pair):
    master, copy = pair
    report = master.merge_project(copy.target)

    assert codings(master) == {
        ("CEO-07", "The board was difficult at first.", "Issues/Governance", "anna", 2.0),  # master's weight kept
        ("CEO-07", "Funding is the big worry.", "Issues/Funding", "anna", None),
        ("CEO-07", "The board was difficult at first.", "Issues/Governance", "ben", None),
        ("CEO-07", "I feel more confident with the trustees.", "Impact/Confidence", "ben", 3.0),
        ("Mentor-03", "She found her voice with the trustees.", "Impact/Trustees", "ben", None),
    }
    assert report.applications_in_other == 6
    assert report.applications_added == 3
    assert report.applications_present == 2
    assert report.applications_skipped == 1 and report.sources_missing == ["extra"]
    assert report.excerpts_added == 2  # "I feel more confident…" and the mentor's sentence
    assert report.codes_created == ["Impact/Trustees"]
    assert master.codes().set_index("path").loc["Impact/Trustees", "description"] == "Relations with the board"
    assert report.coders_added == ["ben"]
    assert len(report.conflicts) == 1
    c = report.conflicts[0]
    assert (c["code"], c["coder"], c["weight_here"], c["weight_other"]) == ("Issues/Governance", "anna", 2.0, 4.0)
    memos = master.memos()
    mentor = master.excerpts(source="Mentor-03").loc[0, "excerpt_id"]
    assert list(zip(memos["target"], memos["target_id"], memos["text"])) == [
        ("excerpt", mentor, "Strong example of growing confidence.")]
    assert any("extra" in w and "ingest" in w for w in report.warnings)


def test_merging_twice_adds_nothing(pair):
    master, copy = pair
    master.merge_project(copy.target)
    before = codings(master), len(master.memos()), len(master.codes())
    again = master.merge_project(copy.target)
    assert (again.applications_added, again.excerpts_added, again.memos_added, again.codes_created) == (0, 0, 0, [])
    assert (codings(master), len(master.memos()), len(master.codes())) == before


def test_merge_one_coder_only(pair):
    master, copy = pair
    report = master.merge_project(copy.target, coder="anna")
    assert report.applications_in_other == 2 and report.applications_added == 0 and report.applications_present == 2
    assert set(master.applications()["coder"]) == {"anna"}
    with pytest.raises(UsageError, match="no applications by coder 'zoe'"):
        master.merge_project(copy.target, coder="zoe")


def test_merge_brings_the_sources_a_coder_read_and_left_uncoded(pair):
    """ben read the mentor interview in his copy and marked it done; merged, agreement in
    the master counts it for him (a source named differently there, matched by content)."""
    master, copy = pair
    copy.mark_coded(["mentor interview", "extra"], coder="carl")  # carl: no codings at all, only marks
    report = master.merge_project(copy.target)
    assert report.marks_added == 1  # "extra" is not in the master
    assert "1 source newly marked coded" in report.summary()
    marks = master.coverage()
    assert marks[marks["marked"]][["source", "coder"]].values.tolist() == [["Mentor-03", "carl"]]
    assert master.merge_project(copy.target).marks_added == 0  # merging again adds nothing
    only_anna = master.merge_project(copy.target, coder="anna")
    assert only_anna.marks_added == 0


def test_merge_into_itself_is_refused(pair):
    master, _ = pair
    with pytest.raises(UsageError, match="into itself"):
        master.merge_project(master.target)


def test_merge_command(pair):
    from qualcode.cli import cli

    master, copy = pair
    result = CliRunner().invoke(cli, ["-p", master.target, "merge", copy.target])
    assert result.exit_code == 0, result.output
    assert "3 codings added on 2 new excerpts, 2 already present, 1 code created" in result.stdout
    assert "conflict" in result.stderr and "Issues/Governance by anna" in result.stderr
