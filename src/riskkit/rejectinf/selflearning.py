"""Bias-aware self-learning for reject inference: riskkit's documented variant of BASL.

Kozodoi, Lessmann, Alamgir, Moreira-Matias & Papakonstantinou, "Fighting sampling bias: a
framework for training and evaluating credit scoring models", EJOR (2025), propose
bias-aware self-learning (BASL): filter the rejects, then label them in rounds with a weak
learner, adding only the most confidently scored each round, with more bad labels than the
learner's own estimate would give because a model trained on accepts underestimates the
rejects' risk. riskkit implements the shape of it; where the paper leaves a choice open or
this implementation simplifies, it says so:

1. **filtering** -- an isolation forest fitted on the accepted applicants' features scores
   every reject; rejects below the ``filter_low`` quantile of those scores (the most
   unlike any accepted applicant: the weak learner would extrapolate wildly) and above
   ``filter_high`` (the most like the accepted: they add little) are never labelled;
2. **labelling rounds** (``rounds``) -- fit the weak learner (L1 logistic regression,
   :func:`riskkit.rejectinf.learners.weak_learner`) on the labelled set (accepts plus the
   rejects labelled so far); draw a random share ``sample_share`` of the still-unlabelled
   filtered rejects; of those, label ``label_share`` of them: the highest-PD ones bad, the
   lowest-PD ones good, with the bad share of the new labels ``theta`` times the learner's
   mean PD on the drawn rejects (the "bias-aware" imbalance: a learner fitted on accepts
   underestimates rejects' risk; the paper's imbalance parameter plays this role);
3. the paper's stopping rule by a Bayesian evaluation on a sample of the rejects' unknown
   labels is replaced by a fixed number of rounds.

The validation rows are labelled in one pass with the last round's learner and the same
filter thresholds and label shares, so early stopping and calibration see the same
inference as the fit rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from riskkit.core.errors import ConfigError
from riskkit.rejectinf.learners import FramePipeline, design_pipeline, model_frame, weak_learner
from riskkit.rejectinf.sample import LenderView

DEFAULTS: dict[str, Any] = {"rounds": 3, "sample_share": 0.8, "label_share": 0.3,
                            "theta": 2.0, "filter_low": 0.02, "filter_high": 0.98, "C": 0.1}


@dataclass
class SelfLearningState:
    """What the fit rows' rounds learnt, to label the validation rows the same way."""

    forest: IsolationForest
    design: Any
    low: float
    high: float
    learner: FramePipeline
    labelled_share: float
    bad_share: float


def _settings(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"reject_inference.params.self_learning: unknown key(s) "
                          f"{sorted(unknown)}; expected some of {sorted(DEFAULTS)}")
    out = {**DEFAULTS, **params}
    ok = (isinstance(out["rounds"], int) and out["rounds"] >= 1
          and 0 < out["sample_share"] <= 1 and 0 < out["label_share"] <= 1
          and out["theta"] > 0 and 0 <= out["filter_low"] < out["filter_high"] <= 1
          and out["C"] > 0)
    if not ok:
        raise ConfigError(f"reject_inference.params.self_learning: need rounds >= 1, shares in "
                          f"(0, 1], theta > 0, 0 <= filter_low < filter_high <= 1, C > 0; "
                          f"got {out}")
    return out


def _pick(p: np.ndarray, n_label: int, bad_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into ``p``) of the rows labelled bad (highest p) and good (lowest p)."""
    n_bad = round(min(1.0, bad_share) * n_label)
    order = np.argsort(p, kind="stable")
    bad = order[len(p) - n_bad:] if n_bad else order[:0]
    good = order[: max(0, min(n_label - n_bad, len(p) - n_bad))]
    return bad, good


def self_learning_labels(view: LenderView, seed: int, state: SelfLearningState | None = None,
                         **params: Any) -> tuple[np.ndarray, np.ndarray, dict[str, Any],
                                                 SelfLearningState]:
    """Labels for ``view``'s rejects: fit rows in rounds, or (given ``state``) in one pass.

    Parameters
    ----------
    view : LenderView
        The lender's applicants (rejects are labelled, accepts keep their outcomes).
    seed : int
        Seeds the isolation forest and the random draws.
    state : SelfLearningState, optional
        From the fit rows' call: label these (validation) rows the same way.
    **params
        ``rounds``, ``sample_share``, ``label_share``, ``theta``, ``filter_low``,
        ``filter_high``, ``C`` (the weak learner's inverse L1 penalty).

    Returns
    -------
    labels : array of int
        One per reject (meaningful where ``keep``).
    keep : array of bool
        The rejects that were labelled.
    info : dict
        Counts and shares, for the table.
    state : SelfLearningState
    """
    cfg = _settings(params)
    rejects = view.rejects.reset_index(drop=True)
    labels = np.zeros(len(rejects), dtype=np.int64)
    keep = np.zeros(len(rejects), dtype=bool)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 2)))
    if state is None:
        design = design_pipeline().fit(model_frame(view.accepts))
        forest = IsolationForest(n_estimators=100, random_state=seed).fit(
            design.transform(model_frame(view.accepts)))
        scores = forest.score_samples(design.transform(model_frame(rejects)))
        low, high = np.quantile(scores, [cfg["filter_low"], cfg["filter_high"]])
    else:
        design, forest, low, high = state.design, state.forest, state.low, state.high
        scores = forest.score_samples(design.transform(model_frame(rejects)))
    eligible = np.flatnonzero((scores >= low) & (scores <= high))
    if state is not None:
        p = state.learner.predict_proba(rejects.iloc[eligible])[:, 1]
        bad, good = _pick(p, round(state.labelled_share * len(eligible)), state.bad_share)
        labels[eligible[bad]], keep[eligible[bad]], keep[eligible[good]] = 1, True, True
        return labels, keep, {}, state
    open_rows = eligible.copy()
    learner = weak_learner(cfg["C"])
    for _ in range(cfg["rounds"]):
        frame = view.accepts.reset_index(drop=True)
        chosen = np.flatnonzero(keep)
        X = frame if not len(chosen) else pd.concat(
            [frame, rejects.iloc[chosen]], ignore_index=True)
        y = np.concatenate([view.y_accepted, labels[chosen]])
        learner = weak_learner(cfg["C"]).fit(X, y)
        if not len(open_rows):
            break
        drawn = np.sort(rng.choice(open_rows, size=max(1, round(cfg["sample_share"]
                                                                     * len(open_rows))),
                                   replace=False))
        p = learner.predict_proba(rejects.iloc[drawn])[:, 1]
        bad, good = _pick(p, round(cfg["label_share"] * len(drawn)),
                          cfg["theta"] * float(p.mean()))
        labels[drawn[bad]] = 1
        keep[drawn[bad]] = keep[drawn[good]] = True
        open_rows = np.setdiff1d(open_rows, drawn[np.concatenate([bad, good])])
    n_kept = int(keep.sum())
    bad_share = float(labels[keep].mean()) if n_kept else 0.0
    state = SelfLearningState(forest, design, float(low), float(high), learner,
                              n_kept / len(eligible) if len(eligible) else 0.0, bad_share)
    info = {"rejects": len(rejects), "eligible": len(eligible), "labelled": n_kept,
            "labelled_bad_share": bad_share, **cfg}
    return labels, keep, info, state
