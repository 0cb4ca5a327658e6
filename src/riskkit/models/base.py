"""The interface every riskkit credit model shares, and the plumbing they have in common.

A model predicts log-odds of default, explains them additively and saves itself without
pickle:

* ``predict_logit(X)`` -- calibrated log-odds; ``predict_pd`` is its sigmoid;
* ``score(X)`` -- points on one scorecard scale (base score at base odds, PDO), so the
  scores of a scorecard, a GBM and the oracle are directly comparable;
* ``contributions(X)`` and ``expected_value()`` with
  ``contributions(X).sum(axis=1) + expected_value() == predict_logit(X)`` (to ~1e-12);
* ``save(folder)`` / ``load(folder)`` through a JSON sidecar ``model.json`` whose
  ``"kind"`` tells :func:`riskkit.models.load_model` which class to rebuild;
* ``world_``: the :class:`riskkit.synth.World` a model fitted on synthetic data was fitted
  in (set by whoever fits it on a world's data, kept in ``model.json``); absent for a
  model of a user's own data.

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
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError, RunError
from riskkit.core.io import read_json, write_json
from riskkit.core.mathx import sigmoid
from riskkit.core.registry import Registry
from riskkit.models.calibration import PlattScaling, calibration_report, fit_platt_monotone
from riskkit.models.frames import category_levels, check_target, check_weight, prepare_frame
from riskkit.synth.world import World

MODEL_FILE = "model.json"
FORMAT_VERSION = 1

HELD_OUT_ROWS = "held-out validation rows"  # where a fit with X_calibrate measures its ECE


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
                 pdo: float = 20.0, registry: Registry | None = None) -> None:
        self.features = features
        self.calibrate = calibrate
        self.base_score = base_score
        self.base_odds = base_odds
        self.pdo = pdo
        self.registry = registry

    @property
    def registry_(self) -> Registry:
        """The registry this model's features are described in (the synthetic one by default)."""
        return self.registry if self.registry is not None else F.SYNTHETIC

    # ----------------------------------------------------------------- subclass hooks
    @abstractmethod
    def _fit_raw(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                 y_valid: np.ndarray | None, sample_weight: np.ndarray | None = None,
                 valid_weight: np.ndarray | None = None) -> None:
        """Fit the uncalibrated model on prepared frames (weights: None, or one per row)."""

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
        registry = self.registry_
        chosen = tuple(registry.model_features if self.features is None else self.features)
        problems = [f"{n!r} is not a model feature" for n in chosen
                    if not registry.is_model_feature(n)]
        if len(set(chosen)) != len(chosen):
            problems.append("features are repeated")
        if not chosen:
            problems.append("no features given")
        if self.requires_all_features and chosen != registry.model_features:
            problems.append(f"the {self.name} model uses every model feature, in registry order")
        if problems:
            raise ConfigError(f"{self.name} features: " + "; ".join(problems))
        return chosen

    def fit(self, X: pd.DataFrame, y: Any, *, X_valid: pd.DataFrame | None = None,
            y_valid: Any = None, sample_weight: Any = None,
            valid_sample_weight: Any = None, X_calibrate: pd.DataFrame | None = None,
            y_calibrate: Any = None) -> Self:
        """Fit on (X, y); the validation split drives early stopping and calibration.

        Without a validation split no calibration is fitted (calibrating on the training
        rows would mostly undo nothing but overfitting), and the report says so. With
        ``X_calibrate`` the Platt map is fitted on those rows instead, and its quality
        (``calibration_report_``'s ECE before and after) is measured on the validation rows,
        which it never saw: one set of rows stops the model, another calibrates it.

        Parameters
        ----------
        X:
            Training rows with (at least) the model's feature columns.
        y:
            0/1 outcome per row (1 = default).
        X_valid, y_valid:
            The validation split (keywords, both or neither).
        X_calibrate, y_calibrate:
            Rows the calibration is fitted on, apart from ``X_valid`` (both or neither; they
            need ``X_valid``).
        sample_weight, valid_sample_weight:
            Optional non-negative weight per row: a row stands for more or fewer applicants,
            as reject inference needs (inverse acceptance probabilities, a reject entered
            twice, as bad with weight p and as good with 1 - p). They weight the fit, early
            stopping and the Platt calibration; without them the fit is the unweighted one.

        Returns
        -------
        CreditModel
            ``self``, fitted.
        """
        if (X_valid is None) != (y_valid is None):
            raise ConfigError("give both X_valid and y_valid, or neither")
        if (X_calibrate is None) != (y_calibrate is None):
            raise ConfigError("give both X_calibrate and y_calibrate, or neither")
        if X_calibrate is not None and X_valid is None:
            raise ConfigError("X_calibrate needs X_valid: the rows the calibration is judged on")
        features = self._resolve_features()
        self.features_ = features
        self.levels_ = category_levels(features, X, self.registry_)
        self.classes_ = np.array([0, 1])
        Xt = prepare_frame(X, features, self.levels_, "X")
        yt = check_target(y, len(Xt), "y")
        if len(np.unique(yt)) < 2:
            raise DataError("y", ["the training target needs both outcomes (0 and 1)"])
        Xv = yv = None
        if X_valid is not None:
            Xv = prepare_frame(X_valid, features, self.levels_, "X_valid")
            yv = check_target(y_valid, len(Xv), "y_valid")
        w = check_weight(sample_weight, len(Xt), "sample_weight")
        wv = check_weight(valid_sample_weight, 0 if Xv is None else len(Xv),
                          "valid_sample_weight")
        if w is None and wv is None:
            self._fit_raw(Xt, yt, Xv, yv)
        else:
            self._fit_raw(Xt, yt, Xv, yv, sample_weight=w, valid_weight=wv)
        if X_calibrate is None:
            self._fit_calibration(Xt, yt, Xv, yv, wv)
            return self
        Xc = prepare_frame(X_calibrate, features, self.levels_, "X_calibrate")
        yc = check_target(y_calibrate, len(Xc), "y_calibrate")
        self._fit_calibration(Xt, yt, Xc, yc, ece_rows=HELD_OUT_ROWS)
        if Xv is not None and yv is not None:  # always: X_calibrate needs X_valid
            held = calibration_report(self._raw_logit(Xv), yv, self.calibration_,
                                      self.calibration_report_.get("note", ""))
            self.calibration_report_ = {**held, "n_fit_rows": len(yc),
                                        "measured_on": f"{HELD_OUT_ROWS} (not the fit's own)"}
        return self

    def calibrate_on(self, X_valid: pd.DataFrame | None, y_valid: Any = None) -> Self:
        """(Re)fit the Platt calibration on a validation frame, for a model whose raw part was
        trained elsewhere (e.g. LightGBM on Dask); ``None`` leaves it uncalibrated.

        Parameters
        ----------
        X_valid, y_valid:
            Validation rows and their 0/1 outcomes, or ``None``.

        Returns
        -------
        CreditModel
            ``self``.
        """
        if X_valid is None:
            self._fit_calibration(None, None, None, None)
            return self
        Xv = prepare_frame(X_valid, self.features_, self.levels_, "X_valid")
        yv = check_target(y_valid, len(Xv), "y_valid")
        self._fit_calibration(Xv, yv, Xv, yv)
        return self

    def calibrate_scores(self, raw_logit: Any, y: Any, sample_weight: Any = None,
                         note: str = "") -> Self:
        """Fit the Platt calibration on given raw log-odds, e.g. out-of-fold ones.

        Cross-fitting (each row scored by a model that did not see it) lets a model trained
        on *all* rows be calibrated without a held-out split that starves both jobs of the
        few bads a lender has; :meth:`calibrate_on` would score the rows with this model.

        Parameters
        ----------
        raw_logit, y:
            Uncalibrated log-odds (from models that did not see the rows) and 0/1 outcomes.
        sample_weight:
            Optional weight per row.
        note:
            What the scores are, for the calibration report.

        Returns
        -------
        CreditModel
            ``self``.
        """
        check_is_fitted(self, "features_")
        raw = np.asarray(raw_logit, dtype=float)
        target = check_target(y, len(raw), "y")
        w = check_weight(sample_weight, len(raw), "sample_weight")
        self.calibration_, reason = fit_platt_monotone(raw, target, what=self.name,
                                                       sample_weight=w)
        self.calibration_report_ = calibration_report(raw, target, self.calibration_,
                                                      f"{note}; {reason}" if note else reason)
        return self

    def _fit_calibration(self, X: pd.DataFrame | None, y: np.ndarray | None,
                         X_valid: pd.DataFrame | None, y_valid: np.ndarray | None,
                         valid_weight: np.ndarray | None = None,
                         ece_rows: str = "the same rows") -> None:
        if X_valid is None or y_valid is None:
            self.calibration_ = PlattScaling()
            if X is None or y is None:
                self.calibration_report_ = calibration_report(
                    np.array([]), np.array([]), self.calibration_,
                    "trained without a validation frame: not calibrated")
                return
            note = "no validation split: not calibrated; ECE measured on the training rows"
            self.calibration_report_ = calibration_report(self._raw_logit(X), y,
                                                          self.calibration_, note)
            return
        raw = self._raw_logit(X_valid)
        if self.calibrate and len(np.unique(y_valid)) == 2:
            self.calibration_, note = fit_platt_monotone(
                raw, y_valid, what=self.name, sample_weight=valid_weight, ece_rows=ece_rows)
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

    def predict_logit(self, X: pd.DataFrame, raw: bool = False) -> np.ndarray:
        """Log-odds of default: calibrated, or the model's own before calibration.

        Parameters
        ----------
        X:
            Rows to score.
        raw:
            ``True`` for the log-odds before Platt scaling (before/after calibration charts);
            the one public way to get them, so nothing reaches into ``calibration_``.

        Returns
        -------
        numpy.ndarray
            One log-odds per row.
        """
        logit = self._raw_logit(self._prepare(X))
        return logit if raw else self.calibration_.apply(logit)

    def predict_pd(self, X: pd.DataFrame, raw: bool = False) -> np.ndarray:
        """Probability of default within 12 months (calibrated unless ``raw``).

        Parameters
        ----------
        X:
            Rows to score.
        raw:
            ``True`` for the probability before calibration.

        Returns
        -------
        numpy.ndarray
            One PD per row.
        """
        return sigmoid(self.predict_logit(X, raw=raw))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """scikit-learn's shape: column 0 the probability of ``classes_[0]`` (good), 1 of bad.

        Parameters
        ----------
        X:
            Rows to score.

        Returns
        -------
        numpy.ndarray
            ``(n, 2)`` array of calibrated probabilities.
        """
        p = self.predict_pd(X)
        return np.column_stack([1.0 - p, p])

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """Scorecard points (higher = safer) on the shared base score / odds / PDO scale.

        Named ``points`` rather than ``score`` because scikit-learn's ``score(X, y)`` means
        a goodness-of-fit figure.

        Parameters
        ----------
        X:
            Rows to score.

        Returns
        -------
        numpy.ndarray
            Points per row.
        """
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
        params = self._json_params(self.get_params(deep=False))
        params.pop("registry", None)
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
        if self.registry is not None and self.registry is not F.SYNTHETIC:
            used = set(self.features_)
            payload["registry"] = [r for r in self.registry_.to_records() if r["name"] in used]
        if getattr(self, "world_", None) is not None:
            payload["world"] = self.world_.to_dict()
        paths.append(write_json(target / MODEL_FILE, payload))
        return paths

    def _json_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """``get_params`` as JSON can hold them (a subclass with a value parameter converts it)."""
        return params

    @classmethod
    def _params_from_saved(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Saved parameters as this version's ``__init__`` takes them (older layouts)."""
        return params

    @classmethod
    def load(cls, folder: str | Path, registry: Registry | None = None) -> Self:
        """Rebuild a saved model; predictions equal the saved model's bit for bit.

        Parameters
        ----------
        folder:
            The folder :meth:`save` wrote.
        registry:
            The registry the model's features are described in: a run passes its own; by
            default the entries saved with the model (a bring-your-own-data model), else the
            synthetic world's.

        Returns
        -------
        CreditModel
        """
        payload = read_model_json(folder)
        if payload.get("kind") != cls.name:
            raise RunError(f"{folder}: holds a {payload.get('kind')!r} model, not {cls.name!r}")
        try:
            if registry is None and payload.get("registry"):
                registry = Registry.from_records(payload["registry"])
            model = cls(**cls._params_from_saved(payload["params"]), registry=registry)
            if payload.get("world") is not None:
                model.world_ = World.from_dict(payload["world"], f"{folder}/{MODEL_FILE}")
            model.classes_ = np.array([0, 1])
            model.features_ = tuple(payload["features"])
            model.levels_ = {k: list(v) for k, v in payload["levels"].items()}
            model.calibration_ = PlattScaling.from_dict(payload["calibration"])
            model.calibration_report_ = payload["calibration_report"]
            model._restore(payload["state"], Path(folder))
        except (KeyError, TypeError, ValueError, OSError, ConfigError) as exc:
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
