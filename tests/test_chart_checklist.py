"""The chart checklist, automated: every chart riskkit draws, rendered small and exported,
has a title that names its subject, no text cut off at the figure's edge, no config key or
column name where a reader expects words, and no legend over its bars or points.

On the code before :mod:`riskkit.charts.checklist` the sweep charts (notebook 07) had no
title, config keys as axis labels and legends (``scorecard_test_auc_gap (rows=3000)``) and
a boolean on a 0.0-1.0 axis; the reject-inference charts (notebook 08) cut their titles off
and put the legend over the bars; notebooks 02 and 06 titled charts ": lgbm".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import riskkit
from riskkit import charts
from riskkit.charts import lifecycle as LC
from riskkit.charts import population as PC
from riskkit.charts.sweep import plot_sweep_metric, sweep_label
from riskkit.core import features as F
from riskkit.explain import to_shap
from riskkit.models import make_model
from riskkit.rejectinf import figures as RF
from riskkit.synth import World
from test_charts import PLOTS
from test_charts import data as _chart_data

METHODS = ["accepted_only", "reweighting", "parcelling", "full_information"]


def _study_table() -> pd.DataFrame:
    return pd.DataFrame([{"model": kind, "method": m, "auc_all": 0.75 + 0.01 * i,
                          "pred_bad_rate_rejects": 0.05 + 0.01 * i, "true_bad_rate_rejects": 0.09,
                          "true_bad_rate_approved": 0.03 + 0.002 * i}
                         for kind in ("scorecard", "lgbm") for i, m in enumerate(METHODS)])


def _loops() -> dict[str, pd.DataFrame]:
    months = np.arange(12)
    return {name: pd.DataFrame({"month": months, "auc_all": 0.8 + 0.01 * np.sin(months + j),
                                "reject_pd_bias": -0.02 + 0.001 * j * months,
                                "approval_rate": 0.5 + 0.0 * months,
                                "book_true_bad_rate": 0.03 + 0.001 * months})
            for j, name in enumerate(["never", "accepted_only", "parcelling"])}


SWEEP = pd.DataFrame({
    "data.truth.interaction_strength": [0.0, 1.0, 0.0, 1.0], "data.rows": [3000, 3000, 12000, 12000],
    "scorecard_test_auc_gap": [0.01, 0.03, 0.01, 0.02], "lgbm_test_auc_gap": [0.01, 0.015, 0.005, 0.01],
    "models.lgbm.monotone": [True, False, True, False], "data.world": ["additive", "interacting"] * 2,
    "oracle_test_auc": [0.83] * 4, "lgbm_test_auc": [0.80, 0.79, 0.81, 0.80],
    "scorecard_test_fidelity_top3": [0.6, 0.5, 0.6, 0.55], "lgbm_test_fidelity_top3": [0.7, 0.6, 0.7, 0.65]})


def _every_chart() -> dict[str, Figure]:
    data = _chart_data.__wrapped__()
    figs = {name: draw(data) for name, draw in PLOTS.items()}
    figs |= {f"08_{k}": v for k, v in RF.study_figures(_study_table(), "lgbm").items()}
    figs |= {f"08_{k}": v for k, v in RF.loop_figures(_loops()).items()}
    figs["07_auc_gap"] = plot_sweep_metric(SWEEP, "data.truth.interaction_strength",
                                           ["scorecard_test_auc_gap", "lgbm_test_auc_gap"],
                                           by=["data.rows"], ylabel="oracle AUC - model AUC (test)")
    figs["07_monotone"] = plot_sweep_metric(SWEEP.iloc[:2], "models.lgbm.monotone",
                                            ["oracle_test_auc", "lgbm_test_auc"], ylabel="test AUC")
    figs["07_fidelity"] = plot_sweep_metric(SWEEP.iloc[:2], "data.world",
                                            ["scorecard_test_fidelity_top3", "lgbm_test_fidelity_top3"])
    figs["05_causes"] = LC.cause_shares({"borrowing_frequency": 0.5, "multi_platform": 0.3,
                                         "lender_tightening": 0.2})
    figs["05_flow"] = LC.cohort_flow({"approved": 900, "borrowed_once": 300, "repaid_on_time": 250,
                                      "lost_line": 40})
    # notebook 02's pair of panels, three curves each: titled "Calibration: predicted PD vs.
    # observed bad rate: lgbm" per panel, the right one was clipped at the figure's edge
    reliability = Figure(figsize=(9.5, 3.9))
    for ax, name in zip(reliability.subplots(1, 2, sharey=True), ("Scorecard", "LightGBM"), strict=True):
        charts.plot_reliability({f"{name} (raw)": (data["y"], data["p"]),
                                 f"{name} (calibrated)": (data["y"], data["p"]),
                                 "oracle": (data["y"], data["p"])}, ax=ax)
        heading = ax.get_title(loc="left")
        ax.set_title(name, loc="left")
    reliability.suptitle(heading)
    figs["02_reliability"] = reliability
    # notebook 03's interaction: its legend named the occupations by their codes (state_owned)
    grid = np.linspace(0.0, 0.6, 5)
    figs["03_interaction"] = charts.plot_interaction(pd.DataFrame({
        "occupation": np.repeat(["state_owned", "private_salaried", "freelancer"], 5),
        "income_volatility": np.tile(grid, 3), "model": np.tile(2 * grid, 3) - 4,
        "truth": np.concatenate([k * grid for k in (1.5, 2.0, 3.0)]) - 4}))
    pop = World("baseline", 0.04).generate(3000, seed=5)  # notebook 01's charts
    figs["01_distributions"] = PC.plot_distributions(pop, ["age", "occupation", "monthly_income",
                                                           "applications_30d"])
    figs["01_bad_rate_by_occupation"] = PC.plot_bad_rate_by_segment(pop, "occupation")
    figs["01_true_pd_by_quintile"] = PC.plot_truth_by_quantile(pop, PC.KEY_DRIVERS)
    figs["01_true_contributions"] = PC.plot_true_contributions(pop)
    frame = riskkit.generate(1500, seed=3)
    model = make_model("lgbm", params={"n_estimators": 30}).fit(
        frame.iloc[:1000], frame[F.TARGET].iloc[:1000], X_valid=frame.iloc[1000:1300],
        y_valid=frame[F.TARGET].iloc[1000:1300])
    explanation = to_shap(model, frame.iloc[1300:1450])
    for kind in ("beeswarm", "waterfall", "heatmap"):
        figs[f"shap_{kind}"] = charts.plot_shap(explanation, kind)
    return figs


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Figure]:
    """Every chart as an analyst gets it: styled, with its source line, exported."""
    folder = tmp_path_factory.mktemp("charts")
    with charts.style_context("report"):
        figs = _every_chart()
        for name, fig in figs.items():
            charts.add_source_line(fig, "riskkit · run checklist-1 · seed 1")
            charts.export(fig, name, folder, formats=("png",), dpi=50)
    return figs


def test_every_chart_passes_the_checklist(exported) -> None:
    failures = {name: charts.figure_problems(fig) for name, fig in exported.items()}
    failures = {name: found for name, found in failures.items() if found}
    assert not failures, failures
    assert len(exported) >= 34


def test_the_checklist_sees_each_defect() -> None:
    """A chart with every defect: the checker names each (a checker that cannot fail proves
    nothing)."""
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.bar([0, 1, 2], [3, 3, 3], label="scorecard_test_auc_gap (rows=3000)")
    ax.legend(loc="center")
    ax.set_title(": lgbm", loc="left")
    ax.set_xlabel("data.truth.interaction_strength")
    fig.text(0.9, 0.5, "a note that runs past the right edge of the figure")
    ax.set_yticks([0, 1.5, 3])  # numbers nobody says the unit of
    found = "\n".join(charts.figure_problems(fig))
    for words in ("title lost its subject", "text clipped", "raw key 'scorecard_test_auc_gap'",
                  "raw key 'data.truth.interaction_strength'", "legend covers a bar",
                  "numeric y axis without a label"):
        assert words in found, (words, found)
    assert "numeric x axis" not in found  # labelled, though as a config key
    assert charts.figure_problems(Figure()) == ["no title"]
    named = Figure(figsize=(4, 3), layout="constrained")
    ax = named.add_subplot()
    ax.bar(["accepted only", "parcelling"], [0.03, 0.05])
    ax.set_title("Bad rate by method", loc="left")
    assert charts.figure_problems(named) == ["numeric y axis without a label in 'Bad rate by method'"]
    ax.set_ylabel("Bad rate (%)")
    assert charts.figure_problems(named) == []


def test_titles_keep_their_subject_and_long_ones_wrap() -> None:
    with charts.style_context("report"):
        fig = charts.plot_ks(np.r_[0, 1, 0, 1], np.r_[0.1, 0.8, 0.3, 0.6])
        subject = fig.axes[0].get_title(loc="left")
        assert charts.retitle(fig.axes[0], "lgbm") == f"{subject}: lgbm"
        long = Figure(figsize=(3, 2), layout="constrained")
        ax = long.add_subplot()
        ax.set_yticks([0, 1], ["a very long method name", "another"])
        ax.set_title("True bad rate of the approved, deployed at the incumbent's acceptance rate")
        assert charts.fit_titles(long) == 1 and "\n" in ax.get_title(loc="left")
        assert not [p for p in charts.figure_problems(long) if "clipped" in p]


def test_sweep_labels_speak_words() -> None:
    assert sweep_label("scorecard_test_auc_gap") == "Scorecard (test)"
    assert sweep_label("data.truth.interaction_strength") == "interaction strength"
    assert sweep_label("models.lgbm.monotone") == "monotone constraints"
    assert sweep_label("policy_approval_rate") == "approval rate"
    fig = plot_sweep_metric(SWEEP.iloc[:2], "models.lgbm.monotone", ["lgbm_test_auc"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["off", "on"]
    assert charts.checklist.figure_title(fig).startswith("AUC by monotone constraints")


def test_a_waterfall_names_a_category_level_in_words() -> None:
    """Notebook 04 at 20,000 rows drew 'Occupation = internet_industry' for Zhang San."""
    contributions = pd.Series({"occupation": 0.4, "applications_30d": 0.3})
    values = pd.Series({"occupation": "internet_industry", "applications_30d": 6})
    fig = charts.plot_waterfall(contributions, -3.0, values)
    ticks = " | ".join(t.get_text() for t in fig.axes[0].get_yticklabels())
    assert "= internet industry" in ticks and "internet_industry" not in ticks
    assert not [p for p in charts.figure_problems(fig) if "raw key" in p]
