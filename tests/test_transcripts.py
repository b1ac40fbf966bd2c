"""Transcript layouts people have (Otter, Teams, Zoom, Rev, Trint, Descript, Q/A, I/R, Word),
transcription marks, and who the interviewer is.

Expected speakers, turn counts and first words are read off the fixture files by eye
(tests/data/transcripts), not from the parser's output.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode.cli import cli
from qualcode.ingest.registry import read_path
from qualcode.speech.marks import blank_marks, find_marks, only_marks, strip_marks
from qualcode.speech.roles import SpeakerRoles, is_interviewer_label

DATA = Path(__file__).parent / "data" / "transcripts"
sys.path.insert(0, str(DATA))
import make_transcripts  # noqa: E402

# file -> (style, {speaker: turns}, first words of the first turn, last words of the last turn)
EXPECTED = {
    "otter CEO-04.txt": ("otter", {"Priya Raman": 4, "Tom Achebe": 4},
                         "Thanks for making the time, Tom.", "[crosstalk] Sorry, go on."),
    "rev Trustee-01.txt": ("rev", {"Priya Raman": 3, "Sandra Ng": 3},
                           "Okay, we're recording.", "which worries me more."),
    "trint Staff-03.txt": ("[time] Name:", {"Priya Raman": 3, "Leon Fischer": 3},
                           "Thanks for joining.", "People hear about changes second hand."),
    "descript Mentee-07.txt": ("NAME:", {"PRIYA": 3, "JOE": 3},
                               "Shall we start?", "That's where the value is."),
    "qa CEO-08.txt": ("Q:/A:", {"Q": 3, "A": 3}, "How did you first hear", "what a thin board feels like."),
    "ir Mentor-09.txt": ("I:/R:", {"I": 3, "R": 3}, "You've mentored on the programme", "if anyone's listening."),
    "zoom captions CEO-10.txt": ("zoom captions", {"Priya Raman": 4, "Marcus Bell": 5},
                                 "Hi Marcus, can you hear me all right?", "what we're asking for."),
    "zoom CEO-05.vtt": ("Name: in cues", {"Priya Raman": 3, "Amara Osei": 2},
                        "Hi Amara, thanks for joining on Zoom.", "Did the board take to it?"),
    "teams CEO-06.vtt": ("<v Name> voices", {"Priya Raman": 2, "Grace Mbeki": 2},
                         "Okay, I think the transcript is running now.", "which she respects."),
}
GENERATED = {
    "otter_docx": ("otter", {"Priya Raman": 3, "Dev Malhotra": 4}, "Hi Dev, thanks for doing this.",
                   "the chair is coming round."),
    "otter_pdf": ("otter", {"Priya Raman": 3, "Femi Adebayo": 3}, "Can you tell me about the last board meeting?",
                  "Only that I wish I'd started sooner."),
    "teams_docx": ("teams", {"Priya Raman": 3, "Hannah Cole": 3}, "Thanks for staying on after the peer session.",
                   "for the merger stuff."),
    "teams_cues_docx": ("teams (cue lines)", {"Priya Raman": 3, "Kemi Oduya": 3},
                        "Morning, Kemi.", "three years of core costs."),
    "speaker_paragraphs_docx": ("Name:", {"Interviewer": 2, "Mentor-11": 3, "Moderator": 1},
                                "What made you put yourself forward", "the whole job, really."),
    "name_lines_docx": ("name lines", {"Priya Raman": 3, "Olu Bankole": 3}, "How did the first three months go?",
                        "before they write to us."),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    return make_transcripts.make_all(tmp_path_factory.mktemp("transcripts"))


def _check(path: Path, style: str, speakers: dict[str, int], first: str, last: str) -> None:
    source = read_path(path).sources[0]
    turns = [s for s in source.segments if s.kind == "turn"]
    assert source.kind == "transcript", path.name
    assert source.meta["style"] == style, path.name
    found: dict[str, int] = {}
    for turn in turns:
        found[turn.speaker] = found.get(turn.speaker, 0) + 1
    assert found == speakers, path.name
    assert source.text[turns[0].start:turns[0].end].startswith(first)
    assert source.text[turns[-1].start:turns[-1].end].endswith(last)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_text_and_subtitle_layouts(name: str) -> None:
    _check(DATA / name, *EXPECTED[name])


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_word_and_pdf_layouts(name: str, generated: dict[str, Path]) -> None:
    _check(generated[name], *GENERATED[name])


def test_otter_header_footer_and_times_are_not_words() -> None:
    source = read_path(DATA / "otter CEO-04.txt").sources[0]
    said = " ".join(source.text[s.start:s.end] for s in source.segments)
    assert "SUMMARY KEYWORDS" not in said and "otter.ai" not in said and "SPEAKERS" not in said
    assert "Priya Raman, Tom Achebe" not in said and "00:" not in said
    assert "SUMMARY KEYWORDS" in source.text  # the stored text is the file, as the researcher has it
    turns = [s for s in source.segments if s.kind == "turn"]
    assert [t.time_start for t in turns][:3] == [4.0, 12.0, 31.0]


def test_otter_docx_hour_stamps_and_teams_transcription_lines(generated) -> None:
    otter = read_path(generated["otter_docx"]).sources[0]
    assert [t.time_start for t in otter.segments if t.kind == "turn"][-1] == 3725.0  # 1:02:05
    teams = read_path(generated["teams_docx"]).sources[0]
    last = [t for t in teams.segments if t.kind == "turn"][-1]
    assert "transcription" not in teams.text[last.start:last.end]


def test_a_transcript_without_recognisable_speakers_warns_and_layout_reads_it(tmp_path: Path) -> None:
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        assert runner.invoke(cli, ["init", "s.qcproj"]).exit_code == 0
        result = runner.invoke(cli, ["ingest", str(DATA / "transcript CEO-12.txt")])
        assert result.exit_code == 0
        assert "looks like a transcript" in result.output and "--layout" in result.output
        assert "document" in result.output
        again = runner.invoke(cli, ["ingest", str(DATA / "transcript CEO-12.txt"), "--kind", "transcript",
                                    "--layout", "name-lines", "--format", "csv"])
        assert again.exit_code == 0, again.output
        assert "transcript CEO-12.txt,transcript CEO-12,transcript,name lines,\"Priya Raman, Ruth Adeyemi\",5,read again" \
            in again.output
        sources = runner.invoke(cli, ["sources", "--format", "csv"]).output
        assert "transcript CEO-12,transcript" in sources


def test_mixed_folder_gives_a_table_per_file(tmp_path: Path, generated) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in EXPECTED:
        (folder / name).write_bytes((DATA / name).read_bytes())
    for path in generated.values():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "notes.txt").write_text("Notes from the steering group.\n\nThe pilot runs until March.\n")
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        runner.invoke(cli, ["init", "s.qcproj"])
        result = runner.invoke(cli, ["ingest", str(folder), "--format", "json"])
        assert result.exit_code == 0, result.output
        import json
        rows = {row["file"]: row for row in json.loads(result.stdout)}
    assert len(rows) == len(EXPECTED) + len(GENERATED) + 1
    assert rows["notes.txt"]["kind"] == "document" and rows["notes.txt"]["turns"] == 0
    for name, (style, speakers, _, _) in EXPECTED.items():
        assert (rows[name]["kind"], rows[name]["format"], rows[name]["turns"]) == \
            ("transcript", style, sum(speakers.values())), name
        assert set(rows[name]["speakers"].split(", ")) == set(speakers), name
    assert rows["otter CEO-14.pdf"]["format"] == "otter"


# ------------------------------------------------------------------ transcription marks
def test_marks() -> None:
    text = "Well [laughs] I think , yes (inaudible 00:12:03) and [the board] said [00:04:10] no (long story)."
    assert [text[a:b] for a, b in find_marks(text)] == ["[laughs]", "(inaudible 00:12:03)", "[00:04:10]"]
    assert strip_marks(text) == "Well I think, yes and [the board] said no (long story)."
    assert len(blank_marks(text)) == len(text) and "laughs" not in blank_marks(text)
    assert only_marks("[crosstalk]") and only_marks(" (laughs) [pause] ") and not only_marks("[laughs] yes")
    assert strip_marks("[CROSSTALK] Sorry, go on.") == "Sorry, go on."


def test_marks_are_not_matches_words_or_quotes(project, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "CEO-31.txt").write_text(
        "Interviewer: How was the first board meeting?\n\n"
        "CEO-31: [laughs] Tense. The treasurer walked out. [crosstalk]\n\n"
        "Interviewer: And since?\n\n"
        "CEO-31: We laugh about it now, honestly. (laughs) The board is calmer.\n", encoding="utf-8")
    project.ingest(folder)
    hits = project.search_text(["laugh"])
    assert len(hits) == 1 and hits["text"].iloc[0].startswith("We laugh about it now")  # not "[laughs] Tense."
    assert "«laugh»" in hits["context"].iloc[0] and "(«laughs»)" not in hits["context"].iloc[0]
    words = project.word_frequencies().set_index("word")["count"]
    assert words["laugh"] == 1 and "crosstalk" not in words.index  # the one 'laugh' someone said
    project.add_code("Board")
    project.code("CEO-31", "Board", quote="[laughs] Tense. The treasurer walked out.", coder="anna")
    quote = project.quotes("Board")["quote"].iloc[0]
    assert quote.startswith("Tense.") and "[laughs]" not in quote


# ------------------------------------------------------------------ speaker roles
def test_interviewer_labels() -> None:
    for label in ("Interviewer", "interviewer 2", "INT", "Int.", "I", "Q", "Moderator (Anna)", "Researcher", "Facilitator"):
        assert is_interviewer_label(label), label
    for label in ("Interviewee", "Isabel", "R", "A", "Mentor-11", "Priya Raman", "Questioner's friend"):
        assert not is_interviewer_label(label), label
    roles = SpeakerRoles({"Priya Raman": "interviewer", "Interviewer": "participant"})
    assert roles.interviewer_mask(["priya  raman", "Interviewer", "Q", None, "Tom"]) == [True, False, True, False, False]


def test_moderator_is_left_out_of_words_and_autocode_alike(project, generated) -> None:
    """issue 16: a Moderator: turn was left out of word counts but autocoded and suggested."""
    project.ingest(generated["speaker_paragraphs_docx"])
    project.add_code("Time", rules={"keywords": ["minutes", "time"]})
    project.autocode(apply=True)
    coded = project.excerpts()
    assert "ten minutes left" not in " ".join(coded["text"])
    assert "minute" not in set(project.word_frequencies()["word"])
    assert project.search_text(["minutes"]).empty
    assert len(project.search_text(["minutes"], include_interviewer=True)) == 1


@pytest.fixture
def otter_study(project, tmp_path: Path):
    report = project.ingest(*make_transcripts.make_otter_study(tmp_path / "otter-study"))
    return project, report


def test_the_interviewer_is_guessed_and_can_be_corrected(otter_study) -> None:
    project, report = otter_study
    assert report.guessed_interviewers == ["Priya Raman"]
    table = project.speakers().set_index("speaker")
    # by hand: Priya asks a question in each of her 3 turns in each of the 5 interviews
    assert table.loc["Priya Raman", ["role", "decided_by", "sources", "turns", "questions"]].tolist() == \
        ["interviewer", "guess", 5, 15, 15]
    assert table.loc["Nadia Petrov", ["role", "sources", "turns", "questions"]].tolist() == ["participant", 1, 3, 0]
    assert table.loc["Priya Raman", "question_share"] == 1.0
    assert project.confirm_speaker_roles() == ["Priya Raman"]
    assert project.speakers().set_index("speaker").loc["Priya Raman", "decided_by"] == "user"
    project.set_speaker_role("PRIYA RAMAN", "participant")
    assert not project.speaker_roles().is_interviewer("Priya Raman")
    assert "question" in set(project.word_frequencies(n=5)["word"])  # her words count again


def test_an_otter_study_has_no_interviewer_in_words_autocode_search_or_quotes(otter_study) -> None:
    project, _ = otter_study
    top = set(project.word_frequencies(n=20)["word"])
    assert not top & {"priya", "raman", "question", "let", "move", "join", "thank"}
    project.add_code("Board", rules={"keywords": ["board", "trustees", "question"]})
    project.autocode(apply=True)
    coded = project.excerpts()
    assert len(coded) == 3 and set(coded["speaker"]) == {"Nadia Petrov", "Chloe Martins", "Yusuf Haddad"}
    assert project.search_text(["question"]).empty
    assert len(project.search_text(["question"], include_interviewer=True)) == 15
    quotes = project.quotes("Board", n=10)
    assert len(quotes) == 3 and not quotes["quote"].str.contains("question").any()


def test_cli_speakers(tmp_path: Path) -> None:
    make_transcripts.make_otter_study(tmp_path / "otter-study")
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        runner.invoke(cli, ["init", "s.qcproj"])
        ingest = runner.invoke(cli, ["ingest", str(tmp_path / "otter-study")])
        assert "interviewer (guessed, asks most questions): Priya Raman" in ingest.output
        listing = runner.invoke(cli, ["speakers", "--format", "csv"])
        assert listing.output.splitlines()[1].startswith("Priya Raman,interviewer,guess,5,15,")
        assert runner.invoke(cli, ["speakers", "set-role", "Nadia Petrov", "interviewer"]).output == \
            "Nadia Petrov: interviewer\n"
        missing = runner.invoke(cli, ["speakers", "set-role", "Nobody", "interviewer"])
        assert missing.exit_code == 1 and "no speaker named 'Nobody'" in missing.output
        assert "confirmed: Priya Raman" in runner.invoke(cli, ["speakers", "confirm"]).output


def test_line_anchored_scans_find_the_lines_the_full_patterns_find():
    """The speaker-line parsers run their patterns only at the line starts a cheap scan
    picks (a line ending in a time, a line break before a letter); on any text that must
    be every line the pattern finds scanning every position."""
    import random

    from qualcode.ingest.readers import speaker_lines as sl

    pieces = ["Priya Raman  0:03", "Sam  1:02:17", "**JANE**", "Tom:", "  Tom Achebe | 00:12  ", "hello there", "",
              " ", "12:40", "x 3:5", "Jane Doe started transcription", "Transcribed by https://otter.ai",
              "Ünal Öz  00:01", "A b c d e  10:10 ", "0:0:3.120 --> 0:0:7.450", "\u00a0Name  00:11", "N",
              "**Bold Name**:", "Dr. Who 12:00", "-- 00:12", "_x 00:12", "9 00:12", "Sam\t00:44\t", "so: 00:01"]
    rng = random.Random(23)
    for _ in range(1500):
        text = "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) + rng.choice(["", "\n", "\n\n"])
        timed = [m.span() for m in sl._TIMED.finditer(text)]
        assert [m.span() for m in sl._timed_matches(text)] == timed, text
        alone = [m.span() for m in sl._NAME_ALONE.finditer(text)]
        anchored = [sl._NAME_ALONE.match(text, s) for s in sl._line_starts(text, sl._NEXT_NAME_ALONE)]
        assert [m.span() for m in anchored if m] == alone, text
        assert sl.stops(text) == [m.start() for m in sl._FOOTER.finditer(text)], text


def test_turn_labels_found_only_on_lines_with_a_colon_are_all_of_them():
    """``find_turn_lines`` tries the label pattern only on lines holding a colon; on any
    text that must give the matches of the pattern tried after every line break."""
    import random

    from qualcode.ingest.readers import transcript as tr

    pieces = ["Priya Raman: Hello.", "[00:01:02] Sam: yes", "Jane (00:00:03):", "**Q:** why", "Q: ok", "so what:",
              "no colon here", "", "  ", "I: you", "Dr. Who (12:00): hm", "__A__: fine", "a:b", ": x", "Name :", "\t"]
    rng = random.Random(29)
    for _ in range(1500):
        text = "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) + rng.choice(["", "\n"])
        every = [m.span() for m in (tr._FIRST_LINE.match(text),) if m] + [m.span() for m in tr._NEXT_LINE.finditer(text)]
        lines = tr.find_turn_lines(text)
        kept = {line.line_start for line in lines}
        assert len(lines) <= len(every) and all(any(a <= k < b for a, b in every) for k in kept), text
        candidates = [m.span() for m in (tr._FIRST_LINE.match(text),) if m]
        candidates += [tr._NEXT_LINE.match(text, b.start()).span() for b in tr._BREAK_BEFORE_COLON_LINE.finditer(text)
                       if tr._NEXT_LINE.match(text, b.start())]
        assert candidates == every, text


def test_zoom_saved_captions_times_offsets_and_crlf(tmp_path: Path) -> None:
    """Zoom's saved captions: every ``[Name] hh:mm:ss : words`` line is a turn over the
    words only; the time is the clock time as seconds; a Windows copy reads the same."""
    source = read_path(DATA / "zoom captions CEO-10.txt").sources[0]
    turns = [s for s in source.segments if s.kind == "turn"]
    assert source.meta["layout"] == "captions"
    assert turns[0].time_start == 10 * 3600 + 2 * 60 + 33 and turns[0].time_end == 10 * 3600 + 2 * 60 + 37
    assert source.text[turns[4].start:turns[4].end] == "She'd been through a deficit year herself, so she knew what to ask."
    said = " ".join(source.text[t.start:t.end] for t in turns)
    assert "[Marcus Bell]" not in said and "10:0" not in said
    windows = tmp_path / "meeting_saved_closed_caption.txt"
    windows.write_bytes((DATA / "zoom captions CEO-10.txt").read_bytes().replace(b"\n", b"\r\n"))
    again = read_path(windows).sources[0]
    assert [(t.start, t.end, t.speaker) for t in again.segments] == [(t.start, t.end, t.speaker) for t in turns]


def test_a_bracket_in_speech_is_no_caption_line_and_layout_names_captions(tmp_path: Path) -> None:
    text = ("[Priya Raman] 10:02:33 : Did you read it?\n"
            "[Sam Okafor] 10:02:36 : I did. The note said [Sam Okafor] 10:00:00 : call me.\n"
            "[Priya Raman] 10:02:41 : And?\n"
            "[Sam Okafor] 10:02:44 : I called.\n")
    path = tmp_path / "captions.txt"
    path.write_text(text, encoding="utf-8")
    source = read_path(path).sources[0]
    turns = [s for s in source.segments if s.kind == "turn"]
    assert [source.text[t.start:t.end] for t in turns][1] == "I did. The note said [Sam Okafor] 10:00:00 : call me."
    assert len(turns) == 4
    forced = read_path(path, layout="zoom-captions").sources[0]
    assert [(t.start, t.end) for t in forced.segments] == [(t.start, t.end) for t in turns]


def test_quotes_in_a_report_block_follow_a_role_change(otter_study) -> None:
    """A report judges which excerpts are quotable once for all its codes; a speaker made
    the interviewer in between (a write) must drop out of the next quotes all the same."""
    project, _ = otter_study
    project.add_code("Board", rules={"keywords": ["board", "trustees"]})
    project.autocode(apply=True)
    with project.cached():
        first = project.quotes("Board", n=10)
        again = project.quotes("Board", n=10)
        pd.testing.assert_frame_equal(first, again)
        assert "Nadia Petrov" in set(project.excerpts()["speaker"])
        project.set_speaker_role("Nadia Petrov", "interviewer")
        after = project.quotes("Board", n=10)
    assert len(after) == len(first) - 1
    outside = project.quotes("Board", n=10)
    pd.testing.assert_frame_equal(after, outside)
