"""The synthetic world's feature registry: every column ``riskkit generate`` writes.

Generator, models, charts, reason codes and recourse read it (through the :class:`Registry`
value a model or run carries, this one by default), so a feature's name, unit, risk
direction and kind are written exactly once, here, and the words used to explain it (label,
description, reason) once, in the text catalogue (:mod:`riskkit.texts`, section
``features``). The registry type and its vocabulary are in :mod:`riskkit.core.registry`.
"""

from __future__ import annotations

from typing import Any

from riskkit.core.registry import GROUPS, Direction, Dtype, Feature, Kind, Registry
from riskkit.texts import LANGS, Words

__all__ = ["CATEGORICAL", "CONTRIB_PREFIX", "FEATURES", "GENDERS", "GROUPS", "ID_COLUMN",
           "LOAN_PURPOSES", "MODEL_FEATURES", "OCCUPATIONS", "PROTECTED", "REGISTRY", "SYNTHETIC",
           "TARGET", "TRUTH_COLUMNS", "Direction", "Dtype", "Feature", "Kind", "Registry",
           "contrib_column", "describe", "get", "is_model_feature", "monotone_constraints",
           "population_columns"]

OCCUPATIONS: tuple[str, ...] = (
    "state_owned",
    "private_salaried",
    "internet_industry",
    "freelancer",
    "self_employed",
    "blue_collar",
    "student",
)
LOAN_PURPOSES: tuple[str, ...] = (
    "consumption",
    "emergency",
    "education",
    "travel",
    "business",
    "unspecified",
)
GENDERS: tuple[str, ...] = ("female", "male")

FEATURE_WORDS = Words("features")

def _F(name: str, dtype: Dtype, unit: str, direction: Direction, kind: Kind, group: str,
       **options: Any) -> Feature:
    """A synthetic feature, its words (label, description, reason) from the text catalogue."""
    words = {lang: {part: FEATURE_WORDS(f"{name}.{part}", lang)
                    for part in ("label", "description", "reason")} for lang in LANGS}
    return Feature(name, dtype, unit, words["en"]["description"], words["zh"]["description"],
                   direction, kind, group, words["en"]["reason"], words["zh"]["reason"],
                   label_en=words["en"]["label"], label_zh=words["zh"]["label"],
                   **options)



def _counted(name: str, group: str, window_months: int, unit: str = "count") -> Feature:
    """A whole number over a recent window (applications, loans, overdue history): more is
    riskier, and it ages out of its window, which is what recourse's waiting relies on."""
    return _F(name, "int", unit, "increasing", "time_decaying", group, fmt="{:.0f}",
              window_months=window_months, step=1, lower=0)


FEATURES: tuple[Feature, ...] = (
    _F("age", "int", "years", "none", "immutable", "profile", fmt="{:.0f}",
       model_feature=False, protected=True, lower=18, upper=65),
    _F("gender", "category", "", "none", "immutable", "profile", model_feature=False,
       protected=True, categories=GENDERS),
    _F("occupation", "category", "", "none", "immutable", "income_stability",
       categories=OCCUPATIONS),
    _F("city_tier", "int", "tier", "none", "immutable", "profile", fmt="{:.0f}", lower=1,
       upper=4,
       # where someone lives stands in for who they are (a geographic proxy), and the truth
       # gives it no effect: a model may score it, no letter may cite it
       citable=False),
    _F("monthly_income", "float", "CNY/month", "decreasing", "actionable", "repayment_capacity",
       fmt="{:,.0f}", lower=0),
    _F("income_volatility", "float", "ratio", "increasing", "actionable", "income_stability",
       fmt="{:.0%}", lower=0, step=0.01),
    _counted("applications_30d", "borrowing_frequency", 1),
    _counted("applications_90d", "borrowing_frequency", 3),
    _counted("active_platforms", "multi_platform", 6),
    _counted("loans_12m", "borrowing_frequency", 12),
    _counted("overdue_count_24m", "overdue_history", 24),
    _counted("max_dpd_24m", "overdue_history", 24, unit="days"),
    _F("months_since_last_overdue", "float", "months", "decreasing", "time_decaying",
       "overdue_history", fmt="{:.0f}", step=1, lower=0),
    _F("current_overdue", "int", "flag", "increasing", "actionable", "overdue_history",
       fmt="{:.0f}", step=1, lower=0, upper=1),
    _F("credit_history_months", "int", "months", "decreasing", "time_decaying",
       "overdue_history", fmt="{:.0f}", step=1, lower=0),
    _F("outstanding_debt", "float", "CNY", "increasing", "actionable", "debt", fmt="{:,.0f}",
       lower=0, model_feature=False),
    _F("debt_to_income", "float", "ratio", "increasing", "actionable", "debt", fmt="{:.0%}",
       lower=0, step=0.01),
    _F("credit_utilization", "float", "ratio", "increasing", "actionable", "debt",
       fmt="{:.0%}", lower=0, upper=1.5, step=0.01),
    _F("deposit_assets", "float", "CNY", "decreasing", "actionable", "repayment_capacity",
       fmt="{:,.0f}", lower=0),
    _F("has_housing_fund", "int", "flag", "decreasing", "immutable", "income_stability",
       fmt="{:.0f}", lower=0, upper=1),
    _F("requested_amount", "float", "CNY", "increasing", "actionable", "loan", fmt="{:,.0f}",
       lower=50),
    _F("loan_purpose", "category", "", "none", "immutable", "loan", categories=LOAN_PURPOSES),
)

#: The synthetic world's registry: the default wherever no other registry is given.
SYNTHETIC = Registry(FEATURES)
#: The same value under its older name (read-only: a run's own features never enter it).
REGISTRY = SYNTHETIC

#: Ordered names of the features a model may use (never a protected attribute).
MODEL_FEATURES: tuple[str, ...] = SYNTHETIC.model_features
PROTECTED: tuple[str, ...] = SYNTHETIC.protected
CATEGORICAL: tuple[str, ...] = SYNTHETIC.categorical

#: Non-feature columns of a population frame, in order.
ID_COLUMN = "applicant_id"
TARGET = "default_12m"
TRUTH_COLUMNS: tuple[str, ...] = ("true_logit", "true_pd")
CONTRIB_PREFIX = "true_contrib__"


def get(name: str) -> Feature:
    """A synthetic feature by name, with an error that lists what exists."""
    return SYNTHETIC.get_feature(name)


def is_model_feature(name: str) -> bool:
    """True for a model feature of the synthetic world."""
    return SYNTHETIC.is_model_feature(name)


def contrib_column(name: str) -> str:
    """Column holding the true contribution of a feature."""
    return f"{CONTRIB_PREFIX}{name}"


def monotone_constraints(names: list[str] | tuple[str, ...]) -> list[int]:
    """LightGBM monotone constraints of synthetic features, in the order of ``names``."""
    return SYNTHETIC.monotone_constraints(names)


def population_columns() -> list[str]:
    """Column order of a generated population."""
    cols = [ID_COLUMN, *(f.name for f in FEATURES), TARGET, *TRUTH_COLUMNS]
    return cols + [contrib_column(n) for n in MODEL_FEATURES]


def describe() -> list[dict[str, object]]:
    """The synthetic registry as plain records (data cards, reports, JSON)."""
    return SYNTHETIC.describe()
