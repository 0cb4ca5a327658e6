"""Kaplan-Meier and Aalen-Johansen: the product-limit estimators, in NumPy.

Kaplan-Meier (Kaplan & Meier 1958, "Nonparametric estimation from incomplete observations",
*JASA* 53(282)) estimates the chance of no event by time ``t`` from right-censored data:
``S(t) = prod over event times t_j <= t of (1 - d_j / n_j)``, with ``d_j`` the events at
``t_j`` and ``n_j`` those still at risk just before it. Aalen-Johansen (Aalen & Johansen
1978, "An empirical transition matrix for non-homogeneous Markov chains based on censored
observations", *Scand. J. Statist.* 5(3)) is the same product limit with several causes of
ending: the chance that cause ``k`` ended it by ``t`` (its cumulative incidence) is
``F_k(t) = sum over t_j <= t of S(t_j-) d_kj / n_j``, ``S`` now counting every cause as an
event. With one cause, ``F_1 = 1 - S``: Kaplan-Meier is the special case, so both come
from one pass (:func:`product_limit`). Ties follow Kaplan and Meier's convention: a
censoring at ``t_j`` was at risk at ``t_j`` (it happened just after the events); events of
different causes at one time leave the risk set together.

Why not lifelines (which has both): lifelines 0.30 requires ``pandas<3``, so listing it
made pip downgrade pandas 3.1 to 2.3 on a fresh install. The estimators are a sort and a
few cumulative sums, and the monitor fits them on counts (one row per grade, month and
outcome, with weights), so a book of any size takes milliseconds; written here they take
weights directly and never jitter ties. The tests reproduce the textbook's 6-MP table and
a competing-risks example worked by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Cause code of a censored observation (no event: still at risk when last seen).
CENSORED = 0


@dataclass(frozen=True)
class ProductLimit:
    """The product-limit estimates at each distinct observed time (events or censorings).

    ``events[:, k]`` is the weight ending at each time with cause ``k`` (column 0: censored);
    ``survival`` is ``S(t)`` (no event of any cause by ``t``), ``incidence[:, k]`` the
    cumulative incidence ``F_k(t)`` (column 0 is zero).
    """

    time: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    survival: np.ndarray
    incidence: np.ndarray

    def _index(self, at: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.time, np.asarray(at, dtype=float), side="right") - 1

    def survival_at(self, at: np.ndarray) -> np.ndarray:
        """``S`` at each of ``at`` (a step function: 1 before the first time)."""
        i = self._index(at)
        return np.where(i >= 0, self.survival[np.maximum(i, 0)], 1.0)

    def incidence_at(self, at: np.ndarray, cause: int) -> np.ndarray:
        """``F_cause`` at each of ``at`` (0 before the first time and for an unseen cause)."""
        if not 0 < cause < self.incidence.shape[1]:
            return np.zeros(np.shape(at))
        i = self._index(at)
        return np.where(i >= 0, self.incidence[np.maximum(i, 0), cause], 0.0)


def product_limit(time: np.ndarray, cause: np.ndarray,
                  weight: np.ndarray | None = None) -> ProductLimit:
    """Kaplan-Meier survival and Aalen-Johansen cumulative incidences in one pass.

    Parameters
    ----------
    time
        When each observation ended (an event or a censoring); any non-negative numbers.
    cause
        Whole numbers: :data:`CENSORED` (0), or the cause of the event (1, 2, ...).
    weight
        How many observations each row stands for (rows may be aggregated counts); 1 each
        when omitted.

    Returns
    -------
    ProductLimit
        For Kaplan-Meier of one event, pass ``cause`` 1 for it and 0 for everything else
        and read ``survival``; for a cumulative incidence with competing risks, code each
        cause and read ``incidence_at(t, k)``.
    """
    time = np.asarray(time, dtype=float)
    cause = np.asarray(cause)
    weight = np.ones(time.shape) if weight is None else np.asarray(weight, dtype=float)
    if time.ndim != 1 or cause.shape != time.shape or weight.shape != time.shape:
        raise ValueError(f"time, cause and weight must be 1-D of one length, got shapes "
                         f"{time.shape}, {cause.shape}, {weight.shape}")
    if not (np.all(np.isfinite(time)) and np.all(time >= 0) and np.all(weight >= 0)):
        raise ValueError("times must be finite and non-negative, weights non-negative")
    if cause.size and (not np.issubdtype(cause.dtype, np.integer) or cause.min() < 0):
        raise ValueError(f"causes must be whole numbers >= 0 (0: censored), got {cause.dtype}")
    distinct, index = np.unique(time, return_inverse=True)
    causes = int(cause.max()) + 1 if cause.size else 1
    events = np.bincount(index * causes + cause.astype(np.int64), weights=weight,
                         minlength=distinct.size * causes).reshape(distinct.size, causes)
    at_risk = events.sum(axis=1)[::-1].cumsum()[::-1]  # everyone whose time is >= t_j
    hazard = np.divide(events, at_risk[:, None], out=np.zeros_like(events),
                       where=at_risk[:, None] > 0)
    hazard[:, CENSORED] = 0.0
    survival = np.cumprod(1.0 - hazard.sum(axis=1))
    before = np.concatenate([[1.0], survival[:-1]])  # S(t_j-)
    incidence = np.cumsum(before[:, None] * hazard, axis=0)
    return ProductLimit(distinct, at_risk, events, survival, incidence)
