"""A handle on one project's database: create, open, transactions.

Everything that writes goes through ``Database.begin()``: one transaction per user
action, so that a failed ingest or import leaves the project exactly as it was.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError

from qualcode.errors import ProjectError
from qualcode.store import revision, schema
from qualcode.store.engine import WRITE_OPTION, check_is_project, display_name, make_engine, sqlite_path
from qualcode.store.file_stamps import file_stamps
from qualcode.store.migrations import create_schema, upgrade

T = TypeVar("T")

#: PostgreSQL SQLSTATEs worth a second try: serialization failure, deadlock, unique
#: violation (two coders creating the same row at the same instant)
TRANSIENT_SQLSTATES = {"40001", "40P01", "23505"}


def is_transient(exc: DBAPIError) -> bool:
    """True when trying the same transaction again may well succeed."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in TRANSIENT_SQLSTATES:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message or "deadlock" in message


class Database:
    """An open project database. Use ``Database.create`` or ``Database.open``."""

    def __init__(self, engine: Engine, target: str) -> None:
        self.engine = engine
        self.target = target
        #: frames read while ``cached()`` is active, keyed by reader and arguments; any
        #: write clears it, so a cached read never shows data older than the last write
        self.frame_cache: dict[tuple, object] | None = None
        #: frames kept between calls (see :meth:`lasting_cache`), valid for one revision
        self._lasting: dict[tuple, object] = {}
        self._lasting_revision: tuple[str, ...] | None = None
        path = sqlite_path(target)
        #: the SQLite file whose stamps join the revision in the lasting cache's key
        self._stamped_file: Path | None = path.resolve() if path is not None and path.exists() else None
        self._parents_pool: object | None = None  # see after_fork

    @classmethod
    def create(cls, target: str | Path, title: str = "") -> "Database":
        """Create a new project; refuses to overwrite an existing file or project."""
        target = str(target)
        path = sqlite_path(target)
        if path is not None:
            if path.exists():
                raise ProjectError(f"{path} already exists; open it, or choose another file name")
            if not path.parent.exists():
                raise ProjectError(f"folder {path.parent} does not exist; create it first")
        engine = make_engine(target)
        if path is None:
            with engine.connect() as conn:
                if "meta" in inspect(conn).get_table_names():
                    raise ProjectError(f"{display_name(target)} already holds a qualcode project; open it instead")
        try:
            create_schema(engine, title=title)
        except OperationalError as exc:
            engine.dispose()
            if path is not None and path.exists():
                path.unlink()
            raise ProjectError(f"cannot create project {display_name(target)}: {exc.orig}") from exc
        return cls(engine, target)

    @classmethod
    def open(cls, target: str | Path) -> "Database":
        """Open an existing project, upgrading an older schema after a backup."""
        target = str(target)
        path = sqlite_path(target)
        if path is not None:
            if not path.exists():
                raise ProjectError(f"{path} does not exist; create it with: qualcode init {path}")
            if path.is_dir():
                raise ProjectError(f"{path} is a folder, not a qualcode project file")
        engine = make_engine(target)
        check_is_project(engine, target)
        upgrade(engine, target, path)
        return cls(engine, target)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back on error.

        On SQLite it begins ``IMMEDIATE`` (it takes the write lock first, waiting up to the
        busy timeout for another writer), so a read-then-write never fails half way."""
        if self.frame_cache is not None:
            self.frame_cache.clear()
        self._lasting.clear()
        self._lasting_revision = None
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn
                revision.bump(conn)  # last: a rolled-back write changes nothing, not even this

    def write(self, work: Callable[[Connection], T], attempts: int = 6) -> T:
        """Run ``work(conn)`` in one write transaction, again from the start when the
        database refused it for a reason that passes (a lock held past the busy timeout,
        a PostgreSQL deadlock or serialization failure between two coders). Whatever
        ``work`` raises otherwise (a bad code name, a bad span) is raised at once."""
        for attempt in range(attempts):
            try:
                with self.begin() as conn:
                    return work(conn)
            except DBAPIError as exc:
                if attempt == attempts - 1 or not is_transient(exc):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2 ** attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def cached(self) -> Iterator[None]:
        """Within the block, reading the same frame twice reads the database once (a
        report asks for the applications a dozen times)."""
        outer = self.frame_cache is not None
        if not outer:
            self.frame_cache = {}
        try:
            yield
        finally:
            if not outer:
                self.frame_cache = None

    def forget_frames(self) -> None:
        """Frames read inside :meth:`cached` are read again (another process wrote)."""
        if self.frame_cache is not None:
            self.frame_cache.clear()

    def lasting_cache(self) -> dict[tuple, object]:
        """Frames kept from one call to the next while the project is unchanged.

        Keyed on the project's revision (:mod:`qualcode.store.revision`), which every
        write transaction raises, in this process or any other, and for a SQLite file on
        its stamps (``store.file_stamps``: size, time, which frames of the
        write-ahead log are valid), which a write by another program changes; when the
        key has moved, the cache is emptied first, so a frame from it is never older
        than the last write. The key is read before the caller reads its frame: a write
        landing in between makes the frame newer than its key, never older.
        """
        with self.connect() as conn:
            stamps = file_stamps(self._stamped_file) if self._stamped_file is not None else []
            current = (revision.read(conn), *stamps)
        if current != self._lasting_revision:
            self._lasting.clear()
            self._lasting_revision = current
        return self._lasting

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A read-only use of a connection."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def read_other(self) -> Iterator[Connection]:
        """A read of a project file from someone else (a coder's copy to merge).

        SQLite finds a damaged page only when a query reaches it, so a truncated or
        corrupted copy opens and then fails part way through the read; here that is one
        line naming the file, not a traceback."""
        try:
            with self.engine.connect() as conn:
                yield conn
        # "database disk image is malformed", "file is not a database"; a ValueError is a
        # stored value SQLAlchemy cannot convert back (a date that is not a date).
        except (DatabaseError, ValueError) as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise ProjectError(
                f"{display_name(self.target)}: cannot be read ({detail}); the file is damaged: ask for a fresh copy of it"
            ) from None

    def meta(self, key: str) -> str | None:
        with self.connect() as conn:
            return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        """Set one project-level fact (its own transaction)."""
        with self.begin() as conn:
            conn.execute(schema.meta.delete().where(schema.meta.c.key == key))
            conn.execute(schema.meta.insert().values(key=key, value=value))


    def close(self) -> None:
        self.engine.dispose()

    def after_fork(self) -> None:
        """In a child process made by ``os.fork``: use connections of its own from now on.

        The parent's pooled connections are left alone (not closed: the parent goes on
        using them), as SQLAlchemy prescribes for a forked process; a connection shared by
        two processes corrupts what both read. The parent's pool is kept referenced, never
        used: freeing it would finalise its connections (libpq's goodbye on a PostgreSQL
        socket the parent still uses); the child leaves with ``os._exit``, which runs no
        finaliser."""
        self._parents_pool = self.engine.pool
        self.engine.dispose(close=False)

    def __repr__(self) -> str:
        return f"Database({display_name(self.target)!r})"
