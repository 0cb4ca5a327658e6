"""How faithful are a model's explanations to the truth the data was generated from?

riskkit knows every applicant's exact true contributions (``true_contrib__<feature>``:
interventional Shapley values of the true log-odds against the baseline population), so an
explanation can be *checked*, not just admired. Three measures, on the rows in ``mask``
(normally the denied applicants, whose reasons are the ones that get sent):

``fidelity_top{k}``
    Per applicant: of the model's top-k risk-raising features (contribution > 0, largest
    first; ties broken by registry order, so the list is deterministic), the share that
    are among the true top-k risk-raising features. The true set holds the features with
    true contribution > 0 at or above the k-th largest positive true contribution -- ties
    at the boundary all count, so an exact tie in the truth can never make a right answer
    wrong. With fewer than k positive features either side the sets are simply smaller:
    the score is |model ∩ true| / |model|, so naming a feature the truth says does not
    raise risk costs, and naming fewer does not. Applicants for whom the model names no
    risk-raising feature have no reasons to check and are left out (``n_scored`` says how
    many remain). The mean over applicants is reported.
``null_attribution_share``
    Share of the total |attribution| (over the masked rows and all features) that the model
    gives to features with no true effect -- those whose true contribution is identically
    zero over all rows of ``true_contrib`` (in riskkit: ``city_tier``).
``rank_correlation``
    Mean over applicants of the Spearman correlation between the model's and the true
    contributions across features (average ranks for ties; rows where either side is
    constant are left out).

Reference points must match for rankings to be comparable: the truth is measured from the
population mean, so each model's contributions should be too. :func:`explain_metrics`
therefore uses the scorecard with ``reference="mean"`` (its default "best bin" reference
makes every contribution >= 0, which would rank features below the average as "raising"
risk); LightGBM's TreeSHAP and the oracle already are mean-referenced.

Mean-referenced is not yet the same definition, though: path-dependent TreeSHAP weighs each
branch by the training rows that went down it, while the truth's contributions are
*interventional* Shapley values against the truth's reference sample. Given that sample
(``reference_background``), :func:`explain_metrics` also explains every tree model the
truth's way -- exact interventional TreeSHAP against it -- and reports the same measures
under ``interventional``: apples with apples. The scorecard has no such block: it is
additive per feature, so its mean-referenced contributions already are interventional
Shapley values (against its training data), and it has no background mode to vary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.explain.contrib import contributions, has_background_mode
from riskkit.policy import DENIED

NULL_TOLERANCE = 1e-12


def _truth_frame(true_contrib: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """True contributions for ``names``, from plain or ``true_contrib__`` columns."""
    out, missing = {}, []
    for name in names:
        for column in (F.contrib_column(name), name):
            if column in true_contrib.columns:
                out[name] = true_contrib[column].to_numpy(dtype=float)
                break
        else:
            missing.append(name)
    if missing:
        raise DataError("true_contrib", [f"no true contribution for {missing}"])
    return pd.DataFrame(out, index=true_contrib.index)


def null_features(true_contrib: pd.DataFrame, names: list[str] | None = None) -> list[str]:
    """Features whose true contribution is identically zero (no true effect).

    Parameters
    ----------
    true_contrib : pandas.DataFrame
        The truth's contributions (plain or ``true_contrib__`` names).
    names : list of str, optional
        The features considered (default: every column).

    Returns
    -------
    list of str
    """
    names = names if names is not None else [
        c.removeprefix(F.CONTRIB_PREFIX) for c in true_contrib.columns
        if c.startswith(F.CONTRIB_PREFIX)]
    truth = _truth_frame(true_contrib, names)
    return [n for n in names if np.nanmax(np.abs(truth[n].to_numpy()), initial=0.0) <= NULL_TOLERANCE]


def _top_k_model(values: np.ndarray, k: int) -> np.ndarray:
    """Boolean (n, d): the model's top-k positive features per row (stable tie-break)."""
    ranked = np.where(values > 0, values, -np.inf)
    order = np.argsort(-ranked, axis=1, kind="stable")[:, :k]
    chosen = np.zeros(values.shape, dtype=bool)
    rows = np.arange(len(values))[:, None]
    chosen[rows, order] = np.isfinite(np.take_along_axis(ranked, order, axis=1))
    return chosen


def _top_k_true(values: np.ndarray, k: int) -> np.ndarray:
    """Boolean (n, d): true positive features at or above the k-th largest positive one."""
    positive = values > 0
    ranked = np.where(positive, values, -np.inf)
    kth = -np.sort(-ranked, axis=1)[:, min(k, values.shape[1]) - 1]
    # fewer than k positive: the threshold is -inf and every positive feature is in
    return positive & (values >= kth[:, None])


def _row_spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ra = rankdata(a, axis=1)
    rb = rankdata(b, axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (ra * rb).sum(axis=1) / denom, np.nan)


def fidelity(model_contrib: pd.DataFrame, true_contrib: pd.DataFrame,
             mask: np.ndarray | pd.Series | None = None, k: int = 3, *,
             nulls: list[str] | None = None) -> dict[str, Any]:
    """Fidelity of ``model_contrib`` to ``true_contrib`` on the rows in ``mask``.

    Both frames are row-aligned by position; ``true_contrib`` may hold plain feature
    names or ``true_contrib__<name>`` columns (a whole population frame works). Null
    features are found on all rows of ``true_contrib`` (or given as ``nulls``, e.g. found
    on a whole population when only the denied rows are passed), the measures on the
    masked rows.
    Returns ``fidelity_top{k}``, ``null_attribution_share``, ``rank_correlation``,
    ``n_rows``, ``n_scored`` and ``null_features``.

    Parameters
    ----------
    model_contrib : pandas.DataFrame
        The model's contributions, one column per feature.
    true_contrib : pandas.DataFrame
        The truth's contributions, row-aligned.
    mask : array-like of bool, optional
        The rows measured (default: all).
    k : int
        How many top reasons are compared.
    nulls : list of str, optional
        Features without a true effect (default: found in ``true_contrib``).

    Returns
    -------
    dict
        The measures above.
    """
    if len(model_contrib) != len(true_contrib):
        raise DataError("true_contrib", [f"{len(true_contrib)} rows but the model "
                                         f"contributions have {len(model_contrib)}"])
    if k < 1:
        raise DataError("k", [f"k must be at least 1, got {k}"])
    names = list(model_contrib.columns)
    truth_all = _truth_frame(true_contrib, names)
    if nulls is None:
        nulls = [n for n in names
                 if np.nanmax(np.abs(truth_all[n].to_numpy()), initial=0.0) <= NULL_TOLERANCE]
    nulls = [n for n in nulls if n in names]
    keep = np.ones(len(model_contrib), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if len(keep) != len(model_contrib):
        raise DataError("mask", [f"{len(keep)} values for {len(model_contrib)} rows"])
    model = model_contrib.to_numpy(dtype=float)[keep]
    truth = truth_all.to_numpy(dtype=float)[keep]
    top_model, top_true = _top_k_model(model, k), _top_k_true(truth, k)
    named = top_model.sum(axis=1)
    scored = named > 0
    share = (top_model & top_true).sum(axis=1)[scored] / named[scored]
    total = np.abs(model).sum()
    null_cols = [names.index(n) for n in nulls]
    null_share = float(np.abs(model[:, null_cols]).sum() / total) if total > 0 else float("nan")
    rho = _row_spearman(model, truth) if len(model) else np.empty(0)
    return {
        f"fidelity_top{k}": float(share.mean()) if len(share) else float("nan"),
        "null_attribution_share": null_share,
        "rank_correlation": float(np.nanmean(rho)) if np.isfinite(rho).any() else float("nan"),
        "n_rows": int(keep.sum()),
        "n_scored": int(scored.sum()),
        "null_features": nulls,
    }


def _mask_for(name: str, frame: pd.DataFrame, decisions: Any) -> np.ndarray:
    chosen = decisions.get(name) if isinstance(decisions, Mapping) else decisions
    if chosen is None:
        raise DataError("decisions", [f"no decisions for model {name!r}"])
    if isinstance(chosen, pd.DataFrame):
        chosen = chosen["decision"]
    array = np.asarray(chosen)
    mask = array == DENIED if array.dtype.kind in "OUT" or str(array.dtype) == "str" else \
        array.astype(bool)
    if len(mask) != len(frame):
        raise DataError("decisions", [f"model {name!r}: {len(mask)} decisions for "
                                      f"{len(frame)} applicants"])
    return mask


def _interventional(model: Any, rows: pd.DataFrame, background: pd.DataFrame, k: int,
                    nulls: list[str]) -> dict[str, Any]:
    """The measures of a tree model explained against the truth's reference sample."""
    keys = (f"fidelity_top{k}", "rank_correlation", "null_attribution_share")
    if not len(rows):
        return {**dict.fromkeys(keys, float("nan")), "additivity_max_err": 0.0,
                "background_rows": len(background)}
    contrib, base = contributions(model, rows, background=background)
    logit = np.asarray(model.predict_logit(rows), dtype=float)
    measures = fidelity(contrib, rows, k=k, nulls=nulls)
    return {**{key: measures[key] for key in keys},
            "additivity_max_err": float(np.max(np.abs(contrib.to_numpy().sum(axis=1) + base
                                                      - logit))),
            "background_rows": len(background)}


def explain_metrics(models: Mapping[str, Any], frame: pd.DataFrame, decisions: Any, *,
                    k: int = 3, reference_background: pd.DataFrame | None = None
                    ) -> dict[str, dict[str, Any]]:
    """The ``metrics.json`` block: per model, fidelity and additivity on its denied rows.

    Parameters
    ----------
    models:
        Fitted models by name.
    frame:
        The applicants (a run's test split), with ``true_contrib__*`` columns: the truth
        the explanations are checked against.
    decisions:
        One of: a mapping model name -> that model's decisions (DataFrame with a
        ``decision`` column, Series of decisions, or a boolean "denied" mask), or one of
        those applied to every model.
    k:
        How many top reasons ``fidelity_top{k}`` compares.
    reference_background:
        A sample of the truth's reference population
        (:func:`riskkit.explain.background.reference_background`). When given, every tree
        model also gets an ``interventional`` block: the same measures with its
        contributions computed the truth's way, exact interventional TreeSHAP against
        this sample (see the module docstring). A few hundred to a thousand rows suffice
        and keep it cheap.

    Returns
    -------
    dict
        Per model: ``fidelity_top{k}``, ``additivity_max_err`` (the largest
        |sum + base - predict_logit| over the rows explained, for every reference the model
        is explained against: scorecard best bin and mean), ``null_attribution_share``,
        ``rank_correlation``, ``n_denied``; tree models given a reference sample also
        ``interventional`` = {``fidelity_top{k}``, ``rank_correlation``,
        ``null_attribution_share``, ``additivity_max_err``, ``background_rows``}.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, model in models.items():
        mask = _mask_for(name, frame, decisions)
        rows = frame.iloc[np.flatnonzero(mask)]
        nulls: list[str] = []
        if len(rows):
            contrib, base = contributions(model, rows, reference="mean")
            logit = np.asarray(model.predict_logit(rows), dtype=float)
            err = float(np.max(np.abs(contrib.to_numpy().sum(axis=1) + base - logit)))
            if getattr(model, "name", "") == "scorecard":
                best, base_b = contributions(model, rows, reference="best")
                err = max(err, float(np.max(np.abs(best.to_numpy().sum(axis=1) + base_b - logit))))
            # null features are a property of the population, not of the denied rows
            nulls = null_features(frame, list(contrib.columns))
            measures = fidelity(contrib, rows, k=k, nulls=nulls)
        else:
            err = 0.0
            measures = {f"fidelity_top{k}": float("nan"), "rank_correlation": float("nan"),
                        "null_attribution_share": float("nan")}
        out[name] = {
            f"fidelity_top{k}": measures[f"fidelity_top{k}"],
            "additivity_max_err": err,
            "null_attribution_share": measures["null_attribution_share"],
            "rank_correlation": measures["rank_correlation"],
            "n_denied": int(mask.sum()),
        }
        if reference_background is not None and has_background_mode(model):
            out[name]["interventional"] = _interventional(model, rows, reference_background,
                                                          k, nulls)
    return out
