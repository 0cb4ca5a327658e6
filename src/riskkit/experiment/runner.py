"""Config in, run folder out: the whole experiment as one reproducible step.

A run generates (or reads) its data, splits it, fits every enabled model, evaluates them,
resolves the policy, decides, explains the denials, draws every chart and writes one run
folder per the contract in DESIGN.md::

    runs/<name>-<YYYYmmdd-HHMMSS>/
      config.yaml  manifest.json  metrics.json  datacard.json  world.json
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

import pandas as pd
from tqdm.auto import tqdm

from riskkit.core.errors import ConfigError, RiskkitError
from riskkit.core.io import write_json, write_parquet, write_text
from riskkit.core.registry import Registry
from riskkit.experiment import config as C
from riskkit.experiment import tracking
from riskkit.experiment.checks import check_measurable
from riskkit.experiment.deployed import swap_set_at_policy
from riskkit.experiment.grading import MASTER_SCALE_FILE, master_scale
from riskkit.experiment.run_figures import write_figures
from riskkit.experiment.runfolder import write_manifest
from riskkit.experiment.splits import WORLD_FILE, population_splits, run_world
from riskkit.experiment.stages import (
    decide_all,
    evaluate_all,
    explain_all,
    fairness_all,
    fit_all,
    parquet_safe,
    policy_metrics,
    run_datacard,
    run_scores,
    write_with_csv,
)
from riskkit.explain.background import BACKGROUND_FILE
from riskkit.rejectinf.study import run_section as reject_inference_all
from riskkit.synth import fingerprint
from riskkit.synth.store import prepare_out_dir

log = logging.getLogger(__name__)

INCOMPLETE_PREFIX = ".incomplete-"


# ----------------------------------------------------------------------------- run folder
def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def final_run_path(runs_dir: Path, name: str, stamp: str) -> Path:
    """``<runs>/<name>-<stamp>``, with ``-2``, ``-3`` ... if that exists: never overwrite.

    Parameters
    ----------
    runs_dir : Path
        Where runs are kept.
    name : str
        The experiment's name.
    stamp : str
        The run's time stamp (``YYYYmmdd-HHMMSS``).

    Returns
    -------
    Path
        A folder name no run has yet.
    """
    candidate = runs_dir / f"{name}-{stamp}"
    k = 2
    while candidate.exists():
        candidate = runs_dir / f"{name}-{stamp}-{k}"
        k += 1
    return candidate


@contextmanager
def staging_folder(runs_dir: Path, name: str) -> Iterator[Path]:
    """A hidden folder to build a run in; removed if the run fails.

    Parameters
    ----------
    runs_dir : Path
        The folder the finished run will be renamed into.
    name : str
        The experiment's name (part of the hidden folder's).

    Yields
    ------
    Path
        The hidden folder; the caller renames it into place when the run is complete.
    """
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
                   extra_files: Callable[[Path], None] | None = None,
                   registry: Registry | None = None) -> Path:
    """Run the experiment described by a resolved config; return the run folder.

    ``data`` lets ``riskkit fit`` pass its own splits (bring-your-own-data); they are then
    stored in the run (``data/<split>.parquet``) because they cannot be regenerated.

    Parameters
    ----------
    cfg : dict
        A resolved config (:func:`riskkit.experiment.config.resolve`).
    runs_dir : path
        Where the run folder goes.
    quiet : bool
        No progress bar or info logs.
    data : dict of pandas.DataFrame, optional
        Splits of one's own data (``riskkit fit``); None generates them from the config.
    extra_files : callable, optional
        Writes further files into the run folder before it is sealed.
    registry : Registry, optional
        The registry of one's own data's columns.

    Returns
    -------
    Path
        The run folder.
    """

    runs = Path(runs_dir)
    stamp = _stamp()
    reject_inference = bool(cfg.get("reject_inference", {}).get("enabled"))
    stages = Stages(STAGES + ["reject_inference"] * reject_inference, quiet)
    try:
        with staging_folder(runs, cfg["name"]) as tmp:
            with stages.stage("data"):
                world = None if data is not None else run_world(cfg)
                splits = data if data is not None else population_splits(cfg, world)
                fingerprints = {k: fingerprint(v) for k, v in splits.items()}
                if world is not None:
                    write_json(tmp / WORLD_FILE, world.to_dict())
                    log.info("data from %s", world.label())
            with stages.stage("fit"):
                models = fit_all(cfg, splits, tmp / "models", quiet, registry, world=world)
            scores = run_scores(cfg, models, splits)  # each computed once, for every stage
            with stages.stage("evaluate"):
                metrics, tables = evaluate_all(cfg, models, splits, scores)
            with stages.stage("policy"):
                policy, decisions = decide_all(cfg, models, splits, scores)
                write_json(tmp / "models" / "policy.json", policy.to_dict())
                scale = master_scale(cfg, decisions)  # each applicant's grade (validate)
                deployed = decisions[f"pd_{cfg['policy']['model']}"].to_numpy()
                decisions["grade"] = scale.grade(deployed)
                write_json(tmp / "models" / MASTER_SCALE_FILE, scale.to_dict())
                metrics["policy"] = policy_metrics(policy, decisions, cfg)
                swap = swap_set_at_policy(models, splits, decisions, scores)
                if swap is not None:  # at the deployed approval rate, after the decisions
                    tables["swap_set"] = swap
            with stages.stage("fairness"):
                metrics["fairness"], tables["fairness"] = fairness_all(cfg, policy, splits,
                                                                       decisions, registry)
            with stages.stage("explain"):
                reasons, explain_metrics, explain_extra = explain_all(
                    cfg, models, policy, splits, decisions, world=world, scores=scores)
                metrics["explain"] = explain_metrics
            if reject_inference:
                with stages.stage("reject_inference"):
                    metrics["reject_inference"], tables["reject_inference"] = \
                        reject_inference_all(cfg, splits, tmp / "figures",
                                             f"{cfg['name']}-{stamp}", quiet, world=world)
            with stages.stage("figures"):
                if cfg["figures"].get("enabled", True):
                    write_figures(cfg, models, policy, splits, decisions, reasons, tables,
                                  explain_extra, tmp / "figures",
                                  run_label=f"{cfg['name']}-{stamp}", scores=scores)
            with stages.stage("write"):
                write_parquet(tmp / "decisions.parquet", decisions)
                write_parquet(tmp / "reasons.parquet", parquet_safe(reasons))
                if explain_extra.get("background") is not None:  # `riskkit explain` reuses it
                    write_parquet(tmp / BACKGROUND_FILE, explain_extra["background"])
                for name, table in tables.items():
                    write_with_csv(tmp / "tables" / f"{name}.csv", table)
                write_json(tmp / "metrics.json", metrics)
                write_text(tmp / "config.yaml", C.dump(cfg))
                write_json(tmp / "datacard.json", run_datacard(cfg, splits, fingerprints,
                                                               world=world))
                if data is not None:
                    for split, frame in splits.items():
                        write_parquet(tmp / "data" / f"{split}.parquet", frame)
                if extra_files is not None:
                    extra_files(tmp)
            final = final_run_path(runs, cfg["name"], stamp)
            write_manifest(tmp, cfg, fingerprints, stages.timings, stored_data=data is not None)
            os.replace(tmp, final)
    finally:
        stages.close()
    log.info("wrote run %s", final)
    return final


def run_from_config(path: str | os.PathLike[str], runs_dir: str | os.PathLike[str] = "runs",
                    rows: int | None = None, seed: int | None = None, quiet: bool = False,
                    track: bool | None = None, tracking_uri: str | None = None) -> Path:
    """``riskkit run CONFIG``: load, validate, run; then log the run to MLflow when
    ``track``, ``tracking_uri`` or the config's ``tracking.enabled`` says so.

    Parameters
    ----------
    path : path
        The YAML config.
    runs_dir : path
        The folder the run goes into (``runs`` by default).
    rows, seed : int, optional
        Override ``data.rows`` and ``seed``.
    quiet : bool
        Silence the progress bar and info logs.
    track : bool, optional
        Log to MLflow (None: as the config says).
    tracking_uri : str, optional
        The MLflow tracking store.

    Returns
    -------
    Path
        The run folder, complete and sealed by its manifest.
    """
    cfg = C.load_config(path, rows=rows, seed=seed)
    if cfg["data"]["rows"] < 1000:
        raise ConfigError("a run needs at least 1000 rows")
    unmeasurable = check_measurable(cfg)
    if unmeasurable:
        raise ConfigError(f"{path}: " + "; ".join(unmeasurable))
    settings = tracking.settings_from(cfg, track, tracking_uri)  # checked before the run
    final = run_experiment(cfg, runs_dir, quiet)
    if settings.enabled:
        track_kept(final, settings)
    return final


def track_kept(final: Path, settings: tracking.TrackingSettings) -> str:
    """Track a complete run; a failure says the run is complete and where (nothing is lost)."""
    try:
        return tracking.track_run(final, settings)
    except RiskkitError as exc:
        raise RiskkitError(f"run written to {final} and complete; only its tracking failed: "
                           f"{exc}") from None
