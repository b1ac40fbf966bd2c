"""What the codebook rules and the trained suggester share: walking the sources in
batches of text, coding the batches on one or several processes, and storing one
machine run's codings.

Both write the same kind of record (a run, its excerpts, applications with origin
``rule`` or ``model`` and a confidence, status ``suggested`` unless applied directly), so
one function writes it, in one transaction.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from qualcode.coding import dask_runs
from qualcode.errors import UsageError
from qualcode.store import coding as store_coding
from qualcode.store import review_store
from qualcode.store.database import Database

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future

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


@dataclass(frozen=True)
class RunOptions:
    """How a machine run -- the codebook's rules, a text search, the suggester -- goes over
    the project's units: the options every level used to re-declare, declared once.

    ``include_interviewer``: also the interviewer's turns (researchers code what
    participants say); ``n_process``: local processes; ``cluster``: a Dask scheduler
    address or ``local[:N]`` (then ``n_process`` is not used); ``progress``: a progress
    bar (None: when the output is a terminal). ``Project`` methods keep these as keyword
    arguments and hand one ``RunOptions`` down.
    """

    include_interviewer: bool = False
    n_process: int = 1
    cluster: str | None = None
    progress: bool | None = None

    def check(self) -> None:
        """A UsageError for a bad ``n_process`` or ``cluster``, before any work is done."""
        check_run_options(self.n_process, self.cluster)


def check_run_options(n_process: int, cluster: str | None) -> None:
    """A UsageError for a bad ``--processes`` or ``--cluster``, before any work is done."""
    if n_process < 1:
        raise UsageError(f"--processes must be at least 1 (got {n_process})")
    if cluster is not None:
        dask_runs.check_cluster(cluster)


class BatchWorker(Protocol):
    """What codes one batch: the rules of a run, or a loaded suggester."""

    def run(self, *job: Any) -> pd.DataFrame: ...


def run_batches(jobs: Iterable[tuple[int, tuple[Any, ...]]], worker: BatchWorker, n_process: int,
                bar: Any, cluster: str | None = None) -> list[pd.DataFrame]:
    """``worker.run(*job)`` for each ``(n_sources, job)``, results in job order.

    With ``cluster`` (a Dask scheduler address, or ``local[:N]``) the jobs run on that
    cluster instead (``dask_runs``) and ``n_process`` is not used.

    With ``n_process > 1`` the jobs run on forked processes (the worker, with its rules
    or model, is shared, not pickled per batch) while this process reads the next batch's
    texts; a window of a few batches in flight bounds memory to a few batches, not the
    corpus. ``bar`` (tqdm) advances by each job's number of sources.
    """
    if cluster is not None:
        return dask_runs.run_on_cluster(jobs, worker, cluster, bar)
    results: list[pd.DataFrame] = []
    if n_process <= 1:
        for n, job in jobs:
            results.append(worker.run(*job))
            bar.update(n)
        return results
    # processes load with a run that uses them: every Project imports this module
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(n_process, mp_context=_fork_context(), initializer=_init_worker,
                             initargs=(worker,)) as pool:
        pending: deque[tuple[int, Future[pd.DataFrame]]] = deque()
        for n, job in jobs:
            pending.append((n, pool.submit(_work, job)))
            while len(pending) > 2 * n_process or (pending and pending[0][1].done()):
                size, future = pending.popleft()
                results.append(future.result())
                bar.update(size)
        for size, future in pending:
            results.append(future.result())
            bar.update(size)
    return results


_WORKER: BatchWorker | None = None


def _init_worker(worker: BatchWorker) -> None:
    global _WORKER
    _WORKER = worker


def _work(job: tuple[Any, ...]) -> pd.DataFrame:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.run(*job)


def _fork_context() -> Any:
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")
