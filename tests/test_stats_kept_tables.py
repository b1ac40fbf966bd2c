"""The small tables a count reads (sources, sources with excerpts, case descriptors),
read as JSON and kept on disk between commands (``store.small_tables``,
``store.kept_tables``; issue 20, scale).

What a user would lose if this went wrong: a table that names the wrong case or wave,
a descriptor read as the wrong type, or counts from before the last change. So each
test compares the kept frames with the frames read row by row through SQLAlchemy, on a
project with what real studies have: names with accents and emoji, a source with no
case or wave, a source not yet coded, descriptors of every type with gaps.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from qualcode import Project
from qualcode.store import count_cache, frames, kept_tables


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QUALCODE_CACHE", raising=False)
    kept_tables._parsed.clear()
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["Zoë (mentor) wave 1", "Zoë (mentor) wave 2", "Kofi 🎧 wave 1", "Notes from the board", "Not coded yet"]
    for i, name in enumerate(names):
        (folder / f"{name}.txt").write_text(f"Interview {i}: the mentoring helped me, and the board listened.",
                                            encoding="utf-8")
    project = Project.create(tmp_path / "study.qcproj", title="Kept tables")
    project.ingest(folder, progress=False)
    (tmp_path / "cases.csv").write_text(
        "case,role,age,joined,active,note\n"
        "Zoë (mentor),Mentor,34,2024-03-01,true,\"said \"\"yes\"\"\"\n"
        "Kofi 🎧,Mentee,,2025-01-15,false,\n"
        "Ama,Mentee,19,,,first cohort\n", encoding="utf-8")
    project.import_descriptors(tmp_path / "cases.csv", key="case",
                               types={"role": "category", "age": "number", "joined": "date", "active": "boolean"})
    with project.database.begin() as conn:  # the sources of a case and their waves, as an import would set them
        from qualcode.store import schema

        cases = {r.name: r.id for r in conn.execute(schema.cases.select())}
        for name, case, wave in (("Zoë (mentor) wave 1", "Zoë (mentor)", "1"), ("Zoë (mentor) wave 2", "Zoë (mentor)", "2"),
                                 ("Kofi 🎧 wave 1", "Kofi 🎧", "1"), ("Not coded yet", "Ama", None)):
            conn.execute(schema.sources.update().where(schema.sources.c.name == name)
                         .values(case_id=cases[case], wave=wave))
    project.add_code("Benefits/Confidence")
    for name in names[:4]:
        project.code(name, "Benefits/Confidence", start=0, end=9, coder="anna")
    project.close()
    return tmp_path / "study.qcproj"


def _both(target: Path) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Each small frame read row by row and from the kept tables (same connection)."""
    project = Project.open(target)
    try:
        with project.database.connect() as conn:
            plain_sources, kept_sources = frames.source_table(conn), frames.source_table(conn, True)
            return [
                (plain_sources, kept_sources),
                (frames.material(conn, plain_sources), frames.material(conn, kept_sources, kept=True)),
                (frames.descriptors(conn), frames.descriptors(conn, True)),
            ]
    finally:
        project.close()


def _kept_files(target: Path) -> list[Path]:
    count_cache.wait_for_saves()
    return sorted((target.parent / "cache").glob("*-small_tables_*-*.json"))


def test_kept_frames_are_the_frames_read_row_by_row(study: Path) -> None:
    for plain, kept in _both(study):
        pd.testing.assert_frame_equal(kept, plain)  # values, dtypes (int ids, typed descriptors), order
    assert len(_kept_files(study)) == 5  # sources, material, and the descriptors' cases, fields and values
    sources, material, descriptors = (plain for plain, _ in _both(study))
    assert set(sources["name"]) >= {"Zoë (mentor) wave 1", "Kofi 🎧 wave 1"}
    notes = sources[sources["name"] == "Notes from the board"].iloc[0]
    assert pd.isna(notes["case"]) and pd.isna(notes["wave"])
    assert set(material["source"]) == set(sources["name"]) - {"Not coded yet"}  # material: sources with excerpts
    assert descriptors["age"].dtype == float and str(descriptors["active"].dtype) == "boolean"
    assert descriptors.set_index("case").loc["Zoë (mentor)", "note"] == 'said "yes"'


def test_a_new_process_reads_the_file_and_gets_the_same_frames(study: Path) -> None:
    first = _both(study)
    kept_tables._parsed.clear()  # as a new process starts
    stamps = [path.stat().st_mtime_ns for path in _kept_files(study)]
    second = _both(study)
    assert [path.stat().st_mtime_ns for path in _kept_files(study)] == stamps  # loaded, not written again
    for (plain, _), (_, kept) in zip(first, second):
        pd.testing.assert_frame_equal(kept, plain)


def test_a_write_is_seen_and_replaces_the_kept_file(study: Path) -> None:
    _both(study)
    before = _kept_files(study)
    project = Project.open(study)
    try:
        (study.parent / "more.csv").write_text("case,role\nAma,Mentor\n", encoding="utf-8")
        project.import_descriptors(study.parent / "more.csv", key="case")
        assert project.descriptors().set_index("case").loc["Ama", "role"] == "Mentor"
    finally:
        project.close()
    after = _both(study)
    for plain, kept in after:
        pd.testing.assert_frame_equal(kept, plain)
    after_files = _kept_files(study)
    assert len(after_files) == 5 and not set(after_files) & set(before)  # every table's state moved


def test_a_write_by_another_tool_is_seen(study: Path) -> None:
    """A rename made with the sqlite3 shell (no change counter raised): the file stamps
    move, so the next read is of the new state."""
    _both(study)
    kept_tables._parsed.clear()
    with sqlite3.connect(study) as other:
        other.execute("UPDATE sources SET wave = '3' WHERE name = 'Kofi 🎧 wave 1'")
    (plain, kept), *_ = _both(study)
    assert kept.set_index("name").loc["Kofi 🎧 wave 1", "wave"] == "3"
    pd.testing.assert_frame_equal(kept, plain)


@pytest.mark.parametrize("damage", ["", "{\"id\": [1, 2", "[]", "{\"id\": [1], \"name\": []}", "{\"other\": []}"])
def test_a_damaged_file_is_removed_and_read_again(study: Path, damage: str) -> None:
    _both(study)
    kept_tables._parsed.clear()
    for path in _kept_files(study):
        path.write_text(damage, encoding="utf-8")
    for plain, kept in _both(study):
        pd.testing.assert_frame_equal(kept, plain)
    sources = next(path for path in _kept_files(study) if "small_tables_sources-" in path.name)
    assert json.loads(sources.read_text(encoding="utf-8"))["name"]  # written whole again


def test_a_frequency_table_reads_no_descriptors(study: Path) -> None:
    """Only the tables a command uses are read (and kept): counting needs the sources."""
    project = Project.open(study)
    try:
        project.frequencies()
    finally:
        project.close()
    kinds = {path.name.split("small_tables_")[1].split("-")[0] for path in _kept_files(study)}
    assert kinds == {"sources", "material"}


def test_nothing_is_kept_when_the_cache_is_off(study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUALCODE_CACHE", "off")
    for plain, kept in _both(study):
        pd.testing.assert_frame_equal(kept, plain)
    assert not _kept_files(study)


def test_a_wave_stored_as_bytes_by_another_program_is_one_line_not_a_traceback(study: Path) -> None:
    """SQLite's JSON cannot hold bytes, so the count reads row by row, and says which
    source and column to set again instead of failing while decoding."""
    from click.testing import CliRunner

    from qualcode.cli import cli

    with sqlite3.connect(study) as other:
        other.execute("UPDATE sources SET wave = X'00ff' WHERE name = 'Kofi 🎧 wave 1'")
        source_id = other.execute("SELECT id FROM sources WHERE name = 'Kofi 🎧 wave 1'").fetchone()[0]
    before = study.read_bytes()
    for command in (["stats", "frequencies"], ["sources"]):
        result = CliRunner().invoke(cli, ["-p", str(study), *command])
        assert result.exit_code == 1, result.output
        message = result.output.strip()
        assert message.count("\n") == 0 and "Traceback" not in message
        assert f"source {source_id}'s wave is stored as bytes" in message and "sources set" in message
    assert study.read_bytes() == before  # nothing written
    fixed = CliRunner().invoke(cli, ["-p", str(study), "sources", "set", "Kofi 🎧 wave 1", "--wave", "1"])
    assert fixed.exit_code == 0, fixed.output
    counted = CliRunner().invoke(cli, ["-p", str(study), "stats", "frequencies", "--format", "csv"])
    assert counted.exit_code == 0 and "Benefits/Confidence" in counted.output
