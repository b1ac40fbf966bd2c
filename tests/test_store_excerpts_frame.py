"""The excerpts frame (store/frames.py ``excerpts``), built column by column, against an
independent computation from the applications frame and the sources' texts."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from qualcode.store import frames

RULES = """\
codebook: rules
codes:
  - name: Zeta
    rules:
      unit: sentence
      keywords: ["budget"]
"""


def _coded(study, tmp_path: Path):
    """The tiny study with awkwardly ordered code paths, several codes and coders on one
    passage, a code applied twice, a suggestion nobody decided and a rejected one."""
    for path in ("Zeta", "alpha", "Alpha/beta", "Émigré", "Impact/Confidence/Deeper"):
        study.add_code(path)
    ceo, mentor = "CEO-07 wave 1", "Mentor-03 wave 1"
    study.code(ceo, ["Zeta", "Impact/Confidence", "alpha"], quote="I regained that confidence I had lost.", coder="ana")
    study.code(ceo, ["Impact/Confidence", "Émigré"], quote="I regained that confidence I had lost.", coder="ben")
    study.code(ceo, "Alpha/beta", quote="I regained that confidence", coder="ben")  # same start, shorter
    study.code(ceo, "Issues/Governance", quote="Funding is the big worry.", coder="ana")
    study.code(mentor, "Issues/Governance/Board relations", quote="The board relations improved a lot.", coder="ana")
    study.code(mentor, ["Impact/Confidence/Deeper", "Impact/Leadership"], quote="She found her voice", coder="ben")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    study.import_codebook(tmp_path / "rules.yaml")
    study.autocode(progress=False)  # a suggestion on "...argued about the budget." only
    queue = study.review_queue()
    assert len(queue) >= 1
    return study


def _expected(project) -> pd.DataFrame:
    """Each excerpt's codes from the full applications frame, its text from its source,
    sorted by (source, start, end) in Python."""
    apps = project.applications(status=None)
    applied = apps[apps["status"] == "applied"]
    rows = []
    for excerpt_id, group in apps.groupby("excerpt_id"):
        first = group.iloc[0]
        codes = sorted(set(applied.loc[applied["excerpt_id"] == excerpt_id, "code"]))
        text = project.source_text(first["source"], int(first["start"]), int(first["end"]))
        rows.append((str(first["source"]), int(first["start"]), int(first["end"]), int(excerpt_id), "; ".join(codes), text,
                     first["case"], first["wave"]))
    rows.sort()
    return pd.DataFrame(rows, columns=["source", "start", "end", "excerpt_id", "codes", "text", "case", "wave"])


def test_every_excerpt_with_its_codes_in_path_order_sorted_by_source_and_span(study, tmp_path):
    project = _coded(study, tmp_path)
    expected = _expected(project)
    got = project.excerpts(status=None)
    assert len(got) == len(expected) == 6
    for column in ("excerpt_id", "source", "start", "end", "codes", "text"):
        assert got[column].tolist() == expected[column].tolist(), column
    assert got["case"].tolist() == expected["case"].tolist()
    assert got["wave"].tolist() == expected["wave"].tolist()
    both = got[got["codes"].str.count("; ") == 3]["codes"].tolist()
    assert both == ["Impact/Confidence; Zeta; alpha; Émigré"]  # code point order: capitals first, "É" last
    assert (got["codes"] == "").sum() >= 1  # the rule suggestion's excerpt: nothing applied
    speakers = dict(zip(got["text"], got["speaker"]))
    assert speakers["I regained that confidence I had lost."] == "CEO-07"
    assert speakers["She found her voice"] == "Mentor-03"


def test_the_frame_read_alone_equals_the_one_built_from_the_kept_frames(study, tmp_path):
    project = _coded(study, tmp_path)
    with project._db.connect() as conn:
        alone = frames.excerpts(conn)
        table = frames.source_table(conn)
        given = frames.excerpts(conn, table, frames.counting_applications(conn, sources=table)[["excerpt_id", "code"]])
    pd.testing.assert_frame_equal(alone, given)
    assert list(alone.columns) == frames.EXCERPT_COLUMNS
    assert str(alone["case"].dtype) == "string" and str(alone["text"].dtype) == "str"


def test_the_listing_of_a_code_and_coder_uses_applied_codings_only(study, tmp_path):
    project = _coded(study, tmp_path)
    confidence = project.excerpts("Impact/Confidence")  # children included
    assert sorted(confidence["text"]) == ["I regained that confidence I had lost.", "She found her voice"]
    assert project.excerpts("Impact/Confidence", descendants=False)["text"].tolist() == [
        "I regained that confidence I had lost."]
    assert sorted(project.excerpts(coder="ben")["text"]) == [
        "I regained that confidence", "I regained that confidence I had lost.", "She found her voice"]
    assert project.excerpts("Zeta", status="suggested")["text"].str.contains("budget").all()


def test_an_empty_project_has_an_empty_frame_with_the_columns(project):
    assert list(project.excerpts(status=None).columns) == frames.EXCERPT_COLUMNS
    with project._db.connect() as conn:
        assert frames.excerpts(conn).empty


def test_the_numbers_parsed_from_one_text_per_column_are_the_rows(study, tmp_path):
    project = _coded(study, tmp_path)
    from sqlalchemy import select

    from qualcode.store.schema import excerpts as X

    with project._db.connect() as conn:
        parsed = frames._excerpt_numbers(conn)
        rows = conn.execute(select(X.c.id, X.c.source_id, X.c.start, X.c.end).order_by(X.c.id)).all()
    assert parsed.tolist() == [list(r) for r in rows] and len(rows) == 6
