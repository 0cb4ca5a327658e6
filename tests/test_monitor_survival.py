"""Kaplan-Meier and Aalen-Johansen (riskkit.lifecycle.monitor.survival) on published and
hand-worked examples with known numbers.

References
----------
Freireich, E. J. et al. (1963). The effect of 6-mercaptopurine on the duration of
steroid-induced remissions in acute leukemia. *Blood* 21(6), 699-716: the 6-MP group's
remission times, as listed and worked through in Klein, J. P. & Moeschberger, M. L. (2003),
*Survival Analysis: Techniques for Censored and Truncated Data*, 2nd ed., Section 1.2 (the
data) and Section 4.2 (the product-limit table of the 6-MP group).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from riskkit.lifecycle.monitor.survival import CENSORED, product_limit

# The 6-MP group: 21 children, remission times in weeks; 9 relapses, 12 censored ("+").
SIX_MP_RELAPSE = [6, 6, 6, 7, 10, 13, 16, 22, 23]
SIX_MP_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
# The placebo group: 21 relapses, no censoring.
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def six_mp():
    time = np.array(SIX_MP_RELAPSE + SIX_MP_CENSORED, dtype=float)
    event = np.array([1] * len(SIX_MP_RELAPSE) + [CENSORED] * len(SIX_MP_CENSORED))
    return time, event


def test_kaplan_meier_reproduces_the_6mp_product_limit_table():
    """Klein & Moeschberger's table for the 6-MP group: at each relapse time the number at
    risk, the relapses and S(t) to three decimals (0.857, 0.807, 0.753, 0.690, 0.627, 0.538,
    0.448), and exactly the products 18/21, x 16/17, x 14/15, ..."""
    time, event = six_mp()
    fit = product_limit(time, event)
    relapse = fit.events[:, 1] > 0
    assert fit.time[relapse].tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert fit.at_risk[relapse].tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert fit.events[relapse, 1].tolist() == [3, 1, 1, 1, 1, 1, 1]
    table = [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448]
    np.testing.assert_allclose(fit.survival[relapse], table, atol=5e-4)
    exact = np.cumprod([18 / 21, 16 / 17, 14 / 15, 11 / 12, 10 / 11, 6 / 7, 5 / 6])
    np.testing.assert_allclose(fit.survival[relapse], exact, rtol=1e-14)
    # a step function: 1 before the first relapse, flat between relapses and after the last
    np.testing.assert_allclose(fit.survival_at([0, 5.9, 6, 9, 12.5, 23, 35, 100]),
                               [1, 1, exact[0], exact[1], exact[2], exact[6], exact[6],
                                exact[6]], rtol=1e-14)


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    fit = product_limit(np.array(PLACEBO, float), np.ones(len(PLACEBO), int))
    at = np.arange(0, 25)
    empirical = [(np.array(PLACEBO) > t).mean() for t in at]
    np.testing.assert_allclose(fit.survival_at(at), empirical, rtol=1e-14, atol=1e-15)
    assert fit.survival_at([8])[0] == pytest.approx(8 / 21)  # 13 of 21 relapsed by week 8


def test_aalen_johansen_reproduces_a_competing_risks_example_worked_by_hand():
    """Eight accounts; cause 1 a default, cause 2 leaving the book, 0 censored:

    ====  =====================  ====  ===============================  ===============
    t     ended                  n     F1 (default)                     F2 (left)
    ====  =====================  ====  ===============================  ===============
    1     cause 1                8     1/8                              0
    2     cause 1 and cause 2    7     1/8 + 7/8 x 1/7 = 2/8            7/8 x 1/7 = 1/8
    3     censored               5     2/8                              1/8
    4     cause 1 and censored   4     2/8 + 5/8 x 1/4 = 13/32          1/8
    5     cause 2                2     13/32                            1/8 + 15/32 x 1/2 = 23/64
    6     cause 1                1     13/32 + 15/64 = 41/64            23/64
    ====  =====================  ====  ===============================  ===============

    S(t-) before each time: 1, 7/8, 5/8, 5/8, 15/32, 15/64; at the end F1 + F2 + S = 1.
    Kaplan-Meier of the defaults, censoring the exit, says 1 - 7/8 x 6/7 x 3/4 x 0 = 1 by
    month 6: every account would default if none could leave.
    """
    time = np.array([1, 2, 2, 3, 4, 4, 5, 6], float)
    cause = np.array([1, 1, 2, 0, 1, 0, 2, 1])
    fit = product_limit(time, cause)
    at = np.arange(1, 7)
    np.testing.assert_allclose(fit.incidence_at(at, 1),
                               [1 / 8, 2 / 8, 2 / 8, 13 / 32, 13 / 32, 41 / 64], rtol=1e-14)
    np.testing.assert_allclose(fit.incidence_at(at, 2),
                               [0, 1 / 8, 1 / 8, 1 / 8, 23 / 64, 23 / 64], rtol=1e-14)
    np.testing.assert_allclose(fit.survival_at(at), [7 / 8, 5 / 8, 5 / 8, 15 / 32, 15 / 64, 0],
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(fit.incidence_at(at, 1) + fit.incidence_at(at, 2)
                               + fit.survival_at(at), 1.0, rtol=1e-14)
    km = product_limit(time, np.where(cause == 1, 1, 0))
    np.testing.assert_allclose(1 - km.survival_at(at),
                               [1 / 8, 2 / 8, 2 / 8, 1 - 9 / 16, 1 - 9 / 16, 1.0], rtol=1e-14)
    assert fit.incidence_at(at, 3).tolist() == [0.0] * 6  # a cause never seen


def test_one_cause_is_kaplan_meier_and_no_censoring_is_the_share_by_cause():
    rng = np.random.default_rng(3)
    time = rng.integers(1, 25, 400).astype(float)
    cause = rng.choice([0, 1], 400, p=[0.4, 0.6])
    fit = product_limit(time, cause)
    np.testing.assert_allclose(fit.incidence[:, 1], 1 - fit.survival, atol=1e-14)
    full = rng.choice([1, 2, 3], 400)  # no censoring: each incidence is the empirical share
    fit = product_limit(time, full)
    for k in (1, 2, 3):
        share = [((time <= t) & (full == k)).mean() for t in range(25)]
        np.testing.assert_allclose(fit.incidence_at(np.arange(25), k), share, atol=1e-14)


def test_weights_stand_for_repeated_rows_and_the_order_does_not_matter():
    rng = np.random.default_rng(5)
    time = rng.integers(1, 10, 30).astype(float)
    cause = rng.integers(0, 3, 30)
    weight = rng.integers(1, 5, 30)
    weighted = product_limit(time, cause, weight)
    rows = product_limit(np.repeat(time, weight), np.repeat(cause, weight))
    order = rng.permutation(30)
    shuffled = product_limit(time[order], cause[order], weight[order])
    for other in (rows, shuffled):
        np.testing.assert_allclose(weighted.survival, other.survival, rtol=1e-13)
        np.testing.assert_allclose(weighted.incidence, other.incidence, rtol=1e-13)
        np.testing.assert_allclose(weighted.at_risk, other.at_risk)


@pytest.mark.parametrize(("time", "cause", "weight", "words"), [
    ([1.0, 2.0], [1], None, "one length"),
    ([1.0, -2.0], [1, 0], None, "non-negative"),
    ([1.0, np.nan], [1, 0], None, "finite"),
    ([1.0, 2.0], [1, 0], [1.0, -1.0], "non-negative"),
    ([1.0, 2.0], [1.0, 0.5], None, "whole numbers"),
    ([1.0, 2.0], [1, -1], None, "whole numbers"),
])
def test_bad_input_is_refused_in_one_line(time, cause, weight, words):
    with pytest.raises(ValueError, match=words):
        product_limit(np.array(time), np.array(cause),
                      None if weight is None else np.array(weight))


def test_the_monitor_does_not_import_lifelines():
    """lifelines 0.30 requires pandas < 3: the monitor must work without it."""
    code = ("import sys, riskkit.lifecycle.monitor, riskkit.lifecycle.monitor.folder; "
            "print('lifelines' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
