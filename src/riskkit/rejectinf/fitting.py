"""Base learners fit for a lender's data: every row used, tuning by cross-validation.

A lender's accepted applicants hold a few hundred bads. Splitting off a validation set for
early stopping and another use for Platt calibration starves both: LightGBM early-stopped
on a hundred validation bads stops at a few dozen trees, and the calibration is fitted on
the same hundred. So every reject-inference fit here uses the lender's fit *and*
validation rows together (:func:`riskkit.rejectinf.augment.merged`) and tunes by K-fold
cross-validation over applicants (both copies of a fuzzy reject in one fold):

* ``lgbm`` -- each fold early-stops on its held-out part; the final model is refitted on
  every row with the folds' mean number of rounds, and calibrated (Platt) on the folds'
  out-of-fold raw log-odds (cross-fitting: Chernozhukov et al. 2018; scikit-learn's
  ``CalibratedClassifierCV(ensemble=False)`` does the same);
* ``logistic`` -- maximum likelihood, with no penalty, when the rows hold at least
  :data:`EVENTS_PER_VARIABLE` events (the rarer outcome, weighted) per design column;
  below that, the L2 penalty ``C`` is chosen from :data:`C_GRID` by the folds' weighted
  log-loss (:func:`penalty_rule` says why); then the model is refitted on every row (a
  likelihood fit is calibrated by construction; no Platt step);
* ``scorecard`` -- binning and the WoE regression on every row (likewise calibrated by its
  own likelihood fit).

The run's ``models:`` section (``model_params``) and ``features:`` reach every fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from riskkit.core.errors import ConfigError
from riskkit.models import CreditModel, make_model
from riskkit.rejectinf.augment import TrainingSet
from riskkit.rejectinf.logistic import LogisticModel

MODEL_KINDS: tuple[str, ...] = ("logistic", "scorecard", "lgbm")
#: Folds of the cross-validation (over applicants).
CV_FOLDS = 3
#: The logistic regression's candidate inverse penalties (when it is penalised at all).
C_GRID: tuple[float, ...] = (0.01, 0.1, 1.0)
#: Events per design column from which the logistic regression is fitted by maximum
#: likelihood without a penalty (Peduzzi et al. 1996).
EVENTS_PER_VARIABLE = 10.0
#: LightGBM: the most rounds a fold may run, and its early-stopping patience.
MAX_ROUNDS = 3000
PATIENCE = 100
#: Settings of the ``models:`` section that are not the model's own parameters.
NOT_PARAMS = ("enabled",)


def model_for(kind: str, seed: int, model_params: dict[str, Any] | None = None) -> CreditModel:
    """A fresh model of ``kind`` with the run's settings (LightGBM: seeded, one thread)."""
    if kind not in MODEL_KINDS:
        raise ConfigError(f"reject_inference.models: {kind!r} is not one of {MODEL_KINDS}")
    params = {k: v for k, v in (model_params or {}).items()  # C=None: no penalty, kept
              if k not in NOT_PARAMS and (v is not None or (kind, k) == ("logistic", "C"))}
    if kind == "logistic":
        try:
            return LogisticModel(**params)
        except TypeError as exc:
            raise ConfigError(f"reject_inference model 'logistic': {exc}") from None
    if kind == "lgbm":
        params.setdefault("seed", seed)
        params.setdefault("num_threads", 1)
    return make_model(kind, **params)


def folds(groups: np.ndarray, y: np.ndarray, k: int, seed: int
          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """K (fit, held-out) row-index pairs; all rows of one applicant in the same fold.

    Stratified: applicants are dealt round-robin in decreasing order of their (mean) label,
    ties in a seeded random order, so each fold gets its share of the few bads.
    """
    ids, inverse = np.unique(groups, return_inverse=True)
    mean_label = np.bincount(inverse, weights=y) / np.bincount(inverse)
    shuffle = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 9))).random(
        len(ids))
    order = np.lexsort((shuffle, -mean_label))
    fold_of = np.empty(len(ids), dtype=np.int64)
    fold_of[order] = np.arange(len(ids)) % k
    row_fold = fold_of[inverse]
    return [(np.flatnonzero(row_fold != f), np.flatnonzero(row_fold == f)) for f in range(k)]


def _part(data: TrainingSet, idx: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray | None]:
    w = None if data.weight is None else data.weight[idx]
    return data.X.iloc[idx], data.y[idx], w


def _log_loss(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    loss = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(np.average(loss, weights=w))


def _groups(data: TrainingSet) -> np.ndarray:
    return np.arange(len(data)) if data.group is None else data.group


def fit_kind(kind: str, data: TrainingSet, seed: int,
             model_params: dict[str, Any] | None = None) -> tuple[CreditModel, dict[str, Any]]:
    """Fit a model of ``kind`` on every row of ``data``, tuned by cross-validation.

    Parameters
    ----------
    kind : str
        ``"logistic"``, ``"scorecard"`` or ``"lgbm"``.
    data : TrainingSet
        The lender's rows (a method's fit and validation sets merged).
    seed : int
        Seeds the folds and LightGBM.
    model_params : dict, optional
        The ``models:`` section's settings of this kind (and ``features``).

    Returns
    -------
    model : CreditModel
    info : dict
        What the tuning chose (``rounds`` or ``C``) and on how many folds.
    """
    if kind == "scorecard":
        model = model_for(kind, seed, model_params).fit(data.X, data.y,
                                                        sample_weight=data.weight)
        return model, {}
    splits = folds(_groups(data), data.y, CV_FOLDS, seed)
    if kind == "logistic":
        return _fit_logistic(data, splits, seed, model_params)
    return _fit_lgbm(data, splits, seed, model_params)


def events_per_variable(data: TrainingSet, columns: int) -> float:
    """The rarer outcome's (weighted) count per design column: Peduzzi et al.'s EPV."""
    w = np.ones(len(data)) if data.weight is None else np.asarray(data.weight, dtype=float)
    bads = float(w[data.y == 1].sum())
    return min(bads, float(w.sum()) - bads) / max(columns, 1)


def penalty_rule(data: TrainingSet, seed: int, model_params: dict[str, Any] | None
                 ) -> tuple[bool, float]:
    """Whether the logistic regression is fitted without a penalty, and its EPV.

    Why not cross-validation alone: every criterion computed on the rows a lender has
    prefers shrinkage (at 100k applicants of ``configs/reject_inference.yaml``, 370
    accepted bads, the folds' log-loss -- plain or importance-weighted by ``1 / p(accept)``
    (Sugiyama, Krauledat & Mueller 2007, *JMLR* 8) -- picks ``C = 0.01``), because the
    slopes a penalty flattens cost little where the accepted are. Where the model must
    extrapolate, the flattening is a bias: every prediction is pulled toward the accepted
    bad rate, and the rejects' predicted bad rate falls (4.3 % at ``C = 0.01`` against 6.0 %
    unpenalised; their true rate 7.0 %). The literature's case for the accepted-only model
    under selection on recorded features (missing at random) is that its
    maximum-likelihood fit is consistent for every applicant (Hand & Henley 1993, *IMA J.
    Math. Applied in Business & Industry* 5; Banasik, Crook & Thomas 2003, *JORS* 54), and
    Siddiqi's known-good/bad model (2006, ch. 6) is such a fit. So the penalty is kept for
    what it is for: too few events for maximum likelihood, which Peduzzi, Concato, Kemper,
    Holford & Feinstein (1996, *J. Clinical Epidemiology* 49, 1373-1379) put below ten
    events per variable (biased and unstable coefficients).
    """
    probe = model_for("logistic", seed, {**(model_params or {}), "C": None})
    epv = events_per_variable(data, probe.design_width(data.X))  # type: ignore[attr-defined]
    return epv >= EVENTS_PER_VARIABLE, epv


def _fit_logistic(data: TrainingSet, splits: list[tuple[np.ndarray, np.ndarray]], seed: int,
                  model_params: dict[str, Any] | None) -> tuple[CreditModel, dict[str, Any]]:
    params = dict(model_params or {})
    if "C" in params:  # fixed by the config: no search
        return model_for("logistic", seed, params).fit(
            data.X, data.y, sample_weight=data.weight), {"C": params["C"]}
    unpenalised, epv = penalty_rule(data, seed, params)
    if unpenalised:
        model = model_for("logistic", seed, {**params, "C": None}).fit(
            data.X, data.y, sample_weight=data.weight)
        return model, {"C": None, "events_per_variable": epv,
                       "penalty": f"none: {epv:.1f} events per variable >= "
                                  f"{EVENTS_PER_VARIABLE:g}"}
    losses = []
    for C in C_GRID:
        total = 0.0
        for fit_idx, out_idx in splits:
            X, y, w = _part(data, fit_idx)
            m = model_for("logistic", seed, {**params, "C": C}).fit(X, y, sample_weight=w)
            Xo, yo, wo = _part(data, out_idx)
            total += _log_loss(yo, m.predict_pd(Xo), wo)
        losses.append(total / len(splits))
    best = C_GRID[int(np.argmin(losses))]
    model = model_for("logistic", seed, {**params, "C": best}).fit(
        data.X, data.y, sample_weight=data.weight)
    return model, {"C": best, "folds": len(splits), "events_per_variable": epv,
                   "penalty": f"cross-validated: {epv:.1f} events per variable < "
                              f"{EVENTS_PER_VARIABLE:g}"}


def _fit_lgbm(data: TrainingSet, splits: list[tuple[np.ndarray, np.ndarray]], seed: int,
              model_params: dict[str, Any] | None) -> tuple[CreditModel, dict[str, Any]]:
    params = dict(model_params or {})
    booster = dict(params.pop("params", None) or {})
    fold_params = {**booster, "n_estimators": booster.get("n_estimators", MAX_ROUNDS),
                   "early_stopping_rounds": booster.get("early_stopping_rounds") or PATIENCE}
    rounds, raw, y_oof, w_oof = [], [], [], []
    for fit_idx, out_idx in splits:
        X, y, w = _part(data, fit_idx)
        Xo, yo, wo = _part(data, out_idx)
        m = model_for("lgbm", seed, {**params, "params": fold_params, "calibrate": False}).fit(
            X, y, X_valid=Xo, y_valid=yo, sample_weight=w, valid_sample_weight=wo)
        rounds.append(int(m.best_iteration_))
        raw.append(m.predict_logit(Xo, raw=True))
        y_oof.append(yo)
        w_oof.append(np.ones(len(yo)) if wo is None else wo)
    chosen = max(1, round(float(np.mean(rounds))))
    final = {**booster, "n_estimators": chosen, "early_stopping_rounds": None}
    model = model_for("lgbm", seed, {**params, "params": final}).fit(
        data.X, data.y, sample_weight=data.weight)
    if params.get("calibrate", True):
        model.calibrate_scores(np.concatenate(raw), np.concatenate(y_oof),
                               sample_weight=np.concatenate(w_oof),
                               note=f"Platt on {len(splits)}-fold out-of-fold log-odds")
    return model, {"rounds": chosen, "fold_rounds": rounds, "folds": len(splits)}
