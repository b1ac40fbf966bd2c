"""Sections of a report computed in a forked process while this one computes others.

A study report is a row of independent analyses: the words participants used, the quotes,
the questionnaire, the impact models and agreement need nothing the code frequencies,
group tests or co-occurrence compute. On a machine with a free CPU, :func:`sections_elsewhere`
forks once: the child computes the later sections (and writes their figures itself) while
this process computes the earlier ones, then sends its finished sections back pickled
(tables, figure paths, quotes). They are appended after this process's own sections, in
the order they would have had, so the report is the one a single process would build.

The child starts with everything this process had read (the frames of ``project.cached()``)
and opens database connections of its own (``Project.after_fork``). Work that only those
sections depend on (the demo's machine run: suggestions, which count in no analysis) can
go with them as ``first``: the child does it, once, before them, and this process reads
the project afresh when the child is done. A child that fails is
not trusted: its sections are computed again here, where an error is raised as usual. Its
figures are written under hidden names and moved into place when its sections are taken;
if one would take the name of a figure this process wrote meanwhile (a name is made
unique only against the figures a section can see), they are removed and its sections
computed again here.
"""
from __future__ import annotations

import gc
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from qualcode.report.content import Report, Section
from qualcode.report.figures import background_processes, saving_here, unstage, write_queued_here

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.project import Project

__all__ = ["Place", "meanwhile", "sections_elsewhere"]


class Place:
    """Where the sections computed elsewhere go: :meth:`here` marks it among the sections
    the block adds (by default they follow all of them)."""

    def __init__(self, report: Report, work: Callable[[Report], None], forked: bool,
                 first: Callable[[], object] | None = None) -> None:
        self.report, self.work, self.forked = report, work, forked
        self.first = first  # not yet done (None once it is)
        self.index: int | None = None

    def here(self) -> None:
        """The sections of ``work`` go here, before those the block adds next."""
        if self.index is not None:
            return
        self.index = len(self.report.sections)
        if not self.forked:
            self._first()
            self.work(self.report)  # in this process, in its place

    def _first(self) -> None:
        first, self.first = self.first, None
        if first is not None:
            first()

    def compute_here(self) -> None:
        """Compute ``work``'s sections in this process and put them in their place."""
        self._first()
        start = len(self.report.sections)
        self.work(self.report)
        added = self.report.sections[start:]
        del self.report.sections[start:]
        index = start if self.index is None else self.index
        self.report.sections[index:index] = added


@contextmanager
def sections_elsewhere(project: "Project", report: Report, work: Callable[[Report], None],
                       processes: int | None = None, first: Callable[[], object] | None = None) -> Iterator[Place]:
    """Run ``work(report)`` (which adds sections to ``report``) in a forked process while
    the block runs here; its sections take the place the block marks with ``here()`` on
    the object it is given (or follow every section the block adds).

    ``first()``, if given, writes to the project what ``work`` alone reads; it is done
    once, just before ``work``, wherever ``work`` runs (here, it comes after what the
    block computed before ``here()``). The block must read nothing ``first`` changes.
    When the child did it, the frames this process had read are read again afterwards.

    ``processes``: 1 forks, 0 runs ``work`` here, in its place; None forks when
    :func:`~qualcode.report.figures.background_processes` finds a CPU to spare (Linux, two
    or more CPUs).
    """
    if processes is None:
        processes = 1 if background_processes() > 0 else 0
    child = _fork(project, report, work, first) if processes > 0 else None
    place = Place(report, work, forked=child is not None, first=first)
    try:
        yield place
        if child is not None:
            write_queued_here()  # rather than wait idle for the child
    except BaseException:
        if child is not None:
            _stop(*child)
        raise
    if child is None:
        if place.index is None:
            place.here()
        return
    first_done, done = _join(*child)
    if first_done:
        place.first = None
        project.changed_elsewhere()  # the child wrote: frames read here before are stale
    if done is not None:
        sections, staged = done
        clash = _names_clash(report, sections)
        unstage(staged, keep=not clash)
        if not clash:
            for section in sections:
                section.report = report
            index = len(report.sections) if place.index is None else place.index
            report.sections[index:index] = sections
            return
    place.compute_here()  # as without a child: a failure raises its real error


#: the child's first byte: ``first()`` is done (committed), whatever happens after
_FIRST_DONE = b"F"
_NOTHING_FIRST = b"-"


def _fork(project: "Project", report: Report, work: Callable[[Report], None],
          first: Callable[[], object] | None = None) -> tuple[int, int, bool] | None:
    """Start the child; (pid, read end of its pipe, whether this process froze the
    collector), or None when fork failed."""
    # Objects that exist now leave the collector's view while the child runs: its passes over
    # them would write to (and so copy) every page the two processes share.
    froze = gc.get_freeze_count() == 0
    if froze:
        gc.freeze()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        if froze:
            gc.unfreeze()
        return None
    if pid:
        os.close(write_end)
        return pid, read_end, froze
    code, staged = 1, {}
    try:  # the child: compute, send, leave without running the parent's exit handlers
        os.close(read_end)
        project.after_fork()
        with os.fdopen(write_end, "wb") as pipe:
            if first is not None:
                first()
            pipe.write(_FIRST_DONE if first is not None else _NOTHING_FIRST)
            pipe.flush()  # the parent learns it even if what follows fails
            start = len(report.sections)
            with saving_here(staged):
                work(report)
            sections = report.sections[start:]
            for section in sections:
                section.report = None  # not the whole report again
            pipe.write(pickle.dumps((sections, staged), protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    except BaseException:  # noqa: BLE001 - reported by the exit code; the parent computes again and raises
        code = 1
        unstage(staged, keep=False)
    finally:
        os._exit(code)


def _join(pid: int, read_end: int, froze: bool) -> tuple[bool, tuple[list[Section], dict] | None]:
    """Whether the child did ``first``, and its sections and the figure files it staged
    (path -> hidden name), or None if it failed."""
    try:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()  # to the end before waiting: a large payload fills the pipe
        _, status = os.waitpid(pid, 0)
    finally:
        if froze:
            gc.unfreeze()
    first_done = payload[:1] == _FIRST_DONE
    if os.waitstatus_to_exitcode(status) != 0 or len(payload) < 2:
        return first_done, None
    done: tuple[list[Section], dict] = pickle.loads(payload[1:])
    return first_done, done


def _stop(pid: int, read_end: int, froze: bool) -> None:
    """After an error or an interrupt here: end the child, wait for it, keep nothing."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(read_end)
    if froze:
        gc.unfreeze()


def _names_clash(report: Report, sections: list[Section]) -> bool:
    """True if a figure of ``sections`` has the file name of one already in ``report``."""
    taken = {ref.png.resolve() for _, ref in report.figures()}
    return any(ref.png.resolve() in taken for section in sections for ref in section.figures)


@contextmanager
def meanwhile(work: Callable[[], object], processes: int | None = None) -> Iterator[None]:
    """Run ``work()`` (writing a file, say) in a forked process while the block runs here;
    when the block ends it has run, there or, if that process failed, here (where an error
    is raised as usual). ``processes`` as for :func:`sections_elsewhere`."""
    if processes is None:
        processes = 1 if background_processes() > 0 else 0
    pid = None
    if processes > 0:
        try:
            pid = os.fork()
        except OSError:
            pid = None
        if pid == 0:
            code = 1
            try:
                work()
                code = 0
            except BaseException:  # noqa: BLE001 - reported by the exit code; the parent runs it again
                code = 1
            finally:
                os._exit(code)
    try:
        yield
    except BaseException:
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
        raise
    if pid is not None:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            return
    work()
