"""Reading a SQLite project's counting ids on a second thread while a command starts.

A ``qualcode stats`` command spends its first second importing pandas, SQLAlchemy and
qualcode; the first one after a write then reads 10^6 rows of ids (excerpt, source,
code and coder of each applied coding), about another second. SQLite does that read in
C with the GIL released, so the command line starts it here (:func:`start`) as soon as
it knows the project file, and the read runs on the second core during the imports.
:func:`take` hands the result to ``frames.counting_applications`` only when it was read
for the very state that command sees (the same cache file name, :func:`slot_path`:
change counter, file stamps), so a write in between just means a second read.

The thread uses plain ``sqlite3`` and imports nothing heavy (importing SQLAlchemy or
numpy there would hold the GIL against the main thread's imports), and asks SQLite for
each column as one text (``group_concat``): one step in C instead of a Python object
per row, a third less work than the row by row read even without the second core.
``group_concat`` keeps no promised order before SQLite 3.44, so the application ids
come along in the same aggregate (both texts list the rows in the same order) and the
caller puts the rows in id order. The ids are packed into one integer per row as
``frames.counting_ids`` packs them (bits from each table's largest id); ids too large
to pack, a locked or damaged file: nothing is prefetched and the command reads as usual.

``stats weights`` counts the weights too (the ``weight`` columns of
``frames.counting_applications(conn, "applied", ("weight",))``). Studies weight codings
with whole numbers (a rating from 1 to 5), so the thread packs each coding's weight into
10 bits below its ids: none, a whole number from -510 to 511 (exact as a float), or
"other". Texts of floats would lose digits (SQLite's REAL-to-text keeps 15) and cost half
a second to parse, and a first pass for the distinct weights cost 0.4 s; a single coding
weighted otherwise (2.5) makes ``frames`` read the weights afresh instead.

This module is imported by the command line before anything heavy: standard library only.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

from qualcode.store.file_stamps import file_stamps

#: the cache name of the array read here: applied codings, no extra column
#: (``frames.counting_applications(conn, "applied")``); with the weights, ``NAME + "_weight"``
NAME = "counting_applied"
#: the extra columns the thread can read beside the ids (``frames.COUNT_EXTRAS``)
EXTRAS = ("weight",)
#: ``frames._ID_TABLES``: excerpt, source, code, coder
_ID_TABLES = ("excerpts", "sources", "codes", "coders")
_PACK_BITS = 63
#: with the weights the ids travel in a float64 array: none may need more than 53 bits
_FLOAT_BITS = 53
#: bits for a coding's weight below its packed ids, and the weights they can say exactly:
#: number 0 is no weight, 1 a weight that is not a whole number from -510 to 511 (then
#: ``frames`` reads the weights afresh), 2 and up the whole numbers from -510
_WEIGHT_BITS = 10
_LOWEST_WEIGHT = -510
#: the weight of each number from 1 (``nan``: not said here, read the project)
WEIGHT_VALUES: tuple[float, ...] = (float("nan"), *(float(w) for w in range(_LOWEST_WEIGHT, 512)))

_lock = threading.Lock()
_threads: dict[Path, threading.Thread] = {}
#: what was read, by cache file: application ids and packed ids as texts, the bits of
#: each id, then (for the weights) the weight of each number packed below them (``WEIGHT_VALUES``)
Texts = tuple  # (str, str, tuple[int, ...]) or (str, str, tuple[int, ...], tuple[float, ...])
_read: dict[Path, Texts] = {}


def cache_off() -> bool:
    """``QUALCODE_CACHE=off`` (or 0, no, false) turns the kept arrays off."""
    return os.environ.get("QUALCODE_CACHE", "").strip().lower() in ("0", "off", "no", "false")


def cache_folder() -> Path:
    """Where the arrays are kept: ``$QUALCODE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/qualcode/counts`` or ``~/.cache/qualcode/counts``."""
    chosen = os.environ.get("QUALCODE_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualcode" / "counts"


def slot_path(path: Path, stamps: list[str], revision: str, name: str, suffix: str = ".npy") -> tuple[Path, str]:
    """The cache file of array ``name`` of the project file ``path`` in the state given by
    its ``stamps`` and change counter ``revision``, and the prefix every array of that
    project's ``name`` shares. ``suffix``: ``.json`` for the small tables
    (:mod:`qualcode.store.kept_tables`)."""
    project = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    state = hashlib.sha256("|".join([*stamps, revision, name]).encode()).hexdigest()[:24]
    return cache_folder() / f"{project}-{name}-{state}{suffix}", f"{project}-{name}-"


def project_file(target: str | None, folder: str | Path = ".") -> Path | None:
    """The SQLite file a command will open, found as ``Project.locate`` finds it
    (``target``, else ``$QUALCODE_PROJECT``, else the one ``*.qcproj`` in ``folder``);
    None for a server database or when there is no single file."""
    target = target or os.environ.get("QUALCODE_PROJECT")
    if not target:
        found = sorted(Path(folder).glob("*.qcproj"))
        return found[0].resolve() if len(found) == 1 else None
    if "://" in target:
        if not target.startswith("sqlite:///"):
            return None
        target = target[len("sqlite:///"):]
    path = Path(target)
    return path.resolve() if path.is_file() else None


def start(target: str | None, extra: tuple[str, ...] = ()) -> None:
    """Begin reading the counting ids of the project ``target`` names (as the command
    line's ``--project``) on a daemon thread, unless the cache is off, the project is not
    a SQLite file, or a read of it is already under way. ``extra``: ``("weight",)`` to
    read the weights with them (``stats weights``)."""
    with _lock:  # threads that ended without anyone taking their read (a command that failed early)
        for ended in [key for key, thread in _threads.items() if not thread.is_alive()]:
            del _threads[ended]
    if cache_off():
        return
    if any(column not in EXTRAS for column in extra):
        raise ValueError(f"the prefetch reads only {EXTRAS} beside the ids, not {extra}")
    path = project_file(target)
    if path is None:
        return
    with _lock:
        if path in _threads and _threads[path].is_alive():
            return
        thread = threading.Thread(target=_prefetch, args=(path, tuple(extra)), name="qualcode-count-prefetch",
                                  daemon=True)
        _threads[path] = thread
    thread.start()


def take(where: Path) -> Texts | None:
    """What the thread read for cache file ``where`` (waiting for it to finish): the
    application ids and the packed ids as texts of space-separated numbers, the bits of
    each packed id, and for the weights ``WEIGHT_VALUES``; None when nothing was read for
    exactly that state. Whatever else was read is dropped."""
    with _lock:
        threads = list(_threads.values())
    for thread in threads:
        thread.join()
    with _lock:
        texts = _read.pop(where, None)
        _read.clear()  # a read for another state is of no use to anyone now
        _threads.clear()
        return texts


def read_texts(con: sqlite3.Connection, path: Path, extra: tuple[str, ...] = ()) -> tuple[Path, Texts | None]:
    """In one read transaction on ``con``: the cache file for the state seen, and (unless
    that file exists already or the ids cannot be packed) the texts :func:`take` gives."""
    # the command's own connection holds the write-ahead log open when it takes its
    # stamps (SQLite creates the log on a connection's first read): so does this one
    con.execute("SELECT count(*) FROM meta").fetchone()
    stamps = file_stamps(path)
    con.execute("BEGIN")
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        name = "_".join((NAME, *extra))
        where, _ = slot_path(path, stamps, (row[0] if row and row[0] else "0"), name)
        if where.exists():
            return where, None  # a warm command: the kept array is loaded, nothing to read
        weight_bits = _WEIGHT_BITS if extra else 0
        bits = _bits(con, _PACK_BITS - weight_bits)
        if bits is None or (extra and max(bits) > _FLOAT_BITS):
            return where, None
        packed = "CAST(a.excerpt_id AS INTEGER)"
        for table, width in zip(("x.source_id", "a.code_id", "a.coder_id"), bits[1:]):
            packed = f"({packed} * {1 << width} + {table})"
        if extra:  # each weight's number (``WEIGHT_VALUES``) in the low bits
            packed = (f"({packed} * {1 << weight_bits} + CASE WHEN a.weight IS NULL THEN 0 "
                      f"WHEN a.weight = CAST(a.weight AS INTEGER) AND a.weight BETWEEN {_LOWEST_WEIGHT} "
                      f"AND {_LOWEST_WEIGHT + len(WEIGHT_VALUES) - 2} "
                      f"THEN CAST(a.weight AS INTEGER) - {_LOWEST_WEIGHT - 2} ELSE 1 END)")
        ids, values = con.execute(
            f"SELECT group_concat(a.id, ' '), group_concat({packed}, ' ') "
            "FROM applications AS a JOIN excerpts AS x ON a.excerpt_id = x.id "
            "WHERE a.status = 'applied'").fetchone()
        weights = WEIGHT_VALUES
        return where, ((ids or "", values or "", bits, weights) if extra else (ids or "", values or "", bits))
    finally:
        con.execute("COMMIT")


def _bits(con: sqlite3.Connection, budget: int = _PACK_BITS) -> tuple[int, ...] | None:
    """Bits of each id as ``frames._id_bits`` counts them (None: they do not fit in ``budget``)."""
    bounds = con.execute("SELECT " + ", ".join(
        f"(SELECT min(id) FROM {t}), (SELECT max(id) FROM {t})" for t in _ID_TABLES)).fetchone()
    lows, highs = bounds[0::2], bounds[1::2]
    if any(low is not None and int(low) < 0 for low in lows):
        return None
    bits = tuple(max(1, int(high or 0).bit_length()) for high in highs)
    return bits if sum(bits) <= budget else None


def _prefetch(path: Path, extra: tuple[str, ...] = ()) -> None:
    """The thread: read, keep the texts under their cache file name. A file SQLite cannot
    read (locked past the timeout, not a project, damaged) leaves nothing: the command
    then reads through the store and reports the problem itself."""
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=5, isolation_level=None,
                              check_same_thread=False)
    except sqlite3.Error:
        return
    try:
        where, texts = read_texts(con, path, extra)
    except sqlite3.Error:
        return
    finally:
        con.close()
    if texts is not None:
        with _lock:
            _read[where] = texts
