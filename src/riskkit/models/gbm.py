"""Monotone LightGBM on the native ``lgb.train`` API.

Choices and why:

* native API (``lgb.train``) rather than the sklearn wrapper, whose ``eval_set`` argument
  is being renamed: one stable call, early stopping as a callback;
* monotone constraints from the feature registry, so the model can never say that more
  overdue history lowers risk (what a regulator and an applicant both expect);
  ``monotone=False`` drops them, to measure what they cost in a world that is not monotone;
* categoricals (occupation, loan purpose) are passed as integer codes of the levels
  recorded at fit time, never as pandas dtypes: a frame whose categories come in another
  order is re-coded by value, and a level unseen at fit time is scored as missing with a
  ``ScoringWarning`` (:func:`riskkit.data.validate.unseen_to_missing`), never as some
  other level;
* ``interactions``: ``"free"`` (default: any split under any other), ``"additive"`` (each
  tree path uses one feature: a sum of one-feature effects, so every contribution is that
  feature's own effect) or ``"groups"`` (a path stays within one driver group of the
  registry, so interactions never mix two reasons a letter names apart), through LightGBM's
  ``interaction_constraints``; a ``params`` entry of that name wins;
* ``deterministic=True``, ``force_row_wise=True``, a fixed ``seed`` and a fixed thread
  count: fitting twice gives the same trees;
* after early stopping the booster is rebuilt from its own text dump cut at the best
  iteration, so the in-memory booster, ``booster_`` (for tree explainers) and a saved and
  re-loaded booster are the same trees parsed from the same text;
* predictions come from a numba kernel (:mod:`._forest`) that gives ``booster.predict``'s
  raw scores bit for bit, about ten times faster per core, on numba's thread count (the
  result does not depend on it); models it cannot evaluate exactly (more than 64 leaves
  a tree, linear trees) keep LightGBM's predict with ``num_threads``.

Contributions are TreeSHAP values in log-odds from ``riskkit.treeshap.FastTreeShap``
(``contrib_engine="fast"``, the default and what a run's explanations always use), or from
``booster.predict(pred_contrib=True)`` with ``contrib_engine="lightgbm"``; the two agree to
1e-9. Both are multiplied by the Platt slope, so they add up to the calibrated log-odds. ``background_contributions``
gives interventional TreeSHAP against a chosen population (FastTreeShap with a background).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from riskkit.core.errors import ConfigError
from riskkit.core.io import write_text
from riskkit.core.registry import Registry
from riskkit.models._forest import flatten, predict_raw_columns
from riskkit.models.base import CreditModel
from riskkit.treeshap import FastTreeShap

#: Defaults; any key can be overridden through ``params`` (LightGBM names or aliases).
DEFAULT_PARAMS: dict[str, Any] = {
    "num_leaves": 31,
    "max_depth": 6,
    "learning_rate": 0.05,
    "n_estimators": 1000,
    "early_stopping_rounds": 50,
    "min_child_samples": 200,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
}
CONTRIB_ENGINES = ("lightgbm", "fast")
#: Values of ``interactions`` (see the module docstring).
INTERACTIONS = ("free", "additive", "groups")
BOOSTER_FILE = "booster.txt"
#: Interventional engines a model keeps, one per background (see background_contributions).
BACKGROUND_ENGINES = 3


class LGBMModel(CreditModel):
    """Gradient-boosted trees with monotone constraints and early stopping."""

    name = "lgbm"

    def __init__(self, *, params: dict[str, Any] | None = None, seed: int = 7,
                 num_threads: int = 2, contrib_engine: str = "fast", monotone: bool = True,
                 interactions: str = "free",
                 features: tuple[str, ...] | list[str] | None = None, calibrate: bool = True,
                 base_score: float = 600.0, base_odds: float = 50.0, pdo: float = 20.0,
                 registry: Registry | None = None) -> None:
        super().__init__(features=features, calibrate=calibrate, base_score=base_score,
                         base_odds=base_odds, pdo=pdo, registry=registry)
        self.params = params
        self.seed = seed
        self.num_threads = num_threads
        self.contrib_engine = contrib_engine
        self.monotone = monotone
        self.interactions = interactions

    # ----------------------------------------------------------------- fitting
    def interaction_constraints(self) -> list[list[int]] | None:
        """LightGBM's ``interaction_constraints`` for ``interactions`` (None: unconstrained).

        Returns
        -------
        list of list of int or None
            Feature indices (in ``features_`` order) allowed to meet on one tree path.
        """
        if self.interactions not in INTERACTIONS:
            raise ConfigError(f"lgbm interactions must be one of {', '.join(INTERACTIONS)}, "
                              f"got {self.interactions!r}")
        if self.interactions == "free":
            return None
        if self.interactions == "additive":
            return [[j] for j in range(len(self.features_))]
        groups: dict[str, list[int]] = {}
        for j, name in enumerate(self.features_):
            groups.setdefault(self.registry_[name].group, []).append(j)
        return list(groups.values())

    def _train_params(self) -> tuple[dict[str, Any], int, int | None]:
        merged = {**DEFAULT_PARAMS, **(self.params or {})}
        objective = merged.pop("objective", "binary")
        if objective != "binary":
            raise ConfigError(f"lgbm objective must be 'binary', got {objective!r}")
        rounds = int(merged.pop("n_estimators"))
        patience = merged.pop("early_stopping_rounds")
        constraints = self.interaction_constraints()
        if constraints is not None:
            merged.setdefault("interaction_constraints", constraints)
        train = {
            "objective": "binary", "verbosity": -1, "deterministic": True,
            "force_row_wise": True, "seed": int(self.seed), "num_threads": int(self.num_threads),
            **({"monotone_constraints": self.registry_.monotone_constraints(self.features_)}
               if self.monotone else {}),
            **merged,
        }
        return train, rounds, None if patience is None else int(patience)

    def _fit_raw(self, X: pd.DataFrame, y: np.ndarray, X_valid: pd.DataFrame | None,
                 y_valid: np.ndarray | None, sample_weight: np.ndarray | None = None,
                 valid_weight: np.ndarray | None = None) -> None:
        if self.contrib_engine not in CONTRIB_ENGINES:
            raise ConfigError(f"contrib_engine must be one of {CONTRIB_ENGINES}, "
                              f"got {self.contrib_engine!r}")
        train_params, rounds, patience = self._train_params()
        categorical = [j for j, name in enumerate(self.features_) if name in self.levels_]
        dtrain = lgb.Dataset(self._matrix(X), label=y, weight=sample_weight,
                             feature_name=list(self.features_),
                             categorical_feature=categorical, params={"verbosity": -1})
        valid_sets, callbacks = [], []
        if X_valid is not None:
            valid_sets = [lgb.Dataset(self._matrix(X_valid), label=y_valid, weight=valid_weight,
                                      reference=dtrain)]
            if patience:
                callbacks = [lgb.early_stopping(patience, first_metric_only=True, verbose=False)]
        booster = lgb.train(train_params, dtrain, num_boost_round=rounds, valid_sets=valid_sets,
                            valid_names=["valid"][: len(valid_sets)], callbacks=callbacks)
        best = booster.best_iteration if booster.best_iteration > 0 else booster.current_iteration()
        self.best_iteration_ = int(best)
        self.params_ = {**train_params, "n_estimators": rounds, "early_stopping_rounds": patience}
        self.set_booster(booster.model_to_string(num_iteration=best))

    def set_booster(self, text: str) -> None:
        """Adopt a trained booster (LightGBM's text format) as this model's raw part.

        Used by ``fit`` and by trainers elsewhere (LightGBM on Dask) that produce a booster
        for the same features; call :meth:`calibrate_on` afterwards.

        Parameters
        ----------
        text:
            ``Booster.model_to_string()`` output over ``features_`` in order.
        """
        self.booster_ = lgb.Booster(model_str=text)
        self._booster_text = text
        self._fast_engine: Any = None
        self._background_engines: dict[str, FastTreeShap] = {}
        self._forest = flatten(self.booster_)
        probe = np.zeros((1, len(self.features_)))
        self.expected_value_raw_ = float(self.booster_.predict(probe, pred_contrib=True)[0, -1])

    # ----------------------------------------------------------------- predicting
    def _columns(self, X: pd.DataFrame) -> list[np.ndarray]:
        """Float columns in ``features_`` order; categoricals as codes of the recorded levels."""
        cols = []
        for name in self.features_:
            if name in self.levels_:
                codes = np.asarray(X[name].cat.codes, dtype=float)
                codes[codes < 0] = np.nan
                cols.append(codes)
            else:
                cols.append(X[name].to_numpy(dtype=float))
        return cols

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Float matrix (rows x ``features_``), as LightGBM and the tree explainers take it."""
        return np.ascontiguousarray(np.column_stack(self._columns(X)), dtype=float)

    def _raw_logit(self, X: pd.DataFrame) -> np.ndarray:
        if self._forest is not None:  # feature-major: one contiguous copy, not a strided one
            return predict_raw_columns(self._forest, np.stack(self._columns(X)))
        return np.asarray(self.booster_.predict(self._matrix(X), raw_score=True,
                                                num_threads=int(self.num_threads)), dtype=float)

    @property
    def active_contrib_engine(self) -> str:
        """The engine contributions come from: ``contrib_engine`` ("fast" or "lightgbm")."""
        check_is_fitted(self, "booster_")
        if self.contrib_engine == "fast" and self._load_fast_engine() is not None:
            return "fast"
        return "lightgbm"

    def _load_fast_engine(self) -> Any:
        if self._fast_engine is None:
            self._fast_engine = FastTreeShap(self.booster_)
        return self._fast_engine

    def background_contributions(self, X: pd.DataFrame,
                                 background: pd.DataFrame) -> tuple[pd.DataFrame, float]:
        """Interventional TreeSHAP against ``background``: (contributions, base), calibrated.

        The base is the background's mean raw log-odds mapped through the (affine) Platt
        scaling, and each contribution is the raw one times its slope, so
        ``contributions.sum(axis=1) + base == predict_logit(X)`` still holds exactly.
        The engines of the last :data:`BACKGROUND_ENGINES` backgrounds are kept (keyed by
        their bytes), so explaining many frames against the same populations summarises each
        once (a run alternates between the letters' background and the truth's reference
        sample: one kept engine built five, 2.2 s of a 200k run's explain stage).
        """
        check_is_fitted(self, "booster_")
        matrix = self._matrix(self._prepare(background))
        key = hashlib.sha256(matrix.tobytes()).hexdigest() + str(matrix.shape)
        engines = self._background_engines
        engine = engines.pop(key, None)
        if engine is None:
            engine = FastTreeShap(self.booster_, background=matrix)
        engines[key] = engine  # the most recent last
        while len(engines) > BACKGROUND_ENGINES:
            engines.pop(next(iter(engines)))
        Xt = self._prepare(X)
        raw = np.asarray(engine.contributions(self._matrix(Xt)), dtype=float)
        return (self._contribution_frame(raw[:, : len(self.features_)], Xt.index),
                self._calibrated_base(float(engine.expected_value)))

    def _raw_contributions(self, X: pd.DataFrame) -> np.ndarray:
        matrix = self._matrix(X)
        engine = self._load_fast_engine() if self.contrib_engine == "fast" else None
        if engine is not None:
            values = np.asarray(engine.contributions(matrix), dtype=float)
        else:
            values = np.asarray(self.booster_.predict(matrix, pred_contrib=True,
                                                      num_threads=int(self.num_threads)),
                                dtype=float)
        return values[:, : len(self.features_)]

    def _raw_base(self) -> float:
        return self.expected_value_raw_

    def feature_importance(self, importance_type: str = "gain") -> pd.Series:
        """Total gain (or split count) per feature, largest first."""
        check_is_fitted(self, "booster_")
        values = self.booster_.feature_importance(importance_type=importance_type)
        return pd.Series(values, index=list(self.features_), name=importance_type).sort_values(
            ascending=False)

    # ----------------------------------------------------------------- persistence
    def _state(self, folder: Path) -> tuple[dict[str, Any], list[Path]]:
        text = self._booster_text
        path = write_text(folder / BOOSTER_FILE, text)
        return {
            "booster_file": BOOSTER_FILE,
            "booster_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "best_iteration": self.best_iteration_,
            "num_trees": self.booster_.num_trees(),
            "train_params": self.params_,
            "expected_value_raw": self.expected_value_raw_,
        }, [path]

    def _restore(self, state: dict[str, Any], folder: Path) -> None:
        text = (folder / state["booster_file"]).read_text(encoding="utf-8")
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != state["booster_sha256"]:
            raise ValueError(f"{state['booster_file']} does not match the checksum in model.json")
        self.best_iteration_ = int(state["best_iteration"])
        self.params_ = dict(state["train_params"])
        self.set_booster(text)
