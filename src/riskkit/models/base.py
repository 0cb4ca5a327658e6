"""The interface every riskkit credit model shares, and the plumbing they have in common.

A model predicts log-odds of default, explains them additively and saves itself without
pickle:

* ``predict_logit(X)`` -- calibrated log-odds; ``predict_pd`` is its sigmoid;
* ``score(X)`` -- points on one scorecard scale (base score at base odds, PDO), so the
  scores of a scorecard, a GBM and the oracle are directly comparable;
* ``contributions(X)`` and ``expected_value()`` with
  ``contributions(X).sum(axis=1) + expected_value() == predict_logit(X)`` (to ~1e-12);
* ``save(folder)`` / ``load(folder)`` through a JSON sidecar ``model.json`` whose
  ``"kind"`` tells :func:`riskkit.models.load_model` which class to rebuild.

Inputs are validated and copied into a fresh frame holding only the model features
(categoricals re-coded to the levels recorded at fit time), so a caller's DataFrame is never
written to, extra columns such as ``true_*`` are never read, and a frame whose categories
come in another order or carry unknown levels cannot be mis-scored silently.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError, RunError
from riskkit.core.io import read_json, write_json
from riskkit.data.validate import unseen_to_missing
from riskkit.models.calibration import PlattScaling, calibration_report, fit_platt

MODEL_FILE = "model.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class PointsScaling:
    """Log-odds to points: ``base_score`` points at ``base_odds`` good:bad, ``pdo`` to double.

    ``points = offset - factor * logit_bad`` with ``factor = pdo / ln 2`` and
    ``offset = base_score - factor * ln(base_odds)``; higher points mean a safer applicant.
    """

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        if not (self.base_odds > 0 and self.pdo > 0 and math.isfinite(self.base_score)):
            raise ConfigError(f"points scaling needs base_odds > 0 and pdo > 0, got {self}")

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)

    def points(self, logit: np.ndarray | float) -> np.ndarray:
        """Score for log-odds of *default*."""
        return self.offset - self.factor * np.asarray(logit, dtype=float)


def check_target(y: Any, n_rows: int, what: str = "y") -> np.ndarray:
    """A 0/1 integer target of the right length, or a DataError that says what is wrong."""
    arr = np.asarray(y)
    problems = []
    if arr.ndim != 1:
        problems.append(f"{what} must be one-dimensional, got shape {arr.shape}")
    elif len(arr) != n_rows:
        problems.append(f"{what} has {len(arr)} rows but X has {n_rows}")
    else:
        values = pd.unique(pd.Series(arr))
        if not set(values.tolist()) <= {0, 1}:
            problems.append(f"{what} must hold only 0 and 1, found {sorted(map(str, values))[:5]}")
    if problems:
        raise DataError(what, problems)
    return arr.astype(np.int64)


def category_levels(features: tuple[str, ...], X: pd.DataFrame) -> dict[str, list[str]]:
    """Levels of each categorical model feature: the registry's list, else those seen in X."""
    levels: dict[str, list[str]] = {}
    for name in features:
        feat = F.get(name)
        if not feat.is_categorical:
            continue
        if feat.categories:
            levels[name] = list(feat.categories)
        else:
            levels[name] = sorted(map(str, pd.Series(X[name]).dropna().unique()))
    return levels


def prepare_frame(X: pd.DataFrame, features: tuple[str, ...],
                  levels: dict[str, list[str]], source: str = "X") -> pd.DataFrame:
    """A new frame with only ``features``: floats, and categoricals on the recorded levels.

    Every problem (missing column, non-numeric values) is collected and raised together in
    one DataError; a category level unseen at fit time becomes missing with a
    :class:`~riskkit.data.validate.ScoringWarning` (:func:`~riskkit.data.validate.unseen_to_missing`).
    """
    if not isinstance(X, pd.DataFrame):
        raise DataError(source, [f"expected a pandas DataFrame, got {type(X).__name__}"])
    problems: list[str] = []
    missing = [name for name in features if name not in X.columns]
    if missing:
        problems.append(f"missing model feature columns {missing}")
    out: dict[str, Any] = {}
    for name in features:
        if name in missing:
            continue
        col = X[name]
        if name in levels:
            # one rule for unseen categories in every scoring path: missing, with a warning
            codes, _ = unseen_to_missing(name, col, levels[name], source)
            out[name] = pd.Categorical(codes, categories=levels[name])
        else:
            try:
                out[name] = pd.to_numeric(col, errors="raise").to_numpy(dtype=float,
                                                                        na_value=np.nan)
            except (ValueError, TypeError):
                problems.append(f"column {name!r} must be numeric, got dtype {col.dtype}")
    if problems:
        raise DataError(source, problems)
    return pd.DataFrame(out, index=X.index, columns=list(features))


class CreditModel(BaseEstimator, ABC):
    """Base of every riskkit model (scikit-learn conventions: fitted state ends in ``_``).

    Subclasses implement ``_fit_raw``, ``_raw_logit``, ``_raw_contributions`` and
    ``_state``/``_restore``; calibration, scoring, validation and persistence live here.
    """

    name: ClassVar[str] = ""
    #: Subclasses that use every registry model feature regardless of ``features``.
    requires_all_features: ClassVar[bool] = False

    def __init__(self, *, features: tuple[str, ...] | list[str] | None = None,
                 calibrate: bool = True, base_score: float = 600.0, base_odds: float = 50.0,
                 pdo: float = 20.0) -> None:
        self.features = features
        self.calibrate = calibrate
        self.base_score = base_score
        self.base_odds = base_odds
        self.pdo = pdo

    # ----------------------------------------------------------------- subclass hooks
    @abstractmethod
    def _fit_raw(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                 y_valid: np.ndarray | None) -> None:
        """Fit the uncalibrated model on prepared frames."""

    @abstractmethod
    def _raw_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated log-odds for a prepared frame."""

    @abstractmethod
    def _raw_contributions(self, X: pd.DataFrame) -> np.ndarray:
        """n x d contributions in ``features_`` order, before calibration."""

    @abstractmethod
    def _raw_base(self) -> float:
        """The base the raw contributions are measured from, before calibration."""

    @abstractmethod
    def _state(self, folder: Path) -> tuple[dict[str, Any], list[Path]]:
        """Write any extra files into ``folder``; return the JSON state and their paths."""

    @abstractmethod
    def _restore(self, state: dict[str, Any], folder: Path) -> None:
        """Rebuild the fitted state from ``_state``'s JSON (and files in ``folder``)."""

    # ----------------------------------------------------------------- fitting
    def _resolve_features(self) -> tuple[str, ...]:
        chosen = tuple(F.MODEL_FEATURES if self.features is None else self.features)
        problems = [f"{n!r} is not a model feature" for n in chosen if not F.is_model_feature(n)]
        if len(set(chosen)) != len(chosen):
            problems.append("features are repeated")
        if not chosen:
            problems.append("no features given")
        if self.requires_all_features and chosen != F.MODEL_FEATURES:
            problems.append(f"the {self.name} model uses every model feature, in registry order")
        if problems:
            raise ConfigError(f"{self.name} features: " + "; ".join(problems))
        return chosen

    def fit(self, X: pd.DataFrame, y: Any, X_valid: pd.DataFrame | None = None,
            y_valid: Any = None) -> Self:
        """Fit on (X, y); the validation split drives early stopping and calibration.

        Without a validation split no calibration is fitted (calibrating on the training
        rows would mostly undo nothing but overfitting), and the report says so.
        """
        if (X_valid is None) != (y_valid is None):
            raise ConfigError("give both X_valid and y_valid, or neither")
        features = self._resolve_features()
        self.features_ = features
        self.levels_ = category_levels(features, X)
        Xt = prepare_frame(X, features, self.levels_, "X")
        yt = check_target(y, len(Xt), "y")
        if len(np.unique(yt)) < 2:
            raise DataError("y", ["the training target needs both outcomes (0 and 1)"])
        Xv = yv = None
        if X_valid is not None:
            Xv = prepare_frame(X_valid, features, self.levels_, "X_valid")
            yv = check_target(y_valid, len(Xv), "y_valid")
        self._fit_raw(Xt, yt, Xv, yv)
        self._fit_calibration(Xt, yt, Xv, yv)
        return self

    def _fit_calibration(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                         y_valid: np.ndarray | None) -> None:
        if X_valid is None or y_valid is None:
            self.calibration_ = PlattScaling()
            note = "no validation split: not calibrated; ECE measured on the training rows"
            self.calibration_report_ = calibration_report(self._raw_logit(X), y,
                                                          self.calibration_, note)
            return
        raw = self._raw_logit(X_valid)
        if self.calibrate and len(np.unique(y_valid)) == 2:
            self.calibration_ = fit_platt(raw, y_valid)
            note = "Platt scaling fitted on the validation split; ECE on the same rows"
        else:
            self.calibration_ = PlattScaling()
            note = "calibrate=False" if not self.calibrate else "validation split has one outcome"
        self.calibration_report_ = calibration_report(raw, y_valid, self.calibration_, note)

    # ----------------------------------------------------------------- predicting
    def _prepare(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "calibration_")
        return prepare_frame(X, self.features_, self.levels_, "X")

    @property
    def scaling(self) -> PointsScaling:
        return PointsScaling(float(self.base_score), float(self.base_odds), float(self.pdo))

    def predict_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated log-odds of default."""
        raw = self._raw_logit(self._prepare(X))
        return self.calibration_.apply(raw)

    def predict_pd(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of default within 12 months."""
        return expit(self.predict_logit(X))

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """Scorecard points (higher = safer) on the shared base score / odds / PDO scale."""
        return self.scaling.points(self.predict_logit(X))

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature log-odds contributions (positive raises risk), calibrated.

        ``contributions(X).sum(axis=1) + expected_value()`` equals ``predict_logit(X)``.
        """
        Xt = self._prepare(X)
        return self._contribution_frame(self._raw_contributions(Xt), Xt.index)

    def expected_value(self, X: pd.DataFrame | None = None) -> float:
        """The base log-odds the contributions are measured from, after calibration.

        Every riskkit model has a base that does not depend on the rows explained; ``X`` is
        accepted so that callers can treat riskkit models like background-sample explainers.
        """
        check_is_fitted(self, "calibration_")
        return self._calibrated_base(self._raw_base())

    def _calibrated_base(self, raw_base: float) -> float:
        cal = self.calibration_
        return float(cal.slope * raw_base + cal.intercept) if cal.applied else float(raw_base)

    def _contribution_frame(self, raw: np.ndarray, index: pd.Index) -> pd.DataFrame:
        cal = self.calibration_
        values = cal.slope * raw if cal.applied else raw
        return pd.DataFrame(values, index=index, columns=list(self.features_))

    # ----------------------------------------------------------------- persistence
    def save(self, folder: str | Path) -> list[Path]:
        """Write the model into ``folder`` (no pickle); ``model.json`` is written last.

        Because the sidecar goes last and every write is atomic, a folder that has a
        ``model.json`` has all the files it refers to.
        """
        check_is_fitted(self, "calibration_")
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        state, paths = self._state(target)
        params = self.get_params(deep=False)
        if params.get("features") is not None:
            params["features"] = list(params["features"])
        payload = {
            "kind": self.name,
            "format_version": FORMAT_VERSION,
            "params": params,
            "features": list(self.features_),
            "levels": self.levels_,
            "scaling": {"base_score": self.scaling.base_score, "base_odds": self.scaling.base_odds,
                        "pdo": self.scaling.pdo, "factor": self.scaling.factor,
                        "offset": self.scaling.offset},
            "calibration": self.calibration_.to_dict(),
            "calibration_report": self.calibration_report_,
            "state": state,
        }
        paths.append(write_json(target / MODEL_FILE, payload))
        return paths

    @classmethod
    def load(cls, folder: str | Path) -> Self:
        """Rebuild a saved model; predictions equal the saved model's bit for bit."""
        payload = read_model_json(folder)
        if payload.get("kind") != cls.name:
            raise RunError(f"{folder}: holds a {payload.get('kind')!r} model, not {cls.name!r}")
        try:
            model = cls(**payload["params"])
            model.features_ = tuple(payload["features"])
            model.levels_ = {k: list(v) for k, v in payload["levels"].items()}
            model.calibration_ = PlattScaling.from_dict(payload["calibration"])
            model.calibration_report_ = payload["calibration_report"]
            model._restore(payload["state"], Path(folder))
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise RunError(f"{folder}: damaged model files ({type(exc).__name__}: {exc})") from exc
        return model


def read_model_json(folder: str | Path) -> dict[str, Any]:
    """The sidecar of a saved model, or a RunError that says what is missing or damaged."""
    path = Path(folder) / MODEL_FILE
    if not path.is_file():
        raise RunError(f"{folder}: no {MODEL_FILE}; not a saved riskkit model")
    try:
        payload = read_json(path)
    except ValueError as exc:
        raise RunError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(payload, dict) or "kind" not in payload:
        raise RunError(f"{path}: has no 'kind' field")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise RunError(f"{path}: format version {version!r}, this riskkit reads {FORMAT_VERSION}")
    return payload
