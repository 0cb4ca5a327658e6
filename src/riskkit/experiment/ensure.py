"""The run a notebook works on: an existing run of the same experiment, or a new one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import yaml

from riskkit.core.errors import RunError
from riskkit.core.machinery import exclusive
from riskkit.experiment import config as C
from riskkit.experiment.runfolder import load_run
from riskkit.experiment.runner import run_experiment


def ensure_run(run_dir: str | os.PathLike[str] | None = None, rows: int = 20_000, seed: int = 7,
               runs_dir: str | os.PathLike[str] = "runs", quiet: bool = True,
               config: dict[str, Any] | None = None) -> Any:
    """The run a notebook works on: ``run_dir`` if given, else the newest complete run in
    ``runs_dir`` whose resolved config (all but its ``name``) is the one asked for, else a
    new run of that config. Processes that ask for the same new run at once (notebooks run
    side by side) make it once: the others wait for it under a lock file in ``runs_dir``.

    Notebooks call this so that they open instantly on an existing run and still work on a
    fresh machine with nothing run yet. Rows and seed alone are not enough to reuse a run:
    one with other models, another policy or a downturn cohort would answer another
    question under the same numbers.

    Parameters
    ----------
    run_dir
        A run folder to use as it is.
    rows, seed
        ``data.rows`` and ``seed`` of the run asked for.
    runs_dir
        Where runs are looked for and written.
    quiet
        No progress bars or info logs for a new run.
    config
        The experiment asked for (as in a YAML file); default: the built-in baseline.

    Returns
    -------
    riskkit.experiment.runfolder.Run
        The loaded run.
    """
    if run_dir is not None:
        return load_run(run_dir)
    cfg = C.resolve(config or {}, rows=rows, seed=seed)
    wanted = same_experiment_key(cfg)
    runs = Path(runs_dir)
    found = _newest_run_of(runs, wanted)
    if found is not None:
        return found
    runs.mkdir(parents=True, exist_ok=True)
    # kernels started together (riskkit notebooks) that ask for the same new run make it
    # once: the second waits here for the first, then finds its run
    key = hashlib.sha256(wanted.encode("utf-8")).hexdigest()[:16]
    with exclusive(runs / f".ensure-{key}.lock"):
        found = _newest_run_of(runs, wanted)
        if found is not None:
            return found
        return load_run(run_experiment(cfg, runs, quiet=quiet))


def _newest_run_of(runs: Path, wanted: str) -> Any:
    """The newest complete run in ``runs`` whose experiment key is ``wanted``, or None."""
    if not runs.is_dir():
        return None
    for candidate in sorted(runs.iterdir(), key=lambda p: p.name, reverse=True):
        if candidate.name.startswith(".") or not (candidate / "manifest.json").exists():
            continue
        try:
            run = load_run(candidate)
        except RunError:
            continue
        if same_experiment_key(run.config) == wanted and not run.manifest.get("data_stored"):
            return run
    return None


def same_experiment_key(cfg: dict[str, Any]) -> str:
    """A resolved config as comparable text, without its ``name`` (which only labels it).

    The YAML round trip a run folder's ``config.yaml`` went through is applied here too, so
    a tuple and a list, or 0.2 written and read back, compare equal.

    Parameters
    ----------
    cfg
        A resolved config.

    Returns
    -------
    str
        Sorted YAML of everything but ``name``.
    """
    plain = yaml.safe_load(C.dump({k: v for k, v in cfg.items() if k != "name"}))
    return yaml.safe_dump(plain, sort_keys=True, allow_unicode=True)
