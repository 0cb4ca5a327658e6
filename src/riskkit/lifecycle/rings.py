"""The window features of every borrower from the ring buffers, in one pass (numba).

Why a kernel: recomputing the windows with NumPy takes seven reductions over the rings a
month, each a pass over memory with temporaries (the income's standard deviation alone
allocates three (borrowers, 12) float64 arrays); one pass per borrower costs a tenth of it.
The results are NumPy's to the bit: integer sums and maxima do not depend on the order,
and the income's mean and standard deviation repeat NumPy's own summation order
(:func:`_numpy_sum`, its pairwise sum for fewer than 128 numbers), which
``tests/test_lifecycle_rings.py`` checks against ``ndarray.mean``/``std``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

#: NumPy sums blocks of up to this many numbers with eight running sums (``PW_BLOCKSIZE``).
_NUMPY_BLOCK = 128


@dataclass(frozen=True)
class RingFeatures:
    """The window features the rings give, one value per borrower."""

    income_mean: np.ndarray  # float64: mean of the last 12 monthly incomes
    income_std: np.ndarray  # float64: their population standard deviation
    applications_90d: np.ndarray  # int16
    active_platforms: np.ndarray  # int16: distinct platforms borrowed from in 6 months
    loans_12m: np.ndarray  # int16
    overdue_events_24m: np.ndarray  # int16: new overdue events in 24 months
    worst_dpd_24m: np.ndarray  # int16: the worst month's days past due


def ring_features(inc_ring: np.ndarray, app_ring: np.ndarray, plat_ring: np.ndarray,
                  loan_ring: np.ndarray, od_ring: np.ndarray,
                  dpd_ring: np.ndarray) -> RingFeatures:
    """Every window feature from the rings (see :mod:`riskkit.lifecycle.state`).

    Parameters
    ----------
    inc_ring, app_ring, plat_ring, loan_ring, od_ring, dpd_ring
        The rings, one row per borrower: float32 incomes (at most 128 months), int16
        applications, uint32 platform bit masks, int16 loans, int8 overdue events and
        int16 worst delays.

    Returns
    -------
    RingFeatures
        Bit for bit what ``inc_ring.mean(axis=1, dtype=np.float64)``,
        ``inc_ring.std(axis=1, dtype=np.float64)``, ``app_ring.sum(axis=1, dtype=np.int16)``,
        ``np.bitwise_count(np.bitwise_or.reduce(plat_ring, axis=1))``, the int16 sums of
        ``loan_ring`` and ``od_ring`` and ``dpd_ring.max(axis=1)`` give.
    """
    if inc_ring.shape[1] > _NUMPY_BLOCK:
        raise ValueError(f"at most {_NUMPY_BLOCK} months of income, got {inc_ring.shape[1]}")
    n = inc_ring.shape[0]
    mean, std = np.empty(n), np.empty(n)
    ints = np.empty((5, n), dtype=np.int16)
    _ring_kernel(np.ascontiguousarray(inc_ring, dtype=np.float32),
                 np.ascontiguousarray(app_ring, dtype=np.int16),
                 np.ascontiguousarray(plat_ring, dtype=np.uint32),
                 np.ascontiguousarray(loan_ring, dtype=np.int16),
                 np.ascontiguousarray(od_ring, dtype=np.int8),
                 np.ascontiguousarray(dpd_ring, dtype=np.int16), mean, std, ints)
    return RingFeatures(mean, std, *ints)


@njit(cache=True, nogil=True, inline="always")
def _numpy_sum(a: np.ndarray, n: int) -> float:
    """``a[:n].sum()`` in NumPy's order for ``n <= 128``: one running sum below 8 numbers,
    else eight interleaved running sums combined pairwise, then the remainder in turn."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
    r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
    i = 8
    while i < n - (n % 8):
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def _popcount(x: np.uint32) -> int:
    count = 0
    while x:
        x &= x - np.uint32(1)
        count += 1
    return count


@njit(cache=True, nogil=True)
def _ring_kernel(inc: np.ndarray, app: np.ndarray, plat: np.ndarray, loan: np.ndarray,
                 od: np.ndarray, dpd: np.ndarray, mean: np.ndarray, std: np.ndarray,
                 ints: np.ndarray) -> None:
    n, k = inc.shape
    values = np.empty(k)
    squares = np.empty(k)
    for r in range(n):
        for j in range(k):
            values[j] = np.float64(inc[r, j])
        m = _numpy_sum(values, k) / k
        for j in range(k):
            d = values[j] - m
            squares[j] = d * d
        mean[r] = m
        std[r] = np.sqrt(_numpy_sum(squares, k) / k)
        total = 0
        for j in range(app.shape[1]):
            total += app[r, j]
        ints[0, r] = total
        mask = np.uint32(0)
        for j in range(plat.shape[1]):
            mask |= plat[r, j]
        ints[1, r] = _popcount(mask)
        total = 0
        for j in range(loan.shape[1]):
            total += loan[r, j]
        ints[2, r] = total
        total = 0
        for j in range(od.shape[1]):
            total += od[r, j]
        ints[3, r] = total
        worst = dpd[r, 0]
        for j in range(1, dpd.shape[1]):
            worst = max(worst, dpd[r, j])
        ints[4, r] = worst
