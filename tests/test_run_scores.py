"""A run's scores: each model's PD and points on each split computed once, and the same as
the model's own (issue 29: a 200k-row run predicted each pair about twice)."""

from __future__ import annotations

import collections
import hashlib

import numpy as np
import pytest

from riskkit.experiment import config as C
from riskkit.experiment.reasons_stage import own_test_denials
from riskkit.experiment.runner import run_experiment
from riskkit.experiment.scores import models_for, run_scores
from riskkit.experiment.splits import population_splits, run_world
from riskkit.experiment.stages import decide_all, fit_all
from riskkit.models.base import CreditModel

CONFIG = {"seed": 3, "data": {"rows": 3000, "oot": {"rows": 800, "scenario": "downturn"}},
          "figures": {"enabled": False}}


def _counting(monkeypatch: pytest.MonkeyPatch) -> collections.Counter:
    """Count each model's predictions per set of rows (its class and month, the rows'
    applicant ids): a copy of the same rows counts as the same rows."""
    calls: collections.Counter = collections.Counter()
    real_pd, real_points = CreditModel.predict_pd, CreditModel.points

    def key(kind, model, X, raw=False):
        rows = hashlib.sha256(X["applicant_id"].to_numpy().tobytes()).hexdigest()
        month = getattr(getattr(model, "truth_", None), "macro_logit", None)
        return kind, type(model).__name__, month, rows, bool(raw)

    def predict_pd(self, X, raw=False):
        calls[key("pd", self, X, raw)] += 1
        return real_pd(self, X, raw=raw)

    def points(self, X):
        calls[key("points", self, X)] += 1
        return real_points(self, X)

    monkeypatch.setattr(CreditModel, "predict_pd", predict_pd)
    monkeypatch.setattr(CreditModel, "points", points)
    return calls


def test_scores_are_the_models_own_computed_once_and_read_only(tmp_path, monkeypatch) -> None:
    cfg = C.resolve(CONFIG)
    world = run_world(cfg)
    splits = population_splits(cfg, world)
    models = fit_all(cfg, splits, tmp_path / "models", world=world)
    scores = run_scores(cfg, models, splits)
    calls = _counting(monkeypatch)
    for _ in range(2):
        first = scores.pd("lgbm", "test")
        assert scores.points("scorecard", "train") is scores.points("scorecard", "train")
    assert sum(calls.values()) == 2 and scores.computed() == 2
    monkeypatch.undo()
    assert np.array_equal(first, models["lgbm"].predict_pd(splits["test"]))
    assert np.array_equal(scores.raw_pd("lgbm", "test"),
                          models["lgbm"].predict_pd(splits["test"], raw=True))
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 0.5
    # the out-of-time cohort is scored by the oracle of its own month, as models_for says
    later = models_for(cfg, models, "oot")["oracle"]
    assert later is not models["oracle"]
    assert np.array_equal(scores.pd("oracle", "oot"), later.predict_pd(splits["oot"]))
    assert not np.array_equal(scores.pd("oracle", "oot"),
                              models["oracle"].predict_pd(splits["oot"]))


def test_a_run_predicts_each_model_on_each_frame_once(tmp_path, monkeypatch) -> None:
    """Evaluate, policy, swap set, explain and the figures share one set of scores."""
    calls = _counting(monkeypatch)
    run_experiment(C.resolve({**CONFIG, "figures": {"enabled": True, "formats": ["png"]}}),
                   tmp_path, quiet=True)
    twice = {k: n for k, n in calls.items() if n > 1}
    assert not twice, twice


def test_own_denials_from_the_scores_are_those_predicted_afresh(tmp_path) -> None:
    cfg = C.resolve(CONFIG)
    world = run_world(cfg)
    splits = population_splits(cfg, world)
    models = fit_all(cfg, splits, tmp_path / "models", world=world)
    scores = run_scores(cfg, models, splits)
    policy, decisions = decide_all(cfg, models, splits, scores)
    shared = own_test_denials(cfg, models, policy, splits, decisions, scores)
    afresh = own_test_denials(cfg, models, policy, splits, decisions)
    assert shared.keys() == afresh.keys() == models.keys()
    for name in models:
        assert np.array_equal(shared[name], afresh[name]), name
    assert 0 < shared["scorecard"].sum() < len(splits["test"])
