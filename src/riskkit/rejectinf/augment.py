"""The training sets reject-inference methods build: rows, labels, weights and who each row is.

A method turns the lender's view (accepted outcomes, every applicant's features) into a
:class:`TrainingSet`. A weighted row stands for that many applicants; a *fuzzy* reject
appears twice, as a bad with weight ``p`` and as a good with weight ``1 - p``. Every row
carries its applicant (``group``) so that cross-validation keeps both copies of a fuzzy
reject in the same fold: a fold that held one copy out while fitting on the other would
grade the model on a row it had seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from riskkit.core.errors import ConfigError
from riskkit.core.mathx import logit, sigmoid
from riskkit.rejectinf.sample import LenderView


@dataclass
class TrainingSet:
    """Rows, 0/1 labels, weights (None: every row counts once) and each row's applicant."""

    X: pd.DataFrame
    y: np.ndarray
    weight: np.ndarray | None = None
    group: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)


@dataclass
class Augmented:
    """A method's training and validation sets, and what it decided (for the log and table)."""

    train: TrainingSet
    valid: TrainingSet
    info: dict[str, Any] = field(default_factory=dict)


def accepted_rows(view: LenderView) -> TrainingSet:
    """The accepted applicants with their observed outcomes."""
    return TrainingSet(view.accepts.reset_index(drop=True), view.y_accepted.astype(np.int64),
                       None, np.flatnonzero(view.accepted))


def with_hard_labels(view: LenderView, labels: np.ndarray,
                     keep: np.ndarray | None = None) -> TrainingSet:
    """Accepted rows plus rejects (all, or those in ``keep``) with inferred 0/1 labels."""
    rejects = view.rejects.reset_index(drop=True)
    who = np.flatnonzero(~view.accepted)
    labels = np.asarray(labels, dtype=np.int64)
    if keep is not None:
        rejects, labels, who = rejects.loc[keep].reset_index(drop=True), labels[keep], who[keep]
    acc = accepted_rows(view)
    return TrainingSet(pd.concat([acc.X, rejects], ignore_index=True),
                       np.concatenate([acc.y, labels]), None,
                       np.concatenate([acc.group, who]))


def with_fuzzy_labels(view: LenderView, p_bad: np.ndarray,
                      reject_weight: float = 1.0) -> TrainingSet:
    """Accepted rows (weight 1) plus every reject twice: bad with weight ``p``, good with ``1-p``.

    The duplicates make the weighted bad count of the rejects equal to their inferred
    expected bad count, without drawing a random label.
    """
    rejects = view.rejects.reset_index(drop=True)
    who = np.flatnonzero(~view.accepted)
    p = np.clip(np.asarray(p_bad, dtype=float), 0.0, 1.0)
    acc = accepted_rows(view)
    n = len(rejects)
    return TrainingSet(
        pd.concat([acc.X, rejects, rejects], ignore_index=True),
        np.concatenate([acc.y, np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)]),
        np.concatenate([np.ones(len(acc)), reject_weight * p, reject_weight * (1.0 - p)]),
        np.concatenate([acc.group, who, who]))


def merged(train: TrainingSet, valid: TrainingSet) -> TrainingSet:
    """Fit and validation rows as one set (the validation applicants' groups offset)."""
    offset = 0 if train.group is None or not len(train.group) else int(train.group.max()) + 1
    weight = None
    if train.weight is not None or valid.weight is not None:
        weight = np.concatenate([np.ones(len(train)) if train.weight is None else train.weight,
                                 np.ones(len(valid)) if valid.weight is None else valid.weight])
    group = None
    if train.group is not None and valid.group is not None:
        group = np.concatenate([train.group, valid.group + offset])
    return TrainingSet(pd.concat([train.X, valid.X], ignore_index=True),
                       np.concatenate([train.y, valid.y]), weight, group)


def check_factor(name: str, value: Any) -> float:
    """A method setting that must be a number > 0 (ConfigError naming it otherwise)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise ConfigError(f"reject_inference.params.{name}: must be a number > 0, got {value!r}")
    return float(value)


def check_bands(name: str, value: Any) -> int:
    """A number of bands: a whole number >= 2."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 2:
        raise ConfigError(f"reject_inference.params.{name}: must be a whole number >= 2, "
                          f"got {value!r}")
    return value


def shift_to_mean(p: np.ndarray, target: float) -> np.ndarray:
    """``p`` shifted by one constant in log-odds so that its mean is ``target``.

    Keeps the order (and the log-odds gaps) of ``p``: a model's ranking with another level.
    """
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    target = float(np.clip(target, 1e-6, 1 - 1e-6))
    z = logit(p)
    delta = brentq(lambda d: float(sigmoid(z + d).mean()) - target, -30.0, 30.0, xtol=1e-12)
    return np.asarray(sigmoid(z + delta), dtype=float)


def quantile_bands(values: np.ndarray, bands: int) -> np.ndarray:
    """Inner edges of ``bands`` equal-count bands of ``values`` (ties merged)."""
    return np.unique(np.quantile(np.asarray(values, dtype=float),
                                 np.linspace(0, 1, bands + 1)[1:-1]))
