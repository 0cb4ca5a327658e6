"""Worlds: exact truth in every world, the signal re-solved per world, dials checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.experiment import config as C
from riskkit.models import make_model
from riskkit.synth import World, fingerprint, generate, truth, write_population
from riskkit.synth.draws import draw_reference_features
from riskkit.synth.worlds import WORLD_NAMES, canonical_name, get_shape, world_spec
from shapley_brute import brute_force

WORLDS = ["baseline", "additive", "interacting", "nonmonotone", "threshold",
          "interacting+nonmonotone+threshold"]


def test_baseline_population_bytes_are_pinned():
    """The default world is the truth from before worlds existed, byte for byte (hashes
    of main d0447c6 without this change; main moved to scipy expit there)."""
    assert fingerprint(generate(rows=5000, seed=7)) == \
        "e0d9ee5538ec42cbce0d84d0b2932158bdbe5bd0eba0d23886f92bb4437478fc"
    assert fingerprint(generate(rows=5000, seed=3, scenario="downturn", bad_rate=0.06)) == \
        "94c4569e900942abc8c7f68a408cd01f383d63bbd5bff3c620f88587f11750aa"
    assert fingerprint(generate(rows=5000, seed=7, world="baseline")) == \
        fingerprint(generate(rows=5000, seed=7))


@pytest.mark.parametrize("world", WORLDS)
def test_closed_form_equals_brute_force_shapley_in_every_world(population, world):
    """Players: every feature of a product term (so no interaction partner is held fixed)
    plus two features with one-feature terms only; the background is small for speed."""
    background = draw_reference_features(120, seed=99)
    model = truth.fit_truth(background, 0.04, 0.0, world_spec(world))
    players = get_shape(world).interacting_features()
    players += [f for f in ("applications_90d", "credit_utilization", "max_dpd_24m")
                if f not in players][:2]
    for i in [0, 123]:
        row = population.iloc[[i]][list(background.columns)].reset_index(drop=True)
        brute = brute_force(model, row, players, background)
        _, closed = model.evaluate(row)
        for p in players:
            assert abs(brute[p] - closed[p][0]) < 1e-9, (world, p)


@pytest.fixture(scope="module")
def populations() -> dict[str, pd.DataFrame]:
    return {w: generate(rows=40_000, seed=5, world=w) for w in WORLDS}


@pytest.mark.parametrize("world", WORLDS)
def test_contributions_add_up_and_oracle_auc_is_on_target(populations, world):
    pop = populations[world]
    model = truth.truth_model(0.04, 0.0, world)
    contrib = pop[[F.contrib_column(f) for f in F.MODEL_FEATURES]].sum(axis=1).to_numpy()
    assert np.max(np.abs(contrib - (pop["true_logit"].to_numpy() - model.base_logit))) <= 1e-9
    assert abs(roc_auc_score(pop[F.TARGET], pop["true_pd"]) - 0.83) <= 0.02
    assert abs(pop[F.TARGET].mean() - 0.04) < 0.006
    assert np.all(pop[F.contrib_column("city_tier")] == 0), "city tier stays a null probe"
    reference = truth.reference_features()
    assert truth.expected_auc(model.logit(reference), model.pd(reference)) == \
        pytest.approx(0.83, abs=1e-4 if world != "baseline" else 0.01)


def test_worlds_share_applicants_and_differ_in_truth(populations):
    base, inter = populations["baseline"], populations["interacting"]
    features = list(F.MODEL_FEATURES)
    pd.testing.assert_frame_equal(base[features], inter[features])
    assert not np.allclose(base["true_logit"], inter["true_logit"])


def test_nonmonotone_world_runs_against_the_registry_somewhere():
    row = draw_reference_features(1, seed=1)
    row["applications_90d"], row["credit_utilization"] = 0, 0.3
    one = row.copy()
    one["applications_90d"] = 1
    for world, sign in (("additive", 1), ("nonmonotone", -1)):
        m = truth.truth_model(0.04, 0.0, world)
        assert sign * (m.logit(one)[0] - m.logit(row)[0]) > 0, world


def test_interaction_strength_zero_is_the_additive_world():
    ref = draw_reference_features(3000, seed=4)
    flat = truth.truth_model(0.04, 0.0, world_spec("interacting", {"interaction_strength": 0}))
    add = truth.truth_model(0.04, 0.0, "additive")
    assert np.allclose(flat.logit(ref), add.logit(ref), atol=1e-4)
    strong = truth.truth_model(0.04, 0.0, world_spec("interacting", {"interaction_strength": 2}))
    assert strong.signal < truth.truth_model(0.04, 0.0, "interacting").signal  # re-solved


def test_label_noise_keeps_bad_rate_and_target_auc():
    pop = generate(rows=40_000, seed=5, world=World("additive", 0.04, label_noise=0.1))
    assert abs(pop[F.TARGET].mean() - 0.04) < 0.006
    assert abs(roc_auc_score(pop[F.TARGET], pop["true_pd"]) - 0.83) <= 0.02
    clean = generate(rows=40_000, seed=5, world="additive")
    assert (pop[F.TARGET] != clean[F.TARGET]).mean() > 0.005


def test_world_names_and_dials_are_validated():
    assert canonical_name("nonmonotone+interacting") == "interacting+nonmonotone"
    assert canonical_name("additive+threshold") == "threshold"
    for bad in ["curvy", "baseline+interacting", ""]:
        with pytest.raises(ConfigError, match="world"):
            world_spec(bad)
    with pytest.raises(ConfigError, match=r"'data.truth.label_noise' must be a number between 0 and 0.5"):
        world_spec("additive", {"label_noise": 0.7})
    with pytest.raises(ConfigError, match=r"unknown key 'data.truth.noise'"):
        world_spec("additive", {"noise": 0.1})
    with pytest.raises(ConfigError, match="interaction_strength"):
        world_spec("additive", {"interaction_strength": True})
    with pytest.raises(ConfigError, match="cannot reach an oracle AUC"):
        truth.truth_model(0.04, 0.0, world_spec("additive", {"label_noise": 0.5, "target_auc": 0.95}))


def test_config_keys_are_checked_and_named():
    cfg = C.resolve({"data": {"world": "interacting", "truth": {"interaction_strength": 2}}})
    assert cfg["data"]["world"] == "interacting" and cfg["data"]["truth"]["interaction_strength"] == 2
    with pytest.raises(ConfigError, match=r"'data.truth.nonmonotone_strength' must be a number"):
        C.resolve({"data": {"truth": {"nonmonotone_strength": -1}}})
    with pytest.raises(ConfigError, match=r"unknown key 'data.truth.strength'"):
        C.resolve({"data": {"truth": {"strength": 1}}})
    with pytest.raises(ConfigError, match=r"'data.world'.*unknown world 'wavy'"):
        C.resolve({"data": {"world": "wavy"}})
    with pytest.raises(ConfigError, match=r"models\.lgbm\.monotone = 'maybe': expected true or false"):
        C.resolve({"models": {"lgbm": {"monotone": "maybe"}}})


def test_data_card_writes_the_formula(tmp_path):
    card = write_population(tmp_path, rows=2000, seed=1, world=World("interacting", 0.04),
                            quiet=True)
    world = card["world"]
    assert world["name"] == "interacting" and world["interaction_strength"] == 1.0
    assert "log1p(applications_30d)" in world["formula"] and "true_logit = " in world["formula"]
    model = truth.truth_model(0.04, 0.0, "interacting")
    inter = [t for t in world["terms"] if t["term"] == "interaction"]
    assert len(inter) == len(get_shape("interacting").products)
    assert world["terms"][0]["coefficient"] == pytest.approx(model.intercept)


def test_unconstrained_lgbm_drops_the_registry_constraints():
    pop = generate(rows=3000, seed=2, world="nonmonotone")
    X, y = pop[list(F.MODEL_FEATURES)], pop[F.TARGET].to_numpy()
    free = make_model("lgbm", monotone=False, params={"n_estimators": 5}).fit(X, y)
    fixed = make_model("lgbm", params={"n_estimators": 5}).fit(X, y)
    assert "monotone_constraints" not in free.params_
    assert fixed.params_["monotone_constraints"] == F.monotone_constraints(list(F.MODEL_FEATURES))


@pytest.mark.parametrize("world", WORLD_NAMES)
def test_logit_alone_is_evaluates_sum_bit_for_bit(world):
    """TruthModel.logit skips the contributions; the log-odds must be evaluate's, exactly."""
    frame = generate(3_000, seed=9)
    model = truth.truth_model(0.04, 0.0, world)
    assert np.array_equal(model.logit(frame), model.evaluate(frame)[0])
