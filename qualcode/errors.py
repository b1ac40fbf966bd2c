"""Errors a researcher can act on.

Every error the library raises for bad input is a ``QualcodeError`` subclass whose
message is one line: what is wrong, where (file, row, offset) and what to do. The CLI
prints that line and exits with status 1; a bug (any other exception) keeps its traceback.
"""
from __future__ import annotations


class QualcodeError(Exception):
    """Base class: a user's mistake or bad input, reported in one line."""

    exit_code = 1


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
