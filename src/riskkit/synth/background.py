"""The truth against any background: exact true contributions measured from any sample.

A contribution says how far a feature moves an applicant's log-odds *away from somebody*.
The population's ``true_contrib__*`` columns measure it from the truth's fixed reference
sample; a denial letter measures it from the approved applicants, a scorecard from its
best bins. Grading a letter's reasons against the truth is only a comparison of like with
like when both are measured from the same people, so this module gives the truth's exact
interventional Shapley values against any background sample.

Why a closed form suffices: in every world the true log-odds is a sum of one-feature
pieces ``g_j(x_j)`` and two-feature products ``a(x_l) * b(x_r)``
(:mod:`riskkit.synth.worlds`). Interventional Shapley values are linear in the game
(Lundberg et al. 2020, "From local explanations to global understanding with explainable AI
for trees", Nature Machine Intelligence 2, eq. for the interventional value function
``v(S) = E_bg[f(x_S, X_not S)]``; Janzing, Minorics & Bloebaum 2020, "Feature relevance
quantification in explainable AI: a causal problem", AISTATS), so they add up term by term,
and each term needs only the background's means:

* piece:  ``phi_j = g_j(x_j) - E_bg[g_j]``;
* product ``a * b``: ``phi_l = 1/2 (a E_bg[b] - E_bg[ab]) + 1/2 (a b - E_bg[a] b)`` and
  ``phi_r = 1/2 (E_bg[a] b - E_bg[ab]) + 1/2 (a b - a E_bg[b])``,

with ``sum(phi) = true_logit - E_bg[true_logit]`` row by row. These are the formulas of
:meth:`riskkit.synth.truth.TruthModel.evaluate`; :func:`rebase` only swaps the means of the
reference sample for the background's, so there is one implementation of the closed form.
The tests check it against brute-force enumeration of coalitions in every world.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.synth.truth import TruthModel

__all__ = ["rebase", "true_contributions"]


def _check(frame: pd.DataFrame, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(what, [f"expected a DataFrame, got {type(frame).__name__}"])
    missing = [n for n in F.MODEL_FEATURES if n not in frame.columns]
    if missing:
        raise DataError(what, [f"no column {missing[:5]}: the truth reads every model feature"])


def rebase(truth: TruthModel, background: pd.DataFrame) -> TruthModel:
    """The same truth with its contributions measured from ``background``.

    Parameters
    ----------
    truth : TruthModel
        A world's truth (its log-odds are unchanged).
    background : pandas.DataFrame
        The sample contributions are measured from (every model feature; at least one row),
        e.g. the approved applicants a letter compares with. Each row weighs the same.

    Returns
    -------
    TruthModel
        ``evaluate(rows)`` gives the exact interventional Shapley values against
        ``background``, and ``base_logit`` is the background's mean true log-odds.
    """
    _check(background, "background")
    if not len(background):
        raise DataError("background", ["no rows: a contribution needs somebody to be measured from"])
    terms, products = truth.terms(background)
    return dataclasses.replace(
        truth, mean_terms={k: float(np.mean(v)) for k, v in terms.items()},
        mean_products=tuple((float(a.mean()), float(b.mean()), float((a * b).mean()))
                            for _, _, a, b in products))


def true_contributions(truth: TruthModel, rows: pd.DataFrame,
                       background: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Exact true contributions of ``rows`` against ``background``, and their base.

    Parameters
    ----------
    truth : TruthModel
        The world's truth (``run.world.truth()``, ``world.truth(month)``): passed in, never
        assumed.
    rows : pandas.DataFrame
        The applicants to explain (every model feature).
    background : pandas.DataFrame
        Whom the contributions are measured from (see :func:`rebase`).

    Returns
    -------
    (pandas.DataFrame, float)
        One column per model feature in registry order, ``rows``' index, log-odds; and the
        base, so that ``contrib.sum(axis=1) + base == truth.logit(rows)`` (to rounding).
    """
    _check(rows, "rows")
    rebased = rebase(truth, background)
    _, contrib = rebased.evaluate(rows)
    frame = pd.DataFrame({n: np.asarray(contrib[n], dtype=float) for n in F.MODEL_FEATURES},
                         index=rows.index)
    return frame, float(rebased.base_logit)
