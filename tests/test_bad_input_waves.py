"""A project where one coded source has no wave beside sources of waves 1 and 2 (issue 20).

Before: ``stats waves``, ``report`` and every ``export`` failed with pandas'
"Cannot mask with non-boolean array containing NA". A source without a wave simply
belongs to neither wave.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.cli import cli

CEO_08 = """Interviewer: What changed?

CEO-08: I feel far more confident now. Funding is still the worry.
"""

NOTES = """Interviewer: Any notes?

CEO-09: Confidence came back once the board settled.
"""


@pytest.fixture
def mixed(study: Project, tmp_path: Path) -> Project:
    more = tmp_path / "more"
    more.mkdir()
    (more / "CEO-08 wave 2.txt").write_text(CEO_08, encoding="utf-8")
    (more / "CEO-09 notes.txt").write_text(NOTES, encoding="utf-8")  # no wave in the name
    study.ingest(more, progress=False)
    (tmp_path / "more.csv").write_text("participant,role\nCEO-08,CEO\nCEO-09,CEO\n", encoding="utf-8")
    study.import_descriptors(tmp_path / "more.csv", key="participant")
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="anna")
    study.code("CEO-08 wave 2", "Impact/Confidence", quote="I feel far more confident now.", coder="anna")
    study.code("CEO-09 notes", "Impact/Confidence", quote="Confidence came back once the board settled.", coder="anna")
    return study


def test_wave_change_ignores_a_source_without_a_wave(mixed: Project) -> None:
    waves = mixed.sources().set_index("source")["wave"]
    assert waves.isna().sum() == 1  # the notes really have no wave
    row = mixed.wave_change("1", "2").set_index("code").loc["Impact/Confidence"]
    # hand count: CEO-07 raised it in wave 1, CEO-08 in wave 2; CEO-09's notes are in neither
    assert (row["cases_first"], row["cases_second"], row["both"]) == (1, 1, 0)
    assert (row["base_first"], row["base_second"]) == (1, 1)  # cases with coded material: CEO-07; CEO-08


def test_cli_waves_report_and_exports_work_on_a_mixed_wave_project(mixed: Project, tmp_path: Path) -> None:
    path = str(tmp_path / "study.qcproj")
    mixed.close()
    runner = CliRunner()
    for args in (["stats", "waves"], ["report", "--out", str(tmp_path / "report")],
                 ["export", "csv", str(tmp_path / "csv")], ["export", "xlsx", str(tmp_path / "r.xlsx")],
                 ["export", "qdpx", str(tmp_path / "r.qdpx")]):
        result = runner.invoke(cli, ["--project", path, *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
