"""Group and wave difference tests, checked against hand-counted probabilities and
brute-force enumeration of every way the cases could have fallen."""
from __future__ import annotations

import io
import itertools
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from qualcode import Project
from qualcode.analysis import group_tests, paired_wave_tests
from qualcode.analysis.group_tests import exact_chi_square_p
from qualcode.cli import cli
from qualcode.errors import UsageError


def _long(by: str, groups: dict[str, tuple[int, int]], code: str = "A") -> pd.DataFrame:
    return pd.DataFrame([{"code": code, by: g, "cases": k, "group_cases": n} for g, (k, n) in groups.items()])


def _pearson(x: np.ndarray, sizes: np.ndarray) -> float:
    """Pearson chi-square of a groups x 2 table, the textbook way (observed - expected)^2 / expected."""
    table = np.column_stack([x, sizes - x]).astype(float)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    return float(((table - expected) ** 2 / expected).sum())


def _brute_force_p(x: list[int], sizes: list[int]) -> float:
    """Every choice of which cases raised the code, equally likely: the share with a
    chi-square at least the observed one."""
    labels = np.repeat(np.arange(len(sizes)), sizes)
    observed = _pearson(np.array(x), np.array(sizes))
    hits = total = 0
    for chosen in itertools.combinations(range(len(labels)), sum(x)):
        counts = np.bincount(labels[list(chosen)], minlength=len(sizes))
        hits += _pearson(counts, np.array(sizes)) >= observed - 1e-9
        total += 1
    return hits / total


def test_two_groups_use_fishers_exact_test_as_counted_by_hand() -> None:
    # 4 of 5 CEOs, 0 of 4 mentors. P(table) = C(5,x) C(4,4-x) / C(9,4); the tables as or
    # less likely than the observed one (x=4: 5/126) are x=4 and x=0 (1/126): p = 6/126.
    out = group_tests(_long("role", {"CEO": (4, 5), "Mentor": (0, 4)}), "role").iloc[0]
    assert out["test"] == "Fisher's exact"
    assert out["p_value"] == pytest.approx(6 / comb(9, 4))
    assert (out["highest"], out["lowest"]) == ("CEO", "Mentor")
    assert out["gap"] == pytest.approx(80.0)
    assert out["cramers_v"] == pytest.approx(np.sqrt(_pearson(np.array([4, 0]), np.array([5, 4])) / 9))


@pytest.mark.parametrize("x, sizes", [([4, 0, 1], [4, 3, 2]), ([1, 3, 0, 2], [3, 3, 2, 4]), ([2, 2, 2], [3, 3, 3])])
def test_more_groups_exact_p_matches_brute_force(x: list[int], sizes: list[int]) -> None:
    expected = _brute_force_p(x, sizes)
    assert exact_chi_square_p(np.array(x), np.array(sizes)) == pytest.approx(expected, abs=1e-12)
    groups = {f"g{i}": (k, n) for i, (k, n) in enumerate(zip(x, sizes))}
    row = group_tests(_long("role", groups), "role").iloc[0]
    assert row["test"] == "exact chi-square" and row["p_value"] == pytest.approx(expected, abs=1e-12)


def test_too_many_tables_falls_back_to_monte_carlo_close_to_exact() -> None:
    x, sizes = [4, 0, 1], [4, 3, 2]
    row = group_tests(_long("role", {f"g{i}": (k, n) for i, (k, n) in enumerate(zip(x, sizes))}), "role",
                      max_tables=1, draws=20_000).iloc[0]
    assert row["test"].startswith("chi-square, Monte Carlo")
    # 20,000 draws: the standard error at p = .024 is about .0011
    assert row["p_value"] == pytest.approx(_brute_force_p(x, sizes), abs=0.005)


def test_q_values_are_benjamini_hochberg_and_edge_cases_are_named() -> None:
    table = pd.concat([
        _long("role", {"CEO": (4, 5), "Mentor": (0, 4)}, code="A"),   # p = 6/126
        _long("role", {"CEO": (3, 5), "Mentor": (2, 4)}, code="B"),   # p = 1: the observed table is the likeliest
        _long("role", {"CEO": (5, 5), "Mentor": (4, 4)}, code="C"),   # everybody: cannot differ
        _long("role", {"CEO": (1, 5), "Mentor": (0, 0)}, code="D"),   # one group with cases only
    ])
    out = group_tests(table, "role").set_index("code")
    assert out.loc["C", "test"] == "no variation" and out.loc["C", "p_value"] == 1.0
    assert out.loc["D", "test"] == "one group only" and np.isnan(out.loc["D", "p_value"])
    assert out.loc["B", "p_value"] == pytest.approx(1.0)
    # BH over the two codes tested (6/126, 1): C could not differ and is not a test
    assert out.loc["A", "q_value"] == pytest.approx(min(6 / 126 * 2 / 1, 1.0))
    assert out.loc["B", "q_value"] == pytest.approx(1.0)
    assert np.isnan(out.loc["C", "q_value"]) and np.isnan(out.loc["D", "q_value"])


def test_q_values_adjust_only_over_the_codes_tested_as_statsmodels_does() -> None:
    """Twelve codes, four of which every case (or no case) raised: Benjamini-Hochberg over
    the eight real tests, as statsmodels' multipletests computes it; the untested four
    have no q-value. Counting them as p = 1 tests (the old way) gives larger q-values."""
    from statsmodels.stats.multitest import multipletests

    splits = {"A": (5, 0), "B": (4, 0), "C": (5, 1), "D": (3, 0), "E": (4, 1), "F": (3, 2), "G": (2, 2),
              "H": (5, 2), "all": (5, 4), "none": (0, 0), "all2": (5, 4), "none2": (0, 0)}
    table = pd.concat([_long("role", {"CEO": (c, 5), "Mentor": (m, 4)}, code=code)
                       for code, (c, m) in splits.items()])
    out = group_tests(table, "role").set_index("code")
    tested = out[out["test"] == "Fisher's exact"]
    assert len(tested) == 8
    expected = multipletests(tested["p_value"].to_numpy(), method="fdr_bh")[1]
    assert tested["q_value"].to_numpy() == pytest.approx(expected)
    assert out.loc[["all", "none", "all2", "none2"], "q_value"].isna().all()
    assert out.loc[["all", "none"], "test"].eq("no variation").all()
    over_twelve = multipletests(out["p_value"].to_numpy(), method="fdr_bh")[1]
    assert (over_twelve[out["test"].eq("Fisher's exact").to_numpy()] > expected + 1e-12).any()


def test_wave_q_values_leave_out_codes_where_nobody_changed() -> None:
    from statsmodels.stats.multitest import multipletests

    change = pd.DataFrame({"code": list("ABCDE"), "only_first": [4, 5, 0, 1, 0], "only_second": [0, 1, 0, 3, 0],
                           "base_first": [12] * 5, "base_second": [12] * 5})
    out = paired_wave_tests(change).set_index("code")
    tested = out[out["test"] == "exact McNemar"]
    assert list(tested.index) == ["A", "B", "D"]
    assert tested["q_value"].to_numpy() == pytest.approx(multipletests(tested["p_value"], method="fdr_bh")[1])
    assert out.loc[["C", "E"], "q_value"].isna().all()


def test_mcnemar_uses_only_the_cases_that_changed() -> None:
    change = pd.DataFrame({"code": ["A", "B", "C"], "only_first": [3, 5, 0], "only_second": [0, 1, 0],
                           "base_first": [12, 12, 12], "base_second": [12, 12, 12]})
    out = paired_wave_tests(change).set_index("code")
    assert out.loc["A", "p_value"] == pytest.approx(2 * 0.5 ** 3)          # 3 of 3 the same way
    assert out.loc["B", "p_value"] == pytest.approx(2 * (1 + 6) / 2 ** 6)  # 5 or more of 6, two-sided
    assert out.loc["C", "test"] == "no change" and out.loc["C", "p_value"] == 1.0
    with pytest.raises(UsageError, match="same cases in both waves"):
        paired_wave_tests(change.assign(base_second=11))


PEOPLE = [(f"CEO-0{i}", "CEO") for i in range(1, 6)] + [(f"Mentor-0{i}", "Mentor") for i in range(1, 5)]


def _nine_interviews(project: Project, study_files: Path, folder: Path, second_wave: list[str],
                     confident: tuple[str, ...] = ("CEO-01", "CEO-02", "CEO-03", "CEO-04")) -> Project:
    """Five CEOs and four mentors; four CEOs and no mentor speak of confidence in wave 1,
    everyone of the board. ``second_wave`` people also have a wave-2 interview about the
    board only."""
    folder.mkdir()
    for name, _ in PEOPLE:
        (folder / f"{name} wave 1.txt").write_text(
            f"Interviewer: How did it go?\n\n{name}: I feel more confident now. The board is fine.\n", encoding="utf-8")
    for name in second_wave:
        (folder / f"{name} wave 2.txt").write_text(
            f"Interviewer: And now?\n\n{name}: The board is fine.\n", encoding="utf-8")
    project.ingest(folder, progress=False)
    people_csv = folder.parent / "people.csv"
    people_csv.write_text("participant,role\n" + "\n".join(f"{n},{r}" for n, r in PEOPLE) + "\n", encoding="utf-8")
    project.import_descriptors(people_csv, key="participant")
    project.import_codebook(study_files / "codebook.yaml")
    # every interview has an excerpt (the base of "% of cases" is the cases with excerpts)
    for source in [f"{name} wave 1" for name, _ in PEOPLE] + [f"{name} wave 2" for name in second_wave]:
        project.code(source, "Issues/Governance", quote="The board is fine.", coder="anna")
    for name in confident:
        project.code(f"{name} wave 1", "Impact/Confidence", quote="I feel more confident now.", coder="anna")
    return project


@pytest.fixture
def nine_interviews(project: Project, study_files: Path, tmp_path: Path) -> Project:
    return _nine_interviews(project, study_files, tmp_path / "nine", ["CEO-01", "CEO-02"])


def test_project_group_tests_and_cli(nine_interviews: Project, tmp_path: Path) -> None:
    row = nine_interviews.group_tests("role").set_index("code").loc["Impact/Confidence"]
    assert (row["cases"], row["base"], row["test"]) == (4, 9, "Fisher's exact")
    assert row["p_value"] == pytest.approx(6 / comb(9, 4))
    result = CliRunner().invoke(cli, ["-p", nine_interviews.target, "stats", "crosstab", "--by", "role",
                                      "--test", "--format", "csv"])
    assert result.exit_code == 0, result.output
    csv = pd.read_csv(io.StringIO(result.output)).set_index("code")
    assert csv.loc["Impact/Confidence", "p_value"] == pytest.approx(6 / 126)
    two = CliRunner().invoke(cli, ["-p", nine_interviews.target, "stats", "crosstab", "--by", "role",
                                   "--by", "wave", "--test"])
    assert two.exit_code == 2 and "one --by" in two.output


def test_waves_are_refused_as_groups_and_tested_as_pairs(nine_interviews: Project) -> None:
    with pytest.raises(UsageError, match="CEO-0[12]' has material in more than one wave group"):
        nine_interviews.group_tests("wave")
    # CEO-01 and CEO-02 are in both waves: both raised confidence in wave 1 only
    row = nine_interviews.wave_tests("1", "2").set_index("code").loc["Impact/Confidence"]
    assert (row["base_first"], row["only_first"], row["only_second"]) == (2, 2, 0)
    assert row["p_value"] == pytest.approx(2 * 0.5 ** 2)


def test_report_tests_each_group_gap_and_says_when_pairs_are_too_few(nine_interviews: Project,
                                                                      tmp_path: Path) -> None:
    written = nine_interviews.report(tmp_path / "report")
    tables = {p.name: p for p in written.csv}
    role = pd.read_csv(next(p for name, p in tables.items() if "role-groups-differ" in name), encoding="utf-8-sig")
    row = role.set_index("code").loc["Impact/Confidence"]
    assert row["p_value"] == pytest.approx(6 / 126)
    assert (row["highest"], row["highest_pct"], row["lowest"], row["lowest_pct"]) == ("CEO", 80.0, "Mentor", 0.0)
    markdown = written.markdown.read_text(encoding="utf-8")
    assert "2 participants have material in both waves: too few to test" in markdown


def test_report_tests_change_within_people_in_both_waves(project: Project, study_files: Path,
                                                         tmp_path: Path) -> None:
    """The four confident CEOs and two mentors come back in wave 2, where nobody speaks of
    confidence. By hand: 4 changed one way, 0 the other: p = 2 / 2**4."""
    names = ["CEO-01", "CEO-02", "CEO-03", "CEO-04", "Mentor-01", "Mentor-02"]
    _nine_interviews(project, study_files, tmp_path / "nine", names)
    written = project.report(tmp_path / "report")
    table = next(p for p in written.csv if "change-within-the-6-participants" in p.name)
    row = pd.read_csv(table, encoding="utf-8-sig").set_index("code").loc["Impact/Confidence"]
    assert (row["both"], row["only_first"], row["only_second"]) == (0, 4, 0)
    assert row["p_value"] == pytest.approx(2 / 2 ** 4)


def test_questionnaire_answer_tests_through_cli_and_report(project: Project, tmp_path: Path) -> None:
    """obj1: CEO 7 7 2, Mentor 8 8 (one blank). By hand (ranks 1 2.5 2.5 4.5 4.5, rank sums 6
    and 9): H = 12/30 * (36/3 + 81/2) - 18 = 3, tie-corrected 3 / 0.9."""
    from scipy.stats import chi2

    survey = tmp_path / "survey.csv"
    survey.write_text("respondent,role,obj1\nR1,CEO,7\nR2,CEO,7\nR3,CEO,2\nR4,Mentor,8\nR5,Mentor,8\nR6,Mentor,\n",
                      encoding="utf-8")
    project.ingest(survey, kind="questionnaire", key_column="respondent", progress=False)
    runner = CliRunner()
    result = runner.invoke(cli, ["-p", project.target, "stats", "questionnaire", "ratings", "--by", "role", "--test",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    row = pd.read_csv(io.StringIO(result.output)).set_index("column").loc["obj1"]
    assert (row["n"], row["highest"], row["lowest"]) == (5, "Mentor", "CEO")
    assert row["p_value"] == pytest.approx(chi2.sf(3 / 0.9, 1), abs=1e-9)
    wrong = runner.invoke(cli, ["-p", project.target, "stats", "questionnaire", "closed", "--test"])
    assert wrong.exit_code == 2 and "'likert' or 'ratings' with --by" in wrong.output
    written = project.report(tmp_path / "report")
    table = next(p for p in written.csv if "answers-differ-by-role" in p.name)
    reported = pd.read_csv(table, encoding="utf-8-sig").iloc[0]
    assert reported["p_value"] == pytest.approx(chi2.sf(3 / 0.9, 1))


def test_large_groups_use_the_chi_square_distribution() -> None:
    """Past max_tables with every expected count >= 5: the textbook Pearson test, as
    scipy's chi2_contingency computes it from the 2 x r table."""
    from scipy.stats import chi2_contingency

    groups = {"a": (30, 100), "b": (45, 100), "c": (20, 80)}
    row = group_tests(_long("role", groups), "role", max_tables=1).iloc[0]
    table = [[k, n - k] for k, n in groups.values()]
    assert row["test"] == "chi-square"
    assert row["p_value"] == pytest.approx(chi2_contingency(table, correction=False).pvalue)


def test_report_heat_map_marks_the_gaps_that_hold_up(project: Project, study_files: Path, tmp_path: Path) -> None:
    """All five CEOs and no mentor speak of confidence: Fisher p = 1 / C(9,5) = .008 (every
    other split of the five is likelier). Of the six codes only Impact and
    Impact/Confidence vary between the nine people (the other four were raised by all or
    none, nothing to test), so BH adjusts over those two: q = .008 * 2 / 2 = .008, below
    .05, and both rows carry the mark."""
    ceos = tuple(f"CEO-0{i}" for i in range(1, 6))
    _nine_interviews(project, study_files, tmp_path / "nine", [], confident=ceos)
    written = project.report(tmp_path / "report")
    svg = next(p for p in written.figures if p.stem == "codes-by-role").with_suffix(".svg").read_text(encoding="utf-8")
    assert "Confidence*" in svg and "groups differ, q &lt; .05" in svg
    assert "Governance*" not in svg and "Leadership*" not in svg
    table = next(p for p in written.csv if "role-groups-differ" in p.name)
    q = pd.read_csv(table, encoding="utf-8-sig").set_index("code")["q_value"]
    assert q["Impact/Confidence"] == pytest.approx(1 / comb(9, 5) * 2 / 2)


def test_the_table_count_is_checked_against_the_limit_given() -> None:
    """Seven groups of 14 with 40 cases raising the code: 15^6 = 11.4 million tables, over a
    limit of one million, so no exact listing (it would need gigabytes)."""
    groups = {f"g{i}": (k, 14) for i, k in enumerate([10, 8, 6, 6, 4, 4, 2])}
    row = group_tests(_long("role", groups), "role", max_tables=1_000_000).iloc[0]
    assert row["test"] != "exact chi-square"


def test_report_runs_no_group_test_when_people_sit_in_two_groups(project: Project, study_files: Path,
                                                                 tmp_path: Path) -> None:
    """A descriptor called "wave" is overridden by the sources' own wave, and CEO-01 has
    material in both: the report says why it gives no test instead of a wrong one."""
    from qualcode.reporting.study import ReportOptions

    _nine_interviews(project, study_files, tmp_path / "nine", ["CEO-01"])
    (tmp_path / "waves.csv").write_text("participant,wave\n" + "\n".join(f"{n},1" for n, _ in PEOPLE) + "\n",
                                        encoding="utf-8")
    project.import_descriptors(tmp_path / "waves.csv", key="participant")
    written = project.report(tmp_path / "report", ReportOptions(by=["wave"]))
    assert not any("wave-groups-differ" in p.name for p in written.csv)
    assert "more than one wave group, so the groups are not independent" in \
        written.markdown.read_text(encoding="utf-8")
