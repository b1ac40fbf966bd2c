"""The ``qualcode`` command line: parse, call the library, print.

Every command is thin. Errors a user can fix (``QualcodeError``) print one line and exit
with status 1 (bad input) or 2 (bad usage); anything else is a bug and keeps its traceback.
Each ``cmd_*`` module attaches its commands to the root group when imported.
"""
from __future__ import annotations

from qualcode.cli.main import cli, main
from qualcode.cli import (  # noqa: E402,F401  (each module registers its commands)
    cmd_agreement,
    cmd_analysis,
    cmd_autocode,
    cmd_coding,
    cmd_demo,
    cmd_impact,
    cmd_interop,
    cmd_project,
    cmd_redact,
    cmd_serve,
    cmd_speakers,
)

__all__ = ["cli", "main"]
