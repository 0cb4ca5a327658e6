"""Evaluation metrics and tables for PD models, as pure functions on arrays.

Conventions used throughout: ``y`` is the 0/1 outcome with 1 = "bad" (default), ``p`` is the
predicted probability of default, so a *higher* ``p`` means *riskier*. A lender approves an
applicant when ``p <= cutoff``. Every function takes anything array-like (lists, NumPy arrays,
pandas Series, nullable dtypes) and ignores index labels: rows are matched by position.

Bad input raises :class:`riskkit.core.errors.DataError` listing every problem found at once, so a
caller learns that ``y`` has NaN *and* ``p`` is out of range from a single message.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm

from riskkit.core.errors import DataError

#: Probabilities are clipped to [LOG_LOSS_EPS, 1 - LOG_LOSS_EPS] before the log loss, so a
#: single confident mistake (p = 0 for a bad) costs ~34.5 nats instead of infinity.
LOG_LOSS_EPS = 1e-15

MetricInput = Any  # anything np.asarray / pd.Series accepts


# --------------------------------------------------------------------------- validation


def _to_float(values: MetricInput) -> np.ndarray:
    """1-D float array; nullable pandas values (pd.NA) become NaN rather than raising."""
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(values)
    if arr.dtype == object:
        return pd.Series(arr).to_numpy(dtype=float, na_value=np.nan)
    return arr.astype(float).ravel()


def check_inputs(
    y: MetricInput, p: MetricInput, *, probability: bool = False, both_classes: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Validate an outcome/score pair; return them as (0/1 int array, float array).

    Public so that charts and reports validate exactly as the metrics do.

    Parameters
    ----------
    y, p : array-like
        An outcome vector and the scores or PDs paired with it, by position.
    probability : bool
        Require ``p`` within [0, 1].
    both_classes : bool
        Require both goods and bads.

    Returns
    -------
    tuple of numpy.ndarray
        ``(y as 0/1 ints, p as floats)``; a DataError names every problem.
    """
    yy, pp = _to_float(y), _to_float(p)
    problems: list[str] = []
    if yy.size == 0:
        problems.append("y is empty")
    if yy.shape != pp.shape:
        problems.append(f"y has {yy.size} rows but p has {pp.size}")
    if np.isnan(yy).any():
        problems.append(f"y has {int(np.isnan(yy).sum())} missing values")
    elif not np.isin(yy, (0.0, 1.0)).all():
        problems.append("y must contain only 0 (good) and 1 (bad)")
    if not np.isfinite(pp).all():
        problems.append(f"p has {int((~np.isfinite(pp)).sum())} missing or infinite values")
    elif probability and pp.size and (pp.min() < 0 or pp.max() > 1):
        problems.append(f"p must be a probability in [0, 1]; found [{pp.min():g}, {pp.max():g}]")
    if both_classes and not problems and yy.min() == yy.max():
        problems.append("y needs both goods (0) and bads (1) for this metric")
    if problems:
        raise DataError("metric input", problems)
    return yy.astype(int), pp


def _check_bins(n_bins: int, name: str = "n_bins") -> None:
    if not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise DataError("metric input", [f"{name} must be a positive integer, got {n_bins!r}"])


def _quantile_codes(p: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-frequency bin codes 0..k-1 (k <= n_bins) that keep tied scores in one bin.

    Duplicate quantile edges are dropped, so heavy ties give fewer, larger bins rather than
    splitting identical predictions across bins by row order (which would make the result
    depend on how the rows happen to be sorted).
    """
    edges = np.unique(np.quantile(p, np.linspace(0.0, 1.0, n_bins + 1)))
    return np.searchsorted(edges[1:-1], p, side="right")


# --------------------------------------------------------------------------- scalar metrics


def auc(y: MetricInput, p: MetricInput) -> float:
    """Area under the ROC curve (sklearn's ``roc_auc_score``); needs goods and bads.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the PDs or scores they are ranked by.

    Returns
    -------
    float
        0.5 for a random ranking, 1 for a perfect one.
    """
    yy, pp = check_inputs(y, p, both_classes=True)
    return float(skm.roc_auc_score(yy, pp))


def gini(y: MetricInput, p: MetricInput) -> float:
    """Gini coefficient (accuracy ratio) ``2 * AUC - 1``, the number credit teams quote.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the PDs or scores ranked.

    Returns
    -------
    float
        0 for a random ranking, 1 for a perfect one.
    """
    return 2.0 * auc(y, p) - 1.0


def _cumulative_shares(yy: np.ndarray, pp: np.ndarray) -> pd.DataFrame:
    """Cumulative share of bads and goods with score <= s, at every distinct score s."""
    scores, inverse = np.unique(pp, return_inverse=True)
    bads = np.bincount(inverse, weights=yy, minlength=scores.size)
    goods = np.bincount(inverse, weights=1 - yy, minlength=scores.size)
    cum_bad = np.cumsum(bads) / max(bads.sum(), 1.0)
    cum_good = np.cumsum(goods) / max(goods.sum(), 1.0)
    return pd.DataFrame({
        "score": scores,
        "bads": bads.astype(int),
        "goods": goods.astype(int),
        "cum_bad_share": cum_bad,
        "cum_good_share": cum_good,
        "gap": cum_good - cum_bad,
    })


def ks(y: MetricInput, p: MetricInput) -> float:
    """Kolmogorov-Smirnov statistic: max |F_goods(s) - F_bads(s)| over all scores s.

    Same number as ``scipy.stats.ks_2samp(p[y == 1], p[y == 0]).statistic`` (the tests check
    it); computed from :func:`ks_table` so the statistic and the KS chart can never disagree.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the scores whose two distributions are compared.

    Returns
    -------
    float
        Between 0 and 1.
    """
    yy, pp = check_inputs(y, p, both_classes=True)
    return float(np.abs(_cumulative_shares(yy, pp)["gap"]).max())


def brier(y: MetricInput, p: MetricInput) -> float:
    """Mean squared error of the PD (sklearn's ``brier_score_loss``).

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the PDs, whose squared errors are averaged.

    Returns
    -------
    float
        0 for perfect foresight.
    """
    yy, pp = check_inputs(y, p, probability=True)
    return float(skm.brier_score_loss(yy, pp, labels=[0, 1]))


def log_loss(y: MetricInput, p: MetricInput) -> float:
    """Mean negative log-likelihood in nats; ``p`` clipped to ``LOG_LOSS_EPS`` first.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the PDs whose likelihood is taken.

    Returns
    -------
    float
        Nats per applicant.
    """
    yy, pp = check_inputs(y, p, probability=True)
    clipped = np.clip(pp, LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)
    return float(skm.log_loss(yy, clipped, labels=[0, 1]))


def ece(y: MetricInput, p: MetricInput, n_bins: int = 10) -> float:
    """Expected calibration error: sum over bins of (bin share) * |observed - mean PD|.

    Bins are *equal-frequency* (quantiles of ``p``), not equal-width: PDs crowd near zero, so
    equal-width bins would put almost every applicant in the first bin and leave the upper
    bins with a handful of noisy borrowers. Equal-frequency bins give every bin the same
    statistical weight. Tied predictions always share a bin (see ``_quantile_codes``).

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the PDs whose calibration is measured.
    n_bins : int
        Equal-frequency bins of ``p``.

    Returns
    -------
    float
        A share (0.005 = half a percentage point).
    """
    _check_bins(n_bins)
    yy, pp = check_inputs(y, p, probability=True)
    codes = _quantile_codes(pp, n_bins)
    counts = np.bincount(codes)
    keep = counts > 0
    observed = np.bincount(codes, weights=yy)[keep] / counts[keep]
    predicted = np.bincount(codes, weights=pp)[keep] / counts[keep]
    return float(np.sum(counts[keep] / yy.size * np.abs(observed - predicted)))


def classification_metrics(y: MetricInput, p: MetricInput) -> dict[str, float]:
    """The headline metrics of a PD model as plain floats (JSON- and table-ready).

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the model's PDs on one split.

    Returns
    -------
    dict
        ``auc``, ``gini``, ``ks``, ``brier``, ``log_loss``, ``ece``.
    """
    return {
        "auc": auc(y, p),
        "gini": gini(y, p),
        "ks": ks(y, p),
        "brier": brier(y, p),
        "log_loss": log_loss(y, p),
        "ece": ece(y, p),
    }


# --------------------------------------------------------------------------- tables


def reliability_table(y: MetricInput, p: MetricInput, n_bins: int = 10) -> pd.DataFrame:
    """Mean predicted PD vs. observed bad rate per equal-frequency bin (see :func:`ece`).

    ``ci_low`` / ``ci_high`` are 95 % Wilson intervals for the observed rate (scipy's
    ``binomtest``), so a chart can show which gaps are noise.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the PDs binned.
    n_bins : int
        Equal-frequency bins.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``count``, ``mean_pd``, ``observed_rate``, the bin's PD range and
        the rate's 95 % interval (``ci_low``, ``ci_high``).
    """
    _check_bins(n_bins)
    yy, pp = check_inputs(y, p, probability=True)
    frame = pd.DataFrame({"bin": _quantile_codes(pp, n_bins), "y": yy, "p": pp})
    grouped = frame.groupby("bin", sort=True)
    table = pd.DataFrame({
        "count": grouped.size(),
        "mean_pd": grouped["p"].mean(),
        "observed_rate": grouped["y"].mean(),
        "p_min": grouped["p"].min(),
        "p_max": grouped["p"].max(),
    })
    bads = grouped["y"].sum()
    cis = [stats.binomtest(int(k), int(n)).proportion_ci(method="wilson")
           for k, n in zip(bads, table["count"], strict=True)]
    table["ci_low"] = [ci.low for ci in cis]
    table["ci_high"] = [ci.high for ci in cis]
    return table.reset_index()


def roc_curve_points(y: MetricInput, p: MetricInput) -> pd.DataFrame:
    """ROC curve (sklearn's ``roc_curve``): false- and true-positive rate per threshold.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the scores; every distinct score is a threshold.

    Returns
    -------
    pandas.DataFrame
        ``fpr``, ``tpr``, ``threshold``.
    """
    yy, pp = check_inputs(y, p, both_classes=True)
    fpr, tpr, thresholds = skm.roc_curve(yy, pp)
    return pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": thresholds})


def ks_table(y: MetricInput, p: MetricInput) -> pd.DataFrame:
    """Data for a KS chart: per distinct score, the cumulative shares of bads and goods.

    Columns: ``score, bads, goods, cum_bad_share, cum_good_share, gap`` where
    ``gap = cum_good_share - cum_bad_share``; ``max(|gap|)`` is :func:`ks`.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the scores cumulated.

    Returns
    -------
    pandas.DataFrame
        One row per distinct score.
    """
    yy, pp = check_inputs(y, p, both_classes=True)
    return _cumulative_shares(yy, pp)


def gains_table(y: MetricInput, p: MetricInput, n_bins: int = 10) -> pd.DataFrame:
    """Gains / lift table, riskiest bin first (decile 1 holds the highest PDs).

    ``cum_capture`` is the share of all bads found by declining deciles 1..d, ``lift`` the
    bin's bad rate over the overall bad rate and ``cum_lift`` the same for deciles 1..d.
    Ties in ``p`` share a bin, so heavy ties give fewer than ``n_bins`` rows.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and the PDs that order the applicants.
    n_bins : int
        Score bands (deciles by default).

    Returns
    -------
    pandas.DataFrame
        One row per band, riskiest first.
    """
    _check_bins(n_bins)
    yy, pp = check_inputs(y, p)
    if yy.sum() == 0:
        raise DataError("metric input", ["y has no bads, so gains and lift are undefined"])
    codes = _quantile_codes(pp, n_bins)
    frame = pd.DataFrame({"decile": codes.max() - codes + 1, "y": yy, "p": pp})
    grouped = frame.groupby("decile", sort=True)
    table = pd.DataFrame({
        "count": grouped.size(),
        "bads": grouped["y"].sum(),
        "p_min": grouped["p"].min(),
        "p_max": grouped["p"].max(),
    })
    overall = yy.mean()
    table["bad_rate"] = table["bads"] / table["count"]
    table["cum_share"] = table["count"].cumsum() / yy.size
    table["cum_capture"] = table["bads"].cumsum() / yy.sum()
    table["lift"] = table["bad_rate"] / overall
    table["cum_lift"] = table["bads"].cumsum() / table["count"].cumsum() / overall
    columns = ["count", "bads", "bad_rate", "cum_share", "cum_capture", "lift", "cum_lift"]
    return table[[*columns, "p_min", "p_max"]].reset_index()


def metrics_by_segment(
    y: MetricInput, p: MetricInput, segment: MetricInput, min_count: int = 30
) -> pd.DataFrame:
    """AUC, KS, bad rate, mean PD and count for each segment (missing values: own segment).

    A segment with fewer than ``min_count`` rows or only one class gets NaN for AUC and KS
    instead of an error, so one thin segment never breaks a whole monitoring report.

    Parameters
    ----------
    y, p : array-like
        Outcomes (1 = bad) and PDs of every applicant.
    segment : array-like
        Each applicant's segment.
    min_count : int
        Fewest rows a segment needs for AUC and KS.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``count``, ``bads``, ``bad_rate``, ``mean_pd``, ``auc``, ``ks``.
    """
    yy, pp = check_inputs(y, p)
    seg = segment if isinstance(segment, pd.Series) else pd.Series(np.asarray(segment))
    if len(seg) != yy.size:
        raise DataError("metric input", [f"segment has {len(seg)} rows but y has {yy.size}"])
    name = seg.name if isinstance(seg.name, str) else "segment"
    frame = pd.DataFrame({"segment": seg.to_numpy(), "y": yy, "p": pp})
    rows = {}
    for key, part in frame.groupby("segment", dropna=False, observed=True, sort=True):
        py, pp_ = part["y"].to_numpy(), part["p"].to_numpy()
        usable = py.size >= min_count and 0 < py.sum() < py.size
        rows[key] = {
            "count": int(py.size),
            "bads": int(py.sum()),
            "bad_rate": float(py.mean()),
            "mean_pd": float(pp_.mean()),
            "auc": auc(py, pp_) if usable else np.nan,
            "ks": ks(py, pp_) if usable else np.nan,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = name
    return table
