"""The ``qualcode`` command line: parse, call the library, print.

Every command is thin. Errors a user can fix (``QualcodeError``) print one line and exit
with status 1 (bad input) or 2 (bad usage); anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

from qualcode.cli.main import main

__all__ = ["main"]
