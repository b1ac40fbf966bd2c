"""Confirmed and rejected names (``redaction_entities``, ``redaction_variants``).

A decision is about a *variant* (one way a name is written, under its normalised
``key``); variants belong to entities, and an entity is what gets one pseudonym. The
caller computes keys (``qualcode.privacy``); this module only stores. Every function
takes the caller's connection, so a batch of decisions is one transaction.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, delete, func, select, update

from qualcode.store import schema
from qualcode.store.frames import _read
from qualcode.store.migrations import utcnow

E, V = schema.redaction_entities, schema.redaction_variants
LEGACY_KEY = "redact_names"


@dataclass(frozen=True)
class VariantRow:
    text: str
    key: str
    match_case: bool = False


def entities(conn: Connection) -> pd.DataFrame:
    """One row per variant: entity_id, kind, number, label, status, decided_by, text, key,
    match_case; ordered by kind, number and text."""
    stmt = (select(E.c.id.label("entity_id"), E.c.kind, E.c.number, E.c.label, E.c.status, E.c.decided_by,
                   V.c.text, V.c.key, V.c.match_case)
            .join(V, V.c.entity_id == E.c.id)
            .order_by(E.c.kind, E.c.number, V.c.text))
    frame = _read(conn, stmt)
    if not frame.empty:
        frame["match_case"] = frame["match_case"].astype(bool)
    return frame


def _next_number(conn: Connection, kind: str) -> int:
    """The next pseudonym number of ``kind``: one past any ever given (a counter in meta),
    so "[Person 3]" of a forgotten name never comes back as someone else."""
    key = f"redaction_last_{kind}"[:64]
    highest = conn.execute(select(func.max(E.c.number)).where(E.c.kind == kind)).scalar()
    counted = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()
    number = max(int(highest or 0), int(counted or 0)) + 1
    conn.execute(delete(schema.meta).where(schema.meta.c.key == key))
    conn.execute(schema.meta.insert().values(key=key, value=str(number)))
    return number


def new_entity(conn: Connection, kind: str, status: str, label: str | None = None,
               decided_by: str | None = None) -> int:
    number = _next_number(conn, kind)
    return int(conn.execute(E.insert().values(kind=kind, number=number, label=label, status=status,
                                              decided_by=decided_by, created_at=utcnow())).inserted_primary_key[0])


def entity_of(conn: Connection, key: str) -> int | None:
    found = conn.execute(select(V.c.entity_id).where(V.c.key == key)).scalar()
    return None if found is None else int(found)


def attach(conn: Connection, entity_id: int, variants: Sequence[VariantRow]) -> None:
    """Make each variant belong to ``entity_id`` (moving it from another entity);
    entities left without a variant are deleted."""
    for variant in variants:
        old = entity_of(conn, variant.key)
        if old is None:
            conn.execute(V.insert().values(entity_id=entity_id, text=variant.text, key=variant.key,
                                           match_case=variant.match_case))
        elif old != entity_id:
            conn.execute(update(V).where(V.c.key == variant.key).values(entity_id=entity_id))
    drop_empty(conn)


def drop_empty(conn: Connection) -> None:
    used = select(V.c.entity_id).distinct()
    conn.execute(delete(E).where(E.c.id.not_in(used)))


def update_entity(conn: Connection, entity_id: int, *, status: str | None = None, kind: str | None = None,
                  label: str | None = None, clear_label: bool = False, decided_by: str | None = None) -> None:
    values: dict[str, object] = {}
    if status is not None:
        values["status"] = status
    if kind is not None:
        current = conn.execute(select(E.c.kind).where(E.c.id == entity_id)).scalar()
        if current != kind:
            values["kind"] = kind
            values["number"] = _next_number(conn, kind)
    if label is not None or clear_label:
        values["label"] = label
    if decided_by is not None:
        values["decided_by"] = decided_by
    if values:
        conn.execute(update(E).where(E.c.id == entity_id).values(**values))


def forget(conn: Connection, keys: Sequence[str]) -> int:
    """Remove the decisions on these variants; returns how many there were."""
    if not keys:
        return 0
    gone = conn.execute(delete(V).where(V.c.key.in_(list(keys)))).rowcount or 0
    drop_empty(conn)
    return int(gone)


def legacy_names(conn: Connection) -> list[str]:
    """The redaction list of projects made before schema 4 (meta ``redact_names``)."""
    import json

    raw = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == LEGACY_KEY)).scalar()
    return list(json.loads(raw)) if raw else []


def drop_legacy_names(conn: Connection) -> None:
    conn.execute(delete(schema.meta).where(schema.meta.c.key == LEGACY_KEY))
