"""Lifecycle analysis: the lost-line cohort and its causes, storylines, selection bias, files."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.io import read_json
from riskkit.lifecycle import analysis as LA
from riskkit.lifecycle import simulation as L
from riskkit.lifecycle.story import before_story
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World

#: A young internet worker with a volatile income and little history, written out here so
#: the storyline is tested without riskkit.synth.personas.
APPLICANT: dict[str, object] = {
    "age": 25, "gender": "male", "occupation": "internet_industry", "city_tier": 2,
    "monthly_income": 7_500.0, "income_volatility": 0.40, "applications_30d": 4,
    "applications_90d": 6, "active_platforms": 2, "loans_12m": 1, "overdue_count_24m": 0,
    "max_dpd_24m": 0, "months_since_last_overdue": np.nan, "current_overdue": 0,
    "credit_history_months": 8, "outstanding_debt": 0.0, "debt_to_income": 0.0,
    "credit_utilization": 0.55, "deposit_assets": 3_000.0, "has_housing_fund": 0,
    "requested_amount": 3_000.0, "loan_purpose": "consumption",
}

BASELINE = World("baseline", 0.04)  # the world these tests draw from


def applicant_row(**changes: object) -> pd.DataFrame:
    values = {**APPLICANT, **changes}
    cols = {}
    for feat in F.FEATURES:
        value = values[feat.name]
        cols[feat.name] = (pd.Categorical([value], categories=list(feat.categories or ()))
                           if feat.is_categorical else [value])
    return pd.DataFrame(cols)


@pytest.fixture(autouse=True)
def no_open_figures():
    yield
    assert plt.get_fignums() == []


@pytest.fixture(scope="module")
def lender():
    """The oracle with a fitted default policy: true risk, no training time."""
    pop = riskkit.generate(10_000, seed=101)
    model = make_model("oracle", world=BASELINE).fit(pop, pop[F.TARGET])
    return model, Policy.from_config({}).fit(pop, model.predict_pd(pop), pop[F.TARGET])


@pytest.fixture(scope="module")
def panel(lender):
    return L.simulate(4_000, 12, 7, *lender, world=BASELINE)


@pytest.fixture(scope="module")
def cohort(panel):
    return LA.borrowed_once_then_ineligible(panel, horizon=3)


# ----------------------------------------------------------------------------- cohort
def test_cohort_is_found_and_its_causes_sum_to_one(cohort):
    summary = cohort.summary
    assert summary["count"] > 20 and summary["count"] == len(cohort.members)
    assert 0 < summary["share"] < 1
    assert summary["share"] == pytest.approx(summary["count"] / summary["denominator"])
    assert sum(summary["causes"].values()) == pytest.approx(1.0)
    assert set(summary["causes"]) == set(LA.cause_names())
    shares = cohort.members[[f"share_{c}" for c in LA.cause_names()]].to_numpy()
    assert (shares >= 0).all()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert summary["causes"]["borrowing_frequency"] == max(summary["causes"].values())
    flow = cohort.flow
    assert flow["approved"] >= flow["borrowed_once"] >= flow["repaid_on_time"] >= flow["lost_line"]
    assert flow["lost_line"] == summary["count"] and flow["repaid_on_time"] == summary["denominator"]


def test_members_borrowed_once_repaid_on_time_and_lost_the_line(panel, cohort):
    drawn, line = panel.matrix("drawn"), panel.matrix("credit_line")
    repaid = panel.matrix("repaid")
    for m in cohort.members.itertuples():
        b = m.borrower_id - 1
        assert np.flatnonzero(drawn[:, b] > 0).tolist() == [m.draw_month]
        assert repaid[m.repay_month, b] and m.repay_month == m.draw_month + 1
        assert line[m.loss_month - 1, b] > 0 and line[m.loss_month, b] == 0
        assert m.draw_month < m.loss_month <= m.repay_month + 3
        assert (line[m.draw_month + 1:m.loss_month, b] > 0).all()


def test_log_odds_attribution_adds_up_to_the_lost_margin(panel, cohort):
    members = cohort.members[cohort.members["knockout"] == ""]
    assert len(members)
    n = panel.borrowers
    frame = panel.frame
    ids = members["borrower_id"].to_numpy() - 1
    before = frame.iloc[(members["loss_month"].to_numpy() - 1) * n + ids]
    after = frame.iloc[members["loss_month"].to_numpy() * n + ids]

    def logit(p):
        p = np.asarray(p, dtype=float)
        return np.log(p / (1 - p))

    margin_before = logit(before["cutoff"]) - logit(before["pd"])
    margin_after = logit(after["cutoff"]) - logit(after["pd"])
    assert (margin_before >= -1e-6).all() and (margin_after < 1e-6).all()
    deltas = members[[f"delta_{c}" for c in LA.cause_names()]].to_numpy().sum(axis=1)
    np.testing.assert_allclose(deltas, margin_before - margin_after, atol=1e-4)


def _two_month_panel(panel, lender, *, cutoff_after, knockout_after=""):
    """Borrower 1 of a real panel, frozen: same features both months, draws at month 0."""
    row = panel.frame[(panel.frame["borrower_id"] == 1) & (panel.frame["month"] == 0)]
    frame = pd.concat([row, row], ignore_index=True)
    frame["month"] = np.array([0, 1], dtype=np.int16)
    frame["credit_line"] = np.array([1_000.0, 0.0], dtype=np.float32)
    frame["drawn"] = np.array([50.0, 0.0], dtype=np.float32)
    frame["repaid"] = [False, True]
    frame["cutoff"] = np.array([0.05, cutoff_after], dtype=np.float32)
    frame["knockout"] = pd.Categorical(["", knockout_after],
                                       categories=["", "too_many_platforms"])
    return L.Panel(frame, {"borrowers": 1, "months": 2}, *lender)


def test_a_tighter_cutoff_alone_is_the_lenders_cause(panel, lender):
    small = _two_month_panel(panel, lender, cutoff_after=0.02)
    cohort = LA.borrowed_once_then_ineligible(small, horizon=1)
    assert cohort.summary["count"] == 1
    assert cohort.summary["causes"][LA.LENDER_CAUSE] == pytest.approx(1.0)
    assert cohort.members["delta_lender_tightening"].iloc[0] == pytest.approx(
        np.log(0.05 / 0.95) - np.log(0.02 / 0.98), rel=1e-5)


def test_a_knockout_is_attributed_to_its_features_group(panel, lender):
    small = _two_month_panel(panel, lender, cutoff_after=0.05,
                             knockout_after="too_many_platforms")
    causes = LA.borrowed_once_then_ineligible(small, horizon=1).summary["causes"]
    assert causes["multi_platform"] == 1.0 and sum(causes.values()) == 1.0


def test_an_unrepaid_or_repeated_borrower_is_not_in_the_cohort(panel, lender):
    small = _two_month_panel(panel, lender, cutoff_after=0.02)
    small.frame.loc[1, "repaid"] = False
    assert LA.borrowed_once_then_ineligible(small, horizon=1).summary["count"] == 0
    small = _two_month_panel(panel, lender, cutoff_after=0.02)
    small.frame.loc[1, "drawn"] = 10.0
    assert LA.borrowed_once_then_ineligible(small, horizon=1).summary["denominator"] == 0


# ----------------------------------------------------------------------------- storyline
def test_storyline_borrow_once_repay_then_line_goes_to_zero(lender):
    story = LA.storyline(applicant_row(), 6, *lender, seed=0, world=BASELINE)
    table = story.table
    assert len(table) == 6
    first = story.borrowed_month
    assert first is not None and table["credit_line"].iloc[first] > 0
    assert (table["drawn"] > 0).sum() == 1 and table["drawn"].iloc[first] == 50.0
    assert table["repaid"].iloc[first + 1]
    assert story.lost_line_month == first + 1
    loss = table.iloc[story.lost_line_month]
    assert loss["credit_line"] == 0 and loss["pd"] > loss["cutoff"]
    assert all(len(reasons) > 0 for reasons in table["reasons"])
    assert any("applications in the last 30 days" in r for r in loss["reasons"])
    assert any("Applications, last 30 days" in c for c in loss["changes"])
    assert [m for m, _ in story.events] == sorted(m for m, _ in story.events)
    assert "repaid on time" in {e for _, e in story.events}
    payload = story.to_dict()
    assert payload["lost_line_month"] == story.lost_line_month and len(payload["months"]) == 6
    assert "Month 0" in story.text()


def test_storyline_is_deterministic_and_uses_the_given_cutoffs(lender):
    one = LA.storyline(applicant_row(), 4, *lender, seed=3, world=BASELINE)
    two = LA.storyline(applicant_row(), 4, *lender, seed=3, world=BASELINE)
    pd.testing.assert_frame_equal(one.table, two.table)
    strict = LA.storyline(applicant_row(), 4, *lender, seed=3, cutoffs=[0.001] * 4, world=BASELINE)
    assert (strict.table["credit_line"] == 0).all() and strict.borrowed_month is None


def test_storyline_starts_before_the_story():
    start = before_story(applicant_row())
    assert start["applications_30d"].item() == 0 and start["applications_90d"].item() == 2
    assert start["loans_12m"].item() == 0 and start["active_platforms"].item() == 1


def test_storyline_refuses_bad_rows(lender):
    with pytest.raises(DataError):
        LA.storyline(pd.concat([applicant_row(), applicant_row()]), 4, *lender, world=BASELINE)
    with pytest.raises(DataError):
        LA.storyline(applicant_row().drop(columns=["loans_12m"]), 4, *lender, world=BASELINE)


def test_zhang_san_persona_storyline(lender):
    pytest.importorskip("riskkit.synth.personas")
    story = LA.storyline("zhang_san", 6, *lender, seed=0, world=BASELINE)
    assert story.persona == "zhang_san"
    assert story.borrowed_month is not None and story.lost_line_month is not None


def test_an_unknown_persona_is_an_error_never_another_borrowers_story(tmp_path, monkeypatch,
                                                                      lender):
    """`persona="wang_wu"` used to tell the first cohort member's story under that name."""
    with pytest.raises(ConfigError, match="unknown persona 'wang_wu'; known personas: "
                                          "zhang_san, li_si"):
        LA.storyline("wang_wu", 4, *lender, world=BASELINE)
    monkeypatch.setattr(L, "default_lender", lambda world, seed, rows=50_000: lender)
    out = tmp_path / "sim"
    with pytest.raises(ConfigError, match="known personas: zhang_san, li_si"):
        LA.run_simulation(out, 300, 3, 3, quiet=True, persona="wang_wu",
                          world=BASELINE)
    assert not out.exists()  # refused before the simulation ran


# ----------------------------------------------------------------------------- selection bias
def test_a_model_of_approved_borrowers_underestimates_the_rejected(lender):
    pop = riskkit.generate(12_000, seed=44)
    table = LA.selection_bias_experiment(pop, seed=1, lender=lender)
    assert list(table.index) == ["approved_only", "everyone"]
    only, everyone = table.loc["approved_only"], table.loc["everyone"]
    assert only["train_rows"] < everyone["train_rows"]
    assert only["train_bad_rate"] < everyone["train_bad_rate"]
    assert only["predicted_bad_rate_rejected"] < 0.7 * only["observed_bad_rate_rejected"]
    assert only["calibration_gap_rejected"] < everyone["calibration_gap_rejected"]


def test_selection_bias_from_a_panel(panel):
    table = LA.selection_bias_experiment(panel, seed=2)
    assert set(table.columns) >= {"auc_all", "auc_rejected", "calibration_gap_rejected"}
    assert table["observed_bad_rate_rejected"].nunique() == 1


# ----------------------------------------------------------------------------- charts + files
def test_figures(panel, cohort, lender):
    story = LA.storyline(applicant_row(), 5, *lender, world=BASELINE)
    summary = {**panel.summary, "borrowed_once_then_ineligible": cohort.summary,
               "cohort_flow": cohort.flow, "downturn_from": 4}
    figures = LA.lifecycle_figures(panel, summary, story)
    assert set(figures) == {"persona_credit_line", "persona_pd", "cohort_flow",
                            "lost_line_causes", "approval_and_cutoff"}
    for fig in figures.values():
        assert all(ax.get_title() for ax in fig.axes)
    texts = [t.get_text() for t in figures["persona_credit_line"].axes[0].texts]
    assert any("repaid on time" in t for t in texts)


def test_run_simulation_writes_everything(tmp_path, monkeypatch, lender):
    monkeypatch.setattr(L, "default_lender", lambda world, seed, rows=50_000: lender)
    out = tmp_path / "sim"
    summary = LA.run_simulation(out, 3_000, 8, 3, downturn_from=4, quiet=True,
                                world=BASELINE)
    assert (out / "panel.parquet").is_file() and (out / "summary.json").is_file()
    assert (out / LA.COHORT_FILE).is_file()
    for name in ("persona_credit_line", "cohort_flow", "approval_and_cutoff"):
        for fmt in ("png", "svg", "pdf"):
            assert (out / "figures" / f"{name}.{fmt}").is_file()
    written = read_json(out / "summary.json")
    cohort = written["borrowed_once_then_ineligible"]
    assert cohort["count"] > 0 and sum(cohort["causes"].values()) == pytest.approx(1.0)
    assert len(written["approval_rate_by_month"]) == len(written["cutoff_by_month"]) == 8
    assert written["storyline"]["months"] and written["selection_bias"]
    assert summary["borrowed_once_then_ineligible"] == cohort
    assert len(pd.read_parquet(out / "panel.parquet")) == 3_000 * 8
