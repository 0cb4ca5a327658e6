"""Contributions add up for every model; reason codes are truthful, ranked and bilingual."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.explain import additivity_error, approved_reference, contributions, reason_codes
from riskkit.explain.wording import reason_text, reason_texts, value_text
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World

ROWS = 30_000

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def world() -> dict[str, object]:
    frame = riskkit.generate(ROWS, seed=5)
    a, b = int(0.6 * ROWS), int(0.8 * ROWS)
    train, valid, test = frame.iloc[:a], frame.iloc[a:b], frame.iloc[b:]
    # a quicker LightGBM than the default (fewer, larger steps)
    params = {"lgbm": {"params": {"learning_rate": 0.1}}, "oracle": {"world": BASELINE}}
    models = {name: make_model(name, **params.get(name, {})).fit(
        train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET]) for name in ("oracle", "scorecard", "lgbm")}
    policies, decisions = {}, {}
    for name, model in models.items():
        policies[name] = Policy.from_config({}).fit(valid, model.predict_pd(valid), valid[F.TARGET])
        decisions[name] = policies[name].decide(test, model.predict_pd(test), model.points(test))
    return {"test": test, "models": models, "policies": policies, "decisions": decisions}


@pytest.mark.parametrize("name", ["oracle", "scorecard", "lgbm"])
def test_contributions_add_up_for_every_model(world, name):
    model, test = world["models"][name], world["test"]
    for reference in ("best", "mean"):
        assert additivity_error(model, test, reference=reference) <= 1e-6
    contrib, base = contributions(model, test)
    assert list(contrib.columns) == list(F.MODEL_FEATURES)
    assert contrib.index.equals(test.index)
    np.testing.assert_allclose(contrib.sum(axis=1) + base, model.predict_logit(test), atol=1e-6)


def test_lgbm_fast_and_native_engines_agree_and_the_model_is_untouched(world):
    model, rows = world["models"]["lgbm"], world["test"].iloc[:1500]
    engine_before = model.contrib_engine
    fast, base_fast = contributions(model, rows, engine="fast")
    native, base_native = contributions(model, rows, engine="native")
    np.testing.assert_allclose(fast.to_numpy(), native.to_numpy(), atol=1e-9)
    assert base_fast == pytest.approx(base_native, abs=1e-12)
    assert model.contrib_engine == engine_before
    assert additivity_error(model, rows, engine="native") <= 1e-6


def test_scorecard_best_bin_reference_never_lowers_risk(world):
    contrib, _ = contributions(world["models"]["scorecard"], world["test"], reference="best")
    assert (contrib.to_numpy() >= -1e-12).all()


@pytest.mark.parametrize("name", ["oracle", "scorecard", "lgbm"])
def test_reason_table_is_ranked_truthful_and_complete(world, name):
    model, policy, test = world["models"][name], world["policies"][name], world["test"]
    decisions = world["decisions"][name]
    before = test.copy()
    reference = approved_reference(test, decisions)
    reasons = reason_codes(model, policy, test, decisions, reference)
    pd.testing.assert_frame_equal(test, before)  # the caller's frame is never written to
    assert list(reasons.columns) == ["applicant_id", "rank", "kind", "feature", "value",
                                     "contribution", "text_en", "text_zh", "group"]
    assert (reasons["group"] == reasons["feature"].map(lambda f: F.get(f).group)).all()
    denied_ids = set(test.loc[decisions["decision"] == "denied", "applicant_id"])
    assert set(reasons["applicant_id"]) <= denied_ids
    assert len(set(reasons["applicant_id"])) >= 0.95 * len(denied_ids)
    scored = reasons[reasons["kind"] == "scored"]
    assert (scored["contribution"] > 0).all()
    assert not scored["feature"].isin(F.PROTECTED).any()
    assert reasons["text_en"].str.len().gt(0).all() and reasons["text_zh"].str.len().gt(0).all()
    for _, group in reasons.groupby("applicant_id", sort=False):
        assert list(group["rank"]) == list(range(1, len(group) + 1))
        kinds = list(group["kind"])
        n_ko = kinds.count("knockout")
        assert kinds == ["knockout"] * n_ko + ["scored"] * (len(kinds) - n_ko)
        assert len(kinds) - n_ko <= 4
        c = group["contribution"].to_numpy()[n_ko:]
        assert (np.diff(c) <= 0).all()
    # the scored reasons are exactly the largest positive contributions
    contrib, _ = contributions(model, test)
    by_id = contrib.set_axis(test["applicant_id"].to_numpy())
    for applicant, group in list(scored.groupby("applicant_id"))[:200]:
        row = by_id.loc[applicant]
        row = row[[c for c in row.index if F.SYNTHETIC.may_cite(c)]]  # never city_tier
        expected = row[row > 0].sort_values(ascending=False, kind="stable").index[:4]
        assert list(group["feature"]) == list(expected)
        values = test.set_index("applicant_id").loc[applicant, list(group["feature"])]
        assert all(v == w or (pd.isna(v) and pd.isna(w))
                   for v, w in zip(group["value"], values, strict=True))


def test_knockout_comes_first_with_the_policy_text(world):
    model, policy, test = world["models"]["lgbm"], world["policies"]["lgbm"], world["test"]
    rows = test[test["current_overdue"] == 1].head(20)
    decisions = policy.decide(rows, model.predict_pd(rows))
    reasons = reason_codes(model, policy, rows, decisions, None)
    first = reasons[reasons["rank"] == 1]
    assert len(first) == len(rows)
    assert (first["kind"] == "knockout").all() and (first["feature"] == "current_overdue").all()
    rule = policy.rule("currently_overdue")
    assert (first["text_en"] == rule.text_en).all() and (first["text_zh"] == rule.text_zh).all()
    assert first["contribution"].isna().all()


def test_max_reasons_and_languages(world):
    model, policy, test = world["models"]["oracle"], world["policies"]["oracle"], world["test"]
    decisions = world["decisions"]["oracle"]
    only_en = reason_codes(model, policy, test, decisions, None, max_reasons=2, lang="en")
    assert "text_zh" not in only_en.columns
    assert only_en[only_en["kind"] == "scored"].groupby("applicant_id").size().max() <= 2
    with pytest.raises(Exception, match="lang"):
        reason_codes(model, policy, test, decisions, None, lang=("fr",))
    with pytest.raises(DataError):
        reason_codes(model, policy, test, decisions.iloc[:10], None)


def test_reasons_for_all_denials_are_vectorised(world):
    """Tens of thousands of denials must take seconds (no per-applicant Python loop)."""
    model, policy, test = world["models"]["oracle"], world["policies"]["oracle"], world["test"]
    big = pd.concat([test] * 10, ignore_index=True)
    decisions = policy.decide(big, model.predict_pd(big))
    contrib, _ = contributions(model, big)
    start = time.perf_counter()
    reasons = reason_codes(model, policy, big, decisions, None, contributions=contrib)
    assert time.perf_counter() - start < 10.0
    assert reasons["applicant_id"].nunique() <= (decisions["decision"] == "denied").sum()


def test_approved_reference_is_an_observed_median_of_approved_applicants(world):
    test, decisions = world["test"], world["decisions"]["lgbm"]
    reference = approved_reference(test, decisions)
    approved = test[decisions["decision"] == "approved"]
    assert not set(reference) & set(F.PROTECTED)
    assert reference["monthly_income"] in set(approved["monthly_income"])
    assert isinstance(reference["applications_30d"], int)
    assert reference["occupation"] in F.OCCUPATIONS
    assert reference["credit_utilization"] == pytest.approx(
        approved["credit_utilization"].dropna().median(), abs=0.01)


_names = st.sampled_from(sorted(F.REGISTRY))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=arrays(np.float64, (12, len(F.FEATURES)),
                     elements=st.floats(-3, 3, allow_nan=False, allow_subnormal=False)),
       max_reasons=st.integers(0, 6), start=st.integers(0, 5000))
def test_reasons_never_name_a_protected_attribute(world, values, max_reasons, start):
    """Even when a (mis-built) explanation gives age and gender the largest contributions."""
    test = world["test"].iloc[start:start + 12]
    decisions = pd.DataFrame({"decision": "denied"}, index=test.index)
    contrib = pd.DataFrame(values, columns=[f.name for f in F.FEATURES], index=test.index)
    contrib["age"], contrib["gender"] = 10.0, 9.0
    reasons = reason_codes(None, None, test, decisions, None, max_reasons,
                           contributions=contrib)
    assert not reasons["feature"].isin(F.PROTECTED).any()
    assert (reasons["contribution"] > 0).all()
    per = reasons.groupby("applicant_id").size()
    assert per.max() <= max_reasons if len(per) else True
    never = [f.name for f in F.FEATURES if not F.SYNTHETIC.may_cite(f.name)]
    expected = (contrib.drop(columns=never).to_numpy() > 0).sum(axis=1)
    counts = per.reindex(test["applicant_id"], fill_value=0).to_numpy()
    np.testing.assert_array_equal(counts, np.minimum(expected, max_reasons))


def test_a_feature_scored_but_not_citable_is_never_a_reason(world) -> None:
    """Issue 24: city_tier may be scored (the model uses it) but never cited. Even when an
    explanation gives it the largest contribution of every applicant, no reason names it,
    in either language, and the next feature takes its place."""
    test = world["test"].iloc[:20]
    decisions = pd.DataFrame({"decision": "denied"}, index=test.index)
    contrib = pd.DataFrame(0.0, columns=list(F.MODEL_FEATURES), index=test.index)
    contrib["city_tier"], contrib["monthly_income"] = 5.0, 1.0
    reasons = reason_codes(None, None, test, decisions, None, 4, contributions=contrib)
    assert F.get("city_tier").citable is False and not F.SYNTHETIC.may_cite("city_tier")
    assert set(reasons["feature"]) == {"monthly_income"} and len(reasons) == 20
    assert not reasons["text_en"].str.contains("city").any()
    assert not reasons["text_zh"].str.contains("城市").any()


def test_texts_quote_readable_values_in_both_languages():
    assert value_text("occupation", "internet_industry", "en") == "internet industry"
    assert value_text("occupation", "internet_industry", "zh") == "互联网行业"
    assert reason_text("occupation", "freelancer", None, "zh") == "职业（自由职业）收入波动较大"
    en = reason_text("applications_30d", 4, 0, "en")
    assert en == "4 credit applications in the last 30 days; among approved applicants the median is 0"
    assert reason_text("applications_30d", 4, 0, "zh") == "近30天申请贷款4次；获批申请人的中位数为0次"
    # no reference: the comparison clause is dropped, not printed blank
    assert reason_text("debt_to_income", 0.8, None, "en") == "Debt is 80% of annual income"
    assert reason_text("debt_to_income", 0.8, None, "zh") == "负债为年收入的80%"
    # flags: the fixed sentence only where it is true
    assert reason_text("current_overdue", 1, None, "en") == F.get("current_overdue").reason_en
    assert reason_text("has_housing_fund", 0, None, "zh") == F.get("has_housing_fund").reason_zh
    assert "No housing" not in reason_text("has_housing_fund", 1, None, "en")
    # a missing value means something
    assert reason_text("credit_utilization", np.nan, 0.3, "en") == "No credit card on record"
    many = reason_texts("monthly_income", pd.Series([3000.0, 3000.0, 4500.0]), 8000.0, "en")
    assert list(many) == [
        "Documented income is 3,000 CNY a month; among approved applicants the median is 8,000 CNY",
        "Documented income is 3,000 CNY a month; among approved applicants the median is 8,000 CNY",
        "Documented income is 4,500 CNY a month; among approved applicants the median is 8,000 CNY"]
