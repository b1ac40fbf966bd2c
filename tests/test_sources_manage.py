"""Fixing sources after ingest (issue 17, item 3): rename, set case/wave/descriptors,
remove with codings, link to cases by pattern or mapping, naming what did not link."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.cli import cli
from qualcode.errors import NotFoundError, UsageError

TRANSCRIPT = "Interviewer: How did the mentoring go?\n\n{p}: It helped me with the board. I felt more confident by spring.\n"


@pytest.fixture
def study(tmp_path: Path) -> Project:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for p in ("P01", "P02", "P03", "P11"):
        (folder / f"Study_{p}_Transcript.txt").write_text(TRANSCRIPT.format(p=p), encoding="utf-8")
    (folder / "Study-P04-transcript.txt").write_text(TRANSCRIPT.format(p="P04"), encoding="utf-8")
    (folder / "Team meeting notes.txt").write_text("Notes: recruitment is slow in the north.\n", encoding="utf-8")
    project = Project.create(tmp_path / "study.qcproj")
    project.ingest(folder)
    project.add_code("Impact/Confidence")
    for p in ("P01", "P02"):
        project.code(f"Study_{p}_Transcript", "Impact/Confidence", quote="I felt more confident", coder="anna")
        project.code(f"Study_{p}_Transcript", "Impact/Confidence", quote="It helped me with the board", coder="ben")
    project.add_memo("Check the consent form", on="source", target="Study_P01_Transcript")
    yield project
    project.close()


def dump(project: Project) -> list[str]:
    """Every row of the project but the change counter (a write transaction that changes
    nothing may still raise it: it only tells cached frames to read again)."""
    conn = sqlite3.connect(project.target)
    try:
        return [line for line in conn.iterdump() if "VALUES('revision'" not in line]
    finally:
        conn.close()


def cases_of(project: Project) -> dict[str, str | None]:
    s = project.sources()
    return {r.source: (None if pd.isna(r.case) else r.case) for r in s.itertuples()}


def test_link_by_pattern_names_the_sources_that_did_not_link(study):
    report = study.link_sources(pattern=r"Study_(?P<case>P\d+)_")
    assert sorted(report.linked) == [("Study_P01_Transcript", "P01"), ("Study_P02_Transcript", "P02"),
                                     ("Study_P03_Transcript", "P03"), ("Study_P11_Transcript", "P11")]
    assert sorted(report.not_linked) == ["Study-P04-transcript", "Team meeting notes"]
    assert any("did not link: 'Study-P04-transcript', 'Team meeting notes'" in line for line in report.lines())
    assert cases_of(study)["Study_P11_Transcript"] == "P11"  # not P1: the whole group
    assert report.cases_created == ["P01", "P02", "P03", "P11"]


def test_dry_run_and_existing_cases_change_nothing(study):
    before = dump(study)
    report = study.link_sources(pattern=r"Study[_-](P\d+)[_-]", dry_run=True)
    assert len(report.linked) == 5 and dump(study) == before
    report = study.link_sources(pattern=r"Study[_-](P\d+)[_-]", create_cases=False)
    assert report.linked == [] and len(report.not_linked) == 6 and dump(study) == before


def test_link_by_mapping_file_and_relink(study, tmp_path):
    study.link_sources(pattern=r"Study_(?P<case>P\d+)_")
    mapping = tmp_path / "map.csv"
    mapping.write_text("source,participant\nStudy-P04-transcript,P04\nStudy_P11_Transcript,P01\n", encoding="utf-8")
    report = study.link_sources(mapping=mapping)
    assert report.linked == [("Study-P04-transcript", "P04")]
    assert report.kept == [("Study_P11_Transcript", "P11", "P01")]
    assert report.not_linked == ["Team meeting notes"]
    report = study.link_sources(mapping=mapping, relink=True)
    assert report.linked == [("Study_P11_Transcript", "P01")]
    assert cases_of(study)["Study_P11_Transcript"] == "P01"
    bad = tmp_path / "bad.csv"
    bad.write_text("source,case\nStudy_P99_Transcript,P99\n", encoding="utf-8")
    with pytest.raises(UsageError, match="'Study_P99_Transcript'"):
        study.link_sources(mapping=bad)


def test_a_pattern_without_a_group_or_that_hangs_is_a_one_line_error(study):
    with pytest.raises(UsageError, match="no group for the case name"):
        study.link_sources(pattern=r"Study_P\d+")
    with pytest.raises(UsageError, match="not a valid regular expression"):
        study.link_sources(pattern=r"Study_(P\d+")
    study.rename_source("Team meeting notes", "a" * 40 + "b")
    before = dump(study)
    with pytest.raises(UsageError, match="took more than 1 s on source 'aaaa"):
        study.link_sources(pattern=r"(?P<case>(a|aa)+)+c")
    assert dump(study) == before


def test_remove_counts_the_codings_and_dry_run_keeps_them(study):
    before = dump(study)
    dry = study.remove_sources("Study_P01_Transcript", dry_run=True)
    # By hand: anna and ben each coded one passage of P01 -> 2 codings on 2 excerpts.
    assert (dry.counts["codings"], dry.counts["excerpts"], dry.counts["memos"]) == (2, 2, 1)
    assert "would remove 1 source(s)" in dry.lines()[0] and dump(study) == before
    done = study.remove_sources(["Study_P01_Transcript"])
    assert "removed 1 source(s) ('Study_P01_Transcript') with 2 coding(s) on 2 excerpt(s), 1 memo(s)" in done.lines()[0]
    assert study.memos().empty
    assert "Study_P01_Transcript" not in set(study.sources()["source"])
    apps = study.applications()
    assert len(apps) == 2 and set(apps["source"]) == {"Study_P02_Transcript"}
    with pytest.raises(NotFoundError):
        study.remove_sources("Study_P01_Transcript")


def test_rename_and_set_case_wave_descriptors(study):
    assert study.rename_source("Study_P02_Transcript", "P02 interview") == "renamed 'Study_P02_Transcript' to 'P02 interview'"
    assert len(study.applications().query("source == 'P02 interview'")) == 2
    with pytest.raises(UsageError, match="already in the project"):
        study.rename_source("P02 interview", "Study_P03_Transcript")
    study.set_source("P02 interview", case="P02", wave="2", descriptors={"role": "CEO"})
    row = study.sources().set_index("source").loc["P02 interview"]
    assert (row["case"], row["wave"]) == ("P02", "2")
    d = study.descriptors()
    assert d.set_index(d.columns[0]).loc["P02", "role"] == "CEO"
    study.set_source("P02 interview", case=None, wave=None)
    assert cases_of(study)["P02 interview"] is None
    with pytest.raises(UsageError, match="belongs to no case"):
        study.set_source("P02 interview", descriptors={"role": "Mentor"})


def test_reingest_with_a_new_name_says_how_to_rename(tmp_path, study):
    again = tmp_path / "again.txt"
    again.write_text(TRANSCRIPT.format(p="P03"), encoding="utf-8")
    report = study.ingest(again, name="P03 interview")
    assert "qualcode sources rename 'Study_P03_Transcript' 'P03 interview'" in report.summary()


def test_cli(study, tmp_path):
    target = study.target
    study.close()
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        runner = CliRunner()
        out = runner.invoke(cli, ["--project", target, "sources", "link", "--pattern", r"Study_(?P<case>P\d+)_"]).output
        assert "linked 4 source(s) to cases" in out and "2 source(s) did not link" in out
        out = runner.invoke(cli, ["--project", target, "sources", "remove", "Study_P02_Transcript", "--dry-run"]).output
        assert "would remove 1 source(s) ('Study_P02_Transcript') with 2 coding(s)" in out
        out = runner.invoke(cli, ["--project", target, "sources", "set", "Study-P04-transcript", "--case", "P04",
                                  "--wave", "1", "--descriptor", "role=Mentor"]).output
        assert "case 'P04' (new), wave 1, role=Mentor" in out
        out = runner.invoke(cli, ["--project", target, "sources", "rename", "Study-P04-transcript", "P04 interview"]).output
        assert "renamed" in out
        listing = runner.invoke(cli, ["--project", target, "sources", "--format", "csv"]).output
        assert "P04 interview,transcript,P04,1" in listing
    finally:
        os.chdir(old)
