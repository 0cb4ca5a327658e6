"""Tests for riskkit.charts.population: the tables and charts of notebook 01."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

from riskkit.charts import RISK_DOWN, RISK_UP, TRUTH
from riskkit.charts import population as pc
from riskkit.charts.style import resolve_lang
from riskkit.core import features as F
from riskkit.synth import World

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(autouse=True)
def no_open_figures():
    with matplotlib.rc_context():
        yield
    assert plt.get_fignums() == []


def test_quantile_bins_keep_ties_and_split_the_rest() -> None:
    # 80 % zeros: plain quintile edges would put everyone in one group
    values = pd.Series([0] * 800 + [1] * 120 + [2] * 50 + [3] * 20 + [9] * 10, name="applications_30d")
    bins = pc.quantile_bins(values, q=5)
    assert list(bins.cat.categories) == ["0", "1", "2", "3", "9"]
    assert bins.cat.ordered
    # every distinct value lands in exactly one group
    assert values.groupby(bins, observed=True).nunique().eq(1).all()


def test_quantile_bins_of_a_continuous_column_are_quintiles() -> None:
    values = pd.Series(np.random.default_rng(3).gamma(2.0, 0.1, 10_000), name="income_volatility")
    bins = pc.quantile_bins(values, q=5)
    counts = bins.value_counts(sort=False)
    assert len(counts) == 5
    assert counts.between(1_950, 2_050).all()
    assert bins.cat.categories[0].startswith("0%")  # labels use the feature's own format
    # groups are ordered: every value of a group lies below every value of the next one
    highs = values.groupby(bins, observed=True).max().to_numpy()
    lows = values.groupby(bins, observed=True).min().to_numpy()
    assert (highs[:-1] < lows[1:]).all()


def test_quantile_bins_put_missing_values_last() -> None:
    values = pd.Series([1.0, 2.0, np.nan, 3.0, np.nan], name="months_since_last_overdue")
    bins = pc.quantile_bins(values, q=5)
    assert bins.cat.categories[-1] == "missing"
    assert (bins[values.isna()] == "missing").all()
    with pytest.raises(ValueError, match="at least 2"):
        pc.quantile_bins(values, q=1)
    with pytest.raises(ValueError, match="no numeric values"):
        pc.quantile_bins(pd.Series([np.nan, np.nan], name="x"))


def test_wilson_interval_matches_scipy() -> None:
    bads, counts = np.array([0, 3, 50, 200]), np.array([10, 40, 400, 200])
    low, high = pc.wilson_interval(bads, counts)
    for k, n, lo, hi in zip(bads, counts, low, high, strict=True):
        ci = stats.binomtest(int(k), int(n)).proportion_ci(method="wilson")
        assert lo == pytest.approx(ci.low, abs=1e-9)
        assert hi == pytest.approx(ci.high, abs=1e-9)


def test_wilson_interval_holds_the_rate_so_error_bars_are_never_negative() -> None:
    """Zero bads of 290 gave a lower bound of 8.7e-19 above the rate 0: plot_bad_rate_by_segment
    raised "'xerr' must not contain negative values" (notebook 01, 3,000 rows, seed 11)."""
    bads = np.array([0, 290, 0, 1, 7])
    counts = np.array([290, 290, 1, 3, 1000])
    low, high = pc.wilson_interval(bads, counts)
    rate = bads / counts
    assert (rate - low >= 0).all() and (high - rate >= 0).all()
    assert low[0] == 0 and high[1] == 1
    frame = pd.DataFrame({"segment": ["a"] * 290 + ["b"] * 10, F.TARGET: [0] * 290 + [1] * 10})
    pc.plot_bad_rate_by_segment(frame, "segment")  # raised on the code before


def test_bad_rate_table_counts_rates_and_truth(population: pd.DataFrame) -> None:
    table = pc.bad_rate_table(population, "occupation")
    assert table["count"].sum() == len(population)
    assert table["share"].sum() == pytest.approx(1.0)
    student = population[population["occupation"] == "student"]
    assert table.loc["student", "bad_rate"] == pytest.approx(student[F.TARGET].mean())
    assert table.loc["student", "mean_true_pd"] == pytest.approx(student["true_pd"].mean())
    assert (table["ci_low"] <= table["bad_rate"]).all() and (table["bad_rate"] <= table["ci_high"]).all()
    # the truth ranks the segments the way the design says: students riskier than state jobs
    assert table.loc["student", "mean_true_pd"] > 3 * table.loc["state_owned", "mean_true_pd"]


def test_truth_rises_along_each_key_driver(population: pd.DataFrame) -> None:
    for column in pc.KEY_DRIVERS:
        table = pc.truth_by_quantile(population, column)
        assert len(table) >= 3, column
        assert table["mean_true_pd"].is_monotonic_increasing, column


def test_true_contribution_table_splits_the_mean(population: pd.DataFrame) -> None:
    table = pc.true_contribution_table(population)
    assert set(table.index) == set(F.MODEL_FEATURES)
    assert (table["raises"] >= 0).all() and (table["lowers"] <= 0).all()
    np.testing.assert_allclose(table["raises"] - table["lowers"], table["mean_abs"])
    assert table.loc["city_tier", "mean_abs"] == 0  # no true effect, by design
    assert table.index[0] == "income_volatility"


def test_population_summary_recovers_the_base_logit(population: pd.DataFrame) -> None:
    summary = pc.population_summary(population)
    assert summary["rows"] == len(population)
    assert summary["bad_rate"] == pytest.approx(population[F.TARGET].mean())
    assert summary["base_logit"] == pytest.approx(BASELINE.truth().base_logit, abs=1e-9)
    assert 0.75 < summary["oracle_auc"] < 0.9


def test_data_card_describes_every_registry_column(population: pd.DataFrame) -> None:
    card = pc.data_card(population)
    assert list(card.index) == [f.name for f in F.FEATURES]
    assert card.loc["months_since_last_overdue", "missing"] != "0.0%"
    assert card.loc["monthly_income", "unit"] == "CNY/month"
    zh = pc.data_card(population, lang="zh")
    assert zh.loc["monthly_income", "description"] == F.get("monthly_income").description_zh


def _title(ax) -> str:
    return next((ax.get_title(loc) for loc in ("left", "center", "right") if ax.get_title(loc)), "")


def _check(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    assert fig.get_suptitle() or _title(fig.axes[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png", dpi=40)


def test_segment_chart_draws_rates_truth_and_sizes(population: pd.DataFrame) -> None:
    fig = pc.plot_bad_rate_by_segment(population, "occupation")
    _check(fig)
    ax = fig.axes[0]
    assert _title(ax) == "Bad rate by occupation"
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0].startswith("state-owned employer (n=") and len(ticks) == len(F.OCCUPATIONS)
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches}
    assert colours == {RISK_UP}
    truth = [line for line in ax.get_lines() if line.get_color() == TRUTH]
    assert truth and truth[0].get_linestyle() == "None"  # markers: segments are not a series


def test_small_multiples_and_contributions(population: pd.DataFrame) -> None:
    columns = ["age", "occupation", "income_volatility", "applications_30d", "credit_utilization"]
    dist = pc.plot_distributions(population, columns, ncols=3)
    _check(dist)
    assert sum(ax.get_visible() for ax in dist.axes) == len(columns)
    notes = [t.get_text() for ax in dist.axes for t in ax.texts]
    assert any("missing" in n for n in notes)  # credit utilisation: no card is missing

    truth = pc.plot_truth_by_quantile(population)
    _check(truth)
    assert len(truth.axes) == len(pc.KEY_DRIVERS)
    for ax in truth.axes:
        assert any(line.get_linestyle() == "--" and line.get_color() == TRUTH for line in ax.get_lines())

    contrib = pc.plot_true_contributions(population)
    _check(contrib)
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in contrib.axes[0].patches}
    assert colours == {RISK_UP, RISK_DOWN}
    assert any(t.get_text() == "no true effect" for t in contrib.axes[0].texts)


def test_charts_draw_into_callers_axes_and_reject_bad_input(population: pd.DataFrame) -> None:
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert pc.plot_bad_rate_by_segment(population, "city_tier", ax=left) is fig
    assert pc.plot_true_contributions(population, max_features=5, ax=right) is fig
    assert len(right.patches) == 10
    with pytest.raises(KeyError, match="not in the frame"):
        pc.plot_bad_rate_by_segment(population, "no_such_column")
    with pytest.raises(ValueError, match="at least one column"):
        pc.plot_distributions(population, [])


def test_chinese_labels_when_a_cjk_font_exists(population: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lang = resolve_lang("zh")
    fig = pc.plot_truth_by_quantile(population, ["applications_30d"], lang="zh")
    expected = pc.CHARTS("population.quantile_title", lang)
    assert fig.get_suptitle() == expected
