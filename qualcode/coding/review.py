"""Reviewing machine suggestions: the queue, and a person's decisions on it.

Machine coding proposes; a person decides. The queue lists applications with status
``suggested``. Every decision records who (``decided_by``) and when (``decided_at``):

* **accept** -- the suggestion becomes ``applied``, still credited to the machine coder
  (so agreement between a rule and the researchers can be measured);
* **reject** -- the suggestion is kept with status ``rejected``: it never comes back
  on a re-run, and a suggester learns from it as negative evidence;
* **recode** -- "right passage, wrong code": the suggestion is rejected (the machine's
  code was wrong) and the reviewer's own application of the new code is added, origin
  ``manual``, status ``applied``;
* **adjust span** -- "right code, wrong passage": the application moves to the new
  span and is accepted;
* **accept above** -- accept every suggestion of one code with confidence at or above a
  threshold, in one transaction.

Order: ``uncertainty`` puts suggestions that carry a measured confidence first -- a
model's, or a rule's calibrated on the hand coding (``autocode --calibrate``) -- the
least certain (closest to 0.5) first: the ones a person's answer teaches most. Then the
rest (rule suggestions whose confidence only counts keyword matches) in source order;
``source`` is source order (source, start, code); ``confidence`` is most confident first.
"""
from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral

import pandas as pd

from qualcode.coding import spans as span_tools
from qualcode.coding.rules.autocode import list_runs
from qualcode.errors import CodingError, NotFoundError, UsageError
from qualcode.store import codes as store_codes
from qualcode.store import coding as store_coding
from qualcode.store import frames, review_store
from qualcode.store import sources as store_sources
from qualcode.store.database import Database

ORDERS = ("uncertainty", "source", "confidence")
QUEUE_COLUMNS = ["application_id", "excerpt_id", "source_id", "source", "case", "start", "end", "speaker", "code",
                 "description", "coder", "origin", "confidence", "run_id", "created_at", "text"]


def review_queue(db: Database, code: str | None = None, origin: str | None = None,
                 order: str = "uncertainty") -> pd.DataFrame:
    """Suggestions waiting for a decision, ordered (see the module docstring)."""
    if order not in ORDERS:
        raise UsageError(f"order {order!r} is not one of {', '.join(ORDERS)}")
    with db.connect() as conn:
        frame = review_store.queue(conn, "suggested")
        chosen = store_codes.resolve(conn, code).path if code else None
        speakers = frames.excerpts(conn)[["excerpt_id", "speaker"]] if not frame.empty else None
    if frame.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    if chosen is not None:
        frame = frame[(frame["code"] == chosen) | frame["code"].str.startswith(chosen + "/")]
    if origin is not None:
        frame = frame[frame["origin"] == origin]
    frame = frame.merge(speakers, on="excerpt_id", how="left")
    calibrated: set[int] = set()
    if order == "uncertainty":
        runs = list_runs(db)
        calibrated = set(int(i) for i in runs.loc[runs["calibrated"].astype(bool), "run_id"])
    return _ordered(frame, order, calibrated)[QUEUE_COLUMNS].reset_index(drop=True)


def _ordered(frame: pd.DataFrame, order: str, calibrated: set[int] = frozenset()) -> pd.DataFrame:
    by_source = ["source", "start", "end", "code"]
    if order == "source":
        return frame.sort_values(by_source, kind="stable")
    if order == "confidence":
        return frame.assign(_c=-frame["confidence"].fillna(-1.0)).sort_values(["_c", *by_source], kind="stable").drop(columns="_c")
    measured = (frame["origin"] == "model") | frame["run_id"].isin(calibrated)
    scored = measured & frame["confidence"].notna()
    first = frame[scored].assign(_u=(frame.loc[scored, "confidence"] - 0.5).abs())
    first = first.sort_values(["_u", *by_source], kind="stable").drop(columns="_u")
    return pd.concat([first, frame[~scored].sort_values(by_source, kind="stable")])


def _known(conn: object, ids: list[int]) -> dict[int, object]:
    rows = review_store.application_rows(conn, ids)  # type: ignore[arg-type]
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFoundError(f"no application {missing[0]}; list suggestions with 'qualcode review --list'")
    return rows


def _ids(ids: int | Iterable[int]) -> list[int]:
    """One id or many (ints, numpy integers, a Series of ids), without repeats."""
    out = [int(ids)] if isinstance(ids, (Integral, str)) else [int(i) for i in ids]
    return list(dict.fromkeys(out))


def decide(db: Database, ids: int | Iterable[int], status: str, by: str) -> int:
    """Set applications to ``applied`` or ``rejected`` (one transaction); returns how many."""
    if status not in ("applied", "rejected"):
        raise UsageError(f"a decision is 'applied' or 'rejected', not {status!r}")
    wanted = _ids(ids)
    with db.begin() as conn:
        _known(conn, wanted)
        return store_coding.set_status(conn, wanted, status, by)


def reopen(db: Database, ids: int | Iterable[int]) -> int:
    """Take decisions back: the machine suggestions return to the queue undecided (what
    an Undo in the workspace does). A person's own codings are not suggestions and are
    left alone. Returns how many went back."""
    wanted = _ids(ids)
    with db.begin() as conn:
        _known(conn, wanted)
        return store_coding.reopen(conn, wanted)


def recode(db: Database, application_id: int, new_code: str, by: str) -> int:
    """Reject the suggestion and apply ``new_code`` to the same excerpt as ``by``; returns
    the new application's id."""
    with db.begin() as conn:
        row = _known(conn, [int(application_id)])[int(application_id)]
        code = store_codes.resolve(conn, new_code)
        if code.id == row.code_id:
            raise CodingError(f"application {application_id} already has code {code.path!r}; accept it instead")
        store_coding.set_status(conn, [row.id], "rejected", by)
        coder_id = store_coding.ensure_coders(conn, [by])[by]
        return review_store.add_decided(conn, excerpt_id=row.excerpt_id, code_id=code.id, coder_id=coder_id,
                                        origin="manual", decided_by=by)


def adjust_span(db: Database, application_id: int, start: int, end: int, by: str) -> int:
    """Move the application to ``[start, end)`` of its source and accept it; returns its id."""
    with db.begin() as conn:
        row = _known(conn, [int(application_id)])[int(application_id)]
        text = store_sources.text_of(conn, row.source_id)
        name = store_sources.name_of(conn, row.source_id)
        span_tools.check_span(text, start, end, name)
        excerpt_id = store_coding.ensure_excerpt(conn, row.source_id, start, end, text[start:end])
        clash = review_store.find_application(conn, excerpt_id, row.code_id, row.coder_id)
        if clash is not None and clash.id != row.id:
            raise CodingError(
                f"{name} [{start}, {end}) already has this code from the same coder (application {clash.id}); "
                "accept or reject that one instead"
            )
        review_store.move_application(conn, row.id, excerpt_id, "applied", by)
        store_coding.delete_orphan_excerpts(conn, [row.excerpt_id])
        return int(row.id)


def accept_above(db: Database, code: str, threshold: float, by: str) -> int:
    """Accept every suggestion of ``code`` (not its children) with confidence >= threshold;
    returns how many (see :func:`accept_above_batch` for the batch's number)."""
    return accept_above_batch(db, code, threshold, by)[0]


def accept_above_batch(db: Database, code: str, threshold: float, by: str) -> tuple[int, int | None]:
    """Accept every suggestion of ``code`` (not its children) with confidence >= threshold,
    as one recorded batch; returns how many and the batch's number (None: nothing accepted).

    The batch is recorded (``decision_batches``) so that :func:`undo_batch` can take
    back exactly these acceptances, leaving the run and the reviewer's other decisions.
    The number comes from the same transaction, so a page or a command that offers to
    undo it names this batch even when another reviewer makes one at the same time."""
    if not 0.0 <= threshold <= 1.0:
        raise UsageError(f"the threshold is a confidence between 0 and 1 (got {threshold})")
    with db.begin() as conn:
        path = store_codes.resolve(conn, code).path
        frame = review_store.queue(conn, "suggested")
        if frame.empty:
            return 0, None
        chosen = frame[(frame["code"] == path) & (frame["confidence"] >= threshold)]
        ids = [int(i) for i in chosen["application_id"]]
        done = store_coding.set_status(conn, ids, "applied", by)
        number = None
        if ids:
            number = review_store.record_batch(conn, ids, "applied", by,
                                               f"accept {path} at confidence >= {threshold:g}")
        return done, number


def decision_batches(db: Database) -> pd.DataFrame:
    """Batch decisions made so far: ``batch, what, status, by, at, applications, undone``."""
    with db.connect() as conn:
        return review_store.batches(conn)


def last_batch(db: Database) -> int | None:
    """The number of the newest batch decision, if any."""
    table = decision_batches(db)
    return int(table["batch"].iloc[-1]) if not table.empty else None


def undo_batch(db: Database, number: int) -> dict[str, int]:
    """Return one batch's acceptances to the queue (``suggested``), in one transaction.

    Only the batch's own applications, and only those still as the batch left them: a
    suggestion the reviewer rejected or recoded afterwards keeps that decision (counted
    as ``kept``); the autocoding run and every other decision stay."""
    with db.begin() as conn:
        done = review_store.undo_batch(conn, number)
    if done is None:
        raise NotFoundError(f"no batch decision {number}; list them with 'qualcode review --batches'")
    if done["already"]:
        raise UsageError(f"batch {number} was undone already")
    return {"undone": done["undone"], "kept": done["kept"]}
