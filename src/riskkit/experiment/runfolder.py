"""Reading runs back: ``load_run``, integrity checks, and ``compare``.

``manifest.json`` is written last into a run and lists the SHA-256 of every other file.
A folder without it never finished; a file whose hash differs was changed or damaged after
the run. Either way :func:`load_run` says so instead of handing out wrong numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from riskkit import __version__
from riskkit.core.errors import ConfigError, RunError
from riskkit.core.features import SYNTHETIC
from riskkit.core.io import read_json, write_json
from riskkit.core.paths import repo_root
from riskkit.core.registry import Registry
from riskkit.experiment.grading import MASTER_SCALE_FILE
from riskkit.experiment.splits import WORLD_FILE, population_splits, run_world
from riskkit.explain.background import BACKGROUND_FILE
from riskkit.models import load_model
from riskkit.policy import Policy
from riskkit.synth import World, fingerprint

MANIFEST = "manifest.json"
PACKAGES = ("numpy", "pandas", "pyarrow", "scikit-learn", "scipy", "lightgbm", "shap",
            "optbinning", "numba", "matplotlib")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_commit() -> str | None:
    root = repo_root()
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"riskkit": __version__, "python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_manifest(folder: Path, cfg: dict[str, Any], fingerprints: dict[str, str],
                   timings: dict[str, float], stored_data: bool) -> Path:
    """Hash every file of a finished run and record how to reproduce it."""
    files = {str(p.relative_to(folder)): _sha256(p)
             for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}
    manifest = {
        "status": "complete",
        "name": cfg["name"],
        "seed": cfg["seed"],
        "versions": _versions(),
        "platform": platform.platform(),
        "git_commit": _git_commit(),
        "data_fingerprints": fingerprints,
        "data_stored": stored_data,
        "timings_s": timings,
        "files": files,
    }
    return write_json(folder / MANIFEST, manifest)


@dataclass
class Run:
    """A finished run folder: its config, metrics, models, policy, data and decisions."""

    path: Path
    manifest: dict[str, Any]
    _models: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def config(self) -> dict[str, Any]:
        return yaml.safe_load((self.path / "config.yaml").read_text(encoding="utf-8"))

    @cached_property
    def metrics(self) -> dict[str, Any]:
        return read_json(self.path / "metrics.json")

    @cached_property
    def datacard(self) -> dict[str, Any]:
        return read_json(self.path / "datacard.json")

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def figures_dir(self) -> Path:
        return self.path / "figures"

    def model(self, name: str) -> Any:
        """A fitted model of the run (``oracle``, ``scorecard``, ``lgbm``), loaded once."""

        if name not in self._models:
            folder = self.path / "models" / name
            if not folder.is_dir():
                known = sorted(p.name for p in (self.path / "models").iterdir() if p.is_dir())
                raise RunError(f"run {self.path} has no model {name!r}; it has: {', '.join(known)}")
            self._models[name] = load_model(folder, registry=self.registry)
        return self._models[name]

    @cached_property
    def registry(self) -> Registry:
        """The feature registry the run was made with: its own ``registry.json`` (a
        bring-your-own-data run), else the synthetic world's. A value of this run only:
        loading it changes nothing another run computes."""
        return read_run_registry(self.path)

    @cached_property
    def world(self) -> World:
        """The World a synthetic run's data came from: its ``world.json``; a run written by
        riskkit 0.2.0 has none, and its world is rebuilt from its ``config.yaml`` (those
        runs drew their out-of-time cohort without drift).

        Raises
        ------
        RunError
            For a run of a user's own data (it has no synthetic world), or a damaged file.
        """
        path = self.path / WORLD_FILE
        if path.is_file():
            try:
                return World.from_dict(read_json(path), str(path))
            except (ValueError, ConfigError) as exc:
                raise RunError(f"{path} is damaged: {exc}") from None
        if self.manifest.get("data_stored") or (self.path / REGISTRY_FILE).is_file():
            raise RunError(f"run {self.path} was fitted on data of your own: it has no "
                           "synthetic world (no truth to check against)")
        try:
            return run_world(self.config)
        except (KeyError, TypeError, ConfigError) as exc:
            raise RunError(f"run {self.path}: cannot rebuild its world from config.yaml "
                           f"({exc})") from None

    @property
    def world_label(self) -> str:
        """The run's world in words, or what it is instead (data of one's own)."""
        try:
            return self.world.label()
        except RunError:
            return "data of your own (no synthetic world)"

    def master_scale(self) -> dict[str, Any] | None:
        """The run's master scale (``models/master_scale.json``: PD grade boundaries), or
        None for a run made before master scales."""
        file = self.path / "models" / MASTER_SCALE_FILE
        return read_json(file) if file.is_file() else None

    def policy(self) -> Any:

        return Policy.from_dict(read_json(self.path / "models" / "policy.json"))

    @property
    def deployed_model_name(self) -> str:
        return str(self.config["policy"]["model"])

    def data(self, split: str = "test") -> pd.DataFrame:
        """The applicants of a split: stored in the run, or regenerated from its config.

        Regenerated data is checked against the fingerprint recorded at run time, so a
        change in the generator can never silently pair a run with different applicants.
        """
        expected = self.manifest.get("data_fingerprints", {})
        if split not in expected:
            raise RunError(f"run {self.path} has no split {split!r}; it has: {', '.join(expected)}")
        stored = self.path / "data" / f"{split}.parquet"
        if stored.exists():
            return pd.read_parquet(stored)

        splits = _regenerated(self.path, json.dumps(self.config, sort_keys=True), self.world)
        frame = splits[split]
        if fingerprint(frame) != expected[split]:
            raise RunError(f"run {self.path}: regenerating split {split!r} gave different data "
                           f"than the run used (generator changed since riskkit "
                           f"{self.manifest['versions'].get('riskkit')}?)")
        return frame

    def decisions(self) -> pd.DataFrame:
        return pd.read_parquet(self.path / "decisions.parquet")

    def reasons(self) -> pd.DataFrame:
        return pd.read_parquet(self.path / "reasons.parquet")

    def explain_background(self) -> pd.DataFrame | None:
        """The population the run's tree-model reasons were measured against, or None.

        Kept in the run (``explain_background.parquet``) rather than redrawn, so a loaded
        run explains an applicant exactly as its ``reasons.parquet`` did, whatever the code
        that draws backgrounds does later. None: the run explained path-dependently
        (``explain.background: none``, no tree model, or a run made before backgrounds).

        Returns
        -------
        pandas.DataFrame or None
        """
        file = self.path / BACKGROUND_FILE
        return pd.read_parquet(file) if file.exists() else None

    def applicant(self, applicant_id: int) -> tuple[pd.DataFrame, str]:
        """One applicant's row (and split) by id, from the run's decisions and data."""
        dec = self.decisions()
        hit = dec[dec["applicant_id"] == applicant_id]
        if hit.empty:
            raise RunError(f"applicant {applicant_id} is not in run {self.path} "
                           f"(ids run from {dec['applicant_id'].min()} to {dec['applicant_id'].max()})")
        split = str(hit["split"].iloc[0])
        frame = self.data(split)
        return frame[frame["applicant_id"] == applicant_id].reset_index(drop=True), split


_SPLIT_CACHE: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}


def _regenerated(path: Path, config_key: str, world: World) -> dict[str, pd.DataFrame]:
    """Regenerate a run's splits in its world, once per process (several calls ask for
    several splits)."""

    key = (str(path), config_key)
    if key not in _SPLIT_CACHE:
        _SPLIT_CACHE.clear()
        _SPLIT_CACHE[key] = population_splits(json.loads(config_key), world)
    return _SPLIT_CACHE[key]


def verify(path: Path) -> dict[str, Any]:
    """Return the manifest of a complete, undamaged run, or raise RunError saying what's wrong.

    Parameters
    ----------
    path : Path
        A run folder.

    Returns
    -------
    dict
        The run's manifest, after every file it lists matched its SHA-256.
    """
    if not path.exists():
        raise RunError(f"run folder {path} does not exist")
    if not path.is_dir():
        raise RunError(f"{path} is not a run folder")
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        raise RunError(f"{path} is not a complete run: {MANIFEST} is missing "
                       "(the run was interrupted, or this is not a run folder)")
    try:
        manifest = read_json(manifest_path)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunError(f"{manifest_path} is damaged: {exc}") from None
    if manifest.get("status") != "complete" or "files" not in manifest:
        raise RunError(f"{manifest_path} does not describe a complete run")
    problems = []
    for rel, digest in manifest["files"].items():
        file = path / rel
        if not file.exists():
            problems.append(f"{rel} is missing")
        elif _sha256(file) != digest:
            problems.append(f"{rel} was changed or damaged after the run")
    if problems:
        raise RunError(f"run {path} is damaged: " + "; ".join(problems[:6])
                       + (f" (and {len(problems) - 6} more)" if len(problems) > 6 else ""))
    return manifest


def load_run(path: str | os.PathLike[str]) -> Run:
    """Open a run folder after checking that it is complete and undamaged.

    A ``riskkit fit`` run carries its own features (its ``registry.json``) as
    ``run.registry``, so its models, reason codes and recourse work in a fresh process;
    nothing global changes, so runs loaded in one process never see each other's features.

    Parameters
    ----------
    path:
        The run folder.

    Returns
    -------
    Run
    """
    folder = Path(path)
    run = Run(folder, verify(folder))
    _ = run.registry  # a damaged registry.json is found now, not at the first explanation
    return run


#: A bring-your-own-data run's feature entries (written by ``riskkit fit``).
REGISTRY_FILE = "registry.json"


def read_run_registry(folder: str | os.PathLike[str]) -> Registry:
    """The registry of a run folder: ``registry.json``'s entries, or the synthetic one.

    Parameters
    ----------
    folder:
        A run folder.

    Returns
    -------
    Registry

    Raises
    ------
    RunError
        When ``registry.json`` exists but cannot be read.
    """
    path = Path(folder) / REGISTRY_FILE
    if not path.is_file():
        return SYNTHETIC
    try:
        record = read_json(path)
        return Registry.from_records(record["features"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RunError(f"{path} is damaged: {exc}") from None


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """Numbers, flags (booleans) and not-measured figures (None) of a metrics tree."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif value is None or isinstance(value, (int, float)):
        out[prefix] = value


def run_labels(path_a: Path, path_b: Path, name_a: str, name_b: str) -> tuple[str, str]:
    """Column labels for two runs: their names, or, when the names are equal, the shortest
    end of their paths that tells them apart (``runs/baseline-...`` vs ``old/baseline-...``)."""
    if name_a != name_b:
        return name_a, name_b
    a, b = path_a.resolve(), path_b.resolve()
    if a == b:
        raise ConfigError(f"{path_a} and {path_b} are the same run folder: a run compared "
                          "with itself differs in nothing by construction")
    for k in range(2, max(len(a.parts), len(b.parts)) + 1):
        la, lb = "/".join(a.parts[-k:]), "/".join(b.parts[-k:])
        if la != lb:
            return la, lb
    return str(a), str(b)


def _status(x: Any, y: Any) -> str:
    if x is None and y is None:
        return "not measured"
    if x is None or y is None:
        return "not measured in " + ("A" if x is None else "B")
    if isinstance(x, float) and isinstance(y, float) and x != x and y != y:
        return "not measured"
    return "same" if x == y else "differs"


def compare(run_a: str | os.PathLike[str], run_b: str | os.PathLike[str]) -> pd.DataFrame:
    """Every metric of two runs side by side, with B - A and what the comparison found.

    ``status`` is ``same``, ``differs``, ``not measured`` (neither run could measure it:
    too few rows, one class), or ``not measured in A`` / ``in B``; a figure neither run
    measured is never reported as "no difference". Flags (true/false) compare as values.
    Runs of the same name are labelled by the end of their paths.

    The table's ``attrs["worlds"]`` names each run's world, ``attrs["same_world"]`` says
    whether they are the same and ``attrs["header"]`` says both in lines to print first:
    two runs of different worlds differ partly because their truths do, which a reader
    must know before reading a difference as a model's.

    Parameters
    ----------
    run_a, run_b : path
        Two run folders.

    Returns
    -------
    pandas.DataFrame
        One row per metric: ``metric``, one column per run (labelled by name), ``diff``
        (B - A) and ``status``; ``attrs`` as above.
    """
    a, b = load_run(run_a), load_run(run_b)
    label_a, label_b = run_labels(Path(run_a), Path(run_b), a.name, b.name)
    flat_a: dict[str, Any] = {}
    flat_b: dict[str, Any] = {}
    _flatten("", a.metrics, flat_a)
    _flatten("", b.metrics, flat_b)
    keys = list(dict.fromkeys([*flat_a, *flat_b]))
    table = pd.DataFrame({"metric": keys, label_a: [flat_a.get(k) for k in keys],
                          label_b: [flat_b.get(k) for k in keys]})
    numeric = [not isinstance(flat_a.get(k), bool) and not isinstance(flat_b.get(k), bool)
               for k in keys]
    table["diff"] = (pd.to_numeric(table[label_b].where(numeric), errors="coerce")
                     - pd.to_numeric(table[label_a].where(numeric), errors="coerce"))
    table["status"] = [_status(flat_a.get(k), flat_b.get(k)) for k in keys]
    table.attrs["worlds"] = {label_a: a.world_label, label_b: b.world_label}
    table.attrs["same_world"] = _world_or_none(a) == _world_or_none(b)
    table.attrs["header"] = [f"{label}: {run.world_label}"
                             for label, run in ((label_a, a), (label_b, b))] + (
        [] if table.attrs["same_world"] else
        ["these runs come from different worlds: part of every difference below is the "
         "truth's, not the models'"])
    return table


def _world_or_none(run: Run) -> World | None:
    try:
        return run.world
    except RunError:
        return None
