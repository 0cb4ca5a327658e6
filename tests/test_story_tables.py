"""The tables notebooks 01-04's computed sentences read: each direction they can take."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit.core import features as F
from riskkit.reporting.story_tables import driver_summary, effect_sizes, persona_facts


def _population(slope: float, n: int = 4000, seed: int = 3) -> pd.DataFrame:
    """A driver whose true PD rises (slope > 0) or falls (slope < 0), outcomes drawn from it."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 10, n).astype(float)
    true_pd = 1 / (1 + np.exp(-(-3 + slope * (x - 4.5))))
    return pd.DataFrame({"x": x, "true_pd": true_pd,
                         F.TARGET: (rng.random(n) < true_pd).astype(int)})


@pytest.mark.parametrize("slope", [0.3, -0.3])
def test_driver_summary_reads_the_lowest_and_highest_group_either_way(slope: float) -> None:
    table = driver_summary(_population(slope), ["x"])
    row = table.loc["x"]
    assert row["groups"] == 5 and row["lowest"].startswith("0") and row["highest"].endswith("9")
    rises = row["true_pd_highest"] > row["true_pd_lowest"]
    assert rises == (slope > 0)
    assert (row["bad_rate_highest"] > row["bad_rate_lowest"]) == (slope > 0)
    assert 0 <= row["covered"] <= row["groups"]
    assert row["covered_share"] == pytest.approx(row["covered"] / row["groups"])


def test_driver_summary_counts_intervals_that_miss_the_truth_and_ignores_missing() -> None:
    pop = _population(0.3)
    # outcomes that have nothing to do with the stated truth: most intervals miss it
    pop["true_pd"] = 0.5
    pop.loc[pop.index[:50], "x"] = np.nan
    row = driver_summary(pop, ["x"]).loc["x"]
    assert row["groups"] == 6 and row["highest"] != "missing"
    assert row["covered"] == 0


def test_effect_sizes_compare_magnitudes_and_say_whether_the_signs_agree() -> None:
    summary = pd.DataFrame({"model_effect": [0.8, -0.9, 0.4, 0.0],
                            "true_effect": [1.2, -0.5, -0.3, 0.7]},
                           index=["up", "down", "opposite", "flat"])
    out = effect_sizes(summary)
    assert list(out["model_size"]) == [0.8, 0.9, 0.4, 0.0]
    assert list(out["true_size"]) == [1.2, 0.5, 0.3, 0.7]
    # a falling feature whose model effect is the larger size, though the smaller number
    assert out.loc["down", "model_size"] > out.loc["down", "true_size"]
    assert out.loc["up", "agreement"] > 0 and out.loc["down", "agreement"] > 0
    assert out.loc["opposite", "agreement"] < 0 and out.loc["flat", "agreement"] == 0
    assert "model_size" not in summary.columns  # the caller's frame is left alone


def _explained(pd_: float, true_pd: float | None, features: list[str], recourse: dict | None) -> dict:
    return {"decision": "denied" if pd_ > 0.04 else "approved", "pd": pd_, "true_pd": true_pd,
            "reasons": [{"kind": "scored", "feature": f} for f in features]
            + [{"kind": "knockout", "feature": "age"}],
            "recourse": recourse}


def test_persona_facts_put_each_applicant_against_the_cutoff_either_side() -> None:
    explained = {
        "near": _explained(0.05, 0.08, ["applications_30d", "income_volatility"],
                           {"found": True, "n_changes": 1, "wait_months": 1}),
        "below": _explained(0.02, 0.01, [], None),
        "stuck": _explained(0.30, None, ["active_platforms", "loans_12m", "not_a_feature"],
                            {"found": False, "n_changes": 0, "wait_months": 0}),
    }
    facts = persona_facts(explained, 0.04, F.SYNTHETIC)
    assert facts.loc["near", "pd_to_cutoff"] == pytest.approx(1.25)
    assert facts.loc["near", "true_pd_to_cutoff"] == pytest.approx(2.0)
    assert facts.loc["below", "pd_to_cutoff"] < 1 and facts.loc["below", "decision"] == "approved"
    assert np.isnan(facts.loc["stuck", "true_pd_to_cutoff"])
    # income volatility is actionable, application counts age out: one of two
    assert facts.loc["near", "scored_reasons"] == 2 and facts.loc["near", "decaying_reasons"] == 1
    assert facts.loc["stuck", "decaying_reasons"] == 2  # a name outside the registry is not
    assert facts.loc["near", "recourse_found"] and facts.loc["near", "wait_months"] == 1
    assert not facts.loc["stuck", "recourse_found"] and np.isnan(facts.loc["stuck", "wait_months"])
    assert np.isnan(facts.loc["below", "n_changes"])
    with pytest.raises(ValueError, match="cutoff"):
        persona_facts(explained, 0.0, F.SYNTHETIC)
