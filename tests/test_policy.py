"""Properties of the lending policy that must hold for every applicant, not just examples.

The promises in ``policy.py``: a strictly riskier applicant (higher PD, no more income)
never gets a larger line; approval is monotone in PD (and in the cut-off); a knock-out
always denies, whatever the PD; a cut-off chosen for a target meets the target on the
sample it was chosen on; a policy saved and re-loaded decides identically.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from riskkit.core.errors import ConfigError, DataError
from riskkit.policy import APPROVED, DEFAULT_KNOCKOUTS, DENIED, LineRule, Policy
from riskkit.synth import generate

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

probability = st.floats(0.0, 1.0, allow_nan=False)
cutoff = st.floats(1e-6, 0.999, allow_nan=False)
income = st.floats(0.0, 1e6, allow_nan=False)


@st.composite
def line_rules(draw: st.DrawFn) -> LineRule:
    low = draw(st.floats(0.0, 5_000.0))
    return LineRule(income_multiple=draw(st.floats(0.01, 10.0)),
                    floor_share=draw(st.floats(0.0, 1.0)),
                    min_line=low, max_line=low + draw(st.floats(0.0, 100_000.0)),
                    round_to=draw(st.sampled_from([1.0, 50.0, 100.0, 1000.0])))


@st.composite
def applicants(draw: st.DrawFn, n: int | None = None, knockout_free: bool = False) -> pd.DataFrame:
    """Applicants with the columns the default knock-out rules read, plus income."""
    size = n if n is not None else draw(st.integers(1, 30))
    ints = st.lists(st.integers(0, 12), min_size=size, max_size=size)
    frame = pd.DataFrame({
        "monthly_income": draw(st.lists(income, min_size=size, max_size=size)),
        "current_overdue": [min(v, 1) for v in draw(ints)],
        "active_platforms": draw(ints),
        "age": draw(st.lists(st.integers(16, 70), min_size=size, max_size=size)),
    })
    if knockout_free:
        frame["current_overdue"] = 0
        frame["active_platforms"] = frame["active_platforms"].clip(upper=8)
        frame["age"] = frame["age"].clip(20, 55)
    return frame


def _policy(cut: float, rule: LineRule | None = None) -> Policy:
    return Policy(line_rule=rule or LineRule()).with_cutoff(cut)


@SETTINGS
@given(rule=line_rules(), cut=cutoff, pd_a=probability, pd_b=probability,
       income_a=income, income_b=income)
def test_riskier_applicant_never_gets_a_larger_line(rule, cut, pd_a, pd_b, income_a, income_b):
    # B is at least as risky as A: PD no lower, income no higher
    pd_lo, pd_hi = sorted((pd_a, pd_b))
    inc_lo, inc_hi = sorted((income_a, income_b))
    frame = pd.DataFrame({"monthly_income": [inc_hi, inc_lo], "current_overdue": 0,
                          "active_platforms": 0, "age": 30})
    out = _policy(cut, rule).decide(frame, np.array([pd_lo, pd_hi]))
    safer, riskier = out["credit_line"].to_numpy()
    assert riskier <= safer
    if out["decision"].iloc[1] == APPROVED:
        assert rule.min_line - rule.round_to <= riskier <= rule.max_line


@SETTINGS
@given(rule=line_rules(), cut=cutoff, pds=st.lists(probability, min_size=2, max_size=40),
       inc=income)
def test_line_is_non_increasing_in_pd_at_equal_income(rule, cut, pds, inc):
    pds_sorted = np.sort(np.asarray(pds))
    frame = pd.DataFrame({"monthly_income": inc, "current_overdue": np.zeros(len(pds), int),
                          "active_platforms": 0, "age": 30})
    lines = _policy(cut, rule).decide(frame, pds_sorted)["credit_line"].to_numpy()
    assert np.all(np.diff(lines) <= 0)


@SETTINGS
@given(data=st.data(), cut=cutoff)
def test_approval_is_monotone_in_pd(data, cut):
    frame = data.draw(applicants(knockout_free=True))
    pds = np.asarray(data.draw(st.lists(probability, min_size=len(frame), max_size=len(frame))))
    out = _policy(cut).decide(frame, pds)
    approved = (out["decision"] == APPROVED).to_numpy()
    # approved exactly when PD <= cut-off: every approved PD lies below every denied PD
    assert np.array_equal(approved, pds <= cut)
    if approved.any() and (~approved).any():
        assert pds[approved].max() < pds[~approved].min()


@SETTINGS
@given(data=st.data(), cut_a=cutoff, cut_b=cutoff)
def test_a_looser_cutoff_never_denies_someone_a_tighter_one_approved(data, cut_a, cut_b):
    frame = data.draw(applicants())
    pds = np.asarray(data.draw(st.lists(probability, min_size=len(frame), max_size=len(frame))))
    tight, loose = sorted((cut_a, cut_b))
    a = _policy(tight).decide(frame, pds)["decision"].to_numpy() == APPROVED
    b = _policy(loose).decide(frame, pds)["decision"].to_numpy() == APPROVED
    assert np.all(b[a])


@SETTINGS
@given(data=st.data(), cut=cutoff)
def test_knockouts_always_deny_whatever_the_pd(data, cut):
    frame = data.draw(applicants())
    pds = np.asarray(data.draw(st.lists(probability, min_size=len(frame), max_size=len(frame))))
    for p in (pds, np.zeros(len(frame))):  # even a PD of zero cannot beat a knock-out
        out = _policy(cut).decide(frame, p)
        hit = np.zeros(len(frame), dtype=bool)
        for rule in DEFAULT_KNOCKOUTS:
            hit |= rule.hits(frame)
        assert (out.loc[hit, "decision"] == DENIED).all()
        assert (out.loc[hit, "credit_line"] == 0).all()
        assert (out.loc[hit, "knockout"] != "").all()
        assert (out.loc[~hit, "knockout"] == "").all()


def test_knockout_names_the_first_rule_in_policy_order():
    frame = pd.DataFrame({"monthly_income": [5000.0], "current_overdue": [1],
                          "active_platforms": [12], "age": [18]})
    out = _policy(0.5).decide(frame, np.array([0.0]))
    assert out["knockout"].iloc[0] == DEFAULT_KNOCKOUTS[0].name


#: PDs drawn from a handful of values, as a binned scorecard gives them: ties are the rule.
binned_pd = st.sampled_from([0.01, 0.02, 0.05, 0.05000000000000001, 0.1, 0.2, 0.4])


def _pds(data: st.DataObject, n: int, ties: bool) -> np.ndarray:
    values = binned_pd if ties else probability
    return np.asarray(data.draw(st.lists(values, min_size=n, max_size=n, unique=not ties)))


@SETTINGS
@given(data=st.data(), target=st.floats(0.05, 0.95), ties=st.booleans())
def test_approval_rate_cutoff_never_exceeds_its_target_even_with_ties(data, target, ties):
    frame = data.draw(applicants(n=data.draw(st.integers(5, 60))))
    pds = _pds(data, len(frame), ties)
    passing = ~Policy().knockout_mask(frame)
    assume(passing.any())  # all knocked out: see the test below
    policy = Policy(cutoff_method="approval_rate", cutoff_target=target).fit(frame, pds)
    approved = (policy.decide(frame, pds)["decision"] == APPROVED).to_numpy()[passing]
    n, share = passing.sum(), approved.mean()
    budget = np.ceil(target * n - 1e-9) / n  # the target rounded up to a whole applicant
    assert share <= budget + 1e-12
    p = pds[passing]
    # the most generous such cut-off: approving the next tie as well would overshoot
    above = p[p > policy.cutoff]
    if above.size:
        assert (p <= above.min()).mean() > budget
    if not ties:
        assert share > target - 1.0 / n - 1e-12  # at most one applicant below the target


@SETTINGS
@given(data=st.data(), target=st.floats(0.01, 0.5), ties=st.booleans())
def test_bad_rate_cutoff_keeps_the_approved_bad_rate_within_target_even_with_ties(data, target,
                                                                                   ties):
    n = data.draw(st.integers(5, 60))
    frame = data.draw(applicants(n=n, knockout_free=True))
    pds = _pds(data, n, ties)
    y = np.asarray(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    policy = Policy(cutoff_method="bad_rate", cutoff_target=target).fit(frame, pds, y)
    approved = (policy.decide(frame, pds)["decision"] == APPROVED).to_numpy()
    if approved.any():
        assert y[approved].mean() <= target + 1e-12
    for higher in np.unique(pds[pds > policy.cutoff]):  # every more generous cut-off fails
        assert y[pds <= higher].mean() > target


def test_tied_pds_at_the_margin_are_approved_or_declined_together():
    """Four applicants, PDs 0.1, 0.2, 0.2, 0.3, target 50%: the tie at 0.2 cannot be split,
    so the policy approves one (25%), not three (75%) as a sorted-position rule did."""
    frame = pd.DataFrame({"monthly_income": [5000.0] * 4, "current_overdue": [0] * 4,
                          "active_platforms": [1] * 4, "age": [30] * 4})
    pds = np.array([0.2, 0.1, 0.3, 0.2])
    policy = Policy(cutoff_method="approval_rate", cutoff_target=0.5).fit(frame, pds)
    assert policy.cutoff == 0.1
    assert policy.decide(frame, pds)["decision"].tolist() == [DENIED, APPROVED, DENIED, DENIED]
    y = np.array([1, 0, 0, 0])  # bad rates approved: 0 at 0.1, 1/3 at 0.2, 1/4 at 0.3
    assert Policy(cutoff_method="bad_rate", cutoff_target=0.2).fit(frame, pds, y).cutoff == 0.1


def test_a_missing_knockout_column_is_an_error_never_a_skipped_rule():
    """Without current_overdue an applicant overdue right now used to be approved."""
    frame = pd.DataFrame({"monthly_income": [5000.0], "active_platforms": [1], "age": [30]})
    policy = _policy(0.5)
    with pytest.raises(DataError, match=r"current_overdue.*currently_overdue"):
        policy.decide(frame, np.array([0.01]))
    with pytest.raises(DataError, match="current_overdue"):
        Policy().fit(frame, np.array([0.01]))
    # a policy configured without that rule does not need the column
    no_rules = Policy.from_config({"knockouts": {}, "cutoff": {"method": "fixed", "value": 0.5}})
    assert no_rules.decide(frame, np.array([0.01]))["decision"].iloc[0] == APPROVED


@pytest.mark.parametrize("method", ["approval_rate", "bad_rate"])
def test_choosing_a_cutoff_when_everyone_is_knocked_out_is_an_error(method):
    frame = pd.DataFrame({"current_overdue": [1, 1, 1], "active_platforms": [1, 1, 1],
                          "age": [30, 30, 30]})
    with pytest.raises(ConfigError, match="knock"):
        Policy(cutoff_method=method, cutoff_target=0.5).fit(frame, np.array([0.1, 0.2, 0.3]),
                                                          np.array([0, 1, 0]))


@SETTINGS
@given(data=st.data(), target=st.floats(0.01, 0.5))
def test_bad_rate_cutoff_keeps_the_approved_bad_rate_within_target(data, target):
    n = data.draw(st.integers(5, 60))
    frame = data.draw(applicants(n=n, knockout_free=True))
    pds = np.asarray(data.draw(st.lists(probability, min_size=n, max_size=n, unique=True)))
    y = np.asarray(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    policy = Policy(cutoff_method="bad_rate", cutoff_target=target).fit(frame, pds, y)
    approved = (policy.decide(frame, pds)["decision"] == APPROVED).to_numpy()
    if approved.any():
        assert y[approved].mean() <= target + 1e-12


@SETTINGS
@given(data=st.data(), cut=cutoff, rule=line_rules())
def test_saved_policy_decides_identically(data, cut, rule):
    frame = data.draw(applicants())
    pds = np.asarray(data.draw(st.lists(probability, min_size=len(frame), max_size=len(frame))))
    policy = _policy(cut, rule)
    again = Policy.from_dict(policy.to_dict())
    pd.testing.assert_frame_equal(policy.decide(frame, pds), again.decide(frame, pds))


def test_no_knockouts_configured_means_pd_alone_decides():
    policy = Policy.from_config({"knockouts": {}, "cutoff": {"method": "fixed", "value": 0.2}})
    frame = pd.DataFrame({"current_overdue": [1, 1], "age": [17, 17]})
    out = policy.decide(frame, np.array([0.1, 0.3]))
    assert out["decision"].tolist() == [APPROVED, DENIED]
    assert (out["knockout"] == "").all()


@pytest.mark.parametrize("config, words", [
    ({"cutoff": {"method": "fixed", "value": 1.5}}, "strictly between"),
    ({"cutoff": {"method": "median"}}, "median"),
    ({"knockouts": {"x": {"feature": "shoe_size", "op": ">", "value": 1}}}, "shoe_size"),
    ({"knockouts": {"x": {"feature": "age", "op": "=>", "value": 1}}}, "=>"),
    ({"cutof": {}}, "cutof"),
])
def test_bad_policy_configs_are_named(config, words):
    with pytest.raises(ConfigError, match=words):
        Policy.from_config(config)


def test_knockouts_given_as_a_list_are_named():
    with pytest.raises(ConfigError, match="knockouts"):
        Policy.from_config({"knockouts": ["currently_overdue"]})


def test_deciding_before_choosing_a_cutoff_is_an_error():
    with pytest.raises(ConfigError, match="cut-off"):
        Policy().decide(pd.DataFrame({"age": [30]}), np.array([0.1]))


def test_decide_arrays_are_what_decide_tabulates():
    frame = generate(3_000, seed=21)
    pd_ = np.random.default_rng(3).random(len(frame)) * 0.2
    policy = Policy.from_config({}).fit(frame, pd_)
    arrays = policy.decide_arrays(frame, pd_)
    table = policy.decide(frame, pd_)
    assert np.array_equal(arrays.approved, table["decision"].to_numpy() == "approved")
    assert list(np.asarray(arrays.labels)[arrays.knockout]) == list(table["knockout"])
    assert list(policy.knockout_names(frame)) == list(table["knockout"])
    assert (arrays.knockout > 0).any() and set(np.unique(arrays.knockout)) <= set(
        range(len(policy.knockouts) + 1))
    # the first rule hit wins, as the names always did
    first = np.zeros(len(frame), dtype=int)
    for position, rule in reversed(list(enumerate(policy.knockouts, start=1))):
        first[rule.hits(frame)] = position
    assert np.array_equal(arrays.knockout, first)
