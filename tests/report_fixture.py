"""A small but complete run folder for the report tests, written in a second or two.

It has what a real ``riskkit run`` writes (metrics.json with every section the report
knows, the data card, decisions, reasons, tables, the saved policy, charts at the report
style's A4 size) plus ``metrics.json["fairness"]`` in the schema shared with the fairness
stage (HELPERS.md) and a reject-inference block, so every section of the report renders.
Numbers are fixed or drawn from a seeded generator: the same folder on every call.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from riskkit.charts import export
from riskkit.core import features as F
from riskkit.core.io import write_json
from riskkit.experiment.runfolder import write_manifest
from riskkit.policy.rules import DEFAULT_KNOCKOUTS

CONFIG = """\
# baseline experiment; cut-off keeps approvals < 80 %
name: base
seed: 7
data:
  rows: 5000
  scenario: baseline
  world: thin_file
policy:
  model: lgbm
  cutoff: {method: approval_rate, value: 0.75}
figures:
  lang: en
"""


def _split(auc: float, ks: float, ece: float) -> dict[str, float]:
    return {"auc": auc, "gini": 2 * auc - 1, "ks": ks, "brier": 0.0384, "log_loss": 0.1524,
            "ece": ece}


def _graded(basis: str, top3: float, n: int) -> dict[str, Any]:
    """A ``like_for_like`` block as the reasons stage writes it."""
    return {"background": basis, "background_rows": 1000, "top1": top3 - 0.1,
            "top2": top3 - 0.05, "top3": top3, "top4": top3 + 0.01, "first_reason": top3 - 0.1,
            "first_reason_in_true_top3": 0.93, "sign_agreement": 0.88,
            "reasons_raise_true_risk": 0.97, "rank_correlation": 0.81, "mae_logit": 0.061,
            "mae_pd": 0.0031, "reason_size_error_logit": 0.11, "reason_size_error_pd": 0.006,
            "n_rows": n, "n_scored": n - 3}


def _groups(levels: dict[str, float]) -> dict[str, dict[str, float]]:
    return {lvl: {"n": 200 + 10 * i, "approval_rate": rate, "bad_rate_approved": 0.015 + 0.002 * i,
                  "tpr_decline": 0.7 - 0.05 * i, "fpr_decline": 0.25 + 0.02 * i,
                  "mean_pd": 0.04 + 0.004 * i, "mean_true_pd": 0.041 + 0.001 * i,
                  "n_passers": 180 + 10 * i, "approval_rate_passers": min(1.0, rate + 0.1),
                  "n_approved": round((200 + 10 * i) * rate), "mean_line": 9000.0 + 400 * i,
                  "line_per_income": 1.2 - 0.05 * i}
            for i, (lvl, rate) in enumerate(levels.items())}


def _ratio(ratio: float | None, low: float | None, high: float | None, status: str,
           reason: str | None = None) -> dict[str, Any]:
    return {"ratio": ratio, "low": low, "high": high, "status": status, "reason": reason,
            "lowest": None, "highest": None, "left_out": [], "interval": "bca"}


IMPACT: dict[str, Any] = {
    "gender": {"policy": _ratio(0.70 / 0.73, 0.91, 0.99, "not flagged"),
               "passers": _ratio(0.97, 0.93, 1.0, "not flagged")},
    "age_band": {"policy": _ratio(0.48 / 0.76, 0.55, 0.72, "flagged"),
                 "passers": _ratio(0.93, 0.85, 0.99, "not flagged")},
    "occupation": {"policy": _ratio(0.41 / 0.86, 0.40, 0.56, "flagged"),
                   "passers": _ratio(0.50, 0.42, 0.58, "flagged")},
    "city_tier": {"policy": _ratio(0.57 / 0.75, 0.66, 0.86, "not flagged"),
                  "passers": _ratio(None, None, None, "not measured", "too_few_groups")},
}

FAIRNESS: dict[str, Any] = {
    "model": "lgbm", "attributes": ["gender", "age_band", "occupation", "city_tier"],
    "splits": {split: {
        "groups": {"gender": _groups({"female": 0.73, "male": 0.70}),
                   "age_band": _groups({"18-24": 0.48, "25-34": 0.74, "35-44": 0.76, "45-55": 0.72}),
                   "occupation": _groups({"state_owned": 0.86, "freelancer": 0.55, "student": 0.41}),
                   "city_tier": _groups({"1": 0.75, "2": 0.72, "3": 0.57})},
        "adverse_impact_ratio": {a: r["policy"]["ratio"] for a, r in IMPACT.items()},
        "four_fifths_flag": {"gender": False, "age_band": True, "occupation": True,
                             "city_tier": False},
        "adverse_impact": copy.deepcopy(IMPACT),
        "line_ratio": {"gender": 1.15 / 1.2, "age_band": 1.05 / 1.2, "occupation": 1.1 / 1.2,
                       "city_tier": 1.1 / 1.2},
        "knockout_share": {"age_below_minimum": 0.104, "age_above_maximum": 0.042,
                           "currently_overdue": 0.031},
        "interval": {"method": "bca", "level": 0.95, "replicates": 2000, "stratified_by": "group",
                     "seed": [7, 0], "min_group": 30, "source": "Efron & Tibshirani (1993)"}}
        for split in ("test", "oot")},
}

REJECT_INFERENCE: dict[str, Any] = {"methods": {
    "accepted_only": {"auc_all": 0.79, "auc_rejects": 0.70, "pred_bad_rate_rejects": 0.07,
                       "true_bad_rate_rejects": 0.12, "ece_all": 0.011, "approval_rate": 0.71,
                       "bad_rate_approved": 0.019},
    "parcelling": {"auc_all": 0.805, "auc_rejects": 0.73, "pred_bad_rate_rejects": 0.105,
                   "true_bad_rate_rejects": 0.12, "ece_all": 0.009, "approval_rate": 0.71,
                   "bad_rate_approved": 0.018}}}

METRICS: dict[str, Any] = {
    "models": {
        "oracle": {"test": _split(0.8155, 0.4958, 0.0078), "oot": _split(0.8290, 0.5224, 0.0066),
                   "psi": 0.0019, "psi_reference": "train vs oot",
                   "calibration": {"method": "none", "applied": False, "ece_bins": 10,
                                   "n_rows": 1000, "ece_test_before": 0.0078,
                                   "ece_test_after": 0.0078}},
        "scorecard": {"test": _split(0.8153, 0.5155, 0.0075), "oot": _split(0.8193, 0.4926, 0.0051),
                      "psi": 0.0048, "psi_reference": "train vs oot",
                      "calibration": {"method": "platt", "applied": True, "ece_bins": 10,
                                      "n_rows": 1000, "ece_test_before": 0.0082,
                                      "ece_test_after": 0.0075}},
        "lgbm": {"test": _split(0.8096, 0.4783, 0.0092), "oot": _split(0.8195, 0.4976, 0.0059),
                 "psi": 0.1372, "psi_reference": "train vs oot",
                 "calibration": {"method": "platt", "applied": True, "slope": 0.95,
                                 "intercept": -0.07, "ece_bins": 10, "n_rows": 1000,
                                 "observed_bad_rate": 0.0398, "ece_test_before": 0.0101,
                                 "ece_test_after": 0.0092}},
    },
    "stability": {"csi_reference": "train vs oot", "csi_max": 0.0067,
                  "csi_max_feature": "months_since_last_overdue"},
    "policy": {"model": "lgbm", "cutoff_pd": 0.0382, "cutoff_method": "approval_rate",
               "cutoff_target": 0.75, "approval_rate": 0.7135, "bad_rate_approved": 0.01787,
               "bad_rate_denied": 0.1143, "knockout_rate": 0.05125, "mean_credit_line": 9964.6,
               "total_credit_line": 28439100.0,
               "oot": {"approval_rate": 0.7138, "bad_rate_approved": 0.01569,
                       "bad_rate_denied": 0.1174, "knockout_rate": 0.057,
                       "mean_credit_line": 9733.1, "total_credit_line": 34737300.0}},
    "explain": {"lgbm": {"fidelity_top3": 0.7276, "additivity_max_err": 3.9968e-15,
                         "null_attribution_share": 0.0011, "rank_correlation": 0.8166,
                         "n_denied": 1146,
                         # measured against the truth's reference sample (issue 17)
                         "interventional": {"fidelity_top3": 0.7412, "rank_correlation": 0.8231,
                                            "null_attribution_share": 0.0009,
                                            "additivity_max_err": 4.44e-15,
                                            "background_rows": 1000},
                         # like for like on its own denials, and stability (issue 27)
                         "letter_unit": "group", "letter_fidelity_top3": 0.9012,
                         "like_for_like": _graded("approved", 0.7841, 1146),
                         "like_for_like_groups": _graded("approved", 0.9012, 1146),
                         "stability": {
                             "background_redraw": {"same_top3": 0.9512, "same_first": 0.9811,
                                                   "same_top3_groups": 0.9733,
                                                   "same_first_groups": 0.9902, "n_rows": 1146},
                             "retrain": {"seeds": [8], "same_top3": 0.8815, "same_first": 0.9512,
                                         "same_top3_groups": 0.9301,
                                         "same_first_groups": 0.9744, "n_rows": 1146,
                                         "per_seed": []}}},
                "scorecard": {"fidelity_top3": 0.7001, "additivity_max_err": 2.2e-15,
                              "null_attribution_share": 0.002, "rank_correlation": 0.77,
                              "n_denied": 1150, "letter_unit": "group",
                              "letter_fidelity_top3": 0.7712,
                              "like_for_like": _graded("best bin", 0.6421, 1150),
                              "like_for_like_groups": _graded("best bin", 0.7712, 1150)}},
    "fairness": FAIRNESS,
    "reject_inference": REJECT_INFERENCE,
    "latency": {"p50_ms": 1.25, "p99_ms": 7.5},  # a section the report does not know yet
}

#: Chart names as a run writes them, one per section, plus an unknown one for the appendix.
CHARTS = ("roc", "ks_lgbm", "gains", "reliability", "score_distribution_lgbm", "csi",
          "strategy_curve", "segments_lgbm", "reason_frequency", "waterfall_zhang_san",
          "fairness_approval", "zz_custom")


def _chart(title: str) -> Figure:
    """A chart at the report style's A4 width (6.3 x 3.9 in), like a run's."""
    fig = Figure(figsize=(6.3, 3.9))
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x**0.4, label="model")
    ax.plot(x, x, "--", label="chance")
    ax.set_title(title)
    ax.legend()
    return fig


def _frames(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for split, n, start in (("train", 600, 1), ("test", 400, 1001), ("oot", 300, 2001)):
        p = rng.beta(1.2, 25, n)
        y = (rng.random(n) < p).astype(np.int64)
        knock = np.where(rng.random(n) < 0.15, "age_below_minimum", "")
        knock[:3] = "currently_overdue"
        decision = np.where((p > 0.045) | (knock != ""), "denied", "approved")
        rows.append(pd.DataFrame({
            "applicant_id": np.arange(start, start + n), "split": split, "pd_oracle": p * 0.95,
            "pd_lgbm": p, "score": 600 - 20 * np.log2(p / (1 - p) * 50), "decision": decision,
            "knockout": knock, "credit_line": np.where(decision == "approved", 5000.0, 0.0),
            "default_12m": y}))
    decisions = pd.concat(rows, ignore_index=True)
    decisions["split"] = decisions["split"].astype("category")
    denied = decisions[(decisions["decision"] == "denied") & decisions["split"].isin(["test", "oot"])]
    feats = ["income_volatility", "applications_30d", "monthly_income", "debt_to_income"]
    reasons = []
    for i, (aid, knock) in enumerate(zip(denied["applicant_id"], denied["knockout"], strict=True)):
        ranked = [("knockout", "age")] if knock == "age_below_minimum" else []
        ranked += [("scored", feats[(i + k) % 4]) for k in range(3)]
        for rank, (kind, feat) in enumerate(ranked, start=1):
            reasons.append({"applicant_id": int(aid), "rank": rank, "kind": kind, "feature": feat,
                            "value": "1", "contribution": np.nan if kind == "knockout" else 0.5 / rank,
                            "text_en": f"Reason about {F.get(feat).label('en')}",
                            "text_zh": f"关于{F.get(feat).label('zh')}的原因"})
    return decisions, pd.DataFrame(reasons)


def _tables(folder: Path) -> None:
    folder.mkdir(parents=True)
    deciles = np.arange(1, 11)
    capture = np.cumsum(np.array([48, 15, 11, 8, 6, 4, 3, 2, 2, 1]) / 100)
    pd.DataFrame({"decile": deciles, "count": 40, "bads": 5, "bad_rate": 0.1,
                  "cum_share": deciles / 10, "cum_capture": capture,
                  "lift": np.r_[4.8, np.diff(capture) * 10], "cum_lift": capture / (deciles / 10)}
                 ).to_csv(folder / "gains_lgbm.csv", index=False)
    approval = np.linspace(0.01, 1, 100)
    pd.DataFrame({"cutoff": approval / 10, "approved": (approval * 400).astype(int),
                  "approval_rate": approval, "bads_approved": 0,
                  "bad_rate_approved": 0.005 + 0.035 * approval**2}
                 ).to_csv(folder / "strategy_lgbm.csv", index=False)
    pd.DataFrame({"occupation": ["state_owned", "freelancer", "student"], "count": [200, 120, 80],
                  "bads": [2, 8, 14], "bad_rate": [0.0118, 0.0705, 0.177],
                  "mean_pd": [0.012, 0.07, 0.17], "auc": [0.71, 0.74, 0.63], "ks": [0.4, 0.4, 0.3]}
                 ).to_csv(folder / "segments_lgbm.csv", index=False)
    pd.DataFrame({"feature": ["months_since_last_overdue", "active_platforms", "monthly_income",
                              "age"], "csi": [0.0067, 0.0042, 0.0026, 0.0011]}
                 ).to_csv(folder / "csi.csv", index=False)


def make_run(folder: Path, *, with_card: bool = True, fairness: bool = True,
             reject_inference: bool = True, charts: tuple[str, ...] = CHARTS) -> Path:
    """Write the run folder (manifest with hashes last, as a run does); return it."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    metrics = copy.deepcopy(METRICS)
    if not fairness:
        metrics.pop("fairness")
    if not reject_inference:
        metrics.pop("reject_inference")
    write_json(folder / "metrics.json", metrics)
    if with_card:
        write_json(folder / "datacard.json", {
            "name": "base", "seed": 7, "rows": {"train": 600, "valid": 200, "test": 400, "oot": 300},
            "bad_rate": {"train": 0.0383, "valid": 0.0398, "test": 0.0455, "oot": 0.0448},
            "scenario": "baseline", "oot_scenario": "downturn", "features": F.describe()})
    decisions, reasons = _frames(np.random.default_rng(5))
    decisions.to_parquet(folder / "decisions.parquet")
    reasons.to_parquet(folder / "reasons.parquet")
    _tables(folder / "tables")
    write_json(folder / "models" / "policy.json", {
        "cutoff_method": "approval_rate", "cutoff_target": 0.75, "cutoff": 0.0382,
        "knockouts": [{"name": r.name, "feature": r.feature, "op": r.op, "value": r.value,
                       "text_en": r.text_en, "text_zh": r.text_zh} for r in DEFAULT_KNOCKOUTS]})
    for name in charts:
        export(_chart(name.replace("_", " ")), name, folder / "figures", formats=("svg", "png"),
               dpi=72)
    write_manifest(folder, {"name": "base", "seed": 7}, {"test": "abc123def4567890"},
                   {"fit": 1.5, "figures": 2.0}, stored_data=False)
    return folder
