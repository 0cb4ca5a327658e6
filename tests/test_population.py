"""The generator: deterministic, chunk-invariant, plausible, and on its targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskkit
from riskkit.core import features as F
from riskkit.synth import BLOCK_ROWS, World, fingerprint


def test_same_seed_same_rows(population):
    again = riskkit.generate(rows=20_000, seed=11)
    pd.testing.assert_frame_equal(population, again)
    assert fingerprint(population) == fingerprint(again)


def test_other_seed_other_rows(population):
    other = riskkit.generate(rows=20_000, seed=12)
    assert fingerprint(population) != fingerprint(other)


def test_rows_do_not_depend_on_how_many_were_asked_for():
    """The first k rows of a larger population equal a population of k rows (across a block edge)."""
    small = riskkit.generate(rows=BLOCK_ROWS + 10, seed=5)
    large = riskkit.generate(rows=BLOCK_ROWS + 500, seed=5)
    pd.testing.assert_frame_equal(small, large.iloc[: len(small)].reset_index(drop=True))


def test_blocks_can_be_generated_out_of_order():
    whole = riskkit.generate(rows=2 * BLOCK_ROWS, seed=3)
    second = next(World("baseline", 0.04).iter_blocks(2 * BLOCK_ROWS, 3, start_block=1))
    pd.testing.assert_frame_equal(whole.iloc[BLOCK_ROWS:].reset_index(drop=True), second)


def test_columns_are_internally_consistent(population):
    p = population
    assert p["applicant_id"].is_unique
    assert (p["applications_30d"] <= p["applications_90d"]).all()
    never = p["overdue_count_24m"] == 0
    assert (p.loc[never, "max_dpd_24m"] == 0).all()
    assert p.loc[never, "months_since_last_overdue"].isna().all()
    assert p.loc[~never, "months_since_last_overdue"].notna().all()
    assert (p.loc[p["current_overdue"] == 1, "overdue_count_24m"] >= 1).all()
    assert (p.loc[p["current_overdue"] == 1, "months_since_last_overdue"] == 0).all()
    assert (p["credit_history_months"] <= 12 * (p["age"] - 18) + 6).all()
    assert p["age"].between(18, 65).all()
    assert (p["loans_12m"] >= p["active_platforms"]).all()
    np.testing.assert_allclose(p["debt_to_income"], p["outstanding_debt"] / (12 * p["monthly_income"]),
                               atol=1e-4)
    for f in F.FEATURES:
        if f.lower is not None and f.dtype != "category":
            assert (p[f.name].dropna() >= f.lower).all(), f.name
        if f.upper is not None and f.dtype != "category":
            assert (p[f.name].dropna() <= f.upper).all(), f.name


def test_mechanism_not_independent_draws(population):
    p = population
    by_occ = p.groupby("occupation", observed=True)["income_volatility"].median()
    assert by_occ["freelancer"] > 3 * by_occ["state_owned"]
    assert by_occ["internet_industry"] > by_occ["private_salaried"]
    # financial strain links borrowing frequency with overdue history
    rho = p["applications_90d"].corr(p["overdue_count_24m"], method="spearman")
    assert rho > 0.1
    assert p.loc[p["occupation"] == "student", "monthly_income"].median() < 3000


def test_contributions_add_up(population):
    contrib = population[[F.contrib_column(n) for n in F.MODEL_FEATURES]].sum(axis=1)
    base = World("baseline", 0.04).truth().base_logit
    np.testing.assert_allclose(contrib, population["true_logit"] - base, atol=1e-9)
    np.testing.assert_allclose(population["true_pd"], 1 / (1 + np.exp(-population["true_logit"])))


@pytest.mark.parametrize("feature", ["income_volatility", "applications_30d",
                                     "active_platforms", "overdue_count_24m"])
def test_true_pd_rises_across_quintiles(population, feature):
    # quintile edges; tied edges (most applicants never overdue) merge into one group
    x = population[feature].to_numpy()
    edges = np.unique(np.quantile(x, [0.2, 0.4, 0.6, 0.8]))
    groups = np.digitize(x, edges, right=True)
    means = population.groupby(groups)["true_pd"].mean().to_numpy()
    assert len(means) >= 2
    assert np.all(np.diff(means) > 0), means


def test_bad_rate_near_target(population):
    assert abs(population["default_12m"].mean() - 0.04) < 0.006
    assert abs(population["true_pd"].mean() - 0.04) < 0.004


@settings(max_examples=6, deadline=None)
@given(target=st.sampled_from([0.02, 0.05, 0.1, 0.2]), seed=st.integers(0, 10_000))
def test_intercept_calibration_hits_any_target(target, seed):
    frame = riskkit.generate(rows=BLOCK_ROWS, seed=seed, bad_rate=target)
    assert abs(frame["true_pd"].mean() - target) < 0.1 * target
    assert abs(frame["default_12m"].mean() - target) < 0.15 * target + 0.003


def test_downturn_is_riskier():
    base = riskkit.generate(rows=30_000, seed=4)
    down = riskkit.generate(rows=30_000, seed=4, scenario="downturn")
    assert down["true_pd"].mean() > 1.3 * base["true_pd"].mean()
    assert down["income_volatility"].median() > base["income_volatility"].median()
    # contributions stay measured against the baseline reference
    base_logit = World("baseline", 0.04, scenario="downturn").truth().base_logit
    contrib = down[[F.contrib_column(n) for n in F.MODEL_FEATURES]].sum(axis=1)
    np.testing.assert_allclose(contrib, down["true_logit"] - base_logit, atol=1e-9)


def test_bad_arguments_are_rejected_with_reason():
    from riskkit.core.errors import ConfigError

    with pytest.raises(ConfigError, match="rows"):
        riskkit.generate(rows=0)
    with pytest.raises(ConfigError, match="downturn"):
        riskkit.generate(rows=10, scenario="recession")
    with pytest.raises(ConfigError, match="bad rate"):
        riskkit.generate(rows=10, bad_rate=0.9)
