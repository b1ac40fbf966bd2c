"""Subtitles (WebVTT, SRT) and email interviews (thread text, .eml, .mbox)."""
from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import IngestError
from qualcode.ingest.registry import read_path

DATA = Path(__file__).parent / "data" / "ingest"


def spans(source, kind):
    return [(s.speaker, source.text[s.start:s.end]) for s in source.segments if s.kind == kind]


# ---------------------------------------------------------------- subtitles


def test_vtt_voice_tags_cues_and_turns():
    source = read_path(DATA / "interview.vtt").sources[0]
    assert source.kind == "transcript"
    assert source.text == (
        "Interviewer: How has the partnership with the council developed?\n"
        "Mentor-03: We met them twice. The second meeting was much better & more open.\n"
        "Mentor-03: They now invite us to the carers' forum.\n"
        "Interviewer: And the trustees?"
    )
    cues = [s for s in source.segments if s.kind == "cue"]
    assert [(c.time_start, c.time_end) for c in cues] == [(1.0, 4.5), (5.0, 9.25), (9.5, 12.0), (60.0, 63.0)]
    assert spans(source, "cue")[1] == ("Mentor-03", "We met them twice. The second meeting was much better & more open.")
    turns = [s for s in source.segments if s.kind == "turn"]
    assert [t.speaker for t in turns] == ["Interviewer", "Mentor-03", "Interviewer"]
    # The Mentor-03 turn groups two cues: from the first cue's words to the end of the second.
    assert (turns[1].time_start, turns[1].time_end) == (5.0, 12.0)
    assert source.text[turns[1].start:turns[1].end].endswith("They now invite us to the carers' forum.")
    # Every cue lies inside its turn: no segment crosses a turn.
    for cue in cues:
        assert sum(t.start <= cue.start and cue.end <= t.end for t in turns) == 1


def test_srt_without_speakers_is_subtitles():
    source = read_path(DATA / "subtitles.srt").sources[0]
    assert source.kind == "subtitles"
    assert source.text == "Welcome to the programme launch.\nMentors and chief executives met for the first time."
    assert [(s.kind, s.speaker, s.time_start, s.time_end) for s in source.segments] == [
        ("cue", None, 1.0, 3.0), ("cue", None, 3.5, 6.0)]


def test_zoom_style_vtt_names_in_cue_text(tmp_path):
    path = tmp_path / "zoom.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAnna Lee: Hello.\n\n"
        "2\n00:00:02.500 --> 00:00:04.000\nCEO-02: Hi, {\\an8}thanks &lt;all&gt;.\n\n"
        "3\n00:01:02.000 --> 01:00:04.000\nAnna Lee: Shall we start?\n",
        encoding="utf-8",
    )
    source = read_path(path).sources[0]
    assert spans(source, "cue") == [("Anna Lee", "Hello."), ("CEO-02", "Hi, thanks <all>."), ("Anna Lee", "Shall we start?")]
    assert source.segments[-1].time_end == 3604.0


def test_one_colon_in_a_caption_is_not_a_speaker(tmp_path):
    path = tmp_path / "film.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nSo: here we are.\n\n2\n00:00:03,000 --> 00:00:04,000\nThe end.\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nCredits roll.\n",
        encoding="utf-8",
    )
    source = read_path(path).sources[0]
    assert source.kind == "subtitles" and source.text.startswith("So: here we are.")


@pytest.mark.parametrize("name, content", [("bad.vtt", "Hello there\n"), ("bad.srt", "1\nno timings here\n")])
def test_subtitle_file_without_cues_is_an_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=name.replace(".", r"\.")):
        read_path(path)


# ---------------------------------------------------------------- email


def test_email_thread_messages_senders_questions():
    source = read_path(DATA / "email_thread.txt").sources[0]
    assert source.kind == "email"
    messages = [s for s in source.segments if s.kind == "message"]
    assert [m.speaker for m in messages] == ["Researcher", "CEO-12", "Researcher", "CEO-12"]
    assert [m.meta["date"][:10] for m in messages] == ["2025-02-03", "2025-02-05", "2025-02-06", "2025-02-07"]
    assert messages[1].meta["subject"] == "Re: Question 1 - How did you find your mentor?"
    # The question answered: from the subject, else the previous message's question.
    assert messages[1].question == "How did you find your mentor?"
    assert messages[3].question == "What changed in your organisation as a result?"
    # The quoted question and its "On ... wrote:" line are not part of the participant's words.
    answer = source.text[messages[1].start:messages[1].end]
    assert answer == (
        "The programme team suggested two names and I chose the one with a finance background.\n\n"
        "It was a good match: she was blunt when I needed it."
    )
    assert "From: CEO-12 (2025-02-05): Re: Question 1 - How did you find your mentor?\n" + answer in source.text
    assert ">" not in source.text


def test_single_eml_mime_decoded():
    source = read_path(DATA / "single.eml").sources[0]
    (message,) = source.segments
    assert (message.speaker, message.question) == ("Trustee-04", "Ripple effects")
    assert source.text == (
        "From: Trustee-04 (2025-03-11): Re: Question 3 - Ripple effects\n"
        "The board meets less often but the meetings are shorter and better prepared. "
        "Our CEO seems more confident — she challenges us now."
    )


def test_eml_holding_a_thread_is_read_as_a_thread(tmp_path):
    path = tmp_path / "thread.eml"
    path.write_bytes((DATA / "email_thread.txt").read_bytes())
    assert len(read_path(path).sources[0].segments) == 4


def test_mbox_messages_in_order_with_from_lines_restored():
    source = read_path(DATA / "thread.mbox").sources[0]
    assert spans(source, "message") == [
        ("Researcher", "What did you do when your mentee disagreed with you?"),
        ("Mentor-05", "I asked her to argue the other side. It usually helped.\nFrom my notes: we did this four times."),
    ]
    assert source.segments[1].question == "Support and challenge"


def test_kind_email_on_text_without_headers_is_an_error(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("Just a note.\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no email messages"):
        read_path(path, kind="email")


def test_mbox_without_messages_is_an_error(tmp_path):
    path = tmp_path / "empty.mbox"
    path.write_text("nothing here\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"empty\.mbox"):
        read_path(path)


def test_thread_with_a_title_line_keeps_it_as_a_paragraph(tmp_path):
    path = tmp_path / "CEO-06 email.txt"
    path.write_text("Email interview, CEO-06, wave 2\n\n" + (DATA / "email_thread.txt").read_text(encoding="utf-8"),
                    encoding="utf-8")
    source = read_path(path).sources[0]
    assert source.kind == "email"
    assert [s.kind for s in source.segments] == ["paragraph"] + ["message"] * 4
    assert source.text.startswith("Email interview, CEO-06, wave 2\n\nFrom: Researcher (2025-02-03): Question 1")
    assert source.text[source.segments[0].start:source.segments[0].end] == "Email interview, CEO-06, wave 2"
    assert source.text[source.segments[4].start:source.segments[4].end] == (
        "We rewrote the reserves policy and the board now reviews it every quarter.")
