"""The registry: choosing a reader, names, waves, folders, and files it cannot read."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualcode.errors import IngestError, UsageError
from qualcode.ingest.registry import SUPPORTED_EXTENSIONS, infer_wave, iter_files, read_path

DATA = Path(__file__).parent / "data" / "ingest"


def test_missing_file(tmp_path):
    with pytest.raises(IngestError, match=r"nope\.txt: no such file"):
        read_path(tmp_path / "nope.txt")


def test_unknown_extension_lists_supported(tmp_path):
    path = tmp_path / "audio.mp3"
    path.write_bytes(b"ID3\x03")
    with pytest.raises(IngestError) as info:
        read_path(path)
    message = str(info.value)
    assert "audio.mp3" in message and "'.mp3'" in message and ".docx" in message and ".vtt" in message
    assert "\n" not in message


@pytest.mark.parametrize("suffix", [".docx", ".pdf", ".xlsx", ".csv", ".vtt", ".eml", ".mbox", ".md"])
def test_empty_file_of_any_type_is_an_error(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(IngestError, match="empty"):
        read_path(path)


def test_folder_and_bad_kind(tmp_path):
    with pytest.raises(IngestError, match="folder"):
        read_path(tmp_path)
    with pytest.raises(UsageError, match="unknown kind"):
        read_path(DATA / "transcript.txt", kind="poem")
    with pytest.raises(UsageError, match="questionnaire must be"):
        read_path(DATA / "transcript.txt", kind="questionnaire")
    with pytest.raises(UsageError):
        read_path(DATA / "questionnaire.csv", kind="transcript")


def test_name_defaults_to_file_stem_and_can_be_chosen():
    assert read_path(DATA / "notes.md").sources[0].name == "notes"
    assert read_path(DATA / "notes.md", name="Site visit").sources[0].name == "Site visit"
    responses = read_path(DATA / "questionnaire.csv", name="Survey").questionnaire.responses
    assert responses[0].name == "Survey R01"


@pytest.mark.parametrize(
    "path, wave",
    [
        ("CEO-07 wave 2.txt", "2"), ("ceo07_w2.docx", "2"), ("Wave-03/notes.txt", "3"), ("x/CEO W1.vtt", "1"),
        ("new wave.txt", None), ("w2x.txt", None), ("show2.txt", None), ("report 2024.pdf", None),
    ],
)
def test_infer_wave(path, wave):
    assert infer_wave(path) == wave


def test_wave_from_file_name_unless_given(tmp_path):
    path = tmp_path / "CEO-07 wave 2.txt"
    shutil.copy(DATA / "transcript.txt", path)
    assert read_path(path).sources[0].wave == "2"
    assert read_path(path, wave=1).sources[0].wave == "1"


def test_email_thread_in_txt_is_detected_by_content():
    assert read_path(DATA / "email_thread.txt").sources[0].kind == "email"


def test_iter_files_recursive_natural_order_skips_hidden_and_lock_files(tmp_path):
    for relative in ["CEO-10.txt", "CEO-2.txt", "sub/b.docx", "sub/a.vtt", ".hidden.txt", ".git/config.txt",
                     "~$CEO-2.docx", "recording.mp3", "sub/deeper/c.md"]:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path)]
    assert found == ["CEO-2.txt", "CEO-10.txt", "sub/a.vtt", "sub/b.docx", "sub/deeper/c.md"]
    everything = [p.name for p in iter_files(tmp_path, only_supported=False)]
    assert "recording.mp3" in everything and "~$CEO-2.docx" not in everything


def test_iter_files_on_missing_folder(tmp_path):
    with pytest.raises(IngestError, match="no such folder"):
        list(iter_files(tmp_path / "missing"))


def test_every_fixture_reads_and_segments_are_sound():
    """Across all text fixtures: segments lie in the text, are trimmed, and none crosses a turn."""
    for path in iter_files(DATA):
        result = read_path(path)
        sources = result.sources or result.questionnaire.responses
        for source in sources:
            turns = [(s.start, s.end) for s in source.segments if s.kind == "turn"]
            for segment in source.segments:
                piece = source.text[segment.start:segment.end]
                assert piece and piece == piece.strip(), (path, segment)
                if segment.kind != "turn" and turns:
                    inside = [t for t in turns if t[0] <= segment.start and segment.end <= t[1]]
                    outside = all(segment.end <= t[0] or segment.start >= t[1] for t in turns)
                    assert inside or outside, (path, segment)
    assert {p.suffix for p in iter_files(DATA)} <= set(SUPPORTED_EXTENSIONS)
