"""Monitoring the book: each method on a case with a known answer, then the tables' laws on a
simulated book (curves cumulative, rows summing to 1, PDs rising with the horizon, the
empirical lifetime PD inside the truth's Monte Carlo interval), and ``riskkit monitor``."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.lifecycle import simulation as L
from riskkit.lifecycle.behaviour import Behaviour, overdue_probability, settle_loans
from riskkit.lifecycle.lender import Lender
from riskkit.lifecycle.monitor import book as B
from riskkit.lifecycle.monitor import detection as D
from riskkit.lifecycle.monitor import expected as E
from riskkit.lifecycle.monitor import lifetime as LT
from riskkit.lifecycle.monitor import rolls as R
from riskkit.lifecycle.monitor import stability as S
from riskkit.lifecycle.monitor import transitions as TR
from riskkit.lifecycle.monitor import words as W
from riskkit.lifecycle.monitor.migration import grade_migration
from riskkit.lifecycle.monitor.staging import stages
from riskkit.lifecycle.monitor.tables import monitor_book
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World

BORROWERS, MONTHS, SEED, DOWNTURN = 10_000, 24, 5, 12
#: The world the lender's model was built in.
BASELINE = World("baseline", 0.04)
#: The world the book lives in: riskier than the lender's (enough defaults in a small, fast
#: panel, and a lender whose PDs run low, as a model built in calmer times does).
RISKIER = World("baseline", 0.12)


@pytest.fixture(scope="module")
def lender():
    """The oracle of the 4 % world with a fitted default policy: no training, so the tests
    stay fast."""
    pop = BASELINE.generate(10_000, 101)
    model = make_model("oracle", world=BASELINE).fit(pop, pop[F.TARGET])
    return model, Policy.from_config({}).fit(pop, model.predict_pd(pop), pop[F.TARGET])


@pytest.fixture(scope="module")
def panel(lender):
    return L.simulate(BORROWERS, MONTHS, SEED, *lender, downturn_from=DOWNTURN, world=RISKIER)


@pytest.fixture(scope="module")
def monitored(panel):
    return monitor_book(B.Book.from_panel(panel.frame, panel.summary))


# ----------------------------------------------------------------------------- the book
def hand_book() -> B.Book:
    """Three borrowers over six months, written out by hand:

    * 1 -- granted a line in month 1, draws then (due in month 2), line gone in month 3
      with nothing owed: on the book in months 1 and 2;
    * 2 -- on the book from month 0; a delinquency opens in month 1 and is 105 days past
      due at the end of month 4 (the default), cured in month 5: never leaves the book;
    * 3 -- never granted a line; overdue (40 days) in the generated row.
    """
    months, n = 6, 3
    line = np.array([[0, 500, 500, 0, 0, 0], [800, 800, 0, 0, 0, 0], [0] * 6], float).T
    due = np.zeros((months, n))
    due[2, 0] = 200.0
    dpd = np.zeros((months, n), int)
    dpd[1:6, 1] = [15, 45, 75, 105, 0]
    rows = {
        "pd": np.full((months, n), 0.02), "true_pd": np.full((months, n), 0.12),
        "credit_line": line, "cutoff": np.full((months, n), 0.05), "due": due,
        "drawn": np.zeros((months, n)), "drawn_elsewhere": np.zeros((months, n)),
        "days_past_due": dpd, "current_overdue": np.zeros((months, n), int),
        "max_dpd_24m": np.zeros((months, n), int),
        "outstanding_debt": np.full((months, n), 1000.0),
        "monthly_income": np.full((months, n), 6000.0),
    }
    rows["drawn"][1, 0] = 200.0
    rows["current_overdue"][0, 2], rows["max_dpd_24m"][0, 2] = 1, 40
    frame = pd.DataFrame({k: v.ravel() for k, v in rows.items()})
    summary = {"borrowers": n, "months": months, "behaviour": Behaviour().to_dict(),
               "by_month": {}, "downturn_from": None}
    return B.Book.from_panel(frame, summary, master_scale=[0.01, 0.05], features=())


def test_days_past_due_buckets_have_the_basel_edges():
    days = np.array([0, 1, 29, 30, 31, 60, 61, 90, 91, 180])
    assert B.dpd_bucket(days).tolist() == [0, 1, 1, 1, 2, 2, 3, 3, 4, 4]
    assert B.DPD_BUCKETS[B.DEFAULT_BUCKET] == "90+"


def test_accounts_open_leave_and_default_when_the_definitions_say():
    book = hand_book()
    assert book.origination.tolist() == [1, 0, 6]
    assert book.exit.tolist() == [3, 6, 6]
    assert book.on_book[:, 0].tolist() == [False, True, True, False, False, False]
    assert book.on_book[:, 1].all() and not book.on_book[:, 2].any()
    assert book.default_month.tolist() == [6, 4, 6]
    assert book.dpd_start[0].tolist() == [0, 0, 40]  # month 0 from the generated row
    assert book.bucket_start[:, 1].tolist() == [0, 0, 1, 2, 3, 4]
    assert book.performing_at_origination.tolist() == [True, True, False]
    assert book.grade[0].tolist() == [2, 2, 2]  # 0.02 lies between the edges 0.01 and 0.05
    assert book.scale.name == "master scale"


def test_default_hazard_is_the_simulations_ladder_written_out():
    book = hand_book()
    b = Behaviour()
    p = float(overdue_probability(np.array([0.12]), b)[0])
    q = E.default_hazard(book, book.true_pd)
    standing = b.standing_overdue_share * p  # everyone carries standing debt here
    roll = (1 - b.cure_prob) ** 3
    # borrower 1 in month 2: its draw is due and standing debt too
    assert q[2, 0] == pytest.approx((1 - (1 - p) * (1 - standing)) * roll)
    # borrower 2 in month 3: 45 days past due, so only a cure and a new opening restart it
    assert q[3, 1] == pytest.approx(b.cure_prob * standing * roll)
    assert E.months_to_default(np.array([1, 29, 30, 31, 61, 90, 91])).tolist() == \
        [3, 3, 3, 2, 1, 1, 0]


def test_the_behaviour_docstring_states_the_ladder_the_code_runs():
    """The share of new delinquencies that reach 90+ days is (1 - cure_prob)^3 (6.4 % at
    0.6), which the module docstring must say, not the "one in four" it once claimed."""
    from riskkit.lifecycle import behaviour

    b = Behaviour()
    doc = " ".join(behaviour.__doc__.split())
    assert f"{100 * (1 - b.cure_prob) ** E.ROLL_MONTHS:.1f} %" in doc
    assert f"cure_prob`` ({b.cure_prob:g})" in doc
    assert f"overdue_per_default`` ({b.overdue_per_default:g})" in doc
    assert f"{b.overdue_per_default:g} x {100 * (1 - b.cure_prob) ** 3:.1f} %" in doc
    assert "one in four early delinquencies rolls" not in doc


def test_expected_defaults_match_the_simulations_own_settlement_by_monte_carlo():
    """Run the simulation's ``settle_loans`` for 60,000 borrowers with known PDs and dues:
    the first defaults counted equal the compensator's expectation within 4 sd."""
    rng = np.random.default_rng(11)
    n, months = 60_000, 8
    b = Behaviour()
    true_pd = np.clip(rng.beta(2, 6, (months, n)), 0.01, 0.9)
    due = (rng.random((months, n)) < 0.5) * 300.0
    elsewhere = (rng.random((months, n)) < 0.3) * 200.0
    standing = rng.random(n) < 0.7
    state = SimpleNamespace(n=n, base_debt=np.where(standing, 1000.0, 0.0),
                            late=np.zeros(n), late_open=np.zeros(n, bool),
                            late_dpd=np.zeros(n, np.int16))
    dpd = np.zeros((months, n), np.int16)
    for t in range(months):
        state.due_here = due[t]
        state.due_else = elsewhere[t - 1] if t else np.zeros(n)
        settled = settle_loans(state, overdue_probability(true_pd[t], b), b.cure_prob, rng,
                               b.standing_overdue_share)
        state.late, state.late_open, state.late_dpd = (settled.late, settled.late_open,
                                                       settled.late_dpd)
        dpd[t] = settled.late_dpd
    book = B.Book(months=months, borrowers=n, summary={"behaviour": b.to_dict()},
                  pd=true_pd, true_pd=true_pd, line=np.ones((months, n)),
                  cutoff=np.ones(months), due=due, drawn=np.zeros((months, n)),
                  drawn_elsewhere=elsewhere, dpd_end=dpd,
                  dpd_start=np.vstack([np.zeros((1, n), np.int16), dpd[:-1]]),
                  standing_debt=standing, scale=B.GradeScale(np.array([0.5]), "test"))
    first = B.first_true(dpd > 90, months)
    t = np.arange(months)[:, None]
    expected = E.expected_defaults(book, E.default_hazard(book, true_pd), t <= first[None, :],
                                   np.zeros(n, int), np.zeros(n, int), 1, months)
    observed = np.bincount(first[first < months], minlength=months).cumsum()
    assert observed[-1] > 500  # enough defaults for the check to mean something
    sd = np.sqrt(expected.variance[0])
    assert np.all(np.abs(observed - expected.mean[0]) <= 4 * np.maximum(sd, 1.0))


# ----------------------------------------------------------------------------- methods
def test_cohort_estimator_on_a_hand_count():
    """Counts written out: from state 0, 6 stay, 3 move to 1, 1 defaults; from 1, 2 go back,
    2 stay; pooled over two periods."""
    counts = np.zeros((2, 3, 3), int)
    counts[0, 0] = [4, 2, 0]
    counts[1, 0] = [2, 1, 1]
    counts[0, 1] = [1, 1, 0]
    counts[1, 1] = [1, 1, 0]
    matrix = TR.cohort_matrix(counts, absorbing=[2])
    np.testing.assert_allclose(matrix, [[0.6, 0.3, 0.1], [0.5, 0.5, 0.0], [0, 0, 1]])
    single = TR.cohort_matrix(counts[0])
    assert np.isnan(single[2]).all()  # no entity there: nothing observed, not zero


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels' intervals of empty rows
def test_cohort_estimator_agrees_with_open_risks_transition_matrix():
    from transitionMatrix.estimators.cohort_estimator import CohortEstimator
    from transitionMatrix.statespaces.statespace import StateSpace

    rng = np.random.default_rng(0)
    periods, n = 5, 60
    truth = np.array([[0.8, 0.15, 0.05], [0.2, 0.7, 0.1], [0, 0, 1]])
    states = np.zeros((periods + 1, n), int)
    states[0] = rng.integers(0, 2, n)
    for t in range(periods):
        states[t + 1] = (rng.random(n)[:, None] > truth[states[t]].cumsum(1)).sum(1)
    rows = [(i, t, states[t, i]) for i in range(n) for t in range(periods + 1)]
    rows.append((n, periods, 2))  # see TR's docstring: absorbs the estimator's last-row quirk
    data = pd.DataFrame(rows, columns=["ID", "Time", "State"])
    reference = CohortEstimator(states=StateSpace([(str(k), str(k)) for k in range(3)]),
                                cohort_bounds=list(range(periods + 1)),
                                ci={"method": "goodman", "alpha": 0.05})
    reference.fit(data)
    counts = TR.transition_counts(states[:-1], states[1:], np.ones((periods, n), bool), 3)
    ours = TR.cohort_matrix(counts, absorbing=[2])
    np.testing.assert_allclose(ours[:2], reference.average_matrix[:2], rtol=1e-12)
    for k in range(periods - 1):
        mine, theirs = TR.cohort_matrix(counts[k]), reference.matrix_set[k]
        seen = counts[k].sum(axis=1) > 0
        np.testing.assert_allclose(mine[seen], theirs[seen], rtol=1e-12)


def test_markov_term_structure_of_a_known_chain():
    p = 0.02
    one = TR.markov_term_structure(np.array([[1 - p, p], [0, 1]]), 36, default=1)
    np.testing.assert_allclose(one[0], 1 - (1 - p) ** np.arange(1, 37))
    # two grades: from grade 2 straight to default with 0.1, else to grade 1 (PD 0)
    two = TR.markov_term_structure(np.array([[1, 0, 0], [0.9, 0, 0.1], [0, 0, 1]]), 3, 2)
    np.testing.assert_allclose(two[:, -1], [0.0, 0.1, 1.0])


def test_kaplan_meier_and_aalen_johansen_reproduce_hand_computed_values():
    """Six accounts: defaults at 1, 2, 3 and 5, censored at 2, left the book at 4.
    Kaplan-Meier: S = 5/6, 4/6, 4/6 x 2/3, ..., 0. Aalen-Johansen: CIF steps of
    S(t-) d / n: 1/6, 1/6, 4/18, then 4/18 after the exit halves the survivors."""
    time = np.array([1, 2, 2, 3, 4, 5])
    event = np.array([LT.DEFAULT, LT.DEFAULT, LT.CENSORED, LT.DEFAULT, LT.LEFT, LT.DEFAULT])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no jitter, no notice: the ties are resolved
        km, aj = LT.survival_pd(time, event, np.ones(6, int), 5)
    np.testing.assert_allclose(km, [1 / 6, 2 / 6, 1 - 8 / 18, 1 - 8 / 18, 1.0])
    np.testing.assert_allclose(aj, [1 / 6, 2 / 6, 10 / 18, 10 / 18, 14 / 18])
    # counts as weights give the same answer as the rows they stand for
    km_w, aj_w = LT.survival_pd(np.array([1, 2, 3]), np.array([1, 1, 0]), np.array([2, 1, 3]), 3)
    km_r, aj_r = LT.survival_pd(np.array([1, 1, 2, 3, 3, 3]), np.array([1, 1, 1, 0, 0, 0]),
                                np.ones(6, int), 3)
    np.testing.assert_allclose(km_w, km_r)
    np.testing.assert_allclose(aj_w, aj_r)


def test_p_chart_limits_are_shewharts():
    rolled = np.array([100, 100, 100, 130, 100])
    at_risk = np.full(5, 10_000)
    chart = R.p_chart(rolled, at_risk, np.array([True, True, True, False, False]))
    upper = 0.01 + 3 * np.sqrt(0.01 * 0.99 / 10_000)
    np.testing.assert_allclose(chart["upper"], upper)
    assert chart["alarm"].tolist() == [False, False, False, True, False]
    # the centre line leaves out the warm-up months and everything from the change on
    from riskkit.lifecycle.monitor.tables import baseline_months

    assert np.flatnonzero(baseline_months(24, 12)).tolist() == list(range(2, 12))
    assert np.flatnonzero(baseline_months(6, None)).tolist() == [2, 3, 4, 5]
    assert np.flatnonzero(baseline_months(6, 1)).tolist() == [0]


def test_detection_lag_on_constructed_series():
    alarm = np.zeros(24, bool)
    alarm[[3, 15, 16]] = True
    assert D.detection(alarm, 12) == {"first_alarm": 3, "detection_month": 15, "lag": 3,
                                      "false_alarms": 1}
    assert D.detection(alarm, 15)["lag"] == 0
    # in alarm since before the change: it noticed nothing new
    assert D.detection(alarm, 16) == {"first_alarm": 3, "detection_month": None, "lag": None,
                                      "false_alarms": 2}
    assert D.detection(alarm, 17) == {"first_alarm": 3, "detection_month": None, "lag": None,
                                      "false_alarms": 3}
    assert D.detection(alarm, None) == {"first_alarm": 3, "detection_month": None,
                                        "lag": None, "false_alarms": 3}
    assert D.detection(np.zeros(5, bool), 2)["first_alarm"] is None
    table = D.detection_table({"a": alarm, "b": np.arange(24) >= 13}, 12)
    assert D.first_to_fire(table) == ["b"]
    assert D.first_to_fire(D.detection_table({"a": alarm, "c": alarm}, 12)) == ["a", "c"]


def test_lender_alerts_are_the_lenders_own_decisions(lender):
    """Outcomes whose excess over prediction keeps growing: the lender raises its odds shift
    exactly in the months its alert fires (it never lowers the shift on an alert)."""
    expected = np.full(16, 30.0)
    observed = np.array([30] * 10 + [45, 60, 80, 100, 130, 170])
    own = Lender(*lender)
    raised = []
    for obs, exp in zip(observed, expected, strict=True):
        before = own.shift
        own.learn(int(obs), float(exp), np.zeros(1), np.ones(1, bool))
        raised.append(own.shift > before)
    alerts = D.lender_alerts(observed, expected)
    assert alerts.tolist() == raised
    assert alerts.tolist() == [False] * 11 + [True] * 5


def test_psi_and_csi_by_month_are_evaluates(panel):
    book = B.Book.from_panel(panel.frame, panel.summary)
    table, csi = S.stability_by_month(book)
    month0 = panel.frame[panel.frame["month"] == 0]
    month7 = panel.frame[panel.frame["month"] == 7]
    assert table.at[7, "psi_score"] == pytest.approx(ev.psi(month0["pd"], month7["pd"]),
                                                     rel=1e-12, abs=1e-15)
    reference = ev.csi(month0, month7, list(F.MODEL_FEATURES))
    ours = csi[csi["month"] == 7].set_index("feature")["csi"]
    np.testing.assert_allclose(ours[reference.index], reference, rtol=1e-12, atol=1e-15)
    assert (table["psi_score"].iloc[0], table["psi_true_pd"].iloc[0]) == (0.0, 0.0)


# ----------------------------------------------------------------------------- the laws
def test_vintage_curves_never_decrease(monitored):
    v = monitored.vintages
    for column in ("defaults", "bad_rate", "truth_expected", "lender_expected"):
        steps = v.sort_values(["vintage", "months_on_book"]).groupby("vintage")[column].diff()
        assert (steps.dropna() >= 0).all(), column
    assert (v["vintage"] + v["months_on_book"] == v["month"]).all()
    assert v["defaults"].max() > 0
    pooled = monitored.tables()["vintages_by_period"]
    assert (pooled.groupby("period")["bad_rate"].diff().dropna() >= 0).all()


def test_every_roll_rate_and_migration_row_sums_to_one(monitored):
    for long in (monitored.rolls.by_month, monitored.migration.by_month):
        sums = long.groupby(["month", "from"])["rate"].sum()
        np.testing.assert_allclose(sums, 1.0)
    for square in (monitored.rolls.average, monitored.migration.average):
        rates = square.drop(columns="accounts")
        seen = square["accounts"] > 0
        np.testing.assert_allclose(rates[seen].sum(axis=1), 1.0)
    # the ladder: from current only to current or 1-30; 31-60 only from 1-30
    average = monitored.rolls.average
    assert average.loc["current", ["31-60", "61-90", "90+"]].sum() == 0
    assert average.loc[["current", "31-60", "61-90", "90+"], "31-60"].sum() == 0


def test_lifetime_pd_rises_with_the_horizon_for_every_grade(monitored):
    table = monitored.lifetime.table
    for grade, rows in table.groupby("grade"):
        for column in ("cohort", "kaplan_meier", "aalen_johansen", "markov", "truth"):
            values = rows.sort_values("horizon")[column].to_numpy()
            assert (np.diff(values) >= -1e-12).all(), (grade, column)
        for column in ("markov", "truth"):
            values = rows.sort_values("horizon")[column].to_numpy()
            assert values[-1] > values[0], (grade, column)


def test_empirical_lifetime_pd_lies_within_the_truths_monte_carlo_interval(monitored, panel):
    """Every grade at 12 months and at the panel's longest horizon, and the whole book.

    The test can fail: the naive expectation from the 12-month true PDs, ``1 - (1 - PD) ^
    (h / 12)``, lies far outside the same interval, since in the simulation most overdue
    loans cure before they are 90 days past due."""
    life = monitored.lifetime
    for horizon in (12, MONTHS):
        rows = life.at(horizon)
        assert rows.loc["all", "defaults"] > 20
        assert rows["within"].all(), rows[["cohort", "truth_low", "truth_high"]]
        assert rows["within_on_book"].all()
    book = monitored.book
    members = LT.reference_cohort(book, 0)
    naive = float(np.mean(1 - (1 - book.true_pd[0][members].astype(float)) ** (MONTHS / 12)))
    assert naive > 3 * life.at(MONTHS).loc["all", "truth_high"]


def test_survival_estimators_and_the_cohort_agree_where_they_must(monitored):
    table = monitored.lifetime.table
    # no censoring but the panel's end: Aalen-Johansen is the on-book cohort share
    np.testing.assert_allclose(table["aalen_johansen"], table["cohort_on_book"], atol=1e-12)
    # censoring the accounts that leave can only raise the estimate above the on-book share
    assert (table["kaplan_meier"] >= table["aalen_johansen"] - 1e-12).all()
    assert (table["cohort"] >= table["cohort_on_book"]).all()


def test_stages_follow_the_ifrs9_rule(monitored):
    book = monitored.book
    lender, _ = stages(book, grade_migration(book))
    t = np.arange(book.months)[:, None]
    assert ((lender > 0) == book.on_book).all()
    assert (lender[book.on_book & (book.dpd_start > 30)] >= 2).all()
    assert ((lender == 3) == (book.on_book & (book.default_month[None, :] < t))).all()
    assert (lender[0][book.on_book[0]] == 1).all()  # at origination nothing has increased
    shares = monitored.stages
    np.testing.assert_allclose(shares[["stage_1", "stage_2", "stage_3"]].sum(axis=1), 1.0)
    after = shares["month"] >= DOWNTURN + 3
    # the downturn raises every true PD; the lender's grades see only part of it
    assert (shares.loc[after, "true_stage_2"] > shares.loc[after, "stage_2"]).all()


def test_detection_table_has_every_signal_and_dates_them_after_the_downturn(monitored):
    table = monitored.detection.set_index("signal")
    assert list(table.index) == list(monitored.signals)
    fired = table.dropna(subset=["detection_month"])
    assert (fired["detection_month"] >= DOWNTURN).all()
    assert (fired["lag"] == fired["detection_month"] - DOWNTURN).all()


def test_monitoring_is_deterministic(panel, monitored):
    again = monitor_book(B.Book.from_panel(panel.frame, panel.summary))
    for name, table in monitored.tables().items():
        pd.testing.assert_frame_equal(table, again.tables()[name], obj=name)


def test_narrative_comparisons_are_read_off_the_tables(monitored):
    from riskkit.lifecycle.monitor import narrative as N

    year = N.quiet_year(monitored, 12)
    assert year["months"] == min(12, DOWNTURN)
    assert year["accounts_first"] == monitored.stability["accounts"].iloc[0]
    cutoff = monitored.stability["cutoff"].to_numpy()
    tight = N.tightened_months(monitored)
    assert all(t >= DOWNTURN and cutoff[t] < cutoff[0] for t in tight)
    compared = N.vintage_comparison(monitored)
    if compared is not None:
        assert compared["first_tightened"] == tight[0]
        assert compared["early_vintages"] <= DOWNTURN
    book = monitored.book
    members = pd.DataFrame({"borrower_id": [1, 2, 3, 2], "loss_month": [1, 5, 9, 9]})
    moves = N.cohort_moves(monitored, members)
    before = [book.grade[0, 0], book.grade[4, 1], book.grade[8, 2], book.grade[8, 1]]
    after = [book.grade[1, 0], book.grade[5, 1], book.grade[9, 2], book.grade[9, 1]]
    assert moves["members"] == 4 and moves["moves"]["count"].sum() == 4
    jumps = np.array(after, int) - np.array(before, int)
    assert moves["worse"] == pytest.approx((jumps > 0).mean())
    assert moves["mean_jump"] == pytest.approx(jumps.mean())
    rows = moves["matrix"].drop(columns="accounts")
    np.testing.assert_allclose(rows[moves["matrix"]["accounts"] > 0].sum(axis=1), 1.0)
    assert N.cohort_moves(monitored, members.iloc[:0]) is None
    life = N.lifetime_comparison(monitored)
    assert life["horizon"] == MONTHS and set(life["within"]) <= set(book.scale.labels())
    # the book's 90+ defaults over the PD's own 12 months, beside its mean true 12-month PD
    members = LT.reference_cohort(book, 0)
    assert life["mean_true_pd"] == pytest.approx(book.true_pd[0][members].mean())
    assert life["cohort_pd_horizon"] == monitored.lifetime.at(12).loc["all", "cohort"]
    assert life["pd_horizon"] == 12 and life["roll_to_default"] == pytest.approx(0.4 ** 3)
    # the ladder keeps the 90+ rate far below the true PD (the docstring's claim) ...
    assert life["cohort_pd_horizon"] < life["mean_true_pd"] / 4
    # ... and the truth's expectation follows the ladder, not the PD
    assert life["truth_pd_horizon"] < life["mean_true_pd"] / 4


# ----------------------------------------------------------------------------- words
@pytest.mark.parametrize(("before", "after", "words"), [
    (0.012, 0.018, "rose from 1.2 % to 1.8 %"),
    (0.018, 0.012, "fell from 1.8 % to 1.2 %"),
    (0.012, 0.012, "stayed at 1.2 %"),
    (0.7101, 0.7099, "stayed at 71.0 %"),  # a change too small to show is no change
])
def test_describe_change_picks_the_verb_from_the_numbers(before, after, words):
    assert W.describe_change(before, after) == words


def test_sentences_follow_the_numbers():
    assert W.compare(2.0, 1.0) == "higher than" and W.compare(1.0, 2.0) == "lower than"
    assert W.compare(1.0, 1.0) == "the same as"
    assert W.describe_lag(None, 12) == "never went into alarm after month 12"
    assert W.describe_lag(0, 12) == "fired in month 12, the month the downturn began"
    assert W.describe_lag(1, 12) == "fired in month 13, 1 month after the downturn began"
    rows = [{"description": "A", "lag": 5}, {"description": "B", "lag": 2},
            {"description": "C", "lag": None}]
    assert W.first_signal_sentence(rows, 12) == (
        "The first to notice was B: in month 14, 2 months after the downturn began.")
    rows[0]["lag"] = 2
    assert W.first_signal_sentence(rows, 12).startswith("The first to notice were A and B:")
    assert W.first_signal_sentence([{"description": "A", "lag": None}], 3) == (
        "No monitoring signal fired after the downturn began in month 3.")
    assert W.within_sentence({"1": True, "2": False}) == (
        "1 of 2 grades lie within their interval of the truth's expectation; outside: 2.")
    assert W.riskier(0.02, 0.01) == "riskier than" and W.riskier(0.01, 0.02) == "safer than"
    assert W.riskier(0.01, 0.01) == "as risky as"
    assert "were riskier than" in W.censoring_clause(0.01, 0.02)
    assert "were safer than" in W.censoring_clause(0.03, 0.02)
    assert (W.months(0), W.months(1), W.months(3)) == ("no month", "1 month", "3 months")
    assert W.describe_false_alarms(0) == "no false alarm before it"
    assert W.describe_false_alarms(2) == "2 false alarms before it"


@pytest.mark.parametrize(("value", "reference", "words"), [
    (0.0015, 0.0134, "about a ninth of"),
    (0.125, 1.0, "about an eighth of"),
    (0.5, 1.0, "about half of"),
    (0.8, 1.0, "about 80 % of"),  # between two thirds and the same: never "about 1/1 of"
    (0.7, 1.0, "about 70 % of"),
    (1.0, 14.0, "about 1/14 of"),
    (1.03, 1.0, "about the same as"),
    (2.5, 1.0, "about 2.5 times"),
    (0.0, 1.0, "none of"),
    (1.0, 0.0, "n/a"),
    (float("nan"), 1.0, "n/a"),
])
def test_fraction_of_says_the_ratio_in_words(value, reference, words):
    assert W.fraction_of(value, reference) == words


def test_fraction_of_in_chinese_says_a_share_near_one_as_a_percentage():
    assert W.fraction_of(0.8, 1.0, lang="zh") == "约80 %"
    assert W.fraction_of(0.125, 1.0, lang="zh") == "约八分之一"


# ----------------------------------------------------------------------------- input
def test_a_panel_without_days_past_due_is_refused_by_name(panel, tmp_path):
    L.Panel(panel.frame.drop(columns="days_past_due"), panel.summary).write(tmp_path)
    with pytest.raises(DataError, match=r"days_past_due.*simulate again"):
        B.read_book(tmp_path)


def test_a_folder_that_is_not_a_simulation_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"panel\.parquet does not exist"):
        B.read_book(tmp_path)
    with pytest.raises(DataError, match="is not a folder"):
        B.read_book(tmp_path / "nowhere")
    (tmp_path / "panel.parquet").write_text("not parquet")
    (tmp_path / "summary.json").write_text("{}")
    with pytest.raises(DataError, match="not a Parquet file"):
        B.read_book(tmp_path)


def test_a_master_scale_must_be_increasing_pds():
    assert B.GradeScale.from_boundaries([0.05, 0.01, 1.0]).grades == 3
    with pytest.raises(DataError, match="master scale"):
        B.GradeScale.from_boundaries([0.01, 0.01])


@pytest.mark.parametrize(("month", "said"), [
    (16, "fired in month 16, 4 months after the downturn began"),
    (10, "fired in month 10, 2 months before the downturn began"),
    (12, "fired in month 12, the month the downturn began"),
])
def test_lag_words_pick_the_side_of_the_start(month: int, said: str) -> None:
    from riskkit.core.narrative import Narrative
    from riskkit.reporting.narration import check_claims

    say = Narrative()
    say.table(pd.DataFrame({"detection_month": [month], "downturn_from": [12]}), "t")
    assert say.pick(month, 12, W.lag_words(month, 12), decimals=0, table="t") == said
    assert said == W.describe_lag(month - 12, 12) or month < 12
    assert check_claims(say.record()) == []
