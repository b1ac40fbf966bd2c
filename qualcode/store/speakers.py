"""Speaker roles and the turns they are judged on: the SQL behind ``qualcode speakers``."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import Connection, delete, select

from qualcode.store import schema
from qualcode.store import sources as store_sources
from qualcode.store.migrations import utcnow

R = schema.speaker_roles
#: Segments that are someone's turn: transcript turns (subtitle turns included) and email messages.
TURN_KINDS = ("turn", "message")


def roles(conn: Connection) -> dict[str, str]:
    """The project's stored roles, speaker key -> role (``qualcode.speech.roles.SpeakerRoles``
    adds the label rule)."""
    return {key: role for key, role in conn.execute(select(R.c.key, R.c.role))}


def assigned(conn: Connection) -> pd.DataFrame:
    """Stored roles: ``key, name, role, origin``."""
    rows = conn.execute(select(R.c.key, R.c.name, R.c.role, R.c.origin).order_by(R.c.key)).all()
    return pd.DataFrame(rows, columns=["key", "name", "role", "origin"])


def set_role(conn: Connection, key: str, name: str, role: str, origin: str = "user") -> None:
    """Give speaker ``name`` (compared as ``key``) a role, replacing a guess or an earlier choice."""
    conn.execute(delete(R).where(R.c.key == key))
    conn.execute(R.insert().values(key=key, name=name, role=role, origin=origin, updated_at=utcnow()))


def replace_guesses(conn: Connection, guesses: Mapping[str, tuple[str, str]]) -> list[str]:
    """Drop the stored guesses and store ``guesses`` (key -> (name, role)) for every speaker
    a person has not decided on. Returns the names newly guessed (not guessed before)."""
    before = {key for key, in conn.execute(select(R.c.key).where(R.c.origin == "guess"))}
    decided = {key for key, in conn.execute(select(R.c.key).where(R.c.origin == "user"))}
    conn.execute(delete(R).where(R.c.origin == "guess"))
    rows = [{"key": key, "name": name, "role": role, "origin": "guess", "updated_at": utcnow()}
            for key, (name, role) in guesses.items() if key not in decided]
    if rows:
        conn.execute(R.insert(), rows)
    return [row["name"] for row in rows if row["key"] not in before]


def confirm_guesses(conn: Connection) -> list[str]:
    """Make every guessed role a person's decision; returns the names confirmed."""
    names = [name for name, in conn.execute(select(R.c.name).where(R.c.origin == "guess").order_by(R.c.key))]
    conn.execute(R.update().where(R.c.origin == "guess").values(origin="user", updated_at=utcnow()))
    return names


def turns(conn: Connection) -> pd.DataFrame:
    """Every turn with a speaker: ``source_id, speaker, text`` in source order (each
    source's text read once)."""
    G = schema.segments
    stmt = (
        select(G.c.source_id, G.c.speaker, G.c.start, G.c.end)
        .where(G.c.kind.in_(TURN_KINDS), G.c.speaker.is_not(None))
        .order_by(G.c.source_id, G.c.start)
    )
    spans = conn.execute(stmt).all()
    texts = store_sources.texts(conn, sorted({row.source_id for row in spans})) if spans else {}
    rows = [(sid, speaker, texts[sid][start:end]) for sid, speaker, start, end in spans]
    return pd.DataFrame(rows, columns=["source_id", "speaker", "text"])
