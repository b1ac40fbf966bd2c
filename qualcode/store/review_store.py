"""Reads and writes for autocoding runs and the review of machine suggestions.

The rest of the store knows applications one by one or in bulk; these helpers add what
runs and reviews need: which spans a rule coder already coded, a run's applications
(to undo it), the queue of suggestions with their text, and moving an application to
another code or span when a person corrects it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, select, update

from qualcode.store import schema
from qualcode.store.frames import _read, applications_joined
from qualcode.store.migrations import utcnow

A, X, S, C, K, D, R = (
    schema.applications,
    schema.excerpts,
    schema.sources,
    schema.cases,
    schema.codes,
    schema.coders,
    schema.runs,
)


def coded_spans(conn: Connection, coder_id: int) -> pd.DataFrame:
    """Every (source_id, start, end, code_id, status) the coder already has, any status."""
    return _read(
        conn,
        select(X.c.source_id, X.c.start, X.c.end, A.c.code_id, A.c.status)
        .select_from(A.join(X, A.c.excerpt_id == X.c.id))
        .where(A.c.coder_id == coder_id),
    )


def run_row(conn: Connection, run_id: int) -> Any | None:
    return conn.execute(select(R).where(R.c.id == run_id)).first()


def set_run_params(conn: Connection, run_id: int, params: dict[str, Any]) -> None:
    conn.execute(update(R).where(R.c.id == run_id).values(params=params))


def mark_run_decided(conn: Connection, run_id: int, decided_by: str) -> int:
    """Record ``decided_by`` and now on every application of a run (applied directly)."""
    result = conn.execute(update(A).where(A.c.run_id == run_id).values(decided_by=decided_by, decided_at=utcnow()))
    return int(result.rowcount or 0)


def runs(conn: Connection) -> pd.DataFrame:
    """Runs with their coder and how many of their applications are in each status now."""
    frame = _read(
        conn,
        select(R.c.id.label("run_id"), R.c.kind, D.c.name.label("coder"), R.c.created_at, R.c.params)
        .select_from(R.outerjoin(D, R.c.coder_id == D.c.id))
        .order_by(R.c.id),
    )
    counts = _read(
        conn,
        select(A.c.run_id, A.c.status, func.count().label("n")).where(A.c.run_id.is_not(None)).group_by(A.c.run_id, A.c.status),
    )
    if frame.empty:
        return pd.DataFrame(columns=["run_id", "kind", "coder", "created_at", "params", "suggested", "applied", "rejected"])
    wide = counts.pivot(index="run_id", columns="status", values="n") if not counts.empty else pd.DataFrame()
    for status in ("suggested", "applied", "rejected"):
        col = wide[status] if status in getattr(wide, "columns", []) else pd.Series(dtype="float64")
        frame[status] = frame["run_id"].map(col).fillna(0).astype(int)
    return frame


def delete_run_applications(conn: Connection, run_id: int, keep_decided: bool = True) -> tuple[int, int]:
    """Remove a run's applications; those a person decided on stay unless ``keep_decided`` is
    False. Returns (deleted, kept)."""
    mine = A.c.run_id == run_id
    kept = 0
    cond = mine
    if keep_decided:
        cond = and_(mine, A.c.decided_by.is_(None))
        kept = int(conn.execute(select(func.count()).select_from(A).where(and_(mine, A.c.decided_by.is_not(None)))).scalar_one())
    deleted = int(conn.execute(delete(A).where(cond)).rowcount or 0)
    return deleted, kept


def application_rows(conn: Connection, ids: list[int]) -> dict[int, Any]:
    """Applications by id, with their span: id, excerpt_id, code_id, coder_id, status,
    origin, confidence, run_id, source_id, start, end."""
    found: dict[int, Any] = {}
    for i in range(0, len(ids), 5000):
        batch = ids[i : i + 5000]
        stmt = (
            select(A.c.id, A.c.excerpt_id, A.c.code_id, A.c.coder_id, A.c.status, A.c.origin, A.c.confidence,
                   A.c.run_id, A.c.weight, X.c.source_id, X.c.start, X.c.end)
            .select_from(A.join(X, A.c.excerpt_id == X.c.id))
            .where(A.c.id.in_(batch))
        )
        found.update({r.id: r for r in conn.execute(stmt)})
    return found


def find_application(conn: Connection, excerpt_id: int, code_id: int, coder_id: int) -> Any | None:
    return conn.execute(
        select(A.c.id, A.c.status).where(A.c.excerpt_id == excerpt_id, A.c.code_id == code_id, A.c.coder_id == coder_id)
    ).first()


def add_decided(conn: Connection, *, excerpt_id: int, code_id: int, coder_id: int, origin: str, decided_by: str,
                weight: float | None = None) -> int:
    """A person's applied coding (made while reviewing); an existing one is set applied."""
    now = utcnow()
    existing = find_application(conn, excerpt_id, code_id, coder_id)
    if existing is not None:
        conn.execute(update(A).where(A.c.id == existing.id).values(status="applied", decided_by=decided_by, decided_at=now))
        return int(existing.id)
    result = conn.execute(
        A.insert().values(excerpt_id=excerpt_id, code_id=code_id, coder_id=coder_id, weight=weight, origin=origin,
                          status="applied", confidence=None, run_id=None, final=False, created_at=now,
                          decided_by=decided_by, decided_at=now)
    )
    return int(result.inserted_primary_key[0])


def move_application(conn: Connection, application_id: int, excerpt_id: int, status: str, decided_by: str,
                     decided_at: datetime | None = None) -> None:
    conn.execute(
        update(A).where(A.c.id == application_id).values(
            excerpt_id=excerpt_id, status=status, decided_by=decided_by, decided_at=decided_at or utcnow()
        )
    )


def queue(conn: Connection, status: str = "suggested") -> pd.DataFrame:
    """Applications in ``status`` with their excerpt text and the code's description."""
    frame = _read(
        conn,
        select(
            A.c.id.label("application_id"),
            A.c.excerpt_id,
            X.c.source_id,
            S.c.name.label("source"),
            C.c.name.label("case"),
            X.c.start,
            X.c.end,
            X.c.text,
            A.c.code_id,
            K.c.path.label("code"),
            K.c.description,
            D.c.name.label("coder"),
            A.c.origin,
            A.c.confidence,
            A.c.run_id,
            A.c.created_at,
        )
        .select_from(applications_joined())
        .where(A.c.status == status)
        .order_by(A.c.id),
    )
    if not frame.empty:
        frame["confidence"] = frame["confidence"].astype(float)
        frame["case"] = frame["case"].astype("string")
        frame["run_id"] = frame["run_id"].astype("Int64")
        frame["description"] = frame["description"].fillna("")
    return frame


# --------------------------------------------------------------- decision batches
# A batch decision (accept every suggestion of a code above a confidence) is recorded as
# one meta row, "decision_batch:N" -> JSON {ids, status, by, at, what, undone}, so it can
# be undone on its own: only its applications, and only those still as it left them.
_BATCH = "decision_batch:"


def record_batch(conn: Connection, ids: list[int], status: str, by: str, what: str) -> int:
    """Store a batch of decisions just made (in the caller's transaction); returns its number."""
    import json

    keys = conn.execute(select(schema.meta.c.key).where(schema.meta.c.key.like(_BATCH + "%"))).scalars().all()
    number = max((int(k[len(_BATCH):]) for k in keys), default=0) + 1
    decided_at = conn.execute(select(func.max(A.c.decided_at)).where(A.c.id.in_(ids[:1]))).scalar() if ids else None
    value = {"ids": ids, "status": status, "by": by, "what": what,
             "at": decided_at.isoformat() if decided_at is not None else None, "undone": None}
    conn.execute(schema.meta.insert().values(key=f"{_BATCH}{number}", value=json.dumps(value)))
    return number


def batches(conn: Connection) -> pd.DataFrame:
    """Every recorded batch: ``batch, what, status, by, at, applications, undone``."""
    import json

    rows = conn.execute(select(schema.meta.c.key, schema.meta.c.value).where(
        schema.meta.c.key.like(_BATCH + "%"))).all()
    records = []
    for key, value in rows:
        data = json.loads(value)
        records.append({"batch": int(key[len(_BATCH):]), "what": data["what"], "status": data["status"],
                        "by": data["by"], "at": data["at"], "applications": len(data["ids"]),
                        "undone": data.get("undone")})
    columns = ["batch", "what", "status", "by", "at", "applications", "undone"]
    return pd.DataFrame(records, columns=columns).sort_values("batch").reset_index(drop=True)


def undo_batch(conn: Connection, number: int) -> dict[str, int] | None:
    """Return a batch's applications to ``suggested`` where nobody changed them since
    (same status, same decision time); None when there is no such batch. Returns
    ``undone`` and ``kept`` (changed later by a person, left as they are)."""
    import json

    key = f"{_BATCH}{int(number)}"
    value = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()
    if value is None:
        return None
    data = json.loads(value)
    if data.get("undone"):
        return {"undone": 0, "kept": 0, "already": 1}
    at = datetime.fromisoformat(data["at"]) if data["at"] else None
    undone = 0
    for start in range(0, len(data["ids"]), 10_000):
        chunk = data["ids"][start:start + 10_000]
        undone += conn.execute(
            update(A).where(A.c.id.in_(chunk), A.c.status == data["status"], A.c.decided_at == at,
                            A.c.decided_by == data["by"])
            .values(status="suggested", decided_by=None, decided_at=None)).rowcount or 0
    data["undone"] = utcnow().isoformat()
    conn.execute(update(schema.meta).where(schema.meta.c.key == key).values(value=json.dumps(data)))
    return {"undone": int(undone), "kept": len(data["ids"]) - int(undone), "already": 0}
