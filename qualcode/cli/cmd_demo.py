"""``qualcode demo``: build the bundled demo study and write its report."""
from __future__ import annotations

import click

from qualcode.cli.main import cli
from qualcode.cli.output import emit_mapping
from qualcode.demo import build_demo_project


@cli.command()
@click.option("--out", "out_dir", default="demo-report", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the demo project and its report.")
def demo(out_dir: str) -> None:
    """Build the demo study (a mentoring programme, two waves) end to end."""
    project = build_demo_project(out_dir)
    try:
        emit_mapping(project.summary(), "table")
        click.echo(f"project: {project.target}")
    finally:
        project.close()
