"""Coding: spans, quotes, occurrences, weights, memos, bulk import, retrieval filters."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualcode import Project
from qualcode.coding.spans import find_quote
from qualcode.errors import CodingError, ImportFormatError, NotFoundError, UsageError


def test_quote_span_is_the_text_a_user_sees(study: Project) -> None:
    text = study.source_text("CEO-07 wave 1")
    excerpt_id = study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence slowly.", coder="anna")
    row = study.excerpts().set_index("excerpt_id").loc[excerpt_id]
    assert row["text"] == "I regained that confidence slowly."
    assert text[row["start"]:row["end"]] == row["text"]
    assert row["start"] == text.index("I regained that confidence slowly.")
    assert row["speaker"] == "CEO-07"


def test_occurrence_picks_the_nth_appearance(study: Project) -> None:
    text = study.source_text("CEO-07 wave 1")
    first = text.index("I regained that confidence")
    second = text.index("I regained that confidence", first + 1)
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence", occurrence=2, coder="anna")
    assert study.excerpts()["start"].tolist() == [second]
    with pytest.raises(CodingError, match="appears 2 time"):
        study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence", occurrence=3)


def test_quote_copied_with_typographic_punctuation_and_line_breaks() -> None:
    text = "She said: don't stop -\nkeep   going."
    start, end = find_quote(text, "don\u2019t stop \u2013 keep going.", "s")
    assert text[start:end] == "don't stop -\nkeep   going."


def test_missing_quote_and_bad_offsets_change_nothing(study: Project) -> None:
    with pytest.raises(CodingError, match="quote not found in source 'CEO-07 wave 1'"):
        study.code("CEO-07 wave 1", "Impact/Confidence", quote="words nobody said")
    length = len(study.source_text("CEO-07 wave 1"))
    with pytest.raises(CodingError, match=rf"length {length}"):
        study.code("CEO-07 wave 1", "Impact/Confidence", start=10, end=length + 1)
    with pytest.raises(CodingError, match="start < end"):
        study.code("CEO-07 wave 1", "Impact/Confidence", start=10, end=10)
    with pytest.raises(NotFoundError, match="no source named"):
        study.code("CEO-99", "Impact/Confidence", start=0, end=3)
    assert study.excerpts().empty and study.applications().empty


def test_several_codes_weights_and_coders_on_one_excerpt(study: Project) -> None:
    quote = "The board was difficult, and our chair and I argued about the budget."
    a = study.code("CEO-07 wave 1", ["Issues/Governance/Board relations", "Issues/Sustainability"], quote=quote, coder="anna")
    b = study.code("CEO-07 wave 1", "Issues/Governance/Board relations", quote=quote, coder="ben")
    assert a == b  # one excerpt, told apart by coder
    apps = study.applications()
    assert sorted(zip(apps["coder"], apps["code"])) == [
        ("anna", "Issues/Governance/Board relations"), ("anna", "Issues/Sustainability"),
        ("ben", "Issues/Governance/Board relations"),
    ]
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="anna", weight=4)
    assert study.applications(code="Impact/Confidence")["weight"].tolist() == [4.0]
    with pytest.raises(CodingError, match="outside 1..5"):
        study.code("CEO-07 wave 1", "Impact/Confidence", quote="Funding is the big worry.", weight=7)


def test_excerpt_filters(study: Project) -> None:
    study.code("CEO-07 wave 1", "Issues/Governance/Board relations", quote="The board was difficult", coder="anna")
    study.code("Mentor-03 wave 1", "Issues/Governance", quote="The board relations improved a lot.", coder="ben")
    study.code("Mentor-03 wave 1", "Impact/Leadership", quote="She found her voice with the trustees.", coder="ben")
    assert len(study.excerpts(code="Issues/Governance")) == 2  # children included
    assert len(study.excerpts(code="Issues/Governance", descendants=False)) == 1
    assert study.excerpts(code="Issues", where={"role": ["CEO"]})["case"].tolist() == ["CEO-07"]
    assert study.excerpts(where={"mode": ["face to face"]})["source"].unique().tolist() == ["Mentor-03 wave 1"]
    assert study.excerpts(coder="ben")["text"].str.len().gt(0).sum() == 2
    assert study.excerpts(search="VOICE")["text"].tolist() == ["She found her voice with the trustees."]
    assert len(study.excerpts(where={"wave": ["1"]})) == 3
    assert len(study.excerpts(where={"role": "ceo"})) == 1  # text matches case-insensitively
    with pytest.raises(UsageError, match="'rolee' is neither a frame column nor a descriptor"):
        study.excerpts(where={"rolee": ["CEO"]})


def test_uncode_removes_applications_and_empty_excerpts(study: Project) -> None:
    eid = study.code("CEO-07 wave 1", ["Impact/Confidence", "Impact/Leadership"], quote="I regained that confidence I had lost.", coder="anna")
    assert study.uncode(eid, "Impact/Leadership") == 1
    assert study.applications()["code"].tolist() == ["Impact/Confidence"]
    assert study.uncode(eid) == 1
    assert study.excerpts().empty


def test_memos_on_each_target(study: Project) -> None:
    eid = study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="anna",
                     memo="turning point")
    study.add_memo("Overall impressions", author="anna")
    study.add_memo("Rich interview", on="source", target="CEO-07 wave 1", author="anna")
    study.add_memo("Check scope", on="code", target="Impact/Confidence", author="anna")
    memos = study.memos()
    assert sorted(memos["target"]) == ["code", "excerpt", "project", "source"]
    assert memos.set_index("target").loc["excerpt", "target_id"] == eid


def _codings_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "codings.csv"
    path.write_text("source,start,end,code,coder,weight\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_bulk_import_of_codings(study: Project, tmp_path: Path) -> None:
    text = study.source_text("CEO-07 wave 1")
    s = text.index("Funding is the big worry.")
    e = s + len("Funding is the big worry.")
    path = _codings_csv(tmp_path, [
        f"CEO-07 wave 1,{s},{e},Issues/Sustainability,anna,",
        f"CEO-07 wave 1.txt,{s},{e},Issues/Sustainability,ben,",
        f"CEO-07 wave 1,{s},{e},Impact/Confidence,anna,2",
        f"CEO-07 wave 1,{s},{e},Issues/Sustainability,anna,",  # duplicate: skipped
    ])
    report = study.import_codings(path)
    assert (report.rows, report.excerpts, report.applications, report.duplicates) == (4, 1, 3, 1)
    apps = study.applications()
    assert study.excerpts()["text"].tolist() == ["Funding is the big worry."]
    assert apps.set_index(["code", "coder"]).loc[("Impact/Confidence", "anna"), "weight"] == 2.0
    assert (apps["origin"] == "import").all()
    assert study.import_codings(path).applications == 0  # idempotent


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("CEO-07 wave 1,0,99999,Impact/Confidence,anna,", "line 3: offsets"),
        ("CEO-07 wave 1,5,5,Impact/Confidence,anna,", "line 3: offsets"),
        ("CEO-07 wave 1,a,9,Impact/Confidence,anna,", "line 3: start 'a'"),
        ("Nobody,0,9,Impact/Confidence,anna,", "line 3: no source named 'Nobody'"),
        ("CEO-07 wave 1,0,9,Impact/Nope,anna,", "line 3: no code 'Impact/Nope'"),
        ("CEO-07 wave 1,0,9,Impact/Confidence,anna,heavy", "line 3: weight 'heavy'"),
    ],
)
def test_bulk_import_rejects_bad_rows_and_imports_nothing(study: Project, tmp_path: Path, row: str, message: str) -> None:
    path = _codings_csv(tmp_path, ["CEO-07 wave 1,0,9,Impact/Confidence,anna,", row])
    with pytest.raises(CodingError, match=message):
        study.import_codings(path)
    assert study.applications().empty and study.excerpts().empty


def test_bulk_import_missing_columns(study: Project, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("source,begin,end,code\nx,1,2,y\n")
    with pytest.raises(ImportFormatError, match="missing column"):
        study.import_codings(path)


def test_applications_frame_matches_docs_columns(study: Project) -> None:
    study.code("CEO-07 wave 1", "Impact/Confidence", quote="I regained that confidence I had lost.", coder="anna")
    apps = study.applications()
    for column in ["application_id", "excerpt_id", "source_id", "source", "case", "wave", "start", "end", "code_id",
                   "code", "coder", "weight", "origin", "status", "confidence", "created_at"]:
        assert column in apps.columns
    assert apps["case"].tolist() == ["CEO-07"] and apps["wave"].tolist() == ["1"]
    assert pd.isna(apps["weight"].iloc[0])


def test_bulk_import_by_quote(study: Project, tmp_path: Path) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text(
        "source,quote,occurrence,code,coder,weight\n"
        "CEO-07 wave 1,I regained that confidence,2,Impact/Confidence,anna,3\n"
        "Mentor-03 wave 1,She found her voice with the trustees.,,Impact/Leadership,anna,\n",
        encoding="utf-8",
    )
    report = study.import_codings(path)
    assert report.applications == 2
    text = study.source_text("CEO-07 wave 1")
    second = text.index("I regained that confidence", text.index("I regained that confidence") + 1)
    ex = study.excerpts().set_index("source")
    assert ex.loc["CEO-07 wave 1", "start"] == second
    bad = tmp_path / "bad.csv"
    bad.write_text("source,quote,code,coder\nCEO-07 wave 1,never said this,Impact/Confidence,anna\n", encoding="utf-8")
    with pytest.raises(CodingError, match="line 2: quote not found"):
        study.import_codings(bad)
