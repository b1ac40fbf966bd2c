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

    def add_column(conn) -> None:  # a realistic migration: a new nullable column
        calls.append(2)
        conn.execute(text("ALTER TABLE codes ADD COLUMN shortcut VARCHAR(8)"))

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(migrations.MIGRATIONS, 2, add_column)
    reopened = Project.open(target)
    assert calls == [2]
    assert reopened.database.meta("schema_version") == "2"
    assert reopened.codes()["path"].tolist() == ["Impact", "Impact/Confidence"]
    reopened.close()
    backup = tmp_path / "old.qcproj.bak-v1"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("select value from meta where key='schema_version'").fetchone()[0] == "1"
        assert conn.execute("select count(*) from codes").fetchone()[0] == 2


def test_failed_migration_leaves_project_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "old.qcproj"
    Project.create(target).close()

    def broken(conn) -> None:
        conn.execute(text("ALTER TABLE codes ADD COLUMN shortcut VARCHAR(8)"))
        conn.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(migrations.MIGRATIONS, 2, broken)
    with pytest.raises(Exception):
        Project.open(target)
    with sqlite3.connect(target) as conn:
        assert conn.execute("select value from meta where key='schema_version'").fetchone()[0] == "1"
        columns = [r[1] for r in conn.execute("pragma table_info(codes)")]
    assert "shortcut" not in columns


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
