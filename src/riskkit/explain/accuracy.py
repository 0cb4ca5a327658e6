"""Reason accuracy in full: how often a letter's reasons are the true ones, and how stable.

:func:`reason_accuracy` compares a model's contributions with the true ones row by row (both
measured from the same background: :mod:`riskkit.explain.likeforlike` sees to that) and
returns every measure a validator asks about:

``top1`` .. ``top4``
    :func:`riskkit.explain.fidelity.fidelity`'s ``fidelity_top{k}``: of the model's top-k
    risk-raising reasons, the share among the true top-k (ties in the truth all count).
    ``top3`` is ``fidelity_top3``, the issue's headline.
``first_reason``
    Share of letters whose first reason is the truth's first reason (the largest positive
    true contribution; an exact tie for first counts as first). It is ``top1`` spelt out.
``first_reason_in_true_top3``
    Share of letters whose first reason is at least one of the three true principal reasons.
``sign_agreement``
    Over applicants and the features that have a true effect, the share where the model's
    contribution has the truth's sign (raises risk, lowers it, or, within 1e-12, neither).
``reasons_raise_true_risk``
    Of all scored reasons the letters give (up to ``max_reasons`` per applicant), the share
    whose true contribution is positive: a reason the truth says did not raise the risk is
    a wrong statement to the applicant, whatever its rank.
``rank_correlation``
    Mean per-applicant Spearman correlation across features (as in ``fidelity``).
``mae_logit`` / ``mae_pd``
    Mean absolute difference of contributions, per applicant and feature, in log-odds and in
    probability points. Shapley values in probability space are the log-odds ones rescaled
    row by row so that they add up to ``pd - pd_base`` (each side with its own PD and base:
    the proportional link transform of Lundberg & Lee 2017, "A unified approach to
    interpreting model predictions", NeurIPS, section on model output links). The
    rescaling is positive, so rankings (and every top-k above) are the same in both spaces;
    sizes are not, and an applicant reads sizes in probability points.
``reason_size_error_logit`` / ``reason_size_error_pd``
    The same difference over the reasons named only: how wrong "this cost you x" is.

:func:`same_reasons` measures stability: the share of applicants whose top-k reasons (as a
set) and whose first reason stay the same between two explanations of the same people, e.g.
a model refitted with another seed or explained against a redrawn background.
Every measure above works on features or on driver groups
(:func:`riskkit.explain.groups.group_contributions`), the unit a letter speaks in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core.errors import DataError
from riskkit.core.mathx import sigmoid
from riskkit.explain.fidelity import _row_spearman, _top_k_model, _top_k_true

#: Ranks of the top-k agreement that are reported.
TOP_KS: tuple[int, ...] = (1, 2, 3, 4)
#: Below this a contribution counts as zero for the sign comparison.
SIGN_TOLERANCE = 1e-12


def _in_pd(contrib: np.ndarray, base: np.ndarray | float) -> np.ndarray:
    """Rescale log-odds contributions so a row adds up to sigmoid(logit) - sigmoid(base)."""
    base = np.broadcast_to(np.asarray(base, dtype=float), (len(contrib),))
    total = contrib.sum(axis=1)
    logit = base + total
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(np.abs(total) > 1e-12, (sigmoid(logit) - sigmoid(base)) / total,
                         sigmoid(base) * (1.0 - sigmoid(base)))
    return contrib * scale[:, None]


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if values.size else float("nan")


def reason_accuracy(model_contrib: pd.DataFrame, true_contrib: pd.DataFrame, *,
                    model_base: float | np.ndarray, true_base: float | np.ndarray,
                    nulls: Sequence[str] = (), max_reasons: int = 4,
                    ks: Sequence[int] = TOP_KS) -> dict[str, Any]:
    """Every reason-accuracy measure of the module docstring, on the rows given.

    Parameters
    ----------
    model_contrib, true_contrib : pandas.DataFrame
        Row-aligned contributions in log-odds, measured from the same background; the truth
        must have every column of the model (extra columns are ignored).
    model_base, true_base : float or array
        Each side's base (per row or one number): needed for probability space only.
    nulls : sequence of str
        Columns without a true effect, left out of the sign agreement.
    max_reasons : int
        Scored reasons a letter gives (``explain.max_reasons``).
    ks : sequence of int
        The k of the ``top{k}`` measures.

    Returns
    -------
    dict
        ``top{k}``..., ``first_reason``, ``first_reason_in_true_top3``, ``sign_agreement``,
        ``reasons_raise_true_risk``, ``rank_correlation``, ``mae_logit``, ``mae_pd``,
        ``reason_size_error_logit``, ``reason_size_error_pd``, ``n_rows``, ``n_scored``.
    """
    if len(model_contrib) != len(true_contrib):
        raise DataError("true_contrib", [f"{len(true_contrib)} rows for {len(model_contrib)} "
                                         "rows of model contributions"])
    names = list(model_contrib.columns)
    missing = [n for n in names if n not in true_contrib.columns]
    if missing:
        raise DataError("true_contrib", [f"no true contribution for {missing[:5]}"])
    model = model_contrib.to_numpy(dtype=float)
    truth = true_contrib[names].to_numpy(dtype=float)
    out: dict[str, Any] = {}
    named = {k: _top_k_model(model, k) for k in set(ks) | {1, max_reasons}}
    scored = named[1].any(axis=1)
    for k in ks:
        hit = (named[k] & _top_k_true(truth, k)).sum(axis=1)[scored]
        out[f"top{k}"] = _mean(hit / named[k].sum(axis=1)[scored])
    first = named[1][scored]
    out["first_reason"] = _mean((first & _top_k_true(truth, 1)[scored]).any(axis=1))
    out["first_reason_in_true_top3"] = _mean((first & _top_k_true(truth, 3)[scored]).any(axis=1))
    effect = [j for j, n in enumerate(names) if n not in set(nulls)]
    sign_m = np.sign(np.where(np.abs(model) > SIGN_TOLERANCE, model, 0.0))[:, effect]
    sign_t = np.sign(np.where(np.abs(truth) > SIGN_TOLERANCE, truth, 0.0))[:, effect]
    out["sign_agreement"] = _mean(sign_m == sign_t)
    reasons = named[max_reasons]
    out["reasons_raise_true_risk"] = _mean(truth[reasons] > 0)
    rho = _row_spearman(model, truth) if len(model) else np.empty(0)
    out["rank_correlation"] = float(np.nanmean(rho)) if np.isfinite(rho).any() else float("nan")
    model_pd, true_pd = _in_pd(model, model_base), _in_pd(truth, true_base)
    out["mae_logit"] = _mean(np.abs(model - truth))
    out["mae_pd"] = _mean(np.abs(model_pd - true_pd))
    out["reason_size_error_logit"] = _mean(np.abs(model - truth)[reasons])
    out["reason_size_error_pd"] = _mean(np.abs(model_pd - true_pd)[reasons])
    out["n_rows"] = len(model)
    out["n_scored"] = int(scored.sum())
    return out


def same_reasons(first: pd.DataFrame, second: pd.DataFrame, k: int = 3) -> dict[str, float]:
    """How often two explanations of the same applicants give the same reasons.

    Parameters
    ----------
    first, second : pandas.DataFrame
        Row-aligned contributions with the same columns (say, a model and its refit).
    k : int
        Size of the reason set compared.

    Returns
    -------
    dict
        ``same_top{k}``: share of applicants whose top-k risk-raising reasons are the same
        set; ``same_first``: share whose first reason is the same; ``n_rows``.
    """
    if list(first.columns) != list(second.columns) or len(first) != len(second):
        raise DataError("contributions", ["the two explanations must cover the same rows and "
                                          "columns"])
    a, b = first.to_numpy(dtype=float), second.to_numpy(dtype=float)
    same_set = (_top_k_model(a, k) == _top_k_model(b, k)).all(axis=1)
    same_first = (_top_k_model(a, 1) == _top_k_model(b, 1)).all(axis=1)
    return {f"same_top{k}": _mean(same_set), "same_first": _mean(same_first), "n_rows": len(a)}
