"""Questionnaires (.csv, .xlsx): one response per row, typed closed answers, open answers as text.

A spreadsheet export from a survey tool holds, per row, a respondent key, closed answers
(categories, Likert scales, marks out of ten, yes/no, numbers, dates) and open answers.
Closed answers become typed values (``SourceRecord.answers``) for descriptors and
cross-tabs; open answers become the text of one source per response, each answer under
its question, with an ``answer`` segment over just the answer -- that is what gets coded.

Types come from a ``questions`` sheet when the workbook has one (a data dictionary:
``column, type, question, battery, levels`` with levels separated by ``;``), otherwise they
are detected from the values. An ``about`` sheet (``key, value`` rows) may give the
``title``, the number ``invited`` and ``invited:role=CEO`` counts per group, for
response rates. Every error names the file, the row (as numbered in the spreadsheet,
header = row 1) and the column.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from qualcode.errors import IngestError, shown
from qualcode.ingest.decode import decode_bytes, normalise_text
from qualcode.ingest.office import formulas_without_values, open_workbook, sheet_rows
from qualcode.ingest.records import (
    QuestionnaireRecord, QuestionRecord, QuestionType, ReadResult, SegmentRecord, SourceRecord,
)
from qualcode.ingest.readers import normalise_wave

QUESTION_TYPES: frozenset[str] = frozenset(
    {"key", "category", "scale", "rating", "number", "boolean", "date", "text", "open"}
)
TYPE_ALIASES = {
    "likert": "scale", "ordinal": "scale", "score": "rating", "mark": "rating", "numeric": "number",
    "integer": "number", "float": "number", "bool": "boolean", "yes/no": "boolean", "yesno": "boolean",
    "categorical": "category", "choice": "category", "free text": "open", "open-ended": "open",
    "open ended": "open", "comment": "open", "id": "key", "string": "text", "short text": "text",
}
KEY_NAMES = ("key", "id", "case", "participant", "respondent", "respondent id", "respondent_id",
             "participant id", "participant_id", "case id", "case_id")
MISSING = frozenset({"", "n/a", "na", "-", "\u2013", "\u2014", "."})
TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "0"})
YES_NO_WORDS = frozenset({"yes", "no", "y", "n", "true", "false"})
GROUPING_NAMES = frozenset({"wave", "cohort", "year", "group", "round"})

# Standard ordered response scales, low to high; the first whose labels hold every value wins.
STANDARD_SCALES: tuple[tuple[str, ...], ...] = (
    ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
    ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"),
    ("Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
     "Somewhat agree", "Agree", "Strongly agree"),
    ("Never", "Rarely", "Sometimes", "Often", "Always"),
    ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"),
    ("Not at all", "A little", "Somewhat", "Quite a lot", "A great deal"),
    ("Very poor", "Poor", "Fair", "Good", "Very good", "Excellent"),
    ("Not at all important", "Slightly important", "Moderately important", "Very important",
     "Extremely important"),
    ("Very unlikely", "Unlikely", "Neither likely nor unlikely", "Likely", "Very likely"),
)
OPEN_MIN_WORDS = 8  # an answer this long anywhere in a column makes it free text
OPEN_MEAN_CHARS = 40
OPEN_MEAN_WORDS = 4
CATEGORY_MAX_WORDS = 4  # "Face to face", "Chief executive"; longer values are someone's words


@dataclass
class Table:
    """A sheet as header + rows of cleaned cells (None for empty) + spreadsheet row numbers."""

    name: str
    header: list[str]
    rows: list[list[Any]]
    row_numbers: list[int]


# ---------------------------------------------------------------- loading


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = normalise_text(value).strip()
        return None if value.lower() in MISSING else value
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _table(name: str, raw_rows: list[list[Any]], first_row: int, path: Path) -> Table | None:
    """Header = first non-empty row; blank rows dropped; None when nothing is there."""
    rows = [(first_row + i, [_clean(v) for v in row]) for i, row in enumerate(raw_rows)]
    rows = [(n, r) for n, r in rows if any(v is not None for v in r)]
    if not rows:
        return None
    header_number, header_cells = rows[0]
    width = max(i + 1 for i, v in enumerate(header_cells) if v is not None) if any(
        v is not None for v in header_cells) else 0
    header = [str(v) if v is not None else f"column {i + 1}" for i, v in enumerate(header_cells[:width])]
    seen: dict[str, int] = {}
    for i, column in enumerate(header):
        if column in seen:
            raise IngestError(
                f"{path}: sheet '{name}' has two columns named '{column}' (columns {seen[column] + 1} "
                f"and {i + 1}); rename one"
            )
        seen[column] = i
    body = [(n, (r + [None] * width)[:width]) for n, r in rows[1:]]
    # A column with neither a header nor any value is layout (a sheet starting at B), not data.
    keep = [i for i, cell in enumerate(header_cells[:width]) if cell is not None or any(r[i] is not None for _, r in body)]
    if len(keep) < width:
        header = [header[i] for i in keep]
        body = [(n, [r[i] for i in keep]) for n, r in body]
    return Table(name, header, [r for _, r in body], [n for n, _ in body])


def load_csv(path: Path) -> dict[str, Table]:
    """A .csv as a single ``responses`` table (any supported text encoding)."""
    text, _ = decode_bytes(path.read_bytes(), path)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        raw = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise IngestError(f"{path}: not a readable CSV file ({error}); check its quoting") from None
    table = _table("responses", raw, 1, path)
    return {"responses": table} if table is not None else {}


def load_xlsx(path: Path) -> dict[str, Table]:
    """Every sheet of a workbook, keyed by lower-cased sheet name.

    Rows are read inside the same guard as the opening (openpyxl parses a sheet only
    while it is iterated) and whatever the sheet's ``<dimension>`` claims.
    """
    book = open_workbook(path, str(path), IngestError)
    try:
        tables: dict[str, Table] = {}
        for sheet in book.worksheets:
            raw = sheet_rows(sheet, str(path), IngestError)
            table = _table(sheet.title, raw, 1, path)  # row numbers as Excel shows them
            if table is not None:
                tables[sheet.title.strip().lower()] = table
            elif sheet.title.strip().lower() == "responses":
                tables["responses"] = Table(sheet.title, [], [], [])
        return tables
    finally:
        book.close()


# ---------------------------------------------------------------- values


def _as_str(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace("\u2212", "-"))
        except ValueError:
            return None
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    word = _as_str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for parse in (lambda s: datetime.fromisoformat(s), lambda s: datetime.strptime(s, "%d/%m/%Y")):
            try:
                return parse(value).date()
            except ValueError:
                continue
    return None


def _is_yes_no(value: Any) -> bool:
    """True/False cells and yes/no words; 0/1 numbers stay numbers (they may be marks)."""
    if isinstance(value, bool):
        return True
    return isinstance(value, str) and value.strip().lower() in YES_NO_WORDS


def _scale_for(values: list[str]) -> tuple[str, ...] | None:
    wanted = {v.casefold() for v in values}
    for scale in STANDARD_SCALES:
        if wanted <= {level.casefold() for level in scale}:
            return scale
    return None


# ---------------------------------------------------------------- types


def detect_type(column: str, values: list[Any]) -> tuple[QuestionType, list[str]]:
    """Type (and scale levels) of a column from its non-empty values."""
    if not values:
        return "text", []
    if all(_is_yes_no(v) for v in values):
        return "boolean", []
    numbers = [_as_number(v) for v in values]
    if all(n is not None for n in numbers):
        if column.strip().lower() in GROUPING_NAMES:
            return "category", []
        if all(n.is_integer() and 0 <= n <= 10 for n in numbers):  # type: ignore[union-attr]
            return "rating", []
        return "number", []
    if all(isinstance(v, (date, datetime)) for v in values) or all(
        isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values
    ):
        return "date", []
    texts = [_as_str(v) for v in values]
    scale = _scale_for(texts)
    if scale is not None:
        return "scale", list(scale)
    words = [len(t.split()) for t in texts]
    if max(words) >= OPEN_MIN_WORDS or sum(map(len, texts)) / len(texts) >= OPEN_MEAN_CHARS:
        return "open", []
    if len(set(texts)) <= max(2, min(20, len(texts) // 2)) and max(words) <= CATEGORY_MAX_WORDS:
        return "category", []
    if sum(words) / len(words) >= OPEN_MEAN_WORDS:
        return "open", []  # short phrases, all different: answers in the respondent's words
    return "text", []


def _dictionary(table: Table, path: Path) -> dict[str, QuestionRecord]:
    """The ``questions`` sheet: column -> QuestionRecord."""
    lower = [h.strip().lower() for h in table.header]
    if "column" not in lower or "type" not in lower:
        raise IngestError(
            f"{path}: the 'questions' sheet needs columns 'column' and 'type' (it has: {', '.join(table.header)})"
        )
    at = {name: lower.index(name) for name in ("column", "type", "question", "battery", "levels") if name in lower}
    questions: dict[str, QuestionRecord] = {}
    for number, row in zip(table.row_numbers, table.rows):
        column = row[at["column"]]
        if column is None:
            continue
        column = _as_str(column)
        raw_type = _as_str(row[at["type"]] or "").strip().lower()
        qtype = TYPE_ALIASES.get(raw_type, raw_type)
        if qtype not in QUESTION_TYPES:
            raise IngestError(
                f"{path}: questions sheet row {number}: unknown type '{raw_type}' for column '{column}'; "
                f"use one of {', '.join(sorted(QUESTION_TYPES))}"
            )
        wording = row[at["question"]] if "question" in at else None
        battery = row[at["battery"]] if "battery" in at else None
        levels_cell = row[at["levels"]] if "levels" in at else None
        levels = [p.strip() for p in _as_str(levels_cell).split(";") if p.strip()] if levels_cell is not None else []
        questions[column] = QuestionRecord(
            column=column, type=qtype,  # type: ignore[arg-type]
            question=_as_str(wording) if wording is not None else column,
            battery=_as_str(battery) if battery is not None else "", levels=levels,
        )
    return questions


def _about(table: Table, path: Path) -> tuple[int | None, dict[str, dict[str, int]], dict[str, Any]]:
    """The ``about`` sheet: (invited, invited by group, other key/values such as title)."""
    rows = list(zip([table.row_numbers[0] - 1] + table.row_numbers, [table.header] + table.rows))
    if rows and str(rows[0][1][0]).strip().lower() == "key":
        rows = rows[1:]  # a "key, value" header row
    invited: int | None = None
    by_group: dict[str, dict[str, int]] = {}
    meta: dict[str, Any] = {}
    for number, row in rows:
        if not row or row[0] is None:
            continue
        key = _as_str(row[0]).strip()
        value = row[1] if len(row) > 1 else None
        if key.lower().startswith("invited"):
            count = _as_number(value)
            if count is None or not count.is_integer() or count < 0:
                raise IngestError(
                    f"{path}: about sheet row {number}: '{key}' must be a whole number, not '{value}'"
                )
            group = key.partition(":")[2].strip()
            if not group:
                invited = int(count)
            else:
                field_name, _, field_value = group.partition("=")
                if not field_value:
                    raise IngestError(
                        f"{path}: about sheet row {number}: write '{key}' as 'invited:FIELD=VALUE', "
                        "e.g. invited:role=CEO"
                    )
                by_group.setdefault(field_name.strip(), {})[field_value.strip()] = int(count)
        elif value is not None:
            meta[key.lower()] = value if not isinstance(value, str) else value.strip()
    return invited, by_group, meta


def _key_column(header: list[str], key_column: str | None, dictionary: dict[str, QuestionRecord],
                path: Path, sheet: str) -> str:
    if key_column is not None:
        if key_column in header:
            return key_column
        folded = [h for h in header if h.strip().casefold() == key_column.strip().casefold()]
        if folded:
            return folded[0]
        raise IngestError(
            f"{path}: sheet '{sheet}' has no key column '{key_column}'; its columns are: "
            f"{shown(header)}"
        )
    declared = [q.column for q in dictionary.values() if q.type == "key" and q.column in header]
    if declared:
        return declared[0]
    for name in KEY_NAMES:
        for column in header:
            if column.strip().lower() == name:
                return column
    raise IngestError(
        f"{path}: no key column found in sheet '{sheet}'; name the column that identifies each "
        f"respondent (key_column / --key); its columns are: {shown(header)}"
    )


# ---------------------------------------------------------------- conversion


def _convert(value: Any, question: QuestionRecord, path: Path, row: int) -> Any:
    """A cell as its question's type; IngestError naming row and column when it does not fit."""
    qtype = question.type
    if qtype in ("key", "category", "text", "open"):
        return _as_str(value)
    if qtype == "scale":
        text = _as_str(value)
        for level in question.levels:
            if level.casefold() == text.casefold():
                return level
        raise IngestError(
            f"{path}: row {row}, column '{question.column}': '{text}' is not one of the scale's levels "
            f"({'; '.join(question.levels)}); correct the value or the levels"
        )
    if qtype in ("rating", "number"):
        number = _as_number(value)
        if number is None:
            raise IngestError(f"{path}: row {row}, column '{question.column}': '{value}' is not a number")
        return number
    if qtype == "boolean":
        flag = _as_bool(value)
        if flag is None:
            raise IngestError(f"{path}: row {row}, column '{question.column}': '{value}' is not yes/no")
        return flag
    parsed = _as_date(value)
    if parsed is None:
        raise IngestError(
            f"{path}: row {row}, column '{question.column}': '{value}' is not a date (use YYYY-MM-DD)"
        )
    return parsed


def _response_text(open_answers: list[tuple[QuestionRecord, str]]) -> tuple[str, list[SegmentRecord]]:
    """Each answer under its question's wording; one ``answer`` segment per answer."""
    parts: list[str] = []
    segments: list[SegmentRecord] = []
    offset = 0
    for question, answer in open_answers:
        heading = " ".join(question.question.split())
        start = offset + len(heading) + 1
        segments.append(SegmentRecord("answer", start, start + len(answer), question=question.column))
        block = f"{heading}\n{answer}"
        parts.append(block)
        offset += len(block) + 2
    return "\n\n".join(parts), segments


def read_questionnaire(
    path: Path,
    *,
    name: str,
    key_column: str | None = None,
    invited: int | None = None,
    wave: str | None = None,
) -> ReadResult:
    """Read a .csv/.xlsx questionnaire: questions, and one response source per row."""
    tables = load_csv(path) if path.suffix.lower() == ".csv" else load_xlsx(path)
    responses = tables.get("responses") or next(
        (t for k, t in tables.items() if k not in ("questions", "about")), None
    )
    if responses is None or not responses.rows:
        sheet = responses.name if responses is not None else "responses"
        raise IngestError(f"{path}: the '{sheet}' sheet has no responses (it is empty or has only a header)")
    dictionary = _dictionary(tables["questions"], path) if "questions" in tables else {}
    about_invited, by_group, about_meta = _about(tables["about"], path) if "about" in tables else (None, {}, {})
    unknown = [c for c in dictionary if c not in responses.header]
    if unknown:
        raise IngestError(
            f"{path}: the questions sheet describes column(s) {', '.join(unknown)} that the "
            f"'{responses.name}' sheet does not have (it has: {', '.join(responses.header)})"
        )
    key = _key_column(responses.header, key_column, dictionary, path, responses.name)
    key_at = responses.header.index(key)

    questions: list[QuestionRecord] = []
    for i, column in enumerate(responses.header):
        if column == key:
            wording = dictionary[column].question if column in dictionary else column
            questions.append(QuestionRecord(column, "key", wording))
            continue
        if column in dictionary:
            question = dictionary[column]
            if question.type == "scale" and not question.levels:
                present = [_as_str(r[i]) for r in responses.rows if r[i] is not None]
                scale = _scale_for(present)
                if scale is None:
                    raise IngestError(
                        f"{path}: questions sheet: scale column '{column}' needs its levels "
                        "(low to high, separated by ';')"
                    )
                question.levels = list(scale)
            questions.append(question)
            continue
        qtype, levels = detect_type(column, [r[i] for r in responses.rows if r[i] is not None])
        questions.append(QuestionRecord(column, qtype, column, levels=levels))

    seen: dict[str, int] = {}
    qname = name
    wave_at = next((i for i, c in enumerate(responses.header) if c.strip().lower() == "wave"), None)
    sources: list[SourceRecord] = []
    for number, row in zip(responses.row_numbers, responses.rows):
        raw_key = row[key_at]
        if raw_key is None:
            raise IngestError(f"{path}: row {number} has no value in the key column '{key}'; fill it in or delete the row")
        case = _as_str(raw_key).strip()
        if case in seen:
            rows = [seen[case], number] + [
                n for n, r in zip(responses.row_numbers, responses.rows)
                if n > number and r[key_at] is not None and _as_str(r[key_at]).strip() == case
            ]
            raise IngestError(
                f"{path}: key '{case}' appears in rows {', '.join(map(str, rows))} of column '{key}'; "
                "each respondent needs a unique key"
            )
        seen[case] = number
        answers: dict[str, Any] = {}
        open_answers: list[tuple[QuestionRecord, str]] = []
        for i, question in enumerate(questions):
            if question.type == "key":
                continue
            value = row[i]
            if question.type == "open":
                if value is not None:
                    open_answers.append((question, _as_str(value)))
                continue
            answers[question.column] = None if value is None else _convert(value, question, path, number)
        text, segments = _response_text(open_answers)
        row_wave = normalise_wave(_as_str(row[wave_at])) if wave_at is not None and row[wave_at] is not None else None
        sources.append(SourceRecord(
            name=f"{qname} {case}", kind="questionnaire", text=text, origin_path=str(path),
            segments=segments, case=case, wave=wave if wave is not None else row_wave,
            meta={"row": number, "questionnaire": qname}, answers=answers,
        ))
    record = QuestionnaireRecord(
        name=qname, origin_path=str(path), key_column=key, questions=questions, responses=sources,
        invited=invited if invited is not None else about_invited, invited_by_group=by_group,
        meta=about_meta,
    )
    warnings: list[str] = []
    if path.suffix.lower() != ".csv":
        for sheet, cells in formulas_without_values(path, str(path), IngestError).items():
            shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
            warnings.append(f"{path}: sheet '{sheet}': {len(cells)} formula cell(s) have no saved result ({shown}) "
                            "and were read as empty; open the file in Excel and save it to compute them")
    return ReadResult(sources=[], questionnaire=record, warnings=warnings)
