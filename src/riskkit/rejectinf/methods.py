"""Reject-inference methods: what to train the next model on when only the accepted have outcomes.

Each method turns the lender's view (:class:`riskkit.rejectinf.sample.LenderView`: every
applicant's features and incumbent score, outcomes for the accepted only) into training
sets (:mod:`riskkit.rejectinf.augment`) for the fit rows and the validation rows;
:func:`fit_method` fits a model of one kind on both together, tuned by cross-validation
(:mod:`riskkit.rejectinf.fitting`). The methods, each as its source defines it:

* ``accepted_only`` -- the baseline;
* ``reweighting`` (score bands) and ``reweighting_oof`` (out-of-fold acceptance model):
  :mod:`riskkit.rejectinf.weighting`;
* ``hard_cutoff``, ``fuzzy``, ``parcelling``, ``extrapolation``:
  :mod:`riskkit.rejectinf.labelling`;
* ``self_learning``: :mod:`riskkit.rejectinf.selflearning`;
* ``heckman`` (the probit with sample selection): :mod:`riskkit.rejectinf.heckman`.

The methods that label the rejects with a model (:data:`LABELLING`: hard cut-off, fuzzy,
parcelling, extrapolation) score them with Siddiqi's *known good/bad* model, whatever
kind the new model is: a logistic regression fitted on the accepted applicants
(:func:`fit_labeller`). Siddiqi (2006, ch. 6) builds the known good/bad scorecard by
logistic regression on the accepts and infers the rejects from its score before the final
scorecard is built on accepts and inferred rejects together; Anderson (2007, ch. 10) does
the same. A logistic model is linear in each feature, so it carries the slopes it learnt
among the accepted into the rejected region, where a tree model is flat beyond its last
split and a scorecard's outer bin pools the accepted tail with the rejects -- the
labeller's job is exactly that extrapolation. Reweighting's bands use the accepted-only
model of the same kind (``base``). Every method states what it assumes; none can be
checked on real data, which is why riskkit grades them against the truth
(:mod:`riskkit.rejectinf.grading`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from riskkit.core.errors import ConfigError
from riskkit.models import CreditModel
from riskkit.rejectinf.augment import (
    Augmented,
    TrainingSet,
    accepted_rows,
    merged,
    with_fuzzy_labels,
    with_hard_labels,
)
from riskkit.rejectinf.fitting import MODEL_KINDS, fit_kind, model_for
from riskkit.rejectinf.heckman import heckman
from riskkit.rejectinf.labelling import extrapolation, fuzzy, hard_cutoff, parcelling
from riskkit.rejectinf.sample import AcceptedSample
from riskkit.rejectinf.selflearning import self_learning_labels
from riskkit.rejectinf.weighting import reweighting, reweighting_oof


@dataclass
class FittedMethod:
    """One method's fitted model of one kind."""

    method: str
    kind: str
    model: CreditModel
    info: dict[str, Any]
    rows: int


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


def self_learning(sample: AcceptedSample, base: CreditModel | None = None, *, seed: int = 0,
                  **params: Any) -> Augmented:
    """Shallow self-learning (Kozodoi et al. 2019; BASL, Kozodoi et al. 2025): label rejects in rounds.

    See :mod:`riskkit.rejectinf.selflearning` for the confidence rule. The fit rows'
    rejects it labels join the accepted with hard labels; the ones it never labels stay
    out. The validation rows keep their accepted applicants only: no inferred label
    reaches them.
    """
    labels, keep, info = self_learning_labels(sample.train, seed, **params)
    return Augmented(with_hard_labels(sample.train, labels, keep), accepted_rows(sample.valid),
                     info)


Method = Callable[..., Augmented]
#: Every method by name (read-only), in the order tables list them.
METHODS: MappingProxyType[str, Method] = MappingProxyType({
    "accepted_only": accepted_only,
    "reweighting": reweighting,
    "reweighting_oof": reweighting_oof,
    "hard_cutoff": hard_cutoff,
    "fuzzy": fuzzy,
    "parcelling": parcelling,
    "extrapolation": extrapolation,
    "self_learning": self_learning,
    "heckman": heckman,
})
#: Methods that need the accepted-only model of the same kind.
NEEDS_BASE: tuple[str, ...] = ("reweighting",)
#: Methods that label the rejects with the known good/bad model (:func:`fit_labeller`).
LABELLING: tuple[str, ...] = ("hard_cutoff", "fuzzy", "parcelling", "extrapolation")
#: The known good/bad model's kind (Siddiqi 2006, ch. 6: a logistic regression).
LABELLER_KIND = "logistic"
#: The reference no lender has: a model fitted on everyone's outcome (graded like a method).
FULL_INFORMATION = "full_information"


def check_methods(methods: list[str] | tuple[str, ...], where: str = "reject_inference.methods"
                  ) -> list[str]:
    """Known method names, in the order given (ConfigError naming the unknown ones)."""
    unknown = [m for m in methods if m not in METHODS and m != FULL_INFORMATION]
    if unknown or not methods:
        raise ConfigError(f"{where}: unknown method(s) {unknown}; expected some of: "
                          f"{', '.join([*METHODS, FULL_INFORMATION])}")
    return list(methods)


def full_information(sample: AcceptedSample, truth_train: np.ndarray, truth_valid: np.ndarray
                     ) -> Augmented:
    """Everyone with their real outcome: what no lender has; the bound the methods aim at."""
    return Augmented(TrainingSet(sample.train.frame, np.asarray(truth_train, dtype=np.int64)),
                     TrainingSet(sample.valid.frame, np.asarray(truth_valid, dtype=np.int64)))


def labeller_params(model_params: dict[str, Any] | None) -> dict[str, Any]:
    """The known good/bad model's settings from another kind's: the run's ``features`` only
    (a LightGBM's or scorecard's own settings mean nothing to a logistic regression)."""
    features = (model_params or {}).get("features")
    return {} if features is None else {"features": features}


def fit_labeller(sample: AcceptedSample, seed: int,
                 model_params: dict[str, Any] | None = None) -> FittedMethod:
    """Siddiqi's known good/bad model: a logistic regression on the accepted applicants.

    Siddiqi, N. (2006), *Credit Risk Scorecards*, Wiley, ch. 6: the known good/bad
    scorecard, a logistic regression fitted on the accepts, scores the rejects, and its
    score drives simple and fuzzy augmentation and parcelling; Anderson, R. (2007), *The
    Credit Scoring Toolkit*, Oxford UP, ch. 10, likewise for extrapolation. The same fit
    as the ``logistic`` kind's ``accepted_only`` row (maximum likelihood unless the
    accepted hold too few bads: :func:`riskkit.rejectinf.fitting.penalty_rule`), used for
    every model kind so that each kind's final model learns from the same inferred labels.

    Parameters
    ----------
    sample : AcceptedSample
        The lender's data.
    seed : int
        Seeds the cross-validation folds (when the penalty is cross-validated).
    model_params : dict, optional
        The logistic kind's settings (``features``, ``C``).

    Returns
    -------
    FittedMethod
        The ``accepted_only`` fit of kind ``logistic``.
    """
    return fit_method("accepted_only", sample, LABELLER_KIND, base=None, seed=seed,
                      model_params=model_params)


def fit_method(name: str, sample: AcceptedSample, kind: str, *, base: CreditModel | None,
               seed: int, params: dict[str, Any] | None = None,
               model_params: dict[str, Any] | None = None,
               labeller: CreditModel | None = None) -> FittedMethod:
    """Run one method and fit one model of ``kind`` on its output.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS`.
    sample : AcceptedSample
        The lender's data.
    kind : str
        ``"logistic"``, ``"scorecard"`` or ``"lgbm"``.
    base : CreditModel or None
        The accepted-only model of the same kind (needed by :data:`NEEDS_BASE`).
    seed : int
        Seeds every random step (parcelling's draws, self-learning's samples, LightGBM).
    params : dict, optional
        The method's own settings (e.g. ``{"factor": 2.0}``).
    model_params : dict, optional
        Settings of the model (the ``models:`` section's, and ``features``).
    labeller : CreditModel, optional
        The known good/bad model the :data:`LABELLING` methods score the rejects with
        (:func:`fit_labeller`); fitted here, with ``model_params``' features, when not given.

    Returns
    -------
    FittedMethod
    """
    method = METHODS[check_methods([name])[0]]
    if base is None and name in NEEDS_BASE:
        raise ConfigError(f"reject inference method {name!r} needs the accepted-only model")
    extra: dict[str, Any] = {}
    if name in LABELLING:
        if labeller is None:
            labeller = fit_labeller(sample, seed, labeller_params(model_params)).model
        base, extra = labeller, {"labeller": f"{LABELLER_KIND} accepted_only"}
    try:
        aug = method(sample, base, seed=seed, **(params or {}))
    except TypeError as exc:
        raise ConfigError(f"reject_inference.params.{name}: {exc}") from None
    model, tuning = fit_training_sets(kind, aug, seed, model_params)
    return FittedMethod(name, kind, model, {**extra, **aug.info, **tuning},
                        len(aug.train) + len(aug.valid))


def fit_training_sets(kind: str, aug: Augmented, seed: int,
                      model_params: dict[str, Any] | None = None
                      ) -> tuple[CreditModel, dict[str, Any]]:
    """Fit a model of ``kind`` on a method's fit and validation sets together (tuned by CV)."""
    return fit_kind(kind, merged(aug.train, aug.valid), seed, model_params)


__all__ = ["FULL_INFORMATION", "LABELLER_KIND", "LABELLING", "METHODS", "MODEL_KINDS",
           "NEEDS_BASE", "Augmented", "FittedMethod", "TrainingSet", "accepted_only",
           "accepted_rows", "check_methods", "extrapolation", "fit_labeller", "fit_method",
           "fit_training_sets", "full_information", "fuzzy",
           "hard_cutoff", "heckman", "model_for", "parcelling", "reweighting", "reweighting_oof",
           "self_learning", "with_fuzzy_labels", "with_hard_labels"]
