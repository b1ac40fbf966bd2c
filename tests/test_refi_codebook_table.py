"""Spreadsheet codebooks (CSV/XLSX): path layout, name + parent layout, and errors by row."""
from __future__ import annotations

import pandas as pd
import pytest

from qualcode.errors import ImportFormatError
from qualcode.interop.codebook_table_read import read_codebook_table
from qualcode.interop.refi_write import build_qdc


def paths(project) -> list[str]:
    return ["/".join(p) for p, _ in project.iter_codes()]


def test_path_layout_creates_parents(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(
        "Path,Description,Colour\n"
        "Arenas/Self/Confidence,Feeling able,#1F77B4\n"
        "Arenas,The arenas of impact,\n"
        "Issues > Governance,Board and trustees,f00\n",
        encoding="utf-8-sig",
    )
    project = read_codebook_table(path)
    assert paths(project) == ["Arenas", "Arenas/Self", "Arenas/Self/Confidence", "Issues", "Issues/Governance"]
    codes = {"/".join(p): c for p, c in project.iter_codes()}
    assert codes["Arenas/Self/Confidence"].colour == "#1f77b4"
    assert codes["Issues/Governance"].colour == "#ff0000"
    assert codes["Arenas"].description == "The arenas of impact"
    assert codes["Arenas/Self"].description == ""  # created as a parent only


def test_name_parent_layout_in_any_order_from_xlsx(tmp_path):
    path = tmp_path / "book.xlsx"
    pd.DataFrame(
        [
            {"Name": "Confidence", "Parent": "Self", "Description": "d1", "Inclusion": "talks of confidence", "Exclusion": "", "Examples": "I felt able"},
            {"Name": "Self", "Parent": "Arenas", "Description": "", "Inclusion": "", "Exclusion": "", "Examples": ""},
            {"Name": "Arenas", "Parent": "", "Description": "top", "Inclusion": "", "Exclusion": "", "Examples": ""},
            {"Name": "Money", "Parent": "Issues/Funding", "Description": "", "Inclusion": "", "Exclusion": "not grants", "Examples": ""},
        ]
    ).to_excel(path, index=False)
    project = read_codebook_table(path)
    assert sorted(paths(project)) == ["Arenas", "Arenas/Self", "Arenas/Self/Confidence", "Issues", "Issues/Funding", "Issues/Funding/Money"]
    codes = {"/".join(p): c for p, c in project.iter_codes()}
    assert codes["Arenas/Self/Confidence"].inclusion == "talks of confidence"
    assert codes["Arenas/Self/Confidence"].examples == "I felt able"
    assert codes["Issues/Funding/Money"].exclusion == "not grants"
    build_qdc(project)  # GUIDs are valid UUIDs, so the codebook exports


@pytest.mark.parametrize(
    "body, message",
    [
        ("Name,Parent\nA,\nB,Missing\n", "row 3: parent 'Missing' of code 'B' is not in the sheet"),
        ("Name,Parent\nA,\nX,A\nX,B\nB,\nY,X\n", "row 6: parent 'X' is ambiguous"),
        ("Name,Parent\nA,B\nB,A\n", "parent cycle"),
        ("Path\nA/B\nA/B\n", "row 3: code 'A/B' is already defined in row 2"),
        ("Path,Colour\nA,blue\n", "row 2: colour 'blue' is not a hex colour"),
        ("Code,Label\nA,B\n", "needs a 'path' column"),
    ],
)
def test_errors_name_the_row(tmp_path, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(ImportFormatError) as info:
        read_codebook_table(path)
    assert message in str(info.value) and str(info.value).startswith("bad.csv")
