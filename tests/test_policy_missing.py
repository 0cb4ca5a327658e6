"""Missing values in a policy (issue 24): a knock-out rule's outcome on a missing value and
an approval with a missing income are stated choices, never silent, and counted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit.core.errors import ConfigError
from riskkit.explain.reasons import reason_codes
from riskkit.policy import APPROVED, DENIED, Policy
from riskkit.policy.rules import KnockoutRule

REFERRED = "referred"  # riskkit.policy.REFERRED, spelt out so the tests run (and fail) on older code


def applicants() -> pd.DataFrame:
    """Five low-risk applicants: clean; overdue unknown; platforms unknown; income unknown;
    overdue unknown AND above the age limit (declined by the first rule in policy order; a
    rule broken by its value beats a referral)."""
    return pd.DataFrame({
        "applicant_id": [1, 2, 3, 4, 5],
        "current_overdue": [0, np.nan, 0, 0, np.nan],
        "active_platforms": [2, 2, np.nan, 2, 2],
        "age": [30, 30, 30, 30, 60],
        "monthly_income": [8000.0, 8000.0, 8000.0, np.nan, 8000.0],
    })


def decide(config: dict | None = None) -> pd.DataFrame:
    policy = Policy.from_config({"cutoff": {"method": "fixed", "value": 0.5}, **(config or {})})
    return policy.fit(applicants(), np.full(5, 0.02)).decide(applicants(), np.full(5, 0.02))


def test_by_default_a_missing_knockout_value_declines_and_a_missing_income_refers() -> None:
    """The code before issue 24 approved applicants 2 and 3 (a missing value 'did not hit'
    the rule) and gave applicant 4 the minimum line of 500 CNY."""
    out = decide()
    assert list(out["decision"]) == [APPROVED, DENIED, DENIED, REFERRED, DENIED]
    assert list(out["knockout"]) == ["", "currently_overdue", "too_many_platforms", "",
                                     "currently_overdue"]
    assert list(out["missing_value"]) == [False, True, True, True, True]
    assert out["credit_line"].iloc[3] == 0.0  # no line until the income is proven
    assert out["credit_line"].iloc[0] > 500


def test_the_outcome_on_a_missing_value_is_a_config_choice() -> None:
    refer = decide({"missing": {"knockouts": "refer", "income": "minimum"}})
    assert list(refer["decision"]) == [APPROVED, REFERRED, REFERRED, APPROVED, DENIED]
    assert refer["knockout"].iloc[4] == "age_above_maximum"  # the broken rule, not the referral
    assert not refer["missing_value"].iloc[4]
    assert refer["credit_line"].iloc[3] == 500.0  # the stated starter line
    waived = decide({"missing": {"knockouts": "pass"}})
    assert list(waived["decision"][:3]) == [APPROVED] * 3
    # one rule's own choice overrides the policy's
    rules = {"overdue": {"feature": "current_overdue", "op": ">=", "value": 1, "missing": "pass"},
             "platforms": {"feature": "active_platforms", "op": ">", "value": 8}}
    mixed = decide({"knockouts": rules})
    assert list(mixed["decision"][:3]) == [APPROVED, APPROVED, DENIED]


@pytest.mark.parametrize("config, words", [
    ({"missing": {"knockouts": "ignore"}}, "policy.missing.knockouts: 'ignore'"),
    ({"missing": {"income": "decline"}}, "policy.missing.income: 'decline'"),
    ({"missing": "decline"}, "policy.missing: expected a mapping"),
    ({"knockouts": {"x": {"feature": "age", "op": ">", "value": 70, "missing": "skip"}}},
     "policy.knockouts.x.missing: 'skip'"),
])
def test_bad_missing_choices_are_named(config: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace(".", r"\.")):
        Policy.from_config(config)


def test_a_letter_says_the_information_was_missing_not_that_the_rule_was_broken() -> None:
    frame = applicants()
    policy = Policy.from_config({"cutoff": {"method": "fixed", "value": 0.5}}).fit(
        frame, np.full(5, 0.02))
    decisions = policy.decide(frame, np.full(5, 0.02))
    reasons = reason_codes(None, policy, frame, decisions, None, max_reasons=0)
    two = reasons[reasons["applicant_id"] == 2]
    assert list(two["kind"]) == ["knockout"] and two["feature"].item() == "current_overdue"
    assert two["text_en"].item().startswith("Required information is missing (Currently overdue")
    assert "缺少必要信息" in two["text_zh"].item()
    assert "overdue right now" not in " ".join(reasons["text_en"])
    assert 4 not in set(reasons["applicant_id"])  # a referral is not a denial: no letter


def test_the_choices_are_saved_and_counted() -> None:
    policy = Policy.from_config({"cutoff": {"method": "fixed", "value": 0.5},
                                 "missing": {"knockouts": "refer"}})
    again = Policy.from_dict(policy.to_dict())
    assert again == policy and again.missing_choices()["income"] == "refer"
    # a policy saved before the choice existed is read as it decided
    old = policy.to_dict()
    old.pop("missing_income")
    for rule in old["knockouts"]:
        rule.pop("missing")
    legacy = Policy.from_dict(old)
    assert legacy.missing_income == "minimum" and {r.missing for r in legacy.knockouts} == {"pass"}
    decisions = policy.fit(applicants(), np.full(5, 0.02)).decide(applicants(), np.full(5, 0.02))
    counts = policy.missing_counts(decisions)
    assert counts["referral_rate"] == pytest.approx(3 / 5)       # 2, 3 and 4
    assert counts["missing_decided_rate"] == pytest.approx(3 / 5)
    assert counts["missing_by_rule"]["currently_overdue"] == pytest.approx(1 / 5)
    assert counts["missing_by_rule"]["monthly_income"] == pytest.approx(1 / 5)


def test_a_rule_on_a_feature_that_may_not_be_cited_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"city_tier.*may not be cited"):
        Policy.from_config({"knockouts": {"tier": {"feature": "city_tier", "op": ">", "value": 3}}})
    with pytest.raises(ConfigError, match="missing = 'maybe'"):
        KnockoutRule("x", "age", ">", 1, "", "", "maybe")  # type: ignore[arg-type]
