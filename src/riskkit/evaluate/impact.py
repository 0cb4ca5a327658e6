"""The adverse impact ratio of a decision, with a bootstrap interval and a four-fifths verdict.

The **adverse impact ratio** (AIR) of an attribute is the lowest group's approval rate over
the highest. The EEOC's Uniform Guidelines take a ratio below four fifths as evidence of
adverse impact (29 CFR 1607.4(D)), and fair-lending reviews use the same rule of thumb for
credit. The Guidelines also say that a ratio from small numbers may not be meaningful; so
here the ratio carries a bootstrap interval, and the **flag is raised only when the whole
interval lies below 0.8**. A ratio that cannot be measured -- fewer than two groups of at
least ``min_group`` applicants, or no approvals at all -- is reported as *not measured*,
never as "no flag".

The bootstrap
-------------
Stratified by group (each group a sample, as in the two-sample problems of Efron &
Tibshirani 1993, ch. 8): a replicate redraws each group's applicants with replacement, keeping its size, so
the set of groups in the ratio is that of the data. For an approval (a 0/1 outcome) the
number approved in a group's redrawn sample is exactly Binomial(n_g, k_g / n_g), so a
replicate is one binomial draw per group: the same distribution as redrawing rows, at the
cost of a (replicates x groups) matrix instead of a (replicates x applicants) one.

The interval is the **BCa** interval by default (bias-corrected and accelerated; Efron &
Tibshirani 1993, ch. 14, eqs. 14.9-14.15), because the AIR, a minimum over a maximum, is
biased downwards when groups are alike, and BCa corrects for bias (``z0``) and skewness
(``a``, from the jackknife, ch. 11). The jackknife needs no refitting here: leaving out one
applicant changes one group's count by one, so the ``n`` leave-one-out ratios take at most
two values per group, weighted by how many applicants give each, and each group's
influence values enter ``a`` as a stratum's do (Davison & Hinkley 1997, sec. 3.2, 5.3).
Where BCa is undefined (every replicate strictly on one side of the estimate) the
**percentile** interval (ch. 13) is used and the entry says so; ``method="percentile"``
asks for it always.

References
----------
Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
Davison, A. C. and Hinkley, D. V. (1997). *Bootstrap Methods and their Application*.
Cambridge University Press.
Equal Employment Opportunity Commission et al. (1978). Uniform Guidelines on Employee
Selection Procedures, 29 CFR 1607.4(D).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = ["FLAGGED", "FOUR_FIFTHS", "LEVEL", "METHODS", "MIN_GROUP", "NOT_FLAGGED",
           "NOT_MEASURED", "NO_APPROVALS", "NO_BOOTSTRAP", "REPLICATES", "TOO_FEW_GROUPS", "ImpactRatio", "acceleration", "bca_interval", "impact_ratio",
           "jackknife_ratios", "percentile_interval", "ratio_of_rates", "stratified_counts"]

FOUR_FIFTHS = 0.8
#: Groups smaller than this are reported but left out of the ratio.
MIN_GROUP = 30
#: Bootstrap replicates: interval end points need 1000 or more (Efron & Tibshirani 1993),
#: against the 25-200 that a standard error needs.
REPLICATES = 2000
LEVEL = 0.95
METHODS: tuple[str, ...] = ("bca", "percentile")
FLAGGED, NOT_FLAGGED, NOT_MEASURED = "flagged", "not flagged", "not measured"
#: Why a ratio is not measured: fewer than two groups of ``min_group``, nobody approved, or
#: no bootstrap replicate with an approval (the interval cannot be formed).
TOO_FEW_GROUPS, NO_APPROVALS, NO_BOOTSTRAP = "too_few_groups", "no_approvals", "no_bootstrap"
# a ratio bound of exactly four fifths (64 % over 80 %) passes, whatever the rounding
_ROUNDING = 1e-12
Method = Literal["bca", "percentile"]


@dataclass(frozen=True)
class ImpactRatio:
    """One attribute's adverse impact ratio, its interval and its four-fifths verdict.

    ``status`` is ``"flagged"`` (the interval's upper bound is below four fifths),
    ``"not flagged"`` or ``"not measured"`` (then ``reason`` is one of
    :data:`TOO_FEW_GROUPS`, :data:`NO_APPROVALS`, :data:`NO_BOOTSTRAP` and the interval is
    None). ``method`` is the interval actually computed (``"bca"``, ``"percentile"``, or
    ``"none"``); ``lowest`` / ``highest`` name the groups of the point estimate;
    ``left_out`` the groups too small to count.
    """

    ratio: float | None
    low: float | None
    high: float | None
    status: str
    reason: str | None = None
    lowest: str | None = None
    highest: str | None = None
    left_out: tuple[str, ...] = ()
    method: str = "none"

    @property
    def flag(self) -> bool | None:
        """True when flagged, False when measured and not flagged, None when not measured."""
        return None if self.status == NOT_MEASURED else self.status == FLAGGED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: numbers, text and a list of the groups left out."""
        return {"ratio": self.ratio, "low": self.low, "high": self.high, "status": self.status,
                "reason": self.reason, "lowest": self.lowest, "highest": self.highest,
                "left_out": list(self.left_out), "interval": self.method}


def _rates(approved: np.ndarray, n: np.ndarray) -> np.ndarray:
    # the complement of the decline share: the approval rate as the run has always reported it
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - (n - approved) / n


def ratio_of_rates(approved: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Lowest approval rate over the highest along the last axis (NaN where none approved).

    Parameters
    ----------
    approved
        approvals per group, shape ``(..., groups)``.
    n
        applicants per group, broadcastable to ``approved``.

    Returns
    -------
    numpy.ndarray
        the ratio per row of ``approved`` (a scalar array for one row).
    """
    rates = _rates(np.asarray(approved, dtype=float), np.asarray(n, dtype=float))
    top = rates.max(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(top > 0, rates.min(axis=-1) / np.where(top > 0, top, 1.0), np.nan)


def stratified_counts(approved: np.ndarray, n: np.ndarray, replicates: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Approvals per group in ``replicates`` bootstrap samples stratified by group.

    Redrawing a group's ``n_g`` applicants with replacement gives Binomial(n_g, k_g / n_g)
    approvals (see the module docstring), so this is the stratified bootstrap itself.

    Returns
    -------
    numpy.ndarray
        shape ``(replicates, groups)``.
    """
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(approved, dtype=float) / n
    return rng.binomial(n, p, size=(replicates, len(n)))


def jackknife_ratios(approved: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The leave-one-applicant-out ratios of each group and how many applicants give each.

    Leaving out an approved applicant of group g gives it ``(k_g - 1) / (n_g - 1)``, a
    declined one ``k_g / (n_g - 1)``; the other groups are unchanged.

    Returns
    -------
    tuple of numpy.ndarray
        ``(values, weights)``, each of shape ``(groups, 2)``: column 0 leaves out an approved
        applicant, column 1 a declined one (weight 0 where no applicant gives it).
    """
    k = np.asarray(approved, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    groups = len(n)
    rows_k = np.tile(k, (2 * groups, 1))
    rows_n = np.tile(n, (2 * groups, 1))
    at = np.arange(groups)
    rows_k[2 * at, at] -= 1                        # an approved applicant left out
    rows_n[2 * at, at] -= 1
    rows_n[2 * at + 1, at] -= 1                    # a declined applicant left out
    valid = rows_n.min(axis=1) > 0
    values = np.full(2 * groups, np.nan)
    values[valid] = ratio_of_rates(rows_k[valid], rows_n[valid])
    weights = np.stack([k, n - k], axis=1).astype(float)
    values = values.reshape(groups, 2)
    return values, np.where(np.isfinite(values), weights, 0.0)


def acceleration(values: np.ndarray, weights: np.ndarray) -> float:
    """BCa's acceleration ``a`` from the jackknife of a sample stratified by group.

    Each group's jackknife values give its influence values ``U = (n_g - 1) (mean_g -
    value)``; ``a = sum_g sum U^3 / n_g^3 / (6 (sum_g sum U^2 / n_g^2)^(3/2))``: Efron &
    Tibshirani's eq. 14.15 with the influence values of each stratum (Davison & Hinkley
    1997, sec. 3.2 and 5.3; the formula of ``scipy.stats.bootstrap`` for several samples).

    Parameters
    ----------
    values, weights
        :func:`jackknife_ratios` output.

    Returns
    -------
    float
        0 when the jackknife values do not vary.
    """
    n = weights.sum(axis=1, keepdims=True)
    safe = np.where(n > 0, n, 1.0)
    v = np.nan_to_num(values)
    mean = (weights * v).sum(axis=1, keepdims=True) / safe
    u = (safe - 1.0) * (mean - v)
    num = float(((weights * u ** 3).sum(axis=1) / safe[:, 0] ** 3).sum())
    den = float(((weights * u ** 2).sum(axis=1) / safe[:, 0] ** 2).sum())
    return num / (6.0 * den ** 1.5) if den > 0 else 0.0


def percentile_interval(replicates: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The percentile interval (Efron & Tibshirani 1993, ch. 13): the replicates'
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles."""
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(replicates, [alpha, 1.0 - alpha])
    return float(low), float(high)


def bca_interval(estimate: float, replicates: np.ndarray, accel: float,
                 level: float = LEVEL) -> tuple[float, float] | None:
    """The BCa interval (Efron & Tibshirani 1993, eqs. 14.9-14.14), or None where undefined.

    The bias correction ``z0`` counts replicates equal to the estimate as half below it
    (the mid-rank, as ``scipy.stats.bootstrap`` does): a ratio of counts ties its estimate
    often, and eq. 14.14's strict "<" would then bias ``z0`` downwards.

    Parameters
    ----------
    estimate
        the statistic on the data.
    replicates
        its bootstrap replicates (finite).
    accel
        the acceleration (:func:`acceleration`).
    level
        coverage, e.g. 0.95.

    Returns
    -------
    tuple of float or None
        ``(low, high)``; None when the bias correction is infinite (every replicate on one
        side of the estimate) and the interval is not defined.
    """
    share = float((np.sum(replicates < estimate) + np.sum(replicates <= estimate))
                  / (2.0 * len(replicates)))
    if not 0.0 < share < 1.0:
        return None
    z0 = float(ndtri(share))
    alpha = (1.0 - level) / 2.0
    z = ndtri(np.array([alpha, 1.0 - alpha]))
    adjusted = ndtr(z0 + (z0 + z) / (1.0 - accel * (z0 + z)))        # eq. 14.10
    low, high = np.quantile(replicates, adjusted)
    return float(low), float(high)


def impact_ratio(approved: np.ndarray, n: np.ndarray, labels: list[str], *,
                 min_group: int = MIN_GROUP, level: float = LEVEL,
                 replicates: int = REPLICATES, method: Method = "bca",
                 rng: np.random.Generator) -> ImpactRatio:
    """The adverse impact ratio of one attribute, its interval and four-fifths verdict.

    Parameters
    ----------
    approved, n
        approvals and applicants per group.
    labels
        the groups' names, in the same order.
    min_group
        smallest group counted in the ratio.
    level
        the interval's coverage.
    replicates
        bootstrap replicates.
    method
        ``"bca"`` (default) or ``"percentile"``.
    rng
        the random generator of the replicates (seeded by the caller: same run, same bytes).

    Returns
    -------
    ImpactRatio
    """
    if method not in METHODS:
        raise ValueError(f"interval method {method!r} is not one of {', '.join(METHODS)}")
    approved = np.asarray(approved, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    if approved.shape != n.shape or np.any(approved < 0) or np.any(approved > n):
        raise ValueError(f"approvals {approved.tolist()} must lie between 0 and the group sizes "
                         f"{n.tolist()}")
    counted = n >= min_group
    left_out = tuple(str(g) for g, keep in zip(labels, counted, strict=True) if not keep)
    if counted.sum() < 2:
        return ImpactRatio(None, None, None, NOT_MEASURED, left_out=left_out,
                           reason=TOO_FEW_GROUPS)
    k, m = approved[counted], n[counted]
    names = [str(g) for g, keep in zip(labels, counted, strict=True) if keep]
    rates = _rates(k.astype(float), m.astype(float))
    if rates.max() <= 0:
        return ImpactRatio(None, None, None, NOT_MEASURED, left_out=left_out,
                           reason=NO_APPROVALS)
    ratio = float(rates.min() / rates.max())
    lowest, highest = names[int(np.argmin(rates))], names[int(np.argmax(rates))]
    reps = ratio_of_rates(stratified_counts(k, m, replicates, rng), m)
    reps = reps[np.isfinite(reps)]
    if not len(reps):
        return ImpactRatio(ratio, None, None, NOT_MEASURED, lowest=lowest, highest=highest,
                           left_out=left_out, reason=NO_BOOTSTRAP)
    interval, used = None, method
    if method == "bca":
        interval = bca_interval(ratio, reps, acceleration(*jackknife_ratios(k, m)), level)
    if interval is None:
        interval, used = percentile_interval(reps, level), "percentile"
    low, high = interval
    status = FLAGGED if high < FOUR_FIFTHS - _ROUNDING else NOT_FLAGGED
    return ImpactRatio(ratio, low, high, status, lowest=lowest, highest=highest,
                       left_out=left_out, method=used)
