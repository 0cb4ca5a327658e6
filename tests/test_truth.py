"""The true risk function: monotone where the registry says so, Shapley values exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskkit.core import features as F
from riskkit.synth import World, truth
from riskkit.synth.draws import draw_reference_features
from shapley_brute import brute_force

#: The conftest population's world.
BASELINE = World("baseline", 0.04)


def test_closed_form_equals_brute_force_shapley(population):
    """Same background for both: a small one keeps the brute force quick."""
    background = draw_reference_features(2_000, seed=99)
    model = truth.fit_truth(background, 0.04, 0.0, BASELINE.spec)
    players = ["occupation", "income_volatility", "monthly_income"]
    for i in [0, 7, 123]:
        row = population.iloc[[i]][list(background.columns)].reset_index(drop=True)
        brute = brute_force(model, row, players, background)
        _, closed = model.evaluate(row)
        for p in players:
            assert abs(brute[p] - closed[p][0]) < 1e-9, p


@settings(max_examples=40, deadline=None)
@given(i=st.integers(0, 19_999), feature=st.sampled_from(
    [f for f in F.MODEL_FEATURES if F.get(f).direction != "none"]),
    step=st.floats(0.01, 5.0))
def test_truth_is_monotone_in_registry_direction(population, i, feature, step):
    row = population.iloc[[i]].reset_index(drop=True)
    moved = row.copy()
    moved[feature] = moved[feature].astype(float)
    value = moved.loc[0, feature]
    if pd.isna(value):
        return
    sign = 1 if F.get(feature).direction == "increasing" else -1
    moved.loc[0, feature] = value + step * max(abs(value), 1.0)
    before, after = BASELINE.truth().logit(row)[0], BASELINE.truth().logit(moved)[0]
    assert sign * (after - before) >= -1e-12


def test_volatility_hurts_more_in_volatile_industries(population):
    row = population.iloc[[0]].reset_index(drop=True)
    effect = {}
    for occ in ["state_owned", "freelancer"]:
        low, high = row.copy(), row.copy()
        low["occupation"] = pd.Categorical([occ], categories=F.OCCUPATIONS)
        high["occupation"] = low["occupation"]
        low["income_volatility"], high["income_volatility"] = 0.05, 0.5
        m = BASELINE.truth()
        effect[occ] = m.logit(high)[0] - m.logit(low)[0]
    assert effect["freelancer"] > effect["state_owned"] + 0.2


def test_city_tier_has_no_true_effect(population):
    assert np.all(population[F.contrib_column("city_tier")] == 0)
