"""The lifecycle simulation: windows roll forward consistently, debt adds up, runs repeat."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.lifecycle import simulation as L
from riskkit.lifecycle.behaviour import MonthActions, settle_loans
from riskkit.lifecycle.benchmark import benchmark_lifecycle
from riskkit.lifecycle.state import income_history, init_state, roll_month, slot, state_frame
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World

BORROWERS, MONTHS, SEED = 3_000, 12, 5

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def lender():
    """The oracle with a fitted default policy: no training, so the tests stay fast."""
    pop = riskkit.generate(10_000, seed=101)
    model = make_model("oracle", world=BASELINE).fit(pop, pop[F.TARGET])
    return model, Policy.from_config({}).fit(pop, model.predict_pd(pop), pop[F.TARGET])


@pytest.fixture(scope="module")
def panel(lender):
    return L.simulate(BORROWERS, MONTHS, SEED, *lender, downturn_from=6, world=BASELINE)


def mat(panel, column):
    return panel.matrix(column).astype(float)


# ----------------------------------------------------------------------------- the panel
def test_one_row_per_borrower_and_month(panel):
    frame = panel.frame
    assert len(frame) == BORROWERS * MONTHS
    assert not frame.duplicated(["borrower_id", "month"]).any()
    assert set(frame["month"]) == set(range(MONTHS))
    assert frame.groupby("month")["borrower_id"].nunique().eq(BORROWERS).all()
    for column in (*F.REGISTRY, *L.EVENT_COLUMNS):
        assert column in frame.columns


def test_compact_dtypes(panel):
    dtypes = panel.frame.dtypes
    assert not any(str(dt) in ("float64", "object") for dt in dtypes)
    assert panel.frame.memory_usage(deep=True).sum() / len(panel.frame) < 140


def test_same_seed_same_panel_other_seed_other_panel(panel, lender):
    again = L.simulate(BORROWERS, MONTHS, SEED, *lender, downturn_from=6, world=BASELINE)
    pd.testing.assert_frame_equal(panel.frame, again.frame)
    assert panel.summary == again.summary
    other = L.simulate(BORROWERS, MONTHS, SEED + 1, *lender, downturn_from=6, world=BASELINE)
    assert not panel.frame["drawn"].equals(other.frame["drawn"])


def test_month_zero_is_the_generated_population(panel):
    pop = riskkit.generate(BORROWERS, seed=SEED)
    first = panel.frame[panel.frame["month"] == 0].reset_index(drop=True)
    for feat in F.FEATURES:
        if feat.is_categorical:
            assert (first[feat.name].astype(str) == pop[feat.name].astype(str)).all()
        else:
            np.testing.assert_allclose(first[feat.name].to_numpy(float),
                                       pop[feat.name].to_numpy(float), rtol=1e-6, err_msg=feat.name)


def test_panel_rows_rescore_to_their_recorded_pd(panel, lender):
    rows = panel.frame.sample(500, random_state=0)
    np.testing.assert_allclose(lender[0].predict_pd(rows), rows["pd"], rtol=1e-6)


# ----------------------------------------------------------------------------- windows
def test_application_windows_roll_forward(panel):
    a30, a90 = mat(panel, "applications_30d"), mat(panel, "applications_90d")
    month_apps = mat(panel, "applied") + mat(panel, "other_platform_apps")
    assert (a30 <= a90).all()
    np.testing.assert_array_equal(a30[1:], month_apps[:-1])  # 30 days = last month exactly
    np.testing.assert_array_equal(a90[3:], month_apps[:-3] + month_apps[1:-2] + month_apps[2:-1])


def test_thirty_day_window_forgets_old_applications(panel):
    a30 = mat(panel, "applications_30d")
    month_apps = mat(panel, "applied") + mat(panel, "other_platform_apps")
    applied_then_quiet = (month_apps[:-2] > 0) & (month_apps[1:-1] == 0)
    assert applied_then_quiet.sum() > 50
    assert (a30[2:][applied_then_quiet] == 0).all()


def test_platforms_and_loans_follow_borrowing(panel):
    loans, platforms = mat(panel, "loans_12m"), mat(panel, "active_platforms")
    took = (mat(panel, "drawn") > 0) + (mat(panel, "drawn_elsewhere") > 0)
    assert ((platforms >= 0) & (platforms <= 31)).all()
    # a loan this month is on next month's record, and a 12-month count drops by at most
    # what aged out (never below the loans of the months still inside the window)
    assert (loans[1:] >= took[:-1]).all()
    first_here = (mat(panel, "drawn") > 0) & (np.cumsum(mat(panel, "drawn") > 0, axis=0) == 1)
    assert (platforms[1:][first_here[:-1]] >= 1).all()


def test_overdue_history_never_shrinks_faster_than_time_allows(panel):
    count, dpd = mat(panel, "overdue_count_24m"), mat(panel, "max_dpd_24m")
    since, new = mat(panel, "months_since_last_overdue"), mat(panel, "overdue_new")
    current = mat(panel, "current_overdue")
    assert (count[1:] <= count[:-1] + new[:-1] + current[1:]).all()  # grows only by events
    assert ((count > 0) == ~np.isnan(since)).all()
    assert ((count > 0) == (dpd > 0)).all()
    assert (since[current == 1] == 0).all()
    for j in range(1, MONTHS):  # the latest overdue month stays in the window for 24 months
        inside = ~np.isnan(since[:-j]) & (since[:-j] + j <= 23)
        assert (count[j:][inside] >= 1).all()
        assert (dpd[j:][inside] >= 1).all()
    both = ~np.isnan(since[1:]) & ~np.isnan(since[:-1])
    assert ((since[1:] == 0) | (since[1:] == since[:-1] + 1))[both].all()  # ages or resets


def test_ring_forgets_exactly_after_its_window():
    pop = riskkit.generate(200, seed=3)
    state = init_state(pop, np.random.default_rng(0))
    state.od_ring[:] = 0
    state.dpd_ring[:] = 0
    state.od_ring[:, slot(-1, 24)] = 2  # two events last month
    state.dpd_ring[:, slot(-1, 24)] = 45
    state.late_open[:] = False
    state.late_dpd[:] = 0
    state.base_debt[:] = 0  # no standing debt, so nothing new can go overdue
    idle = np.random.default_rng(1)
    counts, dpds = [], []
    for _ in range(25):
        settled = settle_loans(state, np.zeros(state.n), 1.0, idle, standing_share=0.0)
        roll_month(state, state.inc_ring[:, slot(state.month, 12)].copy(), settled,
                   MonthActions.idle(state))
        counts.append(int(state.overdue_count_24m[0]))
        dpds.append(int(state.max_dpd_24m[0]))
    assert counts[:23] == [2] * 23 and counts[23:] == [0, 0]
    assert dpds[:23] == [45] * 23 and dpds[23:] == [0, 0]
    assert np.isnan(state.months_since_last_overdue).all()


@functools.cache
def tiny_population() -> pd.DataFrame:
    return riskkit.generate(3, seed=1)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=4, max_size=15))
def test_application_ring_matches_a_plain_sum(apps):
    state = init_state(tiny_population(), np.random.default_rng(0))
    rng = np.random.default_rng(2)
    history: list[int] = []
    for k in apps:
        acts = MonthActions.idle(state)
        acts.other_apps[:] = k
        settled = settle_loans(state, np.zeros(state.n), 1.0, rng, standing_share=0.0)
        roll_month(state, state.inc_ring[:, slot(state.month, 12)].copy(), settled, acts)
        history.append(k)
        assert int(state.applications_30d[0]) == k
        if len(history) >= 3:
            assert int(state.applications_90d[0]) == sum(history[-3:])


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 2.5), st.floats(500.0, 60_000.0), st.integers(0, 10_000))
def test_income_history_has_the_stated_mean_and_volatility(vol, income, seed):
    months = income_history(np.array([income]), np.array([vol]), np.random.default_rng(seed))
    assert (months > 0).all()
    assert months.mean() == pytest.approx(income, rel=1e-4)
    assert months.std() / months.mean() == pytest.approx(vol, abs=1e-3)


def test_init_state_reproduces_the_rows():
    pop = riskkit.generate(2_000, seed=9)
    frame = state_frame(init_state(pop, np.random.default_rng(0)))
    for name in F.MODEL_FEATURES:
        left, right = frame[name], pop[name]
        if F.get(name).is_categorical:
            assert (left.astype(str) == right.astype(str)).all()
        else:
            np.testing.assert_allclose(left.to_numpy(float), right.to_numpy(float), rtol=1e-6)


def test_days_past_due_follow_the_delinquency_ladder(panel):
    """End-of-month days past due: 0 when no delinquency is open (next month's
    ``current_overdue`` is 0), a new delinquency at 1-29 days, an open one 30 days older
    (to at most 180) unless it cured and a new one opened in the same month."""
    dpd, current = mat(panel, "days_past_due"), mat(panel, "current_overdue")
    np.testing.assert_array_equal(dpd[:-1] > 0, current[1:] > 0)
    start = np.vstack([np.where(current[0] > 0, mat(panel, "max_dpd_24m")[0], 0), dpd[:-1]])
    aged = np.minimum(start + 30, 180)
    fresh = (dpd >= 1) & (dpd <= 29)
    assert ((dpd == 0) | (dpd == aged) | fresh).all()
    assert ((dpd == aged) & (start > 0)).any() and (fresh & (start > 0)).any()
    assert (dpd > 90).any()  # some delinquencies reach default within the panel


# ----------------------------------------------------------------------------- money
def test_repaid_borrower_debt_returns_to_what_it_was(panel):
    debt, drawn, other = mat(panel, "outstanding_debt"), mat(panel, "drawn"), mat(panel,
                                                                                  "drawn_elsewhere")
    repaid, late = panel.matrix("repaid"), mat(panel, "late_amount")
    quiet = (drawn == 0) & (other == 0)
    clean = ((drawn[1:-2] > 0) & (other[1:-2] == 0) & quiet[:-3] & quiet[2:-1] & repaid[2:-1]
             & (late[2:-1] == late[:-3]) & (late[1:-2] == late[:-3]))
    assert clean.sum() > 30
    before, during, after = debt[1:-2][clean], debt[2:-1][clean], debt[3:][clean]
    np.testing.assert_array_equal(after, before)
    np.testing.assert_allclose(during, before + drawn[1:-2][clean], rtol=1e-6)


def test_lines_draws_and_decisions_agree(panel):
    frame = panel.frame
    approved = frame["decision"].astype(str) == "approved"
    assert ((frame["credit_line"] > 0) == approved).all()
    assert (frame.loc[frame["knockout"].astype(str) != "", "decision"].astype(str) == "denied").all()
    assert (frame["drawn"] <= frame["credit_line"]).all()
    assert (frame["drawn"] <= frame["need"]).all()
    assert (frame.loc[frame["drawn"] > 0, "applied"]).all()
    history = mat(panel, "credit_history_months")
    np.testing.assert_array_equal(history[1:] - history[:-1], 1)


# ----------------------------------------------------------------------------- the lender
def test_downturn_raises_true_risk_and_the_cutoff_is_recorded(panel):
    summary = panel.summary
    true_pd = summary["by_month"]["mean_true_pd"]
    assert np.mean(true_pd[6:]) > 1.1 * np.mean(true_pd[:6])
    cut = summary["cutoff_by_month"]
    assert len(cut) == MONTHS and max(cut) <= summary["base_cutoff"] + 1e-12
    assert (panel.matrix("cutoff") == np.asarray(cut, dtype=np.float32)[:, None]).all()
    assert panel.summary["by_month"]["downturn"] == [False] * 6 + [True] * 6


def test_lender_tightens_on_significant_excess_and_relaxes_without_it(lender):
    policy = lender[1]
    bank = L.Lender(lender[0], policy)
    for observed, expected in [(20, 20.0), (22, 20.0), (19, 20.0)]:  # normal noise
        bank.learn(observed, expected, np.zeros(1), np.ones(1, bool))
    assert bank.cutoff == policy.cutoff
    for _ in range(3):  # 40% more overdue loans than predicted, month after month
        bank.learn(28, 20.0, np.zeros(1), np.ones(1, bool))
    assert bank.shift == pytest.approx(np.log(1.4))
    assert np.log(policy.cutoff / (1 - policy.cutoff)) - np.log(
        bank.cutoff / (1 - bank.cutoff)) == pytest.approx(np.log(1.4))
    for _ in range(3):  # outcomes back below prediction: the tightening fades
        bank.learn(15, 20.0, np.zeros(1), np.ones(1, bool))
    assert bank.shift < 0.1 and policy.cutoff > bank.cutoff


def test_lender_tightens_in_a_downturn(lender):
    run = L.simulate(20_000, 9, 8, *lender, downturn_from=2, world=BASELINE)
    cut = run.summary["cutoff_by_month"]
    assert cut[:3] == [run.summary["base_cutoff"]] * 3
    assert cut[-1] < run.summary["base_cutoff"]
    rate = run.summary["approval_rate_by_month"]
    assert rate[-1] < rate[0]


def test_fixed_lender_never_moves(lender):
    fixed = L.simulate(1_000, 6, 2, *lender, downturn_from=1, cutoff_rule="fixed",
                       world=BASELINE)
    assert len(set(fixed.summary["cutoff_by_month"])) == 1


def test_bad_rate_rule_keeps_the_cutoff_at_or_below_the_policy(lender):
    run = L.simulate(1_000, 6, 2, *lender, downturn_from=1, cutoff_rule="bad_rate",
                     world=BASELINE)
    assert max(run.summary["cutoff_by_month"]) <= run.summary["base_cutoff"] + 1e-12


@pytest.mark.parametrize("kwargs", [
    {"months": 0}, {"downturn_from": -1}, {"cutoff_rule": "loose"}, {"borrowers": 0},
])
def test_bad_arguments_are_config_errors(kwargs, lender):
    args = {"borrowers": 100, "months": 2, "seed": 1, **kwargs}
    with pytest.raises(ConfigError):
        L.simulate(args.pop("borrowers"), args.pop("months"), args.pop("seed"), *lender,
                   world=BASELINE, **args)


def test_model_without_policy_is_refused(lender):
    with pytest.raises(ConfigError):
        L.simulate(100, 2, 1, model=lender[0], world=BASELINE)


def test_a_simulation_needs_its_world(lender):
    with pytest.raises(TypeError):
        L.simulate(100, 2, 1, *lender)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="needs the World"):
        L.simulate(100, 2, 1, *lender, world="baseline")


def test_simulate_from_run_uses_the_runs_deployed_lender(lender):
    calls = []

    class FakeRun:
        def model(self, name):
            calls.append(name)
            return lender[0]

        def policy(self):
            return lender[1]

        deployed_model_name = "scorecard"
        world = World("interacting", 0.08)

    panel = L.simulate_from_run(FakeRun(), 200, 2, 4)
    assert panel.summary["world"] == FakeRun.world.to_dict()
    assert calls == ["scorecard"] and len(panel.frame) == 400
    assert panel.model is lender[0]


# ----------------------------------------------------------------------------- files
def test_write_and_read_back(panel, tmp_path):
    paths = panel.write(tmp_path / "sim")
    assert [p.name for p in paths] == [L.PANEL_FILE, L.SUMMARY_FILE]
    back = L.Panel.read(tmp_path / "sim")
    pd.testing.assert_frame_equal(back.frame, panel.frame)
    assert back.summary["cutoff_by_month"] == pytest.approx(panel.summary["cutoff_by_month"])
    assert not list((tmp_path / "sim").glob(".tmp-*"))


def test_benchmark_reports_speed_and_memory(monkeypatch, lender):
    monkeypatch.setattr(L, "default_lender", lambda world, seed: lender)
    result = benchmark_lifecycle(BASELINE, borrowers=500, months=3)
    assert result["borrower_months_per_s"] > 0 and result["seconds"] > 0
    assert result["peak_rss_mb"] >= result["added_rss_mb"] >= 0
    assert result["panel_mb"] > 0
