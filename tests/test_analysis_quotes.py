"""Quotes: attribution without names, redaction, a cap per case, the documented choice order."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qualcode.analysis import attribution, redact, representative_quotes
from qualcode.errors import UsageError

MID = "x" * 100  # an in-range length


def make_frames():
    texts = {
        1: "Anna Smith said the board finally listened to me about the funding gap " + "a" * 40,
        2: "My mentor (mentioned by CEO-07) helped me plan reserves and talk to trustees " + "b" * 30,
        3: "Short one.",
        4: "Working with Bob on the bid made us braver with commissioners and funders " + "c" * 40,
        5: "We merged two services and CEO-07 thinks it saved the charity in the end " + "d" * 40,
        6: "The reserves policy is now reviewed each quarter by the finance committee " + "e" * 40,
    }
    case = {1: "CEO-07", 2: "CEO-07", 3: "M-02", 4: "M-02", 5: "CEO-11", 6: "CEO-07"}
    wave = {1: "1", 2: "2", 3: "1", 4: "2", 5: "1", 6: "1"}
    excerpts = pd.DataFrame({
        "excerpt_id": list(texts), "source_id": [1, 2, 3, 4, 5, 1], "source": [f"s{i}" for i in texts],
        "case": [case[i] for i in texts], "wave": [wave[i] for i in texts], "start": 0,
        "end": [len(t) for t in texts.values()], "text": list(texts.values()), "codes": "Issues/Sustainability",
    })
    weights = {1: 5.0, 2: 9.0, 3: 10.0, 4: np.nan, 5: 7.0, 6: 8.0}
    apps = pd.DataFrame({
        "excerpt_id": list(texts), "code": "Issues/Sustainability", "code_id": 1,
        "case": [case[i] for i in texts], "source": [f"s{i}" for i in texts],
        "weight": [weights[i] for i in texts],
    })
    descriptors = pd.DataFrame({"case": ["CEO-07", "M-02", "CEO-11"], "role": ["CEO", "mentor", "CEO"],
                                "mode": ["online", "face", pd.NA]})
    return excerpts, apps, descriptors


def test_redact_whole_words_case_insensitive():
    text = "Anna's mentor ANNA, annabel and anna smith met CEO-07 (ceo-07)."
    out = redact(text, ["Anna", "Anna Smith", "CEO-07"])
    assert out == "[name]'s mentor [name], annabel and [name] met [name] ([name])."
    s = redact(pd.Series(["Bob.", None]), ["bob"])
    assert s.iloc[0] == "[name]." and pd.isna(s.iloc[1])
    assert redact("no names here", []) == "no names here"


def test_attribution_from_descriptors_never_names():
    excerpts, _, desc = make_frames()
    a = attribution(excerpts, ["role", "wave"], desc)
    assert a.iloc[1] == "CEO, wave 2"
    assert attribution(excerpts, "{role} ({mode})", desc).iloc[2] == "mentor (face)"
    assert attribution(excerpts.iloc[[4]], ["role", "mode"], desc).iloc[0] == "CEO"  # missing mode skipped
    with pytest.raises(UsageError):
        attribution(excerpts, ["role", "case"], desc)
    with pytest.raises(UsageError):
        attribution(excerpts, "{speaker}", desc)


def test_quotes_choice_order_cap_and_redaction():
    excerpts, apps, desc = make_frames()
    q = representative_quotes(excerpts, apps, "Sustainability", desc, n=3, names=["Bob", "Anna Smith"])
    # round 1: each case's best in-range excerpt, cases by that excerpt's weight:
    #   CEO-07 -> e2 (w 9), CEO-11 -> e5 (w 7), M-02 -> e4 (e3 is too short, e4 unweighted)
    assert q["excerpt_id"].tolist() == [2, 5, 4]
    assert q["attribution"].tolist() == ["CEO, wave 2", "CEO, wave 1", "mentor, wave 2"]
    assert q["code"].iloc[0] == "Issues/Sustainability"
    joined = " ".join(q["quote"])
    for name in ("CEO-07", "CEO-11", "Bob", "Anna"):
        assert name not in joined
    assert "[name]" in q["quote"].iloc[0] and "[name]" in q["quote"].iloc[1]
    assert set(q.columns) == {"code", "excerpt_id", "quote", "attribution", "weight", "chars"}


def test_quotes_per_case_cap():
    excerpts, apps, desc = make_frames()
    one = representative_quotes(excerpts, apps, "Issues/Sustainability", desc, n=10)
    assert one["excerpt_id"].tolist() == [2, 5, 4]  # one per case
    two = representative_quotes(excerpts, apps, "Issues/Sustainability", desc, n=10, per_case=2)
    # round 2: CEO-07's next best e6 (w 8), then M-02's e3 (out of range, last); CEO-11 has none
    assert two["excerpt_id"].tolist() == [2, 5, 4, 6, 3]
    codebook = pd.DataFrame({"code_id": [1, 2], "path": ["Issues", "Issues/Sustainability"],
                             "name": ["Issues", "Sustainability"], "position": [0, 0]})
    assert representative_quotes(excerpts, apps.iloc[:0], "Issues/Sustainability", desc, codebook).empty
