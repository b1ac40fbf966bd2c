"""Machine coding past one machine: the same batches, run on a Dask cluster.

Why Dask: a survey or multi-site study can have 10^5-10^6 units, and one machine's
processes (``--processes``) stop being enough. The rules or the trained model are sent
to every worker once (``scatter(broadcast=True)``); this process reads each batch of
texts from the store, submits it, and gathers the results in order, so the store is
written from one place in one transaction, exactly as in a local run. A window of a few
batches per worker in flight bounds memory here and on the workers.

``cluster`` is a scheduler address (``tcp://host:8786``; start one with ``dask
scheduler`` and ``dask worker tcp://host:8786`` on each machine, with qualcode installed
there) or ``local`` / ``local:N`` for N worker processes on this machine, which is how to
try it out (in a script, start it under ``if __name__ == "__main__":``, as for any
program that starts processes). Dask is optional: ``pip install 'qualcode[dask]'``.
"""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from qualcode.errors import UsageError

INSTALL_HINT = "pip install 'qualcode[dask]'"
CONNECT_TIMEOUT_S = 10
JOBS_PER_WORKER = 2  # batches in flight per worker
_LOCAL = re.compile(r"^local(?::(\d+))?$")
_HOST_PORT = re.compile(r"^[\w.-]+:\d+$")


def check_cluster(cluster: str) -> None:
    """Raise UsageError for an address that is neither ``local[:N]`` nor a scheduler URL."""
    local = _LOCAL.match(cluster)
    if local:
        if local.group(1) is not None and int(local.group(1)) < 1:
            raise UsageError(f"--cluster {cluster}: a local cluster needs at least 1 worker")
        return
    if "://" not in cluster and not _HOST_PORT.match(cluster):
        raise UsageError(
            f"--cluster {cluster!r}: give a Dask scheduler address such as tcp://host:8786, or local:N"
        )


def run_on_cluster(jobs: Iterable[tuple[int, tuple[Any, ...]]], worker: Any, cluster: str, bar: Any) -> list[pd.DataFrame]:
    """``worker.run(*job)`` for each ``(n_sources, job)`` on the Dask cluster, results in job order."""
    check_cluster(cluster)
    with _client(cluster) as client:
        shared = client.scatter(worker, broadcast=True)
        window = JOBS_PER_WORKER * max(1, len(client.scheduler_info().get("workers", {})))
        results: list[pd.DataFrame] = []
        pending: deque[tuple[int, Any]] = deque()
        for n, job in jobs:
            pending.append((n, client.submit(_run_job, shared, job, pure=False)))
            while len(pending) > window or (pending and pending[0][1].done()):
                results.append(_gather(pending, bar))
        while pending:
            results.append(_gather(pending, bar))
    return results


def _gather(pending: deque[tuple[int, Any]], bar: Any) -> pd.DataFrame:
    size, future = pending.popleft()
    result = future.result()
    bar.update(size)
    return result


def _run_job(worker: Any, job: tuple[Any, ...]) -> pd.DataFrame:
    return worker.run(*job)


@contextmanager
def _client(cluster: str) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(f"--cluster needs Dask, which is not installed: {INSTALL_HINT}") from None
    local = _LOCAL.match(cluster)
    if local:
        workers = int(local.group(1) or 2)
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as pool, \
                Client(pool) as client:
            yield client
        return
    try:
        client = Client(cluster, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as error:
        raise UsageError(
            f"--cluster {cluster}: cannot reach a Dask scheduler there ({error}); start one with "
            "'dask scheduler' or check the address"
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise UsageError(
                f"--cluster {cluster}: the scheduler has no workers; start some with 'dask worker {cluster}'"
            ) from None
        yield client
