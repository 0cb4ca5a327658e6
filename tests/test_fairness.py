"""Fairness figures on crafted frames whose rates are known, and the fairness chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from riskkit import charts
from riskkit.evaluate import fairness as FA


def crafted() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group a: 100 applicants, 80 approved; group b: 100, 60 approved; c: 10, none.

    In a, the 20 declined are 10 bads and 10 goods; 4 of the 80 approved are bad.
    In b, the 40 declined are 20 bads and 20 goods; the 60 approved are all good.
    """
    group = np.array(["a"] * 100 + ["b"] * 100 + ["c"] * 10)
    approved = np.zeros(210, dtype=bool)
    approved[:80] = True
    approved[100:160] = True
    y = np.zeros(210, dtype=int)
    y[80:90] = 1      # a: declined bads
    y[:4] = 1         # a: approved bads
    y[160:180] = 1    # b: declined bads
    y[200:205] = 1    # c: half bad
    knockout = np.full(210, "", dtype=object)
    knockout[80:90] = "rule_x"          # 10 of the 70 declines
    knockout[160:167] = "rule_y"        # 7
    pd_ = np.where(group == "a", 0.05, np.where(group == "b", 0.10, 0.5))
    frame = pd.DataFrame({"group": group, "age": np.r_[np.full(100, 22), np.full(100, 40),
                                                       np.full(10, 60)],
                          "true_pd": pd_ / 2})
    return frame, y, approved, pd_, knockout


def test_group_figures_adverse_impact_ratio_and_flag_are_the_known_ones() -> None:
    frame, y, approved, pd_, knockout = crafted()
    table = FA.group_metrics(y, approved, pd_, FA.group_labels(frame["group"]), frame["true_pd"])
    assert list(table.index) == ["a", "b", "c"]
    a, b = table.loc["a"], table.loc["b"]
    assert (a["n"], a["approval_rate"], b["approval_rate"]) == (100, 0.8, 0.6)
    assert a["bad_rate_approved"] == pytest.approx(4 / 80) and b["bad_rate_approved"] == 0.0
    assert a["tpr_decline"] == pytest.approx(10 / 14)      # 14 bads, 10 declined
    assert a["fpr_decline"] == pytest.approx(10 / 86)
    assert b["tpr_decline"] == 1.0 and b["fpr_decline"] == pytest.approx(20 / 80)
    assert a["mean_pd"] == pytest.approx(0.05) and a["mean_true_pd"] == pytest.approx(0.025)
    assert np.isnan(table.loc["c", "bad_rate_approved"])  # nobody approved: undefined
    # c (10 applicants) is below MIN_GROUP: left out, so AIR = 0.6 / 0.8, flagged
    assert FA.adverse_impact_ratio(table) == pytest.approx(0.75)
    assert FA.adverse_impact_ratio(table, min_group=1) == 0.0
    entry = FA.split_fairness(frame, y, approved, pd_, knockout, ["group"],
                              ["rule_x", "rule_y", "rule_z"])
    assert entry["adverse_impact_ratio"]["group"] == pytest.approx(0.75)
    assert entry["four_fifths_flag"]["group"] is True
    assert entry["groups"]["group"]["c"]["bad_rate_approved"] is None
    assert entry["knockout_share"] == pytest.approx({"rule_x": 10 / 70, "rule_y": 7 / 70,
                                                     "rule_z": 0.0})


def test_four_fifths_flag_is_not_raised_at_or_above_the_threshold() -> None:
    frame, y, approved, pd_, knockout = crafted()
    approved = approved.copy()
    approved[160:164] = True  # b: 64 of 100 approved -> 0.64 / 0.8 = 0.8 exactly
    entry = FA.split_fairness(frame, y, approved, pd_, knockout, ["group"], [])
    assert entry["adverse_impact_ratio"]["group"] == pytest.approx(0.8)
    assert entry["four_fifths_flag"]["group"] is False and entry["knockout_share"] == {}


def test_age_bands_and_numeric_groups() -> None:
    ages = pd.Series([18, 24, 25, 34.5, 35, 54, 55, 70, np.nan])
    assert FA.group_labels(ages, "age").tolist() == [
        "under 25", "under 25", "25-34", "25-34", "35-44", "45-54", "55 and over",
        "55 and over", "missing"]
    assert list(FA.group_labels(pd.Series([3, 1, 2, 1])).cat.categories) == ["1", "2", "3"]
    quintiles = FA.group_labels(pd.Series(np.arange(100.0)))
    assert len(quintiles.cat.categories) == 5 and quintiles.value_counts().eq(20).all()


def test_section_table_and_chart() -> None:
    frame, y, approved, pd_, knockout = crafted()
    entry = FA.split_fairness(frame, y, approved, pd_, knockout, ["group", "age"], ["rule_x"])
    section = FA.fairness_section("lgbm", ["group", "age"], {"test": entry})
    assert section["model"] == "lgbm" and set(section["splits"]["test"]["groups"]) == {"group", "age"}
    table = FA.fairness_table(section)
    assert len(table) == 3 + 3 and set(table["attribute"]) == {"group", "age"}
    assert table.loc[table["group"] == "b", "approval_rate"].item() == 0.6
    fig = charts.plot_approval_by_group(table, "test")
    assert isinstance(fig, Figure) and fig.axes[0].get_title().startswith("Approval rate")
    with pytest.raises(ValueError, match="no rows for split 'oot'"):
        charts.plot_approval_by_group(table, "oot")
