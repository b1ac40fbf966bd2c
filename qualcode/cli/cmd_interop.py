"""Commands for interoperability (issue 8): REFI-QDA, QualCoder and Dedoose in and out."""
from __future__ import annotations
