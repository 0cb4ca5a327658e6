"""A selection model for reject inference: the probit with sample selection, in two steps.

Heckman, J. (1979), "Sample selection bias as a specification error", *Econometrica* 47,
153-161; for a binary outcome, Van de Ven, W. & Van Praag, B. (1981), "The demand for
deductibles in private health insurance: a probit model with sample selection", *J.
Econometrics* 17, 229-252 (the bivariate probit with sample selection); used for reject
inference by Boyes, Hoffman & Low (1989, *J. Econometrics* 40) and Banasik, Crook &
Thomas (2003, *J. Operational Research Society* 54), and studied by Crook & Banasik
(2004) and Banasik & Crook (2007, *European J. Operational Research* 183): it helps when
the incumbent selected on something the new model does not see (missing not at random)
and its assumptions -- joint normality and a variable that moves selection but not the
outcome -- hold; under selection on the recorded score (MAR) it has nothing to correct.

The model: accepted ``s = 1[z'g + u > 0]``; bad ``y = 1[x'b + e > 0]`` observed only
when ``s = 1``; ``(e, u)`` standard bivariate normal with correlation ``rho``. Here
``z`` is ``x`` plus the incumbent's recorded score (the exclusion restriction: the new
model never uses that score).

1. **Selection**: a probit of acceptance on ``z`` over every applicant
   (``statsmodels.discrete.discrete_model.Probit``), giving ``g`` and each applicant's
   inverse Mills ratio ``phi(z'g) / Phi(z'g)`` (:func:`inverse_mills`).
2. **Outcome**: ``(b, rho)`` by maximising the accepted applicants' likelihood given
   selection, ``prod Phi2(q x'b, z'g, q rho) / Phi(z'g)`` with ``q = 2y - 1`` and ``g``
   held at step 1's value (the limited-information two-step estimator). It starts from
   the probit of ``y`` on ``x`` and the inverse Mills ratio, Heckman's own second step,
   which for a binary outcome is only an approximation. Written here because statsmodels
   has no bivariate-probit likelihood (Stata's ``heckprob``); ``Phi2`` comes from Owen's
   T function (:func:`bivariate_normal_cdf`), with the analytic gradient.

A reject's PD is then ``P(y = 1 | x, z, s = 0) = (Phi(x'b) - Phi2(x'b, z'g, rho)) /
Phi(-z'g)`` and each reject enters as a fuzzy pair with it. When the selection probit
separates accepted from rejected perfectly (a deterministic cut-off on a recorded score:
MAR) ``rho`` is not identified; the method then says so and uses ``rho = 0``, the probit
on the accepted.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import owens_t
from scipy.stats import norm

# two names from their modules: statsmodels.api imports every model (0.4 s of each run)
from statsmodels.discrete.discrete_model import Probit
from statsmodels.tools.tools import add_constant

from riskkit.rejectinf.augment import Augmented, with_fuzzy_labels
from riskkit.rejectinf.learners import design_pipeline, model_frame
from riskkit.rejectinf.sample import AcceptedSample

#: |rho| is kept below this: at 1 the bivariate normal is degenerate.
RHO_MAX = 0.995


def inverse_mills(index: np.ndarray) -> np.ndarray:
    """``phi(t) / Phi(t)``, Heckman's lambda, computed on the log scale (stable for t << 0)."""
    t = np.asarray(index, dtype=float)
    return np.exp(norm.logpdf(t) - norm.logcdf(t))


def bivariate_normal_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray | float) -> np.ndarray:
    """``P(X <= h, Y <= k)`` for standard bivariate normals with correlation ``rho``.

    Owen (1956): ``Phi2 = (Phi(h) + Phi(k)) / 2 - T(h, a_h) - T(k, a_k) - beta`` with
    ``a_h = (k - rho h) / (h sqrt(1 - rho^2))``, ``a_k`` likewise, and ``beta = 1/2``
    when ``h k < 0`` (or one is 0 and the other negative), else 0. Vectorised through
    ``scipy.special.owens_t``.
    """
    h = np.asarray(h, dtype=float)
    k = np.asarray(k, dtype=float)
    rho = np.broadcast_to(np.asarray(rho, dtype=float), np.broadcast(h, k).shape)
    h, k = np.broadcast_arrays(h, k)
    tiny = 1e-10
    hh = np.where(h == 0, tiny, h)
    kk = np.where(k == 0, tiny, k)
    s = np.sqrt(1.0 - rho ** 2)
    beta = np.where(hh * kk < 0, 0.5, 0.0)
    out = (0.5 * (norm.cdf(h) + norm.cdf(k)) - owens_t(hh, (kk - rho * hh) / (hh * s))
           - owens_t(kk, (hh - rho * kk) / (kk * s)) - beta)
    return np.clip(out, 0.0, 1.0)


def _bivariate_pdf(a: np.ndarray, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    one = 1.0 - r ** 2
    return np.exp(-(a * a - 2 * r * a * b + b * b) / (2 * one)) / (2 * np.pi * np.sqrt(one))


@dataclass
class SelectionFit:
    """A fitted probit with sample selection."""

    beta: np.ndarray  # outcome equation, on [1, x]
    gamma: np.ndarray  # selection equation, on [1, z]
    rho: float
    identified: bool
    converged: bool
    naive_beta: np.ndarray  # the probit on the accepted alone (rho = 0)

    def outcome_index(self, X: np.ndarray) -> np.ndarray:
        return add_constant(X, has_constant="add") @ self.beta

    def selection_index(self, Z: np.ndarray) -> np.ndarray:
        return add_constant(Z, has_constant="add") @ self.gamma

    def pd_if_rejected(self, X: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """``P(y = 1 | x, z, s = 0)``: the PD of an applicant the incumbent turned down
        (``Phi(x'b)`` when ``rho`` is 0: selection then tells nothing about the outcome)."""
        xb = self.outcome_index(X)
        if self.rho == 0.0:
            return np.asarray(norm.cdf(xb), dtype=float)
        zg = self.selection_index(Z)
        joint = norm.cdf(xb) - bivariate_normal_cdf(xb, zg, self.rho)
        return np.clip(joint / np.maximum(norm.cdf(-zg), 1e-300), 0.0, 1.0)


def _probit(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, bool]:
    """Probit of ``y`` on ``[1, X]``; a column of ``X`` constant in these rows gets 0.

    Why: a one-hot level that no accepted applicant has (common in small samples) is
    collinear with the constant, so its coefficient is not identified and Newton's step
    through the singular Hessian returns NaN for every coefficient. Such a column is left
    out of the fit and its coefficient set to 0 (as R's ``glm`` drops an aliased column from
    its predictions): the fit is then the probit on the identified columns.
    """
    X = np.asarray(X, dtype=float)
    varies = X.std(axis=0) > 0 if len(X) else np.zeros(X.shape[1], dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' separation / convergence notices
        res = Probit(y, add_constant(X[:, varies], has_constant="add")).fit(
            disp=0, method="newton", maxiter=200)
    params = np.zeros(X.shape[1] + 1)
    params[np.r_[True, varies]] = np.asarray(res.params, dtype=float)
    return params, bool(res.mle_retvals.get("converged", False))


def _separated(s: np.ndarray, index: np.ndarray) -> bool:
    """True when ``index`` splits accepted from rejected without overlap (either way round)."""
    acc, rej = index[s == 1], index[s == 0]
    return bool(acc.min() > rej.max() or acc.max() < rej.min())


def selection_probit(y: np.ndarray, X: np.ndarray, s: np.ndarray, Z: np.ndarray
                     ) -> SelectionFit:
    """Fit the probit with sample selection in two steps (see the module docstring).

    Parameters
    ----------
    y : array
        Outcomes (1 bad); only the entries where ``s == 1`` are read.
    X : array
        Outcome-equation regressors, every applicant (no constant: one is added).
    s : array
        1 accepted, 0 rejected.
    Z : array
        Selection-equation regressors (should include a variable not in ``X``).

    Returns
    -------
    SelectionFit
    """
    s = np.asarray(s, dtype=int)
    Z = np.asarray(Z, dtype=float)
    acc = s == 1
    Xa = add_constant(np.asarray(X, dtype=float)[acc], has_constant="add")
    ya = np.asarray(y)[acc].astype(int)
    naive, _ = _probit(ya, Xa[:, 1:])
    # a cut-off on one recorded column (MAR) separates perfectly: the probit's estimates
    # then run off to infinity (statsmodels only warns), so look before fitting
    if any(_separated(s, Z[:, j]) for j in range(Z.shape[1])):
        return SelectionFit(naive, np.full(Z.shape[1] + 1, np.nan), 0.0, False, True, naive)
    gamma, _ = _probit(s, Z)
    zg = (add_constant(Z, has_constant="add") @ gamma)
    if not np.isfinite(zg).all() or _separated(s, zg):
        return SelectionFit(naive, gamma, 0.0, False, True, naive)
    zg_a = zg[acc]
    start_b, _ = _probit(ya, np.column_stack([Xa[:, 1:], inverse_mills(zg_a)]))
    lam = float(start_b[-1])
    q = 2.0 * ya - 1.0

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, t = theta[:-1], theta[-1]
        rho = np.tanh(t)
        a = q * (Xa @ b)
        r = q * rho
        p2 = np.maximum(bivariate_normal_cdf(a, zg_a, r), 1e-300)
        da = norm.pdf(a) * norm.cdf((zg_a - r * a) / np.sqrt(1 - r ** 2)) / p2
        dr = _bivariate_pdf(a, zg_a, r) / p2
        grad_b = -(Xa * (q * da)[:, None]).sum(axis=0)
        grad_t = -float((q * dr).sum()) * (1.0 - rho ** 2)
        return -float(np.log(p2).sum()), np.append(grad_b, grad_t)

    t0 = float(np.arctanh(np.clip(lam, -0.9, 0.9)))
    theta0 = np.append(start_b[:-1], t0)
    if not np.isfinite(theta0).all():
        # the two-step probit with the inverse Mills ratio did not give finite estimates
        # (few bads among the accepted): nothing to start the likelihood from, so the
        # probit on the accepted alone (rho 0), reported as not converged
        return SelectionFit(naive, gamma, 0.0, True, False, naive)
    bound = float(np.arctanh(RHO_MAX))
    bounds = [(None, None)] * (len(theta0) - 1) + [(-bound, bound)]
    res = minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 2000})
    if not np.isfinite(res.x).all():
        # the likelihood's search left the finite numbers (small samples with few bads);
        # keep the two-step estimate it started from, reported as not converged
        return SelectionFit(theta0[:-1], gamma, float(np.tanh(t0)), True, False, naive)
    return SelectionFit(res.x[:-1], gamma, float(np.tanh(res.x[-1])), True, bool(res.success),
                        naive)


def _matrices(sample: AcceptedSample) -> tuple[Any, list[np.ndarray], list[np.ndarray]]:
    """The outcome design (standardised numeric, one-hot without a reference level) and
    the selection design (that plus the standardised incumbent score), per view."""
    views = (sample.train, sample.valid)
    design = design_pipeline(drop_first=True).fit(model_frame(sample.train.frame))
    X = [design.transform(model_frame(v.frame)) for v in views]
    keep = np.concatenate(X).std(axis=0) > 0
    X = [x[:, keep] for x in X]
    score = np.concatenate([v.incumbent_logit for v in views])
    mu, sd = float(score.mean()), float(score.std() or 1.0)
    Z = [np.column_stack([x, (v.incumbent_logit - mu) / sd]) for x, v in zip(X, views,
                                                                              strict=True)]
    return design, X, Z


def heckman(sample: AcceptedSample, base: Any = None, *, seed: int = 0) -> Augmented:
    """Reject inference by the probit with sample selection (two steps; see the module).

    Both steps are fitted on the fit and validation rows together; each reject (of
    either) enters as a fuzzy pair weighted by ``P(y = 1 | x, z, s = 0)``.
    """
    views = (sample.train, sample.valid)
    _, X, Z = _matrices(sample)
    y = np.concatenate([np.where(v.accepted, v.y, 0) for v in views])
    s = np.concatenate([v.accepted for v in views]).astype(int)
    fit = selection_probit(y, np.concatenate(X), s, np.concatenate(Z))
    sets = []
    for x, z, v in zip(X, Z, views, strict=True):
        rej = ~v.accepted
        sets.append(with_fuzzy_labels(v, fit.pd_if_rejected(x[rej], z[rej])))
    p_rej = np.concatenate([fit.pd_if_rejected(x[~v.accepted], z[~v.accepted])
                            for x, z, v in zip(X, Z, views, strict=True)])
    return Augmented(sets[0], sets[1], {"rho": fit.rho, "identified": fit.identified,
                                        "converged": fit.converged,
                                        "mean_pd_rejects": float(p_rej.mean())})
