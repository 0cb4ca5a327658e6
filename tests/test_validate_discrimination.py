"""riskkit.validate.discrimination: DeLong (fast, against brute force and a published
example), the bootstrap, the AUC's decline, Gini and KS."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import roc_auc_score

from riskkit.core.errors import DataError
from riskkit.validate import (
    auc_decline_test,
    auc_test,
    bootstrap_auc,
    delong,
    delong_covariance,
    delong_from_counts,
    gini_test,
    ks_test,
)

#: Hanley & McNeil (1982, Radiology 143:29, Table 1): CT ratings 1-5 of 58 normal and 51
#: abnormal patients. Stata's manual, [R] roctab, Example 1, runs `roctab disease rating` on
#: these data (hanley.dta) and prints "ROC area 0.8932, Std. Err. 0.0307, Asymptotic Normal
#: [95% Conf. Interval] 0.83295 0.95339"; roctab's default standard error is DeLong's.
NORMAL = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2]).astype(float)
ABNORMAL = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33]).astype(float)


def brute_force(y: np.ndarray, scores: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """DeLong et al. (1988) from the definition: the m x n kernel matrix of every pair."""
    bad = y == 1
    v10, v01, aucs = [], [], []
    for s in scores:
        x, z = s[bad], s[~bad]
        psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
        aucs.append(psi.mean())
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
    m, n = int(bad.sum()), int((~bad).sum())
    cov = np.atleast_2d(np.cov(np.vstack(v10))) / m + np.atleast_2d(np.cov(np.vstack(v01))) / n
    return np.array(aucs), cov


def test_delong_reproduces_statas_roctab_on_hanley_and_mcneil() -> None:
    y = np.r_[np.ones(ABNORMAL.size), np.zeros(NORMAL.size)]
    s = np.r_[ABNORMAL, NORMAL]
    auc, var = delong(y, s)
    assert round(auc, 4) == 0.8932  # also Hanley & McNeil's published 0.893
    assert round(np.sqrt(var), 4) == 0.0307
    result = auc_test(y, s, bootstrap_reps=0)
    assert (round(result.ci[0], 5), round(result.ci[1], 5)) == (0.83295, 0.95339)


@settings(max_examples=40, deadline=None)
@given(st.integers(5, 120), st.integers(2, 8), st.integers(0, 2**31 - 1))
def test_fast_delong_equals_the_brute_force_definition(n: int, levels: int, seed: int) -> None:
    """Sun & Xu's mid-rank algorithm against the kernel matrix, ties included."""
    rng = np.random.default_rng(seed)
    y = np.r_[1, 1, 0, 0, rng.integers(0, 2, n)]  # two of each class at least
    a = rng.integers(0, levels, y.size).astype(float)  # few levels: many ties
    b = a + rng.normal(0, 1, y.size)
    aucs, cov = delong_covariance(y, [a, b])
    ref_aucs, ref_cov = brute_force(y, [a, b])
    np.testing.assert_allclose(aucs, ref_aucs, atol=1e-12)
    np.testing.assert_allclose(cov, ref_cov, atol=1e-12)
    assert aucs[1] == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    _, group = np.unique(a, return_inverse=True)
    bads = np.bincount(group, weights=y)
    auc_c, var_c = delong_from_counts(bads, np.bincount(group) - bads)
    assert auc_c == pytest.approx(aucs[0], abs=1e-12) and var_c == pytest.approx(cov[0, 0],
                                                                                  abs=1e-12)


def test_bootstrap_agrees_with_delong_and_is_seeded() -> None:
    rng = np.random.default_rng(4)
    p = rng.beta(1, 15, 4000)
    y = (rng.random(p.size) < p).astype(int)
    boot = bootstrap_auc(y, p, reps=1500, seed=3)
    auc, var = delong(y, p)
    assert np.isfinite(boot).all()
    assert boot.mean() == pytest.approx(auc, abs=0.003)
    assert boot.std() == pytest.approx(np.sqrt(var), rel=0.1)
    np.testing.assert_array_equal(boot, bootstrap_auc(y, p, reps=1500, seed=3))
    assert not np.array_equal(boot, bootstrap_auc(y, p, reps=1500, seed=4))
    result = auc_test(y, p, bootstrap_reps=1500, seed=3)
    lo, hi = result.details["bootstrap_ci"]
    assert abs(lo - result.ci[0]) < 0.01 and abs(hi - result.ci[1]) < 0.01


def test_auc_light_follows_its_thresholds() -> None:
    y = np.r_[np.ones(ABNORMAL.size), np.zeros(NORMAL.size)]
    s = np.r_[ABNORMAL, NORMAL]
    assert auc_test(y, s, bootstrap_reps=0).light == "green"
    assert auc_test(y, s, yellow=0.95, red=0.5, bootstrap_reps=0).light == "yellow"
    assert auc_test(y, s, yellow=0.99, red=0.95, bootstrap_reps=0).light == "red"
    gini = gini_test(auc_test(y, s, bootstrap_reps=0))
    assert gini.statistic == pytest.approx(2 * 0.8931710615 - 1)
    assert gini.ci[0] == pytest.approx(2 * 0.83295 - 1, abs=1e-4)


def test_auc_decline_detects_a_weaker_model_and_not_the_same_one() -> None:
    rng = np.random.default_rng(8)
    p = rng.beta(1, 12, 20_000)
    y0 = (rng.random(p.size) < p).astype(int)
    y1 = (rng.random(p.size) < p).astype(int)
    same = auc_decline_test(y0, p, y1, p)
    assert 0.001 < same.p_value < 0.999
    noisy = np.clip(p + rng.normal(0, 0.05, p.size), 0, 1)  # lost much of its signal
    worse = auc_decline_test(y0, p, y1, noisy)
    assert worse.statistic > 0.03 and worse.p_value < 0.001 and worse.light == "red"
    ecb = auc_decline_test(y0, p, y1, noisy, method="ecb")
    # the ECB's version treats the development AUC as known: smaller spread, smaller p
    assert ecb.details["se"] < worse.details["se"] and ecb.p_value <= worse.p_value
    a0, v0 = delong(y0, p)
    a1, v1 = delong(y1, noisy)
    assert worse.details["z"] == pytest.approx((a0 - a1) / np.sqrt(v0 + v1))
    with pytest.raises(ValueError, match="method"):
        auc_decline_test(y0, p, y1, p, method="paired")


def test_ks_is_scipys_two_sample_statistic() -> None:
    rng = np.random.default_rng(2)
    p = rng.random(3000)
    y = (rng.random(3000) < p).astype(int)
    result = ks_test(y, p)
    ref = stats.ks_2samp(p[y == 1], p[y == 0])
    assert result.statistic == pytest.approx(ref.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(ref.pvalue)


def test_one_class_is_a_data_error() -> None:
    with pytest.raises(DataError, match="both goods"):
        delong(np.zeros(10), np.linspace(0, 1, 10))
