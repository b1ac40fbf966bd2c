"""Plain text: documents as paragraphs, transcripts as speaker turns with times."""
from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.ingest.readers.transcript import find_turn_lines, is_transcript, parse_time
from qualcode.ingest.records import SourceRecord
from qualcode.ingest.registry import read_path

DATA = Path(__file__).parent / "data" / "ingest"


def check_offsets(source: SourceRecord) -> None:
    """Segments lie inside the text, are trimmed, and units of one kind do not overlap."""
    for segment in source.segments:
        assert 0 <= segment.start < segment.end <= len(source.text)
        piece = source.text[segment.start:segment.end]
        assert piece == piece.strip(), piece
    by_kind: dict[str, list] = {}
    for segment in source.segments:
        by_kind.setdefault(segment.kind, []).append((segment.start, segment.end))
    for spans in by_kind.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_transcript_fixture_turns_speakers_times():
    source = read_path(DATA / "transcript.txt").sources[0]
    assert source.kind == "transcript"
    check_offsets(source)
    turns = [s for s in source.segments if s.kind == "turn"]
    assert [t.speaker for t in turns] == ["Interviewer", "CEO-07", "Interviewer", "CEO-07"]
    assert [t.time_start for t in turns] == [4.0, 15.0, 62.0, 70.0]
    assert [t.time_end for t in turns] == [15.0, 62.0, 70.0, None]
    # The turn covers the words only, and runs across the unlabelled continuation paragraph.
    assert source.text[turns[1].start:turns[1].end] == (
        "Of course. Our chair suggested it after a difficult year with the board. "
        "I was not sure at first: I had never had a mentor.\n\nI think the first meeting changed my mind."
    )
    # Labels and time stamps stay in the stored text, as written.
    assert "[00:00:15] CEO-07: Of course." in source.text
    title = source.segments[0]
    assert title.kind == "paragraph" and source.text[title.start:title.end] == "Interview with CEO-07, wave 1 (telephone)"
    assert source.wave is None  # nothing in the file name says which wave


@pytest.mark.parametrize(
    "line, speaker, seconds",
    [
        ("Interviewer: Hello", "Interviewer", None),
        ("[00:01:02] Anna: Hello", "Anna", 62.0),
        ("00:01:02 Anna: Hello", "Anna", 62.0),
        ("(01:02) Anna: Hello", "Anna", 62.0),
        ("1:00:05.5 - Dr. Jane Smith: Hello", "Dr. Jane Smith", 3605.5),
        ("CEO-07 [00:10:00]: Hello", "CEO-07", 600.0),
        ("Head of Policy: Hello", "Head of Policy", None),
        ("P3 (mentor): Hello", "P3 (mentor)", None),
        ("**Interviewer:** Hello", "Interviewer", None),
        ("[00:00:07] **CEO-02**: Hello", "CEO-02", 7.0),
    ],
)
def test_speaker_line_forms(line, speaker, seconds):
    (found,) = find_turn_lines(line)
    assert (found.speaker, found.time) == (speaker, seconds)
    assert line[found.speech_start:] == "Hello"


@pytest.mark.parametrize(
    "line",
    ["so what I said was: nothing", "See https://example.org for details", "10:30: meeting", "The ratio 3:1 held"],
)
def test_running_text_is_not_a_speaker_line(line):
    assert find_turn_lines(line) == []


def test_parse_time():
    assert parse_time("01:02") == 62.0
    assert parse_time("1:02:03,250") == pytest.approx(3723.25)
    assert parse_time(None) is None


def test_turn_per_line_without_blank_lines_and_label_on_its_own_line(tmp_path):
    path = tmp_path / "focus group.txt"
    path.write_text(
        "Focus group, site B\n"
        "Facilitator: Who wants to start?\n"
        "P1: I will.\n"
        "P2:\n"
        "It was hard to find time.\n"
        "Facilitator: Thanks.\n"
        "P1: Me too.\n",
        encoding="utf-8",
    )
    source = read_path(path).sources[0]
    check_offsets(source)
    turns = [(s.speaker, source.text[s.start:s.end]) for s in source.segments if s.kind == "turn"]
    assert turns == [
        ("Facilitator", "Who wants to start?"), ("P1", "I will."), ("P2", "It was hard to find time."),
        ("Facilitator", "Thanks."), ("P1", "Me too."),
    ]
    assert source.kind == "transcript"


def test_lower_case_labels_count_when_they_recur(tmp_path):
    text = "interviewer: one?\n\nanna: yes.\n\ninterviewer: two?\n\nanna: no.\n\ninterviewer: three?\n\nanna: maybe.\n"
    assert is_transcript(text)
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    speakers = [s.speaker for s in read_path(path).sources[0].segments]
    assert speakers == ["interviewer", "anna"] * 3


def test_document_with_a_few_labelled_lines_stays_a_document():
    source = read_path(DATA / "notes.md").sources[0]
    assert source.kind == "document"
    check_offsets(source)
    paragraphs = [source.text[s.start:s.end] for s in source.segments]
    assert [s.kind for s in source.segments] == ["paragraph"] * 4
    assert paragraphs[0] == "# Site visit notes"
    assert paragraphs[2] == (
        "Aims: to understand how the mentoring sessions were used.\n"
        "Method: two short visits and a conversation with the finance lead."
    )
    assert paragraphs[3].startswith("A café in the main centre")


def test_distinct_labels_do_not_make_a_transcript():
    text = "Aims: a.\n\nMethod: b.\n\nFindings: c.\n\nLimitations: d.\n"
    assert not is_transcript(text)


@pytest.mark.parametrize("text, expected", [
    # one question, one answer: an interview, because one speaker is the interviewer
    ("Interviewer: What changed?\n\nCEO-02: Nothing on the board. I mentor two managers.\n", True),
    ("Title line\n\nResearcher: Why?\n\nP4: Because.\n\nIt went on in a second paragraph.\n", True),
    # two labels, neither the interviewer: could be headings
    ("Aims: a.\n\nMethod: b.\n", False),
    ("Anna: hi\nBen: hello\n", False),
    # the interviewer label inside a paragraph, not opening it
    ("Notes from the day.\nInterviewer: asked about money.\n\nCEO: said little.\n", False),
])
def test_a_two_turn_interview_is_a_transcript_when_one_speaker_is_the_interviewer(text, expected):
    assert is_transcript(text) is expected


def test_a_two_turn_interview_ingests_as_turns(tmp_path):
    path = tmp_path / "CEO-02.txt"
    path.write_text("Interviewer: What changed?\n\nCEO-02: Nothing on the board.\n", encoding="utf-8")
    source = read_path(path).sources[0]
    assert source.kind == "transcript"
    assert [(s.speaker, source.text[s.start:s.end]) for s in source.segments if s.kind == "turn"] == [
        ("Interviewer", "What changed?"), ("CEO-02", "Nothing on the board.")]


def test_kind_overrides_the_guess(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Anna: hi\nBen: hello\n", encoding="utf-8")  # two turns: too few to guess
    assert read_path(path).sources[0].kind == "document"
    forced = read_path(path, kind="transcript").sources[0]
    assert forced.kind == "transcript" and [s.speaker for s in forced.segments] == ["Anna", "Ben"]
    transcript = read_path(DATA / "transcript.txt", kind="document").sources[0]
    assert transcript.kind == "document" and {s.kind for s in transcript.segments} == {"paragraph"}


def test_paragraph_segments_are_trimmed_and_whitespace_lines_separate(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("  First para\nstill first.  \n \t \nSecond.\n\n\n   Third\n", encoding="utf-8")
    source = read_path(path).sources[0]
    assert [source.text[s.start:s.end] for s in source.segments] == ["First para\nstill first.", "Second.", "Third"]
