"""``qualcode serve``: the coding workspace in the browser."""
from __future__ import annotations

import click

from qualcode.cli.main import cli
from qualcode.project import Project


@cli.command()
@click.option("-p", "--project", "target", metavar="FILE|URL", default=None,
              help="The project to open (default: as for every command: --project before 'serve', "
                   "$QUALCODE_PROJECT, or the one *.qcproj here).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any other than this machine's needs the printed token.")
@click.option("--port", type=int, default=8765, show_default=True, help="Port to listen on.")
@click.option("--token", envvar="QUALCODE_TOKEN", default=None,
              help="The token a browser must bring (default: made up and printed when the host is not local).")
@click.pass_context
def serve(ctx: click.Context, target: str | None, host: str, port: int, token: str | None) -> None:
    """Code in the browser: read sources, select passages, apply codes, review suggestions.

    A team can run it on one PostgreSQL project (each on their own machine) or share one
    server: everyone's codings appear on the others' pages within seconds."""
    from qualcode.web.server import plan
    from qualcode.web.server import serve as run

    where = plan(host, port, token)
    project = Project.locate(target or (ctx.find_root().obj or {}).get("project"))
    ctx.call_on_close(project.close)
    click.echo(f"qualcode workspace for {project.title}: open {where.url}")
    if where.token:
        click.echo("Anyone with this address (and its token) can read and code the project. Stop with Ctrl-C.")
    else:
        click.echo("Only this machine can open it. Stop with Ctrl-C.")
    run(project, where)
