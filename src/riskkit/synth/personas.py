"""Two applicants to explain decisions with: Zhang San and Li Si.

Explanations are easiest to judge on people whose story one already knows. Both are
written as complete applicant rows -- every registry feature, realistic values -- and get
their truth columns from the generator's own :func:`riskkit.synth.population.add_truth`,
so ``true_pd`` and ``true_contrib__*`` mean exactly what they mean for generated rows.
Their ``applicant_id`` is negative (-1, -2) so they never collide with generated ids
(which start at 1). They have no ``default_12m``: their future is not drawn.

Zhang San (张三) is a young internet-industry employee with an unstable income who has been
shopping for credit; Li Si (李四) is a freelancer funding a start-up with loans from many
platforms. Under the default policy both are denied by a LightGBM model fitted on the
baseline population -- for borrowing frequency and income stability -- and both have a
recourse (``tests/test_personas.py`` checks it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.synth.world import World
from riskkit.texts import LANGS, Words

PERSONAS: tuple[str, ...] = ("zhang_san", "li_si")
PERSONA_IDS: dict[str, int] = {"zhang_san": -1, "li_si": -2}

_VALUES: dict[str, dict[str, Any]] = {
    "zhang_san": {
        "age": 25, "gender": "male", "occupation": "internet_industry", "city_tier": 2,
        "monthly_income": 7_500.0, "income_volatility": 0.40,
        "applications_30d": 4, "applications_90d": 6, "active_platforms": 2, "loans_12m": 1,
        "overdue_count_24m": 0, "max_dpd_24m": 0, "months_since_last_overdue": np.nan,
        "current_overdue": 0, "credit_history_months": 8,
        "outstanding_debt": 0.0, "debt_to_income": 0.0, "credit_utilization": 0.55,
        "deposit_assets": 3_000.0, "has_housing_fund": 0,
        "requested_amount": 3_000.0, "loan_purpose": "consumption",
    },
    "li_si": {
        "age": 34, "gender": "male", "occupation": "freelancer", "city_tier": 1,
        "monthly_income": 15_000.0, "income_volatility": 0.50,
        "applications_30d": 4, "applications_90d": 9, "active_platforms": 7, "loans_12m": 10,
        "overdue_count_24m": 0, "max_dpd_24m": 0, "months_since_last_overdue": np.nan,
        "current_overdue": 0, "credit_history_months": 60,
        "outstanding_debt": 198_000.0, "debt_to_income": 1.1, "credit_utilization": 0.85,
        "deposit_assets": 20_000.0, "has_housing_fund": 0,
        "requested_amount": 30_000.0, "loan_purpose": "business",
    },
}

#: How a notebook introduces each persona, in English and Chinese (the text catalogue's
#: ``personas`` section).
PERSONA_STORIES: dict[str, dict[str, str]] = {
    name: {lang: Words("personas")(name, lang) for lang in LANGS} for name in PERSONAS}


def _typed(values: dict[str, Any], applicant_id: int) -> pd.DataFrame:
    """One row with the generator's column types (int64, float64, registry categoricals)."""
    columns: dict[str, Any] = {F.ID_COLUMN: np.array([applicant_id], dtype=np.int64)}
    for feature in F.FEATURES:
        value = values[feature.name]
        if feature.is_categorical:
            columns[feature.name] = pd.Categorical([value], categories=list(feature.categories or ()))
        elif feature.dtype == "int" and not pd.isna(value):
            columns[feature.name] = np.array([value], dtype=np.int64)
        else:
            columns[feature.name] = np.array([value], dtype=float)
    return pd.DataFrame(columns)


def persona(name: str, world: World, month: int = 0) -> pd.DataFrame:
    """A new one-row frame for a persona: id, every registry feature, the truth columns.

    Parameters
    ----------
    name : str
        ``zhang_san`` or ``li_si``.
    world : World
        The world whose truth the row carries (a run's ``run.world``): the persona's
        features are the same in every world, their true PD and contributions are not.
    month : int
        Calendar month of that world's economy.

    Returns
    -------
    pandas.DataFrame
    """
    if name not in _VALUES:
        raise KeyError(f"unknown persona {name!r}; known personas: {', '.join(PERSONAS)}")
    row = _typed(_VALUES[name], PERSONA_IDS[name])
    return world.add_truth(row, month)


def all_personas(world: World) -> pd.DataFrame:
    """Every persona in ``world``, one row each, in ``PERSONAS`` order."""
    return pd.concat([persona(name, world) for name in PERSONAS], ignore_index=True)
