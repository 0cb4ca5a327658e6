"""Discriminatory power with its uncertainty: AUC, Gini, KS and the AUC's decline.

The AUC's variance is DeLong, DeLong & Clarke-Pearson's (Biometrics 44, 1988, 837-845): the
AUC is a two-sample U-statistic and its variance follows from the per-applicant structural
components ``V10`` (for each bad, the share of goods it out-scores) and ``V01`` (for each
good, the share of bads that out-score it). scipy has no DeLong and scikit-learn gives no
interval, so it is written here, in the O(n log n) form of Sun & Xu (IEEE Signal Processing
Letters 21, 2014, 1389-1393): the components come from mid-ranks (``scipy.stats.rankdata``),
never from the m x n comparison matrix. Tests check it against that matrix (brute force)
and against Stata's published ``roctab`` output on Hanley & McNeil's CT data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from riskkit.evaluate.metrics import check_inputs
from riskkit.evaluate.metrics import ks as ks_statistic
from riskkit.validate.results import NOT_AVAILABLE, Result, level_light, p_light, worst

__all__ = ["auc_decline_test", "auc_test", "bootstrap_auc", "delong", "delong_covariance",
           "delong_from_counts", "gini_test", "ks_test"]

DELONG = "DeLong, DeLong & Clarke-Pearson (1988), Biometrics 44:837; fast form: Sun & Xu (2014)"
Z95 = float(stats.norm.ppf(0.975))


def _split(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    yy, pp = check_inputs(y, p, both_classes=True)
    return pp[yy == 1], pp[yy == 0]


def delong_covariance(y: Any, scores: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """AUCs of several scores on the same applicants and DeLong's covariance matrix.

    Sun & Xu's algorithm: with m bads X and n goods Y, mid-ranks of each score in the
    pooled sample (``Tz``), among bads (``Tx``) and among goods (``Ty``) give
    ``AUC = (sum Tz[X] - m(m+1)/2) / (m n)``, ``V10 = (Tz[X] - Tx) / n`` and
    ``V01 = 1 - (Tz[Y] - Ty) / m``; ``Cov = S10 / m + S01 / n`` with ``S10``, ``S01`` the
    sample covariances of the components. Ties count one half, as in the Mann-Whitney U.

    Parameters
    ----------
    y : array-like
        Outcomes, 1 = bad.
    scores : sequence of array-like
        One or more scores (higher = riskier), each as long as ``y``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        AUCs (k,) and covariance (k, k).
    """
    yy = check_inputs(y, scores[0], both_classes=True)[0]
    bad = yy == 1
    m, n = int(bad.sum()), int((~bad).sum())
    aucs, v10, v01 = [], [], []
    for score in scores:
        s = check_inputs(yy, score)[1]
        x, yv = s[bad], s[~bad]
        tz = stats.rankdata(s)
        tx, ty = stats.rankdata(x), stats.rankdata(yv)
        tzx, tzy = tz[bad], tz[~bad]
        aucs.append((tzx.sum() - m * (m + 1) / 2.0) / (m * n))
        v10.append((tzx - tx) / n)
        v01.append(1.0 - (tzy - ty) / m)
    return np.asarray(aucs), _cov(np.vstack(v10)) / m + _cov(np.vstack(v01)) / n


def _cov(rows: np.ndarray) -> np.ndarray:
    """Sample covariance of the rows (``numpy.cov``'s number, without its overhead); NaN
    with fewer than two columns (one bad or one good: no variance to estimate)."""
    if rows.shape[1] < 2:
        return np.full((rows.shape[0],) * 2, np.nan)
    centred = rows - rows.mean(axis=1, keepdims=True)
    # einsum, not `@`: a BLAS matrix product of one long row spins up BLAS's threads, which
    # on a busy machine cost more than the sum itself
    return np.einsum("ij,kj->ik", centred, centred) / (rows.shape[1] - 1)


def delong_from_counts(bads: Any, goods: Any) -> tuple[float, float]:
    """AUC and DeLong variance from counts of bads and goods at each distinct score.

    The same components as :func:`delong_covariance`, grouped by score level (levels in
    increasing order of score): a bad at level l out-scores the goods below l and half of
    those at l, ``V10_l = (G_<l + G_l / 2) / n``; a good at l is out-scored by the bads
    above it and half of those at l, ``V01_l = (B_>l + B_l / 2) / m``. Counts may be
    weights, so a bootstrap or a resample that repeats applicants costs O(levels), no sort.

    Parameters
    ----------
    bads, goods : array-like
        Counts per score level.

    Returns
    -------
    (float, float)
        AUC and its variance (NaN with fewer than two bads or goods).
    """
    b = np.asarray(bads, dtype=float)
    g = np.asarray(goods, dtype=float)
    m, n = float(b.sum()), float(g.sum())
    if m == 0 or n == 0:
        return float("nan"), float("nan")
    v10 = (np.cumsum(g) - 0.5 * g) / n
    v01 = (m - np.cumsum(b) + 0.5 * b) / m
    auc_ = float(b @ v10) / m
    if m < 2 or n < 2:
        return auc_, float("nan")
    s10 = float(b @ (v10 - auc_) ** 2) / (m - 1)
    s01 = float(g @ (v01 - auc_) ** 2) / (n - 1)
    return auc_, s10 / m + s01 / n


def delong(y: Any, p: Any) -> tuple[float, float]:
    """AUC and its DeLong variance (see :func:`delong_covariance`).

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = default) and the scores or PDs, higher meaning riskier.

    Returns
    -------
    tuple of float
        ``(auc, variance)``.
    """
    aucs, cov = delong_covariance(y, [p])
    return float(aucs[0]), float(cov[0, 0])


def bootstrap_auc(y: Any, p: Any, reps: int = 2000, seed: int = 0) -> np.ndarray:
    """AUCs of ``reps`` bootstrap samples, drawn within bads and within goods (stratified,
    as pROC's ``ci.auc(method="bootstrap")``), so every sample has both classes.

    One sort, then each replicate is two multinomial count vectors: the AUC of a weighted
    sample is ``sum_g bads_g (goods below g + goods_g / 2) / (m n)`` over the distinct
    scores g, O(n) per replicate.

    Parameters
    ----------
    y, p : array-like
    reps : int
    seed : int

    Returns
    -------
    numpy.ndarray
        ``reps`` AUCs.
    """
    yy, pp = check_inputs(y, p, both_classes=True)
    _, group = np.unique(pp, return_inverse=True)
    bad_groups, good_groups = group[yy == 1], group[yy == 0]
    m, n, k = bad_groups.size, good_groups.size, int(group.max()) + 1
    rng = np.random.default_rng(seed)
    out = np.empty(reps)
    for r in range(reps):
        bads = np.bincount(bad_groups[rng.integers(0, m, m)], minlength=k)
        goods = np.bincount(good_groups[rng.integers(0, n, n)], minlength=k)
        below = np.cumsum(goods) - goods
        out[r] = float(np.dot(bads, below + 0.5 * goods)) / (m * n)
    return out


def auc_test(y: Any, p: Any, *, yellow: float = 0.70, red: float = 0.60,
             bootstrap_reps: int = 2000, seed: int = 0, level: float = 0.95) -> Result:
    """AUC with a DeLong and a percentile-bootstrap confidence interval; light from its level.

    Sources: DeLong et al. (1988) for the variance; Efron & Tibshirani (1993), *An
    Introduction to the Bootstrap*, ch. 13, for the percentile interval. The light compares
    the AUC with ``yellow`` and ``red`` (below them); the usual reading of a retail
    application model puts 0.7 as acceptable and 0.6 as weak.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and PDs (or any score, higher = riskier).
    yellow, red : float
        AUC below which the light is yellow / red.
    bootstrap_reps : int
        Bootstrap replicates (0: no bootstrap interval).
    seed : int
    level : float
        Confidence level of both intervals.

    Returns
    -------
    Result
        ``statistic`` the AUC, ``ci`` DeLong's, ``details`` the standard error and the
        bootstrap interval.
    """
    auc_, var = delong(y, p)
    se = float(np.sqrt(var)) if var >= 0 else float("nan")
    z = float(stats.norm.ppf(0.5 + level / 2))
    ci = (max(0.0, auc_ - z * se), min(1.0, auc_ + z * se)) if np.isfinite(se) else None
    bads, goods = _split(y, p)
    details: dict[str, Any] = {"se": se, "level": level, "n_bads": int(bads.size),
                               "n_goods": int(goods.size)}
    if bootstrap_reps:
        boot = bootstrap_auc(y, p, bootstrap_reps, seed)
        tail = (1 - level) / 2
        details["bootstrap_ci"] = [float(np.quantile(boot, tail)), float(np.quantile(boot, 1 - tail))]
        details["bootstrap_reps"] = bootstrap_reps
    return Result("auc", auc_, None, ci, level_light(auc_, yellow, red, higher_is_worse=False),
                  DELONG, details)


def gini_test(auc_result: Result) -> Result:
    """Gini (accuracy ratio) ``2 AUC - 1`` with the AUC's intervals mapped through it.

    Source: BCBS WP14 (2005), on discriminatory power: the accuracy ratio equals ``2 AUC - 1``
    (Engelmann, Hayden & Tasche 2003), so its interval is the AUC's, transformed.

    Parameters
    ----------
    auc_result : Result
        :func:`auc_test`'s result.

    Returns
    -------
    Result
    """
    a = auc_result
    ci = None if a.ci is None else (2 * a.ci[0] - 1, 2 * a.ci[1] - 1)
    details = {"se": 2 * a.details.get("se", float("nan"))}
    if "bootstrap_ci" in a.details:
        details["bootstrap_ci"] = [2 * v - 1 for v in a.details["bootstrap_ci"]]
    stat = None if a.statistic is None else 2 * a.statistic - 1
    return Result("gini", stat, None, ci, a.light,
                  "BCBS WP14 (2005); Engelmann, Hayden & Tasche (2003)", details)


def ks_test(y: Any, p: Any, *, yellow: float = 0.30, red: float = 0.20) -> Result:
    """Kolmogorov-Smirnov statistic between the score distributions of bads and goods.

    The statistic is riskkit's :func:`~riskkit.evaluate.metrics.ks`; the p-value is
    ``scipy.stats.ks_2samp``'s (H0: bads and goods score alike, i.e. no discrimination at
    all, so it is rejected by any working model). Source: BCBS WP14 (2005), on discriminatory power.
    The light compares the statistic with ``yellow`` and ``red`` (below them).

    Parameters
    ----------
    y : array-like
        0/1 outcomes, 1 = default.
    p : array-like
        Scores or PDs whose distributions for the two outcomes are compared.
    yellow, red : float
        KS below which the light is yellow, red.

    Returns
    -------
    Result
    """
    bads, goods = _split(y, p)
    stat = ks_statistic(y, p)
    p_value = float(stats.ks_2samp(bads, goods).pvalue)
    return Result("ks", stat, p_value, None, level_light(stat, yellow, red, higher_is_worse=False),
                  "BCBS WP14 (2005); scipy.stats.ks_2samp",
                  {"n_bads": int(bads.size), "n_goods": int(goods.size)})


def auc_decline_test(y_dev: Any, p_dev: Any, y_cur: Any, p_cur: Any, *,
                     method: str = "unpaired", p_yellow: float = 0.05,
                     p_red: float = 0.001) -> Result:
    """Has the AUC fallen since development? One-sided DeLong z-test on two samples.

    ``method="unpaired"``: the development and current samples are independent (different
    applicants), so ``z = (AUC_dev - AUC_cur) / sqrt(Var_dev + Var_cur)`` with DeLong's
    variance of each (DeLong et al. 1988). ``method="ecb"``: the ECB's *Instructions for
    reporting the validation results of internal models* (2019), on the current AUC against the AUC at initial validation, treat the
    AUC at initial validation as a fixed number, ``z = (AUC_init - AUC_cur) / s_cur``.
    Either way ``p = 1 - Phi(z)``: a small p-value says the AUC declined.

    Parameters
    ----------
    y_dev, p_dev : array-like
        Development sample (outcomes, scores).
    y_cur, p_cur : array-like
        Current (e.g. out-of-time) sample.
    method : {"unpaired", "ecb"}
    p_yellow, p_red : float
        p-value thresholds of the light.

    Returns
    -------
    Result
        ``statistic`` the decline ``AUC_dev - AUC_cur``, ``ci`` its interval.
    """
    if method not in ("unpaired", "ecb"):
        raise ValueError(f"method must be 'unpaired' or 'ecb', got {method!r}")
    a0, v0 = delong(y_dev, p_dev)
    a1, v1 = delong(y_cur, p_cur)
    var = v1 + (v0 if method == "unpaired" else 0.0)
    diff = a0 - a1
    se = float(np.sqrt(var))
    if se > 0:
        z = diff / se
        p_value = float(stats.norm.sf(z))
    else:
        z, p_value = (float("nan"), None) if diff == 0 else (np.sign(diff) * np.inf, float(diff < 0))
    ci = (diff - Z95 * se, diff + Z95 * se)
    light = p_light(p_value, p_yellow, p_red) if p_value is not None else NOT_AVAILABLE
    return Result("auc_decline", diff, p_value, ci, worst(light),
                  DELONG + "; ECB instructions for reporting validation results (2019)",
                  {"auc_dev": a0, "auc_current": a1, "se": se, "z": z, "method": method})
