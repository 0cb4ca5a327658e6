"""Transition matrices: counts month to month, the cohort estimator, and Markov term structures.

Roll rates (days-past-due buckets) and grade migrations are the same computation on
different states, so both use these functions.

The **cohort estimator** (Jafry & Schuermann 2004, "Measurement, estimation and comparison
of credit migration matrices", *Journal of Banking & Finance* 28(11), section 3.1): the
probability of moving from state ``i`` to ``j`` in one period is the number of such moves
divided by the number of entities in ``i`` at the start of the period, ``N_ij / N_i``;
pooled over periods (time homogeneity) it is ``sum_t N_ij(t) / sum_t N_i(t)``. The
``transitionMatrix`` package of Open Risk implements the same estimator
(``CohortEstimator.average_matrix``); a test checks the two against each other. Written here
with ``np.bincount`` because that package loops over the rows in Python (``iterrows``: many
minutes for a book of 100,000 accounts x 36 months), and its average adds the data's very
last row once more to the denominator of the period before.

A **Markov chain** with an absorbing default state gives the cumulative PD term structure:
the default column of ``P^h`` is the probability of default within ``h`` periods.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def transition_counts(origin: np.ndarray, target: np.ndarray, mask: np.ndarray,
                      states: int) -> np.ndarray:
    """``(periods, states, states)`` counts of moves ``origin -> target`` where ``mask``.

    ``origin``, ``target`` and ``mask`` are ``(periods, n)`` arrays (state codes
    ``0 .. states - 1``); period ``t`` counts every entity with ``mask[t]``.
    """
    periods = origin.shape[0]
    t = np.broadcast_to(np.arange(periods)[:, None], origin.shape)
    index = ((t[mask].astype(np.int64) * states + origin[mask]) * states + target[mask])
    return np.bincount(index, minlength=periods * states * states).reshape(
        periods, states, states)


def cohort_matrix(counts: np.ndarray, absorbing: Sequence[int] = ()) -> np.ndarray:
    """The cohort estimator ``N_ij / N_i`` (Jafry & Schuermann 2004) of one period's counts
    ``(states, states)`` or, pooled, of ``(periods, states, states)`` counts.

    Rows with no entity are NaN (nothing was observed there); ``absorbing`` states get the
    identity row whatever was counted (a default stays a default).
    """
    pooled = counts.sum(axis=0) if counts.ndim == 3 else counts
    pooled = np.asarray(pooled, dtype=float)
    total = pooled.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(total > 0, pooled / total, np.nan)
    for state in absorbing:
        matrix[state] = 0.0
        matrix[state, state] = 1.0
    return matrix


def markov_term_structure(matrix: np.ndarray, horizon: int, default: int) -> np.ndarray:
    """``(states, horizon)``: probability of being in ``default`` after ``1..horizon``
    periods from each starting state, ``(P^h)[i, default]`` (empty rows count as staying).

    Parameters
    ----------
    matrix
        One-period transition matrix with ``default`` absorbing.
    horizon
        Longest horizon, in periods.
    default
        Index of the absorbing default state.

    Returns
    -------
    numpy.ndarray
        Cumulative PD by starting state and horizon, non-decreasing along the horizon.
    """
    p = np.nan_to_num(np.asarray(matrix, dtype=float), nan=0.0)
    empty = p.sum(axis=1) == 0
    p[empty, np.flatnonzero(empty)] = 1.0
    out = np.empty((p.shape[0], horizon))
    power = np.eye(p.shape[0])
    for h in range(horizon):
        power = power @ p
        out[:, h] = power[:, default]
    return out


def long_table(counts: np.ndarray, labels: Sequence[str], name: str = "month"
               ) -> pd.DataFrame:
    """Per-period counts and rates as one row per (period, from, to) with a count."""
    states = counts.shape[1]
    total = counts.sum(axis=2, keepdims=True)
    rate = np.divide(counts, total, out=np.full(counts.shape, np.nan), where=total > 0)
    t, i, j = np.nonzero(total.repeat(states, axis=2) > 0)
    names = np.asarray(labels, dtype=object)
    return pd.DataFrame({name: t, "from": names[i], "to": names[j],
                         "count": counts[t, i, j], "rate": rate[t, i, j]})


def matrix_frame(matrix: np.ndarray, labels: Sequence[str], counts: np.ndarray | None = None
                 ) -> pd.DataFrame:
    """A square matrix as a DataFrame (rows ``from``, columns ``to``), with the row
    totals as an ``accounts`` column when ``counts`` are given."""
    frame = pd.DataFrame(matrix, index=pd.Index(list(labels), name="from"),
                         columns=list(labels))
    if counts is not None:
        pooled = counts.sum(axis=0) if counts.ndim == 3 else counts
        frame["accounts"] = pooled.sum(axis=1)
    return frame
