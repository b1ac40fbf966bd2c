"""Word and PDF files: text in document order, metadata tables, and every way they break."""
from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import docx
import pytest

from qualcode.errors import IngestError
from qualcode.ingest.registry import read_path

DATA = Path(__file__).parent / "data" / "ingest"


def _load_make_fixtures():
    spec = importlib.util.spec_from_file_location("ingest_make_fixtures", DATA / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_fixtures = _load_make_fixtures()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_fixtures.make_all(tmp_path_factory.mktemp("ingest-binary"))


def test_docx_interview_metadata_table_and_turns(files):
    source = read_path(files["interview_docx"]).sources[0]
    assert source.kind == "transcript"
    assert source.name == "CEO-03 interview"
    assert source.meta == {"participant": "CEO-03", "wave": "Wave 2", "mode": "Online", "date": "2025-03-14",
                           "layout": "labels", "style": "Name:"}
    assert source.wave == "2" and source.case == "CEO-03"
    # The metadata table is not part of the interview text.
    assert "Online" not in source.text and "Participant" not in source.text
    turns = [s for s in source.segments if s.kind == "turn"]
    expected = make_fixtures.TRANSCRIPT_TURNS
    assert [(t.speaker, source.text[t.start:t.end]) for t in turns] == expected
    assert source.text.startswith("Interview CEO-03\n\nInterviewer: Thank you for joining.")


def test_explicit_wave_beats_the_metadata_table(files):
    assert read_path(files["interview_docx"], wave=1).sources[0].wave == "1"


def test_docx_document_keeps_tables_in_order_as_tab_separated_rows(files):
    source = read_path(files["report_docx"]).sources[0]
    assert source.kind == "document" and source.meta == {}
    assert source.text == (
        "Programme review\n\n"
        "The review covered twelve organisations in two regions.\n\n"
        "Region\tOrganisations\tMentors\nNorth\t7\t6\nSouth\t5\t5\n\n"
        "Most chief executives met their mentor monthly."
    )
    assert [s.kind for s in source.segments] == ["paragraph"] * 4


def test_corrupt_docx_is_one_line_error(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert "broken.docx" in str(info.value) and "\n" not in str(info.value)


def test_docx_missing_its_document_part_is_an_error(files, tmp_path):
    path = tmp_path / "gutted.docx"
    with zipfile.ZipFile(files["report_docx"]) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                target.writestr(item, source.read(item.filename))
    with pytest.raises(IngestError, match="gutted.docx"):
        read_path(path)


def test_docx_without_text_is_an_error(tmp_path):
    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    with pytest.raises(IngestError, match="blank.docx.*no text"):
        read_path(path)


def test_pdf_pages_joined_by_blank_line(files):
    source = read_path(files["report_pdf"]).sources[0]
    assert source.kind == "document" and source.meta["pages"] == 2
    assert source.text == (
        "Annual report 2024\nOur mentoring pilot reached twelve charities.\nCafé sessions ran monthly."
        "\n\nNext year we will extend it to trustees."
    )
    assert [(s.start, s.end) for s in source.segments] == [(0, 91), (93, 133)]  # counted by hand: 18+1+45+1+26, then 2 + 40


def test_pdf_without_text_needs_ocr(files):
    with pytest.raises(IngestError, match=r"scanned\.pdf.*OCR"):
        read_path(files["scanned_pdf"])


def test_password_protected_pdf_is_refused(files):
    with pytest.raises(IngestError, match=r"locked\.pdf.*password"):
        read_path(files["locked_pdf"])


def test_pdf_encrypted_with_empty_user_password_is_read(files):
    assert "twelve charities" in read_path(files["open_pdf"]).sources[0].text


@pytest.mark.parametrize("content", [b"%PDF-1.4\ngarbage without objects", b"not a pdf at all"])
def test_corrupt_pdf_is_one_line_error(tmp_path, content):
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(IngestError) as info:
        read_path(path)
    assert "broken.pdf" in str(info.value) and "\n" not in str(info.value)
