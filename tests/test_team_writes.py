"""A team coding one project at the same moment, on SQLite and on PostgreSQL: every
call succeeds, every coding is there once, none is lost (see ``team_coding.py``)."""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

import team_coding
from qualcode import Project

PG_URL = os.environ.get("QUALCODE_TEST_PG_URL")
CODERS, PER_CODER = 4, 40

TURNS = [
    ("Interviewer", "Thinking back to the first months, what changed for you in how you run the board meetings?"),
    ("CEO-11", "Honestly the agendas got shorter. We stopped reading reports aloud and started asking the trustees "
               "what they wanted to decide, which sounds small but it changed the whole tone of the room."),
    ("Interviewer", "And the money side, the reserves policy you mentioned?"),
    ("CEO-11", "That is still the worry. We have four months of reserves and one funder who pays late every "
               "quarter, so I spend more time on cash flow than I would like."),
]


def transcript(repeats: int) -> str:
    """An Otter-style export: speaker, time stamp, then the turn."""
    lines = []
    for r in range(repeats):
        for t, (speaker, said) in enumerate(TURNS):
            seconds = (r * len(TURNS) + t) * 37
            lines.append(f"{speaker}  {seconds // 60}:{seconds % 60:02d}\n{said}\n")
    return "\n".join(lines)


def seeded_project(target: str, folder: Path) -> str:
    """A project with one long interview and a small codebook; returns its source name."""
    (folder / "CEO-11 wave 2.txt").write_text(transcript(6), encoding="utf-8")
    (folder / "codebook.yaml").write_text(
        "codebook: team\ncodes:\n  - name: Impact\n    children:\n      - name: Confidence\n      - name: Leadership\n"
        "  - name: Issues\n    children:\n      - name: Sustainability\n", encoding="utf-8")
    project = Project.create(target)
    project.ingest(folder / "CEO-11 wave 2.txt", kind="transcript", progress=False)
    project.import_codebook(folder / "codebook.yaml")
    project.close()
    return "CEO-11 wave 2"


def check_team_coding(target: str, folder: Path) -> None:
    source = seeded_project(target, folder)
    with Project.open(target) as project:
        length = len(project.source_text(source))
    plan = team_coding.make_plan(target, source, length, CODERS, PER_CODER)
    results = team_coding.run(plan, timeout=300)

    errors = [e for _, _, errs, _ in results for e in errs]
    assert errors == [], f"{len(errors)} calls failed, the first:\n{errors[0] if errors else ''}"
    assert sum(calls for _, calls, _, _ in results) == CODERS * PER_CODER + (CODERS // 2) * len(plan.contested)

    with Project.open(target) as project:
        apps = project.applications(status=None)
        found = Counter(zip(apps["start"], apps["end"], apps["code"], apps["coder"]))
        excerpts = project.excerpts(status=None)
    doubled = {k: n for k, n in found.items() if n > 1}
    assert doubled == {}
    want = team_coding.expected_codings(plan)
    assert want - set(found) == set(), "lost codings"
    assert set(found) - want == set(), "codings that should have been removed"
    # removing the last coding of a span removes its excerpt, and only then
    assert set(zip(excerpts["start"], excerpts["end"])) == {(s, e) for s, e, _, _ in want}


def test_four_coders_at_once_on_sqlite(tmp_path: Path) -> None:
    check_team_coding(str(tmp_path / "team.qcproj"), tmp_path)



@pytest.mark.postgres
def test_four_coders_at_once_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    check_team_coding(pg_url, tmp_path)
