"""SQL for the consensus (final) coding: the ``final`` flag of applications.

A team that has compared coders settles on one coding for the analyses -- often one
coder's work after discussion -- but keeps everyone's applications for the record (an
audit trail, and so agreement can be recomputed). The ``final`` column marks the
applications that make up that consensus; these functions set and clear it in the
caller's transaction and record who decided, in the ``meta`` table, so that a report can
say where the consensus came from.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select, update

from qualcode.store import schema
from qualcode.store.dml import batched

A, D = schema.applications, schema.coders
META_KEY = "consensus"


def applied_ids_of_coder(conn: Connection, coder: str) -> list[int] | None:
    """Ids of the coder's applied applications; None when no coder has that name."""
    coder_id = conn.execute(select(D.c.id).where(D.c.name == coder)).scalar()
    if coder_id is None:
        return None
    stmt = select(A.c.id).where(A.c.coder_id == coder_id, A.c.status == "applied").order_by(A.c.id)
    return [int(r.id) for r in conn.execute(stmt)]


def statuses(conn: Connection, application_ids: Iterable[int]) -> dict[int, str]:
    """application id -> status, for the ids that exist."""
    found: dict[int, str] = {}
    for batch in batched(sorted(set(int(i) for i in application_ids)), 10_000):
        found.update({int(r.id): r.status for r in conn.execute(select(A.c.id, A.c.status).where(A.c.id.in_(batch)))})
    return found


def clear_final(conn: Connection) -> int:
    """Unmark every final application; returns how many were marked."""
    return int(conn.execute(update(A).where(A.c.final.is_(True)).values(final=False)).rowcount or 0)


def mark_final(conn: Connection, application_ids: Iterable[int]) -> int:
    """Mark the given applications final; returns how many changed (already-final ones do not)."""
    total = 0
    for batch in batched(sorted(set(int(i) for i in application_ids)), 10_000):
        total += conn.execute(
            update(A).where(A.c.id.in_(batch), A.c.final.is_(False)).values(final=True)
        ).rowcount or 0
    return int(total)


def count_final(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(A).where(A.c.final.is_(True))).scalar_one())


def count_applied(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(A).where(A.c.status == "applied")).scalar_one())


def final_by_coder(conn: Connection) -> dict[str, int]:
    """coder name -> number of final applications (only coders with some)."""
    stmt = (select(D.c.name, func.count()).select_from(A.join(D, A.c.coder_id == D.c.id))
            .where(A.c.final.is_(True)).group_by(D.c.name).order_by(D.c.name))
    return {name: int(n) for name, n in conn.execute(stmt)}


def record(conn: Connection, info: dict[str, Any] | None) -> None:
    """Store (or with None remove) the note of who set the consensus, when and from what."""
    conn.execute(schema.meta.delete().where(schema.meta.c.key == META_KEY))
    if info is not None:
        conn.execute(schema.meta.insert().values(key=META_KEY, value=json.dumps(info, default=str)))


def recorded(conn: Connection) -> dict[str, Any] | None:
    """The note stored by :func:`record`, or None."""
    value = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == META_KEY)).scalar()
    return None if value is None else json.loads(value)
