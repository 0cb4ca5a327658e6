"""The stages of a run, each a function of what the previous ones produced.

``experiment.run_experiment`` calls them in order and owns the run folder; keeping the
stages here means a notebook can call one stage on its own (say, ``evaluate_all`` on a run's
models and a new data split) without creating a run.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from riskkit import charts
from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.evaluate import fairness as FA
from riskkit.models import CreditModel
from riskkit.policy import APPROVED, Policy

log = logging.getLogger(__name__)

TRUTH_MODEL = "oracle"


def _xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    return frame, frame[F.TARGET].to_numpy()


def fit_all(cfg: dict[str, Any], splits: dict[str, pd.DataFrame], models_dir: Path,
            quiet: bool = True) -> dict[str, CreditModel]:
    """Fit every enabled model on train (valid for early stopping and calibration), save it."""
    from riskkit.experiment import build_models

    models = build_models(cfg)
    X, y = _xy(splits["train"])
    Xv, yv = _xy(splits["valid"])
    for name, model in tqdm(models.items(), desc="fit", unit="model", disable=quiet, leave=False):
        model.fit(X, y, Xv, yv)
        model.save(models_dir / name)
        log.info("fitted %s", name)
    return models


def evaluate_all(cfg: dict[str, Any], models: dict[str, CreditModel],
                 splits: dict[str, pd.DataFrame]) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """metrics.json's ``models`` section and the evaluation tables."""
    metrics: dict[str, Any] = {"models": {}}
    tables: dict[str, pd.DataFrame] = {}
    reference = "oot" if "oot" in splits else "test"
    for name, model in models.items():
        entry: dict[str, Any] = {}
        for split in ("test", "oot"):
            if split in splits:
                p = model.predict_pd(splits[split])
                entry[split] = ev.classification_metrics(splits[split][F.TARGET], p)
        train_score = model.score(splits["train"])
        entry["psi"] = ev.psi(train_score, model.score(splits[reference]))
        entry["psi_reference"] = f"train vs {reference}"
        entry["calibration"] = _calibration_entry(model, splits["test"])
        metrics["models"][name] = entry
        test = splits["test"]
        p_test = model.predict_pd(test)
        tables[f"gains_{name}"] = ev.gains_table(test[F.TARGET], p_test)
        tables[f"strategy_{name}"] = ev.strategy_curve(test[F.TARGET], p_test)
        segment = cfg.get("evaluate", {}).get("segment")
        if segment and segment in test.columns:
            seg = ev.metrics_by_segment(test[F.TARGET], p_test, test[segment])
            tables[f"segments_{name}"] = seg.reset_index() if "segment" not in seg.columns else seg
    csi = ev.csi(splits["train"], splits[reference], list(_csi_features(models)))
    tables["csi"] = csi.rename("csi").rename_axis("feature").reset_index()
    metrics["stability"] = {"csi_reference": f"train vs {reference}",
                            "csi_max": float(csi.max()), "csi_max_feature": str(csi.idxmax())}
    if {"scorecard", "lgbm"} <= set(models):
        test = splits["test"]
        rate = cfg["policy"]["cutoff"]["value"] if cfg["policy"]["cutoff"]["method"] == "approval_rate" else 0.75
        tables["swap_set"] = ev.swap_set(test[F.TARGET], models["scorecard"].predict_pd(test),
                                         models["lgbm"].predict_pd(test), rate).reset_index()
    if "scorecard" in models:
        tables["points_table"] = models["scorecard"].points_table()
    return metrics, tables


def _csi_features(models: dict[str, CreditModel]) -> list[str]:
    seen: list[str] = []
    for model in models.values():
        seen.extend(f for f in model.features_ if f not in seen)
    return seen


def _calibration_entry(model: CreditModel, test: pd.DataFrame) -> dict[str, Any]:
    """ECE before and after calibration on the test split (the fit report is on valid)."""
    from riskkit.experiment import raw_pd

    y = test[F.TARGET]
    report = dict(getattr(model, "calibration_report_", {}) or {})
    report = {k: v for k, v in report.items() if isinstance(v, (int, float, str, bool)) or v is None}
    report["ece_test_before"] = ev.ece(y, raw_pd(model, test))
    report["ece_test_after"] = ev.ece(y, model.predict_pd(test))
    return report


def decide_all(cfg: dict[str, Any], models: dict[str, CreditModel],
               splits: dict[str, pd.DataFrame]) -> tuple[Policy, pd.DataFrame]:
    """Resolve the policy on valid with the deployed model; decide every applicant."""
    deployed = models[cfg["policy"]["model"]]
    pol_cfg = {k: v for k, v in cfg["policy"].items() if k != "model" and v is not None}
    policy = Policy.from_config(pol_cfg)
    valid = splits["valid"]
    policy = policy.fit(valid, deployed.predict_pd(valid), valid[F.TARGET].to_numpy())
    parts = []
    for split, frame in splits.items():
        part = pd.DataFrame({"applicant_id": frame["applicant_id"].to_numpy(), "split": split})
        for name, model in models.items():
            part[f"pd_{name}"] = model.predict_pd(frame)
        decision = policy.decide(frame, part[f"pd_{cfg['policy']['model']}"].to_numpy(),
                                 deployed.score(frame))
        part["score"] = decision["score"].to_numpy()
        part["decision"] = decision["decision"].to_numpy()
        part["knockout"] = decision["knockout"].to_numpy()
        part["credit_line"] = decision["credit_line"].to_numpy()
        if F.TARGET in frame:
            part[F.TARGET] = frame[F.TARGET].to_numpy()
        parts.append(part)
    decisions = pd.concat(parts, ignore_index=True)
    decisions["split"] = decisions["split"].astype("category")
    return policy, decisions


def fairness_attributes(frame: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The attributes a run analyses for fairness, and the kind of each (age gets bands).

    The synthetic world's gender, age, occupation and city tier where the data has them,
    then every other protected feature of the registry present in the data (a user's
    ``sex`` or ``age`` column, marked protected by ``riskkit fit``).
    """
    names = [a for a in FA.SYNTHETIC_ATTRIBUTES if a in frame.columns]
    names += [f for f, feat in F.REGISTRY.items()
              if feat.protected and f in frame.columns and f not in names]
    kinds = {f: F.REGISTRY[f].extra.get("protected_kind", f) for f in names if f in F.REGISTRY}
    return names, kinds


def fairness_all(cfg: dict[str, Any], policy: Policy, splits: dict[str, pd.DataFrame],
                 decisions: pd.DataFrame) -> tuple[dict[str, Any], pd.DataFrame]:
    """metrics.json's ``fairness`` section and ``tables/fairness.csv``: the deployed
    model's decisions on test and oot by group (:mod:`riskkit.evaluate.fairness`)."""
    model = cfg["policy"]["model"]
    attributes, kinds = fairness_attributes(splits["test"])
    rules = [rule.name for rule in policy.knockouts]
    entries: dict[str, Any] = {}
    for split in ("test", "oot"):
        if split not in splits:
            continue
        part = decisions[decisions["split"] == split]
        entries[split] = FA.split_fairness(
            splits[split], part[F.TARGET].to_numpy(), (part["decision"] == APPROVED).to_numpy(),
            part[f"pd_{model}"].to_numpy(), part["knockout"].to_numpy(), attributes, rules, kinds)
    section = FA.fairness_section(model, attributes, entries)
    log.info("fairness by %s; four-fifths flags on test: %s", ", ".join(attributes) or "nothing",
             ", ".join(a for a, f in entries.get("test", {}).get("four_fifths_flag", {}).items()
                       if f) or "none")
    return section, FA.fairness_table(section)


def explain_all(cfg: dict[str, Any], models: dict[str, CreditModel], policy: Policy,
                splits: dict[str, pd.DataFrame], decisions: pd.DataFrame
                ) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Reason codes for denied applicants, and fidelity / additivity per model."""
    from riskkit import explain as X

    deployed_name = cfg["policy"]["model"]
    deployed = models[deployed_name]
    frames, dec_parts = [], []
    for split in cfg["explain"]["splits"]:
        if split not in splits:
            continue
        frames.append(splits[split])
        dec_parts.append(decisions[decisions["split"] == split].set_index("applicant_id"))
    frame = pd.concat(frames, ignore_index=True)
    dec = pd.concat(dec_parts).reindex(frame["applicant_id"]).reset_index()
    reference = X.approved_reference(splits["valid"], policy.decide(
        splits["valid"], deployed.predict_pd(splits["valid"])))
    reasons = X.reason_codes(deployed, policy, frame, dec, reference,
                             max_reasons=cfg["explain"]["max_reasons"])
    test = splits["test"]
    test_dec = decisions[decisions["split"] == "test"].reset_index(drop=True)
    metrics = X.explain_metrics(models, test, test_dec) if "true_pd" in test else {}
    extra = {"reference": reference, "frame": frame, "decisions": dec}
    return reasons, metrics, extra


def write_figures(cfg: dict[str, Any], models: dict[str, CreditModel], policy: Policy,
                  splits: dict[str, pd.DataFrame], decisions: pd.DataFrame,
                  reasons: pd.DataFrame, tables: dict[str, pd.DataFrame],
                  explain_extra: dict[str, Any], folder: Path, run_label: str) -> list[Path]:
    """Every chart of a run as PNG, SVG and PDF, in the report (or slides) style."""
    lang = cfg["figures"]["lang"]
    with charts.style_context(cfg["figures"]["variant"], lang):
        return _draw_and_export(cfg, models, splits, decisions, reasons, tables, explain_extra,
                                folder, run_label, lang)


def _draw_and_export(cfg: dict[str, Any], models: dict[str, CreditModel],
                     splits: dict[str, pd.DataFrame], decisions: pd.DataFrame,
                     reasons: pd.DataFrame, tables: dict[str, pd.DataFrame],
                     explain_extra: dict[str, Any], folder: Path, run_label: str,
                     lang: str) -> list[Path]:
    from riskkit.experiment import raw_pd

    source = f"riskkit · run {run_label} · seed {cfg['seed']}"
    test = splits["test"]
    y = test[F.TARGET]
    preds = {name: m.predict_pd(test) for name, m in models.items()}
    figs: dict[str, Any] = {
        "roc": charts.plot_roc({n: (y, p) for n, p in preds.items()}, lang=lang),
        "gains": charts.plot_gains({n: (y, p) for n, p in preds.items()}, lang=lang),
        "strategy_curve": charts.plot_strategy_curve({n: (y, p) for n, p in preds.items()},
                                                     lang=lang,
                                                     approval_rate=_approval(decisions)),
    }
    reliability: dict[str, Any] = {}
    for name, m in models.items():
        if m.calibration_.applied:
            reliability[f"{name} (raw)"] = (y, raw_pd(m, test))
            reliability[f"{name} (calibrated)"] = (y, preds[name])
        else:
            reliability[name] = (y, preds[name])
    figs["reliability"] = charts.plot_reliability(reliability, lang=lang)
    for name, m in models.items():
        if name == TRUTH_MODEL:
            continue
        figs[f"ks_{name}"] = charts.plot_ks(y, preds[name], lang=lang)
        figs[f"score_distribution_{name}"] = charts.plot_score_distribution(y, m.score(test), lang=lang)
        if f"segments_{name}" in tables:
            seg = tables[f"segments_{name}"]
            figs[f"segments_{name}"] = charts.plot_segment_metrics(seg.set_index(seg.columns[0]),
                                                                   lang=lang)
    if len(tables.get("fairness", ())):
        figs["fairness_approval"] = charts.plot_approval_by_group(tables["fairness"], "test",
                                                                  lang=lang)
    figs["csi"] = charts.plot_psi(tables["csi"].set_index("feature")["csi"], lang=lang)
    if "swap_set" in tables:
        figs["swap_set"] = charts.plot_swap_set(tables["swap_set"], lang=lang)
    figs.update(_explanation_figures(cfg, models, explain_extra, reasons, lang))
    written: list[Path] = []
    for name, fig in figs.items():
        charts.add_source_line(fig, source)
        written.extend(charts.export(fig, name, folder,
                                     formats=tuple(cfg["figures"].get("formats", charts.FORMATS))))
    return written


def _explanation_figures(cfg: dict[str, Any], models: dict[str, CreditModel],
                         explain_extra: dict[str, Any], reasons: pd.DataFrame,
                         lang: str) -> dict[str, Any]:
    """Waterfalls for the personas (synthetic runs) and one denied applicant, reason
    frequency, and contributions against the truth."""
    from riskkit import explain as X
    from riskkit.synth.personas import PERSONAS, persona

    frame, dec = explain_extra["frame"], explain_extra["decisions"]
    rows: dict[str, pd.DataFrame] = {}
    if "true_pd" in frame.columns:
        rows = {name: persona(name) for name in PERSONAS}
    denied = np.flatnonzero(dec["decision"].to_numpy() == "denied")
    if len(denied):
        rows["denied_example"] = frame.iloc[[denied[0]]].reset_index(drop=True)
    return X.explanation_figures(models[cfg["policy"]["model"]], frame, dec, reasons, rows,
                                 lang=lang, seed=cfg["seed"])


def _approval(decisions: pd.DataFrame) -> float:
    test = decisions[decisions["split"] == "test"]
    return float((test["decision"] == "approved").mean())
