"""The small tables the computed sentences of notebooks 01-04 read.

A notebook sentence that states a direction or a comparison is built by
:class:`riskkit.core.narrative.Narrative` from numbers, and those numbers must sit in a
table the notebook shows (the claims check looks each one up). Where the numbers a
sentence needs are not already a row or column of a table the library returns, the
table is made here, so it is tested code and the notebook cell stays a few lines:

* :func:`driver_summary` -- notebook 01: for each driver, the true PD and the observed bad
  rate at its lowest and highest quantile group, and how many groups' intervals hold the
  truth (the sentence "the truth rises with each driver and the sample follows it within
  its noise" was typed ahead of these numbers);
* :func:`effect_sizes` -- notebook 03: the model's and the true effect across a feature's
  grid as sizes, and whether they point the same way, so "weaker than the truth" compares
  magnitudes, never a negative number with a positive one;
* :func:`persona_facts` -- notebook 04: each explained applicant's PD and true PD against
  the cut-off, how many of their reasons age out on their own, and how long their recourse
  waits (04 said Zhang San "sits near the cut-off" and Li Si's true PD is "many times" it,
  whatever the run found).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit.charts.population import truth_by_quantile
from riskkit.core.registry import Registry

__all__ = ["driver_summary", "effect_sizes", "persona_facts"]


def driver_summary(pop: pd.DataFrame, drivers: Sequence[str], q: int = 5) -> pd.DataFrame:
    """Per driver: its lowest and highest quantile group, the mean true PD and the observed
    bad rate in each, and how many groups' 95 % Wilson intervals hold their mean true PD.

    Why: notebook 01's chart of the truth by quintile is read in one sentence per driver
    ("the true PD rose from 2 % to 9 %"; "4 of 5 groups' intervals hold the truth"), and a
    sentence must quote the numbers it rests on. Groups are ``quantile_bins``'s (ties
    kept together); a "missing" group is counted but is neither the lowest nor the highest.

    Parameters
    ----------
    pop : pandas.DataFrame
        A population with ``true_pd`` and the target (``riskkit.generate``).
    drivers : sequence of str
        The numeric columns to group.
    q : int
        Quantile groups per driver.

    Returns
    -------
    pandas.DataFrame
        Index ``driver``; columns ``groups``, ``lowest``, ``highest`` (group labels),
        ``true_pd_lowest``, ``true_pd_highest``, ``bad_rate_lowest``, ``bad_rate_highest``,
        ``covered`` (groups whose interval holds their mean true PD) and ``covered_share``.
    """
    rows = {}
    for driver in drivers:
        table = truth_by_quantile(pop, driver, q)
        ordered = table.drop(index="missing", errors="ignore")
        low, high = ordered.iloc[0], ordered.iloc[-1]
        covered = int(((table["ci_low"] <= table["mean_true_pd"])
                       & (table["mean_true_pd"] <= table["ci_high"])).sum())
        rows[driver] = {"groups": len(table), "lowest": str(ordered.index[0]),
                        "highest": str(ordered.index[-1]),
                        "true_pd_lowest": float(low["mean_true_pd"]),
                        "true_pd_highest": float(high["mean_true_pd"]),
                        "bad_rate_lowest": float(low["bad_rate"]),
                        "bad_rate_highest": float(high["bad_rate"]),
                        "covered": covered, "covered_share": covered / len(table)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "driver"
    return out


def effect_sizes(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`riskkit.evaluate.effects.effect_summary` with the sizes of both effects and
    their agreement in sign.

    Why: a feature that lowers risk has a negative effect in both the model and the truth;
    "the model's effect is smaller than the truth's" would then read -0.9 < -0.5 the wrong
    way round. Sizes (absolute values) are compared, and ``agreement`` (the product of the
    two effects: positive when they point the same way, negative when opposite, zero when
    either is flat) says whether the comparison is about the same direction at all.

    Parameters
    ----------
    summary : pandas.DataFrame
        With ``model_effect`` and ``true_effect``.

    Returns
    -------
    pandas.DataFrame
        ``summary`` with ``model_size``, ``true_size`` and ``agreement`` added.
    """
    model, true = summary["model_effect"].astype(float), summary["true_effect"].astype(float)
    return summary.assign(model_size=model.abs(), true_size=true.abs(), agreement=model * true)


def persona_facts(explained: Mapping[str, Mapping[str, Any]], cutoff: float,
                  registry: Registry) -> pd.DataFrame:
    """One row per explained applicant: decision, PD and true PD against the cut-off, how
    many scored reasons age out on their own, and what the recourse asks.

    Why: notebook 04's words about each persona (near the cut-off or far above it, denied
    for what he does now or for what he did, a recourse that waits) must hold for the run
    it explains; these are the numbers they are chosen from.

    Parameters
    ----------
    explained : mapping
        Name -> :func:`riskkit.explain.explain_applicant`'s dict.
    cutoff : float
        The policy's PD cut-off.
    registry : Registry
        The features' registry: which reasons are ``time_decaying``.

    Returns
    -------
    pandas.DataFrame
        Index the names; columns ``decision``, ``pd``, ``true_pd``, ``cutoff``,
        ``pd_to_cutoff``, ``true_pd_to_cutoff`` (ratios), ``scored_reasons``,
        ``decaying_reasons``, ``recourse_found``, ``n_changes`` and ``wait_months`` (NaN
        without a recourse).
    """
    if not cutoff > 0:
        raise ValueError(f"cutoff must be a PD above 0, got {cutoff!r}")
    rows = {}
    for who, e in explained.items():
        scored = [r["feature"] for r in e["reasons"] if r["kind"] == "scored"]
        decaying = sum(1 for f in scored if f in registry and registry[f].kind == "time_decaying")
        help_ = e.get("recourse") or {}
        found = bool(help_.get("found"))
        true_pd = np.nan if e.get("true_pd") is None else float(e["true_pd"])
        rows[who] = {"decision": e["decision"], "pd": float(e["pd"]), "true_pd": true_pd,
                     "cutoff": float(cutoff), "pd_to_cutoff": float(e["pd"]) / cutoff,
                     "true_pd_to_cutoff": true_pd / cutoff, "scored_reasons": len(scored),
                     "decaying_reasons": decaying, "recourse_found": found,
                     "n_changes": float(help_["n_changes"]) if found else np.nan,
                     "wait_months": float(help_["wait_months"]) if found else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index")
