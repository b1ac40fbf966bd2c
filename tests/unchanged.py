"""What a refused command must leave as it was: every row of the project.

Bad input is refused with one line and *changes nothing* (issue 20). Comparing counts
misses an edited row or a row swapped for another, so the tests of bad input compare
every row of every table before and after, as SQLite dumps it. The one row left out is
the change counter: a write transaction that changes nothing may still raise it (it
only tells cached frames to read again).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path


def project_rows(project_or_path) -> list[str]:
    """The project's schema and rows as SQL statements, without the change counter."""
    target = Path(getattr(project_or_path, "target", project_or_path))
    conn = sqlite3.connect(target)
    try:
        return [line for line in conn.iterdump() if "VALUES('revision'" not in line]
    finally:
        conn.close()
