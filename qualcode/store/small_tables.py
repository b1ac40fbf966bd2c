"""The small tables every count reads, asked of SQLite as one JSON text each.

Beside its 10^6 codings a count needs each source's name, kind, case and wave, which
sources have excerpts, and the cases' descriptors: a few tens of thousands of rows. They
are small, but reading them costs a fifth of a second a command: the sources table
stores each source's text in its row, before the case and wave columns, so a scan
reads every text, and the driver makes a Python object per value. Here SQLite builds
each column as one JSON text (``json_group_array``) in C, and
:mod:`qualcode.store.kept_tables` keeps the texts on disk beside the counting arrays
until the next write, so a later command parses a file instead.

Every column read here is an integer or a text (no REAL, which SQLite's JSON would
print with 15 digits), so the rows are exactly what the driver returns. Each query has
the ``ORDER BY`` of the ``store.frames`` read it stands in for, in a subquery (SQLite
never flattens an ordered subquery into an aggregate, so the rows reach
``json_group_array`` in that order).

Standard library only, like the other reads made before anything heavy is imported.
"""
from __future__ import annotations

import sqlite3

#: the cache file of each table's text (``count_prefetch.slot_path``):
#: ``<project>-small_tables_<table>-<state>.json``
NAME = "small_tables"
SUFFIX = ".json"
#: per table: the columns of its rows (as ``store.frames`` names them), the SQL of each,
#: and the rest of the query (FROM, WHERE, ORDER BY)
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    # frames.source_table
    "sources": (("id", "name", "kind", "case", "wave"),
                ("s.id", "s.name", "s.kind", "c.name", "s.wave"),
                "FROM sources AS s LEFT OUTER JOIN cases AS c ON s.case_id = c.id ORDER BY s.id"),
    # frames.material: the sources that have at least one excerpt
    "material": (("id",), ("s.id",),
                 "FROM sources AS s WHERE EXISTS (SELECT 1 FROM excerpts AS x WHERE x.source_id = s.id) "
                 "ORDER BY s.id"),
    # frames.descriptors
    "cases": (("id", "case"), ("c.id", "c.name"), "FROM cases AS c ORDER BY c.name"),
    "fields": (("id", "name", "type", "levels"), ("f.id", "f.name", "f.type", "f.levels"),
               "FROM descriptor_fields AS f ORDER BY f.position, f.id"),
    "values": (("case_id", "field_id", "value"), ("v.case_id", "v.field_id", "v.value"),
               "FROM descriptor_values AS v ORDER BY v.id"),
}


def query(name: str) -> str:
    """The statement that returns table ``name`` as one JSON array per column, in one
    row (columns, not rows: a frame is built from columns without transposing)."""
    _, expressions, rest = TABLES[name]
    named = ", ".join(f"{e} AS t{i}" for i, e in enumerate(expressions))
    arrays = ", ".join(f"json_group_array(t{i})" for i in range(len(expressions)))
    return f"SELECT {arrays} FROM (SELECT {named} {rest})"


def read_table(con: sqlite3.Connection, name: str) -> str:
    """Table ``name`` of :data:`TABLES` as one JSON text, an object of its columns
    (``{"id": [...], "name": [...]}``), read on ``con``."""
    columns = TABLES[name][0]
    arrays = con.execute(query(name)).fetchone()
    return "{" + ", ".join(f'"{column}": {array or "[]"}' for column, array in zip(columns, arrays)) + "}"
