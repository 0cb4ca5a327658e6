"""Reject inference by reweighting the accepted: by score band, or by an out-of-fold acceptance model.

Reweighting invents no labels: each accepted applicant stands for itself and for the
rejects that resemble it. Sources: Siddiqi (2006), *Credit Risk Scorecards*, ch. 6
("reweighting": within each score band, accepted goods and bads are weighted by
``(accepted + rejected) / accepted``); Crook & Banasik (2004), *J. Banking & Finance*
28, 857-874 (the band weights as the inverse of the band's acceptance rate, and why they
cannot correct a model where no applicant of some kind was ever accepted); Anderson
(2007), *The Credit Scoring Toolkit*, ch. 10.

The bands span the whole through-the-door range of the accepted-only model's score
(Siddiqi bands on "the score", and the incumbent's own score would not do: a
deterministic cut-off on it leaves bands with rejects and no accepts at all, the
no-overlap case in which reweighting cannot work). A band with fewer than
``min_accepts`` accepted applicants is pooled with its safer neighbour, and a band's
acceptance rate is floored at ``min_probability`` (weights at most ``1 /
min_probability``, as in the acceptance-model variant): the usual trimming of inverse
probability weights (Cole & Hernan 2008, *Am. J. Epidemiology* 168), without which a
riskiest band accepting one applicant in seventy lets a handful of rows steer the fit.

The acceptance-model variant weights by ``1 / p(accept | x)`` with ``p`` predicted *out
of fold*: an acceptance model fitted and evaluated on the same rows reproduces the
incumbent's deterministic rule (AUC 1.000), so every accepted applicant gets ``p ~ 1`` and
weight ~1: accepted-only under another name.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from riskkit.core.errors import ConfigError
from riskkit.models import CreditModel
from riskkit.rejectinf.augment import (
    Augmented,
    TrainingSet,
    accepted_rows,
    check_bands,
    quantile_bands,
)
from riskkit.rejectinf.learners import THREADS, acceptance_pipeline, model_frame
from riskkit.rejectinf.sample import AcceptedSample

#: Folds of the out-of-fold acceptance model.
ACCEPTANCE_FOLDS = 5


def band_weights(score: np.ndarray, accepted: np.ndarray, bands: int,
                 min_accepts: int = 50, min_probability: float = 0.0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Siddiqi's band weights over the through-the-door applicants.

    Parameters
    ----------
    score : array
        Every applicant's score (higher: riskier), accepted and rejected.
    accepted : array of bool
        The incumbent's decisions.
    bands : int
        Equal-count bands of ``score`` over all applicants.
    min_accepts : int
        A band with fewer accepted applicants is pooled with its safer neighbour.
    min_probability : float
        Floor of a band's acceptance rate (0: none).

    Returns
    -------
    weight : array
        ``(accepted + rejected) / accepted`` of each applicant's (pooled) band, at most
        ``1 / min_probability``; meaningful for the accepted (without the floor the
        weights sum over them to the number of applicants).
    band : array of int
        Each applicant's pooled band.
    rates : array
        Each pooled band's acceptance rate.
    """
    accepted = np.asarray(accepted, dtype=bool)
    band = np.digitize(score, quantile_bands(score, bands))
    n = int(band.max()) + 1
    # pool from the safe end: a band short of accepts joins the pooled band before it
    label = np.zeros(n, dtype=np.int64)
    current, acc_count = 0, 0
    acc_by_band = np.bincount(band[accepted], minlength=n)
    for b in range(n):
        if b > 0 and acc_count >= min_accepts:
            current, acc_count = current + 1, 0
        label[b] = current
        acc_count += int(acc_by_band[b])
    if acc_count < min_accepts and current > 0:  # the riskiest pool is short: merge it down
        label[label == current] = current - 1
    pooled = label[band]
    total = np.bincount(pooled)
    acc = np.bincount(pooled[accepted], minlength=len(total))
    rate = acc / np.maximum(total, 1)
    floored = np.maximum(rate, min_probability)
    weight = np.where(acc[pooled] > 0, 1.0 / np.maximum(floored[pooled], 1e-12), 0.0)
    return weight, pooled, rate


def reweighting(sample: AcceptedSample, base: CreditModel, *, seed: int = 0, bands: int = 10,
                min_accepts: int = 50, min_probability: float = 0.05) -> Augmented:
    """Weight each accepted applicant by ``(accepted + rejected) / accepted`` of its score band.

    Bands: equal-count bands of the accepted-only model's PD over *all* applicants of the
    fit and validation rows (see the module docstring for why that score). Assumes that
    within a band the rejects' outcomes are distributed like the accepted's (MAR given
    the band) and that every band has accepted applicants (overlap).
    """
    bands = check_bands("reweighting.bands", bands)
    if not 0.0 <= min_probability < 1.0:
        raise ConfigError(f"reject_inference.params.reweighting.min_probability must lie in "
                          f"[0, 1), got {min_probability!r}")
    views = (sample.train, sample.valid)
    score = np.concatenate([base.predict_pd(v.frame) for v in views])
    accepted = np.concatenate([v.accepted for v in views])
    weight, _, rate = band_weights(score, accepted, bands, min_accepts, min_probability)
    n_train = len(sample.train.frame)
    sets = []
    for view, w in ((sample.train, weight[:n_train]), (sample.valid, weight[n_train:])):
        acc = accepted_rows(view)
        sets.append(TrainingSet(acc.X, acc.y, w[view.accepted], acc.group))
    w_acc = weight[accepted]
    return Augmented(sets[0], sets[1], {
        "scheme": "score bands", "bands": len(rate), "band_acceptance_rates": rate.tolist(),
        "min_probability": min_probability,
        "floored_bands": int((rate < min_probability).sum()),
        "mean_weight": float(w_acc.mean()), "max_weight": float(w_acc.max()),
        "share_weight_below_1_05": float((w_acc < 1.05).mean())})


def reweighting_oof(sample: AcceptedSample, base: CreditModel | None = None, *, seed: int = 0,
                    min_probability: float = 0.05) -> Augmented:
    """Weight each accepted applicant by ``1 / p(accept | x)``, ``p`` predicted out of fold.

    The acceptance model (:func:`riskkit.rejectinf.learners.acceptance_pipeline`) is
    fitted by ``ACCEPTANCE_FOLDS``-fold cross-fitting on the through-the-door rows
    (features -> accepted): each applicant's ``p`` comes from a model that did not see it.
    ``p`` is clipped at ``min_probability`` (weights at most ``1 / min_probability``):
    where the incumbent accepted nobody like an applicant there is no one to stand in.
    """
    if not 0.0 < min_probability <= 1.0:
        raise ConfigError(f"reject_inference.params.reweighting_oof.min_probability must lie "
                          f"in (0, 1], got {min_probability!r}")
    sets, weights = [], []
    for view in (sample.train, sample.valid):
        folds = StratifiedKFold(ACCEPTANCE_FOLDS, shuffle=True, random_state=seed)
        with threadpool_limits(limits=THREADS):
            p = cross_val_predict(acceptance_pipeline(seed), model_frame(view.frame),
                                  view.accepted.astype(int), cv=folds,
                                  method="predict_proba")[:, 1]
        w = 1.0 / np.clip(p[view.accepted], min_probability, 1.0)
        acc = accepted_rows(view)
        sets.append(TrainingSet(acc.X, acc.y, w, acc.group))
        weights.append(w)
    w_all = np.concatenate(weights)
    return Augmented(sets[0], sets[1], {
        "scheme": "out-of-fold acceptance model", "min_probability": min_probability,
        "mean_weight": float(w_all.mean()), "max_weight": float(w_all.max()),
        "share_weight_below_1_05": float((w_all < 1.05).mean())})
