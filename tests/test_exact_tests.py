"""The report's tests without scipy.stats (issue 20, scale): every value must be the one
scipy.stats itself gives, to the last bit, since a report's tables print them in full."""
from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from qualcode.analysis.exact_tests import (benjamini_hochberg_q, binomial_test_p, chi2_sf, fisher_exact_p, kruskal,
                                           rankdata, t_quantile)


def test_fisher_matches_scipy_on_every_small_table_and_some_large_ones():
    tables = [[[a, b], [c, d]] for a, b, c, d in itertools.product(range(7), repeat=4)]
    rng = np.random.default_rng(3)
    tables += rng.integers(0, 400, size=(300, 2, 2)).tolist()
    tables += [[[12, 0], [0, 5]], [[0, 12], [5, 0]], [[1000, 3], [2, 990]], [[7, 7], [7, 7]]]
    for table in tables:
        assert fisher_exact_p(table) == stats.fisher_exact(table).pvalue, table


def test_binomial_test_matches_scipy():
    cases = [(k, n, 0.5) for n in range(1, 61) for k in range(n + 1)]
    cases += [(k, n, p) for p in (0.1, 0.3, 0.77) for n in (1, 2, 9, 40, 333) for k in range(0, n + 1, max(1, n // 17))]
    for k, n, p in cases:
        assert binomial_test_p(k, n, p) == stats.binomtest(k, n, p).pvalue, (k, n, p)
    assert binomial_test_p(0, 10) == pytest.approx(2 / 2**10)  # by hand: both tails of the extremes


def test_chi_square_tail_and_t_quantile_match_scipy():
    rng = np.random.default_rng(5)
    x, df = rng.exponential(8, 500), rng.integers(1, 40, 500)
    np.testing.assert_array_equal(chi2_sf(x, df), stats.chi2.sf(x, df))
    assert chi2_sf(0.0, 3) == stats.chi2.sf(0.0, 3) == 1.0
    for dof in [*range(1, 120), 0.5, 2.5, 1e6]:
        assert t_quantile(0.975, dof) == stats.t.ppf(0.975, dof)
    assert t_quantile(0.975, 1e9) == pytest.approx(1.959963984540054)  # the normal's quantile


def test_benjamini_hochberg_matches_scipy_with_ties_and_ones():
    rng = np.random.default_rng(7)
    for size in [2, 3, 10, 57, 400]:
        ps = rng.uniform(0, 1, size) ** 3
        ps[: size // 4] = ps[size // 3]  # ties
        ps[-1] = 1.0
        np.testing.assert_array_equal(benjamini_hochberg_q(ps), stats.false_discovery_control(ps, method="bh"))
    assert benjamini_hochberg_q([0.2]).tolist() == [0.2]
    with pytest.raises(ValueError, match="between 0 and 1"):
        benjamini_hochberg_q([0.1, 1.5])
    # by hand: p = .01, .04, .03 over m = 3 -> .03, .04, .04
    np.testing.assert_allclose(benjamini_hochberg_q([0.01, 0.04, 0.03]), [0.03, 0.04, 0.04])


def test_ranks_and_kruskal_wallis_match_scipy_on_tied_ratings():
    rng = np.random.default_rng(11)
    for groups in range(2, 6):
        for _ in range(40):
            samples = [rng.integers(1, 6, rng.integers(1, 15)).astype(float) for _ in range(groups)]
            pooled = np.concatenate(samples)
            np.testing.assert_array_equal(rankdata(pooled), stats.rankdata(pooled))
            if len(np.unique(pooled)) < 2:
                continue
            h, p = kruskal(*samples)
            expected = stats.kruskal(*samples)
            assert (h, p) == (expected.statistic, expected.pvalue)
    np.testing.assert_array_equal(rankdata([3, 1, 3, 2]), [3.5, 1.0, 3.5, 2.0])  # by hand


def test_a_report_analysis_does_not_import_scipy_stats():
    """What this module is for: the group, wave and questionnaire tests run without the
    second scipy.stats costs to import."""
    code = ("import sys, pandas as pd; from qualcode.analysis import group_tests; "
            "from qualcode.analysis.group_tests import paired_wave_tests; "
            "t = pd.DataFrame({'code': ['a', 'a', 'b', 'b'], 'role': ['x', 'y', 'x', 'y'], 'cases': [3, 0, 1, 1], "
            "'group_cases': [4, 5, 4, 5]}); group_tests(t, 'role'); "
            "paired_wave_tests(pd.DataFrame({'code': ['a'], 'only_first': [5], 'only_second': [0], "
            "'base_first': [9], 'base_second': [9]})); print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
