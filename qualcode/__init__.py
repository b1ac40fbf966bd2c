"""qualcode: qualitative research analysis in the style of Dedoose, scriptable from Python.

>>> from qualcode import Project
>>> project = Project.open("study.qcproj")  # doctest: +SKIP

``Project`` is imported on first use (PEP 562), so ``import qualcode.errors`` or the
command line's ``--help`` do not load pandas, the store and every capability behind it.
See docs/architecture.md for the layers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError
from qualcode.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from qualcode.project import Project

__all__ = ["Project", "QualcodeError", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Project":
        from qualcode.project import Project

        return Project
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")
