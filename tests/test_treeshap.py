"""FastTreeShap against shap.TreeExplainer (LightGBM's own TreeSHAP) and predict().

Every comparison is exact to 1e-9 (in practice ~1e-14): the tables are only a re-ordering
of the same arithmetic. Models are small and trained here; the first test pays numba's
compilation once (cached on disk afterwards).
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import shap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskkit.core.errors import DataError, RiskkitError
from riskkit.treeshap import FastTreeShap
from riskkit.treeshap._kernels import leaf_shap

TOL = 1e-9


def _train(X: Any, y: np.ndarray, rounds: int = 20, **params: Any) -> lgb.Booster:
    # One LightGBM thread: on tiny data OpenMP's spinning only costs time on a busy machine.
    base = {
        "objective": "binary",
        "verbose": -1,
        "num_leaves": 15,
        "min_data_in_leaf": 5,
        "num_threads": 1,
    }
    return lgb.train({**base, **params}, lgb.Dataset(X, y), num_boost_round=rounds)


def _shap_reference(booster: lgb.Booster, X: Any) -> np.ndarray:
    """shap.TreeExplainer's values with its expected value appended as the last column."""
    explainer = shap.TreeExplainer(booster)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's notice about the binary output format
        values = np.asarray(explainer.shap_values(X))
    expected = np.full((values.shape[0], 1), float(np.ravel(explainer.expected_value)[0]))
    return np.hstack([values, expected])


def _assert_exact(booster: lgb.Booster, X: Any, **options: Any) -> FastTreeShap:
    explainer = FastTreeShap(booster, **options)
    ours = explainer.contributions(X)
    assert ours.shape == (len(X), booster.num_feature() + 1)
    assert np.max(np.abs(ours - _shap_reference(booster, X))) <= TOL
    raw = booster.predict(X, raw_score=True, num_iteration=options.get("num_iteration"))
    assert np.max(np.abs(ours.sum(axis=1) - raw)) <= TOL
    return explainer


def _split_nodes(booster: lgb.Booster) -> list[dict[str, Any]]:
    found = []
    stack = [t["tree_structure"] for t in booster.dump_model()["tree_info"]]
    while stack:
        node = stack.pop()
        if "split_index" in node:
            found.append(node)
            stack += [node["left_child"], node["right_child"]]
    return found


def _nan_frame(n: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """NaN in two columns: informative towards 1 in one, towards 0 in the other."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    nan_a, nan_b = rng.random(n) < 0.25, rng.random(n) < 0.25
    logit = X["a"] + X["b"] + 0.5 * X["c"] + 2.0 * nan_a - 2.0 * nan_b
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X.loc[nan_a, "a"] = np.nan
    X.loc[nan_b, "b"] = np.nan
    return X, y


def test_nan_splits_both_default_directions_match_shap() -> None:
    X, y = _nan_frame()
    booster = _train(X, y, rounds=30)
    nan_nodes = [s for s in _split_nodes(booster) if s["missing_type"] == "NaN"]
    assert {s["default_left"] for s in nan_nodes} == {True, False}
    _assert_exact(booster, X)


def test_nan_in_a_feature_trained_without_missing_values_reads_as_zero() -> None:
    X, y = _nan_frame()
    X["c"] = np.linspace(-2, 2, len(X))  # no NaN at training: its splits get missing_type None
    booster = _train(X, y)
    assert any(s["missing_type"] == "None" for s in _split_nodes(booster))
    X_new = X.copy()
    X_new.loc[::3, "c"] = np.nan
    X_new.loc[1::7, "d"] = np.nan
    _assert_exact(booster, X_new)


def test_zero_as_missing_treats_zero_and_nan_alike() -> None:
    rng = np.random.default_rng(1)
    n = 1500
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["z", "u", "v"])
    zeros = rng.random(n) < 0.3
    X.loc[zeros, "z"] = 0.0
    X.loc[rng.random(n) < 0.1, "u"] = np.nan
    y = (X["z"] + X["u"].fillna(0) + 1.5 * zeros + rng.normal(size=n) > 0.5).astype(int)
    booster = _train(X, y, zero_as_missing=True)
    assert any(s["missing_type"] == "Zero" for s in _split_nodes(booster))
    X_new = X.copy()
    X_new.loc[::5, "z"] = np.nan
    X_new.loc[1::5, "z"] = 1e-40  # LightGBM reads |v| <= 1e-35 as zero
    X_new.loc[2::5, "z"] = -0.0
    _assert_exact(booster, X_new)


def _categorical_frame(n: int = 2000, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    levels = [f"g{i}" for i in range(9)]
    X = pd.DataFrame(
        {
            "num": rng.normal(size=n),
            "grade": pd.Categorical(rng.choice(levels, n), categories=levels),
            "other": rng.normal(size=n),
            "region": pd.Categorical(rng.choice(["n", "s", "e", "w"], n)),
        }
    )
    effect = dict(zip(levels, rng.normal(scale=1.5, size=len(levels)), strict=True))
    logit = X["num"] + X["grade"].map(effect).astype(float) + (X["region"] == "s") * 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X.loc[rng.random(n) < 0.1, "grade"] = np.nan
    return X, y


def test_categorical_splits_with_unseen_and_missing_categories() -> None:
    X, y = _categorical_frame()
    booster = _train(X, y, rounds=30, min_data_per_group=5, cat_smooth=1.0)
    assert any(s["decision_type"] == "==" for s in _split_nodes(booster))
    X_new = X.iloc[:600].copy()
    grade = (
        X_new["grade"]
        .cat.add_categories(["unseen"])
        .cat.reorder_categories(["unseen", *reversed(X["grade"].cat.categories)])
    )
    grade.iloc[::4] = "unseen"
    X_new["grade"] = grade  # other category order and an unknown level: LightGBM remaps
    _assert_exact(booster, X_new)


def test_category_codes_as_numbers_follow_lightgbm_casts() -> None:
    X, y = _categorical_frame()
    booster = _train(X, y, rounds=15, min_data_per_group=5, cat_smooth=1.0)
    codes = X.assign(
        grade=X["grade"].cat.codes.replace(-1, np.nan), region=X["region"].cat.codes
    ).to_numpy(dtype=float)[:400]
    odd = [np.nan, -0.5, -1.0, 2.7, 1e10, np.inf, -np.inf, 8.999, 31.0, 32.0]
    codes[: len(odd), 1] = odd
    ours = FastTreeShap(booster).contributions(codes)
    reference = booster.predict(codes, pred_contrib=True)
    assert np.max(np.abs(ours - reference)) <= TOL
    frame_values = FastTreeShap(booster).contributions(X.iloc[len(odd) : 400])
    assert np.max(np.abs(frame_values - ours[len(odd) :])) <= TOL


@pytest.mark.parametrize(
    ("num_leaves", "max_depth", "min_data"),
    [(4, 2, 20), (31, 6, 5), (63, -1, 2)],
    ids=["shallow", "depth6", "deep-unlimited"],
)
def test_shallow_and_deep_trees(num_leaves: int, max_depth: int, min_data: int) -> None:
    X, y = _nan_frame(seed=3)
    booster = _train(
        X, y, rounds=15, num_leaves=num_leaves, max_depth=max_depth, min_data_in_leaf=min_data
    )
    explainer = _assert_exact(booster, X)
    if max_depth < 0:
        assert explainer.stats["max_depth"] > 10


def test_best_iteration_or_a_chosen_one_as_predict_uses_it() -> None:
    X, y = _nan_frame(n=1200, seed=7)
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "learning_rate": 0.5, "num_threads": 1},
        lgb.Dataset(X.iloc[:600], y[:600]),
        num_boost_round=200,
        valid_sets=[lgb.Dataset(X.iloc[600:], y[600:])],
        callbacks=[lgb.early_stopping(3, verbose=False)],
        keep_training_booster=True,  # keeps the trees after the best iteration
    )
    assert 0 < booster.best_iteration < booster.current_iteration()
    # Default: the best iteration, as booster.predict (shap.TreeExplainer takes all trees).
    ours = FastTreeShap(booster).contributions(X)
    assert np.max(np.abs(ours - booster.predict(X, pred_contrib=True))) <= TOL
    assert np.max(np.abs(ours.sum(axis=1) - booster.predict(X, raw_score=True))) <= TOL
    _assert_exact(booster, X, num_iteration=-1)  # all trees: shap's choice
    ours = FastTreeShap(booster, num_iteration=2).contributions(X)
    assert np.max(np.abs(ours - booster.predict(X, num_iteration=2, pred_contrib=True))) <= TOL


def test_single_leaf_trees_only_shift_the_expected_value() -> None:
    X, y = _nan_frame(n=300)
    booster = _train(X, y, rounds=3, min_data_in_leaf=1000)
    assert booster.dump_model()["tree_info"][0]["num_leaves"] == 1
    explainer = _assert_exact(booster, X)
    values = explainer.contributions(X)
    assert np.all(values[:, :-1] == 0.0)


@pytest.mark.parametrize(
    "options",
    [
        {"max_table_bits": 2, "max_group_nodes": 0},
        {"max_table_bits": 0},
        {"max_table_bytes": 4096},
    ],
    ids=["bits-limit", "no-tables", "memory-budget"],
)
def test_fallback_path_for_leaves_without_tables(options: dict[str, int]) -> None:
    X, y = _nan_frame(seed=4)
    booster = _train(X, y, rounds=10, num_leaves=31, min_data_in_leaf=3)
    explainer = _assert_exact(booster, X, **options)
    stats = explainer.stats
    assert stats["fallback_leaves"] > 0
    if options.get("max_table_bits") == 0:
        assert stats["table_leaves"] == 0
    if "max_table_bytes" in options:  # the budget goes to the smallest tables, not to none
        assert 0 < stats["table_bytes"] <= options["max_table_bytes"]
        assert stats["table_leaves"] > 0


@pytest.mark.parametrize("group_nodes", [0, 1, 7, 30])
def test_subtree_groups_of_any_size_agree(group_nodes: int) -> None:
    X, y = _categorical_frame(seed=5)
    booster = _train(X, y, rounds=10, num_leaves=31, min_data_per_group=5, cat_smooth=1.0)
    expected = booster.predict(X, pred_contrib=True)
    explainer = FastTreeShap(booster, max_group_nodes=group_nodes, max_group_entries=1 << 16)
    assert np.max(np.abs(explainer.contributions(X) - expected)) <= TOL
    assert (explainer.stats["groups"] > 0) == (group_nodes > 0)


def _shapley_by_definition(zero: np.ndarray, one: list[int], value: float) -> np.ndarray:
    k = len(zero)

    def game(members: set[int]) -> float:
        return value * float(np.prod([one[j] if j in members else zero[j] for j in range(k)]))

    phi = np.zeros(k)
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for subset in itertools.combinations(others, size):
                phi[i] += weight * (game({*subset, i}) - game(set(subset)))
    return phi


def test_leaf_formula_is_the_shapley_value_of_the_path_game() -> None:
    """The closed form in leaf_shap against the Shapley definition, subset by subset."""
    rng = np.random.default_rng(6)
    for k in range(1, 7):
        zero = rng.uniform(0.01, 1.0, size=k)
        for mask in range(1 << k):
            out = np.empty(k)
            leaf_shap(k, zero, 0, np.int64(mask), 1.7, np.empty(k + 2), out)
            expected = _shapley_by_definition(zero, [(mask >> j) & 1 for j in range(k)], 1.7)
            assert np.max(np.abs(out - expected)) <= 1e-14


def test_shap_tree_explainer_is_lightgbm_pred_contrib() -> None:
    """Why the property test may compare with pred_contrib directly: shap delegates to it."""
    X, y = _nan_frame(n=400)
    booster = _train(X, y, rounds=5)
    assert np.array_equal(_shap_reference(booster, X), booster.predict(X, pred_contrib=True))


@st.composite
def _problems(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any], dict[str, int]]:
    n = draw(st.integers(40, 300))
    n_num = draw(st.integers(1, 4))
    with_cat = draw(st.booleans())
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n, n_num)).round(draw(st.sampled_from([1, 3])))
    values[rng.random((n, n_num)) < draw(st.sampled_from([0.0, 0.1, 0.4]))] = np.nan
    values[rng.random((n, n_num)) < draw(st.sampled_from([0.0, 0.2]))] = 0.0
    X = pd.DataFrame(values, columns=[f"x{i}" for i in range(n_num)])
    if with_cat:
        X["cat"] = pd.Categorical(rng.choice(list("abcdefg"), n))
        X.loc[rng.random(n) < 0.1, "cat"] = np.nan
    signal = np.nan_to_num(values).sum(axis=1) + rng.normal(size=n)
    y = (signal > np.median(signal)).astype(int)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    params = {
        "num_leaves": draw(st.integers(2, 24)),
        "max_depth": draw(st.sampled_from([-1, 1, 2, 3, 5])),
        "min_data_in_leaf": draw(st.integers(1, 15)),
        "zero_as_missing": draw(st.booleans()),
        "use_missing": draw(st.booleans()),
        "min_data_per_group": 2,
        "cat_smooth": 1.0,
        "seed": seed % 1000,
    }
    options = {
        "max_table_bits": draw(st.integers(0, 12)),
        "max_group_nodes": draw(st.integers(0, 7)),
        "block_rows": draw(st.sampled_from([1, 7, 64])),
    }
    return X, y, params, options


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_problems(), st.integers(1, 6))
def test_property_random_models_match_lightgbm(
    problem: tuple[pd.DataFrame, np.ndarray, dict[str, Any], dict[str, int]], rounds: int
) -> None:
    X, y, params, options = problem
    booster = _train(X, y, rounds=rounds, **params)
    ours = FastTreeShap(booster, **options).contributions(X)
    assert np.max(np.abs(ours - booster.predict(X, pred_contrib=True))) <= TOL
    assert np.max(np.abs(ours.sum(axis=1) - booster.predict(X, raw_score=True))) <= TOL


def test_frame_columns_are_matched_by_name() -> None:
    X, y = _categorical_frame(n=500)
    booster = _train(X, y, rounds=5, min_data_per_group=5)
    explainer = FastTreeShap(booster)
    shuffled = X[["other", "region", "num", "grade"]]
    assert np.array_equal(explainer.contributions(shuffled), explainer.contributions(X))
    with pytest.raises(DataError, match="missing model features"):
        explainer.contributions(X.drop(columns="other"))
    with pytest.raises(DataError, match="2-d array with 4 columns"):
        explainer.contributions(np.zeros((3, 5)))
    assert explainer.contributions(X.iloc[:0]).shape == (0, 5)


def test_inputs_lightgbm_would_misread_are_refused() -> None:
    X, y = _nan_frame(n=300)
    numeric_only = _train(X, y, rounds=3)
    with pytest.raises(DataError, match="not trained on pandas categoricals"):
        FastTreeShap(numeric_only).contributions(X.assign(a=pd.Categorical(["p"] * len(X))))
    with pytest.raises(DataError, match="non-numeric dtype"):
        FastTreeShap(numeric_only).contributions(X.assign(a="text"))
    multi = lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1, "num_threads": 1},
        lgb.Dataset(X, np.arange(len(X)) % 3),
        num_boost_round=2,
    )
    with pytest.raises(RiskkitError, match="trees per iteration"):
        FastTreeShap(multi)


def test_random_forest_contributions_add_up_to_its_raw_score() -> None:
    X, y = _nan_frame(n=800)
    forest = _train(X, y, rounds=8, boosting="rf", bagging_fraction=0.6, bagging_freq=1)
    _assert_exact(forest, X)
