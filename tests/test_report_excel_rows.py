"""The workbook's table rows written as SpreadsheetML text (report/xlsx_rows.py) against
openpyxl writing the same cells one by one: every part of the package byte for byte, and
the values read back against the frames they came from."""
from __future__ import annotations

import math
import random
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from qualcode.report import xlsx_rows
from qualcode.report.content import Report
from qualcode.report.excel import write_excel

#: characters that make text awkward in XML, for Excel or for openpyxl
AWKWARD = ["&", "<", ">", "\r", "\n", "\t", " ", "\u00a0", "\u2028", "\x85", "\x7f", "é", "ß", "—", "“", "😀",
           "\U0010fffd", "]]>", '"', "'", "=", "+", "-", "@", "#N/A", "\x01", "\x0b"]


def _awkward_text(rng: random.Random) -> str:
    parts = [rng.choice(AWKWARD) if rng.random() < 0.4 else rng.choice(["mentor", "board", "funding", "Ünïcode"])
             for _ in range(rng.randrange(0, 8))]
    return "".join(parts)


def _report(rows: int = 300, seed: int = 7) -> Report:
    rng = random.Random(seed)
    report = Report("Rows written as text", "every kind of cell")
    section = report.add_section("Tables")
    texts = [_awkward_text(rng) for _ in range(rows)]
    texts[5] = None  # type: ignore[call-overload]
    texts[6] = ""
    texts[7] = "=HYPERLINK(\"http://evil.example\",\"x\")"
    texts[8] = "#DIV/0!"
    section.add_table(pd.DataFrame({
        "excerpt_id": np.arange(1, rows + 1),
        "source": [f"P{i % 17:03d} wave {i % 3 + 1}" for i in range(rows)],
        "wave": [str(i % 3 + 1) for i in range(rows)],
        "case": pd.array([None if i % 11 == 0 else f"CEO-{i % 5}" for i in range(rows)], dtype="string"),
        "start": [rng.randrange(0, 10**6) for _ in range(rows)],
        "text": texts,
    }), "Excerpts with awkward text", name="Excerpts")
    floats = [rng.choice([0.0, -0.0, 1e-20, 1 / 3, 2.5, 1e16 + 1, -7.25, float("nan"), 123456789.123456789])
              for _ in range(rows)]
    section.add_table(pd.DataFrame({
        "code": [rng.choice(["Impact/Confidence", "-leading dash", "+44 7700", " padded "]) for _ in range(rows)],
        "pct_cases": [rng.uniform(0, 100) for _ in range(rows)],
        "mean": floats,
        "p": [rng.choice([0.0004, 0.2, None, 1.0]) for _ in range(rows)],
        "flag": [rng.random() < 0.5 for _ in range(rows)],
        "count": pd.array([None if i % 7 == 0 else i for i in range(rows)], dtype="Int64"),
        "group": pd.Categorical([rng.choice(["CEO", "Mentor", "=Trustee"]) for _ in range(rows)]),
        "empty": [None] * rows,
        "huge": [10**17 + 3 * i if i % 2 else -(10**15) + i for i in range(rows)],  # past %.16g's exact digits
        "small": [i - rows // 2 for i in range(rows)],
        "long": ["word " * rng.randrange(1, 40) + "\nnext line" for _ in range(rows)],
    }), "Numbers of every kind", name="Numbers", formats={"pct_cases": "percent", "mean": "decimal", "p": "pvalue"},
        decimals={"mean": 2})
    section.add_table(pd.DataFrame({"when": pd.to_datetime(["2025-01-02", "2025-03-04"]), "n": [1, 2]}),
                      "Dates go cell by cell", name="Dates")
    section.add_table(pd.DataFrame({"code": pd.Series([], dtype=str)}), "An empty table", name="Empty")
    section.add_quote("=cmd|' /C calc'!A0", "— CEO, wave 2")
    section.add_quote(" a quote with\r\nspaces ", "— Mentor")
    return report


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}  # core.xml: times


def test_every_part_is_the_same_as_openpyxl_writing_cell_by_cell(tmp_path):
    fast = write_excel(_report(), tmp_path / "fast.xlsx")
    slow = write_excel(_report(), tmp_path / "slow.xlsx", cell_by_cell=True)
    fast_parts, slow_parts = _parts(fast), _parts(slow)
    assert list(fast_parts) == list(slow_parts)
    assert [name for name in fast_parts if fast_parts[name] != slow_parts[name]] == []
    # the spliced sheets do hold the rows (not two empty sheets alike)
    assert fast_parts["xl/worksheets/sheet2.xml"].count(b"<row ") == 303


def test_rows_written_in_several_chunks_are_the_same(tmp_path, monkeypatch):
    slow = write_excel(_report(rows=95), tmp_path / "slow.xlsx", cell_by_cell=True)
    monkeypatch.setattr(xlsx_rows, "CHUNK_ROWS", 10)
    fast = write_excel(_report(rows=95), tmp_path / "fast.xlsx")
    assert _parts(fast) == _parts(slow)


def test_values_read_back_are_the_frames_values(tmp_path):
    report = _report(rows=120, seed=3)
    path = write_excel(report, tmp_path / "report.xlsx")
    wb = load_workbook(path)
    frame = report.sections[0].tables[0].frame
    ws = wb["Excerpts"]
    assert [c.value for c in ws[3]] == list(frame.columns)
    for i, row in enumerate(ws.iter_rows(min_row=4, values_only=True)):
        expected = frame.iloc[i]
        assert row[0] == int(expected["excerpt_id"])
        assert row[1] == expected["source"]
        assert row[2] == int(expected["wave"])  # whole-number labels are written as numbers
        assert row[3] == (None if pd.isna(expected["case"]) else expected["case"])
        assert row[4] == expected["start"]
        text = expected["text"]
        if pd.isna(text) or text == "":
            assert row[5] is None
        else:  # openpyxl's illegal control characters are dropped, nothing else
            assert row[5] == ("".join(ch for ch in text if ch not in "\x01\x0b") or None)
    numbers = report.sections[0].tables[1].frame
    ws = wb["Numbers"]
    for i, row in enumerate(ws.iter_rows(min_row=4, values_only=True)):
        expected = numbers.iloc[i]
        assert row[1] == pytest.approx(expected["pct_cases"] / 100, rel=1e-15)
        if math.isnan(expected["mean"]):
            assert row[2] is None
        else:
            assert row[2] == pytest.approx(expected["mean"], rel=1e-15)
        assert row[4] is bool(expected["flag"])
        assert row[5] == (None if pd.isna(expected["count"]) else int(expected["count"]))
        assert row[6] == expected["group"]
        assert row[7] is None
    assert ws["C4"].number_format == "#,##0.00" and ws["B4"].number_format == "0.0%"


def test_formula_like_text_keeps_the_quote_prefix_and_stays_text(tmp_path):
    path = write_excel(_report(), tmp_path / "report.xlsx")
    wb = load_workbook(path)
    ws = wb["Excerpts"]
    cell = ws["F11"]  # texts[7]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s" and cell.quotePrefix
    assert ws["F12"].value == "#DIV/0!" and ws["F12"].data_type == "s"
    numbers = wb["Numbers"]
    for row in numbers.iter_rows(min_row=4):
        code, group = row[0], row[6]
        assert code.data_type == "s" and code.quotePrefix == code.value.startswith(("-", "+"))
        assert group.quotePrefix == (group.value == "=Trustee")
    raw = _parts(path)["xl/worksheets/sheet2.xml"]
    assert b"<f>" not in raw


def test_text_xml_cannot_hold_is_dropped_not_a_traceback(tmp_path):
    report = Report("Bad characters")
    report.add_section("S").add_table(pd.DataFrame({"text": ["ok\uffffhere", "a\ufffeb", "lone \ud800 surrogate"]}),
                                      "Texts", name="Texts")
    path = write_excel(report, tmp_path / "report.xlsx")
    values = [row[0] for row in load_workbook(path)["Texts"].iter_rows(min_row=4, values_only=True)]
    assert values == ["okhere", "ab", "lone  surrogate"]
