"""riskkit.validate.calibration: per-grade tests, Hosmer-Lemeshow, Spiegelhalter, Brier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from riskkit.core.errors import DataError
from riskkit.validate import (
    binomial_test,
    brier_test,
    hosmer_lemeshow_test,
    jeffreys_test,
    normal_test,
    spiegelhalter_test,
)
from riskkit.validate.calibration import binomial_p, jeffreys_interval, jeffreys_p, normal_p

#: Two grades of four applicants, two defaults each, PDs 0.2 and 0.6: small enough to
#: compute every statistic by hand from its defining formula.
Y = np.array([0, 0, 1, 1, 0, 0, 1, 1])
PD = np.array([0.2] * 4 + [0.6] * 4)
GRADES = np.array([1] * 4 + [2] * 4)


def test_binomial_p_is_scipys_documented_example() -> None:
    """scipy.stats.binomtest's docstring: binomtest(3, n=15, p=0.1, alternative='greater')
    has p-value 0.18406106910639114."""
    assert float(binomial_p(3, 15, 0.1)) == pytest.approx(0.18406106910639114, rel=1e-12)
    for d, n, p in [(0, 10, 0.1), (7, 40, 0.05), (40, 40, 0.9)]:
        want = stats.binomtest(d, n, p, alternative="greater").pvalue
        assert float(binomial_p(d, n, p)) == pytest.approx(want, rel=1e-10)


def test_jeffreys_p_is_the_posterior_mass_below_the_pd() -> None:
    """ECB instructions (2019): p = Beta(D + 1/2, N - D + 1/2) CDF at the PD; with half the
    applicants defaulting and a PD of one half the posterior is symmetric: p = 0.5."""
    assert float(jeffreys_p(2, 4, 0.5)) == pytest.approx(0.5, abs=1e-12)
    assert float(jeffreys_p(7, 200, 0.02)) == pytest.approx(stats.beta.cdf(0.02, 7.5, 193.5))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.data())
def test_jeffreys_interval_contains_the_binomial_mle(n: int, data: st.DataObject) -> None:
    d = data.draw(st.integers(0, n))
    low, high = jeffreys_interval(d, n)
    assert low <= d / n <= high
    sm_low, sm_high = proportion_confint(d, n, alpha=0.05, method="jeffreys")
    if 0 < d < n:  # Brown, Cai & DasGupta's rule changes only the boundary cases
        assert (low, high) == pytest.approx((sm_low, sm_high))


def test_statsmodels_jeffreys_interval_alone_excludes_a_zero_default_rate() -> None:
    """Why riskkit wraps it: Beta(1/2, n + 1/2)'s 2.5 % quantile is above 0."""
    assert proportion_confint(0, 1, alpha=0.05, method="jeffreys")[0] > 0
    assert jeffreys_interval(0, 1)[0] == 0.0 and jeffreys_interval(5, 5)[1] == 1.0


def test_normal_p_is_the_z_test() -> None:
    z = (12 - 400 * 0.02) / np.sqrt(400 * 0.02 * 0.98)
    assert float(normal_p(12, 400, 0.02)) == pytest.approx(stats.norm.sf(z))


def test_per_grade_result_lists_each_grade_and_holm_is_statsmodels() -> None:
    rng = np.random.default_rng(1)
    pd_ = rng.uniform(0.01, 0.2, 6000)
    grades = np.digitize(pd_, [0.05, 0.1, 0.15]) + 1
    y = (rng.random(pd_.size) < np.where(grades == 2, 2 * pd_, pd_)).astype(int)  # grade 2 bad
    result = binomial_test(y, pd_, grades, n_grades=5)
    rows = result.details["grades"]
    assert [r["grade"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[4]["n"] == 0 and rows[4]["light"] == "n/a"  # an empty grade stays listed
    raw = [r["p_value"] for r in rows[:4]]
    np.testing.assert_allclose([r["p_holm"] for r in rows[:4]],
                               multipletests(raw, method="holm")[1])
    assert rows[1]["light"] == "red" and result.light == "red"
    assert result.statistic >= 1 and result.details["rejected_holm"] >= 1
    assert result.p_value == pytest.approx(min(r["p_holm"] for r in rows[:4]))
    for r in rows[:4]:
        assert r["dr_ci"][0] <= r["dr"] <= r["dr_ci"][1]
    for fn in (jeffreys_test, normal_test):
        assert fn(y, pd_, grades, n_grades=5).details["grades"][1]["light"] == "red"


def test_overstated_pds_are_never_flagged() -> None:
    """One-sided, as regulators use them: a conservative PD is not a finding."""
    rng = np.random.default_rng(3)
    pd_ = np.full(20_000, 0.05)
    y = (rng.random(pd_.size) < 0.02).astype(int)
    for fn in (binomial_test, jeffreys_test, normal_test):
        assert fn(y, pd_).p_value > 0.99
    assert spiegelhalter_test(y, pd_).p_value < 0.001  # two-sided: it sees it


def test_hosmer_lemeshow_by_hand() -> None:
    """T = (2 - 0.8)^2 / 0.64 + (2 - 2.4)^2 / 0.96 = 2.25 + 1/6 on 2 degrees of freedom,
    whose chi-square tail is exp(-T / 2)."""
    result = hosmer_lemeshow_test(Y, PD, GRADES, n_grades=2)
    assert result.statistic == pytest.approx(2.25 + 1 / 6)
    assert result.details["df"] == 2
    assert result.p_value == pytest.approx(np.exp(-(2.25 + 1 / 6) / 2))
    deciles = hosmer_lemeshow_test(Y, PD)  # no grades: PD bins
    assert deciles.statistic == pytest.approx(result.statistic)


def test_spiegelhalter_by_hand() -> None:
    """sum (y - p)(1 - 2p) = 0.72 + 0.08 and sum (1 - 2p)^2 p (1 - p) = 0.2304 + 0.0384."""
    result = spiegelhalter_test(Y, PD)
    assert result.statistic == pytest.approx(0.8 / np.sqrt(0.2688))
    assert result.p_value == pytest.approx(2 * stats.norm.sf(0.8 / np.sqrt(0.2688)))


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 300), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_brier_decomposition_adds_up(n: int, k: int, seed: int) -> None:
    """Murphy (1973) with Stephenson et al.'s (2008) within-grade terms: exact identity."""
    rng = np.random.default_rng(seed)
    pd_ = rng.random(n)
    y = (rng.random(n) < pd_).astype(int)
    grades = rng.integers(1, k + 1, n)
    r = brier_test(y, pd_, grades, n_grades=k)
    d = r.details
    total = d["reliability"] - d["resolution"] + d["uncertainty"] + d["within_variance"] \
        - d["within_covariance"]
    assert total == pytest.approx(r.statistic, abs=1e-12)
    assert r.statistic == pytest.approx(np.mean((pd_ - y) ** 2))


def test_brier_murphy_by_hand_with_one_pd_per_grade() -> None:
    """Grade 1: PD 0.2, DR 0.5; grade 2: PD 0.6, DR 0.5; overall DR 0.5:
    REL = (0.3^2 + 0.1^2) / 2 = 0.05, RES = 0, UNC = 0.25, Brier = 0.30."""
    r = brier_test(Y, PD, GRADES, n_grades=2)
    assert r.details["reliability"] == pytest.approx(0.05)
    assert r.details["resolution"] == pytest.approx(0.0)
    assert r.details["uncertainty"] == pytest.approx(0.25)
    assert r.details["within_variance"] == pytest.approx(0.0)
    assert r.statistic == pytest.approx(0.30)


def test_bad_grades_are_a_data_error() -> None:
    with pytest.raises(DataError, match="grade"):
        binomial_test(Y, PD, GRADES - 1)
    with pytest.raises(DataError, match="above the scale"):
        binomial_test(Y, PD, GRADES, n_grades=1)
    with pytest.raises(DataError, match="probability"):
        jeffreys_test(Y, PD * 3)
