"""Weights summarised per code and group (``stats weights --by``, ``Project.weights``):
checked against a summary made here with the ``statistics`` module from the codings file
the project was built from (issue 20: the groups are now formed from the cases' numbers,
not by hashing a text per coding).

What a user would lose: a mean under the wrong role, a coding of a case with no role
counted in a group, or a role column that is no longer text in the notebook.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from test_stats_counting_frames import ROLES, _build  # tests/ is on sys.path under pytest


@pytest.fixture
def built(tmp_path: Path):
    project, codings, case_of, waves = _build(tmp_path)
    # a case with no role: its codings belong to no role group
    (tmp_path / "more.csv").write_text("case,role\nP11,\n", encoding="utf-8")
    project.import_descriptors(tmp_path / "more.csv", key="case")
    yield project, codings, case_of, waves
    project.close()


def _role(case: str | None) -> str | None:
    if case is None or case == "P11":
        return None
    return ROLES[int(case[1:]) % 3]


def _by_hand(codings: list[dict], group) -> dict[tuple, dict]:  # type: ignore[no-untyped-def]
    values: dict[tuple, list[float]] = defaultdict(list)
    for row in codings:
        key = group(row)
        if key is None:
            continue
        values[(row["code"], *key)].append(float(row["weight"]))
    return {key: {"n": len(v), "mean": statistics.fmean(v), "min": min(v), "max": max(v),
                  "sd": statistics.stdev(v) if len(v) > 1 else float("nan")} for key, v in values.items()}


def _check(table: pd.DataFrame, want: dict[tuple, dict], fields: list[str]) -> None:
    got = {(row["code"], *(row[f] for f in fields)): row for _, row in table.iterrows()}
    assert set(got) == set(want)
    for key, expected in want.items():
        row = got[key]
        assert row["applications"] == row["n"] == expected["n"]
        for stat in ("mean", "min", "max"):
            assert row[stat] == pytest.approx(expected[stat], rel=1e-12)
        assert row["sd"] == pytest.approx(expected["sd"], rel=1e-9, nan_ok=True)


def test_weights_by_role_match_a_hand_summary(built) -> None:
    project, codings, case_of, _ = built
    table = project.weights("role")
    want = _by_hand(codings, lambda row: None if _role(case_of[row["source"]]) is None
                    else (_role(case_of[row["source"]]),))
    _check(table, want, ["role"])
    assert pd.api.types.is_string_dtype(table["role"]) and not isinstance(table["role"].dtype, pd.CategoricalDtype)
    assert table["role"].tolist() == sorted(table["role"].tolist()) or table["code"].nunique() > 1
    for _, part in table.groupby("code", sort=False):
        assert part["role"].tolist() == sorted(part["role"])  # groups sorted within each code


def test_weights_by_wave_and_role_and_overall(built) -> None:
    project, codings, case_of, waves = built
    table = project.weights(["wave", "role"])
    want = _by_hand(codings, lambda row: None if _role(case_of[row["source"]]) is None
                    else (waves[row["source"]], _role(case_of[row["source"]])))
    _check(table, want, ["wave", "role"])
    overall = project.weights()
    _check(overall, _by_hand(codings, lambda row: ()), [])

