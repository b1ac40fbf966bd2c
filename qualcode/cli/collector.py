"""Python's cycle collector during a command's start-up.

A command process imports pandas, numpy, SQLAlchemy and qualcode: some 400,000 objects
that live until it exits. Python's collector walks every one of them on each full
collection, and a ``stats`` command on 10^6 codings triggers several while it builds its
arrays: about a fifth of a second spent proving that modules are still alive. So the
command line (and only it: a notebook or the test suite keeps Python's defaults):

* pauses collection while a ``stats`` command imports (:func:`pause`), and
* once the project's modules are loaded (:func:`settle`, called when the project opens),
  freezes what exists into the permanent generation (``gc.freeze``, as long-running
  servers do before forking) and resumes collection for what the command creates.

Cycles made by the command itself are still collected; only the start-up's objects are
left out of the walk.
"""
from __future__ import annotations

import gc

_own_process = False
_paused = False


def own_process() -> None:
    """Called by ``qualcode.cli.main``: this process runs one command and then ends."""
    global _own_process
    _own_process = True


def pause() -> None:
    """No collections until :func:`settle` (only in a process of the command's own)."""
    global _paused
    if _own_process and gc.isenabled():
        gc.disable()
        _paused = True


def settle() -> None:
    """The heavy imports are done: freeze what exists and collect again as usual."""
    global _paused
    if not _own_process:
        return
    gc.freeze()
    if _paused:
        gc.enable()
        _paused = False


#: allocations between young collections in a command that builds a whole report
REPORT_THRESHOLD = 10_000


def collect_less_often() -> None:
    """For a command that builds a whole report (``demo``): a young collection every
    10,000 allocations instead of Python's 700 (only in a process of the command's own).

    A report makes hundreds of thousands of short-lived objects (frames, matplotlib
    artists) that are freed by reference counting anyway; at the default the demo's
    processes ran some 800 young and 75 older collections, each older one walking every
    figure still waiting to be written: about 0.4 s of the main process's CPU, and as
    much again in the processes it forks. Cycles are still collected, less often."""
    if _own_process:
        gc.set_threshold(REPORT_THRESHOLD, *gc.get_threshold()[1:])
