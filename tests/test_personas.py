"""Zhang San and Li Si: complete rows with the generator's truth, denied for the right reasons."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import riskkit
from riskkit.charts import RISK_UP
from riskkit.core import features as F
from riskkit.explain import (
    approved_reference,
    explain_applicant,
    explanation_figures,
    format_text,
    reason_codes,
)
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World
from riskkit.synth.personas import PERSONA_STORIES, PERSONAS, all_personas, persona

ROWS = 40_000
RIGHT_KIND = {"borrowing_frequency", "multi_platform", "income_stability"}

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def world() -> dict[str, object]:
    frame = riskkit.generate(ROWS, seed=7)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    train, valid, test = frame.iloc[:a], frame.iloc[a:b], frame.iloc[b:]
    model = make_model("lgbm").fit(train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])
    policy = Policy.from_config({}).fit(valid, model.predict_pd(valid), valid[F.TARGET])
    decisions = policy.decide(test, model.predict_pd(test), model.points(test))
    return {"model": model, "policy": policy, "test": test, "decisions": decisions,
            "reference": approved_reference(test, decisions)}


def test_persona_rows_look_like_generated_rows():
    generated = riskkit.generate(5, seed=1)
    for name, applicant_id in zip(PERSONAS, (-1, -2), strict=True):
        row = persona(name, BASELINE)
        assert len(row) == 1 and row[F.ID_COLUMN].iloc[0] == applicant_id
        expected = [c for c in F.population_columns() if c != F.TARGET]
        assert list(row.columns) == expected
        for column in expected:
            assert row[column].dtype == generated[column].dtype, column
        assert row[list(F.MODEL_FEATURES)].notna().sum().sum() >= len(F.MODEL_FEATURES) - 1
        assert persona(name, BASELINE) is not persona(name, BASELINE)  # a fresh frame every time
        for lang in ("en", "zh"):
            assert len(PERSONA_STORIES[name][lang]) > 50


def test_persona_truth_is_the_generators_truth():
    for name in PERSONAS:
        row = persona(name, BASELINE)
        features = row[[F.ID_COLUMN, *(f.name for f in F.FEATURES)]]
        again = BASELINE.add_truth(features)
        pd.testing.assert_frame_equal(row, again)
        assert row["true_logit"].iloc[0] == pytest.approx(BASELINE.truth().logit(row)[0])
        contrib = row[[F.contrib_column(n) for n in F.MODEL_FEATURES]].to_numpy().sum()
        assert contrib + BASELINE.truth().base_logit == pytest.approx(row["true_logit"].iloc[0])
        # the same features in another world carry that world's truth
        other = persona(name, World("interacting", 0.08))
        assert other["true_logit"].iloc[0] != pytest.approx(row["true_logit"].iloc[0])
    with pytest.raises(KeyError, match="zhang_san"):
        persona("wang_wu", BASELINE)


def test_the_stories_are_in_the_rows():
    zhang, li = persona("zhang_san", BASELINE).iloc[0], persona("li_si", BASELINE).iloc[0]
    assert zhang["age"] == 25 and zhang["occupation"] == "internet_industry"
    assert zhang["income_volatility"] == pytest.approx(0.4) and zhang["has_housing_fund"] == 0
    assert zhang["applications_30d"] >= 4 and zhang["applications_90d"] >= zhang["applications_30d"]
    assert zhang["loans_12m"] == 1 and zhang["overdue_count_24m"] == 0
    assert li["occupation"] == "freelancer" and li["loan_purpose"] == "business"
    assert 6 <= li["active_platforms"] <= 8 and li["loans_12m"] >= 9
    assert li["applications_90d"] >= 8 and li["debt_to_income"] > 1.0


@pytest.mark.parametrize("name", PERSONAS)
def test_personas_are_denied_for_borrowing_or_income_stability_with_a_verified_recourse(
        world, name):
    model, policy, reference = world["model"], world["policy"], world["reference"]
    row = persona(name, BASELINE)
    explanation = explain_applicant(model, policy, row, reference, truth=BASELINE.truth())
    json.dumps(explanation, ensure_ascii=False)
    assert explanation["decision"] == "denied" and explanation["knockout"] is None
    assert explanation["applicant_id"] == row[F.ID_COLUMN].iloc[0]
    scored = [r for r in explanation["reasons"] if r["kind"] == "scored"]
    assert 1 <= len(scored) <= 4
    assert F.get(scored[0]["feature"]).group in RIGHT_KIND
    assert all(r["contribution"] > 0 for r in scored)
    assert explanation["recourse_verified"] is True
    help_ = explanation["recourse"]
    assert help_["found"] and help_["new_pd"] <= policy.cutoff
    assert help_["lowers_true_pd"] is True
    assert explanation["true_pd"] == pytest.approx(float(row["true_pd"].iloc[0]))
    english, chinese = format_text(explanation, "en"), format_text(explanation, "zh")
    assert "DENIED" in english and scored[0]["text_en"] in english
    assert "拒绝" in chinese and scored[0]["text_zh"] in chinese
    assert help_["actions"][0]["text_en"] in english and help_["actions"][0]["text_zh"] in chinese
    bare = explain_applicant(model, policy, row, reference, lang_texts=False,
                             truth=BASELINE.truth())
    assert all("text_en" not in r for r in bare["reasons"])


def test_zhang_san_only_has_to_stop_applying_for_a_while(world):
    explanation = explain_applicant(world["model"], world["policy"], persona("zhang_san", BASELINE),
                                    world["reference"], truth=BASELINE.truth())
    help_ = explanation["recourse"]
    assert help_["wait_months"] >= 1
    changed = {c["feature"] for c in help_["changes"]}
    assert "applications_30d" in changed
    text = next(c for c in help_["changes"] if c["feature"] == "applications_30d")
    assert text["text_zh"].startswith(f"近{help_['wait_months']}个月不再申请贷款")


def test_explanation_figures(world):
    model, test, decisions = world["model"], world["test"], world["decisions"]
    reasons = reason_codes(model, world["policy"], test, decisions, world["reference"])
    figures = explanation_figures(model, test, decisions, reasons, all_personas(BASELINE))
    assert set(figures) == {"waterfall_zhang_san", "waterfall_li_si", "reason_frequency",
                            "contrib_vs_truth"}
    bars = figures["waterfall_li_si"].axes[0].patches
    widths = np.array([p.get_width() for p in bars])
    colours = {to_hex(p.get_facecolor()) for p, w in zip(bars, widths, strict=True) if w > 0}
    assert to_hex(RISK_UP) in colours
    by_name = explanation_figures(model, test, decisions, None, {"li": persona("li_si", BASELINE)})
    assert "waterfall_li" in by_name and "reason_frequency" in by_name


def test_explain_in_run_uses_the_runs_model_policy_and_data(world):
    from riskkit.explain.in_run import explain_in_run

    class FakeRun:
        def __init__(self) -> None:
            self.manifest = {"data_fingerprints": {"valid": "x", "test": "y"}}
            self.deployed_model_name = "lgbm"
            self.path = "fake"
            self.world = BASELINE
            self.config = {"seed": 0, "explain": {}}
            self.metrics: dict = {}

        def model(self, name):
            assert name == "lgbm"
            return world["model"]

        def policy(self):
            return world["policy"]

        def data(self, split):
            return world["test"]

        def applicant(self, applicant_id):
            test = world["test"]
            return test[test[F.ID_COLUMN] == applicant_id].reset_index(drop=True), "test"

    run = FakeRun()
    result, text = explain_in_run(run, "li_si", lang="zh")
    assert result["applicant_id"] == -2 and "拒绝" in text
    some_id = int(world["test"][F.ID_COLUMN].iloc[3])
    result, text = explain_in_run(run, str(some_id))
    assert result["applicant_id"] == some_id and text.startswith(f"Applicant {some_id}")
    with pytest.raises(Exception, match="applicant"):
        explain_in_run(run, "nobody")
