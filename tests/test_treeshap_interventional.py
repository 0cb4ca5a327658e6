"""Interventional FastTreeShap against a brute-force Shapley computation, shap and predict().

The brute force enumerates every coalition, builds the hybrid rows (features in the
coalition from the explained row, the rest from a background row), scores them with
``booster.predict(raw_score=True)`` -- LightGBM's own routing of categorical splits and
missing values -- and averages over the background: the definition, with no tree algebra.
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

from riskkit.core.errors import DataError
from riskkit.treeshap import FastTreeShap

TOL = 1e-9


def _train(X: Any, y: np.ndarray, rounds: int = 15, **params: Any) -> lgb.Booster:
    base = {"objective": "binary", "verbose": -1, "num_leaves": 8, "min_data_in_leaf": 5,
            "num_threads": 1, "min_data_per_group": 5, "cat_smooth": 1.0}
    return lgb.train({**base, **params}, lgb.Dataset(X, y), num_boost_round=rounds)


def _small_frame(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Four features: a numeric with NaN, a zero-inflated numeric, an integer, a category."""
    rng = np.random.default_rng(seed)
    levels = ["a", "b", "c", "d", "e"]
    X = pd.DataFrame({
        "num": rng.normal(size=n),
        "zero": np.where(rng.random(n) < 0.4, 0.0, rng.exponential(size=n)),
        "count": rng.poisson(2.0, size=n).astype(float),
        "cat": pd.Categorical(rng.choice(levels, size=n), categories=levels),
    })
    effect = np.array([1.5, -1.0, 0.0, 0.8, -1.5])[X["cat"].cat.codes.to_numpy()]
    nan = rng.random(n) < 0.2
    logit = X["num"].fillna(0) + 0.7 * X["zero"] - 0.4 * X["count"] + effect + 1.5 * nan
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X.loc[nan, "num"] = np.nan
    return X, y


def brute_force(booster: lgb.Booster, X: pd.DataFrame, background: pd.DataFrame) -> np.ndarray:
    """Exact interventional Shapley values by coalition enumeration (plus the mean score)."""
    d = X.shape[1]
    out = np.zeros((len(X), d + 1))
    coalitions = [c for r in range(d + 1) for c in itertools.combinations(range(d), r)]
    for row in range(len(X)):
        hybrids = []
        for c in coalitions:
            h = background.copy()
            for j in c:
                h.iloc[:, j] = X.iloc[row, j]
            hybrids.append(h)
        scores = booster.predict(pd.concat(hybrids, ignore_index=True), raw_score=True)
        v = dict(zip(coalitions, scores.reshape(len(coalitions), -1).mean(axis=1),
                     strict=True))
        for i in range(d):
            for c in coalitions:
                if i in c:
                    continue
                w = math.factorial(len(c)) * math.factorial(d - len(c) - 1) / math.factorial(d)
                out[row, i] += w * (v[tuple(sorted((*c, i)))] - v[c])
        out[row, d] = v[()]
    return out


@pytest.fixture(scope="module")
def small() -> tuple[lgb.Booster, pd.DataFrame, pd.DataFrame]:
    X, y = _small_frame()
    booster = _train(X, y, max_cat_to_onehot=2)
    return booster, X.iloc[:20].reset_index(drop=True), X.iloc[20:40].reset_index(drop=True)


def test_small_model_has_what_the_test_is_about(small: Any) -> None:
    booster, _, _ = small
    nodes, stack = [], [t["tree_structure"] for t in booster.dump_model()["tree_info"]]
    while stack:
        node = stack.pop()
        if "split_index" in node:
            nodes.append(node)
            stack += [node["left_child"], node["right_child"]]
    assert any(n["decision_type"] == "==" for n in nodes), "no categorical split"
    assert any(n["split_feature"] == 0 and n["missing_type"] == "NaN" for n in nodes)


def test_equals_brute_force_with_categorical_and_nan(small: Any) -> None:
    booster, background, X = small
    ours = FastTreeShap(booster, background=background)
    phi = ours.contributions(X)
    ref = brute_force(booster, X, background)
    assert np.max(np.abs(phi - ref)) <= TOL
    assert ours.expected_value == pytest.approx(
        booster.predict(background, raw_score=True).mean(), abs=TOL)


def test_fallback_without_tables_equals_brute_force(small: Any) -> None:
    """max_table_bits=0 sends every leaf through the per-row fallback kernel."""
    booster, background, X = small
    phi = FastTreeShap(booster, background=background, max_table_bits=0).contributions(X)
    assert np.max(np.abs(phi - brute_force(booster, X, background))) <= TOL


def test_per_leaf_tables_equal_grouped_tables(small: Any) -> None:
    booster, background, X = small
    grouped = FastTreeShap(booster, background=background).contributions(X)
    per_leaf = FastTreeShap(booster, background=background, max_group_nodes=0).contributions(X)
    assert np.max(np.abs(grouped - per_leaf)) <= TOL


@pytest.fixture(scope="module")
def plain() -> tuple[lgb.Booster, pd.DataFrame, pd.DataFrame]:
    """The small data with the category as plain codes: numerical splits only (shap's case)."""
    X, y = _small_frame(seed=1)
    X = X.assign(cat=X["cat"].cat.codes.astype(float))
    return _train(X, y, rounds=25, num_leaves=15), X.iloc[:50], X.iloc[50:250]


def test_matches_shap_interventional_without_categoricals(plain: Any) -> None:
    """shap's interventional kernel keeps its weights and partial sums in C ``float``
    (``pos_lst``, ``neg_lst``, ``memoized_weights`` in shap/cext/tree_shap.h), so it is
    only float32-accurate: its own additivity error is ~1e-8 here. We agree with it to
    that precision, while being additive to 1e-12 (and exact, per the brute force)."""
    booster, bg, rows = plain
    explainer = shap.TreeExplainer(
        booster, data=shap.maskers.Independent(bg, max_samples=len(bg)),
        feature_perturbation="interventional", model_output="raw")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.asarray(explainer.shap_values(rows))
    ours = FastTreeShap(booster, background=bg)
    phi = ours.contributions(rows)
    assert np.max(np.abs(phi[:, :-1] - ref)) <= 1e-6
    assert abs(ours.expected_value - float(np.ravel(explainer.expected_value)[0])) <= TOL
    raw = booster.predict(rows, raw_score=True)
    ours_err = np.max(np.abs(phi.sum(axis=1) - raw))
    shap_err = np.max(np.abs(ref.sum(axis=1) + float(np.ravel(explainer.expected_value)[0]) - raw))
    assert ours_err <= 1e-12 and ours_err <= shap_err


def test_matches_shap_exact_explainer_to_1e9(plain: Any) -> None:
    """shap's model-agnostic ``Exact`` explainer (float64 coalition enumeration over an
    ``Independent`` masker) computes the same interventional values: equal within 1e-9."""
    booster, bg, rows = plain
    bg = bg.iloc[:20]
    masker = shap.maskers.Independent(bg.to_numpy(), max_samples=len(bg))
    exact = shap.explainers.Exact(lambda a: booster.predict(a, raw_score=True), masker)
    ref = exact(rows.to_numpy()[:4])
    phi = FastTreeShap(booster, background=bg).contributions(rows.iloc[:4])
    assert np.max(np.abs(phi[:, :-1] - ref.values)) <= TOL
    assert np.max(np.abs(phi[:, -1] - ref.base_values)) <= TOL


def test_bad_background_is_a_data_error(small: Any) -> None:
    booster, background, _ = small
    with pytest.raises(DataError, match="background"):
        FastTreeShap(booster, background=background.iloc[:0])
    with pytest.raises(DataError):
        FastTreeShap(booster, background=background.drop(columns="num"))


@pytest.fixture(scope="module")
def deep() -> tuple[lgb.Booster, np.ndarray]:
    """Deeper trees on more features, one of them never usable (constant)."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2000, 7))
    X[:, 3] = 1.0  # constant: never split on
    X[rng.random(2000) < 0.15, 1] = np.nan
    y = (rng.random(2000) < 1 / (1 + np.exp(-(X[:, 0] * X[:, 2] + np.nan_to_num(X[:, 1])))))
    return _train(X, y.astype(int), rounds=20, num_leaves=31, min_data_in_leaf=10), X


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_bg=st.integers(1, 60), max_bits=st.sampled_from([0, 3, 12]))
def test_additive_and_unused_feature_gets_zero(deep: Any, seed: int, n_bg: int,
                                               max_bits: int) -> None:
    booster, X = deep
    rng = np.random.default_rng(seed)
    bg = X[rng.choice(len(X), n_bg, replace=False)]
    rows = X[rng.choice(len(X), 40, replace=False)]
    ours = FastTreeShap(booster, background=bg, max_table_bits=max_bits)
    phi = ours.contributions(rows)
    assert np.max(np.abs(phi.sum(axis=1) - booster.predict(rows, raw_score=True))) <= TOL
    assert np.all(phi[:, 3] == 0.0)
    # a background of one row: each row's values are the baseline Shapley values vs it,
    # so explaining the background row itself gives zero everywhere
    single = FastTreeShap(booster, background=bg[:1], max_table_bits=max_bits)
    assert np.max(np.abs(single.contributions(bg[:1])[:, :-1])) <= TOL


# ------------------------------------------------------------------ riskkit's own model
@pytest.fixture(scope="module")
def riskkit_model() -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    from riskkit.core.features import TARGET
    from riskkit.models import LGBMModel
    from riskkit.synth import generate

    frame = generate(6000, seed=11)
    train, valid, test = frame.iloc[:3600], frame.iloc[3600:4800], frame.iloc[4800:]
    model = LGBMModel(params={"n_estimators": 80}, num_threads=1).fit(
        train, train[TARGET], X_valid=valid, y_valid=valid[TARGET])
    return model, train, test


def test_riskkit_model_has_categorical_splits(riskkit_model: Any) -> None:
    from riskkit.treeshap._bench_interventional import _categorical_splits

    assert _categorical_splits(riskkit_model[0].booster_) > 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 1000), n_bg=st.sampled_from([1, 17, 300]))
def test_explain_contributions_with_background_stay_additive_after_calibration(
        riskkit_model: Any, seed: int, n_bg: int) -> None:
    from riskkit.explain import additivity_error, contributions

    model, train, test = riskkit_model
    assert model.calibration_.applied  # the affine map is part of what is checked
    bg = train.sample(n_bg, random_state=seed)
    contrib, base = contributions(model, test, background=bg)
    assert list(contrib.columns) == list(model.features_) and contrib.index.equals(test.index)
    assert base == pytest.approx(float(np.mean(model.predict_logit(bg))), abs=TOL)
    assert additivity_error(model, test, background=bg) <= TOL
    assert np.max(np.abs(contrib.sum(axis=1) + base - model.predict_logit(test))) <= TOL


def test_default_contributions_unchanged_and_bad_calls_refused(riskkit_model: Any) -> None:
    from riskkit.core.errors import ConfigError
    from riskkit.explain import contributions

    model, train, test = riskkit_model
    default, base = contributions(model, test.iloc[:50])
    native, native_base = contributions(model, test.iloc[:50], engine="native")
    assert np.max(np.abs(default.to_numpy() - native.to_numpy())) <= TOL
    assert base == pytest.approx(native_base, abs=TOL)
    with pytest.raises(ConfigError, match="pred_contrib"):
        contributions(model, test, engine="native", background=train.iloc[:10])
    with pytest.raises(ConfigError, match="background mode"):
        contributions(object(), test, background=train.iloc[:10])


def test_interventional_benchmark_reports_agreeing_numbers(riskkit_model: Any) -> None:
    from riskkit.core.features import TARGET
    from riskkit.treeshap import interventional_benchmark, interventional_lines

    model, train, test = riskkit_model
    X = model._matrix(model._prepare(test))
    r = interventional_benchmark(
        model.booster_, X, X_train=model._matrix(model._prepare(train)),
        y_train=train[TARGET].to_numpy(), params=model.params_, backgrounds=(30,),
        rows=300, shap_rows=4)
    assert r["categorical_splits"] > 0 and r["plain_categorical_splits"] == 0
    (cat,), (plain,) = r["categorical"], r["plain"]
    assert cat["ours_additivity"] <= TOL and plain["ours_additivity"] <= TOL
    assert plain["max_abs_diff_shap"] <= 1e-3 and plain["speedup_vs_shap"] > 0
    if r["woodelf"] == "ok":
        assert plain["max_abs_diff_woodelf"] <= 1e-5 and plain["speedup_vs_woodelf"] > 0
    assert len(interventional_lines(r)) >= 2
