"""Damaged and hostile files (issue 20): each gives one line naming the file and what to
do, takes little time and memory, and leaves the project as it was.

The hand-made files here are the cases the issue lists; ``test_fuzz_readers.py`` covers
the rest by mutation.
"""
from __future__ import annotations

import io
import sqlite3
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from fuzz_targets import CODEBOOK_CSV, seed_codebook_xlsx, seed_docx
from qualcode import Project
from qualcode.cli import cli
from qualcode.errors import CodebookError, DescriptorError, ExportError, ImportFormatError, IngestError
from qualcode.ingest.registry import read_path
from test_dedoose_read import TEXT1, rows
from test_qualcoder_read import make_project
from test_refi_read import C_GOV, S1, U_ANNA, make_qdpx, project_xml
from unchanged import project_rows


def state(project: Project) -> list[str]:
    """What a failed command must not change: every row of the project."""
    return project_rows(project)


def one_line(error: pytest.ExceptionInfo, *needles: str) -> str:
    message = str(error.value)
    assert "\n" not in message, message
    for needle in needles:
        assert needle in message, (needle, message)
    return message


# ----------------------------------------------------------------- YAML bombs

BOMB = "".join(f'      {c}: &{c} [{", ".join([f"*{p}"] * 9)}]\n' for p, c in zip("abcdefgh", "bcdefghi"))


def test_yaml_alias_bomb_in_examples_is_refused_quickly(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text("codebook: bomb\ncodes:\n  - name: Impact\n    examples:\n"
                    "      - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB.replace("      ", "      - ", 1)
                    .replace("\n      ", "\n      - ") + "      - *i\n", encoding="utf-8")
    before = state(project)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(CodebookError) as error:
        project.import_codebook(path)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    one_line(error, "codebook.yaml", "alias")
    assert elapsed < 5 and peak < 50 * 1024**2  # before: 150 s and 5 GB, then MemoryError
    assert state(project) == before


def test_yaml_alias_bomb_in_a_description_is_refused(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text("defs:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB.replace("      ", "  ")
                    + "codebook: bomb\ncodes:\n  - name: Impact\n    description: *i\n", encoding="utf-8")
    before = state(project)
    with pytest.raises(CodebookError) as error:
        project.import_codebook(path)
    one_line(error, "codebook.yaml:", "alias bomb")
    assert state(project) == before


def test_yaml_nested_400_levels_is_an_error_not_a_recursion_error(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("codebook: deep\ncodes:\n  - name: A\n    description: " + "[" * 400 + "]" * 400 + "\n", encoding="utf-8")
    before = state(project)
    with pytest.raises(CodebookError) as error:
        project.import_codebook(path)
    one_line(error, "deep.yaml:4", "nested more than 100 levels")
    assert state(project) == before


def test_a_codebook_reusing_a_block_with_an_alias_still_reads(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text("codebook: ok\ncodes:\n  - name: Impact\n    weight: &w {min: 1, max: 5}\n"
                    "  - name: Issues\n    weight: *w\n", encoding="utf-8")
    assert project.import_codebook(path)["codes_added"] == 2


@pytest.mark.parametrize("body, needle", [
    ("defs:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB.replace("      ", "  ") + "model: bomb\nelements: *i\n",
     "alias bomb"),
    ("model: deep\nelements: " + "[" * 400 + "]" * 400 + "\n", "nested more than 100 levels"),
], ids=["alias bomb", "400 levels"])
def test_an_impact_model_yaml_is_bounded_too(tmp_path: Path, body: str, needle: str) -> None:
    """The other YAML a user gives qualcode (``qualcode impact MODEL.yaml``) has the same limits."""
    from qualcode.impact.model import ImpactModelError, read_model

    path = tmp_path / "model.yaml"
    path.write_text(body, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ImpactModelError) as error:
        read_model(path)
    assert time.perf_counter() - started < 5
    one_line(error, "model.yaml:", needle)


# ---------------------------------------------------------------- zip bombs

def _docx_with_padding(tmp_path: Path, megabytes: int) -> bytes:
    """The interview .docx with ``megabytes`` of whitespace inside document.xml: a 1 MB file."""
    seed = seed_docx(tmp_path)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seed)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * (megabytes * 1024 * 1024), 1)
            target.writestr(item.filename, data)
    return out.getvalue()


def test_docx_inflating_past_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(_docx_with_padding(tmp_path, 140))
    assert path.stat().st_size < 2 * 1024**2
    tracemalloc.start()
    with pytest.raises(IngestError) as error:
        read_path(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    one_line(error, "bomb.docx", "word/document.xml", "zip bomb")
    assert peak < 20 * 1024**2  # inflated in chunks and thrown away (before: 4.2 GB)


def _qdpx_with_rich_text(tmp_path: Path, docx_bytes: bytes) -> Path:
    """A qdpx whose one text source has only a rich-text .docx (no plain text)."""
    sources = (f'<Sources><TextSource guid="{S1}" name="Interview 1" richTextPath="internal://s1.docx" '
               f'creatingUser="{U_ANNA}"/></Sources>')
    path = make_qdpx(tmp_path / "study.qdpx", project_xml(sources=sources, sets="", cases=""),
                     extra={"sources/s1.docx": docx_bytes})
    return path


def test_docx_bomb_nested_in_a_small_qdpx_is_refused(project: Project, tmp_path: Path) -> None:
    path = _qdpx_with_rich_text(tmp_path, _docx_with_padding(tmp_path, 140))
    assert path.stat().st_size < 2 * 1024**2
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_qdpx(path)
    one_line(error, "study.qdpx", "sources/s1.docx", "zip bomb")
    assert state(project) == before


def test_qdpx_with_a_corrupt_inner_docx(project: Project, tmp_path: Path) -> None:
    path = _qdpx_with_rich_text(tmp_path, b"PK\x03\x04 not a docx at all")
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_qdpx(path)
    one_line(error, "study.qdpx", "sources/s1.docx", "Word .docx")
    assert state(project) == before


def test_qdpx_with_a_bad_deflate_stream(project: Project, tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "study.qdpx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("sources/s1.txt")
    assert info.compress_type == zipfile.ZIP_STORED  # make_qdpx stores; rewrite it deflated and break the stream
    out = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename) * (20 if item.filename == "sources/s1.txt" else 1))
    data = bytearray(out.read_bytes())
    with zipfile.ZipFile(out) as archive:
        info = archive.getinfo("sources/s1.txt")
    body = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[body + 1:body + 6] = b"\xff\xff\xff\xff\xff"  # an invalid deflate block
    out.write_bytes(bytes(data))
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_qdpx(out)
    one_line(error, "broken.qdpx", "sources/s1.txt", "export the project again")
    assert state(project) == before


# ---------------------------------------------------------------- QualCoder

@pytest.mark.parametrize("value, shown", [("twelve", "'twelve'"), (None, "no pos0"), (3.5, "3.5")])
def test_qualcoder_position_that_is_text_or_null(project: Project, tmp_path: Path, value, shown) -> None:
    folder = make_project(tmp_path / "study.qda")
    with sqlite3.connect(folder / "data.qda") as conn:
        conn.execute("UPDATE code_text SET pos0 = ? WHERE ctid = 2", (value,))
    conn.close()
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_qualcoder(folder)
    one_line(error, "data.qda", "code_text row 2", shown, "repair it in QualCoder")
    assert state(project) == before


# ---------------------------------------------------------------- Dedoose and spreadsheets

def _truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def test_dedoose_truncated_xlsx(project: Project, tmp_path: Path) -> None:
    full = tmp_path / "full.xlsx"
    pd.DataFrame(rows()).to_excel(full, index=False)
    path = tmp_path / "excerpts.xlsx"
    path.write_bytes(_truncated(full.read_bytes()))
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_dedoose(path)
    one_line(error, "excerpts.xlsx", "save it again")
    assert state(project) == before


def test_dedoose_with_a_corrupt_media_docx(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "excerpts.xlsx"
    pd.DataFrame(rows()).to_excel(path, index=False)
    media = tmp_path / "media"
    media.mkdir()
    (media / "Interview 1.docx").write_bytes(_truncated(seed_docx(tmp_path)))
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_dedoose(path, media=media)
    one_line(error, "media/Interview 1.docx", "Word .docx")
    assert state(project) == before


def test_codebook_import_of_a_truncated_xlsx(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "codebook.xlsx"
    path.write_bytes(_truncated(seed_codebook_xlsx(tmp_path)))
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_codebook_file(path)
    one_line(error, "codebook.xlsx", "Excel", "save it again")
    assert state(project) == before
    assert CODEBOOK_CSV  # the seed the truncated file came from


def test_xlsx_with_a_stale_dimension_reads_every_row(tmp_path: Path) -> None:
    """openpyxl's read-only mode trusts <dimension>; other tools write it stale."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "responses"
    sheet.append(["participant", "helped"])
    for i in range(1, 11):
        sheet.append([f"P{i:02d}", f"Answer number {i} about the board."])
    good = tmp_path / "good.xlsx"
    book.save(good)
    stale = tmp_path / "survey.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:B11"/>' in data
                data = data.replace(b'<dimension ref="A1:B11"/>', b'<dimension ref="A1:B4"/>')
            target.writestr(item, data)
    result = read_path(stale, key_column="participant")
    assert len(result.questionnaire.responses) == 10  # before: 3


# ---------------------------------------------------------------- email

EMAIL = "From: {sender}\nTo: research@example.org\nDate: {date}\nSubject: Question 1\n{extra}\nThe board listens now.\n"


@pytest.mark.parametrize("sender, date, extra, expect", [
    ("CEO-12 <c12@example.org>", "Fri, 31 Dec 99999999999999999999 23:59:59 +0000", "", "CEO-12"),  # overflowing year
    ("x <r@", "Tue, 11 Mar 2025 14:02:00 +0000", "", "x"),  # unterminated address
    ("undisclosed-recipients:;", "Tue, 11 Mar 2025 14:02:00 +0000", "", "undisclosed"),  # group syntax
    ("g:;CEO-12", "Tue, 11 Mar 2025 14:02:00 +0000", "", "g:;CEO-12"),  # group syntax the stdlib cannot parse
    ("CEO-12 <c12@[10.0", "Tue, 11 Mar 2025 14:02:00 +0000", "", "CEO-12"),  # unterminated domain literal
])
def test_email_with_odd_headers_is_read(tmp_path: Path, sender, date, extra, expect) -> None:
    path = tmp_path / "reply.eml"
    path.write_text(EMAIL.format(sender=sender, date=date, extra=extra), encoding="utf-8")
    source = read_path(path).sources[0]
    assert "The board listens now." in source.text
    assert expect in source.segments[0].speaker


def test_email_with_an_unknown_charset_is_one_line(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "reply.eml"
    path.write_text(EMAIL.format(sender="CEO-12 <c12@example.org>", date="Tue, 11 Mar 2025 14:02:00 +0000",
                                 extra="Content-Type: text/plain; charset=x-klingon\n"), encoding="utf-8")
    with pytest.raises(IngestError) as error:
        read_path(path)
    one_line(error, "reply.eml", "message 1", "character set")
    before = state(project)
    with pytest.raises(IngestError):
        project.ingest(path, progress=False)
    assert state(project) == before


# ---------------------------------------------------------------- exports

def test_export_xlsx_onto_a_folder(study: Project, tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.mkdir()
    before = state(study)
    with pytest.raises(ExportError) as error:
        study.export_report("xlsx", target)
    one_line(error, "out.xlsx is a folder", "give a file name")
    result = CliRunner().invoke(cli, ["--project", str(tmp_path / "study.qcproj"), "export", "xlsx", str(target)])
    assert result.exit_code == 1 and "is a folder" in result.output and "Traceback" not in result.output
    assert state(study) == before and list(target.iterdir()) == []


# ---------------------------------------------------------------- encodings

def test_utf8_mixed_with_a_stray_byte_is_refused_not_stored_as_mojibake(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    data = ("Interviewer: Café or tea?\n\nCEO-07: Café, and the été was long.\n".encode("utf-8")
            + b"CEO-07: It was a r\xe9sum\xe9 of the year.\n")
    path.write_bytes(data)
    with pytest.raises(IngestError) as error:
        read_path(path)  # before: stored as "CafÃ©, and the Ã©tÃ©"
    stray = data.index(b"r\xe9") + 1
    one_line(error, "notes.txt", f"byte offset {stray}", "mixes encodings", "save the file as UTF-8")


def test_a_folder_with_one_mixed_encoding_file_ingests_nothing(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "CEO-07 wave 1.txt").write_text("Interviewer: And now?\n\nCEO-07: Better.\n", encoding="utf-8")
    (folder / "CEO-08 wave 1.txt").write_bytes("Interviewer: Café?\n\nCEO-08: Oui.\n".encode("utf-8") + b"CEO-08: r\xe9sum\xe9\n")
    before = state(project)
    with pytest.raises(IngestError) as error:
        project.ingest(folder, progress=False)
    one_line(error, "CEO-08 wave 1.txt", "mixes encodings")
    assert state(project) == before  # the good file is not kept either: one transaction


def test_windows_1252_alone_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Interviewer: Café or tea?\n\nCEO-07: Café, and the été was long.\n".encode("cp1252"))
    source = read_path(path).sources[0]
    assert "Café, and the été was long." in source.text and source.meta["encoding"] == "cp1252"


# ---------------------------------------------------------------- round trip

def test_qdpx_round_trip_keeps_respondents_with_identical_answers(project: Project, tmp_path: Path) -> None:
    lines = ["participant,role,change"]
    for i in range(1, 23):  # 22 respondents; 11 of them gave the same open answer
        answer = "Nothing, it worked well for me." if i % 2 else f"More time with my mentor, perhaps {i} more sessions."
        lines.append(f'R{i:02d},CEO,"{answer}"')
    (tmp_path / "survey.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    project.ingest(tmp_path / "survey.csv", progress=False)
    assert project.summary()["questionnaire_responses"] == 22
    project.export_qdpx(tmp_path / "survey.qdpx")
    fresh = Project.create(tmp_path / "fresh.qcproj")
    try:
        report = fresh.import_qdpx(tmp_path / "survey.qdpx")
        sources = fresh.sources()
        assert len(sources) == 22, report.lines()  # before: 12, the identical answers merged
        assert sources["source"].nunique() == 22
        again = fresh.import_qdpx(tmp_path / "survey.qdpx")  # a re-import recognises every one
        assert len(fresh.sources()) == 22 and "22" in again.summary()
    finally:
        fresh.close()


def test_formula_cells_without_a_saved_result_are_named_in_a_warning(project: Project, tmp_path: Path) -> None:
    book = openpyxl.Workbook()  # openpyxl writes formulas without cached results, as scripts do
    sheet = book.active
    sheet.title = "responses"
    sheet.append(["participant", "score", "helped"])
    sheet.append(["P01", 4, "Time to think about strategy."])
    sheet.append(["P02", "=B2*2", "My mentor challenged me."])
    sheet.append(["P03", 5, '=CONCAT("More ", "support")'])
    path = tmp_path / "survey.xlsx"
    book.save(path)
    result = read_path(path, key_column="participant")
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert "survey.xlsx" in warning and "'responses'" in warning and "2 formula cell(s)" in warning
    assert "B3, C4" in warning and "\n" not in warning
    report = project.ingest(path, key_column="participant", progress=False)
    assert report.warnings == result.warnings
    plain = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["participant", "helped"])
    book.active.append(["P01", "Time to think."])
    book.save(plain)
    assert read_path(plain, key_column="participant").warnings == []


@pytest.mark.parametrize("name, content, action", [
    ("people.csv", "participant,role\nCEO-07,Directrice générale\n", lambda p, f: p.import_descriptors(f, key="participant")),
    ("codebook.csv", "name,parent,description\nImpact,,Ce qui a changé\n", lambda p, f: p.import_codebook_file(f)),
])
def test_a_table_saved_in_windows_1252_names_the_byte_and_changes_nothing(study: Project, tmp_path: Path, name, content,
                                                                           action) -> None:
    """Excel on Windows saves "CSV" as cp1252; these tables are read as UTF-8 (with or
    without a BOM), so the first such byte is named, with what to do."""
    path = tmp_path / name
    data = content.encode("cp1252")
    path.write_bytes(data)
    before = state(study)
    with pytest.raises((ImportFormatError, DescriptorError)) as error:
        action(study, path)
    first = next(i for i, b in enumerate(data) if b >= 0x80)
    one_line(error, name, f"byte offset {first}", "save the csv as UTF-8")
    assert state(study) == before


# ---------------------------------------------------------------- coded spreadsheets

def test_a_damaged_coded_sheet_says_what_is_wrong_with_it(project: Project, tmp_path: Path) -> None:
    """The reader's own error (a damaged zip) was swallowed as "(ImportFormatError)"."""
    from fuzz_targets import CODED_SHEET, seed_coded_sheet_xlsx

    path = tmp_path / "q7_KM.xlsx"
    path.write_bytes(_truncated(seed_coded_sheet_xlsx(tmp_path)))
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_coded_sheets([path], coders=["KM"], **CODED_SHEET)
    message = one_line(error, "q7_KM.xlsx", "zip container is damaged", "save it again as .xlsx")
    assert "(ImportFormatError)" not in message
    assert state(project) == before


def test_a_coded_sheet_without_the_named_sheet_lists_the_sheets(project: Project, tmp_path: Path) -> None:
    from fuzz_targets import CODED_SHEET, seed_coded_sheet_xlsx

    path = tmp_path / "q7_KM.xlsx"
    path.write_bytes(seed_coded_sheet_xlsx(tmp_path))
    sheets = openpyxl.load_workbook(path).sheetnames
    before = state(project)
    with pytest.raises(ImportFormatError) as error:
        project.import_coded_sheets([path], coders=["KM"], sheet="Wave 3", **CODED_SHEET)
    one_line(error, "q7_KM.xlsx", "no sheet 'Wave 3'", sheets[0], "--sheet")
    assert state(project) == before
