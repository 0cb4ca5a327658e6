"""The run a notebook works on: an existing matching run, or a new one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from riskkit.core.errors import RunError
from riskkit.experiment import config as C
from riskkit.experiment.runfolder import load_run
from riskkit.experiment.runner import run_experiment
from riskkit.experiment.splits import run_world


def ensure_run(run_dir: str | os.PathLike[str] | None = None, rows: int = 20_000, seed: int = 7,
               runs_dir: str | os.PathLike[str] = "runs", quiet: bool = True) -> Any:
    """The run a notebook works on: ``run_dir`` if given, else the newest complete run in
    ``runs_dir`` made with the same rows and seed, else a new baseline run of that size.

    Notebooks call this so that they open instantly on an existing run and still work on a
    fresh machine with nothing run yet.
    """

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
                    and run_world(cfg).is_default_baseline
                    and not run.manifest.get("data_stored")):
                return run
    cfg = C.resolve({}, rows=rows, seed=seed)
    return load_run(run_experiment(cfg, runs, quiet=quiet))
