"""The stages of a run, each a function of what the previous ones produced.

``experiment.run_experiment`` calls them in order and owns the run folder; keeping the
stages here means a notebook can call one stage on its own (say, ``evaluate_all`` on a run's
models and a new data split) without creating a run.
"""

from __future__ import annotations

import logging
from concurrent.futures import wait
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from riskkit import evaluate as ev
from riskkit import explain as X
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_text
from riskkit.core.machinery import in_background
from riskkit.core.registry import Registry
from riskkit.evaluate import fairness as FA
from riskkit.evaluate.roles import run_roles
from riskkit.experiment.reasons_stage import explain_section
from riskkit.experiment.scores import TRUTH_MODEL, RunScores, run_scores
from riskkit.experiment.splits import oot_month
from riskkit.models import CreditModel, make_model
from riskkit.policy import APPROVED, Policy
from riskkit.synth import World
from riskkit.synth.store import world_card

log = logging.getLogger(__name__)

#: Model kinds whose fit runs mostly outside the GIL (LightGBM's boosting), fitted beside the others.
GIL_FREE_FITS = ("lgbm",)


def _xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    return frame, frame[F.TARGET].to_numpy()


def fit_all(cfg: dict[str, Any], splits: dict[str, pd.DataFrame], models_dir: Path,
            quiet: bool = True, registry: Registry | None = None, *,
            world: World | None) -> dict[str, CreditModel]:
    """Fit every enabled model on train (the validation split's parts for early stopping and
    calibration: :func:`riskkit.evaluate.roles.validation_roles`), save it.

    LightGBM (:data:`GIL_FREE_FITS`) fits on a thread of its own beside the others: each
    model is fitted on the same rows with the same settings either way, so the models are
    the same. Only this thread saves, once a fit has ended, so a fit that outlives an
    interrupt writes nothing. An error here is raised once the fits beside have ended,
    with theirs as notes; an error of theirs alone is raised as it is.

    Parameters
    ----------
    cfg:
        The resolved run config.
    splits:
        The run's frames by split.
    models_dir:
        Where each model's folder is written.
    quiet:
        No progress bar.
    registry:
        The registry the features come from (``None``: the synthetic world's).
    world:
        The World the data were drawn from (each model carries it as ``world_``; the
        oracle stands for it), or None for a user's own data (which has no oracle).

    Returns
    -------
    dict
        Fitted models by name.
    """
    models = build_models(cfg, registry, world=world)
    X, y = _xy(splits["train"])
    roles = run_roles(splits["valid"], cfg)
    Xv, yv = _xy(roles["stop"])
    # one set of rows stops each model, another calibrates it (shared: the same rows)
    separate = roles["calibrate"] is not roles["stop"]
    Xc, yc = _xy(roles["calibrate"]) if separate else (None, None)

    def model_saved(name: str) -> None:
        models[name].save(models_dir / name)
        log.info("fitted %s", name)

    def fit_one(name: str) -> None:  # only fits: this thread saves (nothing written late)
        model = models[name]
        model.fit(X, y, X_valid=Xv, y_valid=yv, X_calibrate=Xc, y_calibrate=yc)
        if world is not None:
            model.world_ = world

    # LightGBM boosts in C++ without the GIL: it fits on a thread of its own while the
    # others (the scorecard's binning and logistic fit, Python and NumPy) fit here
    beside = {name: in_background(fit_one, name, name=f"fit-{name}")
              for name in models if name in GIL_FREE_FITS}
    with tqdm(total=len(models), desc="fit", unit="model", disable=quiet, leave=False) as bar:
        try:
            for name in models:
                if name not in beside:
                    fit_one(name)
                    model_saved(name)
                    bar.update(1)
        except Exception as error:  # the fits beside end first; their errors go with this one
            wait(beside.values())
            for name, fitted in beside.items():
                if fitted.exception() is not None:
                    error.add_note(f"fitting {name} beside it failed too: {fitted.exception()!r}")
            raise
        for name, fitted in beside.items():
            fitted.result()
            model_saved(name)
            bar.update(1)
    return models


def evaluate_all(cfg: dict[str, Any], models: dict[str, CreditModel],
                 splits: dict[str, pd.DataFrame], scores: RunScores | None = None
                 ) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """metrics.json's ``models`` section and the evaluation tables.

    Under label noise the oracle predicts the recorded outcome (the ceiling any model can
    reach on the recorded labels); the noiseless true PD's figures against the same
    recorded labels are kept beside it as ``models.oracle.true_pd``.

    Parameters
    ----------
    cfg, models, splits
        The resolved run config, the fitted models, the frames by split.
    scores
        The run's scores (:func:`run_scores`); None makes them here.

    Returns
    -------
    (dict, dict of pandas.DataFrame)
        The metrics section and the tables by name.
    """
    metrics: dict[str, Any] = {"models": {}}
    tables: dict[str, pd.DataFrame] = {}
    reference = "oot" if "oot" in splits else "test"
    scores = scores or run_scores(cfg, models, splits)
    for name, model in models.items():
        entry: dict[str, Any] = {}
        for split in ("test", "oot"):
            if split in splits:
                entry[split] = ev.classification_metrics(splits[split][F.TARGET],
                                                         scores.pd(name, split))
        if name == TRUTH_MODEL and getattr(model, "world_", None) is not None \
                and model.world_.label_noise > 0:
            entry["true_pd"] = {split: ev.classification_metrics(splits[split][F.TARGET],
                                                                 splits[split]["true_pd"])
                                for split in ("test", "oot") if split in splits}
        entry["psi"] = ev.psi(scores.points(name, "train"), scores.points(name, reference))
        entry["psi_reference"] = f"train vs {reference}"
        entry["calibration"] = _calibration_entry(model, splits["test"], scores.raw_pd(
            name, "test"), scores.pd(name, "test"))
        metrics["models"][name] = entry
        test = splits["test"]
        p_test = scores.pd(name, "test")
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
    if "scorecard" in models:
        tables["points_table"] = models["scorecard"].points_table()
    return metrics, tables


def _csi_features(models: dict[str, CreditModel]) -> list[str]:
    seen: list[str] = []
    for model in models.values():
        seen.extend(f for f in model.features_ if f not in seen)
    return seen


def _calibration_entry(model: CreditModel, test: pd.DataFrame, raw: np.ndarray,
                       calibrated: np.ndarray) -> dict[str, Any]:
    """ECE before and after calibration on the test split (the fit report is on valid)."""

    y = test[F.TARGET]
    report = dict(getattr(model, "calibration_report_", {}) or {})
    report = {k: v for k, v in report.items() if isinstance(v, (int, float, str, bool)) or v is None}
    report["ece_test_before"] = ev.ece(y, raw)
    report["ece_test_after"] = ev.ece(y, calibrated)
    return report


def decide_all(cfg: dict[str, Any], models: dict[str, CreditModel],
               splits: dict[str, pd.DataFrame], scores: RunScores | None = None
               ) -> tuple[Policy, pd.DataFrame]:
    """Resolve the policy on the validation split's cut-off rows (rows no model was stopped
    or calibrated on) with the deployed model; decide every applicant.

    Parameters
    ----------
    cfg, models, splits
        The resolved run config, the fitted models, the frames by split.
    scores
        The run's scores (:func:`run_scores`); None makes them here.

    Returns
    -------
    (Policy, pandas.DataFrame)
        The fitted policy and every applicant's decision, split by split.
    """
    deployed = models[cfg["policy"]["model"]]
    pol_cfg = {k: v for k, v in cfg["policy"].items() if k != "model" and v is not None}
    policy = Policy.from_config(pol_cfg, deployed.registry_)
    rows = run_roles(splits["valid"], cfg)["cutoff"]
    policy = policy.fit(rows, deployed.predict_pd(rows), rows[F.TARGET].to_numpy())
    scores = scores or run_scores(cfg, models, splits)
    parts = []
    for split, frame in splits.items():
        part = pd.DataFrame({"applicant_id": frame["applicant_id"].to_numpy(), "split": split})
        for name in models:
            part[f"pd_{name}"] = scores.pd(name, split)
        decision = policy.decide(frame, scores.pd(cfg["policy"]["model"], split),
                                 scores.points(cfg["policy"]["model"], split))
        part["score"] = decision["score"].to_numpy()
        part["decision"] = decision["decision"].to_numpy()
        part["knockout"] = decision["knockout"].to_numpy()
        part["credit_line"] = decision["credit_line"].to_numpy()
        part["missing_value"] = decision["missing_value"].to_numpy()
        if F.TARGET in frame:
            part[F.TARGET] = frame[F.TARGET].to_numpy()
        parts.append(part)
    decisions = pd.concat(parts, ignore_index=True)
    decisions["split"] = decisions["split"].astype("category")
    return policy, decisions


def fairness_attributes(frame: pd.DataFrame,
                        registry: Registry = F.SYNTHETIC) -> tuple[list[str], dict[str, str]]:
    """The attributes a run analyses for fairness, and the kind of each (age gets bands).

    The synthetic world's gender, age, occupation and city tier where the data has them,
    then every other protected feature of the registry present in the data (a user's
    ``sex`` or ``age`` column, marked protected by ``riskkit fit``).
    """
    names = [a for a in FA.SYNTHETIC_ATTRIBUTES if a in frame.columns]
    names += [f for f, feat in registry.items()
              if feat.protected and f in frame.columns and f not in names]
    kinds = {f: registry[f].extra.get("protected_kind", f) for f in names if f in registry}
    return names, kinds


def fairness_all(cfg: dict[str, Any], policy: Policy, splits: dict[str, pd.DataFrame],
                 decisions: pd.DataFrame,
                 registry: Registry | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    """metrics.json's ``fairness`` section and ``tables/fairness.csv``: the deployed
    model's decisions and lines on test and oot by group, for the policy and among
    knock-out passers, with bootstrap intervals seeded by the run's seed and the split
    (:mod:`riskkit.evaluate.fairness`)."""
    model = cfg["policy"]["model"]
    attributes, kinds = fairness_attributes(splits["test"], registry or F.SYNTHETIC)
    rules = [rule.name for rule in policy.knockouts]
    entries: dict[str, Any] = {}
    for index, split in enumerate(("test", "oot")):
        if split not in splits:
            continue
        part, frame = decisions[decisions["split"] == split], splits[split]
        income = frame["monthly_income"].to_numpy(dtype=float, na_value=np.nan) \
            if "monthly_income" in frame.columns else None
        entries[split] = FA.split_fairness(
            frame, part[F.TARGET].to_numpy(), (part["decision"] == APPROVED).to_numpy(),
            part[f"pd_{model}"].to_numpy(), part["knockout"].to_numpy(), attributes, rules, kinds,
            credit_line=part["credit_line"].to_numpy(), income=income, seed=(cfg["seed"], index))
    section = FA.fairness_section(model, attributes, entries)
    log.info("fairness by %s; four-fifths flags on test: %s", ", ".join(attributes) or "nothing",
             ", ".join(a for a, f in entries.get("test", {}).get("four_fifths_flag", {}).items()
                       if f) or "none")
    return section, FA.fairness_table(section)


def explain_all(cfg: dict[str, Any], models: dict[str, CreditModel], policy: Policy,
                splits: dict[str, pd.DataFrame], decisions: pd.DataFrame, *,
                world: World | None, scores: RunScores | None = None
                ) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Reason codes for denied applicants, and fidelity / additivity per model.

    A tree model's reasons are measured against ``explain.background`` (drawn from the
    training split only: :func:`riskkit.explain.draw_background`); it is returned in the
    extras as ``background`` for the run to keep. Fidelity is measured both ways on
    generated data: path-dependent as before, and interventional against a sample of the
    truth's reference population (``metrics.json["explain"][MODEL]["interventional"]``).

    Parameters
    ----------
    cfg, models, policy, splits, decisions
        The resolved run config, fitted models, fitted policy, frames and decisions.
    world
        The World the data came from (None for data of one's own).
    scores
        The run's scores (:func:`run_scores`); None makes them here.

    Returns
    -------
    (pandas.DataFrame, dict, dict)
        The reasons, the explain metrics, and extras for the figures and the run folder.
    """
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
    scores = scores or run_scores(cfg, models, splits)
    reference = X.approved_reference(splits["valid"], policy.decide(
        splits["valid"], scores.pd(deployed_name, "valid")), deployed.registry_)
    background, truth_sample = _backgrounds(cfg, models, splits, decisions)
    reasons = X.reason_codes(deployed, policy, frame, dec, reference,
                             max_reasons=cfg["explain"]["max_reasons"], background=background,
                             unit=cfg["explain"]["unit"])
    metrics = explain_section(cfg, models, policy, splits, decisions, background, truth_sample,
                              world=world, scores=scores)
    extra = {"reference": reference, "frame": frame, "decisions": dec, "background": background,
             "world": world}
    return reasons, metrics, extra


def _backgrounds(cfg: dict[str, Any], models: dict[str, CreditModel],
                 splits: dict[str, pd.DataFrame], decisions: pd.DataFrame
                 ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(background of the reasons, reference sample of the fidelity); None where unused."""
    trees = [m for m in models.values() if X.has_background_mode(m)]
    if not trees:
        return None, None
    rows, seed, train = cfg["explain"]["background_rows"], cfg["seed"], splits["train"]
    truth = "true_pd" in train
    # the truth reads every model feature: its background must carry them all
    features = list(dict.fromkeys([*(f for m in trees for f in m.features_),
                                   *(F.MODEL_FEATURES if truth else ())]))
    background = X.draw_background(
        cfg["explain"]["background"], train,
        decisions[decisions["split"] == "train"].reset_index(drop=True),
        rows=rows, seed=seed, features=features, has_truth=truth)
    sample = X.reference_background(rows=rows, seed=seed, features=features) \
        if truth and "true_pd" in splits["test"] else None
    return background, sample


# ----------------------------------------------------------------------------- building blocks
def build_models(cfg: dict[str, Any], registry: Registry | None = None, *,
                 world: World | None) -> dict[str, CreditModel]:
    """Unfitted models from the ``models:`` section (only enabled ones, in a fixed order).

    Parameters
    ----------
    cfg:
        The resolved run config.
    registry:
        The registry the models' features are described in (``None``: the synthetic one).
    world:
        The World the oracle stands for; None (a user's own data) when no oracle is enabled.

    Returns
    -------
    dict
        Unfitted models by name.
    """
    models: dict[str, CreditModel] = {}
    for name, spec in cfg["models"].items():
        params = {k: v for k, v in spec.items() if k != "enabled" and v is not None}
        if not spec.get("enabled", True):
            continue
        if name == "oracle":
            if world is None:
                raise ConfigError("models.oracle needs the World the data came from; data "
                                  "of your own has none: disable the oracle")
            params = {"world": world}
        elif name in ("lgbm", "ebm"):
            params.setdefault("seed", cfg["seed"])
        if name != "oracle" and cfg.get("features"):
            params["features"] = tuple(cfg["features"])
        if name != "oracle" and registry is not None:
            params["registry"] = registry
        models[name] = make_model(name, **params)
    return models


def parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Mixed-type object columns (a reason's value is a number or a category) as text:
    Parquet needs one type per column, and the text is what a reader of the table sees.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table about to be written as Parquet.

    Returns
    -------
    pandas.DataFrame
        A copy whose mixed object columns are text.
    """
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].map(lambda v: None if v is None else str(v)).astype("string")
    return out


def write_with_csv(path: Path, table: pd.DataFrame) -> None:
    write_text(path, table.to_csv(index=False))


def policy_metrics(policy: Policy, decisions: pd.DataFrame, cfg: dict[str, Any]) -> dict[str, Any]:
    """Approval rate, bad rate among approved and lines, on the test and oot splits.

    Parameters
    ----------
    policy : Policy
        The fitted policy.
    decisions : pandas.DataFrame
        The run's decisions (``split``, ``decision``, ``credit_line``, the outcome).
    cfg : dict
        The resolved run config.

    Returns
    -------
    dict
        ``metrics.json["policy"]``: the cut-off and the test split's figures, the
        out-of-time split's under ``oot``.
    """
    out: dict[str, Any] = {"model": cfg["policy"]["model"], "cutoff_pd": policy.cutoff,
                           "cutoff_method": policy.cutoff_method,
                           "cutoff_target": policy.cutoff_target,
                           "missing_values": policy.missing_choices()}
    for split in ("test", "oot"):
        part = decisions[decisions["split"] == split]
        if part.empty:
            continue
        approved = part["decision"] == "approved"
        stats = {
            "approval_rate": float(approved.mean()),
            "bad_rate_approved": float(part.loc[approved, F.TARGET].mean()) if approved.any() else None,
            "bad_rate_denied": float(part.loc[~approved, F.TARGET].mean()) if (~approved).any() else None,
            "knockout_rate": float((part["knockout"] != "").mean()),
            "mean_credit_line": float(part.loc[approved, "credit_line"].mean()) if approved.any() else 0.0,
            "total_credit_line": float(part["credit_line"].sum()),
            **policy.missing_counts(part),
        }
        if split == "test":
            out.update(stats)
        else:
            out[split] = stats
    return out


def run_datacard(cfg: dict[str, Any], splits: dict[str, pd.DataFrame],
                 fingerprints: dict[str, str], *, world: World | None) -> dict[str, Any]:
    """The run's data card (``datacard.json``): what the data are, so a reader of the run
    never has to regenerate them to know.

    Parameters
    ----------
    cfg : dict
        The resolved run config.
    splits : dict of pandas.DataFrame
        The run's splits by name.
    fingerprints : dict of str
        Each split's SHA-256 fingerprint.
    world : World or None
        The World the data came from; None for data of one's own (no truth to describe).

    Returns
    -------
    dict
        Rows and bad rate per split, fingerprints, scenarios; with a World also its card,
        the base log-odds, the out-of-time month and drift, the oracle's AUC per split and
        the feature registry.
    """
    rows = {k: len(v) for k, v in splits.items()}
    bad = {k: float(v[F.TARGET].mean()) for k, v in splits.items() if F.TARGET in v}
    card: dict[str, Any] = {"name": cfg["name"], "seed": cfg["seed"], "rows": rows,
                            "bad_rate": bad, "fingerprints": fingerprints,
                            "scenario": cfg["data"].get("scenario"),
                            "oot_scenario": cfg["data"].get("oot", {}).get("scenario")}
    if world is not None:
        truth = world.truth(0)
        card["base_logit"] = truth.base_logit
        card["world"] = world_card(truth, world)
        card["oot_month"] = oot_month(cfg) if "oot" in splits else None
        card["oot_drift"] = world.drift
        card["oracle_auc"] = {k: ev.auc(v[F.TARGET], v["true_pd"]) for k, v in splits.items()}
        card["features"] = F.describe()
    return card
