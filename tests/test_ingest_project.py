"""Ingest into a project: one transaction, hash no-ops, questionnaires, case linking."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qualcode import Project
from qualcode.errors import IngestError


def _questionnaire(path: Path, rows: list[list[object]], invited: int | None = 10) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "responses"
    ws.append(["respondent", "role", "wave", "conf", "marks", "open_change"])
    for row in rows:
        ws.append(row)
    q = wb.create_sheet("questions")
    q.append(["column", "type", "question", "battery", "levels"])
    q.append(["respondent", "key", "Respondent", "", ""])
    q.append(["role", "category", "Your role", "", ""])
    q.append(["wave", "category", "Wave", "", ""])
    q.append(["conf", "scale", "I feel more confident", "Confidence", "Disagree;Neutral;Agree"])
    q.append(["marks", "rating", "Marks out of ten for the programme", "", ""])
    q.append(["open_change", "open", "What has changed for you?", "", ""])
    if invited is not None:
        about = wb.create_sheet("about")
        about.append(["key", "value"])
        about.append(["invited", invited])
    wb.save(path)
    return path


ROWS = [
    ["R1", "CEO", 1, "Agree", 8, "I speak up at board meetings now."],
    ["R2", "CEO", 2, "Neutral", 6, None],
    ["R3", "Mentor", 1, "Disagree", None, "Hard to say. Maybe more patience."],
]


def test_questionnaire_becomes_cases_responses_and_coded_answers(project: Project, tmp_path: Path) -> None:
    report = project.ingest(_questionnaire(tmp_path / "survey.xlsx", ROWS), kind="questionnaire", key_column="respondent")
    assert report.responses == 3
    summary = project.summary()
    assert (summary["questionnaire_responses"], summary["invited"]) == (3, 10)
    assert summary["response_rate"] == pytest.approx(0.3)
    responses = project.responses().set_index("case")
    assert responses.loc["R1", "marks"] == 8.0 and pd.isna(responses.loc["R3", "marks"])
    assert list(responses["conf"].cat.categories) == ["Disagree", "Neutral", "Agree"]
    assert responses.loc["R2", "wave"] == "2"
    descriptors = project.descriptors().set_index("case")
    assert descriptors.loc["R3", "role"] == "Mentor"
    answers = project.excerpts(code="Questionnaire")
    assert sorted(answers["text"]) == ["Hard to say. Maybe more patience.", "I speak up at board meetings now."]
    assert set(answers["case"]) == {"R1", "R3"}
    code = project.codes().set_index("path").loc["Questionnaire/survey/open_change"]
    assert "What has changed for you?" in code["description"]
    again = project.ingest(tmp_path / "survey.xlsx", kind="questionnaire", key_column="respondent")
    assert again.responses == 0 and again.skipped == ["survey"]


def test_questionnaire_bad_input_changes_nothing(project: Project, tmp_path: Path) -> None:
    path = _questionnaire(tmp_path / "dupes.xlsx", ROWS + [["R1", "CEO", 1, "Agree", 3, "again"]])
    with pytest.raises(IngestError, match="R1"):
        project.ingest(path, kind="questionnaire", key_column="respondent")
    with pytest.raises(IngestError, match="respondent_id"):
        project.ingest(_questionnaire(tmp_path / "ok.xlsx", ROWS), kind="questionnaire", key_column="respondent_id")
    assert project.sources().empty and project.codes().empty and project.descriptors().empty


def test_a_corrupt_file_in_a_folder_leaves_the_project_unchanged(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a good one.txt").write_text("Interviewer: Hi\n\nCEO-01: Hello there.\n", encoding="utf-8")
    (folder / "z broken.docx").write_bytes(b"PK\x03\x04 this is not really a docx")
    with pytest.raises(IngestError, match="z broken.docx"):
        project.ingest(folder, progress=False)
    assert project.sources().empty
    assert project.segments().empty


def test_reingest_is_a_no_op_and_name_clash_is_an_error(project: Project, tmp_path: Path) -> None:
    first = tmp_path / "one" / "notes.txt"
    first.parent.mkdir()
    first.write_text("Some notes about the visit.", encoding="utf-8")
    assert project.ingest(first).added == ["notes"]
    assert project.ingest(first).skipped == ["notes"]
    other = tmp_path / "two" / "notes.txt"
    other.parent.mkdir()
    other.write_text("Different notes.", encoding="utf-8")
    with pytest.raises(IngestError, match="--name"):
        project.ingest(other)
    assert project.ingest(other, name="notes 2").added == ["notes 2"]
    assert sorted(project.sources()["source"]) == ["notes", "notes 2"]


def test_sources_link_to_cases_by_name_in_either_order(project: Project, tmp_path: Path, study_files: Path) -> None:
    project.import_descriptors(study_files / "participants.csv", key="participant")
    project.ingest(study_files / "interviews", progress=False)
    assert dict(zip(project.sources()["source"], project.sources()["case"])) == {
        "CEO-07 wave 1": "CEO-07", "Mentor-03 wave 1": "Mentor-03",
    }
    segments = project.segments("CEO-07 wave 1")
    text = project.source_text("CEO-07 wave 1")
    turns = segments[segments["kind"] == "turn"]
    assert set(turns["speaker"]) == {"Interviewer", "CEO-07"}
    for row in turns.itertuples():
        assert text[row.start:row.end].strip()
