"""Opening a project: a SQLite file by default, a PostgreSQL URL for a team.

SQLite gets foreign keys switched on (they are off by default), write-ahead logging so
readers do not block the writer, and a busy timeout so two processes coding at once wait
for each other instead of failing. The timeout only helps a transaction that asks for the
write lock first: a deferred transaction that reads and then writes finds the lock taken
and is refused at once ("database is locked"), since waiting could deadlock it. So every
write transaction (``Database.begin``) starts ``BEGIN IMMEDIATE``; reads start a plain
``BEGIN`` and never wait for a writer (WAL).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from qualcode.errors import ProjectError
from qualcode.store import schema

APP_NAME = "qualcode"
BUSY_TIMEOUT_MS = 30_000


def is_database_url(target: str) -> bool:
    """True for ``postgresql://…``, ``sqlite:///…`` and other SQLAlchemy URLs."""
    return "://" in target


def display_name(target: str) -> str:
    """The target without any password, for error messages."""
    if not is_database_url(target):
        return target
    from sqlalchemy.engine import make_url

    return make_url(target).render_as_string(hide_password=True)


def sqlite_path(target: str) -> Path | None:
    """The file behind a target, or None for a server database."""
    if not is_database_url(target):
        return Path(target)
    if target.startswith("sqlite:///"):
        return Path(target[len("sqlite:///"):])
    return None


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(target: str) -> Engine:
    """An engine for a file path or URL; nothing is read or created yet."""
    path = sqlite_path(target)
    if path is not None:
        engine = create_engine(f"sqlite:///{path}", future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite opens its own transactions lazily and never for DDL; let SQLAlchemy
        # issue BEGIN itself so that a failed multi-statement write rolls back whole.
        event.listen(engine, "connect", _disable_pysqlite_transactions)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(target, future=True, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise ProjectError(
            f"cannot use database URL {display_name(target)}: {exc} "
            "(for PostgreSQL install the driver: pip install 'qualcode[postgres]')"
        ) from exc


#: execution option that marks a connection as opened for writing (see ``Database.begin``)
WRITE_OPTION = "qualcode_write"


def _sqlite_begin(conn: Connection) -> None:
    """``BEGIN IMMEDIATE`` for a write transaction (it waits up to the busy timeout for
    the write lock), ``BEGIN`` for a read."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


def _disable_pysqlite_transactions(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None


def check_is_project(engine: Engine, target: str) -> None:
    """Raise ``ProjectError`` unless the database holds a qualcode project."""
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if "meta" not in names:
                raise ProjectError(
                    f"{display_name(target)} is not a qualcode project (no qualcode tables); "
                    "create one with 'qualcode init'"
                )
            app = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "app")).scalar()
    except (DatabaseError, OperationalError, UnicodeDecodeError) as exc:  # a damaged header can read as bad text
        # "file is not a database", "database disk image is malformed": not a project, or
        # one that is damaged (a truncated copy, a sync conflict) -- 'qualcode init' is no fix.
        raise ProjectError(
            f"{display_name(target)} is not a qualcode project or is damaged ({_first_line(exc)}); "
            "check the path, or use a backup of the project file"
        ) from exc
    if app != APP_NAME:
        raise ProjectError(f"{display_name(target)} is not a qualcode project (app={app!r})")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__
