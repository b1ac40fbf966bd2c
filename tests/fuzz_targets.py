"""What the fuzz harness feeds and calls: one valid seed file per reader and importer,
byte-level and member-level mutations of it, and the call that must answer with a result
or a ``QualcodeError`` (never another exception).

Shared by ``tests/test_fuzz_readers.py`` (hypothesis, a few seconds per reader in CI) and
``scripts/fuzz_readers.py`` (many more examples, a tally of every exception it meets).
Seeds are written here, small and in the layouts the real tools write, so every byte is
reviewable; mutations are applied deterministically from a list of operations so that
hypothesis can shrink a failing input to the few operations that matter.
"""
from __future__ import annotations

import atexit
import csv
import importlib.util
import shutil
import io
import sqlite3
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from unchanged import project_rows  # noqa: E402 - after the path it is found on

# Tokens a mutation inserts: structure characters, numbers at the edges, bad bytes.
TOKENS: tuple[bytes, ...] = (
    b"<", b">", b"&", b'"', b"'", b"]]>", b"<!--", b"\x00", b"\xff\xfe", b"\xc3", b"\xe2\x80",
    b"\r", b"\n", b"\r\n\r\n", b"\t", b"-1", b"0", b"99999999999999999999", b"1e999", b"NaN", b"nan",
    b"inf", b"-", b"=", b"=HYPERLINK(\"x\")", b":", b",", b";", b"\\", b"/", b"%", b"{", b"}", b"[", b"*", b"&amp;",
    b"&#0;", b"&#xD800;", b"\xf0\x9f\x98\x80", b"e\xcc\x81", b"charset=x-unknown", b"=?x-bogus?q?a?=",
    b"<r@", b"undisclosed:;", b"Date: Fri, 31 Dec 9999 99:99:99 +9999", b"00:00:00,000 --> ",
    b"99:99:99.999", b"Interviewer:", b"A:", b"From ", b"true", b"null", b"~", b"!!python/object", b"*a", b"&a ",
)
OPS = ("flip", "delete", "insert", "duplicate", "truncate", "replace")


def mutate(data: bytes, ops: list[tuple[str, int, int, int]]) -> bytes:
    """Apply ``(op, position, length, token index)`` operations to ``data`` in order."""
    buf = bytearray(data)
    for op, pos, length, token in ops:
        n = len(buf)
        at = pos % (n + 1)
        piece = TOKENS[token % len(TOKENS)]
        if op == "flip" and n:
            buf[at % n] ^= 1 << (length % 8)
        elif op == "delete":
            del buf[at:at + length]
        elif op == "insert":
            buf[at:at] = piece
        elif op == "duplicate":
            buf[at:at] = buf[at:at + length] * 2
        elif op == "truncate":
            del buf[at:]
        elif op == "replace":
            buf[at:at + len(piece)] = piece
    return bytes(buf)


def mutate_member(archive: bytes, member: int, ops: list[tuple[str, int, int, int]]) -> bytes:
    """Re-zip ``archive`` with one member's bytes mutated (a well-formed zip, bad content)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        items = source.infolist()
        chosen = items[member % len(items)].filename
        for item in items:
            data = source.read(item.filename)
            target.writestr(item.filename, mutate(data, ops) if item.filename == chosen else data)
    return out.getvalue()


@dataclass(frozen=True)
class Target:
    """One reader or importer: a seed file and what reading it means."""

    name: str
    suffix: str
    seed: Callable[[Path], bytes]
    call: Callable[[Path, Path], object]  # (file, scratch folder) -> result
    zipped: bool = False
    sqlite: bool = False


# ------------------------------------------------------------------ seeds

def _load(module: str, path: Path):
    spec = importlib.util.spec_from_file_location(module, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)  # type: ignore[union-attr]
    return loaded


def _fixtures():
    return _load("ingest_make_fixtures", TESTS / "data" / "ingest" / "make_fixtures.py")


def _file_bytes(write: Callable[[Path], None], folder: Path, name: str) -> bytes:
    path = folder / name
    write(path)
    return path.read_bytes()


def seed_docx(folder: Path) -> bytes:
    return _file_bytes(_fixtures().write_interview_docx, folder, "seed.docx")


def seed_xlsx(folder: Path) -> bytes:
    return _file_bytes(_fixtures().write_questionnaire_xlsx, folder, "seed.xlsx")


def seed_pdf(folder: Path) -> bytes:
    fixtures = _fixtures()
    return _file_bytes(lambda p: fixtures.write_pdf(p, fixtures.PDF_PAGES), folder, "seed.pdf")


def _data(name: str) -> Callable[[Path], bytes]:
    return lambda folder: (TESTS / "data" / "ingest" / name).read_bytes()


def seed_qdpx(folder: Path) -> bytes:
    from test_refi_read import make_qdpx

    return make_qdpx(folder / "seed.qdpx").read_bytes()


def seed_qdc(folder: Path) -> bytes:
    from test_refi_read import project_xml

    qde = project_xml()
    start = qde.index("<CodeBook>")
    end = qde.index("</CodeBook>") + len("</CodeBook>")
    return ('<?xml version="1.0" encoding="utf-8"?>' + qde[start:end].replace(
        "<CodeBook>", '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="hand">', 1)).encode()


def seed_qualcoder(folder: Path) -> bytes:
    from test_qualcoder_read import make_project

    return (make_project(folder / "seed.qda") / "data.qda").read_bytes()


def seed_dedoose(folder: Path) -> bytes:
    import pandas as pd
    from test_dedoose_read import rows

    path = folder / "excerpts.xlsx"
    pd.DataFrame(rows()).to_excel(path, index=False)
    return path.read_bytes()


CODEBOOK_YAML = b"""codebook: mentoring
codes:
  - name: Impact
    colour: "#1b9e77"
    description: What changed for the chief executive.
    examples: ["I regained that confidence", "she challenges us now"]
    children:
      - name: Confidence
        weight: {min: 1, max: 5}
        rules:
          keywords: [confident, confidence]
          regex: ['\\bself[- ]belief\\b']
  - name: Issues
    children:
      - name: Funding
        rules: {keywords: [funding, reserves], unit: sentence}
"""

CODEBOOK_CSV = "name,parent,description,colour\r\nImpact,,What changed,#1b9e77\r\nConfidence,Impact,\"Feeling able, at last\",\r\nIssues,,,\r\nFunding,Issues,Money worries 😀,#ff0000\r\n"


def seed_codebook_xlsx(folder: Path) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(CODEBOOK_CSV)):
        sheet.append(row)
    path = folder / "codebook.xlsx"
    book.save(str(path))
    return path.read_bytes()


DESCRIPTORS_CSV = "\ufeffparticipant,role,joined,age,online\r\nCEO-07,CEO,2024-01-15,52,yes\r\nMentor-03,Mentor,2023-11-02,61,no\r\nCEO-08,,2024-02-01,,yes\r\n"

TRANSCRIPT = "Interview with CEO-07, wave 1\n\nInterviewer: How has the programme helped you?\n\nCEO-07: I regained that confidence I had lost.\n"


def _codings_csv(folder: Path) -> bytes:
    text = TRANSCRIPT
    start = text.index("I regained")
    return (f"source,code,start,end,coder,weight\r\nCEO-07 wave 1,Impact/Confidence,{start},{start + 20},anna,3\r\n"
            f"CEO-07 wave 1,Issues/Funding,0,9,ben,\r\n").encode("utf-8")


def _coded_sheets():
    return _load("make_coded_sheets", TESTS / "data" / "coded_sheets" / "make_coded_sheets.py")


def seed_coded_sheet_xlsx(folder: Path) -> bytes:
    sheets = _coded_sheets()
    return sheets.write_xlsx(folder / "q7_KM.xlsx", sheets.KM, "KM").read_bytes()


def seed_coded_sheet_csv(folder: Path) -> bytes:
    return _coded_sheets().write_csv_with_coder_column(folder / "q7-both.csv").read_bytes()


CODED_SHEET = dict(id_column="Response ID", text_column="Q7*", codes="Code *", dedupe="keep-first")


# ---------------------------------------------------------------- calls

def _read(path: Path, scratch: Path) -> object:
    from qualcode.ingest.registry import read_path

    return read_path(path)


_TEMPLATES: dict[str, Path] = {}
_TEMPLATE_ROWS: dict[str, list[str]] = {}


class ProjectChanged(AssertionError):
    """A refused import left the project different from before (every write must be one
    transaction): not a ``QualcodeError``, so the harness counts it as a failure."""


def _project(scratch: Path, prepare: Callable[[object, Path], None] | None = None):
    """A fresh project in ``scratch/p``, prepared by ``prepare``: a copy of a template
    built once per process (creating and preparing a project costs ~10x the import
    being fuzzed; a copy of the closed file is the same project)."""
    import tempfile

    from qualcode import Project

    key = getattr(prepare, "__name__", "empty")
    if key not in _TEMPLATES or not _TEMPLATES[key].exists():
        folder = Path(tempfile.mkdtemp(prefix=f"qc-fuzz-template-{key}-"))
        template = Project.create(folder / "study.qcproj")
        try:
            if prepare is not None:
                prepare(template, folder)
        finally:
            template.close()
        _TEMPLATES[key] = folder / "study.qcproj"
        _TEMPLATE_ROWS[key] = project_rows(_TEMPLATES[key])
        atexit.register(shutil.rmtree, folder, True)
    folder = scratch / "p"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    shutil.copyfile(_TEMPLATES[key], folder / "study.qcproj")
    return Project.open(folder / "study.qcproj")


def _with_project(action: Callable[[object, Path], object], prepare: Callable[[object, Path], None] | None = None):
    """Call ``action(project, file)``; when it refuses the file, check that the project
    is row for row what it was."""
    from qualcode.errors import QualcodeError

    def call(path: Path, scratch: Path) -> object:
        project = _project(scratch, prepare)
        try:
            return action(project, path)
        except QualcodeError as error:
            key = getattr(prepare, "__name__", "empty")
            if project_rows(project) != _TEMPLATE_ROWS[key]:
                raise ProjectChanged(f"refused ({error}) but the project changed") from error
            raise
        finally:
            project.close()
    return call


def _ingest_transcript(project, scratch: Path) -> None:
    folder = scratch / "src"
    folder.mkdir(exist_ok=True)
    (folder / "CEO-07 wave 1.txt").write_text(TRANSCRIPT, encoding="utf-8")
    project.ingest(folder, progress=False)
    codebook = scratch / "codebook.yaml"
    codebook.write_bytes(CODEBOOK_YAML)
    project.import_codebook(codebook)


def _ingest_dedoose_media(project, scratch: Path) -> None:
    from test_dedoose_read import TEXT1

    folder = scratch / "media"
    folder.mkdir(exist_ok=True)
    (folder / "Interview 1.txt").write_text(TEXT1, encoding="utf-8")
    project.ingest(folder, progress=False)


REDACTIONS_CSV = ("\ufeffname,decision,kind,entity,label\r\nMargaret Okafor,accept,person,e1,\r\nMrs Okafor,accept,person,e1,\r\n"
                  "Brightwater Trust,accept,organisation,,[Organisation 1]\r\nAdvance,reject,,,\r\n")

CASE_MAPPING_CSV = "source,case\r\nCEO-07 wave 1,CEO-07\r\n"


def seed_coder_copy(folder: Path) -> bytes:
    """A coder's copy of the project (the SQLite file ``merge`` reads): the transcript,
    the codebook and one coding by 'ben'."""
    from qualcode import Project

    copy = folder / "ben" / "study.qcproj"
    copy.parent.mkdir(parents=True, exist_ok=True)
    project = Project.create(copy)
    try:
        _ingest_transcript(project, copy.parent)
        project.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence", coder="ben")
    finally:
        project.close()
    return copy.read_bytes()


def _read_impact_model(path: Path, scratch: Path) -> object:
    from qualcode.impact.model import read_model

    return read_model(path)


TARGETS: tuple[Target, ...] = (
    Target("docx", ".docx", seed_docx, _read, zipped=True),
    Target("xlsx questionnaire", ".xlsx", seed_xlsx, _read, zipped=True),
    Target("csv questionnaire", ".csv", _data("questionnaire.csv"), _read),
    Target("eml", ".eml", _data("single.eml"), _read),
    Target("mbox", ".mbox", _data("thread.mbox"), _read),
    Target("email thread txt", ".txt", _data("email_thread.txt"), _read),
    Target("pdf", ".pdf", seed_pdf, _read),
    Target("vtt", ".vtt", _data("interview.vtt"), _read),
    Target("srt", ".srt", _data("subtitles.srt"), _read),
    Target("txt transcript", ".txt", _data("transcript.txt"), _read),
    Target("md", ".md", _data("notes.md"), _read),
    *(Target(f"transcript {label}", Path(file).suffix, lambda folder, file=file: (TESTS / "data" / "transcripts" / file).read_bytes(), _read)
      for label, file in (("otter", "otter CEO-04.txt"), ("zoom vtt", "zoom CEO-05.vtt"), ("teams vtt", "teams CEO-06.vtt"),
                          ("rev", "rev Trustee-01.txt"), ("trint", "trint Staff-03.txt"), ("descript", "descript Mentee-07.txt"),
                          ("q-a", "qa CEO-08.txt"), ("i-r", "ir Mentor-09.txt"))),
    Target("qdpx", ".qdpx", seed_qdpx, _with_project(lambda p, f: p.import_qdpx(f)), zipped=True),
    Target("qualcoder", ".qda", seed_qualcoder, _with_project(lambda p, f: p.import_qualcoder(f)), sqlite=True),
    Target("dedoose", ".xlsx", seed_dedoose,
           _with_project(lambda p, f: p.import_dedoose(f), _ingest_dedoose_media), zipped=True),
    Target("codebook yaml", ".yaml", lambda folder: CODEBOOK_YAML, _with_project(lambda p, f: p.import_codebook_file(f))),
    Target("codebook qdc", ".qdc", seed_qdc, _with_project(lambda p, f: p.import_codebook_file(f))),
    Target("codebook csv", ".csv", lambda folder: CODEBOOK_CSV.encode("utf-8"),
           _with_project(lambda p, f: p.import_codebook_file(f))),
    Target("codebook xlsx", ".xlsx", seed_codebook_xlsx, _with_project(lambda p, f: p.import_codebook_file(f)), zipped=True),
    Target("descriptors", ".csv", lambda folder: DESCRIPTORS_CSV.encode("utf-8"),
           _with_project(lambda p, f: p.import_descriptors(f, key="participant"), _ingest_transcript)),
    Target("codings csv", ".csv", _codings_csv,
           _with_project(lambda p, f: p.import_codings(f), _ingest_transcript)),
    Target("coded sheet xlsx", ".xlsx", seed_coded_sheet_xlsx,
           _with_project(lambda p, f: p.import_coded_sheets([f], coders=["KM"], **CODED_SHEET)), zipped=True),
    Target("coded sheet csv", ".csv", seed_coded_sheet_csv,
           _with_project(lambda p, f: p.import_coded_sheets([f], coder_column="Coder", **CODED_SHEET))),
    Target("impact model", ".yaml", lambda folder: (TESTS.parent / "codebooks" / "advance-impact-model.yaml").read_bytes(),
           _read_impact_model),
    Target("redactions csv", ".csv", lambda folder: REDACTIONS_CSV.encode("utf-8"),
           _with_project(lambda p, f: p.import_redactions(f))),
    Target("case mapping", ".csv", lambda folder: CASE_MAPPING_CSV.encode("utf-8"),
           _with_project(lambda p, f: p.link_sources(mapping=f, relink=True), _ingest_transcript)),
    Target("merge coder copy", ".qcproj", seed_coder_copy,
           _with_project(lambda p, f: p.merge_project(f), _ingest_transcript)),
)

BY_NAME = {t.name: t for t in TARGETS}

# QualCoder: the values a mutation writes into a cell of its database.
SQL_VALUES: tuple[object, ...] = (None, "", "abc", -1, 0, 10**12, 2**63 - 1, 1.5, "3", "😀", b"\x00\xff", "\x00")
QUALCODER_CELLS: tuple[tuple[str, str], ...] = (
    ("code_text", "pos0"), ("code_text", "pos1"), ("code_text", "cid"), ("code_text", "fid"), ("code_text", "seltext"),
    ("code_text", "owner"), ("code_text", "date"), ("source", "fulltext"), ("source", "name"), ("source", "date"),
    ("code_name", "name"), ("code_name", "catid"), ("code_name", "color"), ("code_cat", "supercatid"),
    ("code_cat", "name"), ("case_text", "pos0"), ("case_text", "pos1"), ("case_text", "fid"), ("attribute", "value"),
    ("attribute", "id"), ("attribute_type", "valuetype"), ("annotation", "pos0"), ("annotation", "pos1"),
    ("journal", "jentry"), ("cases", "name"),
)


def mutate_qualcoder(seed: bytes, folder: Path, edits: list[tuple[int, int, int]], ops: list[tuple[str, int, int, int]]) -> Path:
    """A QualCoder ``data.qda``: cells set to odd values (NULL, text positions…), and
    optionally its bytes mutated; returned as a project folder."""
    project = folder / "study.qda"
    project.mkdir(parents=True, exist_ok=True)
    db = project / "data.qda"
    db.write_bytes(seed)
    with sqlite3.connect(db) as conn:
        for cell, row, value in edits:
            table, column = QUALCODER_CELLS[cell % len(QUALCODER_CELLS)]
            rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM {table}")]
            if rowids:
                try:
                    conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                                 (SQL_VALUES[value % len(SQL_VALUES)], rowids[row % len(rowids)]))
                except sqlite3.IntegrityError:
                    continue  # QualCoder's own UNIQUE constraints: that edit cannot happen
    conn.close()
    if ops:
        db.write_bytes(mutate(db.read_bytes(), ops))
    return project


def make_input(target: Target, seed: bytes, folder: Path, ops: list[tuple[str, int, int, int]],
               inner: bool, member: int, edits: list[tuple[int, int, int]]) -> Path:
    """Write the mutated input for ``target`` into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    if target.sqlite:
        return mutate_qualcoder(seed, folder, edits, ops if not inner else [])
    data = mutate_member(seed, member, ops) if target.zipped and inner else mutate(seed, ops)
    path = folder / f"input{target.suffix}"
    path.write_bytes(data)
    return path
