"""Memos: notes on the project, a source, an excerpt, a code or a case."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from qualcode.store import schema
from qualcode.store.migrations import utcnow


def insert_memo(conn: Connection, target: str, target_id: int | None, text: str, author: str) -> int:
    """Store a memo on ``target`` (``project``, ``source``, ``excerpt``, ``code``, ``case``);
    returns its id. The caller has checked that the target exists."""
    result = conn.execute(
        schema.memos.insert().values(target=target, target_id=target_id, text=text, author=author, created_at=utcnow())
    )
    return int(result.inserted_primary_key[0])


def memos(conn: Connection) -> pd.DataFrame:
    """Every memo, oldest first, with the table's columns."""
    result = conn.execute(select(schema.memos).order_by(schema.memos.c.id))
    return pd.DataFrame(result.all(), columns=list(result.keys()))
