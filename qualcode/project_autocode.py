"""``Project`` methods for automatic coding (issue 5): codebook rules, the code suggester, the review queue.

A mixin keeps this capability's public API next to its own code instead of growing one
large ``project.py``; ``qualcode.Project`` inherits it. Methods stay thin: read the
project's frames or open one transaction, call the module that does the work, return data.
"""
from __future__ import annotations


class AutocodeMixin:
    """Mixed into ``qualcode.Project``."""
