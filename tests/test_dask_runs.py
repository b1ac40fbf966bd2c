"""Batches on a Dask cluster: really on other processes, results in job order, clear errors."""
from __future__ import annotations

import os

import pandas as pd
import pytest

from qualcode.coding import dask_runs
from qualcode.errors import UsageError


class _Bar:
    def __init__(self) -> None:
        self.n = 0

    def update(self, n: int) -> None:
        self.n += n


class _WhereAmI:
    """A batch worker that says which process ran each job."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def run(self, number: int) -> pd.DataFrame:
        return pd.DataFrame({"job": [number + self.offset], "pid": [os.getpid()]})


def test_jobs_run_on_the_cluster_workers_and_come_back_in_order():
    pytest.importorskip("distributed")
    bar = _Bar()
    jobs = ((2, (n,)) for n in range(12))
    results = dask_runs.run_on_cluster(jobs, _WhereAmI(offset=100), "local:2", bar)
    frame = pd.concat(results, ignore_index=True)
    assert frame["job"].tolist() == list(range(100, 112))
    assert os.getpid() not in set(frame["pid"])  # not run here
    assert bar.n == 24


@pytest.mark.parametrize("address", ["laptop", "local:0", "local:two"])
def test_an_address_that_is_not_one_says_what_to_give(address):
    with pytest.raises(UsageError, match="--cluster"):
        dask_runs.check_cluster(address)


@pytest.mark.parametrize("address", ["local", "local:3", "tcp://10.0.0.5:8786", "scheduler:8786"])
def test_scheduler_addresses_and_local_clusters_are_accepted(address):
    dask_runs.check_cluster(address)


def test_the_command_line_names_a_bad_address_before_doing_anything(project, tmp_path):
    from click.testing import CliRunner

    from qualcode.cli import cli

    path = str(tmp_path / "study.qcproj")  # the project fixture's file
    runner = CliRunner()
    for args in (["autocode", "--cluster", "laptop"], ["suggest", "apply", "--cluster", "laptop"]):
        result = runner.invoke(cli, ["--project", path, *args])
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [
            "Error: --cluster 'laptop': give a Dask scheduler address such as tcp://host:8786, or local:N"
        ]
    result = runner.invoke(cli, ["--project", path, "autocode", "--evaluate", "--cluster", "local:2"])
    assert result.exit_code == 2 and "--cluster" in result.output


def test_a_scheduler_without_workers_is_named_instead_of_waiting_forever(monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(dask_runs, "CONNECT_TIMEOUT_S", 1)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty:
        with pytest.raises(UsageError, match="the scheduler has no workers"):
            dask_runs.run_on_cluster(iter([(1, (1,))]), _WhereAmI(0), empty.scheduler_address, _Bar())
