"""Recourse changes only what can change, the way it can change, and is always verified."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskkit
from riskkit.core import features as F
from riskkit.explain import format_text, recourse, recourse_many, recourse_summary
from riskkit.explain.levers import apply_levers, levers_for, row_values
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World

ROWS = 20_000
IMMUTABLE = [f.name for f in F.FEATURES if f.kind == "immutable"]
TIME_DECAYING = [f.name for f in F.FEATURES if f.kind == "time_decaying"]

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def world() -> dict[str, object]:
    frame = riskkit.generate(ROWS, seed=5)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    train, valid, test = frame.iloc[:a], frame.iloc[a:b], frame.iloc[b:]
    # a quicker LightGBM than the default (fewer, larger steps): the rules do not depend on it
    model = make_model("lgbm", params={"learning_rate": 0.1}).fit(
        train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])
    policy = Policy.from_config({}).fit(valid, model.predict_pd(valid), valid[F.TARGET])
    decisions = policy.decide(test, model.predict_pd(test))
    denied = test[decisions["decision"].to_numpy() == "denied"].reset_index(drop=True)
    return {"model": model, "policy": policy, "test": test, "denied": denied}


def _same(a: object, b: object) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


def check_recourse_rules(row: pd.DataFrame, result, model, policy) -> None:
    """Every rule a recourse must follow, whatever the applicant."""
    if not result.found:
        assert result.reason and not result.changes
        return
    assert result.verified
    new = result.new_row
    # verified independently: the changed row alone is approved by model and policy
    decision = policy.decide(new, model.predict_pd(new))
    assert decision["decision"].iloc[0] == "approved"
    assert result.new_pd == pytest.approx(float(model.predict_pd(new)[0]))
    for name in IMMUTABLE:
        assert _same(row[name].iloc[0], new[name].iloc[0]), name
    before, after = row_values(row), row_values(new)
    wait = result.wait_months
    assert 0 <= wait <= 24 and result.n_changes <= 3
    if wait == 0:
        for name in TIME_DECAYING:
            assert _same(before[name], after[name]), name
    for name in ("overdue_count_24m", "max_dpd_24m"):
        if after[name] < before[name]:
            assert after[name] == 0
            assert before["months_since_last_overdue"] + wait >= 24
    for name in ("applications_30d", "applications_90d", "active_platforms", "loans_12m",
                 "overdue_count_24m", "max_dpd_24m", "current_overdue", "credit_history_months"):
        assert float(after[name]).is_integer(), name
    # every change moves in the risk-lowering direction, within bounds
    for name in ("applications_30d", "applications_90d", "active_platforms", "loans_12m",
                 "debt_to_income", "outstanding_debt", "requested_amount", "income_volatility",
                 "current_overdue"):
        assert after[name] <= before[name] + 1e-9, name
    for name in ("deposit_assets", "monthly_income", "credit_history_months"):
        assert after[name] >= before[name] - 1e-9, name
    assert after["monthly_income"] <= 1.3 * before["monthly_income"] + 1e-6
    assert after["requested_amount"] >= min(500.0, before["requested_amount"])
    assert after["income_volatility"] >= min(0.10, before["income_volatility"]) - 1e-9
    if not pd.isna(before["credit_utilization"]):
        assert 0.0 <= after["credit_utilization"] <= before["credit_utilization"]
    if before["outstanding_debt"] > 0 and after["outstanding_debt"] > 0:
        ratio = after["debt_to_income"] / before["debt_to_income"]
        expected = (after["outstanding_debt"] / before["outstanding_debt"]
                    * before["monthly_income"] / after["monthly_income"])
        assert ratio == pytest.approx(expected, abs=2e-3)
    assert {c["feature"] for c in result.changes} == {
        n for n in before if n in F.REGISTRY and not _same(before[n], after[n])}
    for change in result.changes:
        assert change["kind"] == F.get(change["feature"]).kind
        assert change["text_en"] and change["text_zh"]


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0, max_value=10_000))
def test_recourse_follows_the_rules_for_any_denied_applicant(world, position):
    denied = world["denied"]
    row = denied.iloc[[position % len(denied)]]
    before = row.copy()
    result = recourse(world["model"], world["policy"], row, truth=BASELINE.truth())
    pd.testing.assert_frame_equal(row, before)  # never written to
    check_recourse_rules(row, result, world["model"], world["policy"])


def test_most_denied_applicants_get_a_verified_recourse_that_lowers_the_true_pd(world):
    results = recourse_many(world["model"], world["policy"], world["denied"],
                            pd.Series(["denied"] * len(world["denied"])), n=15, seed=3,
                            truth=BASELINE.truth())
    summary = recourse_summary(results)
    assert summary["n"] == 15
    assert summary["share_found"] >= 0.7
    assert summary["share_found_verified"] == 1.0
    assert summary["share_lowers_true_pd"] == 1.0
    json.dumps([r.to_dict() for r in results])
    json.dumps(summary)


def test_a_series_row_gives_the_same_recourse(world):
    row = world["denied"].iloc[[5]]
    as_frame = recourse(world["model"], world["policy"], row, truth=BASELINE.truth())
    as_series = recourse(world["model"], world["policy"], row.iloc[0], truth=BASELINE.truth())
    assert as_series.to_dict() | {"applicant_id": None} == as_frame.to_dict() | {"applicant_id": None}
    assert as_series.applicant_id == as_frame.applicant_id


def test_an_age_knockout_has_no_recourse(world):
    row = world["denied"].iloc[[0]].copy()
    row["age"] = 19
    result = recourse(world["model"], world["policy"], row, truth=BASELINE.truth())
    assert not result.found and not result.verified
    assert "age_below_minimum" in result.reason


def _row(**values: object) -> pd.DataFrame:
    base = riskkit.generate(1, seed=1).drop(columns=[F.TARGET])
    for name, value in values.items():
        base[name] = value
    return base


def test_waiting_ages_every_history_feature_consistently():
    row = _row(applications_30d=4, applications_90d=6, active_platforms=5, loans_12m=9,
               overdue_count_24m=2, max_dpd_24m=40, months_since_last_overdue=20.0,
               current_overdue=0, credit_history_months=30)
    levers = levers_for(row_values(row))
    assert levers[0].name == "wait"
    index = np.zeros((7, len(levers)), dtype=np.intp)
    months = [0, 1, 2, 3, 4, 6, 12]
    index[:, 0] = months
    out = apply_levers(row, levers, index)
    assert list(out["applications_30d"]) == [4, 0, 0, 0, 0, 0, 0]
    assert list(out["applications_90d"]) == [6, 4, 2, 0, 0, 0, 0]
    assert list(out["active_platforms"]) == [5, 5, 4, 3, 2, 0, 0]  # ceil(5 (1 - W/6))
    assert list(out["loans_12m"]) == [9, 9, 8, 7, 6, 5, 0]  # ceil(9 (1 - W/12))
    assert list(out["overdue_count_24m"]) == [2, 2, 2, 2, 0, 0, 0]  # 20 + W >= 24
    assert list(out["max_dpd_24m"]) == [40, 40, 40, 40, 0, 0, 0]
    assert list(out["months_since_last_overdue"].iloc[:4]) == [20.0, 21.0, 22.0, 23.0]
    assert out["months_since_last_overdue"].iloc[4:].isna().all()  # out of the 24-month record
    assert list(out["credit_history_months"]) == [30 + m for m in months]
    assert out["applications_30d"].dtype == np.int64


def test_an_unsettled_overdue_does_not_age_but_a_settled_one_does():
    row = _row(current_overdue=1, overdue_count_24m=1, max_dpd_24m=15,
               months_since_last_overdue=0.0, outstanding_debt=0.0, debt_to_income=0.0)
    levers = levers_for(row_values(row), max_wait_months=24)
    names = [lv.name for lv in levers]
    wait, settle = names.index("wait"), names.index("settle_overdue")
    index = np.zeros((2, len(levers)), dtype=np.intp)
    index[:, wait] = 24
    index[1, settle] = 1
    out = apply_levers(row, levers, index)
    assert list(out["current_overdue"]) == [1, 0]
    assert out["overdue_count_24m"].iloc[0] == 1 and out["months_since_last_overdue"].iloc[0] == 0
    assert out["overdue_count_24m"].iloc[1] == 0 and pd.isna(out["months_since_last_overdue"].iloc[1])


def test_paying_down_debt_and_raising_income_keep_debt_to_income_consistent():
    row = _row(monthly_income=10_000.0, outstanding_debt=60_000.0, debt_to_income=0.5)
    levers = levers_for(row_values(row))
    names = [lv.name for lv in levers]
    index = np.zeros((1, len(levers)), dtype=np.intp)
    index[0, names.index("pay_down_debt")] = 50  # repay half
    index[0, names.index("raise_income")] = 25  # +25%
    out = apply_levers(row, levers, index)
    assert out["outstanding_debt"].iloc[0] == pytest.approx(30_000.0)
    assert out["monthly_income"].iloc[0] == pytest.approx(12_500.0)
    assert out["debt_to_income"].iloc[0] == pytest.approx(30_000 / (12 * 12_500), abs=1e-4)


class SavingsModel:
    """A wrong model: it believes savings are all that matter (a flawed feature)."""

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        assets = frame["deposit_assets"].to_numpy(dtype=float)
        return 1.0 / (1.0 + np.exp(-(-1.0 - assets / 2_000.0)))


class SavingsAreRiskyTruth:
    """A truth in which showing more savings *raises* risk (e.g. borrowed to show them)."""

    def logit(self, frame: pd.DataFrame) -> np.ndarray:
        return -3.0 + frame["deposit_assets"].to_numpy(dtype=float) / 10_000.0


def test_a_recourse_that_fools_the_model_but_not_the_truth_is_flagged():
    row = _row(deposit_assets=0.0, current_overdue=0, age=30, active_platforms=1)
    policy = Policy.from_config({"cutoff": {"method": "fixed", "value": 0.05}}).fit(row, [0.5])
    result = recourse(SavingsModel(), policy, row, truth=SavingsAreRiskyTruth())
    assert result.found and result.verified
    assert [a["action"] for a in result.actions] == ["raise_assets"]
    assert result.lowers_true_pd is False
    assert result.true_pd_after > result.true_pd_before
    explanation = {"applicant_id": 1, "decision": "denied", "pd": result.old_pd, "score": None,
                   "credit_line": 0.0, "true_pd": None, "reasons": [],
                   "recourse": result.to_dict()}
    assert "not the true PD" in format_text(explanation, "en")
    # the real truth agrees that more savings lower the risk
    honest = recourse(SavingsModel(), policy, row, truth=BASELINE.truth())
    assert honest.lowers_true_pd is True
    # with no truth (data of one's own) nothing is claimed about the true PD
    unknown = recourse(SavingsModel(), policy, row, truth=None)
    assert unknown.lowers_true_pd is None and unknown.true_pd_before is None


def test_limits_are_respected_and_reported(world):
    denied = world["denied"]
    scored = denied[~world["policy"].knockout_mask(denied)]
    heavy = scored.iloc[[int(np.argmax(world["model"].predict_pd(scored)))]]
    result = recourse(world["model"], world["policy"], heavy, max_changes=1, max_wait_months=0,
                      truth=BASELINE.truth())
    if result.found:
        assert result.n_changes == 1 and result.wait_months == 0
    else:
        assert "at most 1 changes within 0 months" in result.reason
    with pytest.raises(Exception, match="max_changes"):
        recourse(world["model"], world["policy"], heavy, max_changes=0, truth=None)


def test_an_approved_applicant_needs_nothing(world):
    test, model, policy = world["test"], world["model"], world["policy"]
    approved = test[policy.decide(test, model.predict_pd(test))["decision"] == "approved"]
    result = recourse(model, policy, approved.iloc[[0]], truth=BASELINE.truth())
    assert result.found and result.verified and not result.changes
