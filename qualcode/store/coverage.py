"""SQL for the record of which sources each coder has read and coded (``coded_sources``).

Why a table: applications show where a coder applied codes, but a source a coder read and
found nothing to code in leaves no application. Inter-coder agreement has to know the
difference -- for that coder the source holds "no code" everywhere, a disagreement with
anyone who coded something there -- so a coder (or the lead) marks such sources. The
caller owns the transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, delete, select

from qualcode.store import schema
from qualcode.store.coding import ensure_coders
from qualcode.store.dml import batched, insert_ignore

M, D, S = schema.coded_sources, schema.coders, schema.sources
COLUMNS = ["coder", "source_id", "source", "marked_at"]


def mark(conn: Connection, coder: str, source_ids: Iterable[int], when: datetime) -> int:
    """Mark the sources as coded by ``coder``; returns how many marks are new."""
    coder_id = ensure_coders(conn, [coder])[coder]
    wanted = sorted(set(int(s) for s in source_ids))
    have = set(_marked(conn, coder_id))
    rows = [{"coder_id": coder_id, "source_id": s, "marked_at": when} for s in wanted if s not in have]
    insert_ignore(conn, M, rows)  # a mark made by another session meanwhile is kept, not an error
    return len(rows)


def unmark(conn: Connection, coder: str, source_ids: Iterable[int]) -> int:
    """Remove the coder's marks on these sources; returns how many were removed."""
    coder_id = conn.execute(select(D.c.id).where(D.c.name == coder)).scalar()
    if coder_id is None:
        return 0
    removed = 0
    for batch in batched(sorted(set(int(s) for s in source_ids)), 10_000):
        removed += conn.execute(delete(M).where(M.c.coder_id == coder_id, M.c.source_id.in_(batch))).rowcount
    return removed


def marks(conn: Connection) -> pd.DataFrame:
    """Every mark: coder, source_id, source (name), marked_at; by coder, then source id."""
    stmt = (select(D.c.name.label("coder"), M.c.source_id, S.c.name.label("source"), M.c.marked_at)
            .select_from(M.join(D, M.c.coder_id == D.c.id).join(S, M.c.source_id == S.c.id))
            .order_by(D.c.name, M.c.source_id))
    rows = conn.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"source_id": "int64"}) if not frame.empty else frame


def _marked(conn: Connection, coder_id: int) -> list[int]:
    return [int(r.source_id) for r in conn.execute(select(M.c.source_id).where(M.c.coder_id == coder_id))]
