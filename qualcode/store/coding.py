"""Coders, excerpts and applications: single and bulk writes."""
from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, select, tuple_, update

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
    existing = {r.name: r.id for r in conn.execute(select(schema.coders.c.id, schema.coders.c.name))}
    new = [{"name": n, "kind": coder_kind(n)} for n in dict.fromkeys(names) if n not in existing]
    if new:
        conn.execute(schema.coders.insert(), new)
        existing = {r.name: r.id for r in conn.execute(select(schema.coders.c.id, schema.coders.c.name))}
    return {n: existing[n] for n in names}


def ensure_excerpt(conn: Connection, source_id: int, start: int, end: int, text: str) -> int:
    found = conn.execute(
        select(schema.excerpts.c.id).where(
            schema.excerpts.c.source_id == source_id, schema.excerpts.c.start == start, schema.excerpts.c.end == end
        )
    ).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(
        schema.excerpts.insert().values(source_id=source_id, start=start, end=end, text=text, created_at=utcnow())
    )
    return int(result.inserted_primary_key[0])


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


def delete_orphan_excerpts(conn: Connection) -> int:
    """Excerpts with no application left are removed (they carry no meaning alone)."""
    has_app = select(schema.applications.c.id).where(schema.applications.c.excerpt_id == schema.excerpts.c.id).exists()
    return int(conn.execute(delete(schema.excerpts).where(~has_app)).rowcount or 0)


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
