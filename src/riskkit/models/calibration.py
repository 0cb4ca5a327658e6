"""Platt scaling on the log-odds, and the calibration error it is judged by.

Why Platt and not isotonic: every riskkit model explains its log-odds as a base plus one
contribution per feature. Platt scaling is *affine in log-odds*,

    logit_cal = a * raw_logit + b,

so a calibrated model's contributions are the raw ones times ``a`` and its base is
``a * base + b``: the explanation still adds up exactly to the calibrated log-odds. An
isotonic (step-function) map has no such form, so applying it would break additivity.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from riskkit.core.mathx import sigmoid
from riskkit.evaluate import ece as evaluate_ece

#: Inverse regularisation of the one-feature Platt fit: large, so the slope is not shrunk.
PLATT_C = 1e6
#: Equal-count bins used by :func:`ece`.
ECE_BINS = 10

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlattScaling:
    """``logit_cal = slope * raw_logit + intercept``; the identity when not applied."""

    slope: float = 1.0
    intercept: float = 0.0
    applied: bool = False

    def apply(self, raw_logit: np.ndarray) -> np.ndarray:
        """Calibrated log-odds (exactly ``raw_logit`` when calibration was not applied)."""
        raw = np.asarray(raw_logit, dtype=float)
        if not self.applied:
            return raw
        return self.slope * raw + self.intercept

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlattScaling:
        return cls(slope=float(data["slope"]), intercept=float(data["intercept"]),
                   applied=bool(data["applied"]))


def fit_platt(raw_logit: np.ndarray, y: np.ndarray, C: float = PLATT_C,
              sample_weight: np.ndarray | None = None) -> PlattScaling:
    """Fit ``y ~ sigmoid(a * raw_logit + b)`` by logistic regression on the single raw logit.

    lbfgs is deterministic, so two fits on the same data give bit-identical (a, b).
    ``sample_weight`` (optional, one per row) weights the fit.

    Parameters
    ----------
    raw_logit : numpy.ndarray
        The model's raw log-odds.
    y : numpy.ndarray
        0/1 outcomes.
    C : float
        Inverse L2 penalty (large: practically none).
    sample_weight : numpy.ndarray, optional
        One weight per row.

    Returns
    -------
    PlattScaling
        Slope and intercept.
    """
    x = np.asarray(raw_logit, dtype=float).reshape(-1, 1)
    target = np.asarray(y)
    if len(np.unique(target)) < 2:
        raise ValueError("Platt scaling needs both outcomes in the validation data")
    lr = LogisticRegression(C=C, solver="lbfgs", max_iter=1000, tol=1e-10)
    lr.fit(x, target, sample_weight=sample_weight)
    return PlattScaling(slope=float(lr.coef_[0, 0]), intercept=float(lr.intercept_[0]),
                        applied=True)


def fit_platt_monotone(raw_logit: np.ndarray, y: np.ndarray, what: str = "model",
                       C: float = PLATT_C,
                       sample_weight: np.ndarray | None = None,
                       ece_rows: str = "the same rows") -> tuple[PlattScaling, str]:
    """Platt scaling that never inverts (or flattens) the model's ranking.

    A calibration map must be increasing: a slope <= 0 turns the riskiest applicants into
    the safest (a negative slope) or every applicant into the same PD (zero), while the
    log-odds it is applied to were fitted to rank. It happens when the validation split
    ranks the other way round from training (a weak, unstable feature; a tiny sample). A
    bounded fit would only return slope 0, a model that ranks nobody, so such a fit is
    refused instead: the raw model is kept, the refusal is logged as a warning and its
    reason returned for the calibration report.

    Parameters
    ----------
    raw_logit, y
        Uncalibrated log-odds and 0/1 outcomes of the validation split.
    what
        The model's name, for the warning.
    C
        Inverse regularisation of the logistic fit.
    sample_weight
        Optional weight per row (the note then says the fit was weighted).
    ece_rows
        Where the calibration report measures its ECE, for the note ("the same rows" when
        the report is on the fit's rows, "held-out validation rows" with honest splits).

    Returns
    -------
    tuple of PlattScaling and str
        The scaling to apply (the identity when refused) and a note saying what was done.
    """
    fitted = fit_platt(raw_logit, y, C=C, sample_weight=sample_weight)
    if fitted.slope > 0:
        note = f"Platt scaling fitted on the validation split; ECE on {ece_rows}"
        return fitted, note + (" (fit weighted; ECE unweighted)" if sample_weight is not None
                               else "")
    note = (f"calibration refused: the Platt slope fitted on the validation split is "
            f"{fitted.slope:.4g} (<= 0), which would invert the model's ranking; the "
            "uncalibrated model is kept (the validation split ranks against the training fit)")
    log.warning("%s: %s", what, note)
    return PlattScaling(), note


def ece(y: np.ndarray, pd_: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error: ``riskkit.evaluate.ece``, the one implementation, so a
    model's calibration report and the evaluation report quote the same number.

    Parameters
    ----------
    y:
        0/1 outcomes.
    pd_:
        Predicted PDs.
    n_bins:
        Equal-count bins.

    Returns
    -------
    float
    """
    return float(evaluate_ece(np.asarray(y), np.asarray(pd_, dtype=float), n_bins=n_bins))


def calibration_report(raw_logit: np.ndarray, y: np.ndarray, platt: PlattScaling,
                       reason: str = "") -> dict[str, Any]:
    """ECE before and after calibration on the rows given.

    Given the rows the calibration was fitted on, the "after" number is in-sample for the
    two Platt parameters and so slightly optimistic; :meth:`CreditModel.fit` with
    ``X_calibrate`` passes rows the calibration never saw instead (and says so).
    """
    raw = np.asarray(raw_logit, dtype=float)
    target = np.asarray(y)
    report: dict[str, Any] = {
        "method": "platt" if platt.applied else "none",
        "applied": platt.applied,
        "slope": platt.slope,
        "intercept": platt.intercept,
        "ece_bins": ECE_BINS,
        "n_rows": len(target),
        "observed_bad_rate": float(target.mean()) if len(target) else float("nan"),
    }
    if len(target):
        report["ece_before"] = ece(target, sigmoid(raw))
        report["ece_after"] = ece(target, sigmoid(platt.apply(raw)))
        report["mean_pd_before"] = float(sigmoid(raw).mean())
        report["mean_pd_after"] = float(sigmoid(platt.apply(raw)).mean())
    if reason:
        report["note"] = reason
    return report
