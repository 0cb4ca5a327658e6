"""The power study: defects do what they say, results are deterministic per seed whatever
runs them, and the summaries (rates, intervals, detectable defects) are computed right."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from riskkit.core.errors import ConfigError
from riskkit.experiment import config as C
from riskkit.experiment.power_study import pool_spec
from riskkit.experiment.splits import run_world
from riskkit.reporting.power_words import false_alarm_sentences, reason
from riskkit.synth import DEFAULT_BAD_RATE, World
from riskkit.validate import (
    DEFAULTS,
    Cell,
    PoolSpec,
    cells_from,
    default_rate_sd,
    detectable,
    false_alarm_table,
    run_power,
)
from riskkit.validate.pool import DRIFT_MONTHS, cell_arrays, drifted_world, pool
from riskkit.validate.power import simulate, summarise

BASELINE = World("baseline", DEFAULT_BAD_RATE)
#: A fifth of the recorded outcomes carry no information.
NOISY = World("baseline", DEFAULT_BAD_RATE, label_noise=0.2)
SPEC = PoolSpec(rows=20_000, seed=3, world=BASELINE)
NOISY_SPEC = PoolSpec(rows=20_000, seed=3, world=NOISY)
TH = DEFAULTS["thresholds"]


def test_defects_change_the_model_as_described() -> None:
    pl = pool(SPEC)
    none = cell_arrays(SPEC, Cell("none"))
    np.testing.assert_array_equal(pl.dev_pd, pl.true_pd)  # no label noise: the truth
    np.testing.assert_array_equal(none.model_pd, pl.true_pd)
    np.testing.assert_array_equal(none.grades, pl.dev_grades)
    half = cell_arrays(SPEC, Cell("pd_scale", 0.5))
    np.testing.assert_allclose(half.model_pd, 0.5 * pl.true_pd)
    one = cell_arrays(SPEC, Cell("grade_scale", 0.5))
    hit = pl.dev_grades == pl.grade
    np.testing.assert_allclose(one.model_pd[hit], 0.5 * pl.true_pd[hit])
    np.testing.assert_array_equal(one.model_pd[~hit], pl.true_pd[~hit])
    lost = cell_arrays(SPEC, Cell("lost_driver", 1.0))
    assert lost.model_pd.mean() == pytest.approx(pl.true_pd.mean(), rel=1e-9)  # re-centred
    logit = np.log(lost.model_pd / (1 - lost.model_pd))
    # what it lost is exactly the driver's true contribution (up to the new intercept)
    np.testing.assert_allclose(logit - (pl.true_logit - pl.driver_contrib),
                               np.full(pl.rows, (logit - (pl.true_logit - pl.driver_contrib))[0]),
                               atol=1e-8)
    drift = cell_arrays(SPEC, Cell("drift", 0.5))
    assert drift.true_pd.mean() > pl.true_pd.mean() + 0.005  # the economy worsened
    np.testing.assert_array_equal(drift.grades, drift.dev_grades)  # the same model
    assert cell_arrays(SPEC, Cell("correlation", 0.02)).rho == 0.02
    with pytest.raises(ConfigError, match="unknown defect"):
        Cell("typo")


def test_the_drift_defect_is_the_worlds_drift() -> None:
    """A drift of d is the applicants of the World drifting d a year, a year on, scored by
    the development model (the month-0 truth); the same economy as a run's out-of-time
    cohort with data.oot.drift = d; at d = 0 the pool itself."""
    pl = pool(SPEC)
    zero = cell_arrays(SPEC, Cell("drift", 0.0))
    np.testing.assert_array_equal(zero.true_pd, pl.true_pd)
    np.testing.assert_array_equal(zero.model_pd, pl.dev_pd)
    np.testing.assert_array_equal(zero.feature_codes, pl.feature_codes)
    later = drifted_world(BASELINE, 0.5).generate(SPEC.rows, SPEC.seed, month=DRIFT_MONTHS)
    drift = cell_arrays(SPEC, Cell("drift", 0.5))
    np.testing.assert_array_equal(drift.true_pd, later["true_pd"].to_numpy())
    np.testing.assert_allclose(drift.model_pd, BASELINE.truth(0).pd(later))
    assert not np.array_equal(drift.feature_codes, pl.feature_codes)  # incomes moved
    cfg = C.resolve({"name": "d", "data": {"oot": {"drift": 0.5, "months_later": 12}}})
    run = run_world(cfg)
    assert run.scenario_at(12) == drifted_world(pool_spec(cfg).world, 0.5).scenario_at(12)


def test_under_label_noise_the_model_and_defects_see_the_recorded_pd() -> None:
    """The development model is the Bayes predictor of the recorded label; the factor
    defects scale it; a lost driver is lost from the truth, then mapped. Fails before the
    port, where the model was the true PD while outcomes were recorded labels."""
    pl = pool(NOISY_SPEC)
    np.testing.assert_allclose(pl.dev_pd, NOISY.recorded_pd(pl.true_pd))
    none = cell_arrays(NOISY_SPEC, Cell("none"))
    np.testing.assert_array_equal(none.model_pd, pl.dev_pd)
    np.testing.assert_allclose(cell_arrays(NOISY_SPEC, Cell("pd_scale", 0.8)).model_pd,
                               0.8 * pl.dev_pd)
    lost = cell_arrays(NOISY_SPEC, Cell("lost_driver", 1.0)).model_pd
    assert lost.min() >= NOISY.label_noise * NOISY.bad_rate  # a recorded-label PD
    assert lost.mean() == pytest.approx(pl.dev_pd.mean(), rel=1e-9)
    study = run_power(NOISY_SPEC, [Cell("none")], [5000], 100, 4, alpha=0.05, thresholds=TH)
    rate = study.rates.set_index("test")
    for test in ("hosmer_lemeshow", "binomial", "jeffreys", "spiegelhalter"):
        # at or under the level (Holm is conservative); the true PD as model: 74 to 100 %
        assert rate.loc[test, "ci_low"] < 0.05 and rate.loc[test, "rate"] < 0.1, test


def test_a_config_pool_is_its_runs_world_at_month_zero() -> None:
    cfg = C.resolve({"name": "w", "data": {"world": "interacting", "bad_rate": 0.08,
                                           "truth": {"label_noise": 0.1},
                                           "oot": {"scenario": "downturn", "drift": 0.5}}})
    world = pool_spec(cfg).world
    assert world == run_world(cfg).without_calendar()
    assert (world.shape, world.bad_rate, world.label_noise) == ("interacting", 0.08, 0.1)
    assert world.changes == () and world.drift == 0.0


def test_a_task_is_the_same_whoever_runs_it() -> None:
    a = simulate(SPEC, Cell("pd_scale", 0.8), 500, 4, seed=9)
    b = simulate(SPEC, Cell("pd_scale", 0.8), 500, 4, seed=9)
    c = simulate(SPEC, Cell("pd_scale", 0.8), 500, 4, seed=10)
    assert a["cpu_s"][0] > 0
    for key in set(a) - {"cpu_s"}:  # everything but the time it took
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["dr"], c["dr"])
    cells = [Cell("none"), Cell("correlation", 0.05)]
    here = run_power(SPEC, cells, [400], 3, 9, alpha=0.05, thresholds=TH)
    with ThreadPoolExecutor(2) as executor:  # any executor: tasks carry their own seed
        there = run_power(SPEC, cells, [400], 3, 9, alpha=0.05, thresholds=TH,
                          executor=executor)
    pd.testing.assert_frame_equal(here.rates, there.rates)


def test_what_each_defect_triggers() -> None:
    cells = [Cell("none"), Cell("pd_scale", 0.5), Cell("lost_driver", 1.0),
             Cell("drift", 0.6), Cell("correlation", 0.1)]
    study = run_power(SPEC, cells, [5000], 30, 1, alpha=0.05, thresholds=TH)
    rate = study.rates.set_index(["kind", "test"])["rate"]
    assert rate[("pd_scale", "jeffreys_portfolio")] > 0.9  # halved PDs: caught
    assert rate[("pd_scale", "migration")] > 0.9  # everyone moves to safer grades
    assert rate[("none", "migration")] == 0.0  # same model, same grades: nobody moves
    # the truth has many drivers: losing the strongest costs about 0.014 of AUC, which the
    # decline test sees in some samples of 5,000; the grades it scatters are always seen
    assert rate[("lost_driver", "auc_decline")] > rate[("none", "auc_decline")] + 0.1
    assert rate[("lost_driver", "migration_rule")] == 1.0
    assert rate[("drift", "psi")] > 0.9 and rate[("drift", "migration")] == 0.0
    cells_ = study.cells.set_index("kind")
    # the economy moved on and the development model did not: it understates
    assert cells_.loc["drift", "dr_mean"] > cells_.loc["drift", "mean_pd"] + 0.003
    # a common factor: the default rate spreads far more than the binomial says
    assert cells_.loc["correlation", "dr_sd"] > 2 * cells_.loc["correlation", "binomial_sd"]
    assert cells_.loc["none", "dr_sd"] < 1.5 * cells_.loc["none", "binomial_sd"]
    assert cells_.loc["lost_driver", "auc_mean"] < cells_.loc["none", "auc_mean"] - 0.008


def test_summaries_count_alarms_with_clopper_pearson_intervals() -> None:
    raw = {"auc": np.zeros(4), "dr": np.full(4, 0.04), "mean_pd": np.full(4, 0.04),
           "psi_value": np.array([0.0, 0.2, 0.0, 0.3]), "csi_max": np.zeros(4),
           "mwb": np.zeros(4)}
    for name in ("auc_decline", "binomial_portfolio", "jeffreys_portfolio", "hosmer_lemeshow",
                 "spiegelhalter", "psi", "csi", "hhi", "migration"):
        raw[name] = np.array([0.01, 0.2, np.nan, 0.04])
    grades = np.array([[0.001, 0.5, np.nan], [0.03, 0.04, 0.5], [0.9, 0.9, 0.9],
                       [0.2, 0.3, 0.4]])
    for name in ("binomial", "jeffreys", "normal"):
        raw[f"{name}_grades"] = grades
    rates, _ = summarise({(Cell("none"), 100): raw}, 0.05, TH)
    r = rates.set_index("test")
    assert r.loc["psi", "alarms"] == 2 and r.loc["psi", "trials"] == 4  # NaN is no alarm
    assert r.loc["psi_rule", "alarms"] == 2
    assert r.loc["binomial_any", "alarms"] == 2
    # Holm's first step: row 1 has min 0.001 < 0.05 / 2 (two grades tested); row 2 has
    # 0.03 > 0.05 / 3
    assert r.loc["binomial", "alarms"] == 1
    assert (r.loc["binomial_grade", "alarms"], r.loc["binomial_grade", "trials"]) == (3, 11)
    low, high = proportion_confint(2, 4, method="beta")
    assert (r.loc["psi", "ci_low"], r.loc["psi", "ci_high"]) == pytest.approx((low, high))


def test_detectable_interpolates_between_studied_sizes() -> None:
    rows = [("none", 0.0, 0.05), ("pd_scale", 0.9, 0.5), ("pd_scale", 0.8, 0.9),
            ("pd_scale", 1.2, 0.0)]
    rates = pd.DataFrame([{"kind": k, "size": s, "n": 1000, "test": "spiegelhalter", "rate": r}
                          for k, s, r in rows])
    found = detectable(rates, 1000, tests=("spiegelhalter",)).iloc[0]
    # understatement 10 % -> 50 %, 20 % -> 90 %: 80 % power at 10 + 10 * 0.3 / 0.4 = 17.5 %
    assert found["smallest"] == pytest.approx(0.175)
    never = detectable(rates.assign(rate=0.1), 1000, tests=("spiegelhalter",)).iloc[0]
    assert never["smallest"] is None or math.isnan(never["smallest"])
    assert never["largest_studied"] == pytest.approx(0.2)


def test_cells_from_the_config_section() -> None:
    cells = cells_from(DEFAULTS["power"]["defects"])
    assert cells[0] == Cell("none")
    kinds = {c.kind for c in cells}
    assert kinds == {"none", "pd_scale", "grade_scale", "lost_driver", "drift", "correlation"}
    assert cells_from({"pd_scale": [], "drift": [0.1]}) == [Cell("none"), Cell("drift", 0.1)]


def test_default_rate_spread_under_a_common_factor() -> None:
    """rho = 0: the binomial spread; one PD for everyone: Vasicek's closed form with the
    bivariate normal (joint default probability of two borrowers)."""
    assert default_rate_sd(0.04, 0.0, 1000) == pytest.approx(math.sqrt(0.04 * 0.96 / 1000))
    t, rho = stats.norm.ppf(0.04), 0.05
    joint = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([t, t])
    want = math.sqrt((0.04 - joint) / 1000 + joint - 0.04**2)
    assert default_rate_sd(np.full(50, 0.04), rho, 1000) == pytest.approx(want, rel=1e-6)
    # the common part stays as the sample grows
    assert default_rate_sd(0.04 * np.ones(5), rho, 10**7) > 0.9 * math.sqrt(joint - 0.04**2)
    # label noise: the factor moves real defaults only, so its spread shrinks by 1 - noise
    noisy = default_rate_sd(np.full(50, 0.04), rho, 10**9, recorded=NOISY.recorded_pd)
    assert noisy == pytest.approx(0.8 * math.sqrt(joint - 0.04**2), rel=1e-3)
    assert default_rate_sd(0.04, 0.0, 1000, recorded=NOISY.recorded_pd) == pytest.approx(
        math.sqrt(0.04 * 0.96 / 1000))  # the noise draws at the bad rate: the mean stays


def test_false_alarm_words_follow_the_intervals() -> None:
    rates = pd.DataFrame([
        {"kind": "none", "size": 0.0, "n": 1000, "test": t, "rate": r, "ci_low": lo,
         "ci_high": hi, "trials": 200}
        for t, r, lo, hi in [("binomial_any", 0.3, 0.24, 0.36), ("spiegelhalter", 0.05, 0.03, 0.08),
                             ("binomial_grade", 0.03, 0.02, 0.04)]])
    table = false_alarm_table(rates, 0.05, ("binomial_any", "spiegelhalter", "binomial_grade"))
    assert list(table["verdict"]) == ["above", "at", "below"]
    said = false_alarm_sentences(table, 0.05)
    assert "above the nominal 5.00%" in said[0] and "any of the grades" in said[0]
    assert said[1].endswith("at the nominal 5.00%.") and reason("spiegelhalter", "at") == ""
    assert "below the nominal" in said[2] and "whole number" in said[2]
    zh = false_alarm_sentences(table, 0.05, "zh")
    assert "高于名义水平" in zh[0] and "低于名义水平" in zh[2]


def test_false_alarm_verdicts_are_claims_read_again_from_their_intervals() -> None:
    from riskkit.core.narrative import Narrative
    from riskkit.reporting.narration import check_claims

    rates = pd.DataFrame([
        {"kind": "none", "size": 0.0, "n": n, "test": "normal", "rate": r, "ci_low": lo,
         "ci_high": hi, "trials": 200}
        for n, r, lo, hi in [(1000, 0.05, 0.03, 0.08), (5000, 0.09, 0.06, 0.13)]])
    table = false_alarm_table(rates, 0.05, ("normal",))
    say = Narrative()
    [sentence] = false_alarm_sentences(table, 0.05, say=say)
    assert "at the nominal 5.00% or above the nominal 5.00% depending on the size" in sentence
    assert [c["word"] for c in say.record()["claims"]] == ["at the nominal 5.00%",
                                                          "above the nominal 5.00%"]
    assert check_claims(say.record()) == []


def _correlation(rates_by_n: dict[int, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rates = pd.DataFrame([{"kind": "correlation", "size": 0.05, "n": n, "test": "jeffreys_portfolio",
                           "rate": r, "ci_low": 0.0, "ci_high": 1.0, "trials": 200}
                          for n, r in rates_by_n.items()])
    cells = pd.DataFrame([{"kind": "correlation", "size": 0.05, "n": n, "dr_sd": 0.018,
                           "theory_sd": 0.017, "binomial_sd": 0.006} for n in rates_by_n])
    return rates, cells


@pytest.mark.parametrize(("rates_by_n", "said"), [
    ({1000: 0.22, 20000: 0.61}, "flags rose from 22.0 % to 61.0 % from samples of 1,000 to samples of 20,000"),
    ({1000: 0.30, 20000: 0.12}, "flags fell from 30.0 % to 12.0 % from samples of 1,000"),
    ({1000: 0.22}, "**Jeffreys, whole portfolio** flags 22.0% of samples of 1,000."),
])
def test_correlation_sentence_says_which_way_the_false_alarms_moved(rates_by_n, said) -> None:
    """Before, one size read 'flags 22.0% of samples of 1,000 and 22.0% of samples of 1,000'
    and two sizes gave both figures with no direction: a reader had to compare them."""
    from riskkit.core.narrative import Narrative
    from riskkit.reporting.narration import check_claims
    from riskkit.reporting.power_words import correlation_sentence

    rates, cells = _correlation(rates_by_n)
    say = Narrative()
    text = correlation_sentence(rates, cells, "jeffreys_portfolio", 0.05, say=say)
    assert said in text and "about 3.0 times the binomial spread of 0.600%" in text
    assert check_claims(say.record()) == []
    assert "倍" in correlation_sentence(rates, cells, "jeffreys_portfolio", 0.05, "zh")
