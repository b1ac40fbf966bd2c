"""``Project`` methods for the review of machine suggestions: the queue, accepting,
rejecting, recoding and moving a suggestion (``qualcode.coding.review``)."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from qualcode.errors import UsageError
from qualcode.project.core import ProjectCore, coder_or_default


class ProjectReview(ProjectCore):
    """The review queue; ``qualcode.Project`` inherits it."""

    # ----------------------------------------------------------------- review
    def review_queue(self, code: str | None = None, origin: str | None = None,
                     order: str = "uncertainty") -> pd.DataFrame:
        """Suggestions waiting for a decision (``order``: uncertainty, source, confidence)."""
        from qualcode.coding.review import review_queue

        return review_queue(self._db, code=code, origin=origin, order=order)

    def accept(self, ids: int | Iterable[int], by: str | None = None) -> int:
        """Accept suggestions by application id; records who and when. Returns how many."""
        from qualcode.coding.review import decide

        return decide(self._db, ids, "applied", coder_or_default(by))

    def reject(self, ids: int | Iterable[int], by: str | None = None) -> int:
        """Reject suggestions (kept with status ``rejected``); records who and when."""
        from qualcode.coding.review import decide

        return decide(self._db, ids, "rejected", coder_or_default(by))

    def reopen(self, ids: int | Iterable[int]) -> int:
        """Undo decisions on suggestions: they go back in the queue undecided. Returns how many."""
        from qualcode.coding.review import reopen

        return reopen(self._db, ids)

    def recode(self, id: int, new_code: str, by: str | None = None) -> int:  # noqa: A002 - the API's name
        """Reject a suggestion and apply ``new_code`` to its excerpt as the reviewer; returns
        the new application id."""
        from qualcode.coding.review import recode

        return recode(self._db, id, new_code, coder_or_default(by))

    def adjust_span(self, id: int, start: int, end: int, by: str | None = None) -> int:  # noqa: A002
        """Move a suggestion to ``[start, end)`` of its source and accept it."""
        from qualcode.coding.review import adjust_span

        return adjust_span(self._db, id, start, end, coder_or_default(by))

    def accept_above(self, code: str, threshold: float, by: str | None = None) -> int:
        """Accept every suggestion of ``code`` with confidence >= ``threshold``."""
        from qualcode.coding.review import accept_above

        return accept_above(self._db, code, threshold, coder_or_default(by))

    def accept_above_batch(self, code: str, threshold: float, by: str | None = None) -> dict[str, int | None]:
        """:meth:`accept_above` as one numbered batch: ``accepted`` (how many) and ``batch``
        (its number for :meth:`undo_batch`; None when nothing was accepted)."""
        from qualcode.coding.review import accept_above_batch

        accepted, number = accept_above_batch(self._db, code, threshold, coder_or_default(by))
        return {"accepted": accepted, "batch": number}

    def decision_batches(self) -> pd.DataFrame:
        """Batch decisions (``accept_above``): ``batch, what, status, by, at, applications, undone``."""
        from qualcode.coding.review import decision_batches

        return decision_batches(self._db)

    def undo_batch(self, number: int | None = None) -> dict[str, int]:
        """Take back one batch acceptance (default: the newest): its suggestions go back to
        the queue, except those a person decided on again since; the run and every other
        decision stay. Returns ``undone`` and ``kept``."""
        from qualcode.coding.review import last_batch, undo_batch

        if number is None:
            number = last_batch(self._db)
            if number is None:
                raise UsageError("no batch decision to undo; 'qualcode review --code C --accept-above X' makes one")
        return undo_batch(self._db, int(number))
