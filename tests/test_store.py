"""The store: creating/opening projects, schema versions, constraints, transactions."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from qualcode import Project
from qualcode.errors import ProjectError, SchemaVersionError
from qualcode.store import migrations


def test_create_refuses_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "a.qcproj"
    Project.create(target).close()
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(target)


def test_open_missing_file_says_how_to_create(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="qualcode init"):
        Project.open(tmp_path / "nope.qcproj")


def test_open_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.qcproj"
    bogus.write_text("this is not a database" * 100)
    with pytest.raises(ProjectError, match="not a qualcode project"):
        Project.open(bogus)


def test_open_sqlite_database_of_another_program(tmp_path: Path) -> None:
    other = tmp_path / "other.qcproj"
    with sqlite3.connect(other) as conn:
        conn.execute("create table things (id integer)")
    with pytest.raises(ProjectError, match="not a qualcode project"):
        Project.open(other)


def test_project_from_a_newer_qualcode_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "new.qcproj"
    Project.create(target).close()
    with sqlite3.connect(target) as conn:
        conn.execute("update meta set value = '999' where key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match="newer qualcode"):
        Project.open(target)


def test_older_schema_is_backed_up_then_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "old.qcproj"
    p = Project.create(target)
    p.add_code("Impact/Confidence")
    p.close()
    calls: list[int] = []

    current = migrations.SCHEMA_VERSION
    following = current + 1

    def add_column(conn) -> None:  # a realistic migration: a new nullable column
        calls.append(following)
        conn.execute(text("ALTER TABLE codes ADD COLUMN shortcut VARCHAR(8)"))

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", following)
    monkeypatch.setitem(migrations.MIGRATIONS, following, add_column)
    reopened = Project.open(target)
    assert calls == [following]
    assert reopened.database.meta("schema_version") == str(following)
    assert reopened.codes()["path"].tolist() == ["Impact", "Impact/Confidence"]
    reopened.close()
    backup = tmp_path / f"old.qcproj.bak-v{current}"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("select value from meta where key='schema_version'").fetchone()[0] == str(current)
        assert conn.execute("select count(*) from codes").fetchone()[0] == 2


def test_failed_migration_leaves_project_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "old.qcproj"
    Project.create(target).close()

    def broken(conn) -> None:
        conn.execute(text("ALTER TABLE codes ADD COLUMN shortcut VARCHAR(8)"))
        conn.execute(text("SELECT * FROM no_such_table"))

    current = migrations.SCHEMA_VERSION
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(migrations.MIGRATIONS, current + 1, broken)
    with pytest.raises(Exception):
        Project.open(target)
    with sqlite3.connect(target) as conn:
        assert conn.execute("select value from meta where key='schema_version'").fetchone()[0] == str(current)
        columns = [r[1] for r in conn.execute("pragma table_info(codes)")]
    assert "shortcut" not in columns


def test_a_version_1_project_gains_the_coded_sources_table(tmp_path: Path) -> None:
    """Projects written before schema 2 (no record of which sources a coder read) open
    and upgrade; their coding is untouched and a backup of version 1 is kept."""
    target = tmp_path / "v1.qcproj"
    p = Project.create(target)
    p.add_code("Impact/Confidence")
    p.close()
    with sqlite3.connect(target) as conn:  # what a version-1 file looks like
        conn.execute("DROP TABLE coded_sources")
        conn.execute("DROP TABLE speaker_roles")  # added by schema 3
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    reopened = Project.open(target)
    with reopened.database.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from coded_sources").scalar() == 0
    assert reopened.database.meta("schema_version") == str(migrations.SCHEMA_VERSION)
    assert reopened.codes()["path"].tolist() == ["Impact", "Impact/Confidence"]
    reopened.close()
    with sqlite3.connect(tmp_path / "v1.qcproj.bak-v1") as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert "coded_sources" not in tables and "codes" in tables


def test_a_version_2_project_gains_speaker_roles_and_keeps_label_roles(tmp_path: Path) -> None:
    """A project from before schema 3 has no stored roles: it upgrades, its "Interviewer:"
    turns are still the interviewer's, and a role can be set afterwards."""
    target = tmp_path / "v2.qcproj"
    p = Project.create(target)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "CEO-01.txt").write_text(
        "Interviewer: How did it go?\n\nCEO-01: Well, thanks.\n\nInterviewer: And the board?\n\n"
        "CEO-01: Calmer now.\n", encoding="utf-8")
    p.ingest(folder)
    p.close()
    with sqlite3.connect(target) as conn:
        conn.execute("DROP TABLE speaker_roles")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    reopened = Project.open(target)
    assert reopened.database.meta("schema_version") == str(migrations.SCHEMA_VERSION)
    assert reopened.speaker_roles().is_interviewer("Interviewer")
    assert reopened.set_speaker_role("ceo-01", "interviewer") == "CEO-01"
    assert reopened.speaker_roles().is_interviewer("CEO-01")
    reopened.close()


def test_sqlite_pragmas(project: Project) -> None:
    with project.database.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_duplicate_application_is_impossible(study: Project) -> None:
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost", coder="anna")
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost", coder="anna")
    assert len(study.applications()) == 1
    with pytest.raises(Exception):
        with study.database.begin() as conn:
            conn.exec_driver_sql(
                "insert into applications (excerpt_id, code_id, coder_id, origin, status, final, created_at) "
                "select excerpt_id, code_id, coder_id, origin, status, final, created_at from applications"
            )


def test_removing_a_source_cascades(study: Project) -> None:
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost", coder="anna")
    with study.database.begin() as conn:
        conn.exec_driver_sql("delete from sources where name = 'CEO-07 wave 1'")
    assert study.excerpts().empty
    assert study.applications().empty
    assert study.segments("Mentor-03 wave 1")["source"].eq("Mentor-03 wave 1").all()
