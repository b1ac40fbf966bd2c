"""Filtering the tidy frames: by code (with or without its children), source, case,
descriptor values, coder, status, and text search.

Pure functions on the frames of docs/frames.md, so the same filters serve the CLI, the
notebooks and the analyses.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from qualcode.errors import NotFoundError, UsageError


def code_paths(codes: pd.DataFrame, refs: Iterable[str], descendants: bool = True) -> list[str]:
    """Full paths for code references (a path or a unique name), with descendants."""
    paths = codes["path"].tolist()
    out: list[str] = []
    for ref in refs:
        ref = ref.strip().strip("/")
        if ref in paths:
            path = ref
        else:
            named = [p for p in paths if p.rsplit("/", 1)[-1].casefold() == ref.casefold() or p.casefold() == ref.casefold()]
            if len(named) != 1:
                problem = "is ambiguous: " + ", ".join(named) if named else "is not in the codebook"
                raise NotFoundError(f"code {ref!r} {problem}; see 'qualcode codebook show'")
            path = named[0]
        out.append(path)
        if descendants:
            out.extend(p for p in paths if p.startswith(path + "/"))
    return list(dict.fromkeys(out))


def parse_where(conditions: Iterable[str]) -> dict[str, list[str]]:
    """``["role=CEO", "wave=1,2"]`` -> ``{"role": ["CEO"], "wave": ["1", "2"]}``."""
    out: dict[str, list[str]] = {}
    for cond in conditions:
        if "=" not in cond:
            raise UsageError(f"--where {cond!r} must look like FIELD=VALUE (several values: FIELD=A,B)")
        field, value = cond.split("=", 1)
        out.setdefault(field.strip(), []).extend(v.strip() for v in value.split(","))
    return out


def match_where(frame: pd.DataFrame, descriptors: pd.DataFrame, where: Mapping[str, Iterable[str]]) -> pd.Series:
    """A boolean mask over ``frame`` rows whose case (or own column) has the given values.

    A field is looked up first among ``frame``'s own columns (``wave``, ``source``,
    ``speaker``…), then among the case descriptors. Values compare as text, case-insensitively.
    """
    mask = pd.Series(True, index=frame.index)
    for field, wanted in where.items():
        wanted_set = {str(w).casefold() for w in wanted}
        if field in frame.columns:
            values = frame[field]
        elif field in descriptors.columns:
            lookup = descriptors.set_index("case")[field]
            values = frame["case"].map(lookup)
        else:
            available = sorted(set(descriptors.columns) - {"case"}) + ["wave", "source", "speaker", "kind"]
            raise NotFoundError(f"no descriptor {field!r}; available: {', '.join(available)}")
        mask &= values.map(lambda v: _text(v).casefold() in wanted_set)
    return mask


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def search_mask(texts: pd.Series, pattern: str, regex: bool = False) -> pd.Series:
    """Case-insensitive text search (plain words by default, a regular expression on request)."""
    if regex:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"search pattern {pattern!r} is not a valid regular expression ({exc})") from exc
        return texts.str.contains(pattern, case=False, regex=True, na=False)
    return texts.str.contains(pattern, case=False, regex=False, na=False)
