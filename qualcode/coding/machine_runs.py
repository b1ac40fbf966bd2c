"""What the codebook rules and the trained suggester share: walking the sources in
batches of text, and storing one machine run's codings.

Both write the same kind of record (a run, its excerpts, applications with origin
``rule`` or ``model`` and a confidence, status ``suggested`` unless applied directly), so
one function writes it, in one transaction.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from qualcode.store import coding as store_coding
from qualcode.store import review_store
from qualcode.store.database import Database

#: Source text per batch: bounds memory and feeds the progress bar.
BATCH_CHARS = 2_000_000


def source_batches(source_frame: pd.DataFrame, batch_chars: int = BATCH_CHARS) -> Iterator[list[int]]:
    """Source ids (``source_id`` column, in order) in batches of about ``batch_chars``
    characters of text (``length`` column)."""
    batch: list[int] = []
    size = 0
    for sid, length in zip(source_frame["source_id"], source_frame["length"]):
        batch.append(int(sid))
        size += int(length)
        if size >= batch_chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def store_machine_run(db: Database, fresh: pd.DataFrame, *, coder: str, kind: str, origin: str, apply: bool,
                      params: dict[str, Any], decided_by: str) -> tuple[int, int]:
    """Write a run of ``kind`` (``autocode``, ``suggest``) and its codings in one
    transaction; returns (run id, applications inserted).

    ``fresh`` has ``source_id, start, end, text, code_id, confidence``. With ``apply``
    the codings are stored as applied and the run as decided by ``decided_by``: applying
    without review is a decision too, and the record says who asked for it.
    """
    with db.begin() as conn:
        coder_id = store_coding.ensure_coders(conn, [coder])[coder]
        run_id = store_coding.new_run(conn, kind, coder_id, params)
        excerpt_ids = store_coding.ensure_excerpts(conn, fresh[["source_id", "start", "end", "text"]])
        rows = [
            {"excerpt_id": int(e), "code_id": int(c), "coder_id": coder_id, "origin": origin,
             "status": "applied" if apply else "suggested", "confidence": float(p), "run_id": run_id}
            for e, c, p in zip(excerpt_ids, fresh["code_id"], fresh["confidence"])
        ]
        inserted = store_coding.insert_applications(conn, rows)
        if apply:
            review_store.mark_run_decided(conn, run_id, decided_by)
        review_store.set_run_params(conn, run_id, {**params, "inserted": inserted})
    return run_id, inserted
