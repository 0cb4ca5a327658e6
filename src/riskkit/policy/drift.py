"""A policy meets a downturn: cut-off choice, population drift and the lender's tightening.

A model is fitted and its cut-off chosen in normal times. When a downturn arrives, three
things move at once and a credit committee needs them apart:

* the *population* shifts (more income shocks, more borrowing): PSI of the score and CSI of
  each feature, against the training sample (:func:`stability`);
* the *calibration* breaks: part of the downturn (the macro shift) is in no applicant's
  features, so the model's PD understates the bad rate (:func:`calibration_drift`);
* the *book* changes at the old PD cut-off: fewer approvals (riskier features) yet a higher
  bad rate among the approved (:func:`policy_under_drift`), until the lender re-chooses the
  cut-off.

:func:`cutoff_table` is the menu a lender picks a cut-off from: approval-rate targets
against the bad rate, volume, credit lines and expected loss they bring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.policy import APPROVED, Policy
from riskkit.synth import World

#: Approval-rate targets of the cut-off menu.
APPROVAL_TARGETS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
#: Loss given default for expected loss: the share of a defaulted line never recovered.
#: Unsecured consumer credit recovers little; 0.75 is a common planning value.
DEFAULT_LGD = 0.75
#: Applicant ids of a downturn cohort start here, clear of a run's splits (OOT is +1e9).
DOWNTURN_ID_OFFSET = 2_000_000_000


def downturn_cohort(world: World, seed: int, rows: int, *, seed_offset: int = 2000,
                    scenario: str = "downturn") -> pd.DataFrame:
    """A cohort of applicants of a run's ``world`` with ``scenario`` in force.

    The run's own truth (shape, dials, label noise, bad-rate calibration) with the economy
    turned: the policy-drift analysis asks what the *same* world looks like in a downturn,
    so the cohort must not come from another world. Its own seed (``seed + seed_offset``) so
    no applicant repeats, ids offset by two billion.

    Parameters
    ----------
    world : World
        The run's world (``run.world``).
    seed : int
        The run's seed.
    rows : int
        Applicants to draw (e.g. the run's test size).
    seed_offset : int
        Added to ``seed``.
    scenario : str
        The scenario in force for the whole cohort.

    Returns
    -------
    pandas.DataFrame
    """
    cohort = world.with_scenario(scenario).generate(int(rows), int(seed) + seed_offset)
    cohort[F.ID_COLUMN] = cohort[F.ID_COLUMN] + DOWNTURN_ID_OFFSET
    return cohort


# ----------------------------------------------------------------------------- drift
def stability(model: Any, reference: pd.DataFrame, others: Mapping[str, pd.DataFrame],
              features: Sequence[str] | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """PSI of the model's score and CSI of each feature, every frame in ``others`` against
    ``reference`` (the training sample).

    Returns ``(score_psi, csi)``: a Series indexed by the names in ``others`` and a frame
    with one row per feature and one column per name, features ordered by their largest CSI.
    """
    names = list(features) if features is not None else list(model.features_)
    ref_score = model.points(reference)
    psi = pd.Series({name: ev.psi(ref_score, model.points(frame)) for name, frame in others.items()},
                    name="score_psi", dtype=float)
    csi = pd.DataFrame({name: ev.csi(reference, frame, names) for name, frame in others.items()})
    csi = csi.loc[csi.max(axis=1).sort_values(ascending=False).index]
    csi.index.name = "feature"
    return psi, csi


def calibration_drift(model: Any, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per frame: mean predicted PD, observed bad rate, mean true PD (when known), their
    ratio, AUC and ECE. A ranking model can keep its AUC in a downturn while its PDs fall
    short of the bad rate; only this table shows both."""
    rows = {}
    for name, frame in frames.items():
        p = model.predict_pd(frame)
        y = frame[F.TARGET].to_numpy()
        row = {"count": len(frame), "mean_pd": float(p.mean()), "bad_rate": float(y.mean())}
        if "true_pd" in frame.columns:
            row["mean_true_pd"] = float(frame["true_pd"].mean())
        row["bad_rate_over_pd"] = row["bad_rate"] / row["mean_pd"]
        row["auc"] = ev.auc(y, p) if 0 < y.sum() < len(y) else np.nan
        row["ece"] = ev.ece(y, p)
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "sample"
    return table


# ----------------------------------------------------------------------------- books
def book(policy: Policy, frame: pd.DataFrame, pd_: np.ndarray, lgd: float = DEFAULT_LGD
         ) -> dict[str, float]:
    """What a policy approves on ``frame``: volume, bad rates, credit lines and losses.

    ``expected_loss`` uses the model's PD (what the lender books), ``true_expected_loss``
    the true PD (what it will really lose on average) and ``realised_loss`` the outcomes,
    all as ``lgd * PD * line`` summed over the approved.
    """
    if not 0.0 <= lgd <= 1.0:
        raise ConfigError(f"lgd must lie in [0, 1], got {lgd!r}")
    dec = policy.decide(frame, pd_)
    approved = (dec["decision"] == APPROVED).to_numpy()
    line = dec["credit_line"].to_numpy(dtype=float)
    p = np.asarray(pd_, dtype=float)
    out = {"cutoff_pd": float(policy.cutoff), "approved": int(approved.sum()),
           "approval_rate": float(approved.mean()),
           "knockout_rate": float((dec["knockout"] != "").mean()),
           "mean_pd_approved": float(p[approved].mean()) if approved.any() else np.nan,
           "total_line": float(line.sum()), "expected_loss": float(lgd * np.sum(p * line))}
    if F.TARGET in frame.columns:
        y = frame[F.TARGET].to_numpy(dtype=float)
        out["bad_rate_approved"] = float(y[approved].mean()) if approved.any() else np.nan
        out["realised_loss"] = float(lgd * np.sum(y * line))
    if "true_pd" in frame.columns:
        true_pd = frame["true_pd"].to_numpy(dtype=float)
        out["true_expected_loss"] = float(lgd * np.sum(true_pd * line))
    return out


def cutoff_table(policy: Policy, model: Any, frame: pd.DataFrame,
                 fit_frame: pd.DataFrame | None = None,
                 targets: Sequence[float] = APPROVAL_TARGETS,
                 lgd: float = DEFAULT_LGD) -> pd.DataFrame:
    """The cut-off menu: for each approval-rate target, the PD cut-off chosen on
    ``fit_frame`` (e.g. the validation split; default ``frame`` itself) and the book it
    gives on ``frame``.

    Targets are shares of applicants *passing the knock-out rules*, as in
    :meth:`Policy.fit`, so the achieved ``approval_rate`` of all applicants is lower.
    """
    chooser = fit_frame if fit_frame is not None else frame
    chooser_pd = model.predict_pd(chooser)
    p = model.predict_pd(frame)
    rows = []
    for target in targets:
        if not 0.0 < target < 1.0:
            raise ConfigError(f"approval-rate targets must lie strictly between 0 and 1, got {target!r}")
        chosen = replace(policy, cutoff_method="approval_rate", cutoff_target=float(target),
                         cutoff=None).fit(chooser, chooser_pd)
        rows.append({"target": float(target), **book(chosen, frame, p, lgd)})
    return pd.DataFrame(rows).set_index("target")


def policy_under_drift(policy: Policy, model: Any, baseline: pd.DataFrame,
                       downturn: pd.DataFrame, lgd: float = DEFAULT_LGD) -> pd.DataFrame:
    """The deployed policy before and in a downturn, and two cut-offs a lender could re-choose.

    Rows: the baseline book at the deployed cut-off; the downturn book at that same cut-off;
    the downturn book with the cut-off re-chosen (``Policy.fit`` on downturn applicants) to
    keep the *approval-rate target* (volume first), and re-chosen to bring the *bad rate
    among the approved* back to the baseline's (risk first, the usual tightening). The
    second re-choice reads the downturn outcomes: in practice a lender learns them from early
    delinquency months later, so the row is what the tightening should reach, not what a
    lender sees on the first day.
    """
    if policy.cutoff is None:
        raise ConfigError("the policy's cut-off is not chosen yet: call Policy.fit first")
    if F.TARGET not in downturn.columns or F.TARGET not in baseline.columns:
        raise DataError("downturn", [f"both samples need the outcome {F.TARGET!r}"])
    p_base, p_down = model.predict_pd(baseline), model.predict_pd(downturn)
    before = book(policy, baseline, p_base, lgd)
    rows = {"baseline, deployed cut-off": before,
            "downturn, deployed cut-off": book(policy, downturn, p_down, lgd)}
    target = policy.cutoff_target if policy.cutoff_method == "approval_rate" else \
        before["approval_rate"]
    volume = replace(policy, cutoff_method="approval_rate", cutoff_target=float(target),
                     cutoff=None).fit(downturn, p_down)
    rows["downturn, re-chosen for the same approval target"] = book(volume, downturn, p_down, lgd)
    risk = replace(policy, cutoff_method="bad_rate", cutoff_target=float(before["bad_rate_approved"]),
                   cutoff=None).fit(downturn, p_down, downturn[F.TARGET].to_numpy())
    rows["downturn, re-chosen for the baseline bad rate"] = book(risk, downturn, p_down, lgd)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "book"
    return table
