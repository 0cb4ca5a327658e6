"""The lifecycle state's fast paths give the slow paths' bits: the ring kernel (NumPy's window
features) and the month-0 platform sets (ranks and bit masks)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskkit.lifecycle import state as S
from riskkit.lifecycle.rings import ring_features


def _rings(rng: np.random.Generator, n: int, months: int) -> tuple[np.ndarray, ...]:
    income = (rng.lognormal(8.5, 1.2, (n, months)) * (rng.random((n, 1)) < 0.9)).astype(
        np.float32)
    income[rng.random((n, months)) < 0.05] = 0.0  # months without income
    return (income,
            rng.integers(0, 30, (n, 3), dtype=np.int16),
            rng.integers(0, 2**32, (n, 6), dtype=np.uint32),
            rng.integers(0, 5, (n, 12), dtype=np.int16),
            rng.integers(0, 3, (n, 24), dtype=np.int8),
            rng.integers(0, 200, (n, 24), dtype=np.int16))


def _numpy(inc, app, plat, loan, od, dpd):
    return (inc.mean(axis=1, dtype=np.float64), inc.std(axis=1, dtype=np.float64),
            app.sum(axis=1, dtype=np.int16),
            np.bitwise_count(np.bitwise_or.reduce(plat, axis=1)).astype(np.int16),
            loan.sum(axis=1, dtype=np.int16), od.sum(axis=1, dtype=np.int16), dpd.max(axis=1))


def _assert_same(got, want) -> None:
    fields = ("income_mean", "income_std", "applications_90d", "active_platforms", "loans_12m",
              "overdue_events_24m", "worst_dpd_24m")
    for name, expected in zip(fields, want, strict=True):
        actual = getattr(got, name)
        assert actual.dtype == expected.dtype, name
        np.testing.assert_array_equal(actual, expected, err_msg=name, strict=True)


def test_lifecycle_rings_equal_numpy_on_a_population() -> None:
    rings = _rings(np.random.default_rng(3), 50_000, 12)
    _assert_same(ring_features(*rings), _numpy(*rings))


@settings(max_examples=60, deadline=None)
@given(months=st.integers(1, 128), seed=st.integers(0, 2**32 - 1),
       scale=st.sampled_from([1e-3, 1.0, 1e4, 1e7]))
def test_income_mean_and_std_follow_numpy_summation_order(months: int, seed: int,
                                                          scale: float) -> None:
    """Every window length NumPy sums in one block (below 8: one running sum; 8-128: eight),
    at magnitudes where a different order would show in the last bits."""
    rng = np.random.default_rng(seed)
    rings = list(_rings(rng, 300, months))
    rings[0] = (rings[0] * np.float32(scale)).astype(np.float32)
    _assert_same(ring_features(*rings), _numpy(*rings))


def test_more_than_numpys_block_is_refused() -> None:
    rings = list(_rings(np.random.default_rng(0), 4, 12))
    rings[0] = np.ones((4, 129), dtype=np.float32)
    with pytest.raises(ValueError, match="at most 128 months"):
        ring_features(*rings)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), decimals=st.sampled_from([None, 1, 2]))
def test_initial_platforms_are_the_lowest_ranked_draws(seed: int, decimals: int | None) -> None:
    """The month-0 platform sets: one sort and a threshold pick what ranking every draw with
    two argsorts picks, ties included (rounded draws force them)."""
    rng = np.random.default_rng(seed)
    draws = rng.random((400, 31))
    if decimals is not None:
        draws = np.round(draws, decimals)
    count = rng.integers(0, 33, 400)
    expected = draws.argsort(axis=1).argsort(axis=1) < count[:, None]
    np.testing.assert_array_equal(S._first_by_rank(draws, count), expected)


def test_platform_bits_are_the_sum_of_powers_of_two() -> None:
    used = np.random.default_rng(5).random((1000, 31)) < 0.3
    weights = np.left_shift(np.uint64(1), np.arange(1, 32, dtype=np.uint64))
    np.testing.assert_array_equal(S._platform_bits(used),
                                  (used * weights).sum(axis=1).astype(np.uint32), strict=True)
