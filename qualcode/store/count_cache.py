"""The counting arrays of a SQLite project, kept on disk between processes.

Every ``qualcode stats ...`` command is a new process that needs the same 10^6 rows of
integer ids (excerpt, source, code, coder per applied coding). Reading them through the
sqlite3 driver makes a Python object per value, about a second per 10^6 rows; loading
the same numbers from a ``.npy`` file takes a few milliseconds. This module keeps that
array in the user's cache folder, valid exactly while the project is unchanged:

* the key holds the project's change counter (:mod:`qualcode.store.revision`), which
  every qualcode write raises, in this process or any other, plus the size and
  modification time of the project file, the size of its write-ahead log and which of
  the log's frames are valid (from the log's index, ``-shm``): a write made with another
  tool changes one of them, also while that tool keeps the project open
  (``store.file_stamps``);
* the stamps are taken *before* the counter and the rows are read, so a write that lands
  in between leaves a file newer than its key, never older;
* only plain numbers are stored (``allow_pickle=False``), written to a temporary file
  and renamed into place, so a reader never sees half a file.

The first command after a write pays for the full read (the "cold" figure in
``benchmarks/RESULTS.md``); the ones after it load the file ("warm").
PostgreSQL projects are not cached: a server can be written by tools that do not raise
the counter, and the rows come over the network in bulk anyway.

``QUALCODE_CACHE=off`` turns the cache off; ``QUALCODE_CACHE_DIR`` moves it (default:
``$XDG_CACHE_HOME/qualcode`` or ``~/.cache/qualcode``).
"""
from __future__ import annotations

import atexit
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from sqlalchemy import Connection

from qualcode.store import count_prefetch, revision
from qualcode.store.file_stamps import file_stamps

@dataclass(frozen=True)
class Slot:
    """Where one array of one project state lives."""

    path: Path
    project: str  # file name prefix shared by every array of this project


def slot(conn: Connection, name: str, suffix: str = ".npy") -> Slot | None:
    """The cache file for array ``name`` of the project behind ``conn`` as it is now,
    or None when there is no cache (PostgreSQL, an in-memory database, turned off).
    ``suffix``: ``.json`` for the small tables (:mod:`qualcode.store.kept_tables`)."""
    if count_prefetch.cache_off():
        return None
    if conn.dialect.name != "sqlite":
        return None
    database = conn.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).resolve()
    stamps = file_stamps(path)  # before the counter (see the module's docstring)
    where, project = count_prefetch.slot_path(path, stamps, revision.read(conn), name, suffix)
    return Slot(where, project)


def load(where: Slot | None, columns: int) -> np.ndarray | None:
    """The array kept for this state, or None (not kept, or not a ``columns``-wide
    2-D array: then the file is removed and the caller reads the project)."""
    if where is None or not where.path.exists():
        return None
    try:
        values = np.load(where.path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        values = None
    if values is None or values.ndim != 2 or values.shape[1] != columns:
        _remove(where.path)
        return None
    return values


_saving: list[threading.Thread] = []
_saving_lock = threading.Lock()
_waits_at_exit = False


def save_soon(where: Slot | None, values: np.ndarray | Callable[[], np.ndarray]) -> None:
    """:func:`save` on a thread of its own: writing 10^6 rows of ids (32 MB) is a tenth of
    a second the command can spend counting instead. ``values`` may be a function that
    makes the array (then on that thread); either must not change after this call. The
    write ends before the process does (:func:`wait_for_saves` runs at exit, also when a
    ``stats`` command ends its process early), and a reader never sees half a file
    (:func:`save` renames a whole one into place), so a command that looks before the
    write is done just reads the project."""
    _soon(save, where, values)


def save_text_soon(where: Slot | None, text: str) -> None:
    """:func:`save_text` on a thread of its own, like :func:`save_soon`."""
    _soon(save_text, where, text)


def _soon(write: Callable[[Slot | None, Any], None], where: Slot | None, content: object) -> None:
    if where is None:
        return
    thread = threading.Thread(target=write, args=(where, content), name="qualcode-count-save")
    global _waits_at_exit
    with _saving_lock:
        _saving[:] = [done for done in _saving if done.is_alive()]  # a long-lived process (the web workspace)
        if not _waits_at_exit:
            atexit.register(wait_for_saves)
            _waits_at_exit = True
        _saving.append(thread)
    thread.start()


def wait_for_saves() -> None:
    """Wait until every :func:`save_soon` of this process has written its file."""
    with _saving_lock:
        pending = list(_saving)
        _saving.clear()
    for thread in pending:
        thread.join()


def save(where: Slot | None, values: np.ndarray | Callable[[], np.ndarray]) -> None:
    """Keep ``values`` for this state and drop this project's older arrays of the same
    name. A cache folder that cannot be written (read-only home, full disk) only means
    the next command reads the project again: not an error the user has to handle."""
    if callable(values):
        values = values()
    _write(where, lambda out: np.save(out, values, allow_pickle=False))


def save_text(where: Slot | None, text: str) -> None:
    """Keep ``text`` (UTF-8) for this state, like :func:`save`."""
    _write(where, lambda out: out.write(text.encode("utf-8")))


def _write(where: Slot | None, write: Callable[[BinaryIO], object]) -> None:
    """Write a whole file for ``where`` (a temporary file renamed into place), then drop
    the same name's files of earlier states."""
    if where is None:
        return
    folder = where.path.parent
    temporary: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, where.path)
        temporary = None
    except OSError:
        if temporary is not None:
            _remove(Path(temporary))
        return
    _remove_older(where)


def _remove_older(where: Slot) -> None:
    """Drop this project's files of the same name kept for earlier states."""
    folder = where.path.parent
    for stale in folder.glob(where.project + "*" + where.path.suffix):
        if stale != where.path:
            _remove(stale)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        return  # gone already (another process), or not ours to remove: nothing is lost
