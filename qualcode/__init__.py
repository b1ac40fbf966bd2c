"""qualcode: qualitative research analysis in the style of Dedoose, scriptable from Python."""
from __future__ import annotations

__version__ = "0.1.0"

from qualcode.errors import QualcodeError  # noqa: E402

__all__ = ["QualcodeError", "__version__"]
