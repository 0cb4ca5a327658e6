"""The probit with sample selection (Heckman 1979; Van de Ven & Van Praag 1981), by the book.

A simulated case with a known answer: outcome ``y = 1[-1 + 0.7 x + e > 0]`` observed only
when ``s = 1[0.3 + 0.8 x + 1.0 z + u > 0]``, ``corr(e, u) = -0.6`` (the accepted are
better than their x says). The probit on the selected sample is biased; the two-step
estimator recovers the outcome equation and rho. ``z`` is the exclusion restriction.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from riskkit.rejectinf.heckman import bivariate_normal_cdf, inverse_mills, selection_probit

TRUE_BETA = np.array([-1.0, 0.7])
TRUE_RHO = -0.6


def _simulated(n: int = 20_000, seed: int = 0):
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.normal(size=n)
    e, u = rng.multivariate_normal([0, 0], [[1, TRUE_RHO], [TRUE_RHO, 1]], size=n).T
    s = (0.3 + 0.8 * x + 1.0 * z + u > 0).astype(int)
    y = (TRUE_BETA[0] + TRUE_BETA[1] * x + e > 0).astype(int)
    return x.reshape(-1, 1), np.column_stack([x, z]), s, y


def test_bivariate_normal_cdf_matches_scipy_including_zero_arguments() -> None:
    rng = np.random.default_rng(1)
    h, k = 2 * rng.normal(size=25), 2 * rng.normal(size=25)
    r = rng.uniform(-0.95, 0.95, size=25)
    h[0], k[1], h[2], k[2] = 0.0, 0.0, 0.0, 0.0
    ref = [multivariate_normal(mean=[0, 0], cov=[[1, c], [c, 1]]).cdf([a, b])
           for a, b, c in zip(h, k, r, strict=True)]
    np.testing.assert_allclose(bivariate_normal_cdf(h, k, r), ref, atol=1e-8)
    # independence: the product of the margins
    np.testing.assert_allclose(bivariate_normal_cdf(0.3, -0.4, 0.0), norm.cdf(0.3) * norm.cdf(-0.4))


def test_inverse_mills_ratio_known_values() -> None:
    # lambda(0) = phi(0) / Phi(0) = 2 / sqrt(2 pi); far in the left tail lambda(t) ~ -t
    assert inverse_mills(np.array([0.0]))[0] == pytest.approx(2 / np.sqrt(2 * np.pi))
    assert inverse_mills(np.array([-30.0]))[0] == pytest.approx(30.0, rel=2e-3)


def test_two_step_recovers_the_known_outcome_equation_and_rho() -> None:
    X, Z, s, y = _simulated()
    fit = selection_probit(y, X, s, Z)
    assert fit.identified and fit.converged
    np.testing.assert_allclose(fit.beta, TRUE_BETA, atol=0.08)
    assert fit.rho == pytest.approx(TRUE_RHO, abs=0.1)
    np.testing.assert_allclose(fit.gamma, [0.3, 0.8, 1.0], atol=0.06)
    # the probit on the selected alone is biased (the accepted look safer than they are)
    assert fit.naive_beta[0] < TRUE_BETA[0] - 0.2
    # the rejects' PD given rejection is their true conditional PD on average
    rej = s == 0
    assert fit.pd_if_rejected(X[rej], Z[rej]).mean() == pytest.approx(y[rej].mean(), abs=0.02)


def test_deterministic_selection_is_reported_as_not_identified() -> None:
    X, Z, _, y = _simulated(5000, seed=2)
    s = (Z[:, 1] > 0).astype(int)  # a cut-off on a recorded score: MAR, perfect separation
    fit = selection_probit(y, X, s, Z)
    assert not fit.identified and fit.rho == 0.0
    np.testing.assert_allclose(fit.beta, fit.naive_beta)


def test_a_column_constant_among_the_accepted_does_not_turn_the_fit_to_nan() -> None:
    """A one-hot level no accepted applicant has is collinear with the constant in the
    accepted rows: its coefficient is set to 0 and every other estimate stays finite (the
    notebook-size samples of notebook 08 hit this; before, every coefficient was NaN)."""
    rng = np.random.default_rng(3)
    n = 4_000
    x = rng.normal(size=(n, 2))
    z_only = rng.normal(size=n)
    s = (0.8 * x[:, 0] + z_only + rng.normal(size=n) > 0).astype(int)
    level = np.where(s == 1, 0.0, (rng.random(n) < 0.3).astype(float))  # never among accepted
    X = np.column_stack([x, level])
    y = (x[:, 0] + rng.normal(size=n) > 1.5).astype(int)
    fit = selection_probit(y, X, s, np.column_stack([X, z_only]))
    assert np.isfinite(fit.beta).all() and np.isfinite(fit.naive_beta).all()
    assert fit.naive_beta[3] == 0.0 and np.isfinite(fit.rho)
