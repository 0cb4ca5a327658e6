"""The truth against any background: exact, in every world, checked by brute force.

Fails on the code before issue 27: ``riskkit.synth.background`` did not exist, and the
truth's contributions were defined against its reference sample only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.synth import World, truth
from riskkit.synth.background import rebase, true_contributions
from riskkit.synth.worlds import get_shape
from shapley_brute import brute_force

BASELINE = World("baseline", 0.04)
WORLDS = ["baseline", "additive", "interacting", "nonmonotone", "threshold",
          "interacting+nonmonotone+threshold"]


@pytest.fixture(scope="module")
def applicants() -> pd.DataFrame:
    return BASELINE.generate(4000, 21)


def _backgrounds(applicants: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Backgrounds unlike the truth's reference sample: low-risk applicants (like the
    approved), a high-volatility tail, and a single applicant."""
    low = applicants[applicants["true_pd"] < applicants["true_pd"].quantile(0.3)].head(40)
    volatile = applicants[applicants["income_volatility"] > 0.3].head(40)
    return {"low_risk": low, "volatile": volatile, "one_row": applicants.iloc[[5]]}


@pytest.mark.parametrize("world", WORLDS)
def test_closed_form_equals_brute_force_against_any_background(applicants, world):
    """Players: every feature of a product term (no interaction partner held fixed) plus two
    with one-feature terms; the world's own truth (fitted on its reference sample),
    explained against backgrounds that are not that sample."""
    model = World(world, 0.04).truth()
    players = get_shape(world).interacting_features()
    players += [f for f in ("applications_90d", "credit_utilization", "max_dpd_24m")
                if f not in players][:2]
    rows = applicants.iloc[[0, 77, 311]]
    for name, background in _backgrounds(applicants).items():
        contrib, base = true_contributions(model, rows, background)
        assert base == pytest.approx(float(np.mean(model.logit(background))), abs=1e-12)
        np.testing.assert_allclose(contrib.sum(axis=1).to_numpy() + base, model.logit(rows),
                                   rtol=0, atol=1e-10)
        for i in range(len(rows)):
            row = rows.iloc[[i]].reset_index(drop=True)
            brute = brute_force(model, row, players, background)
            for p in players:
                assert abs(brute[p] - contrib[p].iloc[i]) < 1e-9, (world, name, p)


def test_against_the_reference_sample_it_is_the_population_columns(applicants):
    """Rebasing on the truth's own reference sample gives back ``true_contrib__*``."""
    model = BASELINE.truth()
    contrib, base = true_contributions(model, applicants.head(500), truth.reference_features())
    assert base == pytest.approx(model.base_logit, abs=1e-12)
    for name in F.MODEL_FEATURES:
        np.testing.assert_allclose(contrib[name], applicants[F.contrib_column(name)].head(500),
                                   rtol=0, atol=1e-12)


def test_rebase_keeps_the_log_odds_and_moves_only_the_reference(applicants):
    model = World("interacting", 0.04).truth()
    bg = applicants.head(300)
    rebased = rebase(model, bg)
    assert np.array_equal(rebased.logit(applicants), model.logit(applicants))
    assert rebased.base_logit == pytest.approx(float(model.logit(bg).mean()), abs=1e-12)
    # a feature without a true effect gets nothing against any background
    contrib, _ = true_contributions(model, applicants, bg)
    assert np.all(contrib["city_tier"] == 0)
    # against a background of the applicant's twins, nothing is left to explain
    twin, _ = true_contributions(model, applicants.iloc[[9]], applicants.iloc[[9] * 3])
    assert np.max(np.abs(twin.to_numpy())) < 1e-12


def test_bad_backgrounds_are_named(applicants):
    model = BASELINE.truth()
    with pytest.raises(DataError, match="no rows"):
        true_contributions(model, applicants.head(3), applicants.head(0))
    with pytest.raises(DataError, match="monthly_income"):
        true_contributions(model, applicants.head(3),
                           applicants.head(10).drop(columns=["monthly_income"]))
