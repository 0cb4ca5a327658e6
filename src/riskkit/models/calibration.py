"""Platt scaling on the log-odds, and the calibration error it is judged by.

Why Platt and not isotonic: every riskkit model explains its log-odds as a base plus one
contribution per feature. Platt scaling is *affine in log-odds*,

    logit_cal = a * raw_logit + b,

so a calibrated model's contributions are the raw ones times ``a`` and its base is
``a * base + b``: the explanation still adds up exactly to the calibrated log-odds. An
isotonic (step-function) map has no such form, so applying it would break additivity.
"""

from __future__ import annotations

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
    """
    x = np.asarray(raw_logit, dtype=float).reshape(-1, 1)
    target = np.asarray(y)
    if len(np.unique(target)) < 2:
        raise ValueError("Platt scaling needs both outcomes in the validation data")
    lr = LogisticRegression(C=C, solver="lbfgs", max_iter=1000, tol=1e-10)
    lr.fit(x, target, sample_weight=sample_weight)
    return PlattScaling(slope=float(lr.coef_[0, 0]), intercept=float(lr.intercept_[0]),
                        applied=True)


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
    """ECE before and after calibration, on the data the calibration was fitted on.

    The "after" number is in-sample for the two Platt parameters, so it is slightly
    optimistic; an out-of-sample check belongs in the evaluation step.
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
