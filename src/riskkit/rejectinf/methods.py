"""Reject-inference methods: what to train the next model on when only the accepted have outcomes.

Each method turns the lender's view (:class:`riskkit.rejectinf.sample.LenderView`: every
applicant's features and incumbent score, outcomes for the accepted only) into a training
set -- rows, 0/1 labels and optional weights -- for the fit rows and, the same way, for the
validation rows (which drive early stopping and the Platt calibration, so they must carry
the same inference). :func:`fit_method` then fits a riskkit scorecard or LightGBM on it
with ``sample_weight``. A weighted row stands for that many applicants; a *fuzzy* reject
appears twice, as a bad with weight ``p`` and as a good with weight ``1 - p``.

Methods that label the rejects with a model use the ``accepted_only`` model of the same
kind (``base``), as a credit team would: the model it would have deployed without reject
inference. Every method states what it assumes; none can be checked on real data, which is
why riskkit grades them against the truth (:mod:`riskkit.rejectinf.grading`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from riskkit.core.errors import ConfigError
from riskkit.models import CreditModel, make_model
from riskkit.rejectinf.learners import acceptance_model
from riskkit.rejectinf.sample import AcceptedSample, LenderView
from riskkit.rejectinf.selflearning import self_learning_labels


@dataclass
class TrainingSet:
    """Rows, 0/1 labels and weights (None: every row counts once) to fit a model on."""

    X: pd.DataFrame
    y: np.ndarray
    weight: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)


@dataclass
class Augmented:
    """A method's training and validation sets, and what it decided (for the log and table)."""

    train: TrainingSet
    valid: TrainingSet
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class FittedMethod:
    """One method's fitted model of one kind."""

    method: str
    kind: str
    model: CreditModel
    info: dict[str, Any]
    rows: int


# ------------------------------------------------------------------------ building blocks
def accepted_rows(view: LenderView) -> TrainingSet:
    """The accepted applicants with their observed outcomes."""
    return TrainingSet(view.accepts.reset_index(drop=True), view.y_accepted.astype(np.int64))


def with_hard_labels(view: LenderView, labels: np.ndarray,
                     keep: np.ndarray | None = None) -> TrainingSet:
    """Accepted rows plus rejects (all, or those in ``keep``) with inferred 0/1 labels."""
    rejects = view.rejects.reset_index(drop=True)
    labels = np.asarray(labels, dtype=np.int64)
    if keep is not None:
        rejects, labels = rejects.loc[keep].reset_index(drop=True), labels[keep]
    acc = accepted_rows(view)
    return TrainingSet(pd.concat([acc.X, rejects], ignore_index=True),
                       np.concatenate([acc.y, labels]))


def with_fuzzy_labels(view: LenderView, p_bad: np.ndarray,
                      reject_weight: float = 1.0) -> TrainingSet:
    """Accepted rows (weight 1) plus every reject twice: bad with weight ``p``, good with ``1-p``.

    The duplicates make the weighted bad count of the rejects equal to their inferred
    expected bad count, without drawing a random label.
    """
    rejects = view.rejects.reset_index(drop=True)
    p = np.clip(np.asarray(p_bad, dtype=float), 0.0, 1.0)
    acc = accepted_rows(view)
    n = len(rejects)
    return TrainingSet(
        pd.concat([acc.X, rejects, rejects], ignore_index=True),
        np.concatenate([acc.y, np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)]),
        np.concatenate([np.ones(len(acc)), reject_weight * p, reject_weight * (1.0 - p)]))


def _check_factor(name: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise ConfigError(f"reject_inference.params.{name}: must be a number > 0, got {value!r}")
    return float(value)


# ------------------------------------------------------------------------ the methods
def accepted_only(sample: AcceptedSample, base: CreditModel | None = None, *,
                  seed: int = 0) -> Augmented:
    """Fit on the accepted applicants only, as if they were everyone.

    Assumes the accepted represent the rejects: that the outcome given the features does
    not depend on being accepted (true here: selection is on features only) *and* that the
    model carries what it learnt in the accepted region into the rejected one -- the part
    that fails: a tree model is flat beyond the last split it saw, and a scorecard's outer
    bin pools the accepted tail with the unseen rejects.
    """
    return Augmented(accepted_rows(sample.train), accepted_rows(sample.valid))


def reweighting(sample: AcceptedSample, base: CreditModel | None = None, *, seed: int = 0,
                min_probability: float = 0.05) -> Augmented:
    """Weight every accepted applicant by ``1 / p(accept | x)``; leave the rejects out.

    The acceptance model (:func:`riskkit.rejectinf.learners.acceptance_model`) is fitted on
    the through-the-door fit rows, features -> accepted. Assumes selection on observables
    (outcome independent of acceptance given x) and *overlap*: every kind of applicant has
    some chance of acceptance. A hard cut-off breaks overlap (far below it ``p`` is 0), so
    ``p`` is clipped at ``min_probability`` (weights at most ``1 / min_probability``):
    the accepted near the cut-off stand in for the rejects, those far below have no
    stand-in at all.
    """
    if not 0.0 < min_probability <= 1.0:
        raise ConfigError(f"reject_inference.params.reweighting.min_probability must lie in "
                          f"(0, 1], got {min_probability!r}")
    model = acceptance_model(sample.train.frame, sample.train.accepted, seed)
    sets = []
    for view in (sample.train, sample.valid):
        acc = accepted_rows(view)
        p = np.clip(model.predict_proba(acc.X)[:, 1], min_probability, 1.0)
        sets.append(TrainingSet(acc.X, acc.y, 1.0 / p))
    return Augmented(sets[0], sets[1], {"min_probability": min_probability,
                                        "max_weight": float(sets[0].weight.max()),
                                        "mean_weight": float(sets[0].weight.mean())})


def hard_cutoff(sample: AcceptedSample, base: CreditModel, *, seed: int = 0,
                factor: float = 1.0) -> Augmented:
    """Score the rejects with the accepted-only model; the riskiest are labelled bad, the rest good.

    The share labelled bad is ``factor`` times the base model's mean PD over the (fit)
    rejects, and the threshold is the base PD at that share. Assumes the base model *ranks*
    the rejects correctly and (with ``factor=1``) that its PD level for them is right;
    ``factor > 1`` is the analyst's judgement that rejects are worse than the model says.
    """
    factor = _check_factor("hard_cutoff.factor", factor)
    p_fit = base.predict_pd(sample.train.rejects)
    share = float(np.clip(factor * p_fit.mean(), 0.0, 1.0))
    threshold = float(np.quantile(p_fit, 1.0 - share)) if share > 0 else np.inf
    sets = [with_hard_labels(v, base.predict_pd(v.rejects) >= threshold)
            for v in (sample.train, sample.valid)]
    return Augmented(sets[0], sets[1], {"bad_share": share, "threshold_pd": threshold})


def fuzzy(sample: AcceptedSample, base: CreditModel, *, seed: int = 0,
          factor: float = 1.0) -> Augmented:
    """Every reject twice, bad with weight ``p`` and good with ``1 - p``, ``p`` from the base model.

    Assumes the accepted-only model's PD is right for the rejects (times ``factor``, the
    analyst's inflation); it adds no information the base model lacks, it only makes the
    new model fit the rejected region the way the base model extrapolates into it.
    """
    factor = _check_factor("fuzzy.factor", factor)
    sets = [with_fuzzy_labels(v, factor * base.predict_pd(v.rejects))
            for v in (sample.train, sample.valid)]
    return Augmented(sets[0], sets[1], {"factor": factor})


def parcelling(sample: AcceptedSample, base: CreditModel, *, seed: int = 0,
               bands: int = 10, factor: float = 2.0) -> Augmented:
    """Band by the base model's PD; rejects in a band are drawn bad at ``factor`` x its accepted bad rate.

    Bands are quantiles of the base PD over the accepted fit rows; a reject above the
    highest accepted band joins it. Each reject is labelled bad with probability
    ``min(1, factor * observed bad rate of the accepted in its band)`` (a seeded draw).
    Assumes rejects are ``factor`` times as risky as accepts *with the same score*: the
    analyst's judgement (textbooks suggest 2 to 4), not something the data can show.
    """
    factor = _check_factor("parcelling.factor", factor)
    if not isinstance(bands, int) or bands < 2:
        raise ConfigError(f"reject_inference.params.parcelling.bands must be a whole number "
                          f">= 2, got {bands!r}")
    acc = accepted_rows(sample.train)
    p_acc = base.predict_pd(acc.X)
    edges = np.unique(np.quantile(p_acc, np.linspace(0, 1, bands + 1)[1:-1]))
    band = np.digitize(p_acc, edges)
    counts = np.bincount(band, minlength=len(edges) + 1)
    bads = np.bincount(band, weights=acc.y, minlength=len(edges) + 1)
    rate = np.divide(bads, counts, out=np.full(len(counts), acc.y.mean()), where=counts > 0)
    p_band = np.minimum(1.0, factor * rate)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 1)))
    sets = []
    for view in (sample.train, sample.valid):
        p = p_band[np.digitize(base.predict_pd(view.rejects), edges)]
        sets.append(with_hard_labels(view, rng.random(len(p)) < p))
    return Augmented(sets[0], sets[1], {"bands": len(counts), "factor": factor,
                                        "band_bad_rates": rate.tolist()})


def extrapolation(sample: AcceptedSample, base: CreditModel | None = None, *, seed: int = 0,
                  reject_weight: float = 1.0) -> Augmented:
    """Extrapolate the accepted's odds-versus-incumbent-score line below the cut-off.

    A one-feature logistic regression of the accepted's outcome on the incumbent's log-odds
    (the score the lender knows for *every* applicant) is carried into the rejected range,
    and each reject enters as a fuzzy pair weighted by the extrapolated PD. Assumes the
    log-odds of default stay linear in the incumbent's score beyond the cut-off, and that
    the rejects' risk given their score is the accepted's (selection on that score only).
    """
    reject_weight = _check_factor("extrapolation.reject_weight", reject_weight)
    view = sample.train
    lr = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000, tol=1e-10)
    lr.fit(view.incumbent_logit[view.accepted].reshape(-1, 1), view.y_accepted)
    slope, intercept = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    sets = []
    for v in (sample.train, sample.valid):
        p = expit(intercept + slope * v.incumbent_logit[~v.accepted])
        sets.append(with_fuzzy_labels(v, p, reject_weight))
    p_fit = expit(intercept + slope * view.incumbent_logit[~view.accepted])
    return Augmented(sets[0], sets[1], {"slope": slope, "intercept": intercept,
                                        "mean_pd_rejects": float(p_fit.mean())})


def self_learning(sample: AcceptedSample, base: CreditModel | None = None, *, seed: int = 0,
                  **params: Any) -> Augmented:
    """Bias-aware self-learning (a variant of Kozodoi et al., EJOR 2025): label rejects in rounds.

    See :func:`riskkit.rejectinf.selflearning.self_learning_labels` for the rounds and what
    they assume. The rejects it labels join the accepted with hard labels; the ones it never
    labels (filtered out, or left after the last round) stay out of the training set.
    """
    sets, info, state = [], {}, None
    for view in (sample.train, sample.valid):
        labels, keep, info_v, state = self_learning_labels(view, seed, state, **params)
        sets.append(with_hard_labels(view, labels, keep))
        info = info or info_v
    return Augmented(sets[0], sets[1], info)


Method = Callable[..., Augmented]
#: Every method by name (read-only), in the order tables list them.
METHODS: MappingProxyType[str, Method] = MappingProxyType({
    "accepted_only": accepted_only,
    "reweighting": reweighting,
    "hard_cutoff": hard_cutoff,
    "fuzzy": fuzzy,
    "parcelling": parcelling,
    "extrapolation": extrapolation,
    "self_learning": self_learning,
})
#: The reference no lender has: a model fitted on everyone's outcome (graded like a method).
FULL_INFORMATION = "full_information"
MODEL_KINDS: tuple[str, ...] = ("scorecard", "lgbm")


def check_methods(methods: list[str] | tuple[str, ...], where: str = "reject_inference.methods"
                  ) -> list[str]:
    """Known method names, in the order given (ConfigError naming the unknown ones)."""
    unknown = [m for m in methods if m not in METHODS and m != FULL_INFORMATION]
    if unknown or not methods:
        raise ConfigError(f"{where}: unknown method(s) {unknown}; expected some of: "
                          f"{', '.join([*METHODS, FULL_INFORMATION])}")
    return list(methods)


def model_for(kind: str, seed: int, model_params: dict[str, Any] | None = None) -> CreditModel:
    """A fresh model of ``kind`` with the run's settings (LightGBM: one thread, seeded)."""
    if kind not in MODEL_KINDS:
        raise ConfigError(f"reject_inference.models: {kind!r} is not one of {MODEL_KINDS}")
    params = dict(model_params or {})
    if kind == "lgbm":
        params.setdefault("seed", seed)
        params.setdefault("num_threads", 1)
    return make_model(kind, **params)


def fit_training_sets(kind: str, aug: Augmented, seed: int,
                      model_params: dict[str, Any] | None = None) -> CreditModel:
    """Fit a model of ``kind`` on a method's (weighted) training and validation sets."""
    return model_for(kind, seed, model_params).fit(
        aug.train.X, aug.train.y, X_valid=aug.valid.X, y_valid=aug.valid.y,
        sample_weight=aug.train.weight, valid_sample_weight=aug.valid.weight)


def full_information(sample: AcceptedSample, truth_train: np.ndarray, truth_valid: np.ndarray
                     ) -> Augmented:
    """Everyone with their real outcome: what no lender has; the bound the methods aim at."""
    return Augmented(TrainingSet(sample.train.frame, np.asarray(truth_train, dtype=np.int64)),
                     TrainingSet(sample.valid.frame, np.asarray(truth_valid, dtype=np.int64)))


def fit_method(name: str, sample: AcceptedSample, kind: str, *, base: CreditModel | None,
               seed: int, params: dict[str, Any] | None = None,
               model_params: dict[str, Any] | None = None) -> FittedMethod:
    """Run one method and fit one model of ``kind`` on its output.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS`.
    sample : AcceptedSample
        The lender's data.
    kind : str
        ``"scorecard"`` or ``"lgbm"``.
    base : CreditModel or None
        The accepted-only model of the same kind (needed by hard_cutoff, fuzzy, parcelling).
    seed : int
        Seeds every random step (parcelling's draws, self-learning's samples, LightGBM).
    params : dict, optional
        The method's own settings (e.g. ``{"factor": 2.0}``).
    model_params : dict, optional
        Settings of the model (as in the ``models:`` section).

    Returns
    -------
    FittedMethod
    """
    method = METHODS[check_methods([name])[0]]
    if base is None and name in ("hard_cutoff", "fuzzy", "parcelling"):
        raise ConfigError(f"reject inference method {name!r} needs the accepted-only model")
    try:
        aug = method(sample, base, seed=seed, **(params or {}))
    except TypeError as exc:
        raise ConfigError(f"reject_inference.params.{name}: {exc}") from None
    model = fit_training_sets(kind, aug, seed, model_params)
    return FittedMethod(name, kind, model, aug.info, len(aug.train))


__all__ = ["FULL_INFORMATION", "METHODS", "MODEL_KINDS", "Augmented", "FittedMethod",
           "TrainingSet", "accepted_only", "accepted_rows", "check_methods", "extrapolation",
           "fit_method", "fit_training_sets", "full_information", "fuzzy", "hard_cutoff",
           "model_for", "parcelling", "reweighting", "self_learning",
           "with_fuzzy_labels", "with_hard_labels"]
