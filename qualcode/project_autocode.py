"""``Project`` methods for automatic coding (issue 5): codebook rules, the code suggester, the review queue.

A mixin keeps this capability's public API next to its own code instead of growing one
large ``project.py``; ``qualcode.Project`` inherits it. Methods stay thin: read the
project's frames or open one transaction, call the module that does the work, return data.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.coding.autocode import AutocodeResult
    from qualcode.store.database import Database


def _who(by: str | None) -> str:
    from qualcode.project import default_coder

    return by or default_coder()


class AutocodeMixin:
    """Mixed into ``qualcode.Project``."""

    _db: "Database"

    # ------------------------------------------------------------------ rules
    def autocode(
        self,
        unit: str | None = None,
        codes: str | Sequence[str] | None = None,
        apply: bool = False,
        dry_run: bool = False,
        n_process: int = 1,
        progress: bool | None = None,
        *,
        include_interviewer: bool = False,
        coder: str | None = None,
        engine: str = "fast",
    ) -> "AutocodeResult":
        """Code every source by the codebook's ``rules:`` blocks.

        ``unit`` (sentence, paragraph, turn, answer, source) overrides each rule's own;
        ``codes`` limits the run to these codes and their children. New applications are
        ``suggested`` (``apply=True``: ``applied``), by the coder ``rule:<codebook>``.
        Re-running adds only what is new; ``dry_run`` counts without writing. Returns an
        ``AutocodeResult`` (``run_id``, ``counts`` per code, ``summary()``).
        See ``qualcode.coding.rules_engine`` for what each rule key means.
        """
        from qualcode.coding.autocode import autocode

        chosen = [codes] if isinstance(codes, str) else list(codes or [])
        return autocode(self._db, unit=unit, codes=chosen, apply=apply, dry_run=dry_run, n_process=n_process,
                        progress=progress, include_interviewer=include_interviewer, coder=coder, engine=engine,
                        decided_by=_who(None))

    def undo_run(self, run_id: int, force: bool = False) -> dict[str, int]:
        """Remove a run's applications that nobody has decided on yet (all with ``force``)."""
        from qualcode.coding.autocode import undo_run

        return undo_run(self._db, int(run_id), force=force)

    def runs(self) -> pd.DataFrame:
        """Autocoding runs: id, kind, coder, when, unit, apply, counts by status, undone."""
        from qualcode.coding.autocode import list_runs

        return list_runs(self._db)

    # ----------------------------------------------------------------- review
    def review_queue(self, code: str | None = None, origin: str | None = None,
                     order: str = "uncertainty") -> pd.DataFrame:
        """Suggestions waiting for a decision (``order``: uncertainty, source, confidence)."""
        from qualcode.coding.review import review_queue

        return review_queue(self._db, code=code, origin=origin, order=order)

    def accept(self, ids: int | Iterable[int], by: str | None = None) -> int:
        """Accept suggestions by application id; records who and when. Returns how many."""
        from qualcode.coding.review import decide

        return decide(self._db, ids, "applied", _who(by))

    def reject(self, ids: int | Iterable[int], by: str | None = None) -> int:
        """Reject suggestions (kept with status ``rejected``); records who and when."""
        from qualcode.coding.review import decide

        return decide(self._db, ids, "rejected", _who(by))

    def recode(self, id: int, new_code: str, by: str | None = None) -> int:  # noqa: A002 - the API's name
        """Reject a suggestion and apply ``new_code`` to its excerpt as the reviewer; returns
        the new application id."""
        from qualcode.coding.review import recode

        return recode(self._db, id, new_code, _who(by))

    def adjust_span(self, id: int, start: int, end: int, by: str | None = None) -> int:  # noqa: A002
        """Move a suggestion to ``[start, end)`` of its source and accept it."""
        from qualcode.coding.review import adjust_span

        return adjust_span(self._db, id, start, end, _who(by))

    def accept_above(self, code: str, threshold: float, by: str | None = None) -> int:
        """Accept every suggestion of ``code`` with confidence >= ``threshold``."""
        from qualcode.coding.review import accept_above

        return accept_above(self._db, code, threshold, _who(by))
