"""Coders, excerpts and applications: single and bulk writes."""
from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, select, tuple_, update
from sqlalchemy.exc import OperationalError

from qualcode.store import schema
from qualcode.store.dml import batched, count_rows, fast_insert, insert_ignore, timestamp
from qualcode.store.migrations import utcnow


def coder_kind(name: str) -> str:
    if name.startswith("rule:"):
        return "rule"
    if name.startswith("model:"):
        return "model"
    return "person"


def ensure_coders(conn: Connection, names: list[str]) -> dict[str, int]:
    """Coder ids by name, creating the missing coders. Two people naming the same new
    coder at once both get its id (``INSERT … ON CONFLICT DO NOTHING``, then read)."""
    existing = {r.name: r.id for r in conn.execute(select(schema.coders.c.id, schema.coders.c.name))}
    new = [{"name": n, "kind": coder_kind(n)} for n in dict.fromkeys(names) if n not in existing]
    if new:
        insert_ignore(conn, schema.coders, new)
        existing = {r.name: r.id for r in conn.execute(select(schema.coders.c.id, schema.coders.c.name))}
    return {n: existing[n] for n in names}


def ensure_excerpt(conn: Connection, source_id: int, start: int, end: int, text: str) -> int:
    """The id of the excerpt on this span, created when missing.

    Race-free: the insert skips a span another coder created a moment ago, and the read
    that follows locks the row (``FOR SHARE`` on PostgreSQL; SQLite writers hold the
    whole database) so that a coder removing their last coding of the span cannot delete
    the excerpt under this transaction. If that removal committed just before, the read
    finds nothing and the insert is tried again."""
    ex = schema.excerpts
    for _ in range(3):
        insert_ignore(conn, ex, [{"source_id": source_id, "start": start, "end": end, "text": text,
                                  "created_at": utcnow()}])
        stmt = select(ex.c.id).where(ex.c.source_id == source_id, ex.c.start == start, ex.c.end == end)
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(read=True)
        found = conn.execute(stmt).scalar()
        if found is not None:
            return int(found)
    raise OperationalError("ensure_excerpt", {}, RuntimeError("deadlock: excerpt removed three times while coding it"))


def ensure_excerpts(conn: Connection, spans: pd.DataFrame) -> pd.Series:
    """Bulk version: ``spans`` has source_id, start, end, text; returns excerpt ids aligned
    with ``spans``' index. Existing spans are reused. ``series.attrs["inserted"]`` is
    how many excerpts this call created (exact while others write too)."""
    now = timestamp(conn, utcnow())
    unique = spans.drop_duplicates(["source_id", "start", "end"])
    inserted = fast_insert(
        conn,
        schema.excerpts,
        ("source_id", "start", "end", "text", "created_at"),
        list(zip(unique["source_id"].astype(int).tolist(), unique["start"].astype(int).tolist(),
                 unique["end"].astype(int).tolist(), unique["text"].tolist(), [now] * len(unique))),
    )
    ids: dict[tuple[int, int, int], int] = {}
    source_ids = [int(s) for s in unique["source_id"].unique()]
    for batch in batched(source_ids, 500):
        stmt = select(schema.excerpts.c.id, schema.excerpts.c.source_id, schema.excerpts.c.start, schema.excerpts.c.end).where(
            schema.excerpts.c.source_id.in_(batch)
        )
        for r in conn.execute(stmt):
            ids[(r[1], r[2], r[3])] = r[0]
    keys = zip(spans["source_id"].astype(int).tolist(), spans["start"].astype(int).tolist(), spans["end"].astype(int).tolist())
    out = pd.Series([ids[k] for k in keys], index=spans.index, dtype="int64")
    out.attrs["inserted"] = inserted
    return out


def insert_application(
    conn: Connection,
    *,
    excerpt_id: int,
    code_id: int,
    coder_id: int,
    weight: float | None = None,
    origin: str = "manual",
    status: str = "applied",
    confidence: float | None = None,
    run_id: int | None = None,
) -> bool:
    """Insert one application; False when the same excerpt × code × coder already exists."""
    inserted = insert_ignore(
        conn,
        schema.applications,
        [
            {
                "excerpt_id": excerpt_id,
                "code_id": code_id,
                "coder_id": coder_id,
                "weight": weight,
                "origin": origin,
                "status": status,
                "confidence": confidence,
                "run_id": run_id,
                "final": False,
                "created_at": utcnow(),
            }
        ],
    )
    return inserted > 0


APPLICATION_COLUMNS = ("excerpt_id", "code_id", "coder_id", "weight", "origin", "status", "confidence", "run_id",
                       "final", "created_at")


def insert_applications(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Bulk insert; duplicates (excerpt × code × coder) are skipped. Returns rows inserted."""
    if not rows:
        return 0
    apps = schema.applications
    now = timestamp(conn, utcnow())
    defaults = {"weight": None, "origin": "manual", "status": "applied", "confidence": None, "run_id": None,
                "final": False, "created_at": now}
    tuples = [
        tuple(row.get(c, defaults.get(c)) if c != "created_at" or "created_at" not in row
              else timestamp(conn, row["created_at"]) for c in APPLICATION_COLUMNS)
        for row in rows
    ]
    return fast_insert(conn, apps, APPLICATION_COLUMNS, tuples)  # what this call inserted, not others


def remove_applications(conn: Connection, excerpt_id: int, code_ids: list[int], coder_id: int | None) -> int:
    apps = schema.applications
    cond = and_(apps.c.excerpt_id == excerpt_id, apps.c.code_id.in_(code_ids))
    if coder_id is not None:
        cond = and_(cond, apps.c.coder_id == coder_id)
    return int(conn.execute(delete(apps).where(cond)).rowcount or 0)


def application(conn: Connection, application_id: int) -> Any | None:
    """One application with its span and coder: id, excerpt_id, code_id, coder_id, coder,
    weight, status, source_id, start, end; None when there is no such application."""
    A, X, D = schema.applications, schema.excerpts, schema.coders
    stmt = (select(A.c.id, A.c.excerpt_id, A.c.code_id, A.c.coder_id, D.c.name.label("coder"), A.c.weight, A.c.status,
                   X.c.source_id, X.c.start, X.c.end)
            .select_from(A.join(X, A.c.excerpt_id == X.c.id).join(D, A.c.coder_id == D.c.id))
            .where(A.c.id == application_id))
    return conn.execute(stmt).first()


def find_application(conn: Connection, excerpt_id: int, code_id: int, coder_id: int) -> Any | None:
    A = schema.applications
    return conn.execute(
        select(A.c.id, A.c.status).where(A.c.excerpt_id == excerpt_id, A.c.code_id == code_id, A.c.coder_id == coder_id)
    ).first()


def update_application(conn: Connection, application_id: int, *, excerpt_id: int, code_id: int,
                       weight: float | None, decided_by: str) -> None:
    """Move a coding to another span or code, or change its weight (its coder stays)."""
    conn.execute(update(schema.applications).where(schema.applications.c.id == application_id).values(
        excerpt_id=excerpt_id, code_id=code_id, weight=weight, decided_by=decided_by, decided_at=utcnow()))


def delete_application(conn: Connection, application_id: int) -> int:
    return int(conn.execute(delete(schema.applications).where(schema.applications.c.id == application_id)).rowcount or 0)


def delete_orphan_excerpts(conn: Connection, excerpt_ids: list[int] | None = None) -> int:
    """Excerpts with no application left are removed (they carry no meaning alone).

    With ``excerpt_ids``, only those are considered, and on PostgreSQL their rows are
    locked first: a coder applying a code to the same span at this moment either
    finishes first (and the excerpt is kept, since the check runs after the lock) or
    waits and re-creates it. Without the lock, the delete would cascade to the other
    coder's new application, and their coding would be lost."""
    ex = schema.excerpts
    has_app = select(schema.applications.c.id).where(schema.applications.c.excerpt_id == ex.c.id).exists()
    if excerpt_ids is None:
        return int(conn.execute(delete(ex).where(~has_app)).rowcount or 0)
    if not excerpt_ids:
        return 0
    if conn.dialect.name == "postgresql":
        conn.execute(select(ex.c.id).where(ex.c.id.in_(excerpt_ids)).order_by(ex.c.id).with_for_update()).all()
    return int(conn.execute(delete(ex).where(ex.c.id.in_(excerpt_ids), ~has_app)).rowcount or 0)


def new_run(conn: Connection, kind: str, coder_id: int | None, params: dict[str, Any]) -> int:
    result = conn.execute(schema.runs.insert().values(kind=kind, coder_id=coder_id, params=params, created_at=utcnow()))
    return int(result.inserted_primary_key[0])


def set_status(conn: Connection, application_ids: list[int], status: str, decided_by: str) -> int:
    total = 0
    now = utcnow()
    for batch in batched(application_ids, 10_000):
        total += conn.execute(
            update(schema.applications)
            .where(schema.applications.c.id.in_(batch))
            .values(status=status, decided_by=decided_by, decided_at=now)
        ).rowcount or 0
    return int(total)


def reopen(conn: Connection, application_ids: list[int]) -> int:
    """Machine suggestions back to ``suggested``, their decision forgotten (an undo)."""
    A = schema.applications
    total = 0
    for batch in batched(application_ids, 10_000):
        total += conn.execute(
            update(A).where(A.c.id.in_(batch), A.c.origin.in_(("rule", "model")), A.c.status != "suggested")
            .values(status="suggested", decided_by=None, decided_at=None)
        ).rowcount or 0
    return int(total)


def revision(conn: Connection) -> str:
    """A short text that changes whenever a coding, memo, code or coverage mark is added,
    removed or decided (counts, newest ids, latest decision time): a page that polls for
    other coders' work compares it with the last one it saw, at the cost of one query."""
    A, M, K, C = schema.applications, schema.memos, schema.codes, schema.coded_sources
    parts = []
    for stmt in (select(func.count(), func.max(A.c.id), func.max(A.c.decided_at)).select_from(A),
                 select(func.count(), func.max(M.c.id)).select_from(M),
                 select(func.count(), func.max(K.c.id)).select_from(K),
                 select(func.count(), func.max(C.c.marked_at)).select_from(C)):
        parts.append("/".join(str(v) for v in conn.execute(stmt).one()))
    return "|".join(parts)


def count_excerpts(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(schema.excerpts)).scalar_one()


def count_applications(conn: Connection, status: str | None = "applied") -> int:
    stmt = select(func.count()).select_from(schema.applications)
    if status:
        stmt = stmt.where(schema.applications.c.status == status)
    return conn.execute(stmt).scalar_one()


def existing_keys(conn: Connection, keys: list[tuple[int, int, int]]) -> set[tuple[int, int, int]]:
    """Which (excerpt, code, coder) triples already have an application."""
    found: set[tuple[int, int, int]] = set()
    apps = schema.applications
    for batch in batched(keys, 5000):
        stmt = select(apps.c.excerpt_id, apps.c.code_id, apps.c.coder_id).where(
            tuple_(apps.c.excerpt_id, apps.c.code_id, apps.c.coder_id).in_(batch)
        )
        found.update((r.excerpt_id, r.code_id, r.coder_id) for r in conn.execute(stmt))
    return found
