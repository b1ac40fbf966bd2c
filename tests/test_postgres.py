"""The same project code on PostgreSQL (runs when QUALCODE_TEST_PG_URL names a server
where the user may create databases; ``.ci/run`` starts one when it can)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from qualcode import Project
from qualcode.errors import CodingError, IngestError

PG_URL = os.environ.get("QUALCODE_TEST_PG_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="set QUALCODE_TEST_PG_URL to a PostgreSQL server to run"),
]



def test_a_whole_small_study_on_postgresql(pg_url: str, study_files: Path) -> None:
    project = Project.create(pg_url, title="Team project")
    project.ingest(study_files / "interviews", progress=False)
    project.import_descriptors(study_files / "participants.csv", key="participant")
    project.import_codebook(study_files / "codebook.yaml")
    project.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="anna", weight=4)
    project.code("Mentor-03 wave 1", "Issues/Governance", quote="The board relations improved a lot.", coder="ben")
    project.close()

    reopened = Project.open(pg_url)  # a second team member opens the same database
    assert reopened.title == "Team project"
    ex = reopened.excerpts(code="Impact", where={"role": ["CEO"]})
    assert ex["text"].tolist() == ["I regained that confidence I had lost."]
    assert reopened.applications()["weight"].dropna().tolist() == [4.0]
    assert reopened.rename_code("Issues/Governance", "Board") == "Issues/Board"
    assert reopened.applications(code="Issues/Board")["coder"].tolist() == ["ben"]
    reopened.close()


def test_failed_writes_roll_back_on_postgresql(pg_url: str, study_files: Path, tmp_path: Path) -> None:
    project = Project.create(pg_url)
    project.import_codebook(study_files / "codebook.yaml")
    broken = tmp_path / "in"
    broken.mkdir()
    (broken / "a.txt").write_text("Fine text here.", encoding="utf-8")
    (broken / "b.txt").write_bytes(b"")
    with pytest.raises(IngestError):
        project.ingest(broken, progress=False)
    assert project.sources().empty
    project.ingest(study_files / "interviews", progress=False)
    bad = tmp_path / "codings.csv"
    bad.write_text("source,start,end,code,coder\nCEO-07 wave 1,0,5,Impact,anna\nCEO-07 wave 1,0,999999,Impact,anna\n")
    with pytest.raises(CodingError):
        project.import_codings(bad)
    assert project.applications().empty
    good = tmp_path / "good.csv"
    good.write_text("source,start,end,code,coder,weight\nCEO-07 wave 1,0,9,Impact,anna,2\nCEO-07 wave 1,0,9,Issues,ben,\n")
    assert project.import_codings(good).applications == 2
    assert project.import_codings(good).applications == 0  # ON CONFLICT DO NOTHING on PostgreSQL too
    apps = project.applications()
    assert sorted(apps["coder"]) == ["anna", "ben"] and apps["created_at"].notna().all()
    project.close()


def _frequencies(project: Project):
    return project.frequencies().set_index("code")[["applications", "excerpts", "cases"]].sort_index()


def test_the_demo_study_gives_the_same_numbers_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """The whole demo (ingest, questionnaire, descriptors, codebook, codings, rules,
    agreement, report, REFI-QDA out and back) on PostgreSQL gives the numbers the same
    steps give on SQLite: the two stores are one code path, not two products."""
    import pandas as pd

    from qualcode.demo import DEMO_TITLE, build_demo_project, fill_demo_project

    lite = build_demo_project(tmp_path / "lite")
    pg = fill_demo_project(Project.create(pg_url, title=DEMO_TITLE))
    try:
        assert pg.summary() == {**lite.summary(), "title": pg.summary()["title"]}
        pd.testing.assert_frame_equal(_frequencies(pg), _frequencies(lite))
        pd.testing.assert_frame_equal(pg.crosstab("role").reset_index(drop=True),
                                      lite.crosstab("role").reset_index(drop=True))
        pd.testing.assert_frame_equal(pg.autocode(progress=False).counts, lite.autocode(progress=False).counts)
        assert len(pg.applications(status="suggested")) == len(lite.applications(status="suggested")) > 0
        a_pg, a_lite = pg.agreement("anna,ben"), lite.agreement("anna,ben")
        assert a_pg.pooled["kappa"] == pytest.approx(a_lite.pooled["kappa"])
        assert a_pg.pooled["n_units"] == a_lite.pooled["n_units"] > 0
        pd.testing.assert_frame_equal(pg.evaluate_rules(progress=False).table, lite.evaluate_rules(progress=False).table)
        only_anna = sorted(set(lite.applications(coder="anna")["source"]) - set(lite.applications(coder="ben")["source"]))
        assert only_anna  # ben coded a subset: mark one of anna's other sources as read by him
        for project in (pg, lite):
            assert project.mark_coded(only_anna[:1], coder="ben") == 1
        m_pg, m_lite = pg.agreement("anna,ben"), lite.agreement("anna,ben")
        assert m_pg.pooled["n_units"] == m_lite.pooled["n_units"] > a_lite.pooled["n_units"]
        assert m_pg.pooled["kappa"] == pytest.approx(m_lite.pooled["kappa"])
        written = pg.report(tmp_path / "pg-report")
        assert written.xlsx.stat().st_size > 0 and written.html.read_text(encoding="utf-8").count("<table") > 5
        pg.export_qdpx(tmp_path / "pg.qdpx")
        back = Project.create(tmp_path / "back.qcproj")
        back.import_qdpx(tmp_path / "pg.qdpx")
        pd.testing.assert_frame_equal(_frequencies(back), _frequencies(pg))
        back.close()
    finally:
        pg.close()
        lite.close()


def test_counts_kept_between_calls_see_another_members_write(pg_url: str, study_files: Path) -> None:
    """The frames a count keeps are keyed on the project's change counter, which every
    write raises in the database: a colleague's coding shows in the next count."""
    project = Project.create(pg_url, title="Team project")
    project.ingest(study_files / "interviews", progress=False)
    project.import_descriptors(study_files / "participants.csv", key="participant")
    project.import_codebook(study_files / "codebook.yaml")
    project.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="anna")
    first = project.frequencies().set_index("code")
    assert first.loc["Impact/Confidence", "excerpts"] == 1 and first.loc["Issues/Governance", "excerpts"] == 0
    colleague = Project.open(pg_url)
    colleague.code("Mentor-03 wave 1", "Issues/Governance", quote="The board relations improved a lot.", coder="ben")
    colleague.close()
    second = project.frequencies().set_index("code")
    assert second.loc["Issues/Governance", "excerpts"] == 1 and second.loc["Issues/Governance", "cases"] == 1
    assert second.loc["Impact/Confidence", "excerpts"] == 1
    project.close()


def test_the_readmes_postgresql_commands_work_as_written(pg_url: str, study_files: Path) -> None:
    """README: ``qualcode --project postgresql://… init``, then commands on that URL."""
    from click.testing import CliRunner

    from qualcode.cli import cli

    runner = CliRunner()
    created = runner.invoke(cli, ["--project", pg_url, "init", "--title", "Team"], env={"QUALCODE_PROJECT": None})
    assert created.exit_code == 0, created.output
    ingested = runner.invoke(cli, ["--project", pg_url, "ingest", str(study_files / "interviews")])
    assert ingested.exit_code == 0, ingested.output
    with Project.open(pg_url) as project:
        assert project.title == "Team"
        assert sorted(project.sources()["source"]) == ["CEO-07 wave 1", "Mentor-03 wave 1"]


def test_source_management_and_coded_sheets_on_postgresql(pg_url: str, study_files: Path, tmp_path: Path) -> None:
    """Issue 17: sources link/set/remove and a two-coder coded sheet, on PostgreSQL."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "data" / "coded_sheets"))
    import make_coded_sheets as cs

    project = Project.create(pg_url)
    project.ingest(study_files / "interviews", progress=False)
    report = project.link_sources(pattern=r"^(?P<case>[A-Za-z]+-\d+) wave")
    assert sorted(report.linked) == [("CEO-07 wave 1", "CEO-07"), ("Mentor-03 wave 1", "Mentor-03")]
    project.set_source("CEO-07 wave 1", wave="2", descriptors={"role": "CEO"})
    sheets = cs.write_all(tmp_path / "sheets")
    sheet = project.import_coded_sheets([sheets["KM"], sheets["JO"]], coders=["KM", "JO"], dedupe="keep-first",
                                        id_column="Response ID", text_column="Q7*")
    assert sheet.applications == {"KM": 17, "JO": 16}
    assert project.agreement(["KM", "JO"], unit="answer").pooled["n_units"] == 14
    removed = project.remove_sources(["q7-open-answers 1004"])
    assert removed.counts["codings"] == 3  # KM, JO and the question code
    project.close()
