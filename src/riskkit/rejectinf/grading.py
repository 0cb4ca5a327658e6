"""Grading reject inference against the truth, which only a simulation has.

On a held-out through-the-door sample (everyone's outcome ``default_12m`` and true PD
``true_pd`` known), a model is graded on:

``auc_all`` / ``auc_rejects``
    AUC on every applicant, and on the incumbent's rejects alone (observed outcomes);
``pred_bad_rate_rejects`` / ``true_bad_rate_rejects`` / ``observed_bad_rate_rejects``
    the model's mean PD over the rejects, their mean true PD, and their observed bad rate;
    ``reject_bias = pred - true``, ``reject_abs_error = |pred - true|`` (the error the
    tables quote, in points) and ``reject_error = |pred - true| / true``;
``ece_all``
    expected calibration error over every applicant;
``approval_rate`` / ``bad_rate_approved`` / ``true_bad_rate_approved``
    the result of deploying the model under the incumbent's cut-off *rule*: its own PD
    cut-off set to accept the incumbent's acceptance rate of the lender's (fit) applicants
    -- features only, so nothing from the held-out rows is used -- then applied to the
    held-out rows: who is approved, and their observed and true bad rates;
``fidelity_top3`` / ``rank_correlation`` / ``null_attribution_share``
    how faithful the model's explanations of its *denied* held-out applicants are to the
    true contributions (:func:`riskkit.explain.explain_metrics`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.explain import explain_metrics

#: The keys of ``metrics.json["reject_inference"]["methods"][NAME]`` (DESIGN.md), in order.
GRADE_KEYS: tuple[str, ...] = ("auc_all", "auc_rejects", "pred_bad_rate_rejects",
                               "true_bad_rate_rejects", "ece_all", "approval_rate",
                               "bad_rate_approved")


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    return ev.auc(y, p) if len(np.unique(y)) == 2 else None


def grade(model: Any, test: pd.DataFrame, rejected: np.ndarray, cutoff: float, *,
          fidelity: bool = True) -> dict[str, Any]:
    """Grade one fitted model on held-out applicants against the truth.

    Parameters
    ----------
    model : CreditModel
        Any riskkit model (``predict_pd``; ``contributions`` when ``fidelity``).
    test : DataFrame
        Held-out through-the-door applicants with ``default_12m`` and ``true_pd`` (and
        ``true_contrib__*`` for fidelity).
    rejected : array of bool
        The incumbent's rejects among ``test``.
    cutoff : float
        The model's deployment PD cut-off (approve when ``pd <= cutoff``).
    fidelity : bool
        Also measure explanation fidelity on the denied rows (costs a TreeSHAP pass).

    Returns
    -------
    dict
        :data:`GRADE_KEYS` first, then the extra measures; plain floats (None where a
        measure is undefined, e.g. an AUC over rows with one outcome).
    """
    missing = [c for c in (F.TARGET, "true_pd") if c not in test.columns]
    if missing:
        raise DataError("test", [f"grading needs the truth; missing columns {missing}"])
    rejected = np.asarray(rejected, dtype=bool)
    if len(rejected) != len(test) or not rejected.any() or rejected.all():
        raise DataError("rejected", [f"need a mask of {len(test)} rows with both accepts "
                                     "and rejects"])
    y = test[F.TARGET].to_numpy(dtype=np.int64)
    true = test["true_pd"].to_numpy(dtype=float)
    p = np.asarray(model.predict_pd(test), dtype=float)
    approved = p <= cutoff
    pred_rej, true_rej = float(p[rejected].mean()), float(true[rejected].mean())
    out: dict[str, Any] = {
        "auc_all": ev.auc(y, p),
        "auc_rejects": _auc(y[rejected], p[rejected]),
        "pred_bad_rate_rejects": pred_rej,
        "true_bad_rate_rejects": true_rej,
        "ece_all": ev.ece(y, p),
        "approval_rate": float(approved.mean()),
        "bad_rate_approved": float(y[approved].mean()) if approved.any() else None,
        "true_bad_rate_approved": float(true[approved].mean()) if approved.any() else None,
        "observed_bad_rate_rejects": float(y[rejected].mean()),
        "pred_bad_rate_accepts": float(p[~rejected].mean()),
        "true_bad_rate_accepts": float(true[~rejected].mean()),
        "reject_bias": pred_rej - true_rej,
        "reject_abs_error": abs(pred_rej - true_rej),
        "reject_error": abs(pred_rej - true_rej) / true_rej if true_rej > 0 else None,
        "auc_all_true_pd": ev.auc(y, true),
        "cutoff_pd": float(cutoff),
    }
    if fidelity and any(c.startswith(F.CONTRIB_PREFIX) for c in test.columns):
        entry = explain_metrics({"m": model}, test, ~approved)["m"]
        out.update({"fidelity_top3": entry["fidelity_top3"],
                    "rank_correlation": entry["rank_correlation"],
                    "null_attribution_share": entry["null_attribution_share"]})
    return out


def deployment_cutoff(model: Any, applicants: pd.DataFrame, acceptance_rate: float) -> float:
    """The PD cut-off accepting ``acceptance_rate`` of ``applicants`` (their features only).

    Parameters
    ----------
    model : CreditModel
        The fitted model.
    applicants : pandas.DataFrame
        The applicants it would decide.
    acceptance_rate : float
        The share to accept.

    Returns
    -------
    float
    """
    return ev.cutoff_for_approval_rate(model.predict_pd(applicants), acceptance_rate)


def results_table(grades: dict[str, dict[str, dict[str, Any]]]) -> pd.DataFrame:
    """One row per (model kind, method): the grade keys first, then every extra measure.

    ``grades`` maps model kind -> method -> :func:`grade`'s dict (plus any ``rows`` /
    ``info`` entries, which are left out of the table).

    Parameters
    ----------
    grades : dict
        Model kind -> method -> grades.

    Returns
    -------
    pandas.DataFrame
    """
    rows = []
    for kind, methods in grades.items():
        for method, entry in methods.items():
            rows.append({"model": kind, "method": method,
                         **{k: v for k, v in entry.items() if k != "info"}})
    table = pd.DataFrame(rows)
    first = ["model", "method", *GRADE_KEYS]
    return table[[*first, *[c for c in table.columns if c not in first]]]
