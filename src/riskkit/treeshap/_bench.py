"""Timing FastTreeShap against ``shap.TreeExplainer`` on the same model, rows and process.

Both sides are warmed up first (numba compilation, or loading the compiled functions from
numba's on-disk cache, and shap's model parsing), and explainer construction is excluded:
the numbers are steady-state rows per second of ``contributions`` / ``shap_values``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from riskkit.core.errors import ConfigError
from riskkit.core.mathx import sigmoid
from riskkit.treeshap._explainer import FastTreeShap


def synthetic_credit_frame(
    rows: int,
    *,
    n_features: int = 20,
    n_categorical: int = 2,
    nan_columns: int = 4,
    nan_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Applicant-like features and a default flag, for timing only.

    Numeric columns mix smooth, skewed, integer and zero-inflated values; ``nan_columns``
    of them are missing at ``nan_fraction``; the categoricals are pandas ``category``.
    """
    if n_categorical > n_features:
        raise ConfigError("n_categorical cannot exceed n_features")
    rng = np.random.default_rng(seed)
    n_num = n_features - n_categorical
    cols: dict[str, Any] = {}
    for j in range(n_num):
        kind = j % 4
        if kind == 0:
            v = rng.normal(size=rows)
        elif kind == 1:
            v = rng.lognormal(mean=8.0, sigma=1.0, size=rows)
        elif kind == 2:
            v = rng.poisson(2.0, size=rows).astype(np.float64)
        else:
            v = np.where(rng.random(rows) < 0.4, 0.0, rng.exponential(1.0, size=rows))
        cols[f"x{j:02d}"] = v
    for j in range(n_categorical):
        levels = [f"L{i}" for i in range(4 + 3 * j)]
        cols[f"cat{j}"] = pd.Categorical(rng.choice(levels, size=rows), categories=levels)
    frame = pd.DataFrame(cols)
    numeric = frame.iloc[:, :n_num].to_numpy()
    z = np.nan_to_num((numeric - numeric.mean(0)) / (numeric.std(0) + 1e-12))
    weights = rng.normal(size=n_num) / np.sqrt(n_num)
    logit = z @ weights + 0.5 * np.sin(2.0 * z[:, 0]) * z[:, min(1, n_num - 1)]
    for j in range(n_categorical):
        effect = rng.normal(scale=0.5, size=len(frame[f"cat{j}"].cat.categories))
        logit += effect[frame[f"cat{j}"].cat.codes.to_numpy()]
    y = (rng.random(rows) < sigmoid(logit - 1.5)).astype(np.int64)
    for j in range(min(nan_columns, n_num)):
        frame.loc[rng.random(rows) < nan_fraction, frame.columns[j]] = np.nan
    return frame, y


def train_booster(
    X: pd.DataFrame | np.ndarray,
    y: np.ndarray,
    *,
    n_trees: int = 300,
    num_leaves: int = 31,
    max_depth: int = 6,
    seed: int = 0,
) -> lgb.Booster:
    """A binary LightGBM model with the given shape; other parameters at their defaults."""
    params = {
        "objective": "binary",
        "num_leaves": num_leaves,
        "max_depth": max_depth,
        "learning_rate": 0.05,
        "min_data_in_leaf": 20,
        "seed": seed,
        "verbose": -1,
    }
    return lgb.train(params, lgb.Dataset(X, y), num_boost_round=n_trees)


def _head(data: pd.DataFrame | np.ndarray, n: int) -> pd.DataFrame | np.ndarray:
    return data.iloc[:n] if isinstance(data, pd.DataFrame) else np.asarray(data)[:n]


def _rows_per_second(fn: Any, data: Any, n: int, repeats: int) -> tuple[float, Any]:
    best = float("inf")
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn(data)
        best = min(best, time.perf_counter() - t0)
    return n / best, result


def benchmark(
    model: lgb.Booster | None = None,
    X: pd.DataFrame | np.ndarray | None = None,
    y: np.ndarray | None = None,
    *,
    rows: int = 20_000,
    shap_rows: int = 2_000,
    n_trees: int = 300,
    num_leaves: int = 31,
    max_depth: int = 6,
    train_rows: int = 20_000,
    repeats: int = 1,
    seed: int = 0,
    quiet: bool = True,
    **explainer_options: Any,
) -> dict[str, float]:
    """Rows per second of FastTreeShap and of ``shap.TreeExplainer(model).shap_values``.

    Without ``model``, trains one on ``X, y`` or, without them, on synthetic applicant data
    (20 features, 2 categorical, 4 columns 20% missing). Ours is timed on ``rows`` rows,
    shap on the first ``shap_rows`` of them (it is slow), each after a warm-up call, so
    numba compilation and shap's model parsing are excluded; with ``repeats`` > 1 the best
    time counts. ``max_abs_diff`` compares both on the shap rows, expected value included.
    ``ours_setup_s`` is FastTreeShap's construction time (parsing and tables) and
    ``table_mb`` the tables' memory; ``max_depth`` is the deepest leaf actually grown.
    """
    import shap  # heavy import, only needed here

    if model is None:
        if X is None:
            X, y = synthetic_credit_frame(train_rows + rows, seed=seed)
            X_train, y_train = X.iloc[:train_rows], y[:train_rows]
            X = X.iloc[train_rows:].reset_index(drop=True)
        else:
            if y is None:
                raise ConfigError("benchmark: pass y with X to train a model")
            X_train, y_train = X, y
        model = train_booster(
            X_train, y_train, n_trees=n_trees, num_leaves=num_leaves, max_depth=max_depth
        )
    elif X is None:
        raise ConfigError("benchmark: pass the rows to explain (X) with a model")
    data = _head(X, rows)
    shap_data = _head(data, shap_rows)

    t0 = time.perf_counter()
    # shap.TreeExplainer explains every tree, even past a best_iteration; do the same here.
    ours = FastTreeShap(model, **{"num_iteration": -1, **explainer_options})
    setup_s = time.perf_counter() - t0  # parse + tables (+ first-use numba load or compile)
    ours.contributions(_head(shap_data, 64))  # warm-up: compile or load from numba's cache
    ours_rate, phi = _rows_per_second(ours.contributions, data, len(data), repeats)
    if not quiet:
        print(f"FastTreeShap: {ours_rate:,.0f} rows/s on {len(data)} rows")

    explainer = shap.TreeExplainer(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's notice about the binary output format
        explainer.shap_values(_head(shap_data, 10))
        shap_rate, reference = _rows_per_second(
            explainer.shap_values, shap_data, len(shap_data), repeats
        )
    if not quiet:
        print(f"shap.TreeExplainer: {shap_rate:,.0f} rows/s on {len(shap_data)} rows")
    reference = np.asarray(reference)
    n = len(shap_data)
    diff = max(
        float(np.max(np.abs(phi[:n, :-1] - reference))),
        float(np.max(np.abs(phi[:n, -1] - float(np.ravel(explainer.expected_value)[0])))),
    )
    stats = ours.stats
    return {
        "ours_rows_per_s": ours_rate,
        "shap_rows_per_s": shap_rate,
        "speedup": ours_rate / shap_rate,
        "max_abs_diff": diff,
        "n_trees": stats["n_trees"],
        "num_leaves": stats["max_leaves"],
        "max_depth": stats["max_depth"],
        "ours_setup_s": setup_s,
        "table_mb": stats["table_bytes"] / 2**20,
    }


DEFAULT_SETTINGS: tuple[tuple[int, int], ...] = (
    (15, 4),
    (31, 4),
    (31, 6),
    (31, 8),
    (31, -1),
    (63, 6),
    (63, 8),
)


def scaling_table(
    settings: Iterable[tuple[int, int]] = DEFAULT_SETTINGS,
    *,
    rows: int = 20_000,
    shap_rows: int = 2_000,
    n_trees: int = 300,
    repeats: int = 1,
    seed: int = 0,
    quiet: bool = True,
    **explainer_options: Any,
) -> pd.DataFrame:
    """:func:`benchmark` for several ``(num_leaves, max_depth)`` settings; one row each.

    ``max_depth`` -1 means unlimited (LightGBM's convention). Columns: the settings, both
    rates, speedup, seconds to explain ``rows`` rows with each, the deepest leaf seen, our
    construction time and table memory, and the max abs difference.
    """
    settings = list(settings)
    iterator: Iterable[tuple[int, int]] = settings
    if not quiet:
        from tqdm.auto import tqdm

        iterator = tqdm(settings, desc="scaling_table")
    records = []
    for num_leaves, max_depth in iterator:
        r = benchmark(
            rows=rows,
            shap_rows=shap_rows,
            n_trees=n_trees,
            num_leaves=num_leaves,
            max_depth=max_depth,
            repeats=repeats,
            seed=seed,
            **explainer_options,
        )
        records.append(
            {
                "num_leaves": num_leaves,
                "max_depth": max_depth,
                "deepest_leaf": r["max_depth"],
                "ours_rows_per_s": r["ours_rows_per_s"],
                "shap_rows_per_s": r["shap_rows_per_s"],
                "speedup": r["speedup"],
                "ours_s": rows / r["ours_rows_per_s"],
                "shap_s": rows / r["shap_rows_per_s"],
                "setup_s": r["ours_setup_s"],
                "table_mb": r["table_mb"],
                "max_abs_diff": r["max_abs_diff"],
            }
        )
    return pd.DataFrame.from_records(records)
