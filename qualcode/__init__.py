"""qualcode: qualitative research analysis in the style of Dedoose, scriptable from Python.

>>> from qualcode import Project
>>> project = Project.open("study.qcproj")  # doctest: +SKIP
"""
from __future__ import annotations

__version__ = "0.1.0"

from qualcode.errors import QualcodeError  # noqa: E402
from qualcode.project import Project  # noqa: E402

__all__ = ["Project", "QualcodeError", "__version__"]
