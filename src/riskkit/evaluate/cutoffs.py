"""PD cut-offs: the one place where a target (an approval rate, a bad rate) becomes a PD.

The rule, everywhere in riskkit (the policy, the strategy curve, the swap set, the charts):

* an applicant is **approved when** ``pd <= cutoff``;
* a chosen cut-off is always an observed PD of the sample it is chosen on (or, when even
  the lowest PD misses the target, the next float below it: nobody is approved);
* **ties move together**: applicants with the same PD are approved or declined as a whole,
  because ``pd <= cutoff`` cannot split them. A binned scorecard gives many equal PDs, so
  this is not a corner case;
* for an **approval-rate target** the budget is the target rounded **up** to a whole
  applicant (``ceil(rate * n)``), and the cut-off is the largest observed PD that approves
  at most that budget: above the target by less than one applicant's share when there are
  no ties, below it by up to the size of the tie at the margin when there are;
* for a **bad-rate target** the cut-off is the largest observed PD at which the bad rate
  among the approved is at most the target. The in-sample bad rate is not monotone in the
  cut-off, so every distinct PD is checked and the most generous feasible one wins. That
  most generous point is chosen *because* the sample's bads fell luckily there, so on new
  applicants the approved book misses its target more often than not; with a
  ``confidence`` the rule asks instead that the one-sided Clopper-Pearson upper bound of the
  approved bad rate be at most the target, a margin for the sample's error.

Why a module of its own: the policy once picked a *position* in a sorted list while its
``decide`` approved everyone at or below that PD, so on tied PDs the approved book was
larger (and riskier) than the target said. One implementation, used by everyone, cannot
disagree with itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import beta

from riskkit.core.errors import DataError
from riskkit.evaluate.metrics import MetricInput, _check_bins, _to_float, check_inputs

#: Slack on a bad-rate comparison, so that a rate equal to the target up to float rounding
#: (1/3 computed two ways) counts as meeting it.
RATE_TOLERANCE = 1e-12


def _sorted_cumulative(yy: np.ndarray, pp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(pp, kind="stable")
    return pp[order], np.cumsum(yy[order])


def _below(sorted_p: np.ndarray) -> float:
    """A cut-off that approves nobody: the next float below the lowest score."""
    return float(np.nextafter(sorted_p[0], -np.inf))


def _finite_scores(p: MetricInput) -> np.ndarray:
    pp = _to_float(p)
    if pp.size == 0 or not np.isfinite(pp).all():
        raise DataError("metric input", ["p must be non-empty with no missing or infinite values"])
    return pp


def cutoff_for_approval_rate(p: MetricInput, rate: float) -> float:
    """Largest observed PD whose policy ``p <= cutoff`` approves at most ``ceil(rate * n)``.

    The budget is ``ceil(rate * n)`` applicants: the target rounded up to a whole applicant,
    which is what riskkit's cut-off has always given on distinct PDs (so existing runs keep
    their decisions byte for byte); with ties the budget is never exceeded, because a tie is
    approved or declined as a whole.

    Parameters
    ----------
    p
        Predicted PDs of the sample the cut-off is chosen on.
    rate
        Target approval rate in [0, 1].

    Returns
    -------
    float
        The cut-off. The achieved rate is at most ``ceil(rate * n) / n``, i.e. above ``rate`` by
        less than one applicant's share; with ties at the margin it can be lower (a tie is
        approved or declined as a whole); if even the lowest PD's tie is over budget, the
        cut-off approves nobody.
    """
    if not 0.0 <= rate <= 1.0:
        raise DataError("metric input", [f"approval rate must be in [0, 1], got {rate!r}"])
    sorted_p = np.sort(_finite_scores(p))
    k = int(np.ceil(rate * sorted_p.size - 1e-9))
    if k == 0:
        return _below(sorted_p)
    cut = sorted_p[k - 1]
    if k < sorted_p.size and sorted_p[k] == cut:  # the tie would push us over budget
        first = int(np.searchsorted(sorted_p, cut, side="left"))
        return _below(sorted_p) if first == 0 else float(sorted_p[first - 1])
    return float(cut)


def cutoff_for_bad_rate(y: MetricInput, p: MetricInput, bad_rate: float,
                        confidence: float | None = None) -> float:
    """Largest observed PD at which the approved book's bad rate is <= ``bad_rate``.

    Without ``confidence`` the approved book's *observed* bad rate is compared with the
    target. With it, the one-sided ``confidence`` upper bound of that rate (Clopper &
    Pearson 1934, "The use of confidence or fiducial limits illustrated in the case of the
    binomial", Biometrika 26: the ``confidence`` quantile of Beta(k + 1, n - k) for k bads
    among n approved) must be; the cut-off chosen on a sample then keeps the true bad rate
    of the approved at or below the target with about that confidence, where the observed
    rate's most generous point would exceed it on new data about half the time or more.

    Parameters
    ----------
    y
        0/1 outcomes (1 = bad) of the sample the cut-off is chosen on.
    p
        Their predicted PDs.
    bad_rate
        Target bad rate among the approved.
    confidence
        None, or the one-sided confidence of the margin (e.g. 0.95).

    Returns
    -------
    float
        The cut-off; every distinct PD is tried with its whole tie approved, and the most
        generous feasible one wins. If none is feasible, the cut-off approves nobody.
    """
    if not 0.0 <= bad_rate <= 1.0:
        raise DataError("metric input", [f"bad rate must be in [0, 1], got {bad_rate!r}"])
    if confidence is not None and not 0.0 < confidence < 1.0:
        raise DataError("metric input", [f"confidence must be in (0, 1), got {confidence!r}"])
    yy, pp = check_inputs(y, p)
    sorted_p, cum_bads = _sorted_cumulative(yy, pp)
    scores = np.unique(sorted_p)
    approved = np.searchsorted(sorted_p, scores, side="right")
    bads = cum_bads[approved - 1]
    if confidence is None:
        rate = bads / approved
    else:  # the Clopper-Pearson upper bound (1 when every approved applicant is bad)
        rate = np.where(bads < approved,
                        beta.ppf(confidence, bads + 1, np.maximum(approved - bads, 1)), 1.0)
    feasible = np.flatnonzero(rate <= bad_rate + RATE_TOLERANCE)
    return float(scores[feasible[-1]]) if feasible.size else _below(sorted_p)


def strategy_curve(y: MetricInput, p: MetricInput, n_points: int = 101) -> pd.DataFrame:
    """Approval rate and bad rate among the approved, for cut-offs at the score's quantiles.

    Cut-offs are observed scores (``inverted_cdf`` quantiles), deduplicated, so each row is a
    policy a lender could actually run: approve when ``p <= cutoff``.

    Parameters
    ----------
    y, p
        Outcomes and predicted PDs.
    n_points
        Quantiles tried (fewer rows when scores tie).

    Returns
    -------
    pandas.DataFrame
        ``cutoff``, ``approved``, ``approval_rate``, ``bads_approved``, ``bad_rate_approved``.
    """
    _check_bins(n_points, "n_points")
    yy, pp = check_inputs(y, p)
    sorted_p, cum_bads = _sorted_cumulative(yy, pp)
    cutoffs = np.unique(np.quantile(pp, np.linspace(0, 1, n_points), method="inverted_cdf"))
    approved = np.searchsorted(sorted_p, cutoffs, side="right")
    bads = cum_bads[approved - 1]
    return pd.DataFrame({
        "cutoff": cutoffs,
        "approved": approved,
        "approval_rate": approved / yy.size,
        "bads_approved": bads.astype(int),
        "bad_rate_approved": bads / approved,
    })


def swap_set(
    y: MetricInput,
    p_a: MetricInput,
    p_b: MetricInput,
    approval_rate: float,
    names: tuple[str, str] = ("scorecard", "lgbm"),
    eligible: MetricInput | None = None,
) -> pd.DataFrame:
    """Swap-set analysis of two models run at the same approval rate.

    Parameters
    ----------
    y, p_a, p_b
        Outcomes and the two models' PDs.
    approval_rate
        Target approval rate of both models (:func:`cutoff_for_approval_rate`), among the
        ``eligible`` applicants.
    names
        The two models' names, for the row labels.
    eligible
        True for applicants the cut-off sees (those who pass a policy's knock-out rules);
        the others are approved by neither. None: everyone is eligible.

    Returns
    -------
    pandas.DataFrame
        Four rows (approved by both, only by A, only by B, by neither) with ``count``,
        ``share`` of applicants and ``bad_rate`` (NaN for an empty group). The swap-ins and
        swap-outs are where two models really differ; their bad rates say which is right.
    """
    yy, pa = check_inputs(y, p_a)
    _, pb = check_inputs(y, p_b)
    ok = np.ones(yy.size, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    if ok.shape != yy.shape:
        raise DataError("metric input", [f"eligible has {ok.size} entries for {yy.size} outcomes"])
    a_ok = ok & (pa <= cutoff_for_approval_rate(pa[ok], approval_rate)) if ok.any() else ok
    b_ok = ok & (pb <= cutoff_for_approval_rate(pb[ok], approval_rate)) if ok.any() else ok
    a, b = names
    groups = {
        "approved by both": (True, True),
        f"only {a}": (True, False),
        f"only {b}": (False, True),
        "approved by neither": (False, False),
    }
    rows = []
    for label, (want_a, want_b) in groups.items():
        mask = (a_ok == want_a) & (b_ok == want_b)
        n = int(mask.sum())
        rows.append({
            "group": label,
            f"{a}_approves": want_a,
            f"{b}_approves": want_b,
            "count": n,
            "share": n / yy.size,
            "bad_rate": float(yy[mask].mean()) if n else np.nan,
        })
    return pd.DataFrame(rows).set_index("group")
