"""Build the binary ingest fixtures (docx, pdf, xlsx) into a folder.

Binary files are generated rather than committed so that every byte of a fixture is
reviewable here. The tests call ``make_all(tmp_dir)``; to look at the files yourself:

    python tests/data/ingest/make_fixtures.py OUT_DIR

No PDF-writing library is a dependency, so ``write_pdf`` writes a minimal PDF by hand
(one Helvetica text object per page, WinAnsi encoding), which pypdf reads like any other.
"""
from __future__ import annotations

import sys
from pathlib import Path

import docx
import openpyxl
import pypdf

TRANSCRIPT_TURNS = [
    ("Interviewer", "Thank you for joining. What did you hope to get from a mentor?"),
    ("CEO-03", "Someone to test ideas on before they reached the board."),
    ("Interviewer", "And did that happen?"),
    ("CEO-03", "Yes. We rehearsed the budget meeting twice, and it went far better than last year."),
]


def write_interview_docx(path: Path) -> None:
    """Title, the 2-column metadata table, then ``Speaker: text`` paragraphs."""
    document = docx.Document()
    document.add_heading("Interview CEO-03", level=1)
    table = document.add_table(rows=0, cols=2)
    for label, value in [("Participant", "CEO-03"), ("Wave", "Wave 2"), ("Mode", "Online"),
                         ("Date", "2025-03-14")]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    for speaker, words in TRANSCRIPT_TURNS:
        document.add_paragraph(f"{speaker}: {words}")
    document.add_paragraph("")  # empty paragraphs are skipped
    document.save(str(path))


def write_report_docx(path: Path) -> None:
    """A document: heading, paragraphs, a 3-column table in the middle, a closing paragraph."""
    document = docx.Document()
    document.add_heading("Programme review", level=1)
    document.add_paragraph("The review covered twelve organisations in two regions.")
    table = document.add_table(rows=0, cols=3)
    for row in [("Region", "Organisations", "Mentors"), ("North", "7", "6"), ("South", "5", "5")]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = value
    document.add_paragraph("Most chief executives met their mentor monthly.")
    document.save(str(path))


def _pdf_string(line: str) -> str:
    raw = line.encode("cp1252")
    out = []
    for byte in raw:
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def write_pdf(path: Path, pages: list[list[str]]) -> None:
    """A minimal PDF with one page per list of lines (an empty list: a page without text)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        content_id = 4 + 2 * i
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        ops = ["BT", "/F1 12 Tf", "16 TL", "72 720 Td"]
        for line in lines:
            ops += [f"{_pdf_string(line)} Tj", "T*"]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1") if lines else b""
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


PDF_PAGES = [
    ["Annual report 2024", "Our mentoring pilot reached twelve charities.", "Café sessions ran monthly."],
    ["Next year we will extend it to trustees."],
]


def write_encrypted_pdf(source: Path, path: Path, user_password: str) -> None:
    reader = pypdf.PdfReader(str(source))
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)


QUESTION_ROWS = [
    ("column", "type", "question", "battery", "levels"),
    ("participant", "key", "Participant code", "", ""),
    ("role", "category", "Your role", "", ""),
    ("wave", "category", "Wave", "", ""),
    ("conf_1", "scale", "I feel confident leading my organisation", "Confidence",
     "Strongly disagree;Disagree;Neither;Agree;Strongly agree"),
    ("obj_strategy", "rating", "Marks out of ten: strategy", "Objectives", ""),
    ("helped", "open", "How has mentoring helped you?", "", ""),
    ("change", "open", "What would you change?", "", ""),
]
RESPONSE_ROWS = [
    ("participant", "role", "wave", "conf_1", "obj_strategy", "helped", "change", "online"),
    ("CEO-01", "CEO", 1, "Agree", 8, "It gave me time to think about strategy.", None, "yes"),
    ("CEO-02", "CEO", 2, "strongly agree", 9, "My mentor challenged me on governance.\nWe changed the board.",
     "Nothing.", "no"),
    ("Mentor-01", "Mentor", 1, None, None, None, "More peer support for mentors.", "yes"),
]
ABOUT_ROWS = [("key", "value"), ("title", "Mentoring survey 2025"), ("invited", 6),
              ("invited:role=CEO", 4), ("invited:role=Mentor", 2)]


def write_questionnaire_xlsx(path: Path, responses: list[tuple] | None = None,
                             questions: list[tuple] | None = QUESTION_ROWS) -> None:
    """Sheets responses / questions / about (``questions=None`` leaves the dictionary out)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "responses"
    for row in responses if responses is not None else RESPONSE_ROWS:
        sheet.append(list(row))
    if questions is not None:
        dictionary = book.create_sheet("questions")
        for row in questions:
            dictionary.append(list(row))
    about = book.create_sheet("about")
    for row in ABOUT_ROWS:
        about.append(list(row))
    book.save(str(path))


def make_all(out: Path) -> dict[str, Path]:
    """Write every binary fixture into ``out``; return name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "interview_docx": out / "CEO-03 interview.docx",
        "report_docx": out / "report.docx",
        "report_pdf": out / "report.pdf",
        "scanned_pdf": out / "scanned.pdf",
        "locked_pdf": out / "locked.pdf",
        "open_pdf": out / "owner-only.pdf",
        "questionnaire_xlsx": out / "survey.xlsx",
    }
    write_interview_docx(paths["interview_docx"])
    write_report_docx(paths["report_docx"])
    write_pdf(paths["report_pdf"], PDF_PAGES)
    write_pdf(paths["scanned_pdf"], [[], []])
    write_encrypted_pdf(paths["report_pdf"], paths["locked_pdf"], user_password="secret")
    write_encrypted_pdf(paths["report_pdf"], paths["open_pdf"], user_password="")
    write_questionnaire_xlsx(paths["questionnaire_xlsx"])
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/data/ingest/make_fixtures.py OUT_DIR")
    for label, written in make_all(Path(sys.argv[1])).items():
        print(f"{label}: {written}")
