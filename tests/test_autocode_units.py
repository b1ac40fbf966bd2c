"""Cutting sources into units: the spans, speakers and questions each unit kind gets."""
from __future__ import annotations

import pandas as pd
import pytest

from qualcode.coding.units import COLUMNS, cut_units
from qualcode.errors import UsageError

TRANSCRIPT = (
    "Interview with CEO-07\n\n"                                # 0..21 header
    "Interviewer: How was it?\n\n"                             # turn text 36..47
    "CEO-07: Good. Really good!\n\nSecond paragraph here.\n\n"  # turn text 57..104 (two paragraphs)
)


def seg(source_id, kind, start, end, speaker=None, question=None):
    return {"source_id": source_id, "kind": kind, "start": start, "end": end, "speaker": speaker, "question": question}


def transcript_segments() -> pd.DataFrame:
    t = TRANSCRIPT
    q = t.index("How was it?")
    a = t.index("Good.")
    end = t.index("here.") + len("here.")
    return pd.DataFrame([seg(1, "paragraph", 0, 21), seg(1, "turn", q, q + 11, "Interviewer"),
                         seg(1, "turn", a, end, "CEO-07")])


def spans(frame: pd.DataFrame, text: str) -> list[tuple[str, object, object]]:
    return [(text[a:b], s if isinstance(s, str) else None, q if isinstance(q, str) else None)
            for a, b, s, q in zip(frame["start"], frame["end"], frame["speaker"], frame["question"])]


def test_sentences_stay_inside_turns_and_keep_the_speaker():
    frame = cut_units({1: TRANSCRIPT}, transcript_segments(), "sentence")
    assert list(frame.columns) == COLUMNS and set(frame["unit"]) == {"sentence"}
    assert spans(frame, TRANSCRIPT) == [
        ("How was it?", "Interviewer", None),
        ("Good.", "CEO-07", None),
        ("Really good!", "CEO-07", None),
        ("Second paragraph here.", "CEO-07", None),
    ]  # the header line is not speech
    assert (frame["text"] == [TRANSCRIPT[a:b] for a, b in zip(frame["start"], frame["end"])]).all()


def test_turns_paragraphs_and_the_whole_source():
    segments = transcript_segments()
    turns = cut_units({1: TRANSCRIPT}, segments, "turn")
    assert [t for t, _, _ in spans(turns, TRANSCRIPT)] == ["How was it?", "Good. Really good!\n\nSecond paragraph here."]
    paragraphs = cut_units({1: TRANSCRIPT}, segments, "paragraph")
    assert spans(paragraphs, TRANSCRIPT) == [
        ("How was it?", "Interviewer", None), ("Good. Really good!", "CEO-07", None),
        ("Second paragraph here.", "CEO-07", None)]
    whole = cut_units({1: TRANSCRIPT}, segments, "source")
    assert spans(whole, TRANSCRIPT) == [(TRANSCRIPT.strip(), None, None)]
    assert cut_units({1: TRANSCRIPT}, segments, "answer").empty


def test_answers_are_questionnaire_answers_and_email_messages():
    survey = "What changed?\nMore confidence.\n\nWhat could be better?\nLonger sessions."
    mail = "From: Researcher: Q1\nHow are you?\n\nFrom: CEO-06: Re: Q1\nFine, thanks."
    a1, a2 = survey.index("More confidence."), survey.index("Longer sessions.")
    m1, m2 = mail.index("How are you?"), mail.index("Fine, thanks.")
    segments = pd.DataFrame([
        seg(2, "answer", a1, a1 + 16, question="open_change"), seg(2, "answer", a2, a2 + 16, question="open_improve"),
        seg(3, "message", m1, m1 + 12, "Researcher", "How are you?"), seg(3, "message", m2, m2 + 13, "CEO-06", "How are you?"),
    ])
    answers = cut_units({2: survey, 3: mail}, segments, "answer")
    assert list(zip(answers["source_id"], answers["text"], answers["question"], answers["speaker"].fillna("-"))) == [
        (2, "More confidence.", "open_change", "-"), (2, "Longer sessions.", "open_improve", "-"),
        (3, "How are you?", "How are you?", "Researcher"), (3, "Fine, thanks.", "How are you?", "CEO-06")]
    # sentences of a questionnaire never include the question wording
    sentences = cut_units({2: survey}, segments, "sentence")
    assert sentences["text"].tolist() == ["More confidence.", "Longer sessions."]
    assert sentences["question"].tolist() == ["open_change", "open_improve"]


def test_subtitles_cut_sentences_inside_cues_and_turns_from_merged_turns():
    text = "Mentor-03: We met online.\nMentor-03: It worked."
    c1, c2 = text.index("We met"), text.index("It worked")
    segments = pd.DataFrame([
        seg(4, "turn", c1, len(text), "Mentor-03"),  # merged turn runs over the second label
        seg(4, "cue", c1, c1 + 14, "Mentor-03"), seg(4, "cue", c2, c2 + 10, "Mentor-03"),
    ])
    assert cut_units({4: text}, segments, "sentence")["text"].tolist() == ["We met online.", "It worked."]
    assert cut_units({4: text}, segments, "turn")["text"].tolist() == ["We met online.\nMentor-03: It worked."]


def test_a_document_without_segments_uses_its_paragraphs():
    text = "First paragraph. Two sentences.\n\n  Second one.  \n"
    assert cut_units({5: text}, None, "paragraph")["text"].tolist() == ["First paragraph. Two sentences.", "Second one."]
    assert cut_units({5: text}, None, "sentence")["text"].tolist() == ["First paragraph.", "Two sentences.", "Second one."]
    assert cut_units({5: text}, None, "turn")["text"].tolist() == ["First paragraph. Two sentences.", "Second one."]


def test_unknown_unit_is_a_usage_error():
    with pytest.raises(UsageError, match="chapter"):
        cut_units({1: "x"}, None, "chapter")
