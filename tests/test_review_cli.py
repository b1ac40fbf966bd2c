"""The command line: autocode, runs, undo, and the interactive review driven by typed keys."""
from __future__ import annotations

import io

import pandas as pd
from click.testing import CliRunner

from qualcode.cli import cli
from test_autocode import EXPECTED, RULE, S1, S2, S3, hand, rule_apps  # noqa: F401  (hand is a fixture)


def invoke(project, *args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["-p", project.target, *args], input=input, env=env or {}, catch_exceptions=False)


def test_autocode_dry_run_then_run_then_undo(hand):
    dry = invoke(hand, "autocode", "--dry-run", "--format", "csv")
    assert dry.exit_code == 0
    counts = pd.read_csv(io.StringIO(dry.output))
    assert int(counts["units"].sum()) == len(EXPECTED) and rule_apps(hand, status=None).empty
    out = invoke(hand, "autocode").output
    assert out.startswith(f"run 1: {len(EXPECTED)} new applications (suggested) by {RULE}")
    assert invoke(hand, "autocode").output.startswith("nothing new")
    runs = pd.read_csv(io.StringIO(invoke(hand, "runs", "--format", "csv").output))
    assert runs[["run_id", "suggested", "applied"]].values.tolist() == [[1, len(EXPECTED), 0]]
    assert invoke(hand, "undo", "1").output.strip() == f"run 1: removed {len(EXPECTED)} application(s)"
    bad = invoke(hand, "undo", "7")
    assert bad.exit_code == 1 and bad.output.startswith("Error: no run 7")


def test_interactive_review_applies_each_key(hand):
    hand.autocode(progress=False)
    text = hand.source_text("CEO-07 wave 1")
    start = text.index("feel confident")
    # queue in source order: S1 Mentoring, S2 Board, S3 Board, S3 Board meeting, S5 Confidence, ...
    keys = "a" + "x" + "r" + "s" + "c" + "Governance depth\n" + "e" + f"{start}\n{start + 14}\n" + "q"
    result = invoke(hand, "review", "--order", "source", "--by", "anna", input=keys)
    assert result.exit_code == 0, result.output
    assert "[1/17] CEO-07 wave 1 · CEO-07" in result.output
    assert f"«{S1}»" in result.output and "Code: Mentoring" in result.output
    assert "unknown key 'x'" in result.output
    assert result.output.rstrip().endswith("review: 1 accepted, 1 rejected, 1 recoded, 1 span edited, 1 skipped")
    apps = hand.applications(status=None)
    texts = hand.excerpts(status=None).set_index("excerpt_id")["text"]
    decided = {(c, texts[e], s, who) for c, e, s, who, coder in
               zip(apps["code"], apps["excerpt_id"], apps["status"], apps["decided_by"], apps["coder"])
               if isinstance(who, str)}
    assert decided == {
        ("Mentoring", S1, "applied", "anna"),
        ("Board", S2, "rejected", "anna"),
        ("Board meeting", S3, "rejected", "anna"),          # recoded: the rule's code rejected...
        ("Governance depth", S3, "applied", "anna"),        # ...and the reviewer's code applied
        ("Confidence", "feel confident", "applied", "anna"),  # span edited and accepted
    }
    board_s3 = apps[(apps["code"] == "Board") & (apps["excerpt_id"].map(texts) == S3)]
    assert board_s3["status"].tolist() == ["suggested"]  # skipped: still waiting
    assert len(hand.review_queue()) == len(EXPECTED) - 4  # four decided, the skipped one waits


def test_a_wrong_code_or_span_is_reported_and_asked_again(hand):
    hand.autocode(progress=False, codes=["Confidence"])
    result = invoke(hand, "review", "--by", "anna", input="cNo such code\ncConfidence\nq")
    assert "Error: no code 'No such code'" in result.output
    assert "Error: application" in result.output and "already has code 'Confidence'" in result.output
    assert rule_apps(hand, status=None)["status"].tolist() == ["suggested"]


def test_end_of_input_quits(hand):
    hand.autocode(progress=False, codes=["Board"])
    result = invoke(hand, "review", input="a")
    assert result.exit_code == 0 and "review: 1 accepted" in result.output


def test_list_and_batch_accept(hand):
    hand.autocode(progress=False)
    listed = pd.read_csv(io.StringIO(invoke(hand, "review", "--list", "--format", "csv").output))
    assert len(listed) == len(EXPECTED) and set(listed["code"]) == {c for _, _, c in EXPECTED}
    out = invoke(hand, "review", "--accept-above", "0.7", "--code", "Governance depth", env={"QUALCODE_CODER": "ben"})
    assert out.output.strip() == ("accepted 1 suggestion(s) of Governance depth with confidence >= 0.7 "
                                  "(batch 1; 'qualcode review --undo-batch 1' takes it back)")
    accepted = rule_apps(hand)
    assert accepted["code"].tolist() == ["Governance depth"] and accepted["decided_by"].tolist() == ["ben"]
    usage = invoke(hand, "review", "--accept-above", "0.7")
    assert usage.exit_code == 2 and usage.output.strip().startswith("Error: --accept-above needs --code")


def test_nothing_to_review(hand):
    assert invoke(hand, "review").output.strip() == "nothing to review"
