"""Interventional Shapley values of the truth by brute force, the reference the closed
forms (``TruthModel.contributions``, ``synth.background``) are checked against."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from riskkit.synth import truth


def brute_force(model: truth.TruthModel, row: pd.DataFrame, players: list[str],
                background: pd.DataFrame) -> dict[str, float]:
    """Interventional Shapley values by enumerating every coalition of ``players``:
    ``v(S) = mean over the background of logit(row's values on S, the background's
    elsewhere among the players)``; features outside ``players`` keep the row's values."""
    n, m = len(players), len(background)
    coalitions = [c for k in range(n + 1) for c in itertools.combinations(players, k)]
    frame = row.loc[row.index.repeat(m * len(coalitions))].reset_index(drop=True)
    for name in players:
        categorical = isinstance(frame[name].dtype, pd.CategoricalDtype)
        values = np.array(frame[name].astype(object) if categorical else frame[name])
        bg = np.array(background[name].astype(object) if categorical else background[name])
        for j, c in enumerate(coalitions):
            if name not in c:
                values[j * m:(j + 1) * m] = bg
        frame[name] = pd.Categorical(values, categories=frame[name].cat.categories) \
            if categorical else values
    logit = model.logit(frame).reshape(len(coalitions), m).mean(axis=1)
    value = dict(zip(coalitions, logit, strict=True))
    phi = {}
    for p in players:
        others = [q for q in players if q != p]
        total = 0.0
        for k in range(n):
            for c in itertools.combinations(others, k):
                with_p = tuple(q for q in players if q in c or q == p)
                total += math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) * (
                    value[with_p] - value[c])
        phi[p] = total
    return phi
