"""The project's change counter: a number every write transaction raises by one.

Frames read for counting are kept between calls (a notebook asks for the same
frequencies again and again) and are valid exactly while this number is unchanged. It
lives in the database, not in the process, so a write by another process (the command
line beside a notebook, a colleague on the same PostgreSQL project) is seen too.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Connection, String, cast, select

from qualcode.store import schema

KEY = "revision"


def read(conn: Connection) -> str:
    """The current change number ("0" for a project never written since it was created)."""
    value = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == KEY)).scalar()
    return value or "0"


def bump(conn: Connection) -> None:
    """Raise the change number inside the caller's write transaction.

    One upsert, the last statement of the transaction: two writers on PostgreSQL queue
    on this row only for the instant between it and their commit, and a transaction that
    rolls back leaves the number (and so every cached frame) as it was.
    """
    from sqlalchemy.dialects import postgresql, sqlite  # with the write (see store.dml)

    M = schema.meta
    dialect = conn.dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is None:  # pragma: no cover - only the two supported databases are tested
        raise NotImplementedError(f"database {dialect} is not supported; use SQLite or PostgreSQL")
    stmt = insert(M).values(key=KEY, value="1")
    stmt = stmt.on_conflict_do_update(
        index_elements=[M.c.key],
        set_={"value": cast(cast(M.c.value, BigInteger) + 1, String)},
    )
    conn.execute(stmt)
