"""The ``interventional`` section: interventional FastTreeShap against shap and
woodelf-explainer, side by side.

Neither reference explains LightGBM's categorical splits (shap's interventional kernel
compares category codes with a threshold and fails its own additivity check; woodelf
refuses such trees), so the comparison runs on the same data refitted with the category
codes as plain numbers, with the same parameters and number of trees. On the categorical
model itself only our speed and additivity are measured (there is no reference to agree
with). woodelf-explainer is an optional, benchmark-only dependency (``riskkit[bench]``):
without it its figures are left out, with a note saying so.

Every explainer is warmed up on a few rows first (numba compilation or cache load, shap's
and woodelf's model parsing). Our rate is given for the kernel alone and, for the
comparison with woodelf (whose every call digests the background again), with our
construction included.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from riskkit.bench.common import booster_matrix, fit_default, number, split_population
from riskkit.bench.sizes import BenchSizes, best
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.trees import CATEGORICAL, read_booster
from riskkit.treeshap import FastTreeShap

WOODELF_MISSING = "woodelf-explainer not installed (pip install 'riskkit[bench]'): skipped"


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Fastest wall seconds of ``fn()`` over ``repeats`` calls, and a result."""
    seconds, result, _ = best(lambda _: fn(), None, repeats)
    return seconds, result


def refit_without_categoricals(
    X_train: np.ndarray, y_train: np.ndarray, params: dict[str, Any], n_trees: int,
    feature_names: list[str],
) -> lgb.Booster:
    """The same model with category codes as plain numbers: no categorical splits.

    Parameters
    ----------
    X_train, y_train:
        The rows and labels the model was trained on (category codes as numbers).
    params:
        Its LightGBM parameters (early stopping and the round count are dropped).
    n_trees:
        Boosting rounds: the model's tree count.
    feature_names:
        The model's feature names.

    Returns
    -------
    lightgbm.Booster
    """
    drop = {"n_estimators", "num_iterations", "num_boost_round", "early_stopping_rounds",
            "early_stopping", "categorical_feature", "metric"}
    clean = {k: v for k, v in params.items() if k not in drop and v is not None}
    data = lgb.Dataset(X_train, label=y_train, feature_name=feature_names,
                       categorical_feature=[], params={"verbosity": -1})
    return lgb.train({**clean, "verbosity": -1}, data, num_boost_round=n_trees)


def categorical_splits(booster: lgb.Booster) -> int:
    """How many splits of the booster are categorical.

    Parameters
    ----------
    booster:
        A LightGBM booster.

    Returns
    -------
    int
    """
    return int(((read_booster(booster).trees.node_decision & CATEGORICAL) != 0).sum())


def _ours(booster: lgb.Booster, bg: np.ndarray, X: np.ndarray, repeats: int) -> dict[str, Any]:
    FastTreeShap(booster, background=bg[:10], num_iteration=-1).contributions(X[:64])  # warm
    setup_s, explainer = _best(
        lambda: FastTreeShap(booster, background=bg, num_iteration=-1), repeats)
    # the kernel takes a fraction of a second: best of 3 at least on a shared machine
    run_s, phi = _best(lambda: explainer.contributions(X), max(repeats, 3))
    raw = booster.predict(X, raw_score=True)
    return {"phi": phi, "rows_per_s": len(X) / run_s,
            "rows_per_s_with_setup": len(X) / (run_s + setup_s), "setup_s": setup_s,
            "additivity": float(np.max(np.abs(phi.sum(axis=1) - raw)))}


def _shap(booster: lgb.Booster, bg: np.ndarray, X: np.ndarray, repeats: int) -> dict[str, Any]:
    import shap  # heavy import, only needed here

    masker = shap.maskers.Independent(bg, max_samples=len(bg))  # a plain array keeps 100
    explainer = shap.TreeExplainer(booster, data=masker, feature_perturbation="interventional",
                                   model_output="raw")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # its own check would raise on categorical splits; the error is measured below
        explainer.shap_values(X[:2], check_additivity=False)
        seconds, values = _best(
            lambda: np.asarray(explainer.shap_values(X, check_additivity=False)), repeats)
    base = float(np.ravel(explainer.expected_value)[0])
    raw = booster.predict(X, raw_score=True)
    return {"values": values, "base": base, "rows_per_s": len(X) / seconds,
            "additivity": float(np.max(np.abs(values.sum(axis=1) + base - raw)))}


def _woodelf(booster: lgb.Booster, bg: np.ndarray, X: np.ndarray, names: list[str],
             repeats: int) -> dict[str, Any]:
    from woodelf.explainer import WoodelfExplainer

    bg_frame, frame = pd.DataFrame(bg, columns=names), pd.DataFrame(X, columns=names)
    explainer = WoodelfExplainer(booster, bg_frame, feature_perturbation="interventional")
    explainer.shap_values(frame.iloc[:64], verbose=False)
    seconds, values = _best(lambda: np.asarray(explainer.shap_values(frame, verbose=False),
                                               dtype=np.float64), repeats)
    return {"values": values, "rows_per_s": len(X) / seconds}


def benchmark_interventional(
    booster: lgb.Booster,
    X: np.ndarray,
    *,
    X_train: np.ndarray,
    y_train: np.ndarray,
    params: dict[str, Any],
    backgrounds: Sequence[int] = (100, 1000),
    rows: int = 20_000,
    shap_rows: int = 20,
    repeats: int = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """Rows/s and errors of interventional FastTreeShap, shap and woodelf-explainer.

    Parameters
    ----------
    booster:
        The model as deployed (categorical splits allowed), trained on ``X_train``.
    X:
        Held-out rows as the booster reads them (category codes); backgrounds are drawn
        from them, and the rows explained are the others (first ``rows`` of them).
    X_train, y_train, params:
        What refits the model without categorical splits (``params`` as trained with).
    backgrounds:
        Background sizes to time at.
    rows, shap_rows:
        Rows ours and woodelf explain; rows shap explains (it is ~100x slower).
    repeats:
        Best of this many timings.
    seed:
        Draws the backgrounds.

    Returns
    -------
    dict
        ``categorical``: per background size, our rows/s and additivity error on
        ``booster`` (and shap's additivity error there, which shows why it is not
        compared); ``plain``: per background size on the refitted model, rows/s, speedups
        and max differences against shap and woodelf; ``woodelf``: "ok" or the skip note.
    """
    if not backgrounds or min(backgrounds) < 1 or max(backgrounds) >= len(X):
        raise ConfigError(f"backgrounds {list(backgrounds)} must be 1..{len(X) - 1} rows")
    names = list(booster.feature_name())
    order = np.random.default_rng(seed).permutation(len(X))
    largest = max(backgrounds)
    explain = X[np.sort(order[largest:])][:rows]
    head = explain[:shap_rows]
    plain = refit_without_categoricals(X_train, y_train, params, booster.num_trees(), names)
    has_woodelf = importlib.util.find_spec("woodelf") is not None
    out: dict[str, Any] = {
        "rows": len(explain), "shap_rows": len(head), "n_trees": booster.num_trees(),
        "categorical_splits": categorical_splits(booster),
        "plain_categorical_splits": categorical_splits(plain),
        "woodelf": "ok" if has_woodelf else WOODELF_MISSING, "categorical": [], "plain": [],
    }
    for n_bg in backgrounds:
        bg = X[np.sort(order[:n_bg])]
        ours = _ours(booster, bg, explain, repeats)
        cat_shap = _shap(booster, bg, head[: max(2, len(head) // 4)], repeats)
        out["categorical"].append({
            "background": n_bg, "ours_rows_per_s": ours["rows_per_s"],
            "ours_setup_s": ours["setup_s"], "ours_additivity": ours["additivity"],
            "shap_additivity": cat_shap["additivity"]})
        ours = _ours(plain, bg, explain, repeats)
        ref = _shap(plain, bg, head, repeats)
        n = len(head)
        row: dict[str, Any] = {
            "background": n_bg, "ours_rows_per_s": ours["rows_per_s"],
            "ours_rows_per_s_with_setup": ours["rows_per_s_with_setup"],
            "ours_additivity": ours["additivity"], "shap_rows_per_s": ref["rows_per_s"],
            "shap_additivity": ref["additivity"],
            "speedup_vs_shap": ours["rows_per_s"] / ref["rows_per_s"],
            "max_abs_diff_shap": max(float(np.max(np.abs(ours["phi"][:n, :-1] - ref["values"]))),
                                     abs(float(ours["phi"][0, -1]) - ref["base"]))}
        if has_woodelf:
            wood = _woodelf(plain, bg, explain, names, repeats)
            row.update({
                "woodelf_rows_per_s": wood["rows_per_s"],
                "speedup_vs_woodelf": ours["rows_per_s_with_setup"] / wood["rows_per_s"],
                "max_abs_diff_woodelf": float(np.max(np.abs(ours["phi"][:, :-1]
                                                            - wood["values"])))})
        out["plain"].append(row)
    return out


def interventional_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """The ``interventional`` section: :func:`benchmark_interventional` on the default model
    trained on riskkit's population.

    Parameters
    ----------
    sizes:
        Rows to train on and to explain, background sizes, shap's rows, repeats.
    quiet:
        Unused (the section shows no progress); every section takes it.

    Returns
    -------
    dict
        :func:`benchmark_interventional`'s figures.
    """
    train, valid, test = split_population(sizes.train_rows)
    model = fit_default(train, valid)
    return benchmark_interventional(
        model.booster_, booster_matrix(model, test), X_train=booster_matrix(model, train),
        y_train=train[F.TARGET].to_numpy(), params=model.params_, backgrounds=sizes.backgrounds,
        rows=sizes.explain_rows, shap_rows=sizes.interventional_shap_rows, repeats=sizes.repeats)


def interventional_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The (figure, riskkit, reference, ratio) rows :func:`benchmark_interventional`'s
    figures print."""
    lines = []
    for cat, plain in zip(r["categorical"], r["plain"], strict=True):
        n = f"{cat['background']:,} bg"
        lines.append((f"{n}, riskkit's model: rows/s; additivity ours, shap", number(
            cat["ours_rows_per_s"]), f"{cat['ours_additivity']:.0e}",
            f"shap {cat['shap_additivity']:.1e} (no categorical splits)"))
        lines.append((f"{n}, no cat. splits: rows/s vs shap interventional",
                      number(plain["ours_rows_per_s"]), number(plain["shap_rows_per_s"]),
                      f"{plain['speedup_vs_shap']:,.0f}x, max diff "
                      f"{plain['max_abs_diff_shap']:.0e}"))
        if "woodelf_rows_per_s" in plain:
            lines.append((f"{n}, no cat. splits: rows/s (with setup) vs woodelf",
                          number(plain["ours_rows_per_s_with_setup"]),
                          number(plain["woodelf_rows_per_s"]),
                          f"{plain['speedup_vs_woodelf']:,.1f}x, max diff "
                          f"{plain['max_abs_diff_woodelf']:.0e}"))
    if r["woodelf"] != "ok":
        lines.append((r["woodelf"], "", "", ""))
    return lines
