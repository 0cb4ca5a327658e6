"""Train LightGBM across Dask workers (``lightgbm.DaskLGBMClassifier``) for riskkit.

What is the same as :class:`riskkit.models.LGBMModel` fitted in one process:

* the inputs: each partition is encoded on its worker exactly as ``LGBMModel`` encodes a
  frame (floats; categoricals as codes of the registry's levels, missing as NaN), so the
  booster's text loads into an ``LGBMModel`` whose predictions, contributions, scores,
  saving and explanations all work as for a model fitted in one process;
* the parameters: the project's defaults (``riskkit.models.gbm.DEFAULT_PARAMS``) under
  the user's overrides, the registry's monotone constraints, ``deterministic=True``;
* calibration: Platt scaling on a validation frame, when one is given.

What is not: distributed LightGBM builds histograms per worker and merges them, bins
features from each worker's sample, and bags per worker, so its trees are *not*
bit-identical to single-process training (nor across different numbers of workers); the
quality is the same to within noise (the tests hold the AUC to within 0.01 of an
in-process model's). LightGBM's Dask interface has no early stopping, so the number of
trees is fixed (``rounds``) instead of chosen on the validation frame.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.models import LGBMModel
from riskkit.models.base import prepare_frame
from riskkit.models.gbm import DEFAULT_PARAMS
from riskkit.scale._cluster import require_dask

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

#: LightGBM names of DEFAULT_PARAMS -> the scikit-learn wrapper's own argument names, so
#: that the wrapper's defaults do not shadow them (and LightGBM does not warn about aliases).
SKLEARN_NAMES = {"feature_fraction": "colsample_bytree", "bagging_fraction": "subsample",
                 "bagging_freq": "subsample_freq", "lambda_l2": "reg_lambda",
                 "lambda_l1": "reg_alpha", "min_data_in_leaf": "min_child_samples",
                 "seed": "random_state"}
DEFAULT_ROUNDS = 300


def encode_partition(part: pd.DataFrame, features: tuple[str, ...],
                     levels: dict[str, list[str]]) -> pd.DataFrame:
    """Float columns as ``LGBMModel`` feeds LightGBM: categoricals as codes, NaN if missing."""
    prepared = prepare_frame(part, features, levels, "partition")
    columns: dict[str, np.ndarray] = {}
    for name in features:
        if name in levels:
            codes = np.asarray(prepared[name].cat.codes, dtype=float)
            codes[codes < 0] = np.nan
            columns[name] = codes
        else:
            columns[name] = prepared[name].to_numpy(dtype=float)
    return pd.DataFrame(columns, index=part.index)


def _levels(ddf: Any, features: tuple[str, ...]) -> dict[str, list[str]]:
    """Categorical levels: the registry's, else the sorted distinct values in the data."""
    levels: dict[str, list[str]] = {}
    for name in features:
        feat = F.get(name)
        if not feat.is_categorical:
            continue
        if feat.categories:
            levels[name] = list(feat.categories)
        else:
            seen = ddf[name].dropna().astype(str).unique().compute()
            levels[name] = sorted(map(str, seen))
    return levels


def train_params(params: dict[str, Any] | None, seed: int) -> tuple[dict[str, Any], int | None]:
    """Project defaults under ``params``, in the wrapper's names; ``n_estimators`` if given."""
    merged = {**DEFAULT_PARAMS, **(params or {})}
    rounds = (params or {}).get("n_estimators")  # the default 1000 assumes early stopping
    merged.pop("n_estimators", None)
    merged.pop("early_stopping_rounds", None)
    objective = merged.pop("objective", "binary")
    if objective != "binary":
        raise ConfigError(f"lgbm objective must be 'binary', got {objective!r}")
    out = {SKLEARN_NAMES.get(k, k): v for k, v in merged.items()}
    out.update({"objective": "binary", "random_state": int(seed), "deterministic": True,
                "force_row_wise": True, "verbose": -1})
    return out, None if rounds is None else int(rounds)


def fit_lgbm_dask(client: Client, parquet_folder: str | os.PathLike[str],
                  features: tuple[str, ...] | list[str] | None = None,
                  target: str = F.TARGET, params: dict[str, Any] | None = None, *,
                  rounds: int | None = None, seed: int = 7,
                  valid: pd.DataFrame | None = None, contrib_engine: str = "fast") -> LGBMModel:
    """Fit a monotone LightGBM on the Parquet partitions in ``parquet_folder`` across workers.

    Returns a fitted :class:`~riskkit.models.LGBMModel` (its ``booster_`` is the
    distributed booster, re-parsed from its text). ``rounds`` trees are grown (default
    ``params["n_estimators"]`` if given, else 300: no early stopping on Dask). With
    ``valid`` (a frame with the features and ``target``) the model is Platt-calibrated on
    it, as an in-process fit calibrates on its validation split; without, uncalibrated.

    Parameters
    ----------
    client : distributed.Client
        The cluster.
    parquet_folder : path
        The partitioned population (on storage the workers share).
    features : sequence of str, optional
        Model features (default: the synthetic world's).
    target : str
        The outcome column.
    params : dict, optional
        LightGBM parameters.
    rounds : int, optional
        Trees grown.
    seed : int
        The fit's seed.
    valid : pandas.DataFrame, optional
        Rows to Platt-calibrate on.
    contrib_engine : {"fast", "lightgbm"}
        The model's contribution engine.

    Returns
    -------
    LGBMModel
    """
    require_dask()
    import dask.dataframe as dd
    import lightgbm as lgb

    names = tuple(F.MODEL_FEATURES if features is None else features)
    template = LGBMModel(params=params, seed=seed, contrib_engine=contrib_engine,
                         features=None if features is None else list(names))
    names = template._resolve_features()  # the same checks as an in-process fit
    path = Path(parquet_folder).resolve()
    if not path.exists():
        raise ConfigError(f"no Parquet data at {path}")
    ddf = dd.read_parquet(str(path), columns=[*names, target])
    levels = _levels(ddf, names)
    meta = pd.DataFrame({name: pd.Series(dtype=float) for name in names})
    X = ddf[list(names)].map_partitions(encode_partition, names, levels, meta=meta)
    y = ddf[target].astype("int64")
    wrapper_params, param_rounds = train_params(params, seed)
    n_trees = int(rounds or param_rounds or DEFAULT_ROUNDS)
    clf = lgb.DaskLGBMClassifier(client=client, n_estimators=n_trees,
                                 monotone_constraints=F.monotone_constraints(names),
                                 **wrapper_params)
    categorical = [j for j, name in enumerate(names) if name in levels]
    with warnings.catch_warnings():
        # the wrapper always passes its n_jobs, which Dask training replaces by each
        # worker's thread count, and warns that it does so on every fit
        warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored")
        clf.fit(X, y, categorical_feature=categorical)
    text = clf.booster_.model_to_string()
    log.info("trained %d trees on %d Dask partitions", clf.booster_.current_iteration(),
             ddf.npartitions)
    return _as_riskkit_model(template, text, names, levels,
                             {**wrapper_params, "n_estimators": n_trees, "engine": "dask"},
                             valid, target)


def _as_riskkit_model(model: LGBMModel, booster_text: str, names: tuple[str, ...],
                      levels: dict[str, list[str]], params: dict[str, Any],
                      valid: pd.DataFrame | None, target: str) -> LGBMModel:
    """Give ``model`` the fitted state ``LGBMModel.fit`` would have given it."""
    model.features_ = names
    model.levels_ = levels
    model.params_ = params
    model.set_booster(booster_text)
    model.best_iteration_ = int(model.booster_.current_iteration())
    if valid is None:
        model.calibrate_on(None)
        return model
    if target not in valid.columns:
        raise ConfigError(f"the validation frame has no {target!r} column")
    return model.calibrate_on(valid, valid[target])
