"""Statements whose SQL differs by dialect, written once.

``INSERT … ON CONFLICT DO NOTHING`` is how bulk loads stay idempotent (re-importing the
same codings adds nothing); SQLite and PostgreSQL both support it through their
SQLAlchemy dialect ``insert`` constructs.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from datetime import datetime

from sqlalchemy import Connection, Table, func, select

BATCH = 20_000


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows, silently skipping those that break a unique constraint.

    Returns the number of rows inserted (as reported by the driver).
    """
    if not rows:
        return 0
    # the dialects' insert constructs load with the write: SQLAlchemy's postgresql
    # package also imports its asyncio drivers, which a read-only command never needs
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = conn.dialect.name
    if dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    elif dialect == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported databases are tested
        raise NotImplementedError(f"database {dialect} is not supported; use SQLite or PostgreSQL")
    total = 0
    for batch in batched(rows, BATCH):
        result = conn.execute(stmt, list(batch))
        total += max(result.rowcount or 0, 0)
    return total


def insert_many(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Plain ``executemany`` in batches (no conflict handling)."""
    total = 0
    for batch in batched(rows, BATCH):
        conn.execute(table.insert(), list(batch))
        total += len(batch)
    return total


def fast_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]],
                ignore_conflicts: bool = True) -> int:
    """``executemany`` straight to the driver with plain tuples, for 10^5-10^6 rows.

    SQLAlchemy's per-row parameter processing costs more than SQLite's own insert at
    that scale; here each row is a tuple already in the driver's types (timestamps via
    :func:`timestamp`). Same SQL on SQLite and PostgreSQL (``ON CONFLICT DO NOTHING``).
    Returns the number of rows this call inserted: sqlite3 and psycopg report, for an
    ``executemany``, the rows each statement really inserted (a conflict skipped counts
    0), so the count holds while other writers insert at the same time -- unlike
    counting the table before and after, which counts their rows too.
    """
    if not rows:
        return 0
    quote = conn.dialect.identifier_preparer.quote
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    )
    inserted = 0
    for batch in batched(rows, BATCH):
        batch = list(batch)
        count = conn.exec_driver_sql(sql, batch).rowcount
        inserted += count if count is not None and count >= 0 else len(batch)
    return inserted


def timestamp(conn: Connection, value: datetime) -> Any:
    """A datetime as the driver should receive it: SQLAlchemy's SQLite text format, or
    the datetime itself for PostgreSQL."""
    if conn.dialect.name == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def string_agg(conn: Connection, column: Any, separator: str) -> Any:
    """``group_concat`` (SQLite) or ``string_agg`` (PostgreSQL) of a text column."""
    if conn.dialect.name == "postgresql":
        return func.string_agg(column, separator)
    return func.group_concat(column, separator)


def batched(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
