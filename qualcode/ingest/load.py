"""Storing what readers read: one transaction for a whole ``ingest`` call.

Files are read one at a time and written as they come (the corpus is never held in
memory twice), but inside a single transaction, so a corrupt file half-way through a
folder leaves the project exactly as it was before the command.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select
from tqdm.auto import tqdm

from qualcode.errors import IngestError
from qualcode.ingest.records import QuestionnaireRecord, SourceRecord
from qualcode.ingest.readers.text import looks_like_transcript
from qualcode.ingest.registry import iter_files, read_path
from qualcode.speech.roles import speaker_key
from qualcode.speech.speakers import guess_interviewers
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import coding as store_coding
from qualcode.store import schema
from qualcode.store import sources as store_sources
from qualcode.store import speakers as store_speakers
from qualcode.store.database import Database
from qualcode.store.migrations import utcnow
from qualcode.codebook.branches import QUESTION_BRANCH


@dataclass
class IngestReport:
    """What an ingest did, for the CLI to print and for notebooks to inspect."""

    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # same content already in the project
    reread: list[str] = field(default_factory=list)  # already in the project, read again with --kind/--layout
    # (name asked for, name in the project) for skipped sources stored under another name
    stored_as: list[tuple[str, str]] = field(default_factory=list)
    questionnaires: list[str] = field(default_factory=list)
    responses: int = 0
    cases_linked: int = 0
    #: one row per source read: file, source, kind, format, speakers, turns, status
    files: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: speakers this ingest guessed to be interviewers (shown for a person to confirm)
    guessed_interviewers: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """What was found in each file, as ``qualcode ingest`` prints it."""
        return pd.DataFrame(self.files, columns=FILE_COLUMNS)

    def summary(self) -> str:
        parts = [f"{len(self.added)} source(s) added"]
        if self.responses:
            parts.append(f"{self.responses} questionnaire response(s) in {len(self.questionnaires)} questionnaire(s)")
        if self.reread:
            parts.append(f"{len(self.reread)} read again with the layout given")
        if self.skipped:
            parts.append(f"{len(self.skipped)} already in the project (same content)")
        text = ", ".join(parts)
        for wanted, existing in self.stored_as:
            text += (f"\n'{wanted}' has the same text as '{existing}', already in the project; to rename it: "
                     f"qualcode sources rename '{existing}' '{wanted}'")
        return text


FILE_COLUMNS = ["file", "source", "kind", "format", "speakers", "turns", "status"]
MAX_SPEAKERS_SHOWN = 4
_PLAIN_FORMATS = {"email": "messages", "document": "paragraphs"}


def _file_row(path: Path, record: SourceRecord, added: bool, status: str | None = None) -> dict[str, Any]:
    turns = [s for s in record.segments if s.kind in ("turn", "message") and s.speaker]
    names = list(dict.fromkeys(s.speaker for s in turns))
    shown = ", ".join(names[:MAX_SPEAKERS_SHOWN]) + (f" +{len(names) - MAX_SPEAKERS_SHOWN} more"
                                                     if len(names) > MAX_SPEAKERS_SHOWN else "")
    return {"file": path.name, "source": record.name, "kind": record.kind,
            "format": record.meta.get("style") or record.meta.get("layout") or _PLAIN_FORMATS.get(record.kind, ""),
            "speakers": shown, "turns": len(turns),
            "status": status or ("added" if added else "already in project")}


def _transcript_warning(path: Path, record: SourceRecord) -> str | None:
    """A file that reads like a transcript but gave no speakers: say how to name its layout."""
    if record.kind not in ("document", "transcript") or any(s.speaker for s in record.segments):
        return None
    why = looks_like_transcript(record.text, path.name)
    if why is None:
        return None
    return (f"{path}: looks like a transcript ({why}) but no speakers were found, so it is stored as "
            f"a {record.kind} and every line counts as participants' words; if speakers are named in it, "
            f"ingest it again with --kind transcript --layout otter|teams|rev|trint|labels|name-lines "
            f"(the source is read again; see 'qualcode ingest --help')")


def content_hash(text: str, salt: str = "") -> str:
    return hashlib.sha256((salt + "\x00" + text if salt else text).encode("utf-8")).hexdigest()


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise IngestError(f"{p}: no such file or folder")
        files.extend(iter_files(p) if p.is_dir() else [p])
    return files


def ingest(
    db: Database,
    paths: Iterable[str | Path],
    *,
    kind: str = "auto",
    wave: str | None = None,
    name: str | None = None,
    key_column: str | None = None,
    invited: int | None = None,
    progress: bool | None = None,
    layout: str = "auto",
) -> IngestReport:
    """Read ``paths`` into the project in one transaction; then guess the interviewers
    among the speakers nobody has decided on (see ``qualcode.speech.speakers``)."""
    files = expand_paths(paths)
    if name is not None and len(files) != 1:
        raise IngestError(f"--name names one source, but {len(files)} files were given; ingest them one at a time")
    report = IngestReport()
    with db.begin() as conn:
        for path in tqdm(files, desc="ingest", unit="file", disable=_disabled(progress, len(files))):
            result = read_path(path, kind=kind, key_column=key_column, invited=invited, name=name, wave=wave,
                               layout=layout)
            report.warnings.extend(result.warnings)
            for record in result.sources:
                reread = kind != "auto" or layout != "auto"
                before = len(report.reread)
                stored = _store_source(conn, record, report, reread=reread)
                report.files.append(_file_row(path, record, stored is not None,
                                              "read again" if len(report.reread) > before else None))
                warning = _transcript_warning(path, record)
                if warning:
                    report.warnings.append(warning)
            if result.questionnaire is not None:
                before = report.responses
                _store_questionnaire(conn, result.questionnaire, report)
                q = result.questionnaire
                report.files.append({"file": path.name, "source": q.name, "kind": "questionnaire",
                                     "format": f"{len(q.responses)} responses", "speakers": "", "turns": 0,
                                     "status": "added" if q.name in report.questionnaires else "already in project"})
        report.cases_linked = store_sources.link_unowned_to_cases(conn)
        if report.added or report.reread:
            guesses = guess_interviewers(store_speakers.turns(conn))
            report.guessed_interviewers = store_speakers.replace_guesses(
                conn, {speaker_key(name): (name, role) for name, role in guesses.items()})
    return report


def _disabled(progress: bool | None, n: int) -> bool | None:
    if progress is None:
        return None if n > 1 else True
    return not progress


def _store_source(conn: Connection, record: SourceRecord, report: IngestReport, questionnaire_id: int | None = None,
                  salt: str = "", reread: bool = False) -> int | None:
    """Store a new source; a source already in the project (same text) is skipped, or with
    ``reread`` (an explicit ``--kind transcript|document`` or ``--layout``) takes the new
    reading's kind and segments -- its text, and so its codings, stay as they are."""
    digest = content_hash(record.text, salt)
    same_text = store_sources.by_hash(conn, digest)
    if same_text is not None:
        if reread and record.kind in ("transcript", "document") and same_text.kind in ("transcript", "document"):
            store_sources.replace_segments(conn, same_text.id, record.kind, _jsonable(record.meta),
                                           _segment_rows(same_text.id, record))
            report.reread.append(same_text.name)
            return same_text.id
        report.skipped.append(record.name)
        if same_text.name != record.name:
            report.stored_as.append((record.name, same_text.name))
        return None
    if store_sources.by_name(conn, record.name):
        raise IngestError(
            f"{record.origin_path}: a source named {record.name!r} already exists with different content; "
            f"give this one another name with --name, or replace the old one: qualcode sources remove {record.name!r}"
        )
    case_id = None
    if record.case:
        case_id = store_cases.ensure_cases(conn, [record.case])[record.case]
    source_id = store_sources.insert(
        conn,
        name=record.name,
        kind=record.kind,
        text=record.text,
        content_hash=digest,
        origin_path=record.origin_path,
        case_id=case_id,
        wave=record.wave,
        meta=_jsonable(record.meta),
        questionnaire_id=questionnaire_id,
    )
    store_sources.insert_segments(conn, _segment_rows(source_id, record))
    report.added.append(record.name)
    return source_id


def _segment_rows(source_id: int, record: SourceRecord) -> list[dict[str, Any]]:
    return [
        {
            "source_id": source_id,
            "kind": s.kind,
            "start": s.start,
            "end": s.end,
            "speaker": s.speaker,
            "time_start": s.time_start,
            "time_end": s.time_end,
            "question": s.question,
            "meta": _jsonable(s.meta) or None,
        }
        for s in record.segments
    ]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _store_questionnaire(conn: Connection, q: QuestionnaireRecord, report: IngestReport) -> None:
    """A questionnaire: its questions, one source per response, closed answers both as
    per-response answers (for questionnaire summaries) and as case descriptors (so open
    answers can be cut by role, mode… like any other material)."""
    fingerprint = content_hash("\n".join(r.name + "\x1f" + r.text + "\x1f" + repr(sorted(r.answers.items(), key=str))
                                         for r in q.responses), salt=q.name)
    existing = conn.execute(select(schema.questionnaires.c.id).where(schema.questionnaires.c.content_hash == fingerprint)).scalar()
    if existing is not None:
        report.skipped.append(q.name)
        return
    if conn.execute(select(schema.questionnaires.c.id).where(schema.questionnaires.c.name == q.name)).scalar() is not None:
        raise IngestError(
            f"{q.origin_path}: a questionnaire named {q.name!r} already exists with other answers; "
            "give this one another name with --name"
        )
    qid = int(
        conn.execute(
            schema.questionnaires.insert().values(
                name=q.name,
                origin_path=q.origin_path,
                content_hash=fingerprint,
                key_column=q.key_column,
                invited=q.invited,
                invited_by_group=q.invited_by_group or None,
                created_at=utcnow(),
            )
        ).inserted_primary_key[0]
    )
    question_ids: dict[str, int] = {}
    for position, question in enumerate(q.questions):
        question_ids[question.column] = int(
            conn.execute(
                schema.questions.insert().values(
                    questionnaire_id=qid,
                    column=question.column,
                    type=question.type,
                    question=question.question,
                    battery=question.battery,
                    levels=question.levels or None,
                    position=position,
                )
            ).inserted_primary_key[0]
        )
    types = {question.column: question for question in q.questions}
    open_code_ids = _question_codes(conn, q)
    coder_id = store_coding.ensure_coders(conn, [QUESTIONNAIRE_CODER])[QUESTIONNAIRE_CODER]
    answer_spans: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    descriptor_values: dict[str, dict[str, Any]] = {}
    for record in q.responses:
        source_id = _store_source(conn, record, report, questionnaire_id=qid, salt=q.name + "\x1f" + record.name)
        if source_id is None:
            continue
        report.responses += 1
        for segment in record.segments:
            if segment.kind == "answer" and segment.question in open_code_ids and segment.end > segment.start:
                answer_spans.append({"source_id": source_id, "start": segment.start, "end": segment.end,
                                     "text": record.text[segment.start:segment.end], "code_id": open_code_ids[segment.question]})
        for column, value in record.answers.items():
            if column not in question_ids:
                continue
            answer_rows.append({"source_id": source_id, "question_id": question_ids[column], "value": to_text(value)})
            if record.case and column.lower() != "wave":
                descriptor_values.setdefault(column, {})[record.case] = value
    if answer_rows:
        conn.execute(schema.answers.insert(), answer_rows)
    if answer_spans:
        spans = pd.DataFrame(answer_spans)
        excerpt_ids = store_coding.ensure_excerpts(conn, spans)
        store_coding.insert_applications(
            conn,
            [{"excerpt_id": int(e), "code_id": int(c), "coder_id": coder_id, "origin": "import"}
             for e, c in zip(excerpt_ids, spans["code_id"])],
        )
    for column, by_case in descriptor_values.items():
        question = types[column]
        field_type = {"scale": "category", "rating": "number", "number": "number", "boolean": "boolean",
                      "date": "date", "text": "text"}.get(question.type, "category")
        field_id = store_cases.ensure_field(conn, column, field_type, question.levels or None)
        ids = store_cases.ensure_cases(conn, list(by_case))
        current = store_cases.current_values(conn, field_id)
        new_values: dict[int, str | None] = {}
        for case, value in by_case.items():
            text = to_text(value)
            old = current.get(ids[case])
            if old is not None and text is not None and old != text:
                raise IngestError(
                    f"{q.origin_path}: case {case!r} already has {column}={old!r}, the questionnaire says {text!r}; "
                    "correct one of them"
                )
            new_values[ids[case]] = text
        store_cases.set_values(conn, field_id, new_values)
    report.questionnaires.append(q.name)


QUESTIONNAIRE_CODER = "questionnaire"


def question_code_path(questionnaire: str, column: str) -> str:
    """The code every answer to an open question carries: ``Questionnaire/<name>/<column>``."""
    clean = lambda part: part.replace("/", "-").strip() or "?"  # noqa: E731 - '/' separates code levels
    return f"{QUESTION_BRANCH}/{clean(questionnaire)}/{clean(column)}"


def _question_codes(conn: Connection, q: QuestionnaireRecord) -> dict[str, int]:
    """One code per open question, described by the question's wording, so that every
    answer is retrievable as "what people said to this question" like any coded excerpt."""
    ids: dict[str, int] = {}
    for question in q.questions:
        if question.type == "open":
            ids[question.column] = store_codes.ensure_path(
                conn, question_code_path(q.name, question.column),
                {"description": f"Answers to the open question: {question.question}"},
            )
    return ids


def to_text(value: Any) -> str | None:
    """A typed value as the canonical text the store keeps."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars -> Python
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return repr(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


#: Public name for other layers that build a questionnaire themselves (coded spreadsheets).
store_questionnaire = _store_questionnaire
