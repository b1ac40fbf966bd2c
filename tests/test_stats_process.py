"""A ``stats`` command in a process of its own: it ends without Python's tear-down
(cli.main.end_quickly) and leaves its start-up's objects out of collections (cli.collector):
what a user sees must not change. The table reaches a file or a pipe whole, errors keep
their exit code and one line, ``atexit`` functions still run, and ``--help`` reads
nothing ahead."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner

from qualcode.cli import cli

CODINGS = """source,start,end,code,coder
CEO-07 wave 1,0,60,Impact,anna
CEO-07 wave 1,60,140,Impact/Confidence,anna
Mentor-03 wave 1,0,80,Impact,ben
Mentor-03 wave 1,80,120,Issues,ben
"""


@pytest.fixture
def coded(study, tmp_path: Path) -> Path:
    """The tiny study with four codings by two coders, closed (processes open it)."""
    for path in ("Impact", "Impact/Confidence", "Issues"):
        if path not in set(study.codes()["path"]):
            study.add_code(path)
    (tmp_path / "codings.csv").write_text(CODINGS, encoding="utf-8")
    study.import_codings(tmp_path / "codings.csv")
    study.close()
    return tmp_path / "study.qcproj"


def _as_a_process(args: list[str], prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``qualcode <args>`` in a new Python process, as the console script runs it."""
    code = f"{prelude}\nfrom qualcode.cli import main\nmain({args!r})\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


@pytest.mark.parametrize("command", [["frequencies"], ["cooccurrence"], ["crosstab", "--by", "role"],
                                     ["frequencies", "--format", "csv"]])
def test_a_stats_table_reaches_the_pipe_whole(coded: Path, command: list[str]) -> None:
    expected = CliRunner().invoke(cli, ["-p", str(coded), "stats", *command], catch_exceptions=False)
    assert expected.exit_code == 0
    done = _as_a_process(["-p", str(coded), "stats", *command])
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected.output
    assert "Impact/Confidence" in done.stdout  # the last rows too, not only what fit a buffer
    assert done.stderr == ""


def test_an_error_keeps_its_exit_code_and_single_line(coded: Path) -> None:
    args = ["-p", str(coded), "stats", "crosstab", "--by", "no such field"]
    expected = CliRunner().invoke(cli, args)
    assert expected.exit_code == 2  # a usage error (qualcode.errors.UsageError)
    done = _as_a_process(args)
    assert done.returncode == expected.exit_code
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), done.stderr
    assert "Traceback" not in done.stderr


def test_atexit_functions_still_run_after_a_stats_command(coded: Path) -> None:
    prelude = "import atexit, sys\natexit.register(lambda: print('at exit ran', file=sys.stderr))"
    done = _as_a_process(["-p", str(coded), "stats", "frequencies"], prelude)
    assert done.returncode == 0
    assert done.stderr.strip() == "at exit ran"
    assert "Impact" in done.stdout


@pytest.mark.parametrize("args", [["frequencies", "--help"], ["priorities", "-h"]])
def test_help_of_a_counting_command_reads_nothing_ahead(coded: Path, args: list[str]) -> None:
    from qualcode.store import count_prefetch

    with mock.patch.object(count_prefetch, "start") as start:
        result = CliRunner().invoke(cli, ["-p", str(coded), "stats", *args])
    assert result.exit_code == 0 and "Usage:" in result.output, (result.output, result.exception)
    assert not start.called
    with mock.patch.object(count_prefetch, "start") as start:
        CliRunner().invoke(cli, ["-p", str(coded), "stats", "frequencies"])
    assert start.called


def test_the_collector_is_paused_for_start_up_and_resumed_with_the_imports_frozen(monkeypatch) -> None:
    import gc

    from qualcode.cli import collector

    # in a notebook or under pytest (no ``main()``) nothing is touched
    monkeypatch.setattr(collector, "_own_process", False)
    collector.pause()
    assert gc.isenabled()
    before = gc.get_freeze_count()
    collector.settle()
    assert gc.get_freeze_count() == before
    # in the command's own process: paused, then frozen and collecting again
    monkeypatch.setattr(collector, "_own_process", True)
    try:
        collector.pause()
        assert not gc.isenabled()
        collector.settle()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_stats_process_collects_the_cycles_it_makes_after_start_up(coded: Path) -> None:
    prelude = ("import atexit, gc, sys\n"
               "atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr))")
    done = _as_a_process(["-p", str(coded), "stats", "frequencies"], prelude)
    assert done.returncode == 0
    assert done.stderr.split() == ["True", "True"]


def test_a_report_in_its_own_process_writes_every_file_whole(coded: Path, tmp_path: Path) -> None:
    """``report`` also ends its process without the tear-down: every file must be written
    and closed first (the same files and tables as in-process, a workbook that opens)."""
    import openpyxl

    expected = CliRunner().invoke(cli, ["-p", str(coded), "report", "--out", str(tmp_path / "here")],
                                  catch_exceptions=False)
    assert expected.exit_code == 0, expected.output
    done = _as_a_process(["-p", str(coded), "report", "--out", str(tmp_path / "there")])
    assert done.returncode == 0, done.stderr
    here = sorted(p.relative_to(tmp_path / "here") for p in (tmp_path / "here").rglob("*") if p.is_file())
    there = sorted(p.relative_to(tmp_path / "there") for p in (tmp_path / "there").rglob("*") if p.is_file())
    assert here == there and len(there) > 10
    for table in (p for p in there if p.suffix == ".csv"):
        assert (tmp_path / "there" / table).read_bytes() == (tmp_path / "here" / table).read_bytes(), table
    workbook = next(p for p in there if p.suffix == ".xlsx")
    books = [openpyxl.load_workbook(tmp_path / side / workbook) for side in ("here", "there")]
    assert books[0].sheetnames == books[1].sheetnames and "Code frequencies" in books[1].sheetnames
    assert [[c.value for c in row] for row in books[0]["Code frequencies"].iter_rows()] == \
        [[c.value for c in row] for row in books[1]["Code frequencies"].iter_rows()]
    assert (tmp_path / "there" / next(p for p in there if p.suffix == ".html")).read_text().rstrip().endswith("</html>")


def test_a_command_process_asks_numpy_for_small_pages_unless_the_user_chose(coded: Path) -> None:
    """``NUMPY_MADVISE_HUGEPAGE=0`` for the command's process (cli.main), set before NumPy
    loads, so NumPy's own setting is off; a value set by the user stays."""
    prelude = ("import atexit, os, sys\n"
               "def said():\n"
               "    import numpy._core.multiarray as m\n"
               "    print(os.environ.get('NUMPY_MADVISE_HUGEPAGE'), m._get_madvise_hugepage(), file=sys.stderr)\n"
               "atexit.register(said)")
    done = _as_a_process(["-p", str(coded), "stats", "frequencies"], prelude)
    assert done.returncode == 0 and done.stderr.split() == ["0", "False"], done.stderr
    chosen = _as_a_process(["-p", str(coded), "stats", "frequencies"],
                           prelude + "\nos.environ['NUMPY_MADVISE_HUGEPAGE'] = '1'")
    assert chosen.returncode == 0 and chosen.stderr.split() == ["1", "True"], chosen.stderr
