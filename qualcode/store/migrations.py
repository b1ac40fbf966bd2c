"""Schema versions and numbered migrations.

A new project is created from the current ``schema.metadata`` and stamped with
``SCHEMA_VERSION``. An older project is upgraded step by step by the functions in
``MIGRATIONS`` (``n`` upgrades version ``n-1`` to ``n``), all in one transaction, after a
copy of the SQLite file has been kept next to it (``study.qcproj.bak-v1``): a failed
upgrade must never cost a team its coding. A project written by a newer qualcode is
refused rather than half-understood.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine

from qualcode.version import __version__
from qualcode.errors import ProjectError, SchemaVersionError
from qualcode.store import schema
from qualcode.store.engine import APP_NAME, display_name

SCHEMA_VERSION = 4


def _add_coded_sources(conn: Connection) -> None:
    """2: the ``coded_sources`` table (which sources a coder has read and coded)."""
    schema.coded_sources.create(conn)


def _add_speaker_roles(conn: Connection) -> None:
    """3: the ``speaker_roles`` table (who is the interviewer). An older project has no
    rows: its speakers keep the roles their labels give them until the next ingest guesses
    or someone sets them."""
    schema.speaker_roles.create(conn)


def _add_redactions(conn: Connection) -> None:
    """4: confirmed names (``redaction_entities``, ``redaction_variants``). The old
    redaction list (meta ``redact_names``) is turned into entities by the project on first
    use, where the kind of each name can be guessed."""
    schema.redaction_entities.create(conn, checkfirst=True)
    schema.redaction_variants.create(conn, checkfirst=True)


#: version -> function that upgrades a project from ``version - 1`` to ``version``.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {2: _add_coded_sources, 3: _add_speaker_roles,
                                                       4: _add_redactions}


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def create_schema(engine: Engine, title: str = "") -> None:
    """Create every table and stamp the project (one transaction)."""
    with engine.begin() as conn:
        schema.metadata.create_all(conn)
        conn.execute(
            schema.meta.insert(),
            [
                {"key": "app", "value": APP_NAME},
                {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                {"key": "namespace", "value": str(uuid.uuid4())},
                {"key": "created_at", "value": utcnow().isoformat(timespec="seconds")},
                {"key": "created_by_version", "value": __version__},
                {"key": "title", "value": title},
            ],
        )


def stored_version(conn: Connection) -> int:
    value = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()
    return int(value) if value is not None else 0


def upgrade(engine: Engine, target: str, sqlite_file: Path | None) -> int:
    """Bring the project to ``SCHEMA_VERSION``; returns the version it had before."""
    with engine.connect() as conn:
        try:
            version = stored_version(conn)
        except ValueError:
            version = -1
    if version < 1:  # the first schema is 1; a missing or odd value is a damaged file, not an old one
        raise ProjectError(
            f"{display_name(target)}: its schema version is not one qualcode ever wrote; the project file is "
            "damaged: use a backup of it"
        )
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{display_name(target)} was written by a newer qualcode (schema {version}, this is "
            f"{SCHEMA_VERSION}, qualcode {__version__}); upgrade qualcode: pip install -U qualcode"
        )
    if version == SCHEMA_VERSION:
        return version
    if sqlite_file is not None:
        backup_sqlite(sqlite_file, sqlite_file.with_name(f"{sqlite_file.name}.bak-v{version}"))
    with engine.begin() as conn:
        for step in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](conn)
        conn.execute(
            schema.meta.update().where(schema.meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION))
        )
    return version


def backup_sqlite(source: Path, destination: Path) -> Path:
    """A consistent copy of a live SQLite file (the backup API copes with WAL)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(destination)) as dst:
        src.backup(dst)
    return destination
