"""Sweeps: the cross product of config values, one ordinary run folder per point, one table.

``riskkit sweep CONFIG --grid data.world=additive,interacting --grid data.rows=20000,100000
--out DIR`` resolves every point first (a misspelt key or a bad value fails before any work),
runs the points that have no complete run folder in ``DIR`` yet -- in parallel processes
(``concurrent.futures.ProcessPoolExecutor``) or on any executor passed in (a Dask cluster's
``client.get_executor()``) -- and writes:

* ``DIR/<name>-<point>-<stamp>/``: an ordinary run folder per point;
* ``DIR/sweep.csv`` and ``DIR/sweep.parquet``: one row per point, the grid values in columns
  named by their dotted keys, ``run`` (the folder's name) and every figure of its
  ``metrics.json`` flattened (:func:`riskkit.experiment.flatten.flatten_metrics`);
* ``DIR/figures/sweep_<metric>.*``: each test metric against the first grid key, a line
  per model.

Resuming is by content, not by name: a run folder counts as a point's when its
``manifest.json`` says complete and its ``config.yaml`` equals the point's resolved config
(the run's name aside, so sweeps that share a folder share their common points).
A sweep killed half-way and started again therefore redoes only the unfinished points, and
the hidden staging folders a killed run leaves behind (their process is gone) are removed.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import math
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from tqdm.auto import tqdm

from riskkit.charts import export, style_context
from riskkit.charts.sweep import plot_sweep_metric
from riskkit.core.errors import ConfigError, RiskkitError
from riskkit.core.io import write_parquet, write_text
from riskkit.core.machinery import process_pool
from riskkit.experiment import config as C
from riskkit.experiment.checks import check_measurable
from riskkit.experiment.flatten import flatten_metrics
from riskkit.experiment.runner import INCOMPLETE_PREFIX, run_experiment

log = logging.getLogger(__name__)

TABLE = "sweep"
#: Metrics charted per model on the test split (when present), plus the policy's.
CHART_METRICS = ("auc", "ks", "brier", "ece", "fidelity_top3")
POLICY_METRICS = ("approval_rate", "bad_rate_approved")


# ----------------------------------------------------------------------------- the grid
def parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """``["data.rows=1000,2000", "data.world=additive"]`` -> ``{"data.rows": [1000, 2000], ...}``.

    Each value is read as YAML (``20000`` is a number, ``true`` a boolean, ``additive`` text).

    Parameters
    ----------
    items : sequence of str
        ``KEY=V1,V2,...`` with a dotted config key.

    Returns
    -------
    dict of str to list
        In the order given; the first key is the charts' horizontal axis.
    """
    grid: dict[str, list[Any]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise ConfigError(f"--grid {item!r}: expected KEY=V1,V2,... with a dotted config key")
        if key in grid:
            raise ConfigError(f"--grid: key {key!r} given twice")
        parsed = []
        for text in values.split(","):
            try:
                parsed.append(yaml.safe_load(text.strip()))
            except yaml.YAMLError:
                raise ConfigError(f"--grid {key}: cannot read value {text!r}") from None
        if len(set(map(repr, parsed))) != len(parsed):
            raise ConfigError(f"--grid {key}: a value is repeated in {values!r}")
        grid[key] = parsed
    if not grid:
        raise ConfigError("a sweep needs at least one --grid KEY=V1,V2,...")
    return grid


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The cross product, the first key varying slowest."""
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*grid.values())]


def set_dotted(cfg: dict[str, Any], key: str, value: Any) -> None:
    """``set_dotted(cfg, "models.lgbm.params.num_leaves", 7)``, creating free-form sections."""
    parts = key.split(".")
    node = cfg
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def _slug(point: Mapping[str, Any]) -> str:
    text = "_".join(f"{k.rsplit('.', 1)[-1]}-{v}" for k, v in point.items())
    return re.sub(r"[^A-Za-z0-9._-]+", "", text.replace("+", "-"))[:120]


def point_configs(user: Mapping[str, Any], grid: Mapping[str, Sequence[Any]],
                  source: str = "config") -> list[dict[str, Any]]:
    """Every point's resolved config (all validated before anything runs).

    Every point is checked, and the problems of all invalid points are reported together
    in one error, each naming its point, key and value.

    Parameters
    ----------
    user : mapping
        The sweep's base config as written (unresolved).
    grid : mapping
        Dotted key -> values.
    source : str
        Named in error messages.

    Returns
    -------
    list of dict
        One resolved config per point, named ``<name>-<point>``.
    """
    out, problems = [], []
    points = grid_points(grid)
    for point in points:
        raw = copy.deepcopy(dict(user))
        for key, value in point.items():
            set_dotted(raw, key, value)
        where = f"{source} with " + ", ".join(f"{k}={v!r}" for k, v in point.items())
        try:
            cfg = C.resolve(raw, source=where)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        unmeasurable = check_measurable(cfg)
        if unmeasurable:
            problems.append(f"{where}: " + "; ".join(unmeasurable))
            continue
        cfg["name"] = f"{cfg['name']}-{_slug(point)}"
        out.append(cfg)
    if problems:
        head = f"{len(problems)} of {len(points)} sweep points are invalid: " if len(points) > 1 else ""
        raise ConfigError(head + " | ".join(problems))
    return out


def distinct_points(configs: Sequence[dict[str, Any]], points: Sequence[dict[str, Any]]
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """The points whose resolved configs differ, the first of each kept; and how many merged.

    ``0.5`` and ``"0.5"``, or a LightGBM parameter under two spellings, resolve to one
    configuration, which a sweep runs once.
    """
    seen: set[str] = set()
    kept_configs, kept_points = [], []
    for cfg, point in zip(configs, points, strict=True):
        key = config_key(yaml.safe_load(C.dump(cfg)))
        if key in seen:
            continue
        seen.add(key)
        kept_configs.append(cfg)
        kept_points.append(point)
    return kept_configs, kept_points, len(configs) - len(kept_configs)


# ----------------------------------------------------------------------------- resume
def config_key(cfg: Mapping[str, Any]) -> str:
    """What makes two runs the same run: the resolved config as YAML would read it back,
    the name aside (two sweeps sharing a folder then share the runs they have in common).
    ``cfg`` is as read back from ``config.yaml`` (``yaml.safe_load(C.dump(resolved))``)."""
    return json.dumps({k: v for k, v in cfg.items() if k != "name"}, sort_keys=True, default=str)


def complete_runs(out: Path) -> dict[str, Path]:
    """Complete run folders in ``out`` by their config (as YAML text, normalised)."""
    found: dict[str, Path] = {}
    if not out.is_dir():
        return found
    for folder in sorted(out.iterdir()):
        manifest, config = folder / "manifest.json", folder / "config.yaml"
        if folder.name.startswith(".") or not manifest.is_file() or not config.is_file():
            continue
        try:
            if json.loads(manifest.read_text(encoding="utf-8")).get("status") != "complete":
                continue
            cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError):
            continue
        if isinstance(cfg, dict):
            found.setdefault(config_key(cfg), folder)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove ``.incomplete-*`` folders whose process (the pid ending the name) is gone."""
    removed = []
    for folder in out.glob(f"{INCOMPLETE_PREFIX}*") if out.is_dir() else []:
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


# ----------------------------------------------------------------------------- running
def run_point(cfg: dict[str, Any], out: str) -> str:
    """Run one point into ``out`` (a worker's task); return the run folder's path."""
    return str(run_experiment(cfg, out, quiet=True))


def _executor(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: a forked child would inherit the parent's threads (tqdm's monitor,
    # OpenMP pools) in whatever state they were in
    return process_pool(workers)


def run_sweep(user: Mapping[str, Any], grid: Mapping[str, Sequence[Any]],
              out: str | os.PathLike[str], *, workers: int = 1, executor: Executor | None = None,
              quiet: bool = False, source: str = "config", figures: bool = True) -> pd.DataFrame:
    """Run every point of ``grid`` over the base config ``user`` into ``out``; return the table.

    Parameters
    ----------
    user : mapping
        The base config as written (e.g. ``yaml.safe_load`` of ``configs/baseline.yaml``).
    grid : mapping
        Dotted key -> values (:func:`parse_grid`).
    out : path
        The sweep folder: run folders, ``sweep.csv``, ``sweep.parquet``, ``figures/``.
    workers : int
        Parallel processes (1: in this process). Ignored when ``executor`` is given.
    executor : concurrent.futures.Executor, optional
        Where the points run instead, e.g. a Dask ``client.get_executor()``; ``out`` must
        then be on storage the workers share.
    quiet : bool
        No progress bar.
    source : str
        The base config's name for error messages.
    figures : bool
        Draw ``DIR/figures/sweep_<metric>.*`` (the default). False skips them, for a caller
        that draws its own charts of the table and whose next sweep into the same folder
        replaces this one's charts anyway (notebook 07 runs three sweeps into one folder:
        drawing the first two's charts, only to overwrite them, was a fifth of its time).

    Returns
    -------
    DataFrame
        One row per point (see the module doc).
    """
    out_dir = Path(out).resolve()
    configs, points, merged = distinct_points(point_configs(user, grid, source), grid_points(grid))
    if merged:
        log.info("%d grid point(s) resolve to the same configuration as another: each "
                 "distinct configuration runs once", merged)
    out_dir.mkdir(parents=True, exist_ok=True)
    for folder in remove_stale_staging(out_dir):
        log.info("removed %s, left by a run that was killed", folder.name)
    done = complete_runs(out_dir)
    folders: dict[int, Path] = {}
    for i, cfg in enumerate(configs):
        key = config_key(yaml.safe_load(C.dump(cfg)))
        if key in done:
            folders[i] = done[key]
    todo = [i for i in range(len(configs)) if i not in folders]
    log.info("sweep of %d points: %d already complete in %s, %d to run", len(configs),
             len(folders), out_dir, len(todo))
    failures: list[str] = []
    bar = tqdm(total=len(configs), initial=len(folders), desc="sweep", unit="run",
               disable=quiet)
    try:
        if todo and executor is None and workers <= 1:
            for i in todo:
                folders[i] = Path(run_point(configs[i], str(out_dir)))
                bar.update(1)
        elif todo:
            pool = executor or _executor(min(workers, len(todo)))
            futures: dict[Future[str], int] = {pool.submit(run_point, configs[i], str(out_dir)): i
                                               for i in todo}
            try:
                for future in as_completed(futures):
                    i = futures[future]
                    try:
                        folders[i] = Path(future.result())
                    except RiskkitError as exc:
                        failures.append(f"{configs[i]['name']}: {exc}")
                    bar.update(1)
            finally:
                if executor is None:
                    pool.shutdown(wait=True, cancel_futures=True)
    finally:
        bar.close()
    table = sweep_table(points, folders)
    write_table(table, out_dir)
    if figures:
        write_sweep_figures(table, list(grid), out_dir, configs[0]["figures"]["formats"])
    if failures:
        raise RiskkitError(f"{len(failures)} of {len(configs)} sweep points failed: "
                           + "; ".join(failures))
    return table


def run_sweep_from_config(path: str | os.PathLike[str], grid_items: Sequence[str],
                          out: str | os.PathLike[str], **kwargs: Any) -> pd.DataFrame:
    """``riskkit sweep CONFIG --grid ...``: read the base config, parse the grid, run."""
    p = Path(path)
    C.load_config(p)  # the base config alone must be valid too
    user = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    return run_sweep(user, parse_grid(grid_items), out, source=f"config {p}", **kwargs)


# ----------------------------------------------------------------------------- outputs
def sweep_table(points: Sequence[Mapping[str, Any]], folders: Mapping[int, Path]) -> pd.DataFrame:
    """One row per finished point: grid values, ``run``, the flattened metrics."""
    rows = []
    for i, point in enumerate(points):
        if i not in folders:
            continue
        metrics = json.loads((folders[i] / "metrics.json").read_text(encoding="utf-8"))
        rows.append({**point, "run": folders[i].name, **flatten_metrics(metrics)})
    return pd.DataFrame(rows)


def write_table(table: pd.DataFrame, out: Path) -> None:
    """``sweep.csv`` and ``sweep.parquet`` (grid columns of mixed types as text in Parquet)."""
    write_text(out / f"{TABLE}.csv", table.to_csv(index=False))
    safe = table.copy()
    for name in safe.columns:
        if safe[name].dtype == object:
            safe[name] = safe[name].map(lambda v: None if v is None else str(v)).astype("string")
    write_parquet(out / f"{TABLE}.parquet", safe)
    log.info("wrote %s and %s (%d runs)", out / f"{TABLE}.csv", out / f"{TABLE}.parquet",
             len(table))


def chart_columns(table: pd.DataFrame) -> dict[str, list[str]]:
    """Metric -> the table's columns of it on the test split (one per model), and the policy's."""
    out: dict[str, list[str]] = {}
    for metric in CHART_METRICS:
        cols = [c for c in table.columns if c.endswith(f"_test_{metric}")
                and not c.startswith("policy_") and table[c].notna().any()]
        if cols:
            out[metric] = cols
    for metric in POLICY_METRICS:
        if f"policy_{metric}" in table:
            out[f"policy_{metric}"] = [f"policy_{metric}"]
    return out


def auc_gaps(table: pd.DataFrame, split: str = "test") -> pd.DataFrame:
    """The table with ``<model>_<split>_auc_gap`` = oracle AUC - model AUC for every model."""
    out = table.copy()
    oracle = f"oracle_{split}_auc"
    for column in [c for c in table.columns if c.endswith(f"_{split}_auc") and c != oracle]:
        out[f"{column}_gap"] = out[oracle] - out[column]
    return out


def point_run(table: pd.DataFrame, out: str | os.PathLike[str], **where: Any) -> Path:
    """The run folder of the point whose grid values are ``where`` (dotted keys given with
    ``__`` for ``.``, e.g. ``data__world="nonmonotone"``); with several, the last one."""
    rows = table
    for key, value in where.items():
        rows = rows[rows[key.replace("__", ".")] == value]
    if rows.empty:
        raise ConfigError(f"no sweep point with {where}")
    return Path(out) / str(rows.iloc[-1]["run"])


def write_sweep_figures(table: pd.DataFrame, keys: Sequence[str], out: Path,
                        formats: Sequence[str] = ("png",)) -> list[Path]:
    """One chart per metric against the first grid key; the others split the lines."""
    if table.empty:
        return []
    paths: list[Path] = []
    with style_context():
        for metric, cols in chart_columns(table).items():
            if math.isnan(float(table[cols].abs().max().max())):
                continue
            fig = plot_sweep_metric(table, keys[0], cols, by=list(keys[1:]))  # labels in words
            paths += export(fig, f"sweep_{metric}", out / "figures", formats=formats)
    return paths
