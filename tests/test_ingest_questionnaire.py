"""Questionnaires: typed closed answers, open answers as coded text, and bad sheets."""
from __future__ import annotations

import importlib.util
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from qualcode.errors import IngestError
from qualcode.ingest.readers.questionnaire import detect_type
from qualcode.ingest.registry import read_path

DATA = Path(__file__).parent / "data" / "ingest"
spec = importlib.util.spec_from_file_location("ingest_make_fixtures", DATA / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_fixtures)


def types(record):
    return {q.column: q.type for q in record.questions}


def test_csv_types_detected_and_rows_become_responses():
    record = read_path(DATA / "questionnaire.csv", key_column="respondent", invited=10).questionnaire
    assert record.name == "questionnaire" and record.key_column == "respondent" and record.invited == 10
    assert types(record) == {
        "respondent": "key", "role": "category", "wave": "category", "confidence": "scale",
        "governance": "scale", "objective_1": "rating", "mentor_again": "boolean",
        "years_in_post": "number", "best_thing": "open", "improve": "open",
    }
    confidence = next(q for q in record.questions if q.column == "confidence")
    assert confidence.levels == ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
    first, second, third, fourth = record.responses
    assert (first.name, first.case, first.wave, first.kind) == ("questionnaire R01", "R01", "1", "questionnaire")
    assert first.answers == {
        "role": "CEO", "wave": "1", "confidence": "Agree", "governance": "Strongly agree", "objective_1": 8.0,
        "mentor_again": True, "years_in_post": 3.5,
    }
    assert first.text == (
        "best_thing\nHaving someone outside the organisation to think aloud with, without judgement.\n\n"
        "improve\nMore meetings face to face"
    )
    assert [(s.kind, s.question, first.text[s.start:s.end]) for s in first.segments] == [
        ("answer", "best_thing", "Having someone outside the organisation to think aloud with, without judgement."),
        ("answer", "improve", "More meetings face to face"),
    ]
    assert second.text == "" and second.segments == [] and second.answers["mentor_again"] is False
    # "N/A" is no answer: no segment for it.
    assert [s.question for s in fourth.segments] == ["best_thing"]
    assert third.wave == "2"


def test_key_column_found_by_name_when_not_given():
    assert read_path(DATA / "questionnaire.csv").questionnaire.key_column == "respondent"


def test_xlsx_with_questions_and_about_sheets(tmp_path):
    path = tmp_path / "survey wave 1.xlsx"
    make_fixtures.write_questionnaire_xlsx(path)
    record = read_path(path).questionnaire
    assert record.key_column == "participant"  # declared as the key in the questions sheet
    assert record.invited == 6 and record.invited_by_group == {"role": {"CEO": 4, "Mentor": 2}}
    assert record.meta == {"title": "Mentoring survey 2025"}
    conf = next(q for q in record.questions if q.column == "conf_1")
    assert (conf.type, conf.battery, conf.question) == ("scale", "Confidence", "I feel confident leading my organisation")
    assert conf.levels == ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
    assert types(record)["online"] == "boolean"  # not in the dictionary: detected
    ceo1, ceo2, mentor = record.responses
    assert ceo2.answers["conf_1"] == "Strongly agree"  # "strongly agree" matched case-insensitively
    assert ceo2.text == (
        "How has mentoring helped you?\nMy mentor challenged me on governance.\nWe changed the board.\n\n"
        "What would you change?\nNothing."
    )
    assert [s.question for s in ceo2.segments] == ["helped", "change"]
    assert mentor.answers == {"role": "Mentor", "wave": "1", "conf_1": None, "obj_strategy": None, "online": True}
    # The wave column wins over the file name's "wave 1".
    assert [r.wave for r in record.responses] == ["1", "2", "1"]
    assert record.responses[0].meta["row"] == 2


def test_invited_argument_overrides_about_sheet(tmp_path):
    path = tmp_path / "s.xlsx"
    make_fixtures.write_questionnaire_xlsx(path)
    assert read_path(path, invited=50).questionnaire.invited == 50


def test_missing_key_column_names_file_and_columns():
    with pytest.raises(IngestError) as info:
        read_path(DATA / "questionnaire.csv", key_column="participant_id")
    message = str(info.value)
    assert "questionnaire.csv" in message and "participant_id" in message
    assert "respondent, role, wave" in message and "\n" not in message


def test_no_key_column_at_all(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("role,score\nCEO,5\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"q\.csv: no key column found.*role, score"):
        read_path(path)


def test_duplicate_keys_name_the_rows(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,score\nA,1\nB,2\nA,3\nC,4\nA,5\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"dup\.csv: key 'A' appears in rows 2, 4, 6 of column 'id'"):
        read_path(path)


def test_scale_value_not_among_levels_names_row_and_column(tmp_path):
    path = tmp_path / "s.xlsx"
    rows = list(make_fixtures.RESPONSE_ROWS)
    rows[2] = ("CEO-02", "CEO", 2, "Totally", 9, None, None, "no")
    make_fixtures.write_questionnaire_xlsx(path, responses=rows)
    with pytest.raises(IngestError, match=r"s\.xlsx: row 3, column 'conf_1': 'Totally' is not one of the scale's levels"):
        read_path(path)


def test_rating_that_is_not_a_number(tmp_path):
    path = tmp_path / "s.xlsx"
    rows = list(make_fixtures.RESPONSE_ROWS)
    rows[3] = ("Mentor-01", "Mentor", 1, None, "eight", None, None, "yes")
    make_fixtures.write_questionnaire_xlsx(path, responses=rows)
    with pytest.raises(IngestError, match=r"row 4, column 'obj_strategy': 'eight' is not a number"):
        read_path(path)


def test_empty_responses_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    make_fixtures.write_questionnaire_xlsx(path, responses=[make_fixtures.RESPONSE_ROWS[0]])
    with pytest.raises(IngestError, match=r"empty\.xlsx: the 'responses' sheet has no responses"):
        read_path(path)
    blank = tmp_path / "blank.csv"
    blank.write_text("id,score\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no responses"):
        read_path(blank)


def test_corrupt_xlsx_is_one_line_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 definitely not a workbook")
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert "broken.xlsx" in str(info.value) and "\n" not in str(info.value)


def test_unknown_dictionary_type_and_unknown_column(tmp_path):
    path = tmp_path / "s.xlsx"
    questions = list(make_fixtures.QUESTION_ROWS) + [("role", "colour", "", "", "")]
    make_fixtures.write_questionnaire_xlsx(path, questions=questions)
    with pytest.raises(IngestError, match=r"questions sheet row 9: unknown type 'colour'"):
        read_path(path)
    questions = list(make_fixtures.QUESTION_ROWS) + [("age", "number", "", "", "")]
    make_fixtures.write_questionnaire_xlsx(path, questions=questions)
    with pytest.raises(IngestError, match=r"describes column\(s\) age"):
        read_path(path)


def test_xlsx_typed_cells_dates_and_booleans(tmp_path):
    path = tmp_path / "typed.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [("id", "joined", "active", "score"), ("a", datetime(2024, 5, 1), True, 3.5),
                ("b", datetime(2024, 6, 2), False, 12), ("c", None, True, 7)]:
        sheet.append(list(row))
    book.save(str(path))
    record = read_path(path).questionnaire
    assert types(record) == {"id": "key", "joined": "date", "active": "boolean", "score": "number"}
    assert record.responses[0].answers == {"joined": date(2024, 5, 1), "active": True, "score": 3.5}
    assert record.responses[2].answers["joined"] is None


def test_semicolon_csv_in_cp1252(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("id;comment\nx1;Très bien – merci pour tout le travail accompli cette année\n".encode("cp1252"))
    record = read_path(path).questionnaire
    assert types(record)["comment"] == "open"
    assert record.responses[0].text.endswith("Très bien – merci pour tout le travail accompli cette année")


@pytest.mark.parametrize(
    "column, values, expected",
    [
        ("q", ["yes", "No", "YES"], "boolean"),
        ("q", [1, 5, 10, 0], "rating"),
        ("q", ["7", "3"], "rating"),
        ("q", [1, 2, 11], "number"),
        ("q", [2.5, 3], "number"),
        ("wave", [1, 2, 1], "category"),
        ("q", ["Often", "never", "Always"], "scale"),
        ("q", ["North", "South", "North", "East", "North", "South"], "category"),
        ("q", ["Alpha Ltd", "Beta Trust", "Gamma CIC"], "text"),
        ("q", ["It changed how I run board meetings and plan the year ahead."], "open"),
        ("q", [], "text"),
    ],
)
def test_detect_type(column, values, expected):
    assert detect_type(column, values)[0] == expected


def test_row_numbers_are_excel_rows_when_the_table_starts_lower(tmp_path):
    path = tmp_path / "offset.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"] = "id", "score"
    sheet["B4"], sheet["C4"] = "a", 5
    sheet["B5"], sheet["C5"] = "a", 6
    book.save(str(path))
    with pytest.raises(IngestError, match=r"key 'a' appears in rows 4, 5 of column 'id'"):
        read_path(path)


def test_empty_unlabelled_columns_are_ignored(tmp_path):
    path = tmp_path / "offset.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["E3"] = "id", "score", "note"
    sheet["B4"], sheet["C4"], sheet["D4"] = "a", 5, "stray"
    book.save(str(path))
    record = read_path(path).questionnaire
    assert [q.column for q in record.questions] == ["id", "score", "column 4", "note"]
    assert record.responses[0].answers == {"score": 5.0, "column 4": "stray", "note": None}
