"""Retrieval helpers the analyses' filters (``qualcode.analysis.filters``) do not cover:
parsing ``--where FIELD=VALUE`` from the command line, and text search.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from qualcode.errors import UsageError


def parse_where(conditions: Iterable[str]) -> dict[str, list[str]]:
    """``["role=CEO", "wave=1,2"]`` -> ``{"role": ["CEO"], "wave": ["1", "2"]}``."""
    out: dict[str, list[str]] = {}
    for cond in conditions:
        if "=" not in cond:
            raise UsageError(f"--where {cond!r} must look like FIELD=VALUE (several values: FIELD=A,B)")
        field, value = cond.split("=", 1)
        out.setdefault(field.strip(), []).extend(v.strip() for v in value.split(","))
    return out


def search_mask(texts: pd.Series, pattern: str, regex: bool = False) -> pd.Series:
    """Case-insensitive text search (plain words by default, a regular expression on request)."""
    if regex:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"search pattern {pattern!r} is not a valid regular expression ({exc})") from exc
        return texts.str.contains(pattern, case=False, regex=True, na=False)
    return texts.str.contains(pattern, case=False, regex=False, na=False)
