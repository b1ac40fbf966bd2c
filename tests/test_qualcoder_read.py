"""QualCoder projects: a small data.qda built here with QualCoder's own table layout."""
from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path

import pytest

from qualcode.errors import ImportFormatError
from qualcode.interop.qualcoder_read import read_qualcoder
from qualcode.interop.refi_read import read_qdpx
from qualcode.interop.refi_write import write_qdpx

# Table layout as QualCoder 3.x creates it (src/qualcoder/__main__.py, create_new_project).
SCHEMA = """
CREATE TABLE project (databaseversion text, date text, memo text, about text, bookmarkfile integer, bookmarkpos integer, codername text);
CREATE TABLE source (id integer primary key, name text, fulltext text, mediapath text, memo text, owner text, date text, av_text_id integer, risid integer, unique(name));
CREATE TABLE code_image (imid integer primary key, id integer, x1 integer, y1 integer, width integer, height integer, cid integer, memo text, date text, owner text, important integer, pdf_page integer);
CREATE TABLE code_av (avid integer primary key, id integer, pos0 integer, pos1 integer, cid integer, memo text, date text, owner text, important integer);
CREATE TABLE annotation (anid integer primary key, fid integer, pos0 integer, pos1 integer, memo text, owner text, date text, unique(fid,pos0,pos1,owner));
CREATE TABLE attribute_type (name text primary key, date text, owner text, memo text, caseOrFile text, valuetype text);
CREATE TABLE attribute (attrid integer primary key, name text, attr_type text, value text, id integer, date text, owner text, unique(name,attr_type,id));
CREATE TABLE case_text (id integer primary key, caseid integer, fid integer, pos0 integer, pos1 integer, owner text, date text, memo text);
CREATE TABLE cases (caseid integer primary key, name text, memo text, owner text, date text, constraint ucm unique(name));
CREATE TABLE code_cat (catid integer primary key, name text, owner text, date text, memo text, supercatid integer, unique(name));
CREATE TABLE code_text (ctid integer primary key, cid integer, fid integer, seltext text, pos0 integer, pos1 integer, owner text, date text, memo text, avid integer, important integer);
CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer, owner text, date text, color text, unique(name));
CREATE TABLE journal (jid integer primary key, name text, jentry text, date text, owner text, unique(name));
"""

TEXT1 = "Q: How was it?\r\nA: The board was supportive.\r\nA: Funding is tight 😀 really.\r\n"
TEXT2 = "Decomposed cafe\u0301 text."
D = "2024-02-03 10:11:12"


def qt_units(text: str, index: int) -> int:
    """UTF-16 position Qt would report for code-point ``index`` (emoji count twice)."""
    return len(text[:index].encode("utf-16-le")) // 2


def make_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / "data.qda")
    conn.executescript(SCHEMA)
    conn.executemany("INSERT INTO source (id, name, fulltext, mediapath, memo, owner, date) VALUES (?,?,?,?,?,?,?)", [
        (1, "Interview A.txt", TEXT1, None, "first interview", "anna", D),
        (2, "Survey.docx", TEXT2, "/docs/Survey.docx", "", "anna", D),
        (3, "photo.png", None, "/images/photo.png", "", "anna", D),
    ])
    conn.executemany("INSERT INTO code_cat (catid, name, owner, date, memo, supercatid) VALUES (?,?,?,?,?,?)", [
        (1, "Issues", "anna", D, "core issues", None), (2, "Finance", "anna", D, "", 1),
    ])
    conn.executemany("INSERT INTO code_name (cid, name, memo, catid, owner, date, color) VALUES (?,?,?,?,?,?,?)", [
        (1, "Governance", "board matters", 1, "anna", D, "#FF0000"), (2, "Funding", "", 2, "anna", D, "#00FF00"), (3, "Misc", "", None, "anna", D, None),
    ])
    board = TEXT1.index("The board was supportive.")
    really = TEXT1.index("really")
    cafe = TEXT2.index("cafe\u0301")
    rows = [
        (1, 1, "The board was supportive.", board, board + 25, "anna", "", None),
        (1, 1, "The board was supportive.", board, board + 25, "ben", "", None),
        (3, 1, "The board was supportive.", board, board + 25, "anna", "check this", None),
        (1, 1, "The board was supportive.", board, board + 25, "anna", "", None),  # exact duplicate
        # Qt counted the emoji as two units, so these positions are one past the code points.
        (2, 1, "really", qt_units(TEXT1, really), qt_units(TEXT1, really) + 6, "ben", "", None),
        (2, 2, "cafe\u0301", cafe, cafe + 5, "anna", "", None),
    ]
    conn.executemany("INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner, memo, avid, date) VALUES (?,?,?,?,?,?,?,?,'" + D + "')", rows)
    conn.execute("INSERT INTO code_image (id, x1, y1, width, height, cid, owner) VALUES (3, 0, 0, 5, 5, 3, 'anna')")
    conn.execute("INSERT INTO cases (caseid, name, memo, owner, date) VALUES (1, 'P01', 'chief executive', 'anna', ?)", (D,))
    conn.executemany("INSERT INTO case_text (caseid, fid, pos0, pos1, owner, date) VALUES (?,?,?,?,?,?)", [
        (1, 1, 0, len(TEXT1), "anna", D), (1, 2, 0, 10, "anna", D),
    ])
    conn.executemany("INSERT INTO attribute_type (name, date, owner, memo, caseOrFile, valuetype) VALUES (?,?,?,?,?,?)", [
        ("role", D, "anna", "", "case", "character"), ("age", D, "anna", "", "case", "numeric"),
        ("wave", D, "anna", "", "file", "character"), ("mood", D, "anna", "", "journal", "character"),
    ])
    conn.executemany("INSERT INTO attribute (name, attr_type, value, id, date, owner) VALUES (?,?,?,?,?,?)", [
        ("role", "case", "CEO", 1, D, "anna"), ("age", "case", "52", 1, D, "anna"), ("wave", "file", "1", 1, D, "anna"), ("wave", "file", "", 2, D, "anna"),
    ])
    funding = TEXT1.index("Funding")
    conn.execute("INSERT INTO annotation (fid, pos0, pos1, memo, owner, date) VALUES (1, ?, ?, 'money worries', 'ben', ?)", (funding, funding + 7, D))
    conn.execute("INSERT INTO journal (name, jentry, date, owner) VALUES ('Day 1', 'Started coding.', ?, 'anna')", (D,))
    conn.commit()
    conn.close()
    return folder


@pytest.fixture
def project(tmp_path):
    return read_qualcoder(make_project(tmp_path / "study.qda"))


def test_codes_and_categories_form_one_tree(project):
    paths = {"/".join(p): c for p, c in project.iter_codes()}
    assert set(paths) == {"Issues", "Issues/Governance", "Issues/Finance", "Issues/Finance/Funding", "Misc"}
    assert paths["Issues"].is_codable is False and paths["Issues/Finance"].is_codable is False
    assert paths["Issues/Governance"].colour == "#ff0000" and paths["Issues/Governance"].description == "board matters"


def test_selections_codings_and_coders(project):
    users = {u.guid: u.name for u in project.users}
    paths = {g: "/".join(p) for g, p in project.code_paths().items()}
    coded = {project.selection_text(s): sorted((paths[c.code_guid], users[c.coder_guid]) for c in s.codings) for s in project.selections if s.codings}
    assert coded == {
        "The board was supportive.": [("Issues/Governance", "anna"), ("Issues/Governance", "ben"), ("Misc", "anna")],
        "really": [("Issues/Finance/Funding", "ben")],  # found although Qt counted the emoji twice
        "café": [("Issues/Finance/Funding", "anna")],
    }
    assert "café" == unicodedata.normalize("NFC", "cafe\u0301")
    assert project.skipped["duplicate QualCoder coding"] == 1
    assert project.counts()["codings"] == 5


def test_texts_are_normalised(project):
    texts = {s.name: s.text for s in project.sources}
    assert texts["Interview A.txt"] == TEXT1.replace("\r\n", "\n")
    assert texts["Survey.docx"] == "Decomposed café text."
    assert {s.name: s.kind for s in project.sources} == {"Interview A.txt": "text", "Survey.docx": "docx"}
    assert project.skipped["QualCoder image/audio/video source"] == 1
    assert project.skipped["QualCoder code_image coding"] == 1


def test_cases_attributes_and_notes(project):
    case = project.cases[0]
    sources = {s.guid: s for s in project.sources}
    assert case.name == "P01" and case.description == "chief executive"
    assert [sources[g].name for g in case.source_guids] == ["Interview A.txt"]
    part = next(s for s in project.selections if s.guid in case.selection_guids)
    assert project.selection_text(part) == "Decomposed"
    variables = {v.guid: v for v in project.variables}
    assert {v.name: (v.type, v.applies_to) for v in variables.values()} == {
        "role": ("category", "case"), "age": ("number", "case"), "wave": ("category", "source")}
    assert {variables[g].name: v for g, v in case.variable_values.items()} == {"role": "CEO", "age": 52.0}
    interview = next(s for s in project.sources if s.name == "Interview A.txt")
    assert {variables[g].name: v for g, v in interview.variable_values.items()} == {"wave": "1"}
    assert project.skipped["QualCoder journal attribute"] == 1
    notes = {n.name: n for n in project.notes}
    assert notes["coding memo"].text == "check this"
    memo_coding = next(c for s in project.selections for c in s.codings if c.guid in notes["coding memo"].targets)
    assert project.code_paths()[memo_coding.code_guid] == ("Misc",)
    annotation = notes["annotation"]
    assert interview.text[annotation.anchor[0]:annotation.anchor[1]] == "Funding"
    assert notes["Day 1"].text == "Started coding." and notes["Day 1"].guid in project.project_note_guids


def test_folder_and_database_file_give_the_same_project(tmp_path):
    folder = make_project(tmp_path / "same.qda")
    a, b = read_qualcoder(folder), read_qualcoder(folder / "data.qda")
    assert [(s.guid, s.start, s.end) for s in a.selections] == [(s.guid, s.start, s.end) for s in b.selections]
    assert a.name == b.name == "same"


def test_exports_to_refi_and_reads_back(tmp_path, project):
    back = read_qdpx(write_qdpx(project, tmp_path / "qc.qdpx"))
    assert back.counts()["codings"] == 5
    assert sorted(back.selection_text(s) for s in back.selections) == sorted(project.selection_text(s) for s in project.selections)


def test_refusals(tmp_path):
    not_db = tmp_path / "junk.qda"
    not_db.mkdir()
    (not_db / "data.qda").write_text("not sqlite at all, just text " * 50)
    with pytest.raises(ImportFormatError, match="junk.qda"):
        read_qualcoder(not_db)
    empty = tmp_path / "empty.qda"
    empty.mkdir()
    sqlite3.connect(empty / "data.qda").execute("CREATE TABLE x (a)").connection.close()
    with pytest.raises(ImportFormatError, match="missing tables source, code_name, code_text"):
        read_qualcoder(empty)
    with pytest.raises(ImportFormatError, match="no data.qda"):
        read_qualcoder(tmp_path)
    bad = make_project(tmp_path / "bad.qda")
    conn = sqlite3.connect(bad / "data.qda")
    conn.execute("INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner) VALUES (1, 2, 'x', 5, 500, 'anna')")
    conn.commit()
    conn.close()
    with pytest.raises(ImportFormatError, match=r"code_text row 7 \[5, 500\) lies outside source 'Survey.docx'"):
        read_qualcoder(bad)
