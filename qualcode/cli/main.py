"""The root ``qualcode`` group and the error contract."""
from __future__ import annotations

import atexit
import os
import sys
from typing import Any

import click

from qualcode.cli import collector
from qualcode.version import __version__
from qualcode.errors import QualcodeError


class QualcodeGroup(click.Group):
    """A click group that turns library errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
@click.option(
    "-p",
    "--project",
    envvar="QUALCODE_PROJECT",
    metavar="FILE|URL",
    help="A *.qcproj file or a database URL (default: the one *.qcproj in this folder).",
)
@click.pass_context
def cli(ctx: click.Context, project: str | None) -> None:
    """qualcode: qualitative research analysis (ingest, code, analyse, report)."""
    ctx.ensure_object(dict)
    ctx.obj["project"] = project


#: set by :func:`end_quickly`: the command only read, and the process may end without
#: tearing down what it built
_end_quickly = False


def end_quickly() -> None:
    """Let this process end at once when its command is over (for commands that only read).

    A ``stats`` command on 10^6 codings leaves some 300 MiB of frames and arrays behind;
    Python's own shutdown frees them object by object and unloads every module, a quarter
    of a second of the two the command may take. The project is closed by then (the
    command's context closed it), nothing is being written, and the ``atexit`` functions
    still run (log handlers, temporary folders), so skipping the tear-down loses nothing."""
    global _end_quickly
    _end_quickly = True


def main(argv: list[str] | None = None) -> None:
    collector.own_process()
    _small_pages_for_numpy()
    try:
        cli.main(args=argv, prog_name="qualcode")
    except SystemExit as done:
        if not _end_quickly or not (done.code is None or isinstance(done.code, int)):
            raise
        _end_now(done.code or 0)


def _small_pages_for_numpy() -> None:
    """Ask NumPy (imported later, by the command) not to advise huge pages for its arrays.

    NumPy marks every array of 4 MB or more for transparent huge pages; a command builds
    and drops dozens of them (10^6 ids, flags, roll-ups) in a second or two, and the
    kernel zeroes, and when memory is fragmented compacts, 2 MB per page fault. On the
    machine behind ``benchmarks/RESULTS.md`` that made the first count after a write
    (``stats priorities``, 8 runs each) 1.70-2.07 s without the advice against 1.53-2.89 s
    with it, system time 0.6-0.8 s against 0.6-1.6 s. Documented by NumPy
    (``NUMPY_MADVISE_HUGEPAGE``); a value the user set is kept, and a notebook, which does
    not come through here, keeps NumPy's default."""
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


def _end_now(code: int) -> None:
    """The end :func:`end_quickly` asks for: ``atexit`` functions, output flushed, exit."""
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        # the reader stopped early (``| head``): what it wanted it has; say so by the code
        os._exit(1)
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
