"""Commands for automatic coding (issue 5): codebook rules, the code suggester, the review queue."""
from __future__ import annotations
