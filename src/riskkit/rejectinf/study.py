"""A reject-inference study: build the accepted sample, run every method, grade against the truth.

This is what a run's ``reject_inference:`` section does (see :data:`DEFAULTS` for the
section) and what notebook 08 calls. :func:`run_study` returns a :class:`Study` for one
selection setting (MAR or MNAR) holding the fitted models, the grades, the metrics block
and the results table; :func:`run_section` runs every setting of the section's
``selection`` list (and the rejectkit peer when ``peer: true``).

``metrics.json["reject_inference"]`` (the first selection's block, plus the others)::

    {"selection": "mar", "primary_model": "lgbm", "acceptance_rate": 0.5,
     "incumbent": {"model", "features", "rows", "cutoff_pd", ...its own grade...},
     "methods":  {NAME: {auc_all, auc_rejects, pred_bad_rate_rejects, true_bad_rate_rejects,
                         ece_all, approval_rate, bad_rate_approved, reject_error_pt, ...}},
     "by_model": {"logistic" | "scorecard" | "lgbm": {NAME: {...same keys...}}},
     "reference": {"full_information": {KIND: {...}}},
     "info": {KIND: {NAME: what the method decided (thresholds, weights, tuning)},
              "labeller": the known good/bad model's tuning (the labelling methods')},
     "by_selection": {"mar" | "mnar": {...this block for that setting...}},
     "peer": {NAME: {...same keys...}},          # rejectkit, when peer: true
     "summary": {SELECTION: {"best", "accepted_only", "sentence", "literature"}}}
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from riskkit import charts
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.models import CreditModel
from riskkit.rejectinf.figures import study_figures
from riskkit.rejectinf.grading import deployment_cutoff, grade, results_table
from riskkit.rejectinf.methods import (
    FULL_INFORMATION,
    LABELLER_KIND,
    LABELLING,
    METHODS,
    MODEL_KINDS,
    check_methods,
    fit_labeller,
    fit_method,
    fit_training_sets,
    full_information,
)
from riskkit.rejectinf.peer import PEER_MODEL, peer_grades
from riskkit.rejectinf.sample import SELECTIONS, AcceptedSample, IncumbentSpec, accepted_sample
from riskkit.rejectinf.summary import summarise
from riskkit.synth import World

log = logging.getLogger(__name__)

#: The config section (``reject_inference:``) with its defaults.
DEFAULTS: dict[str, Any] = {
    "enabled": False,
    # the incumbent lender: an older model, fitted on its own (older) cohort
    "incumbent": {"model": "scorecard", "features": None, "rows": 20_000, "seed_offset": 2_000},
    "acceptance_rate": 0.5,
    # how the incumbent chose: on recorded features only (mar) and/or also on private
    # information the new model never sees (mnar); one study per setting
    "selection": ["mar"],
    "mnar": {"correlation": 0.5, "weight": 0.5},
    "methods": list(METHODS),
    "models": list(MODEL_KINDS),
    # also fit on everyone's outcomes: the bound no lender can reach
    "reference": True,
    "fidelity": True,
    # also run the rejectkit package's methods on the same sample, graded the same way
    "peer": False,
    # per-method settings, e.g. {parcelling: {factor: 3}} (free-form, checked by the method)
    "params": None,
}


def with_defaults(section: dict[str, Any]) -> dict[str, Any]:
    """``section`` over :data:`DEFAULTS`, the ``incumbent`` and ``mnar`` mappings key by key
    (a caller who sets only ``incumbent.rows`` keeps the default model and seed offset)."""
    cfg = {**DEFAULTS, **section}
    for key in ("incumbent", "mnar"):
        if isinstance(section.get(key), dict):
            cfg[key] = {**DEFAULTS[key], **section[key]}
    return cfg


def _check_types(section: dict[str, Any]) -> list[str]:
    """Types first, so that a wrong one is a line naming its key, not a TypeError."""
    problems = []
    rate = section.get("acceptance_rate")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < 1:
        problems.append(f"reject_inference.acceptance_rate = {rate!r}: expected a share "
                        "strictly between 0 and 1 (0.5 or 50%)")
    mnar = section.get("mnar")
    if mnar is not None and not isinstance(mnar, dict):
        problems.append(f"reject_inference.mnar = {mnar!r}: expected a mapping "
                        "(correlation, weight)")
    inc = section.get("incumbent")
    if not isinstance(inc, dict):
        return [*problems, f"reject_inference.incumbent = {inc!r}: expected a mapping"]
    for key, low in (("rows", 1000), ("seed_offset", 0)):
        value = inc.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            problems.append(f"reject_inference.incumbent.{key} = {value!r}: expected a whole "
                            f"number >= {low:,}")
    feats = inc.get("features")
    if feats is not None and (not isinstance(feats, list) or not all(isinstance(f, str)
                                                                       for f in feats)):
        problems.append(f"reject_inference.incumbent.features = {feats!r}: expected a list "
                        "of model features")
    return problems


def check_section(section: dict[str, Any]) -> list[str]:
    """Problems with a resolved ``reject_inference:`` section (empty when it is valid).

    Parameters
    ----------
    section : dict
        The resolved section.

    Returns
    -------
    list of str
    """
    problems = _check_types(section)
    if not problems:  # the spec's own checks assume the types are right
        try:
            IncumbentSpec.from_config(section)
        except ConfigError as exc:
            problems.append(str(exc))
    methods = section.get("methods")
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        problems.append(f"reject_inference.methods = {methods!r}: expected a list of method "
                        f"names ({', '.join(METHODS)})")
    else:
        try:
            check_methods(list(methods))
        except ConfigError as exc:
            problems.append(str(exc))
    kinds = section.get("models")
    if not isinstance(kinds, list) or not kinds or set(kinds) - set(MODEL_KINDS):
        problems.append(f"reject_inference.models must be a non-empty list of "
                        f"{', '.join(MODEL_KINDS)}; got {kinds!r}")
    params = section.get("params")
    if params is not None and (not isinstance(params, dict) or set(params) - set(METHODS)):
        problems.append(f"reject_inference.params must map method names ({', '.join(METHODS)}) "
                        f"to their settings; got {params!r}")
    chosen = section.get("selection")
    if (not isinstance(chosen, list) or not chosen or set(chosen) - set(SELECTIONS)
            or len(set(chosen)) != len(chosen)):
        problems.append(f"reject_inference.selection must be a list of distinct settings from "
                        f"{', '.join(SELECTIONS)}; got {chosen!r}")
    for key in ("enabled", "reference", "fidelity", "peer"):
        if not isinstance(section.get(key), bool):
            problems.append(f"reject_inference.{key} must be true or false, "
                            f"got {section.get(key)!r}")
    return problems


@dataclass
class Study:
    """A finished study: the sample, every fitted model and every grade."""

    sample: AcceptedSample
    models: dict[str, dict[str, CreditModel]]
    grades: dict[str, dict[str, dict[str, Any]]]
    incumbent_grade: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)
    peer: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def primary(self) -> str:
        """The model kind ``metrics["methods"]`` reports: lgbm when fitted, else the first."""
        return "lgbm" if "lgbm" in self.grades else next(iter(self.grades))

    def table(self) -> pd.DataFrame:
        """One row per (model, method), the incumbent and the peer last, with the setting."""
        parts = [results_table(self.grades),
                 results_table({self.sample.incumbent.spec.model:
                                {"incumbent": self.incumbent_grade}})]
        if self.peer:
            parts.append(results_table({PEER_MODEL: self.peer}))
        table = pd.concat(parts, ignore_index=True)
        table.insert(0, "selection", self.sample.selection)
        return table

    def metrics(self) -> dict[str, Any]:
        """The ``metrics.json["reject_inference"]`` block (see the module docstring)."""
        spec = self.sample.incumbent.spec
        methods = {k: {m: g for m, g in v.items() if m != FULL_INFORMATION}
                   for k, v in self.grades.items()}
        reference = {kind: v[FULL_INFORMATION] for kind, v in self.grades.items()
                     if FULL_INFORMATION in v}
        out = {
            "selection": spec.selection,
            "primary_model": self.primary,
            "acceptance_rate": spec.acceptance_rate,
            "incumbent": {"model": spec.model,
                          "features": list(spec.features) if spec.features else None,
                          "rows": spec.rows, **self.incumbent_grade},
            "methods": methods[self.primary],
            "by_model": methods,
            "reference": {FULL_INFORMATION: reference} if reference else {},
            "info": self.info,
            "rows": {"train": len(self.sample.train.frame), "valid": len(self.sample.valid.frame),
                     "test": len(self.sample.test),
                     "train_accepted": int(self.sample.train.accepted.sum())},
            "summary": summarise(self.grades, self.peer, spec.selection),
        }
        if self.peer:
            out["peer"] = self.peer
        return out


def run_study(train: pd.DataFrame, valid: pd.DataFrame, test: pd.DataFrame,
              section: dict[str, Any], seed: int, *, world: World, quiet: bool = True,
              selection: str | None = None,
              model_params: dict[str, dict[str, Any]] | None = None) -> Study:
    """Run a reject-inference study on three through-the-door frames, for one selection.

    Parameters
    ----------
    train, valid : DataFrame
        Applicants the lender learns from (their outcomes are hidden for the rejects; the
        truth columns are never read by a method).
    test : DataFrame
        Held-out applicants with outcomes and truth, for grading only.
    section : dict
        The ``reject_inference:`` settings (missing keys take :data:`DEFAULTS`).
    seed : int
        Seeds the incumbent's cohort, every random step of the methods, and LightGBM.
    world : World
        The applicants' world (the incumbent's older cohort is drawn from it).
    quiet : bool
        No progress bar.
    selection : str, optional
        ``"mar"`` or ``"mnar"`` (default: the section's first setting).
    model_params : dict, optional
        Settings per model kind: the run's ``models:`` section and ``features``.

    Returns
    -------
    Study
    """
    cfg = with_defaults(section)
    problems = check_section(cfg)
    if problems:
        raise ConfigError("; ".join(problems))
    spec = IncumbentSpec.from_config(cfg, selection)
    sample = accepted_sample(train, valid, test, spec, seed, world=world)
    log.info("incumbent %s (%s) accepts %.1f%% (PD cut-off %.4f)", spec.model, spec.selection,
             100 * sample.train.accepted.mean(), sample.incumbent.cutoff)
    methods = check_methods(cfg["methods"])
    if "accepted_only" in methods:  # reweighting's base (same kind): fit it first
        methods = ["accepted_only", *[m for m in methods if m != "accepted_only"]]
    if cfg["reference"] and FULL_INFORMATION not in methods:
        methods.append(FULL_INFORMATION)
    params = cfg["params"] or {}
    rejected = sample.test_rejected
    models: dict[str, dict[str, CreditModel]] = {}
    grades: dict[str, dict[str, dict[str, Any]]] = {}
    info: dict[str, Any] = {}
    # Siddiqi's known good/bad model labels the rejects for every kind: fitted once
    kgb = (fit_labeller(sample, seed, (model_params or {}).get(LABELLER_KIND))
           if set(methods) & set(LABELLING) else None)
    if kgb is not None:
        info["labeller"] = {"kind": LABELLER_KIND, "method": "accepted_only", **kgb.info}
    steps = [(kind, m) for kind in cfg["models"] for m in methods]
    for kind, name in tqdm(steps, desc=f"reject inference ({spec.selection})", unit="model",
                           disable=quiet, leave=False):
        kind_params = (model_params or {}).get(kind)
        if name == FULL_INFORMATION:
            aug = full_information(sample, train[F.TARGET].to_numpy(), valid[F.TARGET].to_numpy())
            model, tuning = fit_training_sets(kind, aug, seed, kind_params)
            info.setdefault(kind, {})[name] = tuning
        else:
            base = models.get(kind, {}).get("accepted_only")
            if kgb is not None and (kind, name) == (LABELLER_KIND, "accepted_only"):
                fitted = kgb  # the same fit: the labeller is the logistic accepted-only model
            else:
                fitted = fit_method(name, sample, kind, base=base, seed=seed,
                                    params=params.get(name), model_params=kind_params,
                                    labeller=None if kgb is None else kgb.model)
            model = fitted.model
            info.setdefault(kind, {})[name] = fitted.info
        models.setdefault(kind, {})[name] = model
        cutoff = deployment_cutoff(model, sample.train.frame, sample.acceptance_rate)
        grades.setdefault(kind, {})[name] = grade(model, sample.test, rejected, cutoff,
                                                  fidelity=cfg["fidelity"])
        log.info("%s / %s / %s: auc_all %.4f, rejects' PD %.2f%% (true %.2f%%)", spec.selection,
                 kind, name, grades[kind][name]["auc_all"],
                 100 * grades[kind][name]["pred_bad_rate_rejects"],
                 100 * grades[kind][name]["true_bad_rate_rejects"])
    inc_grade = grade(sample.incumbent.model, sample.test, rejected, sample.incumbent.cutoff,
                      fidelity=cfg["fidelity"])
    peer = peer_grades(sample, seed) if cfg["peer"] else {}
    return Study(sample, models, grades, {"cutoff_pd": sample.incumbent.cutoff, **inc_grade},
                 info, peer)


def run_studies(train: pd.DataFrame, valid: pd.DataFrame, test: pd.DataFrame,
                section: dict[str, Any], seed: int, **kwargs: Any) -> dict[str, Study]:
    """One :func:`run_study` per setting of the section's ``selection`` list, in its order."""
    cfg = with_defaults(section)
    problems = check_section(cfg)
    if problems:
        raise ConfigError("; ".join(problems))
    return {sel: run_study(train, valid, test, cfg, seed, selection=sel, **kwargs)
            for sel in cfg["selection"]}


def section_model_params(cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each model kind's settings from a resolved run config: its ``models:`` entry (minus
    ``enabled``) and the run's ``features:``, so the reject-inference fits use the run's."""
    out: dict[str, dict[str, Any]] = {}
    for kind in MODEL_KINDS:
        spec = dict((cfg.get("models") or {}).get(kind) or {})
        params = {k: v for k, v in spec.items() if k != "enabled" and v is not None}
        if cfg.get("features"):
            params["features"] = tuple(cfg["features"])
        out[kind] = params
    return out


def run_section(cfg: dict[str, Any], splits: dict[str, pd.DataFrame], folder: Path,
                run_label: str, quiet: bool = True, *,
                world: World | None) -> tuple[dict[str, Any], pd.DataFrame]:
    """A run's ``reject_inference:`` stage: metrics.json's block, its table, its figures.

    Parameters
    ----------
    cfg : dict
        The resolved run config (its ``reject_inference``, ``seed``, ``data``, ``figures``).
    splits : dict of DataFrame
        The run's splits: train (fit) and valid (early stopping, calibration) are the
        through-the-door applicants as the incumbent sees them; test is graded.
    folder : Path
        Where the ``reject_inference_*`` figures go (the run's ``figures/``).
    run_label : str
        For the figures' source line.
    quiet : bool
        No progress bar.
    world : World or None
        The run's world (None: a user's own data, which reject inference cannot grade).

    Returns
    -------
    metrics : dict
    table : DataFrame
    """
    if world is None or "true_pd" not in splits["test"].columns:
        raise ConfigError("reject_inference needs synthetic data with the truth (true_pd); "
                          "set reject_inference.enabled: false for this data")
    studies = run_studies(splits["train"], splits["valid"], splits["test"],
                          cfg["reject_inference"], cfg["seed"], world=world, quiet=quiet,
                          model_params=section_model_params(cfg))
    first = next(iter(studies.values()))
    table = pd.concat([s.table() for s in studies.values()], ignore_index=True)
    metrics = first.metrics()
    metrics["by_selection"] = {sel: s.metrics() for sel, s in studies.items()}
    metrics["summary"] = {sel: s.metrics()["summary"] for sel, s in studies.items()}
    source = f"riskkit · run {run_label} · seed {cfg['seed']} · reject inference"
    formats = tuple(cfg["figures"].get("formats", charts.FORMATS))
    with charts.style_context(cfg["figures"]["variant"], cfg["figures"]["lang"]):
        for name, fig in study_figures(first.table(), first.primary).items():
            charts.add_source_line(fig, source)
            charts.export(fig, name, folder, formats=formats)
    return metrics, table
