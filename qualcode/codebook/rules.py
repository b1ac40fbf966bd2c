"""The ``rules:`` block of a code: what it may contain, checked when a codebook is read.

The rules themselves run in ``qualcode.coding`` (autocoding); the codebook only makes
sure a rule is well formed, so that a typo is caught at import with its line number and
not hours later in a batch run.
"""
from __future__ import annotations

import re
from typing import Any

RULE_KEYS = ("unit", "keywords", "regex", "exclude", "speakers", "questions", "min_matches", "case_sensitive")
UNITS = ("sentence", "paragraph", "turn", "answer", "source")


def validate_rules(rules: dict[str, Any]) -> str | None:
    """A one-line description of the first problem, or None when the rules are valid."""
    unknown = set(rules) - set(RULE_KEYS)
    if unknown:
        return f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(RULE_KEYS)}"
    unit = rules.get("unit")
    if unit is not None and unit not in UNITS:
        return f"unit {unit!r} is not one of {', '.join(UNITS)}"
    for key in ("keywords", "regex", "exclude", "speakers", "questions"):
        value = rules.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            return f"{key} must be a list of strings"
        if key == "regex":
            for pattern in value:
                try:
                    re.compile(str(pattern))
                except re.error as exc:
                    return f"regex {pattern!r} does not compile ({exc})"
    min_matches = rules.get("min_matches")
    if min_matches is not None and (not isinstance(min_matches, int) or min_matches < 1):
        return "min_matches must be a whole number of at least 1"
    return None
