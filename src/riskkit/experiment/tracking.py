"""Log finished runs (and sweeps) to MLflow, where credit teams keep their experiments.

A run folder stays the record of a run; tracking copies what a team compares across runs
into MLflow after the run is complete, so a run is the same bytes whether it is tracked or
not and a tracking server that is down never leaves a half-written run:

params
    the resolved config, flattened (``data.rows``, ``models.lgbm.num_threads`` ...), the
    ``tracking:`` section left out;
metrics
    :func:`flatten_metrics` of ``metrics.json``: ``<model>_<split>_<metric>``
    (``lgbm_test_auc``, ``scorecard_oot_ks``), ``<model>_psi``, ``policy_approval_rate``,
    ``policy_oot_bad_rate_approved``, ``lgbm_test_fidelity_top3``,
    ``fairness_test_adverse_impact_ratio_age``, ``fairness_test_four_fifths_flag_age`` (0/1),
    ``fairness_test_knockout_share_age_below_minimum``,
    ``fairness_test_gender_female_approval_rate`` ...;
tags
    ``seed``, ``world`` (``data.world`` or ``baseline``), ``data_fingerprint`` (one digest of
    the splits' fingerprints; ``data_fingerprint.<split>`` each), ``git_commit`` (also as
    MLflow's ``mlflow.source.git.commit``), ``run_folder``;
artifacts
    ``figures/`` and the rest of the run folder under ``run/``.

Where: ``--tracking-uri``, else the config's ``tracking.uri``, else MLflow's own default
(``MLFLOW_TRACKING_URI``, or ``sqlite:///mlflow.db`` in the working folder: nothing to
start). For a SQLite store the artifacts go to ``mlartifacts/`` next to the database (what
``mlflow server`` uses), not into the working folder. The experiment is ``tracking.experiment``,
else the config's ``name``. A sweep is one parent run with a child per grid point
(:func:`track_sweep`, or :class:`SweepTracker` for points tracked as they finish).

MLflow is an optional extra (``pip install 'riskkit[tracking]'``) and is imported only
here, when tracking is on. Its loggers and alembic's are set to warnings: a tracked run
prints what riskkit decided, not database migrations.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from riskkit.core.errors import ConfigError, RiskkitError
from riskkit.core.io import read_json
from riskkit.experiment.tracking_check import bounded_retries, preflight

__all__ = [
    "SweepTracker",
    "TrackingSettings",
    "fairness_metrics",
    "flatten",
    "flatten_metrics",
    "run_params",
    "run_tags",
    "settings_from",
    "track_run",
    "track_sweep",
]

log = logging.getLogger(__name__)

#: MLflow's limits (3.x): characters of a param value, entries per log_batch call.
MAX_PARAM_VALUE = 6000
_BATCH = {"metrics": 1000, "params": 100, "tags": 100}
_NOT_NAME = re.compile(r"[^\w.\-/]+")
_QUIET = ("mlflow", "alembic", "sqlalchemy", "urllib3", "git", "databricks")


@dataclass(frozen=True)
class TrackingSettings:
    """Whether and where to track: from the config's ``tracking:`` and the command line."""

    enabled: bool = False
    uri: str | None = None
    experiment: str = "riskkit"


def settings_from(cfg: Mapping[str, Any], track: bool | None = None,
                  uri: str | None = None) -> TrackingSettings:
    """The tracking settings of a run: command line over config over MLflow's defaults.

    Parameters
    ----------
    cfg
        the resolved config; its ``tracking:`` section has ``enabled``, ``uri`` and
        ``experiment`` (all optional).
    track
        ``--track`` (True turns tracking on; None leaves the config's choice).
    uri
        ``--tracking-uri``; giving one turns tracking on.

    Returns
    -------
    TrackingSettings
        checked; when enabled, MLflow is known to be importable.
    """
    section = cfg.get("tracking") or {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"'tracking' must be a mapping of enabled, uri, experiment; got {section!r}")
    enabled, conf_uri, name = section.get("enabled", False), section.get("uri"), section.get("experiment")
    if not isinstance(enabled, bool):
        raise ConfigError(f"'tracking.enabled' must be true or false, got {enabled!r}")
    for key, value in (("uri", conf_uri), ("experiment", name)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"'tracking.{key}' must be a non-empty text, got {value!r}")
    on = bool(track) or uri is not None or enabled
    if on and importlib.util.find_spec("mlflow") is None:
        raise ConfigError("tracking needs MLflow, which is not installed: "
                          "pip install 'riskkit[tracking]'")
    settings = TrackingSettings(enabled=on, uri=uri or conf_uri,
                                experiment=name or str(cfg.get("name") or "riskkit"))
    if on:  # a store that is down is found now, in seconds, not after the run
        preflight(settings.uri, settings.experiment)
    return settings


# ----------------------------------------------------------------------------- flattening
def flatten(tree: Mapping[str, Any], sep: str = ".", prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level: ``{"data": {"rows": 5}}`` -> ``{"data.rows": 5}``.

    Parameters
    ----------
    tree
        nested mappings; anything that is not a mapping is a leaf (lists included).
    sep
        joins the keys.
    prefix
        put before every key (used by the recursion).

    Returns
    -------
    dict
        joined key -> leaf, in the tree's order.
    """
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{sep}{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, sep, name))
        else:
            out[name] = value
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _metric_name(parts: Sequence[Any]) -> str:
    return _NOT_NAME.sub("_", "_".join(str(p) for p in parts)).strip("_")


def flatten_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """``metrics.json`` as MLflow metrics named ``<model>_<split>_<metric>`` and so on.

    Parameters
    ----------
    metrics
        a run's ``metrics.json``.

    Returns
    -------
    dict
        metric name -> value, numbers only (fairness flags as 0/1); None, NaN and text are
        left out. Names: ``lgbm_test_auc``, ``lgbm_psi``; explanations are measured on the
        test split, ``lgbm_test_fidelity_top3``; the policy's top-level figures (the test
        split's) ``policy_approval_rate``, ``policy_cutoff_pd``, beside
        ``policy_oot_approval_rate``; fairness as in :func:`fairness_metrics`; any other
        section keeps its path (``stability_csi_max``, ``reject_inference_methods_...``).
        The model, explanation and policy names are those of the sweep table
        (``experiment/flatten.py`` of the sweep work), so a sweep's columns and its MLflow
        metrics agree.
    """
    out: dict[str, float] = {}
    for section, body in metrics.items():
        if not isinstance(body, Mapping):
            _walk(body, [section], out)
        elif section == "models":
            _walk(body, [], out)
        elif section == "explain":
            for model, entry in body.items():
                _walk(entry, [model, "test"], out)
        elif section == "fairness":
            out.update(fairness_metrics(body))
        else:
            _walk(body, [section], out)
    return out


def fairness_metrics(section: Mapping[str, Any]) -> dict[str, float]:
    """``metrics.json["fairness"]`` as metrics: the ``splits`` and ``groups`` levels dropped.

    Parameters
    ----------
    section
        the fairness section (:mod:`riskkit.evaluate.fairness`).

    Returns
    -------
    dict
        ``fairness_test_adverse_impact_ratio_age``, ``fairness_test_four_fifths_flag_age``
        (0/1), ``fairness_test_knockout_share_age_below_minimum``,
        ``fairness_test_gender_female_approval_rate`` ...
    """
    out: dict[str, float] = {}
    for split, entry in (section.get("splits") or {}).items():
        for key, value in entry.items():
            _walk(value, ["fairness", split] if key == "groups" else ["fairness", split, key], out)
    return out


def _walk(node: Any, path: list[Any], out: dict[str, float]) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            _walk(value, [*path, key], out)
        return
    value = _number(node)
    if value is not None:
        out[_metric_name(path)] = value


def run_params(cfg: Mapping[str, Any]) -> dict[str, str]:
    """The flattened config as MLflow params (text; lists and None as JSON).

    Parameters
    ----------
    cfg
        a resolved config (a run's ``config.yaml``).

    Returns
    -------
    dict
        ``data.rows`` -> ``"30000"`` ...; the ``tracking`` section is left out (where a run
        was tracked is not a setting of the run).
    """
    flat = flatten({k: v for k, v in cfg.items() if k != "tracking"})
    out = {}
    for key, value in flat.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        out[key] = text[:MAX_PARAM_VALUE]
    return out


def run_tags(cfg: Mapping[str, Any], manifest: Mapping[str, Any], run_dir: Path) -> dict[str, str]:
    """Seed, world, data fingerprint, git commit and folder of a run, as MLflow tags.

    Parameters
    ----------
    cfg
        the run's resolved config.
    manifest
        the run's ``manifest.json``.
    run_dir
        the run folder.

    Returns
    -------
    dict
        tag name -> text.
    """
    prints = manifest.get("data_fingerprints") or {}
    combined = hashlib.sha256(json.dumps(prints, sort_keys=True).encode()).hexdigest()[:16]
    commit = manifest.get("git_commit") or "unknown"
    tags = {"seed": str(cfg.get("seed")),
            "world": str((cfg.get("data") or {}).get("world") or "baseline"),
            "data_fingerprint": combined, "git_commit": commit,
            "mlflow.source.git.commit": commit, "run_folder": str(run_dir.resolve()),
            "config_name": str(cfg.get("name"))}
    tags.update({f"data_fingerprint.{k}": str(v)[:16] for k, v in prints.items()})
    return tags


# ----------------------------------------------------------------------------- MLflow
def _quiet() -> None:
    # urllib3 logs each retry as a WARNING: riskkit reports the failure itself, once
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)
    bounded_retries()


def _client(settings: TrackingSettings) -> Any:
    from mlflow.tracking import MlflowClient

    _quiet()  # after the import: importing mlflow configures its logger at INFO
    return MlflowClient(tracking_uri=settings.uri) if settings.uri else MlflowClient()


def _experiment_id(client: Any, name: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    uri = str(client.tracking_uri)
    location = None
    if uri.startswith("sqlite:///"):  # artifacts beside the database, as mlflow server does
        db = Path(uri.removeprefix("sqlite:///"))
        location = (db.parent / "mlartifacts").resolve().as_uri()
    return str(client.create_experiment(name, artifact_location=location))


def _log_batches(client: Any, run_id: str, metrics: Mapping[str, float],
                 params: Mapping[str, str], tags: Mapping[str, str]) -> None:
    from mlflow.entities import Metric, Param, RunTag

    stamp = 0
    items = {"metrics": [Metric(k, v, stamp, 0) for k, v in metrics.items()],
             "params": [Param(k[:250], v) for k, v in params.items()],
             "tags": [RunTag(k, v) for k, v in tags.items()]}
    for kind, entries in items.items():
        size = _BATCH[kind]
        for start in range(0, len(entries), size):
            client.log_batch(run_id, **{kind: entries[start:start + size]})


def _log_folder(client: Any, run_id: str, run_dir: Path) -> None:
    figures = run_dir / "figures"
    if figures.is_dir():
        client.log_artifacts(run_id, str(figures), "figures")
    for item in sorted(run_dir.iterdir()):
        if item.name == "figures":
            continue
        if item.is_dir():
            client.log_artifacts(run_id, str(item), f"run/{item.name}")
        else:
            client.log_artifact(run_id, str(item), "run")


@contextmanager
def _failures(settings: TrackingSettings, what: str) -> Iterator[None]:
    """MLflow's and the network's errors as one riskkit error naming the store."""
    try:
        yield
    except RiskkitError:
        raise
    except Exception as exc:
        where = settings.uri or "MLflow's default store"
        raise ConfigError(f"tracking {what} to {where} failed: {type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''}") from None


def track_run(run_dir: str | Path, settings: TrackingSettings, parent_run_id: str | None = None,
              client: Any = None) -> str:
    """Log one complete run folder to MLflow; return the MLflow run id.

    Parameters
    ----------
    run_dir
        a complete run folder (``metrics.json``, ``config.yaml``, ``manifest.json``).
    settings
        where to log (:func:`settings_from`).
    parent_run_id
        the sweep's parent run, for a grid point.
    client
        an ``MlflowClient`` to reuse (a sweep logs every point through one).

    Returns
    -------
    str
        the MLflow run id.
    """
    folder = Path(run_dir)
    cfg = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    metrics = read_json(folder / "metrics.json")
    manifest = read_json(folder / "manifest.json")
    with _failures(settings, f"of run {folder}"):
        client = client or _client(settings)
        tags = run_tags(cfg, manifest, folder)
        if parent_run_id is not None:
            tags["mlflow.parentRunId"] = parent_run_id
        run = client.create_run(_experiment_id(client, settings.experiment), run_name=folder.name)
        run_id = str(run.info.run_id)
        try:
            _log_batches(client, run_id, flatten_metrics(metrics), run_params(cfg), tags)
            _log_folder(client, run_id, folder)
        except BaseException:
            client.set_terminated(run_id, "FAILED")
            raise
        client.set_terminated(run_id, "FINISHED")
    log.info("tracked run %s as MLflow run %s (experiment %r, %s)", folder.name, run_id,
             settings.experiment, client.tracking_uri)
    return run_id


@dataclass
class SweepTracker:
    """One MLflow parent run for a sweep; :meth:`child` logs each finished grid point.

    Made by :func:`track_sweep` or used directly by a sweep that tracks points as they
    finish::

        with SweepTracker.start(settings, "sweep-name", {"seed": [1, 2]}) as sweep:
            for run_dir in finished_points:
                sweep.child(run_dir)
    """

    settings: TrackingSettings
    client: Any
    parent_run_id: str
    children: list[str] = field(default_factory=list)

    @classmethod
    @contextmanager
    def start(cls, settings: TrackingSettings, name: str,
              grid: Mapping[str, Sequence[Any]] | None = None,
              sweep_dir: str | Path | None = None) -> Iterator[SweepTracker]:
        """Open the parent run (params: the grid); close it FINISHED or FAILED.

        Parameters
        ----------
        settings
            where to log.
        name
            the parent run's name.
        grid
            key -> values of the sweep (logged as ``grid.<key>`` params).
        sweep_dir
            the sweep's folder; its top-level files (``sweep.csv`` ...) become the parent's
            artifacts when the sweep ends.

        Returns
        -------
        Iterator[SweepTracker]
            a context manager yielding the tracker.
        """
        with _failures(settings, f"of sweep {name}"):
            client = _client(settings)
            run = client.create_run(_experiment_id(client, settings.experiment), run_name=name,
                                    tags={"riskkit.sweep": "parent"})
            parent = str(run.info.run_id)
            params = {f"grid.{k}": json.dumps(list(v), ensure_ascii=False)[:MAX_PARAM_VALUE]
                      for k, v in (grid or {}).items()}
            _log_batches(client, parent, {}, params, {})
        tracker = cls(settings, client, parent)
        try:
            yield tracker
        except BaseException:
            client.set_terminated(parent, "FAILED")
            raise
        with _failures(settings, f"of sweep {name}"):
            if sweep_dir is not None:
                for item in sorted(Path(sweep_dir).iterdir()):
                    if item.is_file():
                        client.log_artifact(parent, str(item))
            client.log_metric(parent, "points", float(len(tracker.children)))
            client.set_terminated(parent, "FINISHED")
        log.info("tracked sweep %s: parent MLflow run %s with %d children", name, parent,
                 len(tracker.children))

    def child(self, run_dir: str | Path) -> str:
        """Log one grid point's run folder as a child of the parent; return its run id."""
        run_id = track_run(run_dir, self.settings, parent_run_id=self.parent_run_id,
                           client=self.client)
        self.children.append(run_id)
        return run_id


def track_sweep(run_dirs: Sequence[str | Path], settings: TrackingSettings, name: str,
                grid: Mapping[str, Sequence[Any]] | None = None,
                sweep_dir: str | Path | None = None) -> tuple[str, list[str]]:
    """Log a finished sweep: one parent run, one child per grid point's run folder.

    Parameters
    ----------
    run_dirs
        the grid points' run folders, in grid order.
    settings
        where to log.
    name
        the parent run's name (the sweep folder's name, say).
    grid
        key -> values of the sweep.
    sweep_dir
        the sweep folder, whose top-level files become the parent's artifacts.

    Returns
    -------
    tuple
        ``(parent run id, child run ids)``.
    """
    with SweepTracker.start(settings, name, grid, sweep_dir) as sweep:
        for run_dir in run_dirs:
            sweep.child(run_dir)
    return sweep.parent_run_id, list(sweep.children)
