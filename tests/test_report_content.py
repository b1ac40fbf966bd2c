"""The report data model: headline wording, number formats, CSV of every table."""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from qualcode.errors import QualcodeError
from qualcode.report.content import (
    Headline,
    Report,
    Table,
    format_cell,
    infer_format,
    slug,
    unique_names,
    write_csv,
)


def test_headline_sentence_like_the_seed_report():
    h = Headline(sources=170, excerpts=1350, responses=124, invited=200)
    assert h.text() == "170 sources, 1,350 coded excerpts, 124 questionnaire responses (62% response rate)"
    assert h.rate() == pytest.approx(62.0)


def test_headline_singular_and_optional_parts():
    assert Headline(1, 1).text() == "1 source, 1 coded excerpt"
    assert Headline(3, 10, responses=5).text() == "3 sources, 10 coded excerpts, 5 questionnaire responses"
    assert Headline(3, 10, responses=5, response_rate=41.6).text().endswith("(42% response rate)")
    assert "12 participants" in Headline(3, 10, cases=12).text()


def test_headline_names_the_participants_and_the_base_of_every_percentage():
    """The demo's tile said "109 participants" over tables out of 20: both are named."""
    h = Headline(23, 582, responses=88, invited=140, cases=109, base=20)
    assert h.text() == ("23 sources, 582 coded excerpts, 109 participants in the project (20 of them with coded "
                        "material, the base of every %), 88 questionnaire responses (63% response rate)")
    assert h.tiles()[2:4] == [("109", "participants in the project"),
                              ("20", "participants with coded material: the base of every %")]
    no_cases = Headline(12, 40, base=9, base_unit="source")
    assert no_cases.text() == "12 sources, 40 coded excerpts, 9 sources with coded material (the base of every %)"
    assert no_cases.tiles()[-1] == ("9", "sources with coded material: the base of every %")


@pytest.mark.parametrize("value,fmt,decimals,expected", [
    (1350, "count", 1, "1,350"),
    (62.0, "percent", 1, "62.0%"),
    (0.625, "fraction", 0, "62%"),
    (7.456, "decimal", 2, "7.46"),
    (np.nan, "count", 1, ""),
    (pd.NA, "text", 1, ""),
    (None, "decimal", 1, ""),
    (True, "text", 1, "yes"),
    ("=cmd", "text", 1, "=cmd"),
    (pd.Timestamp("2014-03-01"), "text", 1, "2014-03-01"),
])
def test_format_cell(value, fmt, decimals, expected):
    assert format_cell(value, fmt, decimals) == expected


def test_infer_format():
    assert infer_format(pd.Series([1, 2], dtype="int64")) == "count"
    assert infer_format(pd.Series([1, 2, None], dtype="Int64")) == "count"
    assert infer_format(pd.Series([1.0, np.nan, 3.0])) == "count"  # counts that picked up a NaN
    assert infer_format(pd.Series([1.5, 2.0])) == "decimal"
    assert infer_format(pd.Series(["a"])) == "text"
    assert infer_format(pd.Series([1201, 1202]), "excerpt_id") == "text"  # ids never get 1,201
    assert infer_format(pd.Series([62.5, 100.0]), "pct_cases") == "percent"  # analysis naming
    assert infer_format(pd.Series([1.0]), "agree %") == "percent"
    assert infer_format(pd.Series(["a"]), "pct_note") == "text"


def test_table_writes_a_meaningful_index_and_flattens_columns():
    crosstab = pd.DataFrame([[1, 2], [3, 4]], index=pd.Index(["Impact/Confidence", "Ripple/Staff"], name="code"),
                            columns=pd.MultiIndex.from_tuples([("role", "CEO"), ("role", "Mentor")]))
    data = Table(crosstab, "Codes by role").data()
    assert list(data.columns) == ["code", "role / CEO", "role / Mentor"]
    assert data["code"].tolist() == ["Impact/Confidence", "Ripple/Staff"]
    plain = Table(pd.DataFrame({"a": [1, 2]}), "Plain").data()
    assert list(plain.columns) == ["a"]  # a 0..n-1 index is not written


def test_table_formatted_uses_given_formats():
    t = Table(pd.DataFrame({"code": ["A"], "cases": [9], "pct": [25.0], "mean": [7.25]}), "T",
              formats={"pct": "percent"}, decimals={"mean": 2})
    assert t.formatted().iloc[0].tolist() == ["A", "9", "25.0%", "7.25"]


def test_unknown_format_is_reported():
    with pytest.raises(QualcodeError, match="unknown format"):
        Table(pd.DataFrame({"a": [1]}), "T", formats={"a": "percentage"})  # type: ignore[dict-item]


def test_unique_names_and_slug():
    assert unique_names(["Codes", "codes", "Codes"], 31) == ["Codes", "codes (2)", "Codes (3)"]
    long = "A very long table name that goes on and on"
    names = unique_names([long, long], 31)
    assert all(len(n) <= 31 for n in names) and names[0] != names[1]
    assert slug("Codes × role (% of cases)") == "codes-role-of-cases"
    assert slug("!!!") == "table"


def test_add_figure_saves_png_and_svg_with_unique_names(tmp_path):
    report = Report("R")
    for title in ("One", "Two"):
        fig = Figure()
        fig.subplots().plot([0, 1], [0, 1])
        report.add_section(title).add_figure(fig, "Excerpts per code", folder=tmp_path)
    pngs = [f.png for _, f in report.figures()]
    assert len(set(pngs)) == 2 and all(p.is_file() for p in pngs)
    assert all(f.svg is not None and f.svg.is_file() for _, f in report.figures())
    with pytest.raises(QualcodeError, match="folder="):
        report.sections[0].add_figure(Figure(), "No folder")


def test_write_csv_one_file_per_table_with_formula_text_neutralised(tmp_path):
    report = Report("R")
    s = report.add_section("Frequencies")
    freq = pd.DataFrame({"code": ["Impact/Confidence", "Ripple/Staff"], "excerpts": [12, 3],
                         "pct_cases": [62.5, 10.0]})
    s.add_table(freq, "Code frequencies", formats={"pct_cases": "percent"})
    ex = pd.DataFrame({"excerpt_id": [1, 2, 3], "text": ["=HYPERLINK(\"http://x\")", "-5 is a number here", "plain"],
                       "weight": [-5, 3, 1]})
    report.add_section("Excerpts").add_table(ex, "Code frequencies")  # same name: files must not collide
    paths = write_csv(report, tmp_path / "csv")
    assert [p.name for p in paths] == ["01-code-frequencies.csv", "02-code-frequencies.csv"]
    back = pd.read_csv(paths[0], encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, freq)  # values raw: percent stays 0-100
    with open(paths[1], encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"
    assert rows[2][1] == "'-5 is a number here"
    assert rows[1][2] == "-5"  # numbers are never touched
    raw = write_csv(report, tmp_path / "raw", escape_formulas=False)
    assert pd.read_csv(raw[1], encoding="utf-8-sig")["text"][0] == "=HYPERLINK(\"http://x\")"
