"""The stamps of a SQLite project file: what changes when anyone writes to it.

qualcode's own writes raise the change counter (:mod:`qualcode.store.revision`); a write
made with another program does not. The counts kept between commands
(:mod:`qualcode.store.count_cache`) and the frames a notebook keeps between calls
(``Database.lasting_cache``) are keyed on the counter and on these stamps together.

Standard library only: the command line's prefetch thread
(:mod:`qualcode.store.count_prefetch`) takes them before anything heavy is imported.
"""
from __future__ import annotations

import struct
import time
from pathlib import Path


def file_stamps(path: Path) -> list[str]:
    """Size and time of the project file, size of its write-ahead log, and which frames of
    the log are valid (:func:`log_index_stamp`): a write made with another tool than
    qualcode, which does not raise the change counter, changes one of them. Taken before
    the change counter and the rows are read, so a write in between leaves data newer
    than its key."""
    stamps = []
    for part, with_time in ((path, True), (path.with_name(path.name + "-wal"), False)):
        try:
            st = part.stat()
        except FileNotFoundError:
            stamps.append("-")
            continue
        # the log's time changes whenever a process re-creates it: its size says enough
        stamps.append(f"{st.st_size}:{st.st_mtime_ns}" if with_time else str(st.st_size))
    stamps.append(log_index_stamp(path.with_name(path.name + "-shm")))
    return stamps


#: the write-ahead log's index header (https://www.sqlite.org/walformat.html, 2.2.1), kept
#: twice at the start of the ``-shm`` file, in the machine's byte order: version, padding,
#: change counter, initialised, checksum order, page size, last valid frame, pages, the
#: last frame's checksum, the log's salts, the header's checksum
_LOG_INDEX_HEADER = struct.Struct("=IIIBBHII2I2I2I")


def log_index_stamp(shm: Path) -> str:
    """Which frames of the write-ahead log hold committed pages: the last valid frame,
    its checksum and the log's salts, from the log's index (``-shm``).

    Another program that keeps the project open (a database browser, a team's script)
    writes its changes into the log, and after a checkpoint SQLite reuses the log from
    its start: the log keeps its size and the project file its time, so only the index
    says that the pages changed. An empty log is "0" whatever its salts (each process that
    opens a closed project makes a new log). Two copies of the header that differ (a
    write is under way) give a stamp no later state can match: the count is read afresh."""
    try:
        with open(shm, "rb") as handle:
            raw = handle.read(2 * _LOG_INDEX_HEADER.size)
    except FileNotFoundError:
        return "-"
    except OSError:
        return f"unreadable:{time.monotonic_ns()}"
    if len(raw) < 2 * _LOG_INDEX_HEADER.size or raw[:_LOG_INDEX_HEADER.size] != raw[_LOG_INDEX_HEADER.size:]:
        return f"unsettled:{time.monotonic_ns()}"
    fields = _LOG_INDEX_HEADER.unpack(raw[:_LOG_INDEX_HEADER.size])
    last_frame = fields[6]
    if last_frame == 0:
        return "0"
    return ":".join(str(value) for value in (last_frame, *fields[8:12]))
