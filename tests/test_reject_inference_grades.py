"""Every method and model kind graded by the truth, under both selections the incumbent can make.

One small study (10k applicants; LightGBM learning fast) with every method, the three
model kinds and both settings: the incumbent selecting on its recorded score (MAR) and
also on private information (MNAR). The checks are the ones a validator would make with
the truth in hand: no method's prediction for the rejects is absurd, MNAR hurts
accepted-only more than MAR does (the literature's finding), and the selection model
narrows that gap where it is identified. (Which method is best under MAR is a question for
100k rows, not 10k: see the note of issue 24.)
"""

from __future__ import annotations

import pandas as pd
import pytest

from riskkit.rejectinf import METHODS, MODEL_KINDS, run_studies
from riskkit.synth import World

BASELINE = World("baseline", 0.04)  # the world these tests draw from
WEAK = ["monthly_income", "income_volatility", "applications_90d", "overdue_count_24m",
        "max_dpd_24m", "debt_to_income", "credit_history_months"]
SECTION = {"incumbent": {"features": WEAK, "rows": 4000}, "selection": ["mar", "mnar"],
           "methods": list(METHODS), "models": list(MODEL_KINDS), "fidelity": False}
PARAMS = {"lgbm": {"params": {"learning_rate": 0.2, "min_child_samples": 50}}}
# the studies take a minute: an end-to-end file, started first (tests/conftest.py)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    pop = BASELINE.generate(10_000, 11)
    studies = run_studies(pop.iloc[:6000], pop.iloc[6000:8000], pop.iloc[8000:], SECTION,
                          seed=5, world=BASELINE, model_params=PARAMS)
    return {sel: study.table().set_index(["model", "method"]) for sel, study in studies.items()}


@pytest.mark.parametrize("kind", MODEL_KINDS)
@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_and_kind_is_graded_by_the_truth(tables, kind, method) -> None:
    row = tables["mar"].loc[(kind, method)]
    true = row["true_bad_rate_rejects"]
    # loose at this size: hard cut-off and extrapolation carry the score line's slope, fitted
    # on ~40 accepted bads, far below the cut-off (at 100k rows both land within 1.7 pt)
    assert 0.1 * true < row["pred_bad_rate_rejects"] < 4.5 * true
    assert row["auc_all"] > 0.6
    assert row["reject_abs_error"] == pytest.approx(abs(row["pred_bad_rate_rejects"] - true))


def test_mnar_hurts_accepted_only_and_the_selection_model_narrows_the_gap(tables) -> None:
    for kind in MODEL_KINDS:
        mar, mnar = tables["mar"].loc[(kind, "accepted_only")], tables["mnar"].loc[
            (kind, "accepted_only")]
        ratio = lambda r: r["pred_bad_rate_rejects"] / r["true_bad_rate_rejects"]  # noqa: E731
        assert ratio(mnar) < ratio(mar)  # private information: the accepted look safer still
        heck = tables["mnar"].loc[(kind, "heckman")]
        assert heck["reject_abs_error"] < mnar["reject_abs_error"], kind
