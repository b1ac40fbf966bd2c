"""SQL for moving whole projects in and out: REFI-QDA / QualCoder / Dedoose imports,
REFI-QDA export and merging a coder's copy of a project.

The other store modules answer one question at a time (a source by name, a code by
path). An exchange touches every table at once, so these functions read or write whole
tables in a few statements and hand back plain rows; the mapping itself lives in
:mod:`qualcode.interop.to_store`, :mod:`qualcode.interop.from_store` and
:mod:`qualcode.interop.merge`, which never speak SQL.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, select, update

from qualcode.store import schema
from qualcode.store.dml import batched, insert_ignore, insert_many

S, X, A, K, D, C = (
    schema.sources,
    schema.excerpts,
    schema.applications,
    schema.codes,
    schema.coders,
    schema.cases,
)


# ------------------------------------------------------------------------- reads
def coders(conn: Connection) -> dict[int, str]:
    """coder id -> name."""
    return {r.id: r.name for r in conn.execute(select(D.c.id, D.c.name))}


def codes(conn: Connection) -> list[Row[Any]]:
    """Every code with all its attributes, parents before children (ordered by path)."""
    return list(conn.execute(select(K).order_by(K.c.path)))


def sources(conn: Connection, *, with_text: bool = True) -> list[Row[Any]]:
    """Every source (id, name, kind, content_hash, case_id, wave, meta, created_at[, text])."""
    columns = [S.c.id, S.c.name, S.c.kind, S.c.content_hash, S.c.case_id, S.c.wave, S.c.meta, S.c.created_at, S.c.origin_path]
    if with_text:
        columns.append(S.c.text)
    return list(conn.execute(select(*columns).order_by(S.c.name)))


def sources_by_hash(conn: Connection, hashes: Iterable[str]) -> dict[str, Row[Any]]:
    """content hash -> (id, name, case_id, wave) for the hashes already in the project."""
    found: dict[str, Row[Any]] = {}
    for batch in batched(list(dict.fromkeys(hashes)), 500):
        stmt = select(S.c.id, S.c.name, S.c.case_id, S.c.wave, S.c.content_hash).where(S.c.content_hash.in_(batch))
        found.update({r.content_hash: r for r in conn.execute(stmt)})
    return found


def sources_by_name(conn: Connection, names: Iterable[str]) -> dict[str, Row[Any]]:
    """name -> (id, name, case_id, wave, text) for the names already in the project."""
    found: dict[str, Row[Any]] = {}
    for batch in batched(list(dict.fromkeys(names)), 500):
        stmt = select(S.c.id, S.c.name, S.c.case_id, S.c.wave, S.c.text).where(S.c.name.in_(batch))
        found.update({r.name: r for r in conn.execute(stmt)})
    return found


def source_names(conn: Connection) -> set[str]:
    return {r.name for r in conn.execute(select(S.c.name))}


def coded_spans(conn: Connection, *, status: str | None = "applied", coder: str | None = None) -> list[Row[Any]]:
    """One row per application joined to its excerpt: excerpt_id, source_id, start, end,
    excerpt_created, code_id, coder_id, weight, origin, status, confidence, final,
    created_at, decided_by, decided_at. Ordered by source, span, code, coder."""
    stmt = (
        select(
            X.c.id.label("excerpt_id"),
            X.c.source_id,
            X.c.start,
            X.c.end,
            X.c.created_at.label("excerpt_created"),
            A.c.code_id,
            A.c.coder_id,
            A.c.weight,
            A.c.origin,
            A.c.status,
            A.c.confidence,
            A.c.final,
            A.c.created_at,
            A.c.decided_by,
            A.c.decided_at,
        )
        .select_from(A.join(X, A.c.excerpt_id == X.c.id))
        .order_by(X.c.source_id, X.c.start, X.c.end, A.c.code_id, A.c.coder_id)
    )
    if status is not None:
        stmt = stmt.where(A.c.status == status)
    if coder is not None:
        stmt = stmt.join_from(A, D, A.c.coder_id == D.c.id).where(D.c.name == coder)
    return list(conn.execute(stmt))


def memos(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(schema.memos).order_by(schema.memos.c.id)))


def cases(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(C.c.id, C.c.name).order_by(C.c.name)))


def descriptor_fields(conn: Connection) -> list[Row[Any]]:
    F = schema.descriptor_fields
    return list(conn.execute(select(F).order_by(F.c.position, F.c.id)))


def descriptor_values(conn: Connection) -> list[Row[Any]]:
    V = schema.descriptor_values
    return list(conn.execute(select(V.c.case_id, V.c.field_id, V.c.value).where(V.c.value.is_not(None))))


def code_sets(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(schema.code_sets).order_by(schema.code_sets.c.name)))


def code_set_members(conn: Connection) -> list[Row[Any]]:
    M = schema.code_set_members
    return list(conn.execute(select(M.c.set_id, M.c.code_id)))


def existing_applications(conn: Connection, excerpt_ids: Iterable[int]) -> dict[tuple[int, int, int], Row[Any]]:
    """(excerpt, code, coder) -> (weight, status) for applications on these excerpts."""
    found: dict[tuple[int, int, int], Row[Any]] = {}
    for batch in batched(sorted(set(excerpt_ids)), 5000):
        stmt = select(A.c.excerpt_id, A.c.code_id, A.c.coder_id, A.c.weight, A.c.status).where(A.c.excerpt_id.in_(batch))
        found.update({(r.excerpt_id, r.code_id, r.coder_id): r for r in conn.execute(stmt)})
    return found


def memo_keys(conn: Connection) -> set[tuple[str, int | None, str]]:
    """(target, target_id, text) of every memo, so an import never adds the same memo twice."""
    M = schema.memos
    return {(r.target, r.target_id, r.text) for r in conn.execute(select(M.c.target, M.c.target_id, M.c.text))}


# ------------------------------------------------------------------------ writes
def set_source_fields(conn: Connection, changes: dict[int, dict[str, Any]]) -> None:
    """Set ``case_id`` / ``wave`` of sources: source id -> {column: value}."""
    for source_id, values in changes.items():
        allowed = {k: v for k, v in values.items() if k in ("case_id", "wave")}
        if allowed:
            conn.execute(update(S).where(S.c.id == source_id).values(**allowed))


def insert_applications_exact(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert applications with every column given (merge keeps status, origin, dates);
    rows that would duplicate an excerpt x code x coder are skipped."""
    return insert_ignore(conn, A, rows)


def insert_memos(conn: Connection, rows: list[dict[str, Any]]) -> int:
    return insert_many(conn, schema.memos, rows)


def ensure_code_set(conn: Connection, name: str, description: str) -> tuple[int, bool]:
    """The id of the code set called ``name`` and whether it was created now."""
    T = schema.code_sets
    found = conn.execute(select(T.c.id).where(T.c.name == name)).scalar()
    if found is not None:
        return int(found), False
    result = conn.execute(T.insert().values(name=name, description=description))
    return int(result.inserted_primary_key[0]), True


def add_code_set_members(conn: Connection, set_id: int, code_ids: Iterable[int]) -> int:
    rows = [{"set_id": set_id, "code_id": c} for c in dict.fromkeys(code_ids)]
    return insert_ignore(conn, schema.code_set_members, rows)
