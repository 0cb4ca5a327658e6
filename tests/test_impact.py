"""The adverse impact ratio's bootstrap interval, against an independent implementation of
its source (scipy.stats.bootstrap implements Efron & Tibshirani's percentile and BCa
intervals for several independent samples, which is a bootstrap stratified by group)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskkit.evaluate import impact as I

APPROVED = np.array([40, 55, 70])
SIZES = np.array([100, 90, 110])


def rows(approved: np.ndarray, sizes: np.ndarray) -> list[np.ndarray]:
    """Each group as the 0/1 approvals of its applicants."""
    return [np.r_[np.ones(k), np.zeros(n - k)] for k, n in zip(approved, sizes, strict=True)]


def air(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
    rates = np.stack([s.mean(axis=axis) for s in samples], axis=-1)
    return rates.min(axis=-1) / rates.max(axis=-1)


@pytest.mark.parametrize("method, scipy_method", [("bca", "BCa"), ("percentile", "percentile")])
def test_the_interval_is_scipys_for_the_same_stratified_bootstrap(method: str,
                                                                  scipy_method: str) -> None:
    """Same data, same method, independent code and draws: the bounds agree to Monte Carlo
    error (0.01 with 40,000 replicates each; the ratio moves in steps of about 0.01)."""
    ref = stats.bootstrap(rows(APPROVED, SIZES), air, n_resamples=40_000, method=scipy_method,
                          random_state=1, vectorized=True).confidence_interval
    ours = I.impact_ratio(APPROVED, SIZES, ["a", "b", "c"], replicates=40_000, method=method,
                          rng=np.random.default_rng(2))
    assert ours.ratio == pytest.approx((40 / 100) / (70 / 110))
    assert ours.low == pytest.approx(ref.low, abs=0.01)
    assert ours.high == pytest.approx(ref.high, abs=0.01)
    assert ours.method == method


def test_the_acceleration_is_the_jackknife_of_each_group() -> None:
    """The closed form (two leave-one-out values per group) equals the brute-force jackknife
    of every applicant, with the influence values of each stratum (Efron & Tibshirani 1993,
    eq. 14.15; scipy's formula for several samples)."""
    samples = rows(np.array([12, 25, 30]), np.array([31, 40, 45]))
    num = den = 0.0
    for j, sample in enumerate(samples):
        values = np.array([air(*[np.delete(s, i) if k == j else s
                                 for k, s in enumerate(samples)]) for i in range(len(sample))])
        n = len(sample)
        u = (n - 1) * (values.mean() - values)
        num += (u ** 3).sum() / n ** 3
        den += (u ** 2).sum() / n ** 2
    brute = num / (6 * den ** 1.5)
    closed = I.acceleration(*I.jackknife_ratios(np.array([12, 25, 30]), np.array([31, 40, 45])))
    assert closed == pytest.approx(brute, rel=1e-10)


def test_binomial_replicates_are_row_resampling() -> None:
    """A group's approvals in a redrawn sample: binomial draws and redrawing rows give the
    same mean and spread (the shortcut is exact in distribution)."""
    rng = np.random.default_rng(0)
    drawn = I.stratified_counts(np.array([30]), np.array([80]), 20_000, rng)[:, 0]
    sample = rows(np.array([30]), np.array([80]))[0]
    redrawn = rng.choice(sample, size=(20_000, 80), replace=True).sum(axis=1)
    assert drawn.mean() == pytest.approx(redrawn.mean(), abs=0.1)
    assert drawn.std() == pytest.approx(redrawn.std(), rel=0.03)


def test_degenerate_and_invalid_inputs() -> None:
    rng = np.random.default_rng(0)
    equal = I.impact_ratio(np.array([50, 60]), np.array([50, 60]), ["a", "b"], rng=rng)
    # every replicate is 1: the mid-rank bias correction is 0 and the interval a point
    assert (equal.ratio, equal.low, equal.high, equal.status) == (1.0, 1.0, 1.0, "not flagged")
    with pytest.raises(ValueError, match="between 0 and the group sizes"):
        I.impact_ratio(np.array([5, 70]), np.array([50, 60]), ["a", "b"], rng=rng)
    with pytest.raises(ValueError, match="not one of"):
        I.impact_ratio(np.array([5, 7]), np.array([50, 60]), ["a", "b"], rng=rng,
                       method="normal")  # type: ignore[arg-type]
