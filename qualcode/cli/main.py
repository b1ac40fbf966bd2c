"""The root ``qualcode`` group and the error contract."""
from __future__ import annotations

import sys
from typing import Any

import click

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


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="qualcode")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
