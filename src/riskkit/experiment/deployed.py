"""Tables that describe the deployed policy, built after the policy has decided.

A table meant to show what the deployed policy does must read its decisions, not a setting
that resembles them: the swap set used to compare the two models at a hard-coded 75 %
approval rate of all applicants whenever the cut-off was fixed or bad-rate based (and at
the configured rate of *all* applicants when it was rate based, though the policy sets its
rate among knock-out passers), so it described a policy that was never deployed. Here it
runs at the deployed policy's own approval rate among the applicants its knock-out rules
let through, on the test split.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.experiment.scores import RunScores
from riskkit.models import CreditModel
from riskkit.policy import APPROVED

__all__ = ["SWAP_PAIR", "deployed_approval_rate", "swap_set_at_policy"]

#: The two models a swap set compares.
SWAP_PAIR: tuple[str, str] = ("scorecard", "lgbm")


def deployed_approval_rate(decisions: pd.DataFrame, split: str = "test") -> tuple[float, np.ndarray]:
    """The deployed policy's approval rate among knock-out passers of ``split``, and the
    passers (as a mask over the split's rows, in the decisions' order).

    Parameters
    ----------
    decisions
        The run's decisions (``split``, ``decision``, ``knockout`` columns).
    split
        Which split.

    Returns
    -------
    tuple
        ``(rate, passers)``; the rate is NaN when nobody passes.
    """
    part = decisions[decisions["split"].astype(str) == split]
    passers = (part["knockout"].astype(str) == "").to_numpy()
    approved = (part["decision"].astype(str) == APPROVED).to_numpy()
    rate = float(approved[passers].sum() / passers.sum()) if passers.any() else float("nan")
    return rate, passers


def swap_set_at_policy(models: dict[str, CreditModel], splits: dict[str, pd.DataFrame],
                       decisions: pd.DataFrame, scores: RunScores | None = None
                       ) -> pd.DataFrame | None:
    """``tables/swap_set.csv``: scorecard and LightGBM, each with the deployed knock-out
    rules and a cut-off approving the deployed policy's share of passers, on test.

    Parameters
    ----------
    models
        The run's fitted models (the table needs both of :data:`SWAP_PAIR`).
    splits
        The run's frames (``test`` with outcomes).
    decisions
        The run's decisions (test rows in the test frame's order).
    scores
        The run's scores (:class:`riskkit.experiment.scores.RunScores`), or None to
        predict here.

    Returns
    -------
    pandas.DataFrame or None
        :func:`riskkit.evaluate.swap_set`'s table with ``group`` as a column and the rate in
        ``approval_rate_passers``; None without both models or any passer.
    """
    if not set(SWAP_PAIR) <= set(models) or "test" not in splits:
        return None
    test = splits["test"]
    rate, passers = deployed_approval_rate(decisions, "test")
    if not passers.any() or len(passers) != len(test):
        return None
    scores = scores or RunScores(lambda split: models, splits)
    table = ev.swap_set(test[F.TARGET], scores.pd(SWAP_PAIR[0], "test"),
                        scores.pd(SWAP_PAIR[1], "test"), rate, names=SWAP_PAIR,
                        eligible=passers).reset_index()
    table["approval_rate_passers"] = rate
    return table
