"""Roll rates: how accounts move between days-past-due buckets from one month to the next.

Why: the collections view of a book and the earliest hard evidence of a turn. A roll-rate
matrix gives, for the accounts in each bucket at the start of a month (``current``,
``1-30``, ``31-60``, ``61-90``, ``90+`` days past due), the share in each bucket at its end.
Basel's IRB framework and the EBA's guidelines on the definition of default
(EBA/GL/2016/07) count days past due this way, with 90 days as the default backstop
(CRR Art. 178(1)(b)); IFRS 9 5.5.11 presumes a significant increase in credit risk at 30.

The matrices are estimated per month and pooled over months with the cohort estimator
(:mod:`~riskkit.lifecycle.monitor.transitions`), over the accounts on the book at the
start of the month. The **roll rate to 30+** watched by the control chart is the share of
accounts below 30 days past due at the start of a month that end it more than 30 days past
due: in a monthly cycle only a ``1-30`` account can, so it moves with the new
delinquencies of the month before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskkit.lifecycle.monitor.book import DPD_BUCKETS, Book
from riskkit.lifecycle.monitor.transitions import (
    cohort_matrix,
    long_table,
    matrix_frame,
    transition_counts,
)

#: Shewhart's 3-sigma limits.
SIGMA = 3.0


@dataclass
class RollRates:
    """Monthly counts ``(months, 5, 5)``, their long table and the pooled matrix."""

    counts: np.ndarray
    by_month: pd.DataFrame
    average: pd.DataFrame


def roll_rates(book: Book) -> RollRates:
    """Roll-rate matrices of every month and pooled, over the accounts on the book.

    Parameters
    ----------
    book : Book
        The panel read as a book.

    Returns
    -------
    RollRates
    """
    counts = transition_counts(book.bucket_start, book.bucket_end, book.on_book,
                               len(DPD_BUCKETS))
    return RollRates(counts, long_table(counts, DPD_BUCKETS),
                     matrix_frame(cohort_matrix(counts), DPD_BUCKETS, counts))


def roll_to_30(counts: np.ndarray) -> pd.DataFrame:
    """Per month: accounts below 30 days past due at the start (``at_risk``), those more
    than 30 days past due at the end (``rolled``), and the ``rate``.

    Parameters
    ----------
    counts : numpy.ndarray
        Roll counts (months, from bucket, to bucket), as :class:`RollRates` keeps them.

    Returns
    -------
    pandas.DataFrame
        ``month``, ``at_risk``, ``rolled``, ``rate``.
    """
    below = counts[:, :2, :]
    at_risk = below.sum(axis=(1, 2))
    rolled = below[:, :, 2:].sum(axis=(1, 2))
    rate = np.divide(rolled, at_risk, out=np.full(len(at_risk), np.nan), where=at_risk > 0)
    return pd.DataFrame({"month": np.arange(len(at_risk)), "at_risk": at_risk,
                         "rolled": rolled, "rate": rate})


def p_chart(rolled: np.ndarray, at_risk: np.ndarray, baseline: np.ndarray,
            sigma: float = SIGMA) -> pd.DataFrame:
    """Shewhart p-chart: centre line from the ``baseline`` months, limits per month.

    ``p_bar = sum(rolled[baseline]) / sum(at_risk[baseline])`` and the upper limit of month
    ``t`` is ``p_bar + sigma * sqrt(p_bar (1 - p_bar) / n_t)`` (Shewhart's p-chart for the
    fraction nonconforming with a variable sample size: Montgomery, *Introduction to
    Statistical Quality Control*, chapter 7). ``alarm`` marks a month above its upper limit.

    Parameters
    ----------
    rolled, at_risk
        Count of events and of units per month.
    baseline
        Boolean mask of the months the centre line is estimated from (e.g. before a
        suspected change).
    sigma
        Width of the limits in standard errors.

    Returns
    -------
    pandas.DataFrame
        ``rate``, ``centre``, ``upper``, ``lower`` and ``alarm`` per month.
    """
    rolled = np.asarray(rolled, dtype=float)
    n = np.asarray(at_risk, dtype=float)
    base = np.asarray(baseline, dtype=bool)
    total = n[base].sum()
    centre = rolled[base].sum() / total if total > 0 else np.nan
    se = np.sqrt(centre * (1.0 - centre) / np.maximum(n, 1.0))
    rate = np.divide(rolled, n, out=np.full(len(n), np.nan), where=n > 0)
    upper = centre + sigma * se
    return pd.DataFrame({"rate": rate, "centre": centre, "upper": upper,
                         "lower": np.maximum(centre - sigma * se, 0.0),
                         "alarm": (n > 0) & (rate > upper)})
