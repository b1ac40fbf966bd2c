"""Errors a researcher can act on.

Every error the library raises for bad input is a ``QualcodeError`` subclass whose
message is one line: what is wrong, where (file, row, offset) and what to do. The CLI
prints that line and exits with status 1; a bug (any other exception) keeps its traceback.
"""
from __future__ import annotations

import re


class QualcodeError(Exception):
    """Base class: a user's mistake or bad input, reported in one line.

    A message often quotes what the file holds (a column name, a cell) or what a library
    said about it, and either can hold a line break ("Expected 4 fields in line 5, saw
    6\\n"); a line break and the white space around it become one space, so the message
    stays one line whatever it quotes (``shown`` quotes values with ``\\n`` visible).
    """

    exit_code = 1

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], str) and ("\n" in args[0] or "\r" in args[0]):
            args = (_LINE_BREAK.sub(" ", args[0]).strip(), *args[1:])
        super().__init__(*args)


_LINE_BREAK = re.compile(r"[ \t]*[\r\n]+[ \t]*")


def shown(values: object, limit: int = 20, width: int = 60) -> str:
    """``values`` (one value or a list) for a one-line message: each cut to ``width``
    characters with line breaks shown as ``\\n``, at most ``limit`` of them and a count of
    the rest -- a damaged file's header can hold a whole paragraph or thousands of cells."""
    items = list(values) if isinstance(values, (list, tuple)) else [values]

    def one(value: object) -> str:
        text = str(value).replace("\r", "\\r").replace("\n", "\\n")
        return text if len(text) <= width else text[: width - 1] + "…"

    listed = ", ".join(one(v) for v in items[:limit])
    return listed + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


class ProjectError(QualcodeError):
    """The project file or database cannot be opened or is not a qualcode project."""


class SchemaVersionError(ProjectError):
    """The project was written by a newer qualcode than this one."""


class IngestError(QualcodeError):
    """A file could not be read into a source."""


class CodebookError(QualcodeError):
    """A codebook file or edit is invalid (duplicate name, cycle, unknown parent…)."""


class CodingError(QualcodeError):
    """A coding cannot be applied (offsets out of range, quote not found…)."""


class NotFoundError(QualcodeError):
    """A named source, code, case, coder or excerpt does not exist."""


class DescriptorError(QualcodeError):
    """A descriptor file or value is invalid (missing key column, duplicate keys…)."""


class ImportFormatError(QualcodeError):
    """An exchange file (REFI-QDA, QualCoder, Dedoose, CSV) is malformed or unsafe."""


class ExportError(QualcodeError):
    """A project cannot be written to the requested format (or the target is not writable)."""


class ModelError(QualcodeError):
    """A suggestion model cannot be trained, loaded or applied."""


class UsageError(QualcodeError):
    """The call itself is wrong (conflicting options); the CLI exits with status 2."""

    exit_code = 2
