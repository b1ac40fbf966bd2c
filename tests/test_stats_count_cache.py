"""The counting arrays kept on disk between commands, and the headline numbers counted in
SQL (issue 20, scale).

Every ``qualcode stats`` command is a new process: the ids it counts are read from the
project once after each change and then loaded from the user's cache folder. These
tests run the commands as a user does (each ``invoke`` opens the project afresh) and
check the printed numbers against a count made here from the codings file, cold (no
cache file), warm (from the file) and after a write (the file is stale and replaced).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode.cli import cli
from test_stats_counting_frames import _build, _hand_frequencies  # tests/ is on sys.path under pytest

COLUMNS = ["code", "applications", "excerpts", "sources", "cases", "excerpts_sum", "cases_sum", "case_base"]


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QUALCODE_CACHE", raising=False)
    project, codings, case_of, waves = _build(tmp_path)
    project.close()  # the commands below open it themselves, as a shell would
    yield tmp_path / "study.qcproj", codings, case_of


def _frequencies(target: Path) -> pd.DataFrame:
    result = CliRunner().invoke(cli, ["-p", str(target), "stats", "frequencies", "--all-columns", "--format", "csv"])
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.output))[COLUMNS].set_index("code")


def _kept(tmp_path: Path) -> list[Path]:
    from qualcode.store import count_cache

    count_cache.wait_for_saves()  # the arrays are written on a thread while the count goes on
    return sorted((tmp_path / "cache").glob("*.npy"))


def _want(codings: list[dict], case_of: dict) -> pd.DataFrame:
    return _hand_frequencies(codings, case_of)[COLUMNS].set_index("code")


def test_cold_and_warm_commands_count_what_a_hand_count_finds(built, tmp_path: Path) -> None:
    target, codings, case_of = built
    cold = _frequencies(target)
    assert len(_kept(tmp_path)) == 1  # the first command read the project and kept its ids
    stamp = _kept(tmp_path)[0].stat().st_mtime_ns
    warm = _frequencies(target)
    assert _kept(tmp_path)[0].stat().st_mtime_ns == stamp  # loaded, not read again
    want = _want(codings, case_of)
    pd.testing.assert_frame_equal(cold.loc[want.index], want, check_dtype=False)
    pd.testing.assert_frame_equal(warm, cold)


def test_a_write_makes_the_kept_ids_stale(built, tmp_path: Path) -> None:
    """A coding added by another command: the next count includes it (the change counter
    moved, so the kept file no longer matches) and the stale file is replaced."""
    from qualcode import Project

    target, codings, case_of = built
    _frequencies(target)
    first = _kept(tmp_path)
    coded = CliRunner().invoke(cli, ["-p", str(target), "code", "P03 wave 2", "Issues/Funding",
                                     "--start", "1990", "--end", "2030", "--coder", "carl"])
    assert coded.exit_code == 0, coded.output
    after = _frequencies(target)
    codings = codings + [{"source": "P03 wave 2", "start": 1990, "end": 2030, "code": "Issues/Funding",
                          "coder": "carl", "weight": None}]
    want = _want(codings, case_of)
    pd.testing.assert_frame_equal(after.loc[want.index], want, check_dtype=False)
    assert len(_kept(tmp_path)) == 1 and _kept(tmp_path) != first
    with Project.open(target) as project:  # a notebook in a long-lived process agrees
        assert project.frequencies().set_index("code").loc["Issues/Funding", "applications"] == \
            want.loc["Issues/Funding", "applications"]


def test_a_damaged_cache_file_is_read_again(built, tmp_path: Path) -> None:
    target, codings, case_of = built
    _frequencies(target)
    kept = _kept(tmp_path)[0]
    kept.write_bytes(b"\x93NUMPY not really")
    again = _frequencies(target)
    want = _want(codings, case_of)
    pd.testing.assert_frame_equal(again.loc[want.index], want, check_dtype=False)
    assert kept.read_bytes()[:6] == b"\x93NUMPY" and kept.stat().st_size > 1000  # written afresh


def test_the_cache_can_be_turned_off(built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, codings, case_of = built
    monkeypatch.setenv("QUALCODE_CACHE", "off")
    counted = _frequencies(target)
    assert not (tmp_path / "cache").exists()
    want = _want(codings, case_of)
    pd.testing.assert_frame_equal(counted.loc[want.index], want, check_dtype=False)


def test_status_counts_in_sql_what_a_hand_count_finds(built) -> None:
    """``status`` counts coded excerpts, coded sources and the base in SQL: a questionnaire
    (structural) code on a source no one else coded changes none of them, and the base
    agrees with the one every stats table is out of."""
    from qualcode import Project

    target, codings, case_of = built
    with Project.open(target) as project:
        project.add_code("Questionnaire/Q1 How did it go")
        used = {c["source"] for c in codings}
        spare = next(name for name in sorted(case_of) if name not in used and case_of[name])
        project.code(spare, "Questionnaire/Q1 How did it go", start=0, end=40, coder="anna")
        numbers = project.summary()
        base = project.analysis_base()
        case_base = int(project.frequencies()["case_base"].iloc[0])
    excerpts = {(c["source"], c["start"], c["end"]) for c in codings}
    assert numbers["coded_excerpts"] == len(excerpts)
    assert numbers["coded_sources"] == len(used)
    assert numbers["base"] == len({case_of[s] for s in used} - {None}) == base.units == case_base
    assert numbers["base_unit"] == "case"
    assert numbers["applications"] == len(codings) + 1
    status = CliRunner().invoke(cli, ["-p", str(target), "status", "--format", "json"])
    assert status.exit_code == 0, status.output
    shown = json.loads(status.output)
    assert (shown["coded_excerpts"], shown["coded_sources"], shown["base"]) == \
        (numbers["coded_excerpts"], numbers["coded_sources"], numbers["base"])


def test_a_wide_presence_table_prints_as_pandas_prints_it() -> None:
    """Codes x sources tables with over 100,000 cells are printed by numpy a few rows at
    a time (pandas made a string per cell: 40 s and 1.3 GB for 200 codes x 30,000
    sources); the text must be pandas' own, character for character."""
    import numpy as np

    from qualcode.cli.output import _wide_count_table

    rng = np.random.default_rng(5)
    counts = rng.integers(0, 1200, size=(60, 2_000)) * (rng.random((60, 2_000)) < 0.3)
    frame = pd.DataFrame(counts, index=pd.Index([f"Branch {i // 9}/Code {i}" for i in range(60)], name="code"),
                         columns=pd.Index([f"P{j:05d} wave {1 + j % 3}" if j % 7 else f"Zoë 🎧 {j}"
                                           for j in range(2_000)], name="source"))
    lines = _wide_count_table(frame)
    assert lines is not None and b"".join(b"".join(parts) for parts in lines).decode("utf-8") == frame.to_string() + "\n"
    assert _wide_count_table(frame.astype(float)) is None  # not counts: pandas prints it


def test_a_write_by_another_tool_that_keeps_the_project_open_is_counted(built, tmp_path: Path) -> None:
    """Another program (a database browser, a team's own script) holds the project open
    and deletes codings. SQLite then writes the change into a write-ahead log that it
    reuses from its start after a checkpoint: the log keeps its size, the project file
    keeps its time, and qualcode's change counter does not move. The next count must
    still see the change (the log's index says which frames are valid)."""
    import sqlite3

    target, codings, case_of = built
    other = sqlite3.connect(target, isolation_level=None)
    try:
        other.execute("PRAGMA journal_mode=WAL")
        for _ in range(3):  # a log with some frames in it
            other.execute("INSERT INTO meta (key, value) VALUES ('scratch', 'x')")
            other.execute("DELETE FROM meta WHERE key = 'scratch'")
        other.execute("PRAGMA wal_checkpoint(RESTART)")  # copied into the project; the log starts over
        before = _frequencies(target)  # counted and kept
        log = target.with_name(target.name + "-wal")
        size, when = log.stat().st_size, target.stat().st_mtime_ns
        gone = other.execute("SELECT a.id FROM applications a JOIN codes c ON a.code_id = c.id "
                             "WHERE c.path = 'Issues/Funding' ORDER BY a.id LIMIT 1").fetchone()[0]
        other.execute("DELETE FROM applications WHERE id = ?", (gone,))
        assert log.stat().st_size == size and target.stat().st_mtime_ns == when  # what made it hard to see
        after = _frequencies(target)
    finally:
        other.close()
    assert after.loc["Issues/Funding", "applications"] == before.loc["Issues/Funding", "applications"] - 1
    with sqlite3.connect(target) as check:
        left = check.execute("SELECT count(*) FROM applications a JOIN codes c ON a.code_id = c.id "
                             "WHERE c.path = 'Issues/Funding' AND a.status = 'applied'").fetchone()[0]
    assert after.loc["Issues/Funding", "applications"] == left


def test_a_notebook_sees_a_write_by_another_tool_that_keeps_the_project_open(built) -> None:
    """``Project`` keeps frames between calls in memory: another program's delete (no
    change counter raised, the log reused after a checkpoint) must show on the next call."""
    import sqlite3

    from qualcode import Project

    target, codings, case_of = built
    other = sqlite3.connect(target, isolation_level=None)
    try:
        other.execute("PRAGMA journal_mode=WAL")
        for _ in range(3):
            other.execute("INSERT INTO meta (key, value) VALUES ('scratch', 'x')")
            other.execute("DELETE FROM meta WHERE key = 'scratch'")
        other.execute("PRAGMA wal_checkpoint(RESTART)")
        with Project.open(target) as project:
            before = project.frequencies().set_index("code").loc["Issues/Funding", "applications"]
            other.execute("DELETE FROM applications WHERE id = (SELECT a.id FROM applications a JOIN codes c "
                          "ON a.code_id = c.id WHERE c.path = 'Issues/Funding' ORDER BY a.id LIMIT 1)")
            after = project.frequencies().set_index("code").loc["Issues/Funding", "applications"]
    finally:
        other.close()
    assert after == before - 1
