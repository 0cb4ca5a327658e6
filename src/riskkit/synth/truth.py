"""The ground-truth risk function: true log-odds, true PD and exact true contributions.

The true log-odds of defaulting (90+ days past due within 12 months) is an explicit function
of the lender-visible model features only, so the oracle model (true PD) is the best any
model can do on this data:

    true_logit = intercept + macro_logit
                 + sum_j g_j(x_j)                                  (main effects)
                 + a(occupation) * b(income_volatility)            (interaction)

Every ``g_j`` is monotone in the registry's direction; ``a >= 0`` and ``b`` is increasing, so
the interaction keeps income volatility monotone too ("volatility hurts more in a volatile
industry").

Contributions are *exact interventional Shapley values* against a fixed reference sample
of the baseline population. Because the function is a sum of one-feature terms plus one
product term, the Shapley values have a closed form (no sampling, no 2^d enumeration):

* main effect:  phi_j = g_j(x_j) - E[g_j]
* product a(x_o) * b(x_v):
    phi_o = 1/2 (a(x_o) E[b] - E[ab]) + 1/2 (a(x_o) b(x_v) - E[a] b(x_v))
    phi_v = 1/2 (E[a] b(x_v) - E[ab]) + 1/2 (a(x_o) b(x_v) - a(x_o) E[b])

so that ``sum(phi) == true_logit - base_logit`` row by row, with
``base_logit = intercept + macro_logit + sum_j E[g_j] + E[ab]``.

The reference sample is drawn with a fixed seed from the baseline scenario, independent of
the requested rows and seed, so a row's contributions never depend on the population size
or on how generation was chunked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from riskkit.core import features as F
from riskkit.core.mathx import sigmoid
from riskkit.synth.draws import draw_reference_features

#: Per-occupation risk shift (log-odds) and "volatile industry" weight of the interaction.
OCCUPATION_EFFECT: dict[str, float] = {
    "state_owned": -0.45, "private_salaried": -0.15, "internet_industry": 0.05,
    "freelancer": 0.35, "self_employed": 0.25, "blue_collar": 0.20, "student": 0.45,
}
VOLATILE_INDUSTRY: dict[str, float] = {
    "state_owned": 0.0, "private_salaried": 0.0, "internet_industry": 0.7,
    "freelancer": 1.0, "self_employed": 0.8, "blue_collar": 0.2, "student": 0.5,
}
PURPOSE_EFFECT: dict[str, float] = {
    "consumption": 0.0, "emergency": 0.15, "education": -0.05, "travel": 0.05,
    "business": 0.35, "unspecified": 0.30,
}
#: Slope of the interaction's volatility term.
INTERACTION_SLOPE = 1.6
#: Overall strength of the risk signal. Scales every term so that the oracle's AUC is about
#: 0.83, the upper end of what consumer-credit scores reach; without it the synthetic world
#: would be far easier to rank than a real one.
SIGNAL = 0.65
#: Utilisation assumed for applicants without a credit card (missing value).
NO_CARD_UTILISATION = 0.4

REFERENCE_ROWS = 200_000
REFERENCE_SEED = 20_261_129
DEFAULT_BAD_RATE = 0.04


def _lookup(column: pd.Series, table: dict[str, float]) -> np.ndarray:
    """Map a categorical column through ``table`` (unknown levels are an error)."""
    cat = pd.Categorical(column, categories=list(table))
    codes = np.asarray(cat.codes)
    if (codes < 0).any():
        bad = sorted(set(pd.Series(column)[codes < 0].astype(str)))[:5]
        raise ValueError(f"column {column.name!r}: unknown levels {bad}; expected {list(table)}")
    return np.asarray(list(table.values()), dtype=float)[codes]


def _num(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def main_effects(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """One-feature terms g_j(x_j) of the true log-odds, for every model feature."""
    income = np.clip(_num(frame, "monthly_income"), 500.0, 40_000.0)
    vol = np.clip(_num(frame, "income_volatility"), 0.0, None)
    a30 = _num(frame, "applications_30d")
    a90 = _num(frame, "applications_90d")
    platforms = _num(frame, "active_platforms")
    loans = _num(frame, "loans_12m")
    overdue = _num(frame, "overdue_count_24m")
    dpd = _num(frame, "max_dpd_24m")
    since = _num(frame, "months_since_last_overdue")
    history = np.clip(_num(frame, "credit_history_months"), 0.0, None)
    dti = np.clip(_num(frame, "debt_to_income"), 0.0, None)
    util = _num(frame, "credit_utilization")
    util = np.clip(np.where(np.isnan(util), NO_CARD_UTILISATION, util), 0.0, 1.5)
    assets = np.clip(_num(frame, "deposit_assets"), 0.0, None)
    amount = np.clip(_num(frame, "requested_amount"), 50.0, None)
    terms = {
        "occupation": _lookup(frame["occupation"], OCCUPATION_EFFECT),
        "city_tier": np.zeros(len(frame)),  # deliberately no true effect: a fidelity probe
        "monthly_income": -0.5 * np.log(income / 6000.0),
        "income_volatility": 2.2 * (1.0 - np.exp(-vol / 0.25)),
        "applications_30d": 0.45 * np.log1p(a30),
        "applications_90d": 0.25 * np.log1p(a90),
        "active_platforms": 0.18 * platforms + 0.22 * np.clip(platforms - 3.0, 0.0, None),
        "loans_12m": 0.05 * np.minimum(loans, 20.0),
        "overdue_count_24m": 0.5 * np.log1p(overdue),
        "max_dpd_24m": 0.008 * np.minimum(dpd, 120.0) + 0.35 * (dpd >= 30),
        # never overdue (missing) is the lowest risk: the limit of exp(-m/6) as m grows
        "months_since_last_overdue": np.where(np.isnan(since), 0.0, 0.5 * np.exp(-np.nan_to_num(since) / 6.0)),
        "current_overdue": 1.4 * _num(frame, "current_overdue"),
        "credit_history_months": -0.3 * np.log1p(history / 12.0),
        "debt_to_income": 0.9 * np.log1p(1.5 * dti),
        "credit_utilization": 0.9 * util**2,
        "deposit_assets": -0.3 * np.log1p(assets / 5000.0),
        "has_housing_fund": -0.3 * _num(frame, "has_housing_fund"),
        "requested_amount": 0.2 * np.log(amount / 2000.0),
        "loan_purpose": _lookup(frame["loan_purpose"], PURPOSE_EFFECT),
    }
    missing = set(F.MODEL_FEATURES) - set(terms)
    if missing:  # the registry grew a model feature the truth does not know
        raise RuntimeError(f"the true risk function has no term for {sorted(missing)}")
    return {name: SIGNAL * term for name, term in terms.items()}


def interaction_parts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The two factors a(occupation), b(income_volatility) of the product term."""
    a = _lookup(frame["occupation"], VOLATILE_INDUSTRY)
    b = SIGNAL * INTERACTION_SLOPE * np.clip(_num(frame, "income_volatility"), 0.0, None)
    return a, b


@dataclass(frozen=True)
class TruthModel:
    """The true risk function with its reference expectations and calibrated intercept."""

    intercept: float
    macro_logit: float
    mean_terms: dict[str, float]
    mean_a: float
    mean_b: float
    mean_ab: float
    target_bad_rate: float

    @property
    def base_logit(self) -> float:
        """Expected true log-odds over the reference population (plus the macro shift)."""
        return self.intercept + self.macro_logit + sum(self.mean_terms.values()) + self.mean_ab

    def evaluate(self, frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return (true_logit, {feature: exact Shapley contribution})."""
        terms = main_effects(frame)
        a, b = interaction_parts(frame)
        contrib = {name: terms[name] - self.mean_terms[name] for name in F.MODEL_FEATURES}
        ab = a * b
        contrib["occupation"] = contrib["occupation"] + 0.5 * (
            a * self.mean_b - self.mean_ab + ab - self.mean_a * b)
        contrib["income_volatility"] = contrib["income_volatility"] + 0.5 * (
            self.mean_a * b - self.mean_ab + ab - a * self.mean_b)
        logit = self.intercept + self.macro_logit + sum(terms.values()) + ab
        return logit, contrib

    def logit(self, frame: pd.DataFrame) -> np.ndarray:
        return self.evaluate(frame)[0]

    def pd(self, frame: pd.DataFrame) -> np.ndarray:
        return sigmoid(self.logit(frame))


def fit_truth(reference: pd.DataFrame, target_bad_rate: float = DEFAULT_BAD_RATE,
              macro_logit: float = 0.0) -> TruthModel:
    """The truth against ``reference``, with an intercept giving ``target_bad_rate`` on it."""
    if not 0.001 <= target_bad_rate <= 0.5:
        raise ValueError(f"target bad rate {target_bad_rate!r} must lie between 0.001 and 0.5")
    terms = main_effects(reference)
    a, b = interaction_parts(reference)
    f0 = sum(terms.values()) + a * b
    intercept = brentq(lambda c: float(sigmoid(c + f0).mean()) - target_bad_rate, -30.0, 30.0,
                       xtol=1e-12)
    return TruthModel(intercept=float(intercept), macro_logit=macro_logit,
                      mean_terms={k: float(np.mean(v)) for k, v in terms.items()},
                      mean_a=float(a.mean()), mean_b=float(b.mean()), mean_ab=float((a * b).mean()),
                      target_bad_rate=target_bad_rate)


@lru_cache(maxsize=1)
def reference_features() -> pd.DataFrame:
    """The fixed baseline reference sample (drawn once per process)."""
    return draw_reference_features(REFERENCE_ROWS, REFERENCE_SEED)


@lru_cache(maxsize=32)
def truth_model(target_bad_rate: float = DEFAULT_BAD_RATE, macro_logit: float = 0.0) -> TruthModel:
    """The truth against the baseline reference sample (cached per bad rate and shift)."""
    return fit_truth(reference_features(), target_bad_rate, macro_logit)
