"""Cases (participants, organisations) and their typed descriptor values."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from qualcode.store import schema
from qualcode.store.dml import insert_ignore
from qualcode.store.migrations import utcnow


def case_ids(conn: Connection) -> dict[str, int]:
    return {r.name: r.id for r in conn.execute(select(schema.cases.c.id, schema.cases.c.name))}


def ensure_cases(conn: Connection, names: list[str]) -> dict[str, int]:
    """Create the cases that do not exist yet; returns name -> id for all of them."""
    existing = case_ids(conn)
    now = utcnow()
    new = [{"name": n, "created_at": now} for n in dict.fromkeys(names) if n not in existing]
    if new:
        conn.execute(schema.cases.insert(), new)
        existing = case_ids(conn)
    return {n: existing[n] for n in names}


def fields(conn: Connection) -> dict[str, dict[str, Any]]:
    """name -> {id, type, levels, position}"""
    rows = conn.execute(select(schema.descriptor_fields)).all()
    return {r.name: {"id": r.id, "type": r.type, "levels": r.levels, "position": r.position} for r in rows}


def ensure_field(conn: Connection, name: str, type_: str, levels: list[str] | None = None) -> int:
    """The id of a descriptor field, created when new. An existing field keeps its type."""
    existing = fields(conn)
    if name in existing:
        if levels and not existing[name]["levels"]:
            conn.execute(
                update(schema.descriptor_fields).where(schema.descriptor_fields.c.id == existing[name]["id"]).values(levels=levels)
            )
        return int(existing[name]["id"])
    result = conn.execute(
        schema.descriptor_fields.insert().values(name=name, type=type_, levels=levels or None, position=len(existing))
    )
    return int(result.inserted_primary_key[0])


def current_values(conn: Connection, field_id: int) -> dict[int, str | None]:
    """case id -> stored text value for one field."""
    stmt = select(schema.descriptor_values.c.case_id, schema.descriptor_values.c.value).where(
        schema.descriptor_values.c.field_id == field_id
    )
    return {r.case_id: r.value for r in conn.execute(stmt)}


def set_values(conn: Connection, field_id: int, values: dict[int, str | None]) -> None:
    """Set one field for many cases (replacing what was there)."""
    if not values:
        return
    conn.execute(
        schema.descriptor_values.delete().where(
            schema.descriptor_values.c.field_id == field_id,
            schema.descriptor_values.c.case_id.in_(list(values)),
        )
    )
    insert_ignore(
        conn,
        schema.descriptor_values,
        [{"field_id": field_id, "case_id": cid, "value": v} for cid, v in values.items()],
    )
