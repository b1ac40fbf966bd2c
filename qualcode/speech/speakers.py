"""Speakers of a study: turns, questions asked, and the guess of who the interviewer is.

The guess rests on what interviewers do, not on what they are called (an Otter transcript
names them "Priya Raman", not "Interviewer"): in a source, the interviewer is the speaker
who asks most of the questions -- more than half of the turns with a question mark. A
speaker who does that in at least half of the
sources they speak in is guessed to be an interviewer; being in many sources (the same
researcher in every interview) is what the guess shows as its evidence. A guess is
stored at ingest and used until a person confirms or corrects it.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from qualcode.speech.marks import strip_marks
from qualcode.speech.roles import INTERVIEWER, SpeakerRoles, is_interviewer_label, speaker_key

COLUMNS = ["speaker", "role", "decided_by", "sources", "turns", "words", "questions", "question_share",
           "asks_most_in", "guess"]
MIN_QUESTIONS = 2  # a source with fewer question turns says nothing about who asks


def _measure(turns: pd.DataFrame) -> pd.DataFrame:
    """Per turn: speaker key, words, asks (has a question mark)."""
    texts = [strip_marks(str(t)) for t in turns["text"]]
    return pd.DataFrame({
        "source_id": turns["source_id"].to_numpy(),
        "key": [speaker_key(s) for s in turns["speaker"]],
        "speaker": turns["speaker"].astype(str).to_numpy(),
        "words": [len(t.split()) for t in texts],
        "asks": ["?" in t for t in texts],
    })


def askers(turns: pd.DataFrame) -> pd.DataFrame:
    """Per source, the speaker key who asks more than half of its question turns (of at
    least ``MIN_QUESTIONS``), if any: ``source_id, key``."""
    measured = _measure(turns)
    rows = []
    for sid, group in measured.groupby("source_id", sort=True):
        questions = group.groupby("key")["asks"].sum()
        total = int(questions.sum())
        if total < MIN_QUESTIONS or group["key"].nunique() < 2:
            continue
        lead = str(questions.idxmax())
        if questions[lead] * 2 > total:
            rows.append((sid, lead))
    return pd.DataFrame(rows, columns=["source_id", "key"])


def guess_interviewers(turns: pd.DataFrame) -> dict[str, str]:
    """``{speaker name: "interviewer"}`` for the speakers the guess names (those whose
    label already says interviewer need no guess). ``turns``: ``source_id, speaker, text``."""
    if turns.empty:
        return {}
    measured = _measure(turns)
    lead = askers(turns)
    if lead.empty:
        return {}
    present = measured.groupby("key")["source_id"].nunique()
    asks_in = lead.groupby("key")["source_id"].nunique()
    names = _display_names(measured)
    guessed = {}
    for key, count in asks_in.items():
        if count >= math.ceil(present[key] / 2) and not is_interviewer_label(names[key]):
            guessed[names[key]] = INTERVIEWER
    return guessed


def _display_names(measured: pd.DataFrame) -> dict[str, str]:
    """Each speaker key's most frequent spelling."""
    counts = measured.groupby(["key", "speaker"]).size().reset_index(name="n")
    counts = counts.sort_values(["key", "n", "speaker"], ascending=[True, False, True])
    return dict(zip(counts.drop_duplicates("key")["key"], counts.drop_duplicates("key")["speaker"]))


def speaker_table(turns: pd.DataFrame, roles: SpeakerRoles, assigned: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per speaker: role and who decided it (``user``, ``guess``, ``label`` or
    ``default``), sources, turns, words, question turns, ``question_share`` (their share of
    the question turns in the sources they speak in), ``asks_most_in`` (sources where they
    ask most of the questions) and what the automatic ``guess`` says. Most sources first."""
    if turns.empty:
        return pd.DataFrame(columns=COLUMNS)
    measured = _measure(turns)
    names = _display_names(measured)
    origin = dict(zip(assigned["key"], assigned["origin"])) if assigned is not None and not assigned.empty else {}
    by_key = measured.groupby("key")
    questions_in_source = measured.groupby("source_id")["asks"].sum()
    lead = askers(turns)
    asks_in = lead.groupby("key")["source_id"].nunique() if not lead.empty else pd.Series(dtype="int64")
    guessed = {speaker_key(name) for name in guess_interviewers(turns)}
    rows = []
    for key, group in by_key:
        sources = group["source_id"].unique()
        asked = int(group["asks"].sum())
        all_questions = int(questions_in_source.loc[sources].sum())
        name = names[key]
        decided = origin.get(key) or ("label" if is_interviewer_label(name) else "default")
        guess = INTERVIEWER if key in guessed or is_interviewer_label(name) else ""
        rows.append((name, roles.role(name), decided, len(sources), len(group), int(group["words"].sum()), asked,
                     asked / all_questions if all_questions else np.nan, int(asks_in.get(key, 0)), guess))
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values(["sources", "turns", "speaker"], ascending=[False, False, True]).reset_index(drop=True)
