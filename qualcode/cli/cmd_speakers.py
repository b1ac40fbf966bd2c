"""``qualcode speakers``: who speaks in the transcripts, and who is the interviewer."""
from __future__ import annotations

import click

from qualcode.cli.context import open_project
from qualcode.cli.main import cli
from qualcode.cli.output import emit_frame, format_option


@cli.group(invoke_without_command=True)
@format_option
@click.pass_context
def speakers(ctx: click.Context, fmt: str) -> None:
    """List speakers with their role, turns and share of questions (the automatic guess of
    the interviewer included); see 'speakers set-role' and 'speakers confirm'."""
    if ctx.invoked_subcommand is not None:
        return
    frame = open_project(ctx).speakers()
    if fmt == "table" and not frame.empty:
        frame = frame.assign(question_share=frame["question_share"].map(
            lambda v: "-" if v != v else f"{v:.0%}"))
    emit_frame(frame, fmt)


@speakers.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(["interviewer", "participant"]))
@click.pass_context
def set_role(ctx: click.Context, name: str, role: str) -> None:
    """Make speaker NAME an interviewer or a participant (for every source they speak in)."""
    speaker = open_project(ctx).set_speaker_role(name, role)
    click.echo(f"{speaker}: {role}")


@speakers.command("confirm")
@click.pass_context
def confirm(ctx: click.Context) -> None:
    """Accept the guessed roles as they stand."""
    names = open_project(ctx).confirm_speaker_roles()
    click.echo(f"confirmed: {', '.join(names)}" if names else "no guessed roles to confirm")
