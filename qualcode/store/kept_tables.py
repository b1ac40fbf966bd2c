"""The small tables a count reads, kept on disk between commands like its ids.

:mod:`qualcode.store.small_tables` reads the sources, the sources with excerpts and the
cases' descriptors as one JSON text each; this module gives their columns to
``store.frames`` for the project state a connection sees, from (first found):

1. this process's parse of that table in that state;
2. the file kept in the cache folder for exactly this table and state
   (``count_cache.slot``: change counter and file stamps, so a write by anyone makes a
   new name);
3. a read now, on the caller's connection;

and keeps the text of 3 in the cache folder (written on a thread, renamed into place
whole). Each table has its own file, so a command reads only the tables it uses (a
frequency table needs no descriptors). ``None`` (PostgreSQL, an in-memory project,
``QUALCODE_CACHE=off``, a table SQLite's JSON cannot hold) tells the caller to read
through SQLAlchemy as before.

Only reads made on a connection outside any write should come here (``Project`` reads):
a table read inside a write transaction could hold rows that are then rolled back.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from qualcode.store import count_cache, small_tables

Columns = dict[str, list[Any]]
#: the tables this process parsed, by cache file (one state of each table is kept)
_parsed: dict[Path, Columns] = {}


def columns(conn: Connection, name: str) -> Columns | None:
    """The columns of small table ``name`` (named as in ``small_tables.TABLES[name][0]``)
    for the state ``conn`` sees, or None when they are not kept (read them as before)."""
    where = count_cache.slot(conn, f"{small_tables.NAME}_{name}", small_tables.SUFFIX)
    if where is None:
        return None
    table = _parsed.get(where.path)
    if table is None:
        table = _load(where, name)
        if table is None:
            table = _read(conn, where, name)
        if table is None:
            return None
        for older in [path for path in _parsed if path.name.startswith(where.project)]:
            del _parsed[older]
        _parsed[where.path] = table
    return table


def _load(where: count_cache.Slot, name: str) -> Columns | None:
    """The table kept in the cache folder for this state; None (and the file removed)
    when there is none or it is not what :func:`_read` writes."""
    try:
        text = where.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        text = ""
    try:
        table = json.loads(text)
    except json.JSONDecodeError:
        table = None
    if not _well_formed(table, name):
        where.path.unlink(missing_ok=True)
        return None
    return table


def _well_formed(table: object, name: str) -> bool:
    """The table's columns, all lists of one length."""
    return (isinstance(table, dict) and set(table) == set(small_tables.TABLES[name][0])
            and all(isinstance(column, list) for column in table.values())
            and len({len(column) for column in table.values()}) == 1)


def _read(conn: Connection, where: count_cache.Slot, name: str) -> Columns | None:
    """The table read now, kept for the next command. Not read ahead on the command
    line's thread: the counting ids keep that thread busy until the imports end, and
    read one after the other there the ids came too late (three busy threads on two
    cores slowed the imports more)."""
    driver = conn.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):  # pragma: no cover - count_cache.slot is SQLite only
        return None
    try:
        text = small_tables.read_table(driver, name)
    except sqlite3.Error:  # e.g. a BLOB where text belongs: JSON cannot hold it; read row by row
        return None
    count_cache.save_text_soon(where, text)
    return json.loads(text)
