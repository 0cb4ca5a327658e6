"""Tests for riskkit.evaluate: hand-computed examples, library cross-checks and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import roc_auc_score

from riskkit import evaluate as ev
from riskkit.core.errors import DataError


@pytest.fixture(scope="module")
def sample() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=4000)
    p = 1 / (1 + np.exp(-(x - 2)))
    y = (rng.random(x.size) < p).astype(int)
    return y, p


# ----------------------------------------------------------------- scalar metrics


def test_ks_hand_example() -> None:
    # goods at 0.1, 0.2, 0.6; bads at 0.3, 0.7, 0.8.
    # F_good - F_bad at each score: 1/3, 2/3, 1/3, 2/3, 1/3, 0 -> KS = 2/3.
    y = [0, 0, 1, 0, 1, 1]
    p = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8]
    assert ev.ks(y, p) == pytest.approx(2 / 3)
    table = ev.ks_table(y, p)
    assert table["gap"].round(12).tolist() == pytest.approx([1 / 3, 2 / 3, 1 / 3, 2 / 3, 1 / 3, 0])


def test_ks_matches_scipy(sample) -> None:
    y, p = sample
    expected = stats.ks_2samp(p[y == 1], p[y == 0], method="asymp").statistic
    assert ev.ks(y, p) == pytest.approx(expected)


def test_auc_matches_sklearn_and_mann_whitney(sample) -> None:
    y, p = sample
    assert ev.auc(y, p) == pytest.approx(roc_auc_score(y, p))
    u = stats.mannwhitneyu(p[y == 1], p[y == 0]).statistic
    assert ev.auc(y, p) == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))
    assert ev.gini(y, p) == pytest.approx(2 * ev.auc(y, p) - 1)


def test_brier_and_log_loss_by_hand() -> None:
    y = np.array([0, 1, 1, 0])
    p = np.array([0.2, 0.6, 0.9, 0.5])
    assert ev.brier(y, p) == pytest.approx(np.mean((p - y) ** 2))
    hand = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert ev.log_loss(y, p) == pytest.approx(hand)


def test_log_loss_clips_certain_mistakes() -> None:
    value = ev.log_loss([1, 0], [0.0, 0.0])
    assert math.isfinite(value)
    assert value == pytest.approx(-math.log(ev.LOG_LOSS_EPS) / 2, rel=1e-6)


def test_ece_zero_for_perfectly_calibrated_bins() -> None:
    # four groups of 100 whose observed bad rate equals their PD exactly
    p = np.repeat([0.1, 0.3, 0.5, 0.7], 100)
    y = np.concatenate([np.r_[np.ones(k), np.zeros(100 - k)] for k in (10, 30, 50, 70)])
    for n_bins in (1, 3, 4, 10):
        assert ev.ece(y, p, n_bins=n_bins) == pytest.approx(0.0, abs=1e-12)


def test_ece_known_gap() -> None:
    y = np.r_[np.ones(50), np.zeros(50)]
    assert ev.ece(y, np.full(100, 0.2)) == pytest.approx(0.3)


def test_classification_metrics_keys_and_types(sample) -> None:
    out = ev.classification_metrics(*sample)
    assert list(out) == ["auc", "gini", "ks", "brier", "log_loss", "ece"]
    assert all(type(v) is float for v in out.values())


def test_bad_input_lists_every_problem() -> None:
    with pytest.raises(DataError) as info:
        ev.brier([0, np.nan, 1], [0.1, 0.2, 1.5])
    message = str(info.value)
    assert "missing" in message and "[0, 1]" in message
    with pytest.raises(DataError, match="both goods"):
        ev.auc([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(DataError, match="rows"):
        ev.ks([0, 1], [0.1, 0.2, 0.3])


def test_accepts_nullable_and_series_inputs() -> None:
    y = pd.Series(pd.array([0, 1, 0, 1], dtype="Int64"), index=[9, 8, 7, 6])
    p = pd.Series([0.1, 0.8, 0.3, 0.6])
    assert ev.auc(y, p) == 1.0


# ----------------------------------------------------------------- stability


def test_psi_hand_example() -> None:
    expected = np.arange(10.0)  # two bins split at the median 4.5: shares 0.5 / 0.5
    actual = np.array([0, 0, 1, 1, 2, 2, 3, 3, 5, 6.0])  # shares 0.8 / 0.2
    hand = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert ev.psi(expected, actual, n_bins=2) == pytest.approx(hand)


def test_psi_counts_out_of_range_and_floors_empty_bins() -> None:
    expected = np.arange(10.0)
    actual = np.full(10, 100.0)  # everything beyond the training range -> upper bin
    eps = ev.PSI_EPS
    hand = (eps - 0.5) * math.log(eps / 0.5) + (1 - 0.5) * math.log(1 / 0.5)
    assert ev.psi(expected, actual, n_bins=2) == pytest.approx(hand)


def test_psi_keeps_ties_together() -> None:
    expected = np.r_[np.zeros(60), np.arange(1.0, 41.0)]  # 60 % point mass at zero
    assert ev.psi(expected, expected.copy()) == 0.0
    shifted = np.r_[np.zeros(30), np.arange(1.0, 71.0)]
    assert ev.psi(expected, shifted) > 0.1


def test_psi_missing_values_have_their_own_bin() -> None:
    base = np.arange(100.0)
    with_missing = np.where(base % 2 == 0, np.nan, base)
    assert ev.psi(base, with_missing) > 0.25


def test_csi_numeric_categorical_and_missing_columns() -> None:
    rng = np.random.default_rng(3)
    train = pd.DataFrame({
        "income": rng.lognormal(8, 0.5, 2000),
        "city": pd.Series(rng.choice(["a", "b"], 2000)),
        "flag": rng.random(2000) < 0.5,
    })
    same = train.sample(frac=1.0, random_state=1).reset_index(drop=True)
    out = ev.csi(train, same)
    assert list(out.index) == ["income", "city", "flag"]
    assert out.to_numpy() == pytest.approx(0.0)
    other = train.assign(
        income=train["income"] * 1.5,
        city=pd.Series(np.where(np.arange(2000) < 500, "new", train["city"])),
    )
    shifted = ev.csi(train, other, ["income", "city"])
    assert shifted["income"] > 0.25 and shifted["city"] > 0.25
    with pytest.raises(DataError) as info:
        ev.csi(train, other.drop(columns="flag"), ["flag", "nope"])
    assert "'flag'" in str(info.value) and "'nope'" in str(info.value)


# ----------------------------------------------------------------- tables


def test_reliability_table(sample) -> None:
    y, p = sample
    table = ev.reliability_table(y, p, n_bins=10)
    assert table["count"].sum() == len(y)
    assert len(table) == 10
    assert table["mean_pd"].is_monotonic_increasing
    inside = (table["ci_low"] <= table["observed_rate"]) & (table["observed_rate"] <= table["ci_high"])
    assert inside.all()


def test_roc_curve_points(sample) -> None:
    roc = ev.roc_curve_points(*sample)
    assert roc[["fpr", "tpr"]].iloc[0].tolist() == [0.0, 0.0]
    assert roc[["fpr", "tpr"]].iloc[-1].tolist() == [1.0, 1.0]
    assert np.trapezoid(roc["tpr"], roc["fpr"]) == pytest.approx(ev.auc(*sample))


def test_gains_table(sample) -> None:
    y, p = sample
    table = ev.gains_table(y, p)
    assert table["decile"].tolist() == list(range(1, 11))
    assert table["p_min"].is_monotonic_decreasing  # riskiest first
    assert table["cum_capture"].is_monotonic_increasing
    assert table["cum_capture"].iloc[-1] == pytest.approx(1.0)
    assert table["cum_share"].iloc[-1] == pytest.approx(1.0)
    assert table["cum_lift"].iloc[-1] == pytest.approx(1.0)
    assert table["lift"].iloc[0] > 1.5
    assert table["bads"].sum() == y.sum()


def test_strategy_curve(sample) -> None:
    y, p = sample
    curve = ev.strategy_curve(y, p, n_points=101)
    assert len(curve) == 101
    assert curve["cutoff"].is_monotonic_increasing
    assert np.all(np.diff(curve["approval_rate"]) > 0)
    assert curve["approval_rate"].iloc[-1] == 1.0
    assert curve["bad_rate_approved"].iloc[-1] == pytest.approx(y.mean())
    row = curve.iloc[50]
    approved = p <= row["cutoff"]
    assert row["approval_rate"] == approved.mean()
    assert row["bad_rate_approved"] == pytest.approx(y[approved].mean())


def test_cutoff_for_approval_rate_with_ties() -> None:
    p = [0.1, 0.2, 0.2, 0.3]
    assert ev.cutoff_for_approval_rate(p, 0.75) == 0.2
    assert ev.cutoff_for_approval_rate(p, 0.5) == 0.1  # the 0.2 tie would overshoot
    assert ev.cutoff_for_approval_rate(p, 1.0) == 0.3
    assert ev.cutoff_for_approval_rate(p, 0.0) < 0.1
    with pytest.raises(DataError, match="approval rate"):
        ev.cutoff_for_approval_rate(p, 1.2)


def test_cutoff_for_bad_rate() -> None:
    y = [0, 1, 0, 0]
    p = [0.1, 0.2, 0.3, 0.4]  # approved bad rates: 0, 1/2, 1/3, 1/4
    assert ev.cutoff_for_bad_rate(y, p, 0.3) == 0.4
    assert ev.cutoff_for_bad_rate(y, p, 0.26) == 0.4
    assert ev.cutoff_for_bad_rate(y, p, 0.2) == 0.1
    assert ev.cutoff_for_bad_rate([1, 0], [0.1, 0.2], 0.0) < 0.1


def test_swap_set(sample) -> None:
    y, p = sample
    rng = np.random.default_rng(1)
    other = np.clip(p + rng.normal(0, 0.05, p.size), 0, 1)
    table = ev.swap_set(y, p, other, 0.7, names=("a", "b"))
    assert table.index.tolist() == ["approved by both", "only a", "only b", "approved by neither"]
    assert table["count"].sum() == len(y)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.loc["approved by both", "bad_rate"] < table.loc["approved by neither", "bad_rate"]
    same = ev.swap_set(y, p, p, 0.7)
    assert same.loc["only scorecard", "count"] == 0
    assert np.isnan(same.loc["only lgbm", "bad_rate"])


def test_metrics_by_segment_gives_nan_for_thin_segments(sample) -> None:
    y, p = sample
    segment = pd.Series(np.where(np.arange(len(y)) < 10, "tiny", "big"), name="tier")
    segment[10:15] = None
    table = ev.metrics_by_segment(y, p, segment)
    assert table.index.name == "tier"
    assert table["count"].sum() == len(y)
    assert np.isnan(table.loc["tiny", "auc"]) and np.isnan(table.loc["tiny", "ks"])
    assert table.loc["big", "auc"] > 0.6
    one_class = ev.metrics_by_segment([0] * 40 + [1] * 40, np.linspace(0, 1, 80), ["a"] * 40 + ["b"] * 40)
    assert one_class["auc"].isna().all()


# ----------------------------------------------------------------- properties

finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60), st.lists(finite, min_size=1, max_size=60))
def test_psi_is_non_negative_and_zero_for_identical(a: list[float], b: list[float]) -> None:
    assert ev.psi(a, b) >= 0.0
    assert ev.psi(a, a) == 0.0


outcomes_and_scores = st.integers(2, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < len(y)),
        st.lists(st.integers(1, 999), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(outcomes_and_scores)
def test_ks_in_unit_interval_and_auc_invariant(data: tuple[list[int], list[int]]) -> None:
    y, k = data
    p = np.asarray(k) / 1000.0
    assert 0.0 <= ev.ks(y, p) <= 1.0
    base = ev.auc(y, p)
    assert ev.auc(y, np.log(p / (1 - p))) == pytest.approx(base)
    assert ev.auc(y, np.sqrt(p)) == pytest.approx(base)
    assert ev.ks(y, np.log(p / (1 - p))) == pytest.approx(ev.ks(y, p))
