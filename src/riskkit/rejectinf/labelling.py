"""Reject inference by labelling the rejects: hard cut-off, fuzzy, parcelling, extrapolation.

Each method scores the rejects of the fit and the validation rows alike and returns an
:class:`~riskkit.rejectinf.augment.Augmented`. ``base`` is the accepted-only model of the
same kind (what the lender would deploy without reject inference). Sources:

* Siddiqi, N. (2006), *Credit Risk Scorecards*, Wiley, ch. 6 "Reject inference":
  simple (hard cut-off) augmentation, fuzzy augmentation and parcelling;
* Anderson, R. (2007), *The Credit Scoring Toolkit*, Oxford UP, ch. 10 (reject
  inference): extrapolation of the accepted's log-odds-versus-score line into the
  rejected score range, and allocation of the rejects by the extrapolated bad rates;
* Crook, J. & Banasik, J. (2004), "Does reject inference really improve the performance
  of application scoring models?", *J. Banking & Finance* 28, 857-874: augmentation and
  extrapolation help little when selection is on the recorded score (missing at random).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from riskkit.models import CreditModel
from riskkit.rejectinf.augment import (
    Augmented,
    check_bands,
    check_factor,
    quantile_bands,
    shift_to_mean,
    with_fuzzy_labels,
    with_hard_labels,
)
from riskkit.rejectinf.sample import AcceptedSample, LenderView


def _views(sample: AcceptedSample) -> tuple[LenderView, LenderView]:
    return sample.train, sample.valid


def _reject_values(sample: AcceptedSample, fn: Any) -> np.ndarray:
    """``fn(view)`` over the rejects of the fit and validation rows, concatenated."""
    return np.concatenate([np.asarray(fn(v), dtype=float) for v in _views(sample)])


def score_line(sample: AcceptedSample) -> tuple[float, float]:
    """Anderson's extrapolation line: the accepted's log-odds of default, linear in the
    incumbent's log-odds, fitted by (unpenalised) logistic regression on every accepted row.

    Returns ``(intercept, slope)``.
    """
    x = np.concatenate([v.incumbent_logit[v.accepted] for v in _views(sample)])
    y = np.concatenate([v.y_accepted for v in _views(sample)])
    lr = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000, tol=1e-10)
    lr.fit(x.reshape(-1, 1), y)
    return float(lr.intercept_[0]), float(lr.coef_[0, 0])


def _line_pd(line: tuple[float, float], x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(line[0] + line[1] * np.asarray(x, dtype=float))))


def expected_reject_bad_rate(sample: AcceptedSample) -> float:
    """The rejects' bad rate the extrapolated score line implies (Anderson 2007)."""
    line = score_line(sample)
    return float(_line_pd(line, _reject_values(
        sample, lambda v: v.incumbent_logit[~v.accepted])).mean())


def hard_cutoff(sample: AcceptedSample, base: CreditModel, *, seed: int = 0,
                bad_rate: float | None = None) -> Augmented:
    """Simple augmentation (Siddiqi 2006, ch. 6): the riskiest rejects labelled bad, the rest good.

    The rejects are scored with the accepted-only model; a PD cut-off splits them into
    bads and goods, and Siddiqi sets it so that the rejects' bad rate is the one the
    analyst expects for them -- not the accepted-only model's own mean PD, which is the
    bias being corrected (with a LightGBM it labelled 98 % of the rejects good). The
    expected rate is ``bad_rate`` when given, else the extrapolated score line's
    (:func:`expected_reject_bad_rate`). Assumes the base model *ranks* the rejects right.
    """
    share = float(expected_reject_bad_rate(sample) if bad_rate is None
                  else check_factor("hard_cutoff.bad_rate", bad_rate))
    share = float(np.clip(share, 0.0, 1.0))
    p_all = _reject_values(sample, lambda v: base.predict_pd(v.rejects))
    threshold = float(np.quantile(p_all, 1.0 - share)) if share > 0 else np.inf
    sets = [with_hard_labels(v, base.predict_pd(v.rejects) >= threshold) for v in _views(sample)]
    labelled = np.concatenate([s.y[len(s) - int((~v.accepted).sum()):]
                               for s, v in zip(sets, _views(sample), strict=True)])
    return Augmented(sets[0], sets[1], {"bad_share": share, "threshold_pd": threshold,
                                        "labelled_bad_share": float(labelled.mean())})


def fuzzy(sample: AcceptedSample, base: CreditModel, *, seed: int = 0,
          factor: float = 1.0) -> Augmented:
    """Fuzzy augmentation (Siddiqi 2006, ch. 6): every reject twice, bad with weight ``p``
    and good with ``1 - p``, ``p`` the accepted-only model's PD (times ``factor``).

    Adds no information the base model lacks: it makes the new model fit the rejected
    region the way the base model extrapolates into it, so it inherits that model's bias
    for the rejects unless ``factor`` (the analyst's judgement) corrects it.
    """
    factor = check_factor("fuzzy.factor", factor)
    sets = [with_fuzzy_labels(v, factor * base.predict_pd(v.rejects)) for v in _views(sample)]
    return Augmented(sets[0], sets[1], {"factor": factor})


def parcelling(sample: AcceptedSample, base: CreditModel, *, seed: int = 0,
               bands: int = 10, factor: float = 1.0, min_accepts: int = 200) -> Augmented:
    """Parcelling (Siddiqi 2006, ch. 6): score bands over the rejects' range, labels drawn per band.

    The bands are equal-count bands of the accepted-only model's PD over the *rejects*
    (fit and validation rows), so each holds a tenth of the rejects -- not the accepted's
    deciles, above whose top edge most rejects would share one open band. A band's bad
    rate is the observed bad rate of the accepted applicants whose PD falls in it, where
    at least ``min_accepts`` do; in bands beyond the accepted's range (fewer accepts) it is
    the base model's mean PD over the band's rejects, the only estimate there is. Each
    reject is drawn bad with probability ``min(1, factor * rate)`` (seeded): ``factor`` is
    the analyst's judgement of how much worse rejects are than accepts of the same score
    (1: selection on the score only).
    """
    factor = check_factor("parcelling.factor", factor)
    bands = check_bands("parcelling.bands", bands)
    p_rej = _reject_values(sample, lambda v: base.predict_pd(v.rejects))
    edges = quantile_bands(p_rej, bands)
    n_bands = len(edges) + 1
    p_acc = _reject_values(sample, lambda v: base.predict_pd(v.accepts))
    y_acc = np.concatenate([v.y_accepted for v in _views(sample)])
    band_acc = np.digitize(p_acc, edges)
    counts = np.bincount(band_acc, minlength=n_bands)
    observed = np.bincount(band_acc, weights=y_acc, minlength=n_bands) / np.maximum(counts, 1)
    model_rate = (np.bincount(np.digitize(p_rej, edges), weights=p_rej, minlength=n_bands)
                  / np.maximum(np.bincount(np.digitize(p_rej, edges), minlength=n_bands), 1))
    rate = np.where(counts >= min_accepts, observed, model_rate)
    p_band = np.minimum(1.0, factor * rate)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 1)))
    sets = []
    for view in _views(sample):
        p = p_band[np.digitize(base.predict_pd(view.rejects), edges)]
        sets.append(with_hard_labels(view, rng.random(len(p)) < p))
    share = np.bincount(np.digitize(p_rej, edges), minlength=n_bands) / len(p_rej)
    return Augmented(sets[0], sets[1], {
        "bands": n_bands, "factor": factor, "band_bad_rates": rate.tolist(),
        "band_accepts": counts.tolist(), "reject_share_by_band": share.tolist(),
        "band_edges_pd": edges.tolist()})


def extrapolation(sample: AcceptedSample, base: CreditModel | None = None, *, seed: int = 0,
                  bands: int = 10, reject_weight: float = 1.0) -> Augmented:
    """Extrapolation (Anderson 2007, ch. 10): the accepted's odds-versus-score line, carried
    below the cut-off, sets each reject band's bad rate; the rejects are allocated by it.

    1. A logistic regression of the accepted's outcome on the incumbent's log-odds (the
       score the lender recorded for *every* applicant) gives the line
       (:func:`score_line`).
    2. The rejects are cut into ``bands`` equal-count bands of the incumbent's score (over
       the rejects' own range); a band's expected bad rate is the line's mean PD there.
    3. Within a band, each reject's PD is the accepted-only model's, shifted by one
       constant in log-odds so that the band's mean is the line's (its ranking inside the
       band, the line's level); without a base model, the line's PD itself. Each reject
       enters as a fuzzy pair with these weights (times ``reject_weight``).

    Assumes the log-odds stay linear in the incumbent's score beyond the cut-off, and that
    given its score a reject is like an accepted applicant (selection on the score: MAR).
    When the incumbent also used private information (MNAR), the accepted near the
    cut-off are better than their score says and the line is too low for the rejects.
    """
    reject_weight = check_factor("extrapolation.reject_weight", reject_weight)
    bands = check_bands("extrapolation.bands", bands)
    line = score_line(sample)
    score_rej = _reject_values(sample, lambda v: v.incumbent_logit[~v.accepted])
    edges = quantile_bands(score_rej, bands)
    band = np.digitize(score_rej, edges)
    p = _line_pd(line, score_rej)
    if base is not None:
        p_base = _reject_values(sample, lambda v: base.predict_pd(v.rejects))
        for b in np.unique(band):
            rows = band == b
            p[rows] = shift_to_mean(p_base[rows], float(p[rows].mean()))
    n_train = int((~sample.train.accepted).sum())
    sets = [with_fuzzy_labels(sample.train, p[:n_train], reject_weight),
            with_fuzzy_labels(sample.valid, p[n_train:], reject_weight)]
    return Augmented(sets[0], sets[1], {"intercept": line[0], "slope": line[1],
                                        "bands": len(edges) + 1,
                                        "mean_pd_rejects": float(p.mean())})
