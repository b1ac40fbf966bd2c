"""Commands for impact and logic models (issue 6)."""
from __future__ import annotations
