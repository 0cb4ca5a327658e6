"""A regularised logistic regression on standardised features, as a riskkit credit model.

Why a third model kind beside the WoE scorecard and LightGBM: a lender fitting on its
accepted applicants has a few hundred bads. A tree model is flat beyond the last split it
saw and a scorecard's outer bin pools the accepted tail with the unseen rejects, while a
logistic regression that is linear in each (standardised) feature carries the slope it
learnt into the rejected region -- the extrapolation the accepted-only model needs, with
few parameters to estimate (Hand & Henley 1993; Anderson 2007, ch. 10). It is also the
peer's baseline (rejectkit fits scikit-learn's ``LogisticRegression``), so riskkit's own
version keeps the comparison like for like.

The design, in NumPy so that the fitted model saves as JSON (no pickle): every numeric
feature median-imputed, a 0/1 missing indicator where the training rows had missing
values, then standardised with the (weighted) training mean and standard deviation;
every categorical one-hot on the levels recorded at fit time (an unknown or missing
level is all zeros). The L2 penalty ``C`` is scikit-learn's (``None``: no penalty, the
maximum-likelihood fit); the reject-inference fits choose it by the rule of
:func:`riskkit.rejectinf.fitting.fit_kind`.

Contributions are exact for a linear model: feature ``j`` contributes
``sum_k coef_k * (z_k - zbar_k)`` over its design columns ``k`` (the standardised value,
its missing indicator, or its one-hot columns), measured from the training mean ``zbar``,
so contributions add up to the log-odds minus the base ``intercept + coef . zbar``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from riskkit.core.registry import Registry
from riskkit.models import CreditModel
from riskkit.models.frames import category_levels


def _weighted_moments(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    mean = float(np.average(x, weights=w))
    sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
    return mean, sd if sd > 0 else 1.0


class LogisticModel(CreditModel):
    """L2-penalised logistic regression on standardised numeric and one-hot categorical features.

    Parameters
    ----------
    C : float or None
        Inverse L2 penalty (scikit-learn's meaning); smaller shrinks more. None fits by
        maximum likelihood with no penalty (scikit-learn's ``C=np.inf``), kept as ``null``
        in ``model.json``.
    features, calibrate, base_score, base_odds, pdo, registry
        As every riskkit model (:class:`riskkit.models.CreditModel`).
    """

    name = "logistic"

    def __init__(self, *, C: float | None = 1.0, features: tuple[str, ...] | list[str] | None = None,
                 calibrate: bool = True, base_score: float = 600.0, base_odds: float = 50.0,
                 pdo: float = 20.0, registry: Registry | None = None) -> None:
        super().__init__(features=features, calibrate=calibrate, base_score=base_score,
                         base_odds=base_odds, pdo=pdo, registry=registry)
        self.C = C

    # ----------------------------------------------------------------- design
    def design_width(self, X: pd.DataFrame) -> int:
        """Columns the design of a fit on ``X`` would have (before fitting): a categorical's
        levels, a number's one column plus its missing indicator where ``X`` has gaps."""
        features = self._resolve_features()
        levels = category_levels(features, X, self.registry_)
        width = 0
        for name in features:
            if name in levels:
                width += len(levels[name])
            else:
                width += 1 + int(X[name].isna().any())
        return width

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        """Rows x design columns, in :attr:`columns_` order."""
        blocks = []
        for name in self.features_:
            if name in self.levels_:
                codes = np.asarray(X[name].cat.codes, dtype=np.int64)
                onehot = np.zeros((len(X), len(self.levels_[name])))
                ok = codes >= 0
                onehot[np.flatnonzero(ok), codes[ok]] = 1.0
                blocks.append(onehot)
                continue
            x = X[name].to_numpy(dtype=float)
            missing = np.isnan(x)
            spec = self.numeric_[name]
            filled = np.where(missing, spec["median"], x)
            blocks.append(((filled - spec["mean"]) / spec["sd"]).reshape(-1, 1))
            if spec["indicator"]:
                blocks.append(missing.astype(float).reshape(-1, 1))
        return np.hstack(blocks) if blocks else np.zeros((len(X), 0))

    def _fit_design(self, X: pd.DataFrame, w: np.ndarray) -> None:
        self.numeric_: dict[str, dict[str, Any]] = {}
        owners: list[str] = []
        for name in self.features_:
            if name in self.levels_:
                owners.extend([name] * len(self.levels_[name]))
                continue
            x = X[name].to_numpy(dtype=float)
            missing = np.isnan(x)
            median = float(np.median(x[~missing])) if (~missing).any() else 0.0
            mean, sd = _weighted_moments(np.where(missing, median, x), w)
            self.numeric_[name] = {"median": median, "mean": mean, "sd": sd,
                                   "indicator": bool(missing.any())}
            owners.extend([name] * (2 if missing.any() else 1))
        self.owners_ = owners

    # ----------------------------------------------------------------- fitting
    def _fit_raw(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                 y_valid: np.ndarray | None, sample_weight: np.ndarray | None = None,
                 valid_weight: np.ndarray | None = None) -> None:
        w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self._fit_design(X, w)
        Z = self._design(X)
        C = np.inf if self.C is None else float(self.C)
        lr = LogisticRegression(C=C, solver="lbfgs", max_iter=2000, tol=1e-6)
        lr.fit(Z, y, sample_weight=w)
        self.coef_ = lr.coef_[0].astype(float)
        self.intercept_ = float(lr.intercept_[0])
        self.zbar_ = np.average(Z, axis=0, weights=w)

    # ----------------------------------------------------------------- predicting
    def _raw_logit(self, X: pd.DataFrame) -> np.ndarray:
        return self._design(X) @ self.coef_ + self.intercept_

    def _raw_contributions(self, X: pd.DataFrame) -> np.ndarray:
        parts = (self._design(X) - self.zbar_) * self.coef_
        owners = np.asarray(self.owners_)
        return np.column_stack([parts[:, owners == name].sum(axis=1)
                                for name in self.features_])

    def _raw_base(self) -> float:
        return float(self.intercept_ + self.coef_ @ self.zbar_)

    # ----------------------------------------------------------------- persistence
    def _state(self, folder: Path) -> tuple[dict[str, Any], list[Path]]:
        return {"numeric": self.numeric_, "owners": list(self.owners_),
                "coef": self.coef_.tolist(), "intercept": self.intercept_,
                "zbar": self.zbar_.tolist()}, []

    def _restore(self, state: dict[str, Any], folder: Path) -> None:
        self.numeric_ = {k: dict(v) for k, v in state["numeric"].items()}
        self.owners_ = list(state["owners"])
        self.coef_ = np.asarray(state["coef"], dtype=float)
        self.intercept_ = float(state["intercept"])
        self.zbar_ = np.asarray(state["zbar"], dtype=float)
