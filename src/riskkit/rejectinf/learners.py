"""The helper learners reject inference needs beside the credit models, from scikit-learn.

* :func:`acceptance_model` / :func:`acceptance_pipeline` -- p(accept | x) for reweighting
  (fitted out of fold there: :mod:`riskkit.rejectinf.weighting`): an L2 logistic
  regression, the propensity model of Crook & Banasik (2004). Not a flexible learner: the
  incumbent's acceptance is a deterministic step function of its score, which gradient
  boosting recovers even out of fold (p ~ 1 for almost every accepted applicant, weights
  ~ 1), while the smooth logistic propensity gives the accepted near the cut-off, who
  resemble the rejects, the weight of those they stand for;
* :func:`weak_learner` -- the L1-penalised logistic regression self-learning labels
  rejects with (Kozodoi et al. use a weak, *different* learner so that the final model's
  own errors are not fed back into its training data);
* :func:`design_pipeline` -- the shared preprocessing: model features only, numeric ones
  median-imputed with a missing indicator and standardised, categoricals one-hot on the
  registry's fixed levels (so two fits see the same columns in the same order).

scikit-learn rather than riskkit's own models: riskkit's models force registry monotone
constraints in the *risk* direction, which are wrong for acceptance and pointless for a
weak labeller. Every estimator is seeded (or deterministic), so results repeat exactly.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from riskkit.core import features as F

#: OpenMP / BLAS threads for these learners: one, like riskkit's LightGBM. Histogram
#: boosting otherwise starts a thread per core, and on a shared machine (the 2-core CI, a
#: busy server) oversubscribed threads make a one-minute fit take a quarter of an hour.
THREADS = 1


def _columns(features: tuple[str, ...] | None) -> tuple[list[str], list[str]]:
    names = list(features or F.MODEL_FEATURES)
    cats = [n for n in names if F.get(n).is_categorical]
    return [n for n in names if n not in cats], cats


def model_frame(frame: pd.DataFrame, features: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Model features only; categoricals as plain strings (what OneHotEncoder compares)."""
    numeric, cats = _columns(features)
    out = frame[numeric].astype(float)
    for name in cats:
        out[name] = frame[name].astype(object).where(frame[name].notna(), "missing").map(str)
    return out[[*numeric, *cats]]


def design_pipeline(features: tuple[str, ...] | None = None,
                    drop_first: bool = False) -> ColumnTransformer:
    """Impute + scale the numeric features, one-hot the categoricals on the registry levels.

    ``drop_first`` leaves each categorical's first level out (the reference level), for a
    regression with a constant whose design must have full rank (the probits of
    :mod:`riskkit.rejectinf.heckman`).
    """
    numeric, cats = _columns(features)
    levels = [[*map(str, F.get(n).categories or ()), "missing"] for n in cats]
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                                  StandardScaler()), numeric),
        ("categorical", OneHotEncoder(categories=levels, handle_unknown="ignore",
                                      sparse_output=False,
                                      drop="first" if drop_first else None), cats),
    ])


class FramePipeline:
    """A fitted pipeline that takes riskkit frames (it selects and converts the columns)."""

    def __init__(self, pipeline: Pipeline, features: tuple[str, ...] | None = None) -> None:
        self.pipeline = pipeline
        self.features = features

    def fit(self, frame: pd.DataFrame, y: np.ndarray, **fit_params: Any) -> FramePipeline:
        with threadpool_limits(limits=THREADS):
            self.pipeline.fit(model_frame(frame, self.features), y, **fit_params)
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(limits=THREADS):
            return self.pipeline.predict_proba(model_frame(frame, self.features))


def acceptance_pipeline(seed: int) -> Pipeline:
    """An unfitted p(accept | x) pipeline on model frames (:func:`model_frame`): L2 logistic
    regression on the design matrix (lbfgs: deterministic; ``seed`` kept for the signature)."""
    return Pipeline([("design", design_pipeline()),
                     ("logit", LogisticRegression(C=1.0, solver="lbfgs", max_iter=2000))])


def acceptance_model(frame: pd.DataFrame, accepted: np.ndarray, seed: int) -> FramePipeline:
    """p(accept | x), fitted on the through-the-door rows ``frame`` (target: ``accepted``).

    Parameters
    ----------
    frame : DataFrame
        Through-the-door applicants (model features are read).
    accepted : array of bool
        The incumbent's decisions.
    seed : int
        Kept for the signature (the fit is deterministic).

    Returns
    -------
    FramePipeline
        ``predict_proba(frame)[:, 1]`` is the probability of acceptance.
    """
    return FramePipeline(acceptance_pipeline(seed)).fit(frame, np.asarray(accepted, dtype=int))


def _l1_logistic(C: float, seed: int) -> LogisticRegression:
    """L1 logistic regression, spelt the way the installed scikit-learn wants it (1.8
    deprecated ``penalty=`` in favour of ``l1_ratio=``; earlier versions need ``penalty``).
    liblinear visits the rows in a random order: ``random_state`` fixes it (left unset, it
    draws the order from numpy's global generator, so the fit depended on what the process
    had done before)."""
    if inspect.signature(LogisticRegression).parameters["penalty"].default == "deprecated":
        return LogisticRegression(l1_ratio=1.0, C=C, solver="liblinear", max_iter=1000,
                                  random_state=seed)
    return LogisticRegression(penalty="l1", C=C, solver="liblinear", max_iter=1000,
                              random_state=seed)


def weak_learner(C: float = 0.1, seed: int = 0) -> FramePipeline:
    """An unfitted L1 logistic regression on the design matrix; ``seed`` fixes liblinear's
    row order, so the same data give the same fit in any process."""
    return FramePipeline(Pipeline([("design", design_pipeline()),
                                   ("logit", _l1_logistic(C, seed))]))
