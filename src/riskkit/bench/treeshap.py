"""The ``shap`` section: FastTreeShap against ``shap.TreeExplainer`` and LightGBM's
``pred_contrib`` on the same model, rows and process, and the table by depth and leaves that
FastTreeShap's defaults were chosen from.

Every explainer is built and called once on a few rows before it is timed (numba
compilation, or loading the compiled functions from numba's on-disk cache, and shap's model
parsing), so the rates are steady-state rows per second of ``contributions`` /
``shap_values``; FastTreeShap's construction (reading the trees, building the tables) is
reported apart, as ``setup_s``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from riskkit.bench.common import booster_matrix, fit_default, number, split_population, times
from riskkit.bench.sizes import BenchSizes, best
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.mathx import sigmoid
from riskkit.treeshap import FastTreeShap


def synthetic_credit_frame(
    rows: int,
    *,
    n_features: int = 20,
    n_categorical: int = 2,
    nan_columns: int = 4,
    nan_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Applicant-like features and a default flag, for timing only (no truth behind them).

    Parameters
    ----------
    rows:
        Rows to draw.
    n_features, n_categorical:
        Columns, and how many of them are pandas ``category`` columns (the last ones).
    nan_columns, nan_fraction:
        The first ``nan_columns`` numeric columns are missing at ``nan_fraction``.
    seed:
        Seeds the draws.

    Returns
    -------
    (pandas.DataFrame, numpy.ndarray)
        The features (numeric columns mix smooth, skewed, integer and zero-inflated values)
        and a 0/1 default flag.
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
    """A binary LightGBM model with the given shape; other parameters at their defaults.

    Parameters
    ----------
    X, y:
        Training rows and 0/1 labels.
    n_trees, num_leaves, max_depth:
        The model's shape (``max_depth`` -1: unlimited).
    seed:
        LightGBM's seed.

    Returns
    -------
    lightgbm.Booster
    """
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


def benchmark_treeshap(
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
    with_lightgbm: bool = False,
    **explainer_options: Any,
) -> dict[str, Any]:
    """Rows per second of FastTreeShap, ``shap.TreeExplainer`` and (optionally) LightGBM.

    Parameters
    ----------
    model:
        The booster to explain; without it one is trained (:func:`train_booster`) on ``X, y``
        or, without them, on :func:`synthetic_credit_frame` data (20 features, 2
        categorical, 4 columns 20% missing).
    X, y:
        Rows to explain (with ``model``) or to train on and then explain (without).
    rows, shap_rows:
        FastTreeShap explains the first ``rows`` rows; shap and LightGBM, much slower, the
        first ``shap_rows`` of them.
    n_trees, num_leaves, max_depth, train_rows:
        The shape of the trained model, and the synthetic rows it is trained on.
    seed:
        Draws the synthetic data.
    repeats:
        Best of this many timings (FastTreeShap's, a fraction of a second: of 3 at least, so
        that one preempted call on a busy machine does not decide the figure).
    with_lightgbm:
        Also time ``booster.predict(pred_contrib=True)`` on the shap rows.
    **explainer_options:
        Passed to :class:`~riskkit.treeshap.FastTreeShap`.

    Returns
    -------
    dict
        ``ours_rows_per_s``, ``shap_rows_per_s``, ``speedup``; ``max_abs_diff``, the largest
        difference on the shap rows, expected value included; ``setup_s`` (also as
        ``ours_setup_s``), FastTreeShap's construction; ``table_mb``; ``n_trees``,
        ``num_leaves`` (the largest tree's) and ``max_depth`` (the deepest leaf, also as
        ``deepest_leaf``); with LightGBM, ``lightgbm_rows_per_s``, ``speedup_vs_lightgbm``
        and ``max_abs_diff_lightgbm``.
    """
    import shap  # heavy import, only needed here

    if model is None:
        if X is None:
            X, y = synthetic_credit_frame(train_rows + rows, seed=seed)
            X_train, y_train = X.iloc[:train_rows], y[:train_rows]
            X = X.iloc[train_rows:].reset_index(drop=True)
        else:
            if y is None:
                raise ConfigError("benchmark_treeshap: pass y with X to train a model")
            X_train, y_train = X, y
        model = train_booster(
            X_train, y_train, n_trees=n_trees, num_leaves=num_leaves, max_depth=max_depth
        )
    elif X is None:
        raise ConfigError("benchmark_treeshap: pass the rows to explain (X) with a model")
    data = _head(X, rows)
    head = _head(data, shap_rows)
    n = len(head)
    start = time.perf_counter()
    # shap.TreeExplainer explains every tree, even past a best_iteration; do the same here.
    ours = FastTreeShap(model, **{"num_iteration": -1, **explainer_options})
    setup_s = time.perf_counter() - start
    ours.contributions(_head(head, 64))
    ours_s, phi, _ = best(ours.contributions, data, max(repeats, 3))
    explainer = shap.TreeExplainer(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's notice about its binary output format
        explainer.shap_values(_head(head, 10))
        shap_s, reference, _ = best(explainer.shap_values, head, repeats)
    base = float(np.ravel(explainer.expected_value)[0])
    stats = ours.stats
    out: dict[str, Any] = {
        "rows": len(data), "shap_rows": n, "setup_s": setup_s, "ours_setup_s": setup_s,
        "ours_rows_per_s": len(data) / ours_s, "shap_rows_per_s": n / shap_s,
        "speedup": (shap_s / n) / (ours_s / len(data)),
        "max_abs_diff": max(float(np.max(np.abs(phi[:n, :-1] - np.asarray(reference)))),
                            float(np.max(np.abs(phi[:n, -1] - base)))),
        "n_trees": stats["n_trees"], "num_leaves": stats["max_leaves"],
        "max_depth": stats["max_depth"], "deepest_leaf": stats["max_depth"],
        "table_mb": stats["table_bytes"] / 2**20,
    }
    if with_lightgbm:
        model.predict(_head(head, 10), pred_contrib=True)
        lgb_s, lgb_phi, _ = best(lambda d: model.predict(d, pred_contrib=True), head, repeats)
        out["lightgbm_rows_per_s"] = n / lgb_s
        out["speedup_vs_lightgbm"] = out["ours_rows_per_s"] / out["lightgbm_rows_per_s"]
        out["max_abs_diff_lightgbm"] = float(np.max(np.abs(phi[:n] - lgb_phi)))
    return out


#: The settings FastTreeShap's defaults were chosen on (see riskkit.treeshap._explainer).
DEFAULT_SETTINGS: tuple[tuple[int, int], ...] = (
    (15, 4), (31, 4), (31, 6), (31, 8), (31, -1), (63, 6), (63, 8),
)


def scaling_table(settings: Iterable[tuple[int, int]] = DEFAULT_SETTINGS, *, rows: int = 20_000,
                  shap_rows: int = 2_000, n_trees: int = 300, repeats: int = 1, seed: int = 0,
                  quiet: bool = True, **explainer_options: Any) -> pd.DataFrame:
    """:func:`benchmark_treeshap` on synthetic data for several tree shapes; one row each.

    Parameters
    ----------
    settings:
        ``(num_leaves, max_depth)`` pairs; ``max_depth`` -1 means unlimited (LightGBM's
        convention).
    rows, shap_rows, n_trees, repeats, seed, **explainer_options:
        As for :func:`benchmark_treeshap`.
    quiet:
        No progress bar.

    Returns
    -------
    pandas.DataFrame
        The settings, both rates, speedup, seconds to explain ``rows`` rows with each, the
        deepest leaf seen, FastTreeShap's construction time and table memory, and the max
        abs difference.
    """
    records = []
    for leaves, depth in tqdm(list(settings), desc="scaling_table", disable=quiet):
        r = benchmark_treeshap(rows=rows, shap_rows=shap_rows, n_trees=n_trees,
                               num_leaves=leaves, max_depth=depth, repeats=repeats, seed=seed,
                               **explainer_options)
        records.append({
            "num_leaves": leaves, "max_depth": depth, "deepest_leaf": r["max_depth"],
            "ours_rows_per_s": r["ours_rows_per_s"], "shap_rows_per_s": r["shap_rows_per_s"],
            "speedup": r["speedup"], "ours_s": rows / r["ours_rows_per_s"],
            "shap_s": rows / r["shap_rows_per_s"], "setup_s": r["setup_s"],
            "table_mb": r["table_mb"], "max_abs_diff": r["max_abs_diff"],
        })
    return pd.DataFrame.from_records(records)


def shap_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """The ``shap`` section: the default model on riskkit's population, and the depth table.

    Parameters
    ----------
    sizes:
        Rows to train on and to explain, and the ``(num_leaves, max_depth)`` settings.
    quiet:
        No progress bar.

    Returns
    -------
    dict
        :func:`benchmark_treeshap`'s figures with LightGBM's, plus ``train_rows``,
        ``test_auc``, the default ``num_leaves`` and ``max_depth``,
        ``end_to_end_rows_per_s`` (``LGBMModel.contributions``: input checks, re-coding and
        calibration included), ``seconds_per_million`` and ``scaling``: per setting, a
        model trained on the same split, its test AUC, ``auc_minus_default`` and the rates.
    """
    from sklearn.metrics import roc_auc_score

    train, valid, test = split_population(sizes.train_rows)
    model = fit_default(train, valid)
    X = booster_matrix(model, test)
    result = benchmark_treeshap(model.booster_, X, rows=min(sizes.explain_rows, len(X)),
                                shap_rows=min(sizes.shap_rows, len(X)), repeats=sizes.repeats,
                                with_lightgbm=True)
    model.contributions(test.iloc[:64])  # builds the model's FastTreeShap once
    end_to_end_s, _, _ = best(model.contributions, test.iloc[:result["rows"]],
                              max(sizes.repeats, 3))
    auc = float(roc_auc_score(test[F.TARGET], model.predict_pd(test)))
    result.update({
        "train_rows": len(train), "test_auc": auc,
        "num_leaves": model.params_["num_leaves"], "max_depth": model.params_["max_depth"],
        "end_to_end_rows_per_s": result["rows"] / end_to_end_s,
        "seconds_per_million": {"ours": 1e6 / result["ours_rows_per_s"],
                                "shap": 1e6 / result["shap_rows_per_s"],
                                "lightgbm": 1e6 / result["lightgbm_rows_per_s"]},
    })
    default = (int(model.params_["num_leaves"]), int(model.params_["max_depth"]))
    table = []
    for leaves, depth in tqdm(sizes.settings, desc="depth table", disable=quiet, leave=False):
        m = model if (leaves, depth) == default else fit_default(
            train, valid, {"num_leaves": leaves, "max_depth": depth})
        row = benchmark_treeshap(m.booster_, X, rows=min(sizes.scaling_rows, len(X)),
                                 shap_rows=min(sizes.scaling_shap_rows, len(X)),
                                 repeats=sizes.repeats)
        m_auc = auc if m is model else float(roc_auc_score(test[F.TARGET], m.predict_pd(test)))
        table.append({"num_leaves": leaves, "max_depth": depth, "default": m is model,
                      "test_auc": m_auc, "auc_minus_default": m_auc - auc,
                      **{k: row[k] for k in ("n_trees", "deepest_leaf", "ours_rows_per_s",
                                             "shap_rows_per_s", "speedup", "max_abs_diff")}})
    result["scaling"] = table
    return result


def shap_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The (figure, riskkit, reference, ratio) rows :func:`shap_section`'s figures print."""
    per_m = r["seconds_per_million"]
    rows = [
        ("rows/s, FastTreeShap vs shap.TreeExplainer", number(r["ours_rows_per_s"]),
         number(r["shap_rows_per_s"]), times(r["speedup"])),
        ("rows/s, FastTreeShap vs LightGBM pred_contrib", number(r["ours_rows_per_s"]),
         number(r["lightgbm_rows_per_s"]), times(r["speedup_vs_lightgbm"])),
        ("max |ours - shap|, |ours - LightGBM|", f"{r['max_abs_diff']:.1e}",
         f"{r['max_abs_diff_lightgbm']:.1e}", "same values"),
        ("seconds to explain 1M applicants (ours, shap)", f"{per_m['ours']:,.1f}",
         f"{per_m['shap']:,.0f}", times(r["speedup"])),
        ("end to end model.contributions rows/s", number(r["end_to_end_rows_per_s"]),
         number(r["ours_rows_per_s"]),
         f"{r['end_to_end_rows_per_s'] / r['ours_rows_per_s']:.2f} of the kernel"),
    ]
    for row in r["scaling"]:
        tag = " (default)" if row["default"] else ""
        rows.append((f"leaves {row['num_leaves']}, depth {row['max_depth']}{tag}: AUC "
                     f"{row['test_auc']:.4f} ({row['auc_minus_default']:+.4f})",
                     number(row["ours_rows_per_s"]), number(row["shap_rows_per_s"]),
                     times(row["speedup"])))
    return rows
