"""Commands for several coders (issue 7): agreement statistics, merging coders' projects, consensus."""
from __future__ import annotations
