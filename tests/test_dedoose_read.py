"""Dedoose excerpt exports: ranges checked against the media text, weights, code paths."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualcode.errors import ImportFormatError
from qualcode.interop.dedoose_read import locate, read_dedoose

TEXT1 = (
    "Q: How did the mentoring help?\n"
    "A: It gave me confidence with my board.\n"
    "A: Funding is still hard, honestly.\n"
    "Q: Anything else?\n"
    "A: No, thank you all."
)
CONF = "It gave me confidence with my board."
FUND = "Funding is still hard, honestly."
CODES = ["Impact", "Impact\\Confidence", "Issues", "Issues\\Funding"]


def row(title, rng, creator, copy, applied=(), weights=None, cohort="A", rating="1"):
    weights = weights or {}
    record = {
        "Media Title": title, "Excerpt Range": rng, "Excerpt Creator": creator, "Excerpt Date": "3/14/2024",
        "Excerpt Copy": copy, "Resource Creator": "lead", "Resource Date": "1/2/2024",
        "Codes Applied Combined": ", ".join(c.split("\\")[-1] for c in applied), "Cohort": cohort, "Rating": rating,
    }
    for code in CODES:
        record[f"Code: {code} Applied"] = code in applied
        record[f"Code: {code} Range"] = "1-10" if code in applied and code.endswith("Confidence") else None
        record[f"Code: {code} Weight"] = weights.get(code)
    return record


def rows() -> list[dict]:
    c = TEXT1.index(CONF)
    f = TEXT1.index(FUND)
    return [
        row("Interview 1", f"{c + 1}-{c + len(CONF)}", "anna", CONF, ["Impact\\Confidence"], {"Impact\\Confidence": 7}),  # 1-based, inclusive
        row("Interview 1", f"{f}-{f + len(FUND)}", "ben", FUND, ["Issues\\Funding"]),  # 0-based, exclusive
        row("Interview 1", "5-20", "anna", "Anything else?", ["Impact\\Confidence"], {"Impact\\Confidence": 3}),  # range wrong
        row("Interview 1", "999-1020", "ben", "thank you_x000D_\nall.", ["Issues"]),  # Excel line break, wrong range
        row("Interview 2", "10-40", "anna", "Text we do not have.", ["Issues\\Funding"], {"Issues\\Funding": 5}, cohort="B"),
        row("Interview 1", "50-60", "anna", "This sentence is not there.", ["Issues"], rating="2"),
        row("Interview 1", f"{c + 1}-{c + len(CONF)}", "ben", CONF, ["Issues\\Funding"]),  # same excerpt, second coder
    ]


@pytest.fixture
def export(tmp_path) -> Path:
    path = tmp_path / "excerpts.xlsx"
    pd.DataFrame(rows()).to_excel(path, index=False)
    media = tmp_path / "media"
    media.mkdir()
    (media / "Interview 1.txt").write_bytes(("\ufeff" + TEXT1.replace("\n", "\r\n")).encode("utf-8"))
    return path


def test_excerpts_are_placed_where_their_text_is(export):
    project = read_dedoose(export, media_dir=export.parent / "media")
    sources = {s.name: s for s in project.sources}
    assert sources["Interview 1"].text == TEXT1  # BOM and CRLF removed
    assert sources["Interview 2"].text is None
    texts = sorted(project.selection_text(s) for s in project.selections if s.source_guid == sources["Interview 1"].guid)
    assert texts == sorted([CONF, FUND, "Anything else?", "thank you all."])
    for sel in project.selections:
        if sel.source_guid == sources["Interview 1"].guid:
            assert TEXT1[sel.start:sel.end] == project.selection_text(sel)
    assert project.counts()["selections"] == 5  # 4 placed in Interview 1 + 1 without media text
    assert project.unmatched == [{"row": 7, "media": "Interview 1", "range": "50-60",
                                  "reason": "excerpt text not found in the media text", "quote": "This sentence is not there."}]


def test_codes_coders_weights_and_weight_ranges(export):
    project = read_dedoose(export, media_dir=export.parent / "media")
    paths = {g: "/".join(p) for g, p in project.code_paths().items()}
    assert sorted(paths.values()) == ["Impact", "Impact/Confidence", "Issues", "Issues/Funding"]
    users = {u.guid: u.name for u in project.users}
    applied = sorted((project.selection_text(s) or "", paths[c.code_guid], users[c.coder_guid], c.weight) for s in project.selections for c in s.codings)
    assert applied == sorted([
        (CONF, "Impact/Confidence", "anna", 7.0),
        (CONF, "Issues/Funding", "ben", None),
        (FUND, "Issues/Funding", "ben", None),
        ("Anything else?", "Impact/Confidence", "anna", 3.0),
        ("thank you all.", "Issues", "ben", None),
        ("Text we do not have.", "Issues/Funding", "anna", 5.0),
    ])
    confidence = next(c for p, c in project.iter_codes() if p == ("Impact", "Confidence"))
    assert (confidence.weight_min, confidence.weight_max) == (1.0, 10.0)
    created = {c.created.date().isoformat() for s in project.selections for c in s.codings}
    assert created == {"2024-03-14"}


def test_descriptor_columns_constant_per_media_become_source_variables(export):
    project = read_dedoose(export, media_dir=export.parent / "media")
    assert [v.name for v in project.variables] == ["Cohort"]
    cohort = project.variables[0].guid
    assert {s.name: s.variable_values[cohort] for s in project.sources} == {"Interview 1": "A", "Interview 2": "B"}
    assert any("'Rating' varies within a media title" in w for w in project.warnings)


def test_without_media_texts_ranges_and_copies_are_kept(export):
    project = read_dedoose(export)
    assert all(s.text is None for s in project.sources)
    # Rows 1 and 7 share title and range: one excerpt; the other five rows stand alone.
    assert project.counts()["selections"] == 6
    third = next(s for s in project.selections if s.quote == "Anything else?")
    assert (third.start, third.end) == (5, 20)
    assert project.unmatched == []


def test_media_texts_given_directly_and_csv_input(tmp_path):
    path = tmp_path / "excerpts.csv"
    frame = pd.DataFrame(rows())
    for col in frame.columns:
        if col.endswith(" Applied"):
            frame[col] = frame[col].map({True: "True", False: "False"})
    frame.to_csv(path, index=False)
    project = read_dedoose(path, media_texts={"Interview 1": TEXT1.replace("\n", "\r\n")})
    assert project.counts()["codings"] == 6
    assert len(project.unmatched) == 1


def test_locate_prefers_the_range_then_the_nearest_occurrence():
    text = "yes no yes no yes"
    assert locate(text, "yes", (7, 10)) == (7, 10, "range")
    assert locate(text, "yes", (13, 15)) == (14, 17, "search")  # nearest of 0, 7, 14
    assert locate(text, "no  yes", None) == (4, 10, "fuzzy")
    assert locate(text, "maybe", (0, 5)) is None


def test_not_a_dedoose_export(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFormatError, match="other.csv: not a Dedoose excerpt export"):
        read_dedoose(path)
    with pytest.raises(ImportFormatError, match="expected a .xlsx or .csv"):
        read_dedoose(tmp_path / "x.json")
