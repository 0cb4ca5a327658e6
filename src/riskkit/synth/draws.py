"""The visible features of a borrower, drawn from a mechanism (see :mod:`.population`).

Kept apart from the population assembly so the ground truth (:mod:`.truth`), which needs a
reference sample of the same features, imports the draws without importing the generator
that itself needs the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.mathx import sigmoid
from riskkit.synth.scenarios import Scenario, get_scenario

_OCC = F.OCCUPATIONS
#: median monthly income (CNY) by occupation, before city and age effects.
OCC_MEDIAN_INCOME = np.array([8500, 7500, 11000, 7000, 9000, 5500, 1800], dtype=float)
#: month-to-month income noise by occupation (log scale).
OCC_INCOME_SIGMA = np.array([0.04, 0.07, 0.12, 0.30, 0.25, 0.12, 0.35])
#: monthly probability of an income shock (a month with most income lost).
OCC_SHOCK_PROB = np.array([0.003, 0.01, 0.03, 0.06, 0.05, 0.03, 0.06])
OCC_HOUSING_FUND = np.array([0.95, 0.60, 0.65, 0.03, 0.05, 0.30, 0.0])
OCC_NO_CARD = np.array([0.10, 0.20, 0.15, 0.35, 0.30, 0.45, 0.60])
OCC_PROBS_ADULT = np.array([0.10, 0.34, 0.13, 0.12, 0.12, 0.17, 0.02])
OCC_PROBS_YOUNG = np.array([0.03, 0.20, 0.12, 0.10, 0.04, 0.11, 0.40])
CITY_PROBS = np.array([0.16, 0.28, 0.30, 0.26])
CITY_INCOME = np.array([1.35, 1.15, 1.0, 0.85])
PURPOSE_BASE = np.array([0.45, 0.15, 0.08, 0.10, 0.10, 0.12])


def _categorical_draw(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Draw category codes from per-row (n, k) or shared (k,) probabilities with uniforms u."""
    cum = np.cumsum(probs, axis=-1)
    cum = cum / cum[..., -1:]
    if cum.ndim == 1:
        return np.searchsorted(cum, u, side="right").astype(np.int8)
    return (u[:, None] >= cum).sum(axis=1).astype(np.int8)


def draw_features(rng: np.random.Generator, n: int, scenario: Scenario) -> pd.DataFrame:
    """Draw ``n`` applicants' lender-visible features (no truth, no outcome)."""
    # --- who they are
    age = np.minimum(18 + np.floor(rng.gamma(2.2, 5.5, n)), 65).astype(np.int64)
    gender = (rng.random(n) < 0.56).astype(np.int8)  # 1 = male
    young = age < 23
    occ = np.where(young, _categorical_draw(rng.random(n), OCC_PROBS_YOUNG),
                   _categorical_draw(rng.random(n), OCC_PROBS_ADULT)).astype(np.int8)
    occ = np.where((occ == 6) & (age > 30), 1, occ).astype(np.int8)  # students are young
    city = _categorical_draw(rng.random(n), CITY_PROBS) + 1

    # --- income level and a 12-month history
    experience = 0.75 + 0.35 * np.minimum((age - 18) / 12.0, 1.0)
    base = (OCC_MEDIAN_INCOME[occ] * CITY_INCOME[city - 1] * experience
            * np.exp(0.35 * rng.standard_normal(n)) * scenario.income_multiplier)
    sigma = OCC_INCOME_SIGMA[occ] * np.exp(0.35 * rng.standard_normal(n))
    sigma = np.where((occ == 2) & (age < 28), sigma * 1.6, sigma)  # first years in internet jobs
    # in place, the same operations in the same order: no (n, 12) temporaries
    months = rng.standard_normal((n, 12))
    months *= sigma[:, None]
    months -= 0.5 * sigma[:, None] ** 2
    np.exp(months, out=months)
    shock_p = np.minimum(OCC_SHOCK_PROB[occ] * scenario.shock_multiplier, 0.5)
    shocks = rng.random((n, 12)) < shock_p[:, None]
    np.multiply(months, 0.25, out=months, where=shocks)
    months *= base[:, None]
    income = months.mean(axis=1)
    volatility = months.std(axis=1) / income
    income = np.round(income, -1)

    # --- financial strain drives borrowing, debt and overdue history
    strain = (0.8 * rng.standard_normal(n) + 1.5 * (volatility - 0.1)
              - 0.35 * np.log(income / 7000.0) + scenario.strain_shift)
    apps90 = np.minimum(rng.poisson(np.exp(0.2 + 0.6 * strain)), 40)
    apps30 = rng.binomial(apps90, np.clip(0.35 + 0.1 * strain, 0.05, 0.9))
    platforms = np.minimum(rng.poisson(np.exp(0.1 + 0.5 * strain)), 20)
    loans = platforms + np.minimum(rng.poisson(np.exp(-0.2 + 0.5 * strain)), 30)
    max_history = 12 * (age - 18) + 6
    history = np.floor(max_history * rng.beta(2.0, 1.5, n)).astype(np.int64)

    overdue = np.minimum(rng.poisson(np.exp(-1.9 + 0.85 * strain)), 15)
    current = (rng.random(n) < sigmoid(-5.0 + 1.0 * strain)).astype(np.int64)
    overdue = np.maximum(overdue, current)
    dpd_draw = np.exp(1.8 + 0.4 * strain + 0.2 * np.log1p(overdue) + 0.9 * rng.standard_normal(n))
    dpd = np.where(overdue > 0, np.clip(np.round(dpd_draw), 1, 180), 0).astype(np.int64)
    since = np.floor(24 * rng.beta(1.0, 1.0 + 0.3 * np.clip(strain + 1, 0, None), n))
    since = np.where(current == 1, 0.0, since)
    since = np.where(overdue > 0, since, np.nan)

    has_debt = rng.random(n) < sigmoid(0.8 + 0.7 * strain)
    debt = income * np.exp(0.3 + 0.45 * strain + 0.15 * platforms + 0.8 * rng.standard_normal(n))
    debt = np.where(has_debt, np.round(debt, -2), 0.0)
    dti = debt / (12.0 * income)
    no_card = rng.random(n) < OCC_NO_CARD[occ]
    util_mean = sigmoid(-0.8 + 0.7 * strain)
    util = np.minimum(1.1 * rng.beta(4 * util_mean + 0.2, 4 * (1 - util_mean) + 0.2), 1.5)
    util = np.where(no_card, np.nan, np.round(util, 3))
    has_assets = rng.random(n) < sigmoid(0.6 - 0.8 * strain)
    assets = income * 1.5 * (1 + (age - 18) / 10.0) * np.exp(rng.standard_normal(n))
    assets = np.where(has_assets, np.round(assets, -2), 0.0)
    housing = (rng.random(n) < OCC_HOUSING_FUND[occ]).astype(np.int64)

    # --- the request itself
    amount = np.exp(np.log(0.6 * income) + 0.3 * strain + 0.6 * rng.standard_normal(n))
    amount = np.clip(np.round(amount / 50.0) * 50.0, 50.0, 50_000.0)
    purpose_w = np.tile(PURPOSE_BASE, (n, 1))
    purpose_w[:, 4] *= np.where((occ == 3) | (occ == 4), 3.0, 1.0)
    purpose_w[:, 1] *= np.exp(0.5 * np.clip(strain, -2, 3))
    purpose_w[:, 5] *= np.exp(0.3 * np.clip(strain, -2, 3))
    purpose = _categorical_draw(rng.random(n), purpose_w)

    return pd.DataFrame({
        "age": age,
        "gender": pd.Categorical.from_codes(gender, categories=list(F.GENDERS)),
        "occupation": pd.Categorical.from_codes(occ, categories=list(_OCC)),
        "city_tier": city.astype(np.int64),
        "monthly_income": income,
        "income_volatility": np.round(volatility, 4),
        "applications_30d": apps30.astype(np.int64),
        "applications_90d": apps90.astype(np.int64),
        "active_platforms": platforms.astype(np.int64),
        "loans_12m": loans.astype(np.int64),
        "overdue_count_24m": overdue.astype(np.int64),
        "max_dpd_24m": dpd,
        "months_since_last_overdue": since,
        "current_overdue": current,
        "credit_history_months": history,
        "outstanding_debt": debt,
        "debt_to_income": np.round(dti, 4),
        "credit_utilization": util,
        "deposit_assets": assets,
        "has_housing_fund": housing,
        "requested_amount": amount,
        "loan_purpose": pd.Categorical.from_codes(purpose, categories=list(F.LOAN_PURPOSES)),
    })


def block_rng(seed: int, scenario: Scenario, block: int) -> np.random.Generator:
    """The random stream of one block: independent of every other block and scenario."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(scenario.stream, block)))


def draw_reference_features(rows: int, seed: int) -> pd.DataFrame:
    """Baseline features only, for the truth's reference expectations."""
    scenario = get_scenario("baseline")
    return draw_features(block_rng(seed, scenario, 0), rows, scenario)
