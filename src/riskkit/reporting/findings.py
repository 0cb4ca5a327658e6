"""What the report finds in a run's numbers: verdicts against documented thresholds, the
first reasons for decline, the fairness flags and the summary's figures.

Thresholds are constants here, documented once and printed under the summary, so a reader
can check each verdict by hand:

* **Stability** (PSI of the score, CSI of a feature): below 0.10 stable, 0.10-0.25 watch,
  above 0.25 shift: the industry's usual bands.
* **Calibration** (ECE, equal-frequency bins): an ECE is never zero on a finite sample. A
  perfectly calibrated model with bad rate *p* on *N* rows in *B* bins still shows about
  ``sqrt(2/pi) * sqrt(p(1-p) B / N)`` (the mean absolute deviation of a bin's observed rate),
  so the tolerance is the larger of 0.5 pp and twice that noise; up to twice the tolerance
  is "watch". On a 4,000-row test split with a 4.5% bad rate the noise is about 0.8 pp, and
  the oracle, which predicts the true PD, indeed scores about that.
* **Gap to the oracle**: the AUC the deployed model loses against the true PD on the same
  rows; below 0.01 close, 0.01-0.03 moderate, above large.
* **Four-fifths**: a group's approval rate below 80% of the best-treated group's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core.narrative import band_word
from riskkit.evaluate.impact import FOUR_FIFTHS, MIN_GROUP
from riskkit.reporting import numbers as fmt
from riskkit.reporting.view import RunView, numbers_in

__all__ = ["DEFAULT_ECE_BINS", "ECE_FLOOR", "FOUR_FIFTHS", "GAP_CLOSE", "GAP_LARGE", "MIN_GROUP", "PSI_SHIFT", "PSI_STABLE", "VERDICTS", "auc_noise", "auc_tolerance", "banded", "calibration_verdict", "ece_noise", "ece_tolerance", "fairness_flags", "fairness_split", "fairness_summary", "fairness_table", "first_reasons", "flag_claim", "gap_verdict", "hanley_mcneil_se", "stability_table", "stability_verdict", "summary_facts"]

#: A banded verdict's words (:func:`banded`): good, watch, bad.
VERDICTS = ("good", "watch", "bad")
PSI_STABLE = 0.10
PSI_SHIFT = 0.25
ECE_FLOOR = 0.005
ECE_NOISE_MULTIPLE = 2.0
GAP_CLOSE = 0.01
GAP_LARGE = 0.03
DEFAULT_ECE_BINS = 10


def stability_verdict(value: float | None) -> str:
    """``good`` below :data:`PSI_STABLE`, ``watch`` up to :data:`PSI_SHIFT`, else ``bad``."""
    if value is None or math.isnan(value):
        return "none"
    return "good" if value < PSI_STABLE else "watch" if value <= PSI_SHIFT else "bad"


def banded(view: RunView, value: float | None, low: float, high: float, *, kind: str,
           low_inclusive: bool = False, table: str | None = None) -> str:
    """A verdict (``good`` / ``watch`` / ``bad``) for ``value`` against two edges, recorded
    as one claim of the report (its text: the verdict's words, ``v.<kind>.<verdict>``, and
    the words of the other two verdicts, so a text that is not its verdict's is caught).

    Why: "stable", "well calibrated", "close to the truth" state that a number lies on one
    side of a threshold. The same rule as :func:`stability_verdict` (``low_inclusive=False``:
    good below ``low``) and :func:`calibration_verdict` (``True``: good up to ``low``), and
    ``watch`` up to ``high`` inclusive; recorded so that a test can re-check every verdict of
    the report against its number and its edges
    (:func:`riskkit.reporting.narration.check_claims`).

    Parameters
    ----------
    view : RunView
        The run; its narrative keeps the claims.
    value : float or None
        The figure judged (None or NaN: ``none``, nothing recorded).
    low, high : float
        The edges between good and watch, and between watch and bad.
    kind : str
        ``psi``, ``ece`` or ``gap``: whose words the verdict is said in.
    low_inclusive : bool
        Whether ``value == low`` is still good.
    table : str or None
        Where both the value and the edges can be found, None for derived figures.

    Returns
    -------
    str
    """
    if value is None or math.isnan(value):
        return "none"
    view.narrative.band(value, low, high, VERDICTS, low_inclusive=low_inclusive, table=table,
                        say=lambda verdict: view.t(f"v.{kind}.{verdict}"))
    return band_word(value, low, high, VERDICTS, low_inclusive=low_inclusive)


def stability_table(view: RunView) -> str:
    """Record the numbers a stability verdict reads (metrics.json, the CSI table, the two
    band edges) as the report's table ``stability``; return its name."""
    csi = view.tables.get("csi")
    values = [*numbers_in(view.metrics), PSI_STABLE, PSI_SHIFT]
    if csi is not None and "csi" in csi:
        values += pd.to_numeric(csi["csi"], errors="coerce").dropna().tolist()
    view.narrative.table(np.asarray(values, dtype=float), "stability")
    return "stability"


def ece_noise(bad_rate: float, rows: float, bins: int = DEFAULT_ECE_BINS) -> float:
    """The ECE a perfectly calibrated model shows by chance (see the module docstring).

    Parameters
    ----------
    bad_rate : float
        The split's observed bad rate.
    rows : float
        The split's row count.
    bins : int
        Equal-frequency bins of the ECE.

    Returns
    -------
    float
        Expected ECE under perfect calibration (NaN without rows).
    """
    if rows <= 0:
        return float("nan")
    return math.sqrt(2 / math.pi) * math.sqrt(bad_rate * (1 - bad_rate) * bins / rows)


def calibration_verdict(ece: float | None, noise: float) -> tuple[str, float]:
    """Verdict and tolerance for an ECE: ``good`` within ``max(0.5 pp, 2 x noise)``."""
    tolerance = max(ECE_FLOOR, ECE_NOISE_MULTIPLE * noise) if not math.isnan(noise) else ECE_FLOOR
    if ece is None:
        return "none", tolerance
    return ("good" if ece <= tolerance else "watch" if ece <= 2 * tolerance else "bad"), tolerance


def gap_verdict(gap: float | None) -> str:
    """``good`` below :data:`GAP_CLOSE` AUC, ``watch`` up to :data:`GAP_LARGE`, else ``bad``."""
    if gap is None:
        return "none"
    return "good" if gap < GAP_CLOSE else "watch" if gap <= GAP_LARGE else "bad"


def ece_tolerance(view: RunView, model: str, split: str) -> tuple[str, float, float]:
    """(verdict, tolerance, noise) of ``model``'s ECE on ``split`` of this run."""
    calib = (view.models.get(model) or {}).get("calibration") or {}
    bins = int(calib.get("ece_bins") or DEFAULT_ECE_BINS) if isinstance(calib, Mapping) else 10
    rows, rate = view.card_value("rows", split), view.card_value("bad_rate", split)
    frame = view.split_frame(split)
    if (rows is None or rate is None) and frame is not None and "default_12m" in frame:
        rows, rate = float(len(frame)), float(frame["default_12m"].mean())
    noise = ece_noise(rate, rows, bins) if rows and rate is not None else float("nan")
    verdict, tolerance = calibration_verdict(view.score(model, split, "ece"), noise)
    return verdict, tolerance, noise


def hanley_mcneil_se(auc: float, bads: float, goods: float) -> float:
    """Standard error of an AUC (Hanley and McNeil, 1982): how far a rerun could move it."""
    if bads <= 0 or goods <= 0 or math.isnan(auc):
        return float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (bads - 1) * (q1 - auc**2) + (goods - 1) * (q2 - auc**2)) / (bads * goods)
    return math.sqrt(max(var, 0.0))


def auc_noise(view: RunView) -> tuple[int, float, float] | None:
    """(test rows, test bads, standard error) of the deployed model's test AUC (Hanley and
    McNeil, 1982), or None when the run has no test outcomes or AUC.

    Why one function: the limitations section says AUC differences below twice this error
    are within noise, and the discrimination section must not then call a model "best" by
    less; both read it here (:func:`auc_tolerance`).
    """
    test, auc = view.split_frame("test"), view.score(view.deployed, "test", "auc")
    if test is None or "default_12m" not in test or auc is None:
        return None
    bads = float(test["default_12m"].sum())
    return len(test), bads, hanley_mcneil_se(auc, bads, len(test) - bads)


def auc_tolerance(view: RunView) -> float:
    """The AUC difference within noise: twice :func:`auc_noise`'s standard error (0 when
    the run cannot tell)."""
    found = auc_noise(view)
    return 2 * found[2] if found is not None and not math.isnan(found[2]) else 0.0


def first_reasons(view: RunView, split: str = "test") -> pd.DataFrame:
    """The first reason of each declined applicant of ``split``: label, count, share.

    Knock-out reasons are kept apart from scored reasons on the same feature (an age
    knock-out is a rule, not the model's view of age). Falls back to every explained split
    when the decisions do not tell which split an applicant is in.
    """
    reasons = view.reasons
    if reasons is None or reasons.empty or "feature" not in reasons.columns:
        return pd.DataFrame(columns=["feature", "kind", "label", "count", "share"])
    first = reasons[reasons["rank"] == reasons["rank"].min()] if "rank" in reasons else reasons
    frame = view.split_frame(split)
    if frame is not None and "applicant_id" in first.columns:
        chosen = first[first["applicant_id"].isin(frame["applicant_id"])]
        first = chosen if len(chosen) else first
    kind = first["kind"].astype(str) if "kind" in first.columns else pd.Series("scored", first.index)
    counts = (pd.DataFrame({"feature": first["feature"].astype(str), "kind": kind})
              .value_counts().rename("count").reset_index()
              .sort_values(["count", "feature", "kind"], ascending=[False, True, True]))
    counts["share"] = counts["count"] / len(first)
    counts["label"] = [view.t("sum.knockout", feature=view.feature(f)) if k == "knockout"
                       else view.feature(f) for f, k in zip(counts["feature"], counts["kind"],
                                                           strict=True)]
    return counts.reset_index(drop=True)


def fairness_table(view: RunView) -> str:
    """Record the fairness figures and the line they are read against (4/5) as the
    report's table ``fairness``; return its name."""
    fair = view.metrics.get("fairness")
    view.narrative.table(np.asarray([*numbers_in(fair), FOUR_FIFTHS], dtype=float), "fairness")
    return "fairness"


def flag_claim(view: RunView, record: Mapping[str, Any], say: Callable[[str], str]) -> str:
    """A flagged ratio's sentence, recorded as the claim that its whole interval lies below
    four-fifths (``fair.v.flagged``; above it: ``fair.v.clear``; across it:
    ``fair.v.straddles``, which the ratio's own comparison says when not flagged). ``say``:
    verdict key -> sentence. Without an interval the sentence is said unrecorded."""
    low, high = record.get("low"), record.get("high")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
        return say("fair.v.flagged")
    if "fairness" not in view.narrative.tables:
        fairness_table(view)
    return view.narrative.interval(float(low), float(high), FOUR_FIFTHS,
                                   ("fair.v.clear", "fair.v.flagged", "fair.v.straddles"),
                                   table="fairness", say=say)


def fairness_split(view: RunView) -> tuple[str, Mapping[str, Any]] | None:
    """The split the fairness summary reads (test, else out-of-time, else the first)."""
    fair = view.metrics.get("fairness")
    splits = fair.get("splits") if isinstance(fair, Mapping) else None
    if not isinstance(splits, Mapping) or not splits:
        return None
    name = next((s for s in ("test", "oot") if s in splits), next(iter(splits)))
    return name, splits[name]


def _policy_record(part: Mapping[str, Any], attr: str) -> dict[str, Any]:
    """The policy's ratio record of ``attr`` (a run made before intervals: its ratio and
    flag, as ``"flagged"`` / ``"not flagged"``; ``"not measured"`` when it has no ratio)."""
    found = ((part.get("adverse_impact") or {}).get(attr) or {}).get("policy")
    if isinstance(found, Mapping):
        return dict(found)
    air = (part.get("adverse_impact_ratio") or {}).get(attr)
    air = float(air) if isinstance(air, (int, float)) and not isinstance(air, bool) else None
    flag = (part.get("four_fifths_flag") or {}).get(attr)
    flag = bool(flag) if flag is not None else (air is not None and air < FOUR_FIFTHS)
    return {"ratio": air, "low": None, "high": None,
            "status": "not measured" if air is None else ("flagged" if flag else "not flagged")}


def fairness_flags(view: RunView) -> tuple[list[tuple[str, dict[str, Any], float | None]],
                                            tuple[str, float] | None, list[str]]:
    """(flagged attributes with their policy record and passers' ratio, the lowest measured
    policy ratio, the attributes not measured) on the fairness split. Flagged means the
    run's verdict: the whole interval below four-fifths (:mod:`riskkit.evaluate.impact`)."""
    found = fairness_split(view)
    if found is None:
        return [], None, []
    part = found[1]
    attrs = list(dict.fromkeys([*(part.get("adverse_impact") or {}),
                                *(part.get("adverse_impact_ratio") or {})]))
    flagged, ratios, unmeasured = [], {}, []
    for attr in attrs:
        record = _policy_record(part, attr)
        if record.get("status") == "not measured" or record.get("ratio") is None:
            unmeasured.append(attr)
            continue
        ratios[attr] = float(record["ratio"])
        if record.get("status") == "flagged":
            passers = (((part.get("adverse_impact") or {}).get(attr) or {}).get("passers") or {})
            flagged.append((attr, record, passers.get("ratio")))
    lowest = min(ratios.items(), key=lambda kv: kv[1]) if ratios else None
    return flagged, lowest, unmeasured


def fairness_summary(view: RunView) -> tuple[str, str]:
    """The summary's fairness words and verdict (``bad`` / ``good`` / ``none``)."""
    t = view.t
    if "fairness" not in view.metrics:
        return t("not_computed"), "none"
    flagged, lowest, unmeasured = fairness_flags(view)
    if flagged:  # each flag recorded: its interval below four-fifths
        text = t("sum.fair_flags", flags=view.join(semi=True, items=[
            flag_claim(view, rec, lambda key, a=a, rec=rec, pas=pas: t(
                "sum.fair_flag", attr=view.attribute(a), air=fmt.sig(rec.get("ratio")),
                low=fmt.sig(rec.get("low")), high=fmt.sig(rec.get("high")), pas=fmt.sig(pas))
                if key == "fair.v.flagged" else t(key, high=fmt.sig(rec.get("high"))))
            for a, rec, pas in flagged]))
    elif lowest:
        text = t("sum.fair_none", air=fmt.sig(lowest[1]), attr=view.attribute(lowest[0]))
    else:
        text = ""
    if unmeasured:
        more = t("sum.fair_unmeasured", attrs=view.join([view.attribute(a) for a in unmeasured]))
        text = view.join(semi=True, items=[x for x in (text, more) if x])
    return text, ("bad" if flagged else "good" if lowest else "none")


def summary_facts(view: RunView) -> dict[str, Any]:
    """The summary's figures as plain numbers (what the tests compare with metrics.json)."""
    model = view.deployed
    policy = view.metrics.get("policy") if isinstance(view.metrics.get("policy"), Mapping) else {}
    oot = policy.get("oot") if isinstance(policy.get("oot"), Mapping) else {}
    auc, oracle = view.score(model, "test", "auc"), view.score("oracle", "test", "auc")
    stab = view.metrics.get("stability") if isinstance(view.metrics.get("stability"), Mapping) else {}
    psi = (view.models.get(model) or {}).get("psi")
    return {
        "model": model, "cutoff_pd": policy.get("cutoff_pd"),
        "cutoff_method": policy.get("cutoff_method"), "cutoff_target": policy.get("cutoff_target"),
        "approval_rate": policy.get("approval_rate"), "approval_rate_oot": oot.get("approval_rate"),
        "bad_rate_approved": policy.get("bad_rate_approved"),
        "bad_rate_approved_oot": oot.get("bad_rate_approved"),
        "bad_rate_all": view.card_value("bad_rate", "test"),
        "auc": auc, "oracle_auc": oracle,
        "oracle_gap": None if auc is None or oracle is None or model == "oracle" else oracle - auc,
        "ece": view.score(model, "test", "ece"), "ece_oot": view.score(model, "oot", "ece"),
        "psi": float(psi) if isinstance(psi, (int, float)) else None,
        "csi_max": stab.get("csi_max"), "csi_max_feature": stab.get("csi_max_feature"),
    }
