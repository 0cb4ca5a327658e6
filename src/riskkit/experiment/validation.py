"""``riskkit validate RUN [--against RUN_DEV]``: the battery on a run, kept in the run.

The battery (:mod:`riskkit.validate`) runs on the deployed model's PDs of the run's test
split and out-of-time cohort, and compares the development sample with the current one:
the run's own test split, or with ``--against`` the development run's test split (its own
model and master scale), which also gives a migration matrix (the current applicants graded
by the development model and by this one).

**Where the results live, and why the run stays undamaged.** ``validation.json`` is written
next to the run's files after the run finished. ``manifest.json`` is not touched: its
SHA-256 list still covers exactly what ``riskkit run`` wrote, so :func:`load_run` keeps
verifying the run as before (an extra file is not a damaged file; the report already lives
there the same way). ``validation.json`` carries its own integrity block instead: the
SHA-256 of the run's manifest (and of the development run's) it was computed from, and the
SHA-256 of its own content. :func:`read_validation` checks both, so results edited by hand,
or copied from another run, are refused, never shown.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, RunError
from riskkit.core.io import read_json, write_json
from riskkit.experiment.grading import MASTER_SCALE_FILE, master_scale
from riskkit.experiment.runfolder import MANIFEST, Run, load_run
from riskkit.validate import (
    MasterScale,
    Result,
    Sample,
    check_section,
    comparison_tests,
    results_table,
    sample_tests,
    section,
)

__all__ = ["NO_DEVELOPMENT", "VALIDATION_FILE", "format_table", "read_validation", "validate_run"]

VALIDATION_FILE = "validation.json"
FORMAT = 1
#: Why the migration test did not run on a run validated without ``--against``.
NO_DEVELOPMENT = "no development model to grade the same applicants with (--against RUN_DEV)"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _body_sha(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "integrity"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _settings(run: Run) -> dict[str, Any]:
    settings = section(run.config.get("validate"))
    problems = check_section(settings)
    if problems:
        raise ConfigError(f"{run.path / 'config.yaml'}: " + "; ".join(problems))
    return settings


def _scale(run: Run, decisions: pd.DataFrame) -> MasterScale:
    file = run.path / "models" / MASTER_SCALE_FILE
    if file.is_file():
        return MasterScale.from_dict(read_json(file))
    return master_scale(run.config, decisions)  # a run made before master scales


def _sample(run: Run, decisions: pd.DataFrame, split: str, model: str,
            with_frame: bool) -> Sample:
    part = decisions[decisions["split"].astype(str) == split]
    if F.TARGET not in part.columns or part.empty:
        raise RunError(f"run {run.path} has no outcomes for split {split!r}")
    frame = None
    if with_frame:
        frame = run.data(split).set_index(F.ID_COLUMN).reindex(part[F.ID_COLUMN]).reset_index()
    return Sample(split, part[F.TARGET].to_numpy(dtype=int),
                  part[f"pd_{model}"].to_numpy(dtype=float), frame)


def _migration(dev: Run, dev_scale: MasterScale, current: Sample,
               scale: MasterScale) -> tuple[np.ndarray, np.ndarray] | str:
    """The current applicants graded by the development run's model and scale, and by
    this run's; or the reason why not."""
    if dev_scale.n_grades != scale.n_grades:
        return (f"the development scale has {dev_scale.n_grades} grades and this one "
                f"{scale.n_grades}")
    model = dev.model(dev.deployed_model_name)
    missing = [f for f in model.features_ if current.frame is None or f not in current.frame]
    if missing:
        return f"the development model needs features this run lacks: {', '.join(missing[:5])}"
    return dev_scale.grade(model.predict_pd(current.frame)), scale.grade(current.pd)


def validate_run(run_dir: str | os.PathLike[str], against: str | os.PathLike[str] | None = None,
                 *, write: bool = True) -> dict[str, Any]:
    """Run the battery on a run and (``write``) keep it as ``RUN/validation.json``.

    Parameters
    ----------
    run_dir : path
        A complete run folder.
    against : path, optional
        The development run: its test split is the development sample, and its model grades
        the current applicants for the migration matrix.
    write : bool
        Write ``validation.json`` (atomically) into the run.

    Returns
    -------
    dict
        The record written: runs, model, master scale, settings, ``samples`` (one-sample
        tests by split), ``comparison`` (development vs current) and ``integrity``.
    """
    run = load_run(run_dir)
    dev = load_run(against) if against is not None else None
    settings = _settings(run)
    model = run.deployed_model_name
    decisions = run.decisions()
    scale = _scale(run, decisions)
    splits = set(decisions["split"].astype(str))
    current_split = "oot" if "oot" in splits else "test"
    features = list(run.model(model).features_)
    seed = int(run.config.get("seed", 0))
    samples = {s: _sample(run, decisions, s, model, s == current_split)
               for s in ("test", "oot") if s in splits}
    if dev is not None:
        dev_model = dev.deployed_model_name
        dev_decisions = dev.decisions()
        development = _sample(dev, dev_decisions, "test", dev_model, True)
        dev_scale = _scale(dev, dev_decisions)
        migration = _migration(dev, dev_scale, samples[current_split], scale)
    else:
        dev_split = "test" if current_split == "oot" else "train"
        development = _sample(run, decisions, dev_split, model, True)
        dev_scale = scale
        migration = NO_DEVELOPMENT
    comparison = comparison_tests(development, samples[current_split], scale, settings,
                                  features, None if isinstance(migration, str) else migration,
                                  dev_scale)
    if isinstance(migration, str):
        comparison["migration"] = Result("migration", None, None, None, "n/a",
                                         comparison["migration"].source, {"reason": migration})
    record: dict[str, Any] = {
        "format": FORMAT,
        "run": {"name": run.name, "manifest_sha256": _sha(run.path / MANIFEST)},
        "against": None if dev is None else {"name": dev.name, "path": str(dev.path),
                                             "manifest_sha256": _sha(dev.path / MANIFEST)},
        "model": model,
        "development": {"run": run.name if dev is None else dev.name,
                        "split": development.name, "n": int(development.y.size)},
        "current": {"split": current_split, "n": int(samples[current_split].y.size)},
        "master_scale": scale.to_dict(),
        "settings": {k: settings[k] for k in ("alpha", "bootstrap_reps", "thresholds")},
        "samples": {s: {k: r.to_dict() for k, r in sample_tests(x, scale, settings, seed).items()}
                    for s, x in samples.items()},
        "comparison": {k: r.to_dict() for k, r in comparison.items()},
    }
    record["integrity"] = {"sha256": _body_sha(record)}
    if write:
        write_json(run.path / VALIDATION_FILE, record)
    return record


def read_validation(run_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """A run's ``validation.json`` after checking it, or None when the run has none.

    Raises
    ------
    RunError
        When the file is damaged, was edited after ``riskkit validate`` wrote it, or belongs
        to another run (or to this run before its files changed).
    """
    folder = Path(run_dir)
    path = folder / VALIDATION_FILE
    if not path.is_file():
        return None
    try:
        record = read_json(path)
        stored = record["integrity"]["sha256"]
        run_sha = record["run"]["manifest_sha256"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise RunError(f"{path} is damaged: {exc}") from None
    if stored != _body_sha(record):
        raise RunError(f"{path} was changed after riskkit validate wrote it; run "
                       f"`riskkit validate {folder}` again")
    manifest = folder / MANIFEST
    if not manifest.is_file() or _sha(manifest) != run_sha:
        raise RunError(f"{path} was computed for another run (or this run's manifest changed "
                       f"since); run `riskkit validate {folder}` again")
    return record


def _cell(value: Any, digits: int = 4) -> str:
    if value is None or pd.isna(value):
        return "-"
    if 0 < abs(value) < 10 ** -digits:
        return f"{value:.1e}"
    return f"{value:.{digits}f}"


#: Tests whose statistic is the number of grades rejected (shown as "2/10").
PER_GRADE = ("binomial", "jeffreys", "normal")


def format_table(record: dict[str, Any]) -> str:
    """The record as the plain-text table ``riskkit validate`` prints, then the AUC's two
    intervals side by side (DeLong's and the bootstrap's)."""
    everything = {**record["samples"], "dev->now": record["comparison"]}
    table = results_table(everything)
    lines = [f"{'split':<9} {'test':<19} {'statistic':>10} {'p-value':>9}  "
             f"{'95% interval':<19} light"]
    for row in table.itertuples(index=False):
        ci = "" if pd.isna(row.ci_low) else f"[{_cell(row.ci_low)}, {_cell(row.ci_high)}]"
        stat = _cell(row.statistic)
        if row.test in PER_GRADE and not pd.isna(row.statistic):
            tested = everything[row.sample][row.test]["details"]["tested"]
            stat = f"{int(row.statistic)}/{tested} gr."
        lines.append(f"{row.sample:<9} {row.test:<19} {stat:>10} {_cell(row.p_value):>9}  "
                     f"{ci:<19} {row.light}")
    for split, tests in record["samples"].items():
        auc = tests["auc"]
        boot = auc["details"].get("bootstrap_ci")
        if boot and auc["ci"]:
            gap = max(abs(boot[0] - auc["ci"][0]), abs(boot[1] - auc["ci"][1]))
            lines.append(f"AUC {split}: DeLong [{auc['ci'][0]:.4f}, {auc['ci'][1]:.4f}], "
                         f"bootstrap [{boot[0]:.4f}, {boot[1]:.4f}] "
                         f"({auc['details']['bootstrap_reps']} replicates): ends differ by "
                         f"{gap:.4f} at most")
    return "\n".join(lines)
