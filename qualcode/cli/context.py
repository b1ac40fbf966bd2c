"""Opening the project a command works on."""
from __future__ import annotations

import click

from qualcode.project import Project


def open_project(ctx: click.Context) -> Project:
    """The project named by --project / QUALCODE_PROJECT / the one *.qcproj here."""
    root = ctx.find_root()
    project = Project.locate((root.obj or {}).get("project"))
    ctx.call_on_close(project.close)
    return project
