"""The bundled demo corpus reads the way its author wrote it (skips parts not yet present)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualcode.ingest.registry import iter_files, read_path

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "advance-demo"
INTERVIEWS = DEMO / "interviews"
FILES = list(iter_files(INTERVIEWS)) if INTERVIEWS.is_dir() else []
NAME = re.compile(r"^(?P<participant>(?:CEO|Mentor|Trustee)-\d+) wave (?P<wave>\d)")


@pytest.mark.skipif(not FILES, reason="demo interviews not present")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_demo_interview_reads(path):
    (source,) = read_path(path).sources
    named = NAME.match(path.stem)
    assert named, f"demo file name does not follow 'ROLE-NN wave W': {path.name}"
    participant, wave = named["participant"], named["wave"]
    assert source.wave == wave
    speakers = {s.speaker for s in source.segments if s.speaker}
    if path.suffix == ".txt" and "email" in path.stem:
        assert source.kind == "email"
        messages = [s for s in source.segments if s.kind == "message"]
        assert len(messages) >= 4 and participant in speakers
        answers = [m for m in messages if m.speaker == participant]
        assert answers and all(m.question for m in answers)
    else:
        assert source.kind == "transcript"
        turns = [s for s in source.segments if s.kind == "turn"]
        assert len(turns) >= 10
        assert participant in speakers and len(speakers) == 2
        # No turn carries its own label: the label sits before the turn.
        assert not any(source.text[t.start:t.end].startswith(f"{participant}:") for t in turns)
    if path.suffix == ".docx":
        assert source.case == participant and source.meta.get("participant") == participant
    if path.suffix == ".vtt":
        assert all(s.time_start is not None for s in source.segments)
    for segment in source.segments:
        piece = source.text[segment.start:segment.end]
        assert piece and piece == piece.strip()


@pytest.mark.skipif(not (DEMO / "questionnaire.xlsx").exists(), reason="demo questionnaire not present")
def test_demo_questionnaire_reads():
    record = read_path(DEMO / "questionnaire.xlsx", kind="questionnaire").questionnaire
    assert len(record.responses) >= 80
    assert record.invited is not None and record.invited >= len(record.responses)
    types = {q.type for q in record.questions}
    assert {"key", "scale", "rating", "open"} <= types
    assert all(r.case for r in record.responses)
    assert sum(len(r.segments) for r in record.responses) > 0
