"""The command-line contract: thin commands, one-line errors, exit codes, formats."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.cli import cli


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None):
    """Invoke the CLI in folder ``cwd`` (commands find the project from the folder)."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args, env=env or {}, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def workdir(tmp_path: Path, study_files: Path) -> Path:
    assert run(["init", "study.qcproj"], tmp_path).exit_code == 0
    return tmp_path


def test_the_issue_walkthrough(workdir: Path, study_files: Path) -> None:
    assert run(["ingest", str(study_files / "interviews")], workdir).output.startswith("2 source(s) added")
    out = run(["descriptors", "import", str(study_files / "participants.csv"), "--key", "participant"], workdir).output
    assert "2 case(s)" in out and "2 source(s) linked" in out
    assert "7 code(s) added" in run(["codebook", "import", str(study_files / "codebook.yaml")], workdir).output
    result = run(["code", "CEO-07 wave 1", "Impact/Confidence", "--quote", "I regained that confidence", "--coder", "anna"], workdir)
    assert result.exit_code == 0, result.output
    codings = workdir / "my-codings.csv"
    text = Project.open(workdir / "study.qcproj").source_text("Mentor-03 wave 1")
    s = text.index("The board relations")
    codings.write_text(f"source,start,end,code,coder\nMentor-03 wave 1,{s},{s + 19},Issues/Governance,ben\n")
    assert "1 coding(s) imported" in run(["import", "codings", str(codings)], workdir).output
    result = run(["excerpts", "--code", "Issues/Governance", "--where", "role=Mentor", "--format", "csv"], workdir)
    frame = pd.read_csv(io.StringIO(result.output))
    assert frame["text"].tolist() == ["The board relations"]
    assert frame["case"].tolist() == ["Mentor-03"]
    data = json.loads(run(["excerpts", "--format", "json"], workdir).output)
    assert {d["codes"] for d in data} == {"Impact/Confidence", "Issues/Governance"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "missing.txt"], "missing.txt: no such file"),
        (["code", "Nobody", "Impact", "--start", "0", "--end", "2"], "no source named 'Nobody'"),
        (["codebook", "import", "nothing.yaml"], "nothing.yaml: no such file"),
        (["descriptors", "import", "nothing.csv", "--key", "id"], "nothing.csv: file not found"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_1(workdir: Path, args: list[str], message: str) -> None:
    result = run(args, workdir)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_bad_usage_exits_2(workdir: Path, study_files: Path) -> None:
    run(["ingest", str(study_files / "interviews")], workdir)
    result = run(["code", "CEO-07 wave 1", "Impact"], workdir)  # neither quote nor offsets
    assert result.exit_code == 2
    assert "either a quote or both start and end" in result.output
    assert run(["excerpts", "--where", "role"], workdir).exit_code == 2


def test_project_is_found_from_env_or_folder(tmp_path: Path, workdir: Path) -> None:
    assert "sources" in run(["status"], workdir).output
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run(["status"], elsewhere)
    assert result.exit_code == 1 and "no *.qcproj file here" in result.output
    result = run(["status"], elsewhere, env={"QUALCODE_PROJECT": str(workdir / "study.qcproj")})
    assert result.exit_code == 0


def test_not_a_project_file(tmp_path: Path) -> None:
    (tmp_path / "x.qcproj").write_text("hello")
    result = run(["--project", "x.qcproj", "status"], tmp_path)
    assert result.exit_code == 1 and "not a qualcode project" in result.output


def test_python_dash_m_and_console_script(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "qualcode", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("qualcode, version")


def test_init_without_a_target_says_what_to_give(tmp_path: Path) -> None:
    from qualcode.cli import cli

    result = CliRunner().invoke(cli, ["init"], env={"QUALCODE_PROJECT": None})
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("Error: give the project to create")
    assert list(tmp_path.iterdir()) == []
