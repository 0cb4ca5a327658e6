"""Credit-scoring models behind one interface: the oracle, a WoE scorecard, LightGBM and an
Explainable Boosting Machine.

Every model fits on ``(X, y, X_valid, y_valid)``, predicts calibrated log-odds / PD /
points, explains its log-odds additively (``contributions(X).sum(axis=1) +
expected_value() == predict_logit(X)``) and saves itself as text and JSON, never pickle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from riskkit.core.errors import ConfigError, RunError
from riskkit.core.registry import Registry
from riskkit.models._forest import warm_up as warm_up_predictor
from riskkit.models.base import MODEL_FILE, CreditModel, PointsScaling, read_model_json
from riskkit.models.calibration import PlattScaling, ece, fit_platt, fit_platt_monotone
from riskkit.models.ebm import EBMModel
from riskkit.models.gbm import LGBMModel
from riskkit.models.oracle import OracleModel
from riskkit.models.scorecard import FeatureBins, ScorecardModel

MODEL_NAMES: tuple[str, ...] = ("oracle", "scorecard", "lgbm", "ebm")
MODEL_CLASSES: dict[str, type[CreditModel]] = {
    "oracle": OracleModel,
    "scorecard": ScorecardModel,
    "lgbm": LGBMModel,
    "ebm": EBMModel,
}


def make_model(name: str, **params: Any) -> CreditModel:
    """A fresh, unfitted model by name, e.g. ``make_model("lgbm", seed=3)``.

    Parameters
    ----------
    name : str
        One of :data:`MODEL_NAMES`.
    **params
        The model's constructor arguments.

    Returns
    -------
    CreditModel
        Unfitted; an unknown name or argument is a ConfigError.
    """
    try:
        cls = MODEL_CLASSES[name]
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; expected one of: {', '.join(MODEL_NAMES)}") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"model {name!r}: {exc}") from None


def load_model(folder: str | Path, registry: Registry | None = None) -> CreditModel:
    """Load any saved riskkit model; the ``"kind"`` field of ``model.json`` picks the class.

    Parameters
    ----------
    folder:
        A saved model's folder.
    registry:
        The registry its features are described in (a run passes ``run.registry``).

    Returns
    -------
    CreditModel
    """
    kind = read_model_json(folder)["kind"]
    if kind not in MODEL_CLASSES:
        raise RunError(f"{folder}: unknown model kind {kind!r}; expected one of {MODEL_NAMES}")
    return MODEL_CLASSES[kind].load(folder, registry=registry)


__all__ = [
    "MODEL_CLASSES",
    "MODEL_FILE",
    "MODEL_NAMES",
    "CreditModel",
    "EBMModel",
    "FeatureBins",
    "LGBMModel",
    "OracleModel",
    "PlattScaling",
    "PointsScaling",
    "ScorecardModel",
    "ece",
    "fit_platt",
    "fit_platt_monotone",
    "load_model",
    "make_model",
    "warm_up_predictor",
]
