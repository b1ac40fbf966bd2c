"""Small lies the CLI told (issue 20): ``show`` offsets read as Python slices or clipped,
``codebook add`` of an existing code said "added", ``--kind subtitles`` on a .docx was
ignored. Each is now a right answer or a one-line error."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fuzz_targets import seed_docx
from qualcode import Project
from qualcode.cli import cli
from qualcode.errors import UsageError
from qualcode.ingest.registry import read_path
from unchanged import project_rows


@pytest.fixture
def target(study: Project, tmp_path: Path) -> list[str]:
    study.close()
    return ["--project", str(tmp_path / "study.qcproj")]


def run(args: list[str]):
    return CliRunner().invoke(cli, args)


def test_show_with_a_negative_start_is_an_error_not_the_last_characters(target: list[str]) -> None:
    result = run([*target, "show", "Mentor-03 wave 1", "--start", "-5"])
    assert result.exit_code == 2
    assert "outside 'Mentor-03 wave 1', which has 121 characters" in result.output and "Traceback" not in result.output
    assert "give 0 <= start <= end <= 121" in result.output  # what to do
    assert result.output.count("\n") == 1


def test_show_past_the_end_is_an_error_not_clipped(target: list[str], study: Project) -> None:
    result = run([*target, "show", "Mentor-03 wave 1", "--start", "0", "--end", "99999"])
    assert result.exit_code == 2 and "99999" in result.output and "121 characters" in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_show_a_span_prints_exactly_it(target: list[str]) -> None:
    result = run([*target, "show", "Mentor-03 wave 1", "--start", "0", "--end", "11"])
    assert result.exit_code == 0 and result.output == "Interviewer\n"


def test_project_source_text_checks_offsets(study: Project) -> None:
    text = study.source_text("CEO-07 wave 1")
    assert study.source_text("CEO-07 wave 1", 0, 9) == text[:9]
    assert study.source_text("CEO-07 wave 1", len(text)) == ""
    with pytest.raises(UsageError):
        study.source_text("CEO-07 wave 1", -5)
    with pytest.raises(UsageError):
        study.source_text("CEO-07 wave 1", 10, 5)


def test_codebook_add_of_an_existing_code_says_so(target: list[str]) -> None:
    before = project_rows(target[1])
    result = run([*target, "codebook", "add", "Issues/Governance"])
    assert result.exit_code == 0
    assert "already in the codebook" in result.output and "added" not in result.output.replace("nothing added", "")
    assert project_rows(target[1]) == before
    fresh = run([*target, "codebook", "add", "Issues/Staffing"])
    assert fresh.output.strip() == "added Issues/Staffing"


def test_kind_subtitles_on_a_docx_is_refused(tmp_path: Path, target: list[str]) -> None:
    path = tmp_path / "CEO-03 interview.docx"
    path.write_bytes(seed_docx(tmp_path))
    with pytest.raises(UsageError, match="needs a .vtt or .srt"):
        read_path(path, kind="subtitles")
    before = project_rows(target[1])
    result = run([*target, "ingest", str(path), "--kind", "subtitles"])
    assert result.exit_code == 2 and ".vtt or .srt" in result.output and "CEO-03 interview.docx" in result.output
    assert "leave --kind out" in result.output and result.output.count("\n") == 1
    assert project_rows(target[1]) == before
    assert read_path(path).sources[0].kind == "transcript"  # without --kind it reads as before


def test_a_stop_list_or_name_list_in_windows_1252_is_read_and_a_mixed_one_is_one_line(target: list[str],
                                                                                     tmp_path: Path) -> None:
    """``--stop`` and ``redact add --file`` read a small file the user wrote: decoded as
    ingest decodes, never a UnicodeDecodeError traceback."""
    stop = tmp_path / "stop.txt"
    stop.write_bytes("board\nrégulièrement\n".encode("cp1252"))
    result = run([*target, "stats", "words", "--stop", str(stop), "--format", "csv"])
    assert result.exit_code == 0, result.output
    words = [line.split(",")[0] for line in result.output.splitlines()[1:]]
    assert words and "board" not in words  # the stop list was read and applied
    mixed = tmp_path / "names.txt"
    mixed.write_bytes("Zoë Hart\n".encode("utf-8") + b"Ren\xe9e Dubois\n")
    before = project_rows(target[1])
    result = run([*target, "redact", "add", "--file", str(mixed)])
    assert result.exit_code == 1 and "Traceback" not in result.output and result.output.count("\n") == 1
    assert "names.txt" in result.output and "byte offset" in result.output
    assert project_rows(target[1]) == before
