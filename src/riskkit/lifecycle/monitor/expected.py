"""What a PD implies for defaults on the book: the expected counts behind every curve.

Why not ``1 - (1 - PD)^(h/12)``: in the simulation a PD does not become a default directly.
A loan (here, elsewhere, or the instalment of standing debt) goes overdue in month ``t``
with :func:`riskkit.lifecycle.behaviour.overdue_probability` of that month's PD; an open
delinquency cures each month with ``cure_prob`` and otherwise ages 30 days; it becomes a
default (more than 90 days past due) after three months without a cure. So, given what the
panel knows at the start of month ``t`` -- the PD, which loans fall due, whether a
delinquency is open -- the probability that a delinquency opening in month ``t`` becomes a
default at the end of month ``t + 3`` is exactly

    q_t = f_t * (1 - (1 - p_t [due here]) (1 - p_t [due elsewhere])
                   (1 - s p_t [standing debt])) * (1 - cure)^3

with ``p_t`` the overdue probability, ``s`` the standing-debt share, and ``f_t = 1`` for a
borrower with no open delinquency, ``cure`` for one with (a delinquency that cures and a
new one that opens in the same month restarts the clock). Summed over an account's months
at risk (on the book, no default yet), these are the compensator of its default count: the
count minus the sum has mean zero whatever the lender and the borrowers did in between, so
it is the **expected** number of defaults, and ``sum q (1 - q)`` bounds its variance
(a martingale central limit theorem gives the Monte Carlo interval).

With the panel's ``true_pd`` this is the truth's expectation; with the model's ``pd`` it is
what the lender's own model expects (the band a vintage is monitored against).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from riskkit.lifecycle.behaviour import overdue_probability
from riskkit.lifecycle.monitor.book import DEFAULT_DAYS, Book

#: Months from the month a delinquency opens to the month it is 90+ days past due.
ROLL_MONTHS = 3
#: Days a still-open delinquency ages per month (as in the simulation).
AGEING_DAYS = 30


def opening_probability(book: Book, pd_: np.ndarray) -> np.ndarray:
    """``(months, n)`` probability that a new delinquency opens in each month (given a PD).

    A loan due here (``due``), one due elsewhere (last month's ``drawn_elsewhere``) and the
    instalment of standing debt each go overdue independently, the last with the
    behaviour's ``standing_overdue_share`` of the probability.
    """
    b = book.behaviour
    p = overdue_probability(np.asarray(pd_, dtype=float), b)
    here = book.due > 0
    elsewhere = np.zeros_like(here)
    elsewhere[1:] = book.drawn_elsewhere[:-1] > 0
    keep = (1.0 - p * here) * (1.0 - p * elsewhere)
    keep *= 1.0 - b.standing_overdue_share * p * book.standing_debt[None, :]
    return 1.0 - keep


def default_hazard(book: Book, pd_: np.ndarray) -> np.ndarray:
    """``(months, n)`` ``q_t``: probability that a delinquency opening in month ``t`` is a
    default at the end of month ``t + 3`` (see the module docstring)."""
    cure = book.behaviour.cure_prob
    fresh = np.where(book.dpd_start > 0, cure, 1.0)
    return fresh * opening_probability(book, pd_) * (1.0 - cure) ** ROLL_MONTHS


@dataclass(frozen=True)
class Hazards:
    """``q_t`` of every borrower-month by the truth's PDs and by the lender's model's."""

    truth: np.ndarray
    lender: np.ndarray

    @classmethod
    def of(cls, book: Book) -> Hazards:
        return cls(default_hazard(book, book.true_pd), default_hazard(book, book.pd))


def months_to_default(days: np.ndarray) -> np.ndarray:
    """Months without a cure an open delinquency at ``days`` past due needs to pass 90."""
    d = np.asarray(days, dtype=np.int64)
    return np.where(d > DEFAULT_DAYS, 0, (DEFAULT_DAYS - d) // AGEING_DAYS + 1)


@dataclass(frozen=True)
class Expected:
    """Expected cumulative defaults and their variance, by group and month since start."""

    mean: np.ndarray       # (groups, horizon) cumulative expected defaults
    variance: np.ndarray   # (groups, horizon) cumulative sum of q (1 - q)

    def band(self, z: float, accounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``mean +- z sd`` as rates of ``accounts`` per group (never below 0)."""
        n = np.maximum(np.asarray(accounts, dtype=float)[:, None], 1.0)
        sd = np.sqrt(self.variance)
        return np.maximum(self.mean - z * sd, 0.0) / n, (self.mean + z * sd) / n

    def poisson_limit(self, alpha: float) -> np.ndarray:
        """The smallest count whose upper tail under Poisson(mean) is below ``alpha``.

        A Poisson tail for the count of rare defaults: its variance (the mean) is at least
        ``sum q (1 - q)``, so the limit is conservative, and unlike ``mean + 3 sd`` it does
        not alarm on a single default where less than one in a hundred was expected.
        """
        return stats.poisson.isf(alpha, self.mean) + 1.0


def expected_defaults(book: Book, q: np.ndarray, at_risk: np.ndarray, group: np.ndarray,
                      start: np.ndarray, groups: int, horizon: int) -> Expected:
    """Sum ``q`` over the months each borrower is at risk, by group and by the month (since
    the borrower's ``start``) in which the default would be counted: ``t + 3 - start``.

    Parameters
    ----------
    book
        The book (its ``dpd_start`` gives the delinquencies already open at ``start``).
    q
        ``(months, n)`` default hazards from :func:`default_hazard`.
    at_risk
        ``(months, n)`` mask of the months a default opening then would count (e.g. on
        the book and not yet defaulted).
    group, start
        Per borrower: group index (``-1``: in none) and the month its clock starts.
    groups, horizon
        Shape of the result: ``(groups, horizon)``, cumulative along the horizon.

    Returns
    -------
    Expected
        Including, for a delinquency already open at ``start``, its own chance
        ``(1 - cure)^k`` of reaching 90+ days after ``k`` more months.
    """
    months = q.shape[0]
    size = groups * horizon
    mean, var = np.zeros(size), np.zeros(size)
    member = group >= 0
    for t in range(months):  # one month at a time: no (months, n) index arrays
        slot = t + ROLL_MONTHS - start
        ok = at_risk[t] & member & (slot >= 0) & (slot < horizon)
        index = group[ok].astype(np.int64) * horizon + slot[ok]
        values = q[t, ok]
        mean += np.bincount(index, weights=values, minlength=size)
        var += np.bincount(index, weights=values * (1.0 - values), minlength=size)
    # delinquencies already open when the clock starts
    cols = np.flatnonzero(group >= 0)
    first = np.minimum(start[cols], months - 1)
    days = book.dpd_start[first, cols]
    open_ = (days > 0) & (days <= DEFAULT_DAYS) & (start[cols] < months)
    k = months_to_default(days[open_])
    p = (1.0 - book.behaviour.cure_prob) ** k
    slot0 = k - 1
    keep = slot0 < horizon
    index0 = group[cols][open_][keep].astype(np.int64) * horizon + slot0[keep]
    mean += np.bincount(index0, weights=p[keep], minlength=size)
    var += np.bincount(index0, weights=p[keep] * (1 - p[keep]), minlength=size)
    shape = (groups, horizon)
    return Expected(mean.reshape(shape).cumsum(axis=1), var.reshape(shape).cumsum(axis=1))
