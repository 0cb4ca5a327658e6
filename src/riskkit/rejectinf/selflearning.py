"""Shallow self-learning for reject inference, with a confidence rule that cannot compound.

Kozodoi, N., Katsas, P., Lessmann, S., Moreira-Matias, L. & Papakonstantinou, K. (2019),
"Shallow self-learning for reject inference in credit scoring", ECML PKDD 2019, LNAI
11908, 516-532; and its successor, bias-aware self-learning (BASL), Kozodoi et al.
(2025), "Fighting sampling bias: a framework for training and evaluating credit scoring
models", *European J. Operational Research*. The rejects are labelled in rounds by a
*weak* learner (an L1 logistic regression, so the final model's own errors are not fed
back into its data), and only the rejects it is most *confident* about are labelled:

1. **filtering** (BASL) -- an isolation forest fitted on the accepted applicants scores
   every reject; the ``filter_low`` most unlike any accepted applicant (where the weak
   learner would extrapolate wildly) and the ``1 - filter_high`` most like them (they add
   little) are never labelled;
2. **the confidence rule, fixed once** -- the first weak learner, fitted on the accepted,
   scores the eligible rejects, and sets the share of bads among the labels once:
   ``bad_share = theta *`` its mean PD over them (``theta`` is the papers' imbalance
   parameter, which they tune: ``theta > 1`` says a learner fitted on accepts understates
   rejects' risk. The default is 1: hard labels on the most confident rejects already
   make the final model separate them sharply, and at ``theta = 2`` the rejects' predicted
   bad rate came out at twice their true one);
3. **rounds** -- refit the weak learner on the accepted plus the rejects labelled so far;
   draw ``sample_share`` of the still-unlabelled eligible rejects; label the most
   confident of the drawn by percentile: the ``label_share * bad_share`` highest-PD ones
   bad, the ``label_share * (1 - bad_share)`` lowest-PD ones good. The share is never
   recomputed from a refitted learner, so the bad share of the labels cannot compound from
   round to round (riskkit's earlier version recomputed it from each refit's mean PD:
   7 % -> 32 % -> 59 %).
4. the papers' stopping rule (a Bayesian evaluation on a sample with known reject labels)
   needs data no lender has; a fixed number of ``rounds`` replaces it.

Only the *fit* rows' rejects are labelled. The validation rows keep their observed
outcomes only (their accepted applicants): inferred labels never reach the rows that
grade or calibrate a model, so a labelling error cannot be locked in by calibration.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from riskkit.core.errors import ConfigError
from riskkit.rejectinf.learners import design_pipeline, model_frame, weak_learner
from riskkit.rejectinf.sample import LenderView

DEFAULTS: dict[str, Any] = {"rounds": 3, "sample_share": 0.8, "label_share": 0.3,
                            "theta": 1.0, "filter_low": 0.02, "filter_high": 0.98, "C": 0.1}


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


def _eligible(view: LenderView, rejects: pd.DataFrame, cfg: dict[str, Any],
              seed: int) -> np.ndarray:
    """Positions of the rejects the isolation-forest filter lets through."""
    design = design_pipeline().fit(model_frame(view.accepts))
    forest = IsolationForest(n_estimators=100, random_state=seed).fit(
        design.transform(model_frame(view.accepts)))
    scores = forest.score_samples(design.transform(model_frame(rejects)))
    low, high = np.quantile(scores, [cfg["filter_low"], cfg["filter_high"]])
    return np.flatnonzero((scores >= low) & (scores <= high))


def self_learning_labels(view: LenderView, seed: int, **params: Any
                         ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Labels for ``view``'s rejects, in rounds under the fixed confidence rule.

    Parameters
    ----------
    view : LenderView
        The lender's fit rows (rejects are labelled, accepts keep their outcomes).
    seed : int
        Seeds the isolation forest and the random draws.
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
        Counts, the thresholds and the bad share of each round's new labels.
    """
    cfg = _settings(params)
    rejects = view.rejects.reset_index(drop=True)
    labels = np.zeros(len(rejects), dtype=np.int64)
    keep = np.zeros(len(rejects), dtype=bool)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 2)))
    eligible = _eligible(view, rejects, cfg, seed)
    accepts = view.accepts.reset_index(drop=True)
    learner = weak_learner(cfg["C"], seed).fit(accepts, view.y_accepted)
    p0 = learner.predict_proba(rejects.iloc[eligible])[:, 1] if len(eligible) else np.zeros(0)
    bad_share = float(min(0.5, cfg["theta"] * p0.mean())) if len(p0) else 0.0
    q_bad, q_good = cfg["label_share"] * bad_share, cfg["label_share"] * (1 - bad_share)
    open_rows, per_round = eligible.copy(), []
    for r in range(cfg["rounds"]):
        if not len(open_rows):
            break
        if r:
            chosen = np.flatnonzero(keep)
            learner = weak_learner(cfg["C"], seed).fit(
                pd.concat([accepts, rejects.iloc[chosen]], ignore_index=True),
                np.concatenate([view.y_accepted, labels[chosen]]))
        drawn = np.sort(rng.choice(open_rows, size=max(1, round(cfg["sample_share"]
                                                                 * len(open_rows))),
                                   replace=False))
        p = learner.predict_proba(rejects.iloc[drawn])[:, 1]
        order = np.argsort(p, kind="stable")
        n_bad, n_good = round(q_bad * len(drawn)), round(q_good * len(drawn))
        bad = order[len(order) - n_bad:] if n_bad else order[:0]
        good = order[: max(0, min(n_good, len(order) - n_bad))]
        labels[drawn[bad]] = 1
        keep[drawn[bad]] = keep[drawn[good]] = True
        per_round.append(len(bad) / max(1, len(bad) + len(good)))
        open_rows = np.setdiff1d(open_rows, drawn[np.concatenate([bad, good])])
    n_kept = int(keep.sum())
    info = {"rejects": len(rejects), "eligible": len(eligible), "labelled": n_kept,
            "labelled_bad_share": float(labels[keep].mean()) if n_kept else 0.0,
            "target_bad_share": bad_share,
            "bad_share_by_round": per_round, **cfg}
    return labels, keep, info
