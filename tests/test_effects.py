"""Feature effects and drift: model curves against the truth, approvals, the downturn book."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from riskkit import charts
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.evaluate import effects
from riskkit.experiment import config as C
from riskkit.experiment.splits import run_world
from riskkit.models import LGBMModel, OracleModel
from riskkit.policy import Policy, drift
from riskkit.synth import World

NOTEBOOK_FEATURES = ["income_volatility", "applications_30d", "applications_90d", "loans_12m",
                     "active_platforms", "overdue_count_24m", "max_dpd_24m"]

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def splits(population: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {"train": population.iloc[:12_000], "valid": population.iloc[12_000:16_000],
            "test": population.iloc[16_000:]}


@pytest.fixture(scope="module")
def oracle(splits) -> OracleModel:
    tr = splits["train"]
    return OracleModel(world=BASELINE).fit(tr, tr[F.TARGET])


@pytest.fixture(scope="module")
def lgbm(splits) -> LGBMModel:
    # one thread: a busy machine makes LightGBM's OpenMP threads spin for tens of seconds
    tr, va = splits["train"], splits["valid"]
    return LGBMModel(num_threads=1, params={"learning_rate": 0.1}).fit(
        tr, tr[F.TARGET], X_valid=va, y_valid=va[F.TARGET])


@pytest.fixture(scope="module")
def policy(splits, lgbm) -> Policy:
    va = splits["valid"]
    return Policy().fit(va, lgbm.predict_pd(va))


# ----------------------------------------------------------------------------- grids
def test_grids_follow_the_feature_kind(population):
    counts = effects.feature_grid(population["max_dpd_24m"], "max_dpd_24m", n_grid=20)
    assert np.array_equal(counts, np.round(counts)) and len(counts) <= 20
    assert counts[0] == 0 and np.all(np.diff(counts) > 0)
    small = effects.feature_grid(population["overdue_count_24m"], "overdue_count_24m")
    assert np.array_equal(small, np.arange(small[-1] + 1))  # every whole number, none skipped
    levels = effects.feature_grid(population["occupation"], "occupation")
    assert list(levels) == list(F.OCCUPATIONS)
    vol = effects.feature_grid(population["income_volatility"], "income_volatility", n_grid=15)
    x = population["income_volatility"]
    assert len(vol) == 15 and x.quantile(0.005) <= vol[0] < vol[-1] <= x.quantile(0.995)
    since = effects.feature_grid(population["months_since_last_overdue"], "months_since_last_overdue")
    assert not np.isnan(since).any()


# ----------------------------------------------------------------------------- ICE / PD
@pytest.mark.parametrize("feature", ["income_volatility", "active_platforms", "occupation"])
@pytest.mark.parametrize("output", ["pd", "logit"])
def test_the_oracles_partial_dependence_is_the_true_effect(oracle, splits, feature, output):
    test = splits["test"]
    grid, ice, pdp = effects.partial_dependence(oracle, test, feature, sample=300, output=output)
    grid_t, ice_t, pdp_t = effects.true_effect(test, feature, grid, sample=300, output=output,
                                                 truth=BASELINE.truth())
    assert list(grid) == list(grid_t)
    np.testing.assert_allclose(ice, ice_t, rtol=0, atol=1e-12)
    np.testing.assert_allclose(pdp, pdp_t, rtol=0, atol=1e-12)


def test_ice_shape_mean_and_the_observed_point(lgbm, splits):
    test = splits["test"]
    grid, ice, pdp = effects.partial_dependence(lgbm, test, "applications_30d", sample=250, seed=4)
    assert ice.shape == (250, len(grid)) and pdp.shape == (len(grid),)
    np.testing.assert_allclose(pdp, ice.mean(axis=0))
    # each ICE curve passes through the row's own prediction at its own value
    rows = effects.sample_rows(test, 250, seed=4)
    own = rows["applications_30d"].to_numpy()
    inside = np.isin(own, grid)
    at_own = ice[inside, np.searchsorted(grid, own[inside])]
    np.testing.assert_allclose(at_own, lgbm.predict_pd(rows)[inside], rtol=1e-12)
    again = effects.partial_dependence(lgbm, test, "applications_30d", sample=250, seed=4)[1]
    assert np.array_equal(ice, again)
    all_rows = effects.partial_dependence(lgbm, test.head(50), "applications_30d", sample=None)[1]
    assert all_rows.shape[0] == 50


def test_chunking_does_not_change_the_curves(lgbm, splits, monkeypatch):
    test = splits["test"]
    whole = effects.partial_dependence(lgbm, test, "loans_12m", sample=300)[1]
    monkeypatch.setattr(effects, "CHUNK_ROWS", 37)
    np.testing.assert_array_equal(effects.partial_dependence(lgbm, test, "loans_12m",
                                                             sample=300)[1], whole)


@pytest.mark.parametrize("feature", NOTEBOOK_FEATURES)
def test_constrained_lgbm_never_moves_against_the_registry(lgbm, splits, feature):
    assert effects.monotonicity_violations(lgbm, splits["test"], feature, sample=300) == 0.0


class _Backwards:
    """A fake model whose risk *falls* with applications: every curve violates."""

    features_ = F.MODEL_FEATURES

    def predict_logit(self, frame: pd.DataFrame) -> np.ndarray:
        return -frame["applications_30d"].to_numpy(dtype=float)

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        return 1 / (1 + np.exp(-self.predict_logit(frame)))


def test_monotonicity_violations_are_detected(splits):
    test = splits["test"]
    assert effects.monotonicity_violations(_Backwards(), test, "applications_30d", sample=100) == 1.0
    assert np.isnan(effects.monotonicity_violations(_Backwards(), test, "occupation", sample=100))


def test_interaction_truth_is_steeper_in_volatile_industries(oracle, splits):
    table = effects.interaction(oracle, splits["test"], sample=200, n_grid=8,
                                levels=["state_owned", "freelancer"], truth=oracle.truth_)
    np.testing.assert_allclose(table["model"], table["truth"], atol=1e-12)
    rise = table.groupby("occupation")["truth"].agg(lambda s: s.iloc[-1] - s.iloc[0])
    assert rise["freelancer"] > rise["state_owned"] > 0
    assert set(table.columns) == {"occupation", "income_volatility", "model", "truth"}


def test_a_run_config_s_world_truth_is_the_oracles_truth(oracle):
    config = C.resolve({"data": {"bad_rate": 0.04, "scenario": "baseline"}})
    assert run_world(config).truth() == oracle.truth_
    downturn = run_world(C.resolve({"data": {"bad_rate": 0.04, "scenario": "downturn"}})).truth()
    assert downturn.macro_logit > 0 and downturn.intercept == oracle.truth_.intercept


def test_effect_summary_and_oracle_gap(oracle, lgbm, splits):
    test = splits["test"]
    summary = effects.effect_summary(oracle, test, ["income_volatility", "max_dpd_24m"], sample=200,
                                     truth=oracle.truth_)
    assert (summary["rmse_vs_truth"] < 1e-12).all() and (summary["true_effect"] > 0).all()
    assert (summary["monotonicity_violations"] == 0).all()
    gap = effects.oracle_gap({"oracle": oracle, "lgbm": lgbm}, test, approval_rate=0.75)
    assert gap.loc["oracle", "share_of_oracle_gini"] == 1.0
    assert gap.loc["oracle", "rmse_logit_vs_truth"] == 0.0
    assert 0.8 < gap.loc["lgbm", "share_of_oracle_gini"] < 1.05
    assert gap.loc["lgbm", "corr_logit_vs_truth"] > 0.8


# ----------------------------------------------------------------------------- contributions
def test_dependence_pairs_model_and_true_contributions(lgbm, splits):
    test = splits["test"].head(500)
    dep = effects.dependence(lgbm, test, "active_platforms")
    assert list(dep.columns) == ["value", "model", "truth"] and len(dep) == 500
    np.testing.assert_allclose(dep["truth"], test[F.contrib_column("active_platforms")])
    np.testing.assert_allclose(dep["model"], lgbm.contributions(test)["active_platforms"])
    # without the true_contrib__ columns the frame's world's truth recomputes them, exactly;
    # without that truth there is nothing to recompute them from
    bare = test.drop(columns=[c for c in test.columns if c.startswith(F.CONTRIB_PREFIX)])
    again = effects.dependence(lgbm, bare, "active_platforms", truth=BASELINE.truth())
    np.testing.assert_allclose(again["truth"], dep["truth"], atol=1e-12)
    with pytest.raises(ConfigError, match="needs the frame's truth"):
        effects.dependence(lgbm, bare, "active_platforms")


# ----------------------------------------------------------------------------- approvals
def test_approval_by_feature_adds_up(lgbm, policy, splits):
    test = splits["test"]
    dec = policy.decide(test, lgbm.predict_pd(test))
    approved = (dec["decision"] == "approved").to_numpy()
    for feature in ("applications_30d", "occupation", "months_since_last_overdue"):
        table = effects.approval_by_feature(test, dec, feature, n_bins=8)
        assert table["count"].sum() == len(test)
        assert table["share"].sum() == pytest.approx(1.0)
        assert (table["count"] * table["approval_rate"]).sum() == pytest.approx(approved.sum())
        bads = (table["count"] * table["approval_rate"] * table["bad_rate_approved"]).sum()
        assert bads == pytest.approx(test[F.TARGET].to_numpy()[approved].sum())
    since = effects.approval_by_feature(test, dec, "months_since_last_overdue")
    assert since["bin"].iloc[-1] == effects.MISSING_BIN


def test_approval_by_feature_matches_a_runs_decisions_by_id(lgbm, policy, splits):
    test = splits["test"]
    dec = policy.decide(test, lgbm.predict_pd(test))
    by_position = effects.approval_by_feature(test, dec, "active_platforms", reference=dec)
    run_like = dec.assign(applicant_id=test[F.ID_COLUMN].to_numpy()).sample(frac=1, random_state=0)
    by_id = effects.approval_by_feature(test, run_like, "active_platforms")
    pd.testing.assert_series_equal(by_id["approval_rate"], by_position["approval_rate"])
    assert (by_position["approval_rate_truth"] == by_position["approval_rate"]).all()
    lowest = by_position["bin"].iloc[0]
    assert lowest == "0"  # bins in value order, ties kept together
    assert by_position["approval_rate"].iloc[0] > by_position["approval_rate"].iloc[-1]


def test_effect_charts_return_figures(oracle, lgbm, policy, splits):
    test = splits["test"]
    dec = policy.decide(test, lgbm.predict_pd(test))
    table = effects.approval_by_feature(test, dec, "loans_12m", reference=dec)
    fig = charts.plot_approval_by_feature(table, "loans_12m")
    assert isinstance(fig, Figure) and fig.axes[0].get_title()
    inter = effects.interaction(oracle, test, sample=50, n_grid=5, truth=oracle.truth_)
    fig = charts.plot_interaction(inter)
    assert isinstance(fig, Figure) and len(fig.axes[0].get_lines()) == 2 * len(F.OCCUPATIONS)


# ----------------------------------------------------------------------------- drift
@pytest.fixture(scope="module")
def downturn() -> pd.DataFrame:
    cfg = {"seed": 11, "data": {"rows": 20_000, "bad_rate": 0.04, "split": {"test": 0.2}}}
    return drift.downturn_cohort(BASELINE, cfg["seed"], 4000)


def test_downturn_cohort_is_riskier_and_its_own(downturn, population):
    assert len(downturn) == 4000
    assert downturn[F.ID_COLUMN].min() > drift.DOWNTURN_ID_OFFSET
    assert downturn["true_pd"].mean() > population["true_pd"].mean() * 1.3
    assert downturn["income_volatility"].mean() > population["income_volatility"].mean()


def test_stability_flags_the_downturn_not_the_baseline(lgbm, splits, downturn):
    psi, csi = drift.stability(lgbm, splits["train"], {"test": splits["test"], "downturn": downturn})
    assert psi["test"] < 0.05 < psi["downturn"]
    assert list(csi.columns) == ["test", "downturn"] and set(csi.index) == set(F.MODEL_FEATURES)
    assert csi["downturn"].max() > 0.1 > csi["test"].max()
    assert csi.max(axis=1).is_monotonic_decreasing


def test_calibration_drift_shows_pd_short_of_the_bad_rate(lgbm, splits, downturn):
    table = drift.calibration_drift(lgbm, {"test": splits["test"], "downturn": downturn})
    assert table.loc["downturn", "mean_true_pd"] > table.loc["downturn", "mean_pd"]
    assert table.loc["downturn", "mean_pd"] > table.loc["test", "mean_pd"]
    assert 0.6 < table.loc["test", "bad_rate_over_pd"] < 1.5


def test_cutoff_table_is_a_sane_menu(lgbm, policy, splits):
    table = drift.cutoff_table(policy, lgbm, splits["test"], fit_frame=splits["valid"],
                               lgd=0.5)
    assert list(table.index) == list(drift.APPROVAL_TARGETS)
    for column in ("cutoff_pd", "approval_rate", "approved", "total_line", "expected_loss"):
        assert table[column].is_monotonic_increasing, column
    assert table["bad_rate_approved"].iloc[-1] > table["bad_rate_approved"].iloc[0]
    assert (table["approval_rate"] < table.index.to_numpy()).all()  # knock-outs come first
    row = table.loc[0.75]
    again = drift.book(policy.with_cutoff(row["cutoff_pd"]), splits["test"],
                       lgbm.predict_pd(splits["test"]), lgd=0.5)
    assert again["approved"] == row["approved"] and again["total_line"] == row["total_line"]


def test_the_lender_tightens_in_a_downturn(lgbm, policy, splits, downturn):
    table = drift.policy_under_drift(policy, lgbm, splits["test"], downturn)
    base, old, volume, risk = table.index
    assert table.loc[old, "cutoff_pd"] == table.loc[base, "cutoff_pd"] == policy.cutoff
    assert table.loc[old, "bad_rate_approved"] > table.loc[base, "bad_rate_approved"]
    assert table.loc[risk, "cutoff_pd"] < policy.cutoff
    assert table.loc[risk, "bad_rate_approved"] <= table.loc[base, "bad_rate_approved"] + 1e-12
    assert table.loc[risk, "approval_rate"] < table.loc[old, "approval_rate"]
    assert table.loc[volume, "approval_rate"] >= table.loc[old, "approval_rate"]
