"""Config in, run folder out: the whole experiment as one reproducible step.

A run generates (or reads) its data, splits it, fits every enabled model, evaluates them,
resolves the policy, decides, explains the denials, draws every chart and writes one run
folder per the contract in DESIGN.md::

    runs/<name>-<YYYYmmdd-HHMMSS>/
      config.yaml  manifest.json  metrics.json  datacard.json
      models/<model>/...  models/policy.json
      decisions.parquet  reasons.parquet  tables/*.csv  figures/*.png|svg|pdf

Nothing is half-written: the run is built inside a hidden ``.incomplete-...`` folder and
renamed into place when complete, and ``manifest.json`` (written last) lists a SHA-256 for
every file, so :func:`riskkit.experiment.runfolder.load_run` can tell a complete run from a damaged one.
A run never overwrites another: a name that exists gets a numeric suffix.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_json, write_parquet, write_text
from riskkit.experiment import config as C
from riskkit.experiment import tracking
from riskkit.models import CreditModel, make_model
from riskkit.policy import Policy
from riskkit.synth import fingerprint, generate
from riskkit.synth.store import prepare_out_dir

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test", "oot")
OOT_ID_OFFSET = 1_000_000_000
INCOMPLETE_PREFIX = ".incomplete-"


# ----------------------------------------------------------------------------- data
def population_splits(cfg: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The run's applicants by split, regenerated exactly from the resolved config.

    train / valid / test are a seeded random partition of one cohort; ``oot`` is a later
    cohort drawn from its own seed (optionally under another scenario) with applicant ids
    offset by one billion so they never collide with the first cohort's.
    """
    data = cfg["data"]
    pop = generate(rows=data["rows"], seed=cfg["seed"], scenario=data["scenario"],
                   bad_rate=data["bad_rate"])
    rng = np.random.default_rng(np.random.SeedSequence(cfg["seed"], spawn_key=(7,)))
    order = rng.permutation(len(pop))
    shares = data["split"]
    n_train = round(shares["train"] * len(pop))
    n_valid = round(shares["valid"] * len(pop))
    parts = {"train": order[:n_train], "valid": order[n_train:n_train + n_valid],
             "test": order[n_train + n_valid:]}
    out = {name: pop.iloc[np.sort(idx)].reset_index(drop=True) for name, idx in parts.items()}
    oot = data["oot"]
    if oot["rows"] > 0:
        later = generate(rows=oot["rows"], seed=cfg["seed"] + oot["seed_offset"],
                         scenario=oot["scenario"], bad_rate=data["bad_rate"])
        later["applicant_id"] = later["applicant_id"] + OOT_ID_OFFSET
        out["oot"] = later
    return out


# ----------------------------------------------------------------------------- models
def build_models(cfg: dict[str, Any]) -> dict[str, CreditModel]:
    """Unfitted models from the ``models:`` section (only enabled ones, in a fixed order)."""
    models: dict[str, CreditModel] = {}
    for name, spec in cfg["models"].items():
        params = {k: v for k, v in spec.items() if k != "enabled" and v is not None}
        if not spec.get("enabled", True):
            continue
        if name == "oracle":
            params = {"bad_rate": cfg["data"]["bad_rate"], "scenario": cfg["data"]["scenario"]}
        elif name == "lgbm":
            params.setdefault("seed", cfg["seed"])
        if name != "oracle" and cfg.get("features"):
            params["features"] = tuple(cfg["features"])
        models[name] = make_model(name, **params)
    return models


def raw_pd(model: CreditModel, frame: pd.DataFrame) -> np.ndarray:
    """PD before calibration (undoes the affine Platt step), for before/after charts."""
    logit = model.predict_logit(frame)
    cal = model.calibration_
    if cal.applied:
        logit = (logit - cal.intercept) / cal.slope
    return 1.0 / (1.0 + np.exp(-logit))


# ----------------------------------------------------------------------------- run folder
def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def final_run_path(runs_dir: Path, name: str, stamp: str) -> Path:
    """``<runs>/<name>-<stamp>``, with ``-2``, ``-3`` ... if that exists: never overwrite."""
    candidate = runs_dir / f"{name}-{stamp}"
    k = 2
    while candidate.exists():
        candidate = runs_dir / f"{name}-{stamp}-{k}"
        k += 1
    return candidate


@contextmanager
def staging_folder(runs_dir: Path, name: str) -> Iterator[Path]:
    """A hidden folder to build a run in; removed if the run fails."""
    prepare_out_dir(runs_dir)
    tmp = runs_dir / f"{INCOMPLETE_PREFIX}{name}-{_stamp()}-{os.getpid()}"
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@dataclass
class Stages:
    """Times each stage and drives one progress bar over them."""

    names: list[str]
    quiet: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._bar = tqdm(total=len(self.names), desc="run", unit="stage", disable=self.quiet,
                         leave=False)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._bar.set_postfix_str(name)
        start = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        self._bar.update(1)
        log.info("%-10s %.1f s", name, self.timings[name])

    def close(self) -> None:
        self._bar.close()


STAGES = ["data", "fit", "evaluate", "policy", "fairness", "explain", "figures", "write"]


def run_experiment(cfg: dict[str, Any], runs_dir: str | os.PathLike[str] = "runs",
                   quiet: bool = False,
                   data: dict[str, pd.DataFrame] | None = None,
                   extra_files: Callable[[Path], None] | None = None) -> Path:
    """Run the experiment described by a resolved config; return the run folder.

    ``data`` lets ``riskkit fit`` pass its own splits (bring-your-own-data); they are then
    stored in the run (``data/<split>.parquet``) because they cannot be regenerated.
    """
    from riskkit.experiment.stages import (
        decide_all,
        evaluate_all,
        explain_all,
        fairness_all,
        fit_all,
        write_figures,
    )

    runs = Path(runs_dir)
    stamp = _stamp()
    stages = Stages(STAGES, quiet)
    try:
        with staging_folder(runs, cfg["name"]) as tmp:
            with stages.stage("data"):
                splits = data if data is not None else population_splits(cfg)
                fingerprints = {k: fingerprint(v) for k, v in splits.items()}
            with stages.stage("fit"):
                models = fit_all(cfg, splits, tmp / "models", quiet)
            with stages.stage("evaluate"):
                metrics, tables = evaluate_all(cfg, models, splits)
            with stages.stage("policy"):
                policy, decisions = decide_all(cfg, models, splits)
                write_json(tmp / "models" / "policy.json", policy.to_dict())
                metrics["policy"] = policy_metrics(policy, decisions, cfg)
            with stages.stage("fairness"):
                metrics["fairness"], tables["fairness"] = fairness_all(cfg, policy, splits,
                                                                       decisions)
            with stages.stage("explain"):
                reasons, explain_metrics, explain_extra = explain_all(cfg, models, policy,
                                                                      splits, decisions)
                metrics["explain"] = explain_metrics
            with stages.stage("figures"):
                write_figures(cfg, models, policy, splits, decisions, reasons, tables,
                              explain_extra, tmp / "figures", run_label=f"{cfg['name']}-{stamp}")
            with stages.stage("write"):
                write_parquet(tmp / "decisions.parquet", decisions)
                write_parquet(tmp / "reasons.parquet", parquet_safe(reasons))
                for name, table in tables.items():
                    write_with_csv(tmp / "tables" / f"{name}.csv", table)
                write_json(tmp / "metrics.json", metrics)
                write_text(tmp / "config.yaml", C.dump(cfg))
                write_json(tmp / "datacard.json", run_datacard(cfg, splits, fingerprints))
                if data is not None:
                    for split, frame in splits.items():
                        write_parquet(tmp / "data" / f"{split}.parquet", frame)
                if extra_files is not None:
                    extra_files(tmp)
            final = final_run_path(runs, cfg["name"], stamp)
            from riskkit.experiment.runfolder import write_manifest

            write_manifest(tmp, cfg, fingerprints, stages.timings, stored_data=data is not None)
            os.replace(tmp, final)
    finally:
        stages.close()
    log.info("wrote run %s", final)
    return final


def parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Mixed-type object columns (a reason's value is a number or a category) as text:
    Parquet needs one type per column, and the text is what a reader of the table sees."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].map(lambda v: None if v is None else str(v)).astype("string")
    return out


def write_with_csv(path: Path, table: pd.DataFrame) -> None:
    write_text(path, table.to_csv(index=False))


def policy_metrics(policy: Policy, decisions: pd.DataFrame, cfg: dict[str, Any]) -> dict[str, Any]:
    """Approval rate, bad rate among approved and lines, on the test and oot splits."""
    out: dict[str, Any] = {"model": cfg["policy"]["model"], "cutoff_pd": policy.cutoff,
                           "cutoff_method": policy.cutoff_method,
                           "cutoff_target": policy.cutoff_target}
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
        }
        if split == "test":
            out.update(stats)
        else:
            out[split] = stats
    return out


def run_datacard(cfg: dict[str, Any], splits: dict[str, pd.DataFrame],
                 fingerprints: dict[str, str]) -> dict[str, Any]:
    rows = {k: len(v) for k, v in splits.items()}
    bad = {k: float(v[F.TARGET].mean()) for k, v in splits.items() if F.TARGET in v}
    card: dict[str, Any] = {"name": cfg["name"], "seed": cfg["seed"], "rows": rows,
                            "bad_rate": bad, "fingerprints": fingerprints,
                            "scenario": cfg["data"].get("scenario"),
                            "oot_scenario": cfg["data"].get("oot", {}).get("scenario")}
    if "true_pd" in next(iter(splits.values())):
        from riskkit.synth import get_scenario, truth_model

        scen = get_scenario(cfg["data"]["scenario"])
        card["base_logit"] = truth_model(cfg["data"]["bad_rate"], scen.macro_logit).base_logit
        card["oracle_auc"] = {k: ev.auc(v[F.TARGET], v["true_pd"]) for k, v in splits.items()}
        card["features"] = F.describe()
    return card


def run_from_config(path: str | os.PathLike[str], runs_dir: str | os.PathLike[str] = "runs",
                    rows: int | None = None, seed: int | None = None, quiet: bool = False,
                    track: bool | None = None, tracking_uri: str | None = None) -> Path:
    """``riskkit run CONFIG``: load, validate, run; then log the run to MLflow when
    ``track``, ``tracking_uri`` or the config's ``tracking.enabled`` says so."""
    cfg = C.load_config(path, rows=rows, seed=seed)
    if cfg["data"]["rows"] < 1000:
        raise ConfigError("a run needs at least 1000 rows")
    settings = tracking.settings_from(cfg, track, tracking_uri)  # checked before the run
    final = run_experiment(cfg, runs_dir, quiet)
    if settings.enabled:
        tracking.track_run(final, settings)
    return final


def ensure_run(run_dir: str | os.PathLike[str] | None = None, rows: int = 20_000, seed: int = 7,
               runs_dir: str | os.PathLike[str] = "runs", quiet: bool = True) -> Any:
    """The run a notebook works on: ``run_dir`` if given, else the newest complete run in
    ``runs_dir`` made with the same rows and seed, else a new baseline run of that size.

    Notebooks call this so that they open instantly on an existing run and still work on a
    fresh machine with nothing run yet.
    """
    from riskkit.core.errors import RunError
    from riskkit.experiment.runfolder import load_run

    if run_dir is not None:
        return load_run(run_dir)
    runs = Path(runs_dir)
    if runs.is_dir():
        for candidate in sorted(runs.iterdir(), key=lambda p: p.name, reverse=True):
            if candidate.name.startswith(".") or not (candidate / "manifest.json").exists():
                continue
            try:
                run = load_run(candidate)
            except RunError:
                continue
            cfg = run.config
            if (cfg.get("data", {}).get("rows") == rows and cfg.get("seed") == seed
                    and cfg.get("data", {}).get("oot", {}).get("scenario") == "baseline"
                    and not run.manifest.get("data_stored")):
                return run
    cfg = C.resolve({}, rows=rows, seed=seed)
    return load_run(run_experiment(cfg, runs, quiet=quiet))
