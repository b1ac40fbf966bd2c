"""A QualCoder project without cases (issue 17, item 4): analyses and the report count
sources as the units, say so in every base line, and say how to link cases."""
from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.cli import cli
from test_qualcoder_read import SCHEMA  # QualCoder 3.x's own table layout

D = "2025-03-04 09:30:00"
# Four short interviews, written for this test, in QualCoder's plain-text sources.
INTERVIEWS = {
    "Interview 01.txt": "I: What stops you going?\nR: Mostly the cost of the bus. And time, with two jobs.\n",
    "Interview 02.txt": "I: What stops you going?\nR: The fees went up again. My sister drives me when she can.\n",
    "Interview 03.txt": "I: What stops you going?\nR: Cost, honestly. Nothing else really.\n",
    "Interview 04.txt": "I: What stops you going?\nR: My mum looks after the kids, so it is only time.\n",
}
#: (code, source, passage); hand count per code: Cost 3 sources of 4, Time 2, Family 2
CODINGS = [
    ("Cost", "Interview 01.txt", "the cost of the bus"),
    ("Time", "Interview 01.txt", "time, with two jobs"),
    ("Cost", "Interview 02.txt", "The fees went up again."),
    ("Family", "Interview 02.txt", "My sister drives me when she can."),
    ("Cost", "Interview 03.txt", "Cost, honestly."),
    ("Family", "Interview 04.txt", "My mum looks after the kids"),
    ("Time", "Interview 04.txt", "it is only time"),
]


def make_caseless_qualcoder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    conn = sqlite3.connect(folder / "data.qda")
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO project (databaseversion, date, memo, codername) VALUES ('v7', ?, '', 'kim')", (D,))
    ids = {}
    for i, (name, text) in enumerate(INTERVIEWS.items(), start=1):
        ids[name] = i
        conn.execute("INSERT INTO source (id, name, fulltext, memo, owner, date) VALUES (?,?,?,?,?,?)",
                     (i, name, text, "", "kim", D))
    conn.executemany("INSERT INTO code_cat (catid, name, owner, date, memo, supercatid) VALUES (?,?,?,?,?,?)",
                     [(1, "Barriers", "kim", D, "", None), (2, "Support", "kim", D, "", None)])
    conn.executemany("INSERT INTO code_name (cid, name, memo, catid, owner, date, color) VALUES (?,?,?,?,?,?,?)",
                     [(1, "Cost", "", 1, "kim", D, "#AA0000"), (2, "Time", "", 1, "kim", D, "#AA5500"),
                      (3, "Family", "", 2, "kim", D, "#0055AA")])
    cid = {"Cost": 1, "Time": 2, "Family": 3}
    for code, source, passage in CODINGS:
        start = INTERVIEWS[source].index(passage)
        conn.execute("INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner, date, memo, important) "
                     "VALUES (?,?,?,?,?,'kim',?,'',NULL)", (cid[code], ids[source], passage, start,
                                                           start + len(passage), D))
    conn.commit()
    conn.close()
    return folder


@pytest.fixture
def caseless(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "caseless.qcproj")
    project.import_qualcoder(make_caseless_qualcoder(tmp_path / "access.qda"))
    yield project
    project.close()


def test_analyses_count_sources_when_no_source_has_a_case(caseless: Project) -> None:
    assert caseless.sources()["case"].isna().all()
    freq = caseless.frequencies().set_index("code")
    cost = next(c for c in freq.index if c.endswith("Cost"))
    time = next(c for c in freq.index if c.endswith("Time"))
    assert (freq.loc[cost, "cases"], freq.loc[cost, "pct_cases"]) == (3, 75.0)
    assert (freq.loc[time, "cases"], freq.loc[time, "pct_cases"]) == (2, 50.0)
    base = caseless.analysis_base()
    assert (base.unit, base.units) == ("source", 4)
    assert "the project has no cases, so each source counts as one unit" in base.describe()
    assert "qualcode descriptors import" in base.describe(hint=True)
    caseless.close()
    shown = CliRunner().invoke(cli, ["-p", caseless.target, "stats", "frequencies"]).output
    assert "Base: the 4 sources that carry a code; the project has no cases" in shown
    assert "qualcode descriptors import FILE --key COLUMN" in shown


def test_report_of_a_caseless_qualcoder_project_has_figures_by_source(caseless: Project, tmp_path: Path) -> None:
    caseless.close()
    result = CliRunner().invoke(cli, ["-p", caseless.target, "report", "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "0 participants" not in markdown and "4 sources, 7 coded excerpts" in markdown
    assert "No source belongs to a case, so every figure counts sources" in markdown
    assert "qualcode descriptors import people.csv --key participant" in markdown
    assert "Codes by number of sources" in markdown and "Top priorities by % of sources" in markdown
    table = next((tmp_path / "report" / "tables").glob("*code-frequencies*.csv"))
    freq = pd.read_csv(table, encoding="utf-8-sig").set_index("code")
    cost = next(c for c in freq.index if c.endswith("Cost"))
    assert freq.loc[cost, "cases"] == 3 and float(str(freq.loc[cost, "pct_cases"]).rstrip("%")) == 75.0
    assert (freq["cases"] > 0).sum() >= 3
    assert markdown.count("each source counts as one unit") >= 3  # under the tables and figures
    quotes = markdown.split("In their own words", 1)[-1]
    assert "\u2014 Source " in quotes or "Source 1" in quotes
