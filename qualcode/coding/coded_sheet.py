"""Coded spreadsheets: the way many teams code open survey answers, read into the project.

Each coder gets a copy of the answers (one row per response: an id, the answer text) and
fills ``Code 1`` … ``Code n`` with code names, sub-codes written ``parent->child``. This
module reads those files (xlsx or csv, one per coder, or one file with a coder column)
and checks them completely before anything is written; :func:`store_coded_sheets` then
puts them into the project in one transaction:

* the answers become one questionnaire with one open question (the text column), one
  response source per id, each response's case named by its id -- or, with an existing
  questionnaire of that name, the answers are matched to its responses by id;
* every code named is created (``parent->child`` becomes ``parent/child``);
* each coder's codes are applied to the whole answer, and every response in a coder's
  file is marked as read by that coder, so an answer one coder left uncoded counts as
  "no code" from them in ``qualcode agreement --unit answer``.

Answers such as "N/A", "-" or "none" are what respondents typed; they are dropped as
missing only when no coder coded them (a coded "N/A" is data). Duplicate ids are named
with their rows; ``dedupe="keep-first"`` keeps the first row of each id, ``"suffix"``
keeps all, renaming repeats ``id-2``, ``id-3`` in the order they appear in each file.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from sqlalchemy import Connection

from qualcode.errors import ImportFormatError, shown, UsageError
from qualcode.ingest.decode import decode_bytes, normalise_text
from qualcode.store import answers as store_answers
from qualcode.store import codes as store_codes
from qualcode.store import coding as store_coding
from qualcode.store import coverage as coverage_store
from qualcode.ingest.office import open_workbook, read_excel_frame

Dedupe = Literal["keep-first", "suffix"] | None
#: Answers that say "no answer" (compared case-insensitively after trimming).
MISSING_ANSWERS = frozenset({"", "n/a", "na", "n.a.", "-", "–", "—", ".", "none", "nil", "no answer", "no comment"})
DIVISION_SLASH = "\u2215"  # a '/' inside a code name (qualcode paths use '/' between levels)


@dataclass
class SheetRow:
    """One response as one coder's file gives it."""

    row: int  # as the spreadsheet shows it (header is row 1)
    id: str
    text: str
    codes: list[str]  # qualcode code paths


@dataclass
class CoderSheet:
    """One coder's rows (from a file, or from one coder's part of a file)."""

    file: str
    coder: str
    rows: list[SheetRow]
    code_columns: list[str]
    text_column: str = "answer"


@dataclass
class CodedSheetReport:
    """What an import did; ``lines()`` for printing."""

    questionnaire: str
    question: str
    coders: list[str]
    responses_added: int = 0
    responses_matched: int = 0
    codes_added: list[str] = field(default_factory=list)
    applications: dict[str, int] = field(default_factory=dict)  # coder -> codings added
    already_present: int = 0
    missing_dropped: int = 0  # rows with an N/A-like answer nobody coded
    kept_missing_like: list[str] = field(default_factory=list)  # ids of coded "N/A"-like answers
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        per_coder = ", ".join(f"{c}: {n}" for c, n in self.applications.items())
        text = (
            f"{self.questionnaire}: {self.responses_added} response(s) added, {self.responses_matched} matched; "
            f"{len(self.codes_added)} code(s) added; codings by coder: {per_coder}"
        )
        if self.already_present:
            text += f"; {self.already_present} already present"
        return text

    def lines(self) -> list[str]:
        out = [self.summary()]
        if self.kept_missing_like:
            ids = ", ".join(self.kept_missing_like[:10]) + (" …" if len(self.kept_missing_like) > 10 else "")
            out.append(f"kept {len(self.kept_missing_like)} answer(s) that read like 'N/A' because a coder coded them: {ids}")
        if self.missing_dropped:
            out.append(f"left out {self.missing_dropped} unanswered row(s) ('N/A', '-', empty) that no coder coded")
        out.append(f"compare the coders with: qualcode agreement --coders {','.join(self.coders)} --unit answer")
        return out + [f"warning: {w}" for w in self.warnings]


# ------------------------------------------------------------------ reading
def _load(path: Path, sheet: str | None) -> pd.DataFrame:
    """Every cell as text, nothing turned into NaN ('N/A' stays 'N/A')."""
    if not path.exists():
        raise ImportFormatError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        import csv
        import io

        text, _ = decode_bytes(path.read_bytes(), path)
        try:
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=None, engine="python")
        except (ValueError, csv.Error) as exc:  # pandas' ParserError and EmptyDataError are ValueErrors
            raise ImportFormatError(
                f"{path}: not a readable table ({str(exc).strip()}); save it again as csv with a header row"
            ) from None
    if suffix in (".xlsx", ".xlsm"):
        if sheet is not None:
            book = open_workbook(path, str(path), ImportFormatError)
            try:
                names = list(book.sheetnames)
            finally:
                book.close()
            if sheet not in names:
                raise ImportFormatError(f"{path}: no sheet {sheet!r}; the sheets are {shown(names)}; name one with --sheet")
        return read_excel_frame(path, str(path), ImportFormatError, sheet_name=sheet if sheet is not None else 0,
                                dtype=str, keep_default_na=False)
    raise ImportFormatError(f"{path}: a coded sheet must be .xlsx or .csv")


def _column(frame: pd.DataFrame, wanted: str, what: str, path: Path) -> str:
    """The column named ``wanted`` (case-insensitive), or the one column a pattern such as
    'Q7*' matches (long question headers)."""
    by_fold = {str(c).strip().casefold(): str(c) for c in frame.columns}
    found = by_fold.get(wanted.strip().casefold())
    if found is None and any(ch in wanted for ch in "*?["):
        matches = [c for f, c in by_fold.items() if fnmatch.fnmatchcase(f, wanted.strip().casefold())]
        if len(matches) > 1:
            raise ImportFormatError(f"{path}: {what} column pattern '{wanted}' matches {len(matches)} columns "
                                    f"({', '.join(matches)}); make it match one")
        found = matches[0] if matches else None
    if found is None:
        raise ImportFormatError(
            f"{path}: no {what} column '{wanted}'; the columns are: {shown(list(frame.columns))}"
        )
    return found


def _code_columns(frame: pd.DataFrame, patterns: str, path: Path) -> list[str]:
    """Columns matching any of the comma-separated glob patterns ('Code *'), in sheet order."""
    globs = [p.strip() for p in patterns.split(",") if p.strip()]
    cols = [str(c) for c in frame.columns
            if any(fnmatch.fnmatchcase(str(c).strip().casefold(), g.casefold()) for g in globs)]
    if not cols:
        raise ImportFormatError(
            f"{path}: no column matches --codes '{patterns}'; the columns are: {shown(list(frame.columns))}"
        )
    return cols


def code_path(cell: str, separator: str) -> str:
    """'Barriers->Cost of travel' -> 'Barriers/Cost of travel' (a '/' in a name is kept as U+2215)."""
    parts = [p.strip().replace("/", DIVISION_SLASH) for p in cell.split(separator)]
    return "/".join(p for p in parts if p)


def _clean(value: str) -> str:
    return normalise_text(value).strip()


def read_coded_sheet(
    path: str | Path,
    *,
    id_column: str,
    text_column: str,
    codes: str = "Code *",
    coder: str | None = None,
    coder_column: str | None = None,
    separator: str = "->",
    sheet: str | None = None,
) -> list[CoderSheet]:
    """One file: a :class:`CoderSheet` for its coder, or one per value of ``coder_column``."""
    path = Path(path)
    if (coder is None) == (coder_column is None):
        raise UsageError(f"{path.name}: give the coder's name (--coder) or the column that names the coder (--coder-column)")
    frame = _load(path, sheet)
    id_col = _column(frame, id_column, "id", path)
    text_col = _column(frame, text_column, "text", path)
    code_cols = _code_columns(frame, codes, path)
    who_col = _column(frame, coder_column, "coder", path) if coder_column else None
    sheets: dict[str, CoderSheet] = {}
    for index, record in enumerate(frame.to_dict("records")):
        row = index + 2
        cells = {k: _clean(str(v)) for k, v in record.items()}
        ident = cells[id_col]
        text = cells[text_col]
        paths = [code_path(cells[c], separator) for c in code_cols if cells[c]]
        paths = list(dict.fromkeys(p for p in paths if p))
        if not ident:
            if not text and not paths:
                continue  # a blank line
            raise ImportFormatError(f"{path}: row {row} has no id in column '{id_col}'; fill it in or delete the row")
        name = cells[who_col] if who_col else coder
        if not name:
            raise ImportFormatError(f"{path}: row {row} has no coder in column '{who_col}'")
        target = sheets.setdefault(name, CoderSheet(file=str(path), coder=name, rows=[], code_columns=code_cols,
                                                             text_column=text_col))  # type: ignore[arg-type]
        target.rows.append(SheetRow(row=row, id=ident, text=text, codes=paths))
    if not sheets:
        raise ImportFormatError(f"{path}: no rows with an id in column '{id_col}'")
    return list(sheets.values())


def _dedupe(sheet: CoderSheet, how: Dedupe) -> list[str]:
    """Apply the duplicate-id rule to one coder's rows; returns warning lines."""
    by_id: dict[str, list[SheetRow]] = {}
    for r in sheet.rows:
        by_id.setdefault(r.id, []).append(r)
    dups = {i: rows for i, rows in by_id.items() if len(rows) > 1}
    if not dups:
        return []
    listed = "; ".join(f"'{i}' in rows {', '.join(str(r.row) for r in rows)}" for i, rows in list(dups.items())[:5])
    more = f" and {len(dups) - 5} more" if len(dups) > 5 else ""
    if how is None:
        raise ImportFormatError(
            f"{sheet.file}: duplicate id(s) {listed}{more}; fix the sheet, or rerun with --dedupe keep-first "
            "(keep each id's first row) or --dedupe suffix (keep all, as id-2, id-3 …)"
        )
    if how == "keep-first":
        keep = {id(rows[0]) for rows in by_id.values()}
        sheet.rows = [r for r in sheet.rows if id(r) in keep]
        return [f"{sheet.file}: kept the first row of duplicate id(s) {listed}{more}"]
    for i, rows in dups.items():
        for n, r in enumerate(rows[1:], start=2):
            r.id = f"{i}-{n}"
    return [f"{sheet.file}: renamed repeats of duplicate id(s) {listed}{more} to id-2, id-3 …"]


@dataclass
class CodedSheets:
    """Every coder's rows, checked against each other; what :func:`store_coded_sheets` stores."""

    sheets: list[CoderSheet]
    answers: dict[str, str]  # id -> answer text (first seen), in first-seen order
    coded_ids: set[str]
    warnings: list[str]
    missing_dropped: int


def combine(sheets: list[CoderSheet], *, dedupe: Dedupe = None) -> CodedSheets:
    """Check the coders' sheets together: unique coders, duplicate ids, same text per id."""
    if dedupe not in (None, "keep-first", "suffix"):
        raise UsageError(f"--dedupe must be keep-first or suffix (got {dedupe!r})")
    coders: dict[str, str] = {}
    warnings: list[str] = []
    for s in sheets:
        if s.coder in coders:
            raise UsageError(f"coder '{s.coder}' is given for {coders[s.coder]} and {s.file}; one file per coder")
        coders[s.coder] = s.file
        warnings += _dedupe(s, dedupe)
    answers: dict[str, str] = {}
    where: dict[str, str] = {}
    coded: set[str] = set()
    for s in sheets:
        for r in s.rows:
            if r.codes:
                coded.add(r.id)
            if r.id not in answers:
                answers[r.id], where[r.id] = r.text, f"{s.file} row {r.row}"
            elif not answers[r.id] and r.text:
                answers[r.id], where[r.id] = r.text, f"{s.file} row {r.row}"
            elif r.text and _collapse(r.text) != _collapse(answers[r.id]):
                raise ImportFormatError(
                    f"{s.file}: row {r.row}: the answer of id '{r.id}' differs from {where[r.id]} "
                    f"({_short(r.text)!r} vs {_short(answers[r.id])!r}); the coders must have the same answers"
                )
    missing = [i for i, t in answers.items() if t.casefold() in MISSING_ANSWERS and i not in coded]
    for i in missing:
        del answers[i]
    empty_coded = [i for i in coded if not answers.get(i)]
    if empty_coded:
        files = ", ".join(dict.fromkeys(str(s.file) for s in sheets))
        raise ImportFormatError(
            f"{files}: id(s) {shown(sorted(empty_coded), limit=5)} have codes but no answer text in any file; "
            "fill in the answer or remove the codes"
        )
    return CodedSheets(sheets=sheets, answers=answers, coded_ids=coded, warnings=warnings, missing_dropped=len(missing))


def _collapse(text: str) -> str:
    return " ".join(text.split()).casefold()


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def default_questionnaire_name(files: list[Path]) -> str:
    """The files' common stem without coder initials: 'open-answers_KM.xlsx' -> 'open-answers'."""
    stems = [f.stem for f in files]
    if len(stems) == 1:
        return stems[0]
    prefix = stems[0]
    for s in stems[1:]:
        while not s.startswith(prefix):
            prefix = prefix[:-1]
    prefix = re.sub(r"[\s_\-.(]+$", "", prefix)
    return prefix or "coded sheet"


# ------------------------------------------------------------------ storing
def store_coded_sheets(conn: Connection, coded: CodedSheets, *, questionnaire: str, question: str,
                       now: datetime) -> CodedSheetReport:
    """Store checked sheets through ``conn`` (the caller's one transaction)."""
    report = CodedSheetReport(questionnaire=questionnaire, question=question,
                              coders=[s.coder for s in coded.sheets], missing_dropped=coded.missing_dropped)
    report.warnings += coded.warnings
    report.kept_missing_like = [i for i, t in coded.answers.items() if t.casefold() in MISSING_ANSWERS]
    qid = store_answers.questionnaire_id(conn, questionnaire)
    if qid is None:
        _create_questionnaire(conn, coded, questionnaire, question)
        qid = store_answers.questionnaire_id(conn, questionnaire)
        assert qid is not None
        spans = store_answers.answer_spans(conn, qid, question)
        report.responses_added = len(spans)
    else:
        spans = store_answers.answer_spans(conn, qid, question)
        if not spans:
            raise ImportFormatError(
                f"questionnaire '{questionnaire}' has no answers to a question '{question}'; "
                "name the question with --question, or import into a new questionnaire with --questionnaire"
            )
        absent = [i for i in coded.answers if i not in spans]
        if absent:
            raise ImportFormatError(
                f"questionnaire '{questionnaire}' has no respondent(s) {', '.join(absent[:5])}"
                f"{' …' if len(absent) > 5 else ''}; check the ids, or import into a new questionnaire with --questionnaire"
            )
        differ = [i for i in coded.answers if _collapse(spans[i][3]) != _collapse(coded.answers[i])]
        if differ:
            i = differ[0]
            raise ImportFormatError(
                f"the answer of '{i}' in questionnaire '{questionnaire}' is {_short(spans[i][3])!r}, the sheet has "
                f"{_short(coded.answers[i])!r} ({len(differ)} answer(s) differ); the sheet must hold the same answers"
            )
        report.responses_matched = len(coded.answers)
    before = store_codes.path_ids(conn)
    paths = sorted({p for s in coded.sheets for r in s.rows for p in r.codes})
    code_ids = {p: store_codes.ensure_path(conn, p, {}) for p in paths}
    report.codes_added = [p for p in paths if p not in before]
    wanted = [(r.id, p, s.coder) for s in coded.sheets for r in s.rows if r.id in coded.answers for p in r.codes]
    ids = list(dict.fromkeys(i for i, _, _ in wanted))
    frame = pd.DataFrame(
        [{"source_id": spans[i][0], "start": spans[i][1], "end": spans[i][2], "text": spans[i][3]} for i in ids],
        columns=["source_id", "start", "end", "text"],
    )
    excerpt_of = dict(zip(ids, store_coding.ensure_excerpts(conn, frame).tolist())) if ids else {}
    coder_ids = store_coding.ensure_coders(conn, report.coders)
    run_id = store_coding.new_run(conn, "import", None, {"file": ", ".join(s.file for s in coded.sheets), "kind": "coded sheet"})
    for s in coded.sheets:
        rows = [{"excerpt_id": int(excerpt_of[i]), "code_id": code_ids[p], "coder_id": coder_ids[c], "origin": "import",
                 "status": "applied", "run_id": run_id, "created_at": now}
                for i, p, c in wanted if c == s.coder]
        added = store_coding.insert_applications(conn, rows)
        report.applications[s.coder] = added
        report.already_present += len(rows) - added
        read = [spans[r.id][0] for r in s.rows if r.id in spans]
        coverage_store.mark(conn, s.coder, read, now)
    return report


def _create_questionnaire(conn: Connection, coded: CodedSheets, name: str, question: str) -> None:
    """A questionnaire with one open question; a response (case = id) per answer."""
    from qualcode.ingest.load import IngestReport, store_questionnaire  # the ingest layer's own rules
    from qualcode.ingest.records import QuestionnaireRecord, QuestionRecord, SegmentRecord, SourceRecord

    heading = " ".join(question.split())
    responses = []
    for ident, text in coded.answers.items():
        start = len(heading) + 1
        responses.append(SourceRecord(
            name=f"{name} {ident}", kind="questionnaire", text=f"{heading}\n{text}",
            origin_path=", ".join(s.file for s in coded.sheets),
            segments=[SegmentRecord("answer", start, start + len(text), question=question)],
            case=ident, meta={"questionnaire": name, "coded_sheet": True}, answers={},
        ))
    record = QuestionnaireRecord(
        name=name, origin_path=", ".join(s.file for s in coded.sheets), key_column="id",
        questions=[QuestionRecord("id", "key", "id"), QuestionRecord(question, "open", question)],
        responses=responses,
    )
    store_questionnaire(conn, record, IngestReport())
