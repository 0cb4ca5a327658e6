"""Fidelity of explanations to the known truth: definitions, edge cases, metrics.json block."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit.core import features as F
from riskkit.explain import contributions, explain_metrics, fidelity, null_features
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World

ROWS = 30_000
METRIC_KEYS = {"fidelity_top3", "additivity_max_err", "null_attribution_share",
               "rank_correlation", "n_denied"}

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def world() -> dict[str, object]:
    frame = riskkit.generate(ROWS, seed=9)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    train, valid, test = frame.iloc[:a], frame.iloc[a:b], frame.iloc[b:]
    # a quicker LightGBM than the default (fewer, larger steps)
    params = {"lgbm": {"params": {"learning_rate": 0.1}}, "oracle": {"world": BASELINE}}
    models = {name: make_model(name, **params.get(name, {})).fit(
        train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET]) for name in ("lgbm", "scorecard", "oracle")}
    decisions = {}
    for name, model in models.items():
        policy = Policy.from_config({}).fit(valid, model.predict_pd(valid), valid[F.TARGET])
        decisions[name] = policy.decide(test, model.predict_pd(test), model.points(test))
    return {"test": test, "models": models, "decisions": decisions}


def _frame(rows: list[list[float]], names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(rows, dtype=float), columns=names)


NAMES = ["a", "b", "c", "d", "e"]


def test_definition_on_hand_made_rows():
    truth = _frame([[3, 2, 1, 0.5, -1],     # true top-3: a b c
                    [3, -1, -1, -1, -2],    # only one positive: true set {a}
                    [1, 1, 1, 1, -1],       # four-way tie at the boundary: all four count
                    [2, 1, 0, 0, 0]], NAMES)
    model = _frame([[0.1, 0.3, 0.2, 0, 0],  # names b c a -> 3/3
                    [2, 1, 0, 0, 0],        # names a b; b not truly positive -> 1/2
                    [0, 0, 0, 5, 0],        # names d, tied into the true top -> 1/1
                    [-1, -1, -1, -1, -1]],  # names nothing: left out
                   NAMES)
    result = fidelity(model, truth)
    assert result["n_rows"] == 4 and result["n_scored"] == 3
    assert result["fidelity_top3"] == pytest.approx((1 + 0.5 + 1) / 3)
    masked = fidelity(model, truth, mask=np.array([True, True, False, False]))
    assert masked["fidelity_top3"] == pytest.approx(0.75)
    assert fidelity(model, truth, k=1)["fidelity_top1"] == pytest.approx((0 + 1 + 1) / 3)


def test_null_attribution_counts_features_without_true_effect():
    truth = _frame([[1, 0, 2], [-1, 0, 1], [2, 0, -2]], ["x", "dead", "y"])
    model = _frame([[1, 1, 2], [1, -1, 1], [1, 0, 2]], ["x", "dead", "y"])
    result = fidelity(model, truth)
    assert result["null_features"] == ["dead"]
    assert result["null_attribution_share"] == pytest.approx(2 / 10)
    # rank correlation: identical rankings give 1, reversed give -1
    same = fidelity(truth, truth)
    assert same["rank_correlation"] == pytest.approx(1.0)
    flipped = fidelity(-truth[["x", "y"]], truth[["x", "y"]])
    assert flipped["rank_correlation"] == pytest.approx(-1.0)


def test_the_population_has_exactly_one_null_feature(world):
    assert null_features(world["test"]) == ["city_tier"]


def test_the_oracle_is_perfectly_faithful(world):
    test, oracle = world["test"], world["models"]["oracle"]
    contrib, _ = contributions(oracle, test)
    denied = world["decisions"]["oracle"]["decision"].to_numpy() == "denied"
    result = fidelity(contrib, test, mask=denied)
    assert result["fidelity_top3"] == 1.0
    assert result["null_attribution_share"] == 0.0
    assert result["rank_correlation"] == pytest.approx(1.0)
    # true contributions given as plain names work too
    plain = test[[F.contrib_column(n) for n in F.MODEL_FEATURES]]
    plain = plain.set_axis(list(F.MODEL_FEATURES), axis=1)
    assert fidelity(contrib, plain, mask=denied)["fidelity_top3"] == 1.0


def test_a_model_with_the_wrong_signs_is_caught(world):
    test = world["test"]
    truth = test[[F.contrib_column(n) for n in F.MODEL_FEATURES]].set_axis(
        list(F.MODEL_FEATURES), axis=1)
    result = fidelity(-truth, test)
    assert result["fidelity_top3"] < 0.1
    assert result["rank_correlation"] < -0.9


def test_explain_metrics_has_the_metrics_json_structure(world):
    metrics = explain_metrics(world["models"], world["test"], world["decisions"])
    assert set(metrics) == {"lgbm", "scorecard", "oracle"}
    for name, block in metrics.items():
        assert set(block) == METRIC_KEYS, name
        assert block["additivity_max_err"] <= 1e-6
        assert block["n_denied"] == int((world["decisions"][name]["decision"] == "denied").sum())
    json.dumps(metrics)
    oracle = metrics["oracle"]
    assert oracle["fidelity_top3"] == 1.0 and oracle["null_attribution_share"] == 0.0
    # a fitted model is less faithful than the truth, but clearly informative
    for name in ("lgbm", "scorecard"):
        assert 0.5 < metrics[name]["fidelity_top3"] < 1.0
        assert metrics[name]["rank_correlation"] > 0.6
        assert metrics[name]["null_attribution_share"] < 0.05
    # one mask for every model gives the same denied count everywhere
    mask = world["decisions"]["lgbm"]["decision"] == "denied"
    shared = explain_metrics(world["models"], world["test"], mask.to_numpy())
    assert {b["n_denied"] for b in shared.values()} == {int(mask.sum())}
    assert shared["lgbm"] == pytest.approx(metrics["lgbm"])
