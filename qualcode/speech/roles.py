"""Who is the interviewer: the one definition of speaker roles.

A speaker is known by name within a project (``"Jane Doe"`` in every transcript is one
person). Their role is, in order:

1. what the project says (``qualcode speakers set-role NAME interviewer``, or the
   automatic guess stored at ingest until someone confirms or corrects it);
2. otherwise the label itself: ``Interviewer``, ``Researcher``, ``Moderator``,
   ``Facilitator``, ``Int``, ``I`` and ``Q`` (with a number or a bracketed name after it:
   ``Interviewer 2``, ``Moderator (Anna)``) are interviewers;
3. otherwise a participant.

Every consumer of turns (rules, search, the suggester, word counts, quotes, agreement
units) asks :class:`SpeakerRoles`, so a ``Moderator:`` turn is left out of all of them
or none.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

INTERVIEWER = "interviewer"
PARTICIPANT = "participant"
ROLES = (INTERVIEWER, PARTICIPANT)

#: Labels that name the interviewer without naming a person.
INTERVIEWER_LABEL = re.compile(
    r"^\s*(?:interviewer|researcher|moderator|facilitator|int|i|q)(?:\s*\d+)?\.?\s*(?:\([^)]*\))?\s*$",
    re.IGNORECASE,
)


def speaker_key(name: object) -> str:
    """How speaker names compare: case-folded, runs of white space as one space."""
    return " ".join(str(name).casefold().split())


def is_interviewer_label(label: object) -> bool:
    """``Interviewer``, ``Interviewer 2``, ``INT``, ``Q``, ``Moderator (Anna)`` -> True."""
    return isinstance(label, str) and bool(INTERVIEWER_LABEL.match(label))


@dataclass(frozen=True)
class SpeakerRoles:
    """The project's speaker roles (``speaker_key -> role``), with the label rule behind them.

    Picklable and small: it travels to worker processes with a batch of units.
    """

    assigned: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "assigned", MappingProxyType({speaker_key(k): v for k, v in self.assigned.items()}))

    def __reduce__(self) -> tuple[Any, ...]:
        return (SpeakerRoles, (dict(self.assigned),))

    def role(self, speaker: object) -> str | None:
        """``interviewer`` / ``participant``; None for a unit no one is named as speaking."""
        if speaker is None or not isinstance(speaker, str) or not speaker.strip():
            return None
        given = self.assigned.get(speaker_key(speaker))
        if given is not None:
            return given
        return INTERVIEWER if is_interviewer_label(speaker) else PARTICIPANT

    def is_interviewer(self, speaker: object) -> bool:
        return self.role(speaker) == INTERVIEWER

    def interviewer_mask(self, speakers: Iterable[object]) -> list[bool]:
        """One flag per speaker (a Series or list; missing speakers are not interviewers).
        Each distinct name is judged once (10^6 excerpts have a few hundred speakers)."""
        import numpy as np
        import pandas as pd

        values = speakers.to_numpy(dtype=object) if isinstance(speakers, pd.Series) else list(speakers)
        if len(values) == 0:
            return []
        codes, distinct = pd.factorize(np.asarray(values, dtype=object))  # None and NaN -> -1
        flags = np.array([self.is_interviewer(v if isinstance(v, str) else None) for v in distinct] + [False],
                         dtype=bool)
        return flags[codes].tolist()  # code -1 picks the trailing False

    def interviewers(self) -> list[str]:
        """Speaker keys the project names as interviewers (label-rule ones not included)."""
        return sorted(k for k, v in self.assigned.items() if v == INTERVIEWER)


#: Roles by label only: what a project with no stored roles uses.
BY_LABEL = SpeakerRoles()
