"""Sources and their segments: insert, look up by name, link to cases."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from sqlalchemy import Connection, func, select, update

from qualcode.errors import NotFoundError
from qualcode.store import schema
from qualcode.store.dml import insert_many
from qualcode.store.migrations import utcnow


@dataclass(frozen=True)
class SourceRow:
    id: int
    name: str
    kind: str
    length: int
    case_id: int | None
    wave: str | None
    origin_path: str


def _row(r: Any) -> SourceRow:
    return SourceRow(r.id, r.name, r.kind, r.length, r.case_id, r.wave, r.origin_path)


_COLUMNS = [
    schema.sources.c.id,
    schema.sources.c.name,
    schema.sources.c.kind,
    schema.sources.c.length,
    schema.sources.c.case_id,
    schema.sources.c.wave,
    schema.sources.c.origin_path,
]


def by_hash(conn: Connection, content_hash: str) -> SourceRow | None:
    r = conn.execute(select(*_COLUMNS).where(schema.sources.c.content_hash == content_hash)).first()
    return _row(r) if r else None


def by_name(conn: Connection, name: str) -> SourceRow | None:
    r = conn.execute(select(*_COLUMNS).where(schema.sources.c.name == name)).first()
    return _row(r) if r else None


def resolve(conn: Connection, name: str) -> SourceRow:
    """A source named by its name, its original file name, or that file's stem.

    Raises ``NotFoundError`` with the closest names when nothing matches.
    """
    found = by_name(conn, name)
    if found:
        return found
    rows = conn.execute(select(*_COLUMNS)).all()
    for r in rows:
        file_name = PurePath(r.origin_path).name if r.origin_path else ""
        if file_name and (name == file_name or name == PurePath(file_name).stem):
            return _row(r)
    names = [r.name for r in rows]
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "; list them with 'qualcode sources'"
    raise NotFoundError(f"no source named {name!r} in the project{hint}")


def text_of(conn: Connection, source_id: int) -> str:
    return conn.execute(select(schema.sources.c.text).where(schema.sources.c.id == source_id)).scalar_one()


def name_of(conn: Connection, source_id: int) -> str:
    """The name of source ``source_id``."""
    return conn.execute(select(schema.sources.c.name).where(schema.sources.c.id == source_id)).scalar_one()


def texts(conn: Connection, source_ids: list[int] | None = None) -> dict[int, str]:
    stmt = select(schema.sources.c.id, schema.sources.c.text)
    if source_ids is not None:
        stmt = stmt.where(schema.sources.c.id.in_(source_ids))
    return {r.id: r.text for r in conn.execute(stmt)}


def insert(
    conn: Connection,
    *,
    name: str,
    kind: str,
    text: str,
    content_hash: str,
    origin_path: str,
    case_id: int | None,
    wave: str | None,
    meta: dict[str, Any] | None,
    questionnaire_id: int | None = None,
) -> int:
    result = conn.execute(
        schema.sources.insert().values(
            name=name,
            kind=kind,
            text=text,
            length=len(text),
            content_hash=content_hash,
            origin_path=origin_path,
            case_id=case_id,
            wave=wave,
            meta=meta or None,
            questionnaire_id=questionnaire_id,
            created_at=utcnow(),
        )
    )
    return int(result.inserted_primary_key[0])


def insert_segments(conn: Connection, rows: list[dict[str, Any]]) -> int:
    return insert_many(conn, schema.segments, rows)


def replace_segments(conn: Connection, source_id: int, kind: str, meta: dict[str, Any] | None,
                     rows: list[dict[str, Any]]) -> int:
    """Read a source again with another layout: its kind, meta and segments change, its
    text (and so every excerpt's offsets) does not."""
    conn.execute(update(schema.sources).where(schema.sources.c.id == source_id).values(kind=kind, meta=meta or None))
    conn.execute(schema.segments.delete().where(schema.segments.c.source_id == source_id))
    return insert_many(conn, schema.segments, rows)


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(schema.sources)).scalar_one()


def case_for_name(source_name: str, case_names: list[str]) -> str | None:
    """The case a source belongs to by its name: equal, or the case name followed by a
    separator ("CEO-07 wave 1", "CEO-07_w2"). The longest matching case name wins, so
    "CEO-1" never claims "CEO-12 wave 1"."""
    best: str | None = None
    for case in case_names:
        if source_name == case or re.match(re.escape(case) + r"(?=[\s_.,;:()\[\]#-])", source_name):
            if best is None or len(case) > len(best):
                best = case
    return best


def link_unowned_to_cases(conn: Connection) -> int:
    """Give every source without a case the case its name matches; returns how many."""
    case_rows = conn.execute(select(schema.cases.c.id, schema.cases.c.name)).all()
    if not case_rows:
        return 0
    ids = {r.name: r.id for r in case_rows}
    names = list(ids)
    linked = 0
    for r in conn.execute(select(schema.sources.c.id, schema.sources.c.name).where(schema.sources.c.case_id.is_(None))).all():
        case = case_for_name(r.name, names)
        if case is not None:
            conn.execute(update(schema.sources).where(schema.sources.c.id == r.id).values(case_id=ids[case]))
            linked += 1
    return linked
