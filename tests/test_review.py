"""Reviewing suggestions: the queue's order and contents, decisions with who and when, batches."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from qualcode.errors import CodingError, NotFoundError, UsageError
from qualcode.store import coding as store_coding
from qualcode.store.migrations import utcnow
from test_autocode import EXPECTED, M1, S3, S5, S8, RULE, hand, rule_apps  # noqa: F401  (hand is a fixture)


@pytest.fixture
def suggested(hand):
    hand.autocode(progress=False)
    return hand


def app_id(project, code: str, text: str) -> int:
    queue = project.review_queue()
    row = queue[(queue["code"] == code) & (queue["text"] == text)]
    assert len(row) == 1, (code, text)
    return int(row["application_id"].iloc[0])


def test_the_queue_lists_every_suggestion_in_source_order_with_context(suggested):
    queue = suggested.review_queue()
    assert len(queue) == len(EXPECTED)
    assert set(zip(queue["source"], queue["text"], queue["code"])) == EXPECTED
    order = queue[["source", "start", "end", "code"]].apply(tuple, axis=1).tolist()
    assert order == sorted(order)  # no model confidences: source order
    row = queue[(queue["text"] == M1) & (queue["code"] == "Mentor practice")].iloc[0]
    assert row["speaker"] == "Mentor-03" and row["coder"] == RULE and row["origin"] == "rule"
    assert set(suggested.review_queue(code="Board")["code"]) == {"Board"}  # "Board meeting" is not a child
    assert suggested.review_queue(origin="model").empty


def test_accept_and_reject_record_who_and_when(suggested, monkeypatch):
    before = utcnow() - timedelta(seconds=1)
    a = app_id(suggested, "Judgement", S5)
    r = app_id(suggested, "Confidence", S5)
    assert suggested.accept(np.int64(a), by="anna") == 1  # an id as it comes out of the queue frame
    monkeypatch.setenv("QUALCODE_CODER", "ben")
    assert suggested.reject([r]) == 1
    after = utcnow() + timedelta(seconds=1)
    apps = rule_apps(suggested, status=None).set_index("application_id")
    assert (apps.loc[a, "status"], apps.loc[a, "decided_by"]) == ("applied", "anna")
    assert (apps.loc[r, "status"], apps.loc[r, "decided_by"]) == ("rejected", "ben")
    for i in (a, r):
        assert before <= pd.Timestamp(apps.loc[i, "decided_at"]) <= after
    undecided = apps.drop(index=[a, r])
    assert undecided["decided_by"].isna().all() and (undecided["status"] == "suggested").all()
    # decided suggestions leave the queue; rejected ones stay in the project
    queue = suggested.review_queue()
    assert len(queue) == len(EXPECTED) - 2 and not queue["application_id"].isin([a, r]).any()
    assert len(rule_apps(suggested, status="rejected")) == 1
    assert suggested.applications(code="Judgement")["coder"].tolist() == [RULE]  # credited to the rule


def test_recode_rejects_the_suggestion_and_applies_the_reviewers_code(suggested):
    original = app_id(suggested, "Board meeting", S3)
    new = suggested.recode(original, "Governance depth", by="anna")
    apps = suggested.applications(status=None).set_index("application_id")
    assert (apps.loc[original, "status"], apps.loc[original, "decided_by"]) == ("rejected", "anna")
    assert apps.loc[new, ["code", "coder", "origin", "status", "decided_by"]].tolist() == [
        "Governance depth", "anna", "manual", "applied", "anna"]
    assert apps.loc[new, "excerpt_id"] == apps.loc[original, "excerpt_id"]
    with pytest.raises(NotFoundError):
        suggested.recode(app_id(suggested, "Board", S3), "No such code", by="anna")
    with pytest.raises(CodingError, match="already has code"):
        suggested.recode(app_id(suggested, "Board", S3), "Board", by="anna")


def test_adjust_span_moves_the_application_and_accepts_it(suggested):
    text = suggested.source_text("CEO-07 wave 1")
    start = text.index("trust my own judgement")
    end = start + len("trust my own judgement")
    moved = app_id(suggested, "Judgement", S5)
    assert suggested.adjust_span(moved, start, end, by="anna") == moved
    row = suggested.applications(status=None).set_index("application_id").loc[moved]
    assert (row["start"], row["end"], row["status"], row["decided_by"]) == (start, end, "applied", "anna")
    excerpts = suggested.excerpts(status=None)
    assert "trust my own judgement" in set(excerpts["text"]) and S5 in set(excerpts["text"])  # S5 keeps Confidence
    with pytest.raises(CodingError):
        suggested.adjust_span(moved, end, start, by="anna")
    with pytest.raises(CodingError):
        suggested.adjust_span(moved, 0, len(text) + 5, by="anna")


def test_accept_above_takes_one_code_at_or_above_the_threshold(suggested):
    # three model suggestions of Board with confidences made up for the test
    excerpts = suggested.excerpts(status=None).set_index("text")["excerpt_id"]
    codes = suggested.codes().set_index("path")["code_id"]
    with suggested.database.begin() as conn:
        model = store_coding.ensure_coders(conn, ["model:1"])["model:1"]
        store_coding.insert_applications(conn, [
            {"excerpt_id": int(excerpts[t]), "code_id": int(codes["Board"]), "coder_id": model, "origin": "model",
             "status": "suggested", "confidence": c}
            for t, c in ((S5, 0.9), (S8, 0.55), (M1, 0.2))])
    queue = suggested.review_queue()
    assert queue["confidence"].head(3).tolist() == [0.55, 0.2, 0.9]  # least certain model suggestion first
    assert (queue["origin"].iloc[3:] == "rule").all()
    assert suggested.review_queue(order="confidence")["confidence"].iloc[0] == 1.0
    assert suggested.accept_above("Board", 0.55, by="anna") == 2  # 0.9 and 0.55; rule ones are 0.5
    board = suggested.applications(code="Board", status=None)
    accepted = board[board["status"] == "applied"]
    assert sorted(accepted["confidence"]) == [0.55, 0.9] and set(accepted["decided_by"]) == {"anna"}
    assert suggested.accept_above("Governance depth", 0.7, by="anna") == 1  # two distinct hits: 0.75
    assert suggested.accept_above("Confidence", 0.7, by="anna") == 0
    with pytest.raises(UsageError):
        suggested.accept_above("Board", 1.5)


def test_unknown_ids_are_reported(suggested):
    with pytest.raises(NotFoundError, match="99999"):
        suggested.accept([99999])
    with pytest.raises(NotFoundError):
        suggested.adjust_span(99999, 0, 1)
    with pytest.raises(UsageError):
        suggested.review_queue(order="random")
