"""Who is speaking in which role: listing speakers, setting and confirming roles."""
from __future__ import annotations

import pandas as pd

from qualcode.errors import NotFoundError, UsageError
from qualcode.project.core import ProjectCore
from qualcode.speech.roles import ROLES, SpeakerRoles, speaker_key
from qualcode.speech.speakers import speaker_table
from qualcode.store import speakers as store_speakers


class ProjectSpeakers(ProjectCore):
    """``Project`` methods about speakers and their roles (one definition of "the
    interviewer" for every consumer of turns: :mod:`qualcode.speech.roles`);
    ``speaker_roles()`` itself is in the core, which every capability reads it from."""

    def speakers(self) -> pd.DataFrame:
        """Every speaker of the project's transcripts and email interviews: role, who
        decided it (``user``, ``guess``, ``label``, ``default``), sources, turns, words,
        question turns, share of the questions in their sources, and the automatic guess."""
        with self._db.connect() as conn:
            turns = store_speakers.turns(conn)
            roles = SpeakerRoles(store_speakers.roles(conn))
            assigned = store_speakers.assigned(conn)
        return speaker_table(turns, roles, assigned)

    def set_speaker_role(self, speaker: str, role: str) -> str:
        """Make ``speaker`` an ``interviewer`` or a ``participant`` from now on (autocode,
        suggestions, search, word counts, quotes and agreement units follow). Returns the
        speaker's name as the transcripts write it."""
        if role not in ROLES:
            raise UsageError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        with self._db.begin() as conn:
            turns = store_speakers.turns(conn)
            names = {speaker_key(s): s for s in turns["speaker"]} if not turns.empty else {}
            name = names.get(speaker_key(speaker))
            if name is None:
                close = sorted(names.values())[:10]
                raise NotFoundError(
                    f"no speaker named {speaker!r} in the project's transcripts; "
                    + (f"speakers are: {', '.join(close)}" if close else "ingest transcripts first")
                )
            store_speakers.set_role(conn, speaker_key(name), name, role)
        return name

    def confirm_speaker_roles(self) -> list[str]:
        """Accept every guessed role as it stands; returns the speakers confirmed."""
        with self._db.begin() as conn:
            return store_speakers.confirm_guesses(conn)
