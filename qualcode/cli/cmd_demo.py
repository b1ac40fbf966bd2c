"""``qualcode demo``: build the bundled demo study and write its report."""
from __future__ import annotations

import click

from qualcode.cli.main import cli


@cli.command()
@click.option("--out", "out_dir", default="demo-report", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the demo project and its report.")
def demo(out_dir: str) -> None:
    """Build the demo study (a mentoring programme, two waves) and write its full report."""
    from qualcode.cli import collector
    from qualcode.cli.main import end_quickly

    collector.pause()  # no collections while the libraries load (qualcode.cli.collector)
    from qualcode.demo import run_demo
    from qualcode.reporting import study  # noqa: F401 - matplotlib and the report's writers, loaded now

    collector.settle()
    collector.collect_less_often()  # a report's objects are many and short-lived
    project, written = run_demo(out_dir)
    try:
        from qualcode.cli.cmd_project import emit_summary

        emit_summary(project.summary(), "table")
        click.echo(f"project: {project.target}")
        click.echo(f"report:  {written.html}  {written.xlsx}  {written.markdown}")
        click.echo(f"         {len(written.figures)} figures in {written.folder / 'figures'}, "
                   f"{len(written.csv)} tables in {written.folder / 'tables'}")
    finally:
        project.close()
    # Every write is committed and the project closed: the process may end without freeing
    # the report's frames and figures object by object (qualcode.cli.main.end_quickly).
    end_quickly()
