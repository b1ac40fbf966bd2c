"""The small tables a count reads, kept on disk between commands like its ids.

:mod:`qualcode.store.small_tables` reads the sources, the sources with excerpts and the
cases' descriptors as one JSON text each; this module gives their rows to
``store.frames`` for the project state a connection sees, from (first found):

1. this process's last parse of them (one parse serves every frame that needs them);
2. the file kept in the cache folder for exactly this state (``count_cache.slot``:
   change counter and file stamps, so a write by anyone makes a new name);
3. a read now, on the caller's connection;

and keeps the texts of 3 in the cache folder (written on a thread, renamed into
place whole). ``None`` (PostgreSQL, an in-memory project, ``QUALCODE_CACHE=off``, a
table SQLite's JSON cannot hold) tells the caller to read through SQLAlchemy as before.

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
#: the parsed tables of the last state this process asked for, by cache file
_parsed: dict[Path, dict[str, Columns]] = {}


def columns(conn: Connection, name: str) -> Columns | None:
    """The columns of small table ``name`` (named as in ``small_tables.TABLES[name][0]``)
    for the state ``conn`` sees, or None when they are not kept (read them as before)."""
    where = count_cache.slot(conn, small_tables.NAME, small_tables.SUFFIX)
    if where is None:
        return None
    tables = _parsed.get(where.path)
    if tables is None:
        tables = _load(where) or _read(conn, where)
        if tables is None:
            return None
        _parsed.clear()
        _parsed[where.path] = tables
    return tables[name]


def _load(where: count_cache.Slot) -> dict[str, Columns] | None:
    """The tables kept in the cache folder for this state; None (and the file removed)
    when there is none or it is not what :func:`_keep` writes."""
    try:
        text = where.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        text = ""
    try:
        tables = json.loads(text)
    except json.JSONDecodeError:
        tables = None
    if not _well_formed(tables):
        count_cache.remove_older(where)
        where.path.unlink(missing_ok=True)
        return None
    return tables


def _well_formed(tables: object) -> bool:
    """Every table there, each with its columns, all lists of one length."""
    if not isinstance(tables, dict):
        return False
    for name, (names, _, _) in small_tables.TABLES.items():
        table = tables.get(name)
        if not isinstance(table, dict) or set(table) != set(names):
            return False
        if not all(isinstance(column, list) for column in table.values()):
            return False
        if len({len(column) for column in table.values()}) != 1:
            return False
    return True


def _read(conn: Connection, where: count_cache.Slot) -> dict[str, Columns] | None:
    """The tables read now, kept for the next command. Not read ahead on the command
    line's thread: the counting ids keep that thread busy until the imports end, and
    read one after the other there the ids came too late (three busy threads on two
    cores slowed the imports more)."""
    driver = conn.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):  # pragma: no cover - count_cache.slot is SQLite only
        return None
    try:
        texts = small_tables.read(driver)
    except sqlite3.Error:  # e.g. a BLOB where text belongs: JSON cannot hold it; read row by row
        return None
    tables = {name: json.loads(texts[name]) for name in small_tables.TABLES}
    count_cache.save_text_soon(where, "{" + ",".join(f"{json.dumps(name)}:{texts[name]}"
                                                     for name in small_tables.TABLES) + "}")
    return tables
