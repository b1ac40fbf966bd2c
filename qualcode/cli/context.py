"""Opening the project a command works on."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from qualcode.cli import collector

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.project import Project


def open_project(ctx: click.Context) -> Project:
    """The project named by --project / QUALCODE_PROJECT / the one *.qcproj here."""
    from qualcode.project import Project  # loaded when a command needs the project, not for --help

    collector.settle()  # the heavy imports are done (qualcode.cli.collector)

    root = ctx.find_root()
    project = Project.locate((root.obj or {}).get("project"))
    ctx.call_on_close(project.close)
    return project
