"""Shared fixtures: a fresh project and a tiny study made by the tests themselves."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("QUALCODE_SHARED_DATA", REPO.parent / "shared" / "data"))

CODEBOOK_YAML = """\
codebook: tiny
codes:
  - name: Impact
    colour: "#1b9e77"
    children:
      - name: Confidence
        description: Feeling more able to lead.
        weight: {min: 1, max: 5}
      - name: Leadership
  - name: Issues
    children:
      - name: Governance
        children:
          - name: Board relations
      - name: Sustainability
"""

CEO_07 = """Interview with CEO-07, wave 1

Interviewer: How has the programme helped you?

CEO-07: I regained that confidence I had lost. The board was difficult, and our chair and I argued about the budget.

Interviewer: Anything else?

CEO-07: Funding is the big worry. I regained that confidence slowly.
"""

MENTOR_03 = """Interviewer: What did you notice?

Mentor-03: The board relations improved a lot. She found her voice with the trustees.
"""


@pytest.fixture
def project(tmp_path: Path):
    from qualcode import Project

    p = Project.create(tmp_path / "study.qcproj", title="Tiny study")
    yield p
    p.close()


@pytest.fixture
def study_files(tmp_path: Path) -> Path:
    folder = tmp_path / "material"
    (folder / "interviews").mkdir(parents=True)
    (folder / "interviews" / "CEO-07 wave 1.txt").write_text(CEO_07, encoding="utf-8")
    (folder / "interviews" / "Mentor-03 wave 1.txt").write_text(MENTOR_03, encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    (folder / "participants.csv").write_text(
        "participant,role,mode\nCEO-07,CEO,online\nMentor-03,Mentor,face to face\n", encoding="utf-8"
    )
    return folder


@pytest.fixture
def study(project, study_files: Path):
    """A project with two interviews, descriptors and the tiny codebook."""
    project.ingest(study_files / "interviews", progress=False)
    project.import_descriptors(study_files / "participants.csv", key="participant")
    project.import_codebook(study_files / "codebook.yaml")
    return project


@pytest.fixture(autouse=True, scope="session")
def _count_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory):
    """The counting arrays commands keep between processes (qualcode/store/count_cache.py)
    go to a folder of this test session, not the user's ~/.cache."""
    before = os.environ.get("QUALCODE_CACHE_DIR")
    os.environ["QUALCODE_CACHE_DIR"] = str(tmp_path_factory.mktemp("count-cache"))
    yield
    if before is None:
        os.environ.pop("QUALCODE_CACHE_DIR", None)
    else:
        os.environ["QUALCODE_CACHE_DIR"] = before


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards; the test is skipped
    when QUALCODE_TEST_PG_URL names no server (CI's `.ci/run` starts one and sets it)."""
    server = os.environ.get("QUALCODE_TEST_PG_URL")
    if not server:
        pytest.skip("set QUALCODE_TEST_PG_URL to a PostgreSQL server to run")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"qc_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
