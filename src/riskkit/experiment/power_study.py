"""``riskkit validate-power CONFIG``: each validation test's false alarms and power, by the truth.

The config's world (``data.world``, ``data.truth``, ``data.bad_rate``, ``data.scenario``) is
the truth the defects are injected into; ``validate.power`` says which defects, how large,
at which sample sizes and how many repetitions (:mod:`riskkit.validate.power`). The result
is a folder built like a run, in a hidden staging folder renamed when complete::

    OUT/<name>-power-<stamp>/
      rates.csv    # kind, size, n, test, alarms, trials, rate, ci_low, ci_high
      cells.csv    # each defect and size: mean AUC, default rate and its spread
      power.json   # what was studied, the seconds it took, false alarms, detectable defects
      figures/     # false alarms, and power against each defect's size (PNG, SVG, PDF)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from riskkit import charts
from riskkit.core.errors import ConfigError, RunError
from riskkit.core.io import read_json, write_json, write_text
from riskkit.experiment import config as C
from riskkit.experiment.runner import final_run_path, staging_folder
from riskkit.experiment.splits import run_world
from riskkit.validate import CALIBRATION_TESTS, KINDS, PoolSpec, PowerStudy, cells_from, detectable
from riskkit.validate import run_power as run_study

__all__ = ["CHART_TESTS", "load_power_study", "pool_spec", "power_config", "run_power_study",
           "study_for_notebook", "summary_lines"]

#: The sample sizes a notebook studies, those no larger than its pool.
NOTEBOOK_SIZES = (1_000, 5_000, 20_000, 100_000)

#: The tests each power chart draws (one line each), by defect.
CHART_TESTS = {
    "pd_scale": ("binomial", "jeffreys", "normal", "jeffreys_portfolio", "hosmer_lemeshow",
                 "spiegelhalter"),
    "grade_scale": ("binomial", "jeffreys", "jeffreys_portfolio", "hosmer_lemeshow",
                    "spiegelhalter"),
    "lost_driver": ("auc_decline", "hosmer_lemeshow", "psi", "migration", "migration_rule"),
    "drift": ("psi", "psi_rule", "csi", "auc_decline", "jeffreys_portfolio", "hhi"),
    "correlation": ("binomial", "jeffreys", "jeffreys_portfolio", "hosmer_lemeshow",
                    "spiegelhalter"),
}


def power_config(path: str | os.PathLike[str], *, reps: int | None = None,
                 sizes: Sequence[int] | None = None,
                 workers: int | None = None) -> dict[str, Any]:
    """The resolved config with command-line overrides of ``validate.power``, all checked
    (one error naming every bad key) before any work."""
    user = C.read_yaml(path)
    if user is not None and not isinstance(user, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    power: dict[str, Any] = {}
    for key, value in (("reps", reps), ("sizes", list(sizes) if sizes else None),
                       ("workers", workers)):
        if value is not None:
            power[key] = value
    if power:
        validate = dict((user or {}).get("validate") or {})
        validate["power"] = {**dict(validate.get("power") or {}), **power}
        user = {**(user or {}), "validate": validate}
    return C.resolve(user, source=str(Path(path)))


def pool_spec(cfg: dict[str, Any]) -> PoolSpec:
    """The pool a config's power study draws from: the run's World at month 0.

    :func:`~riskkit.experiment.splits.run_world` gives the World a run of this config draws
    its applicants from (shape, dials, bad rate, label noise, the month-0 scenario); the
    pool is its development cohort, so the World's calendar (a later downturn, the
    out-of-time drift) is dropped: the drift defect sets its own (``validate.power.defects.
    drift``, the same unit as ``data.oot.drift``). Under label noise the development model
    is the World's recorded-label PD, outcomes are recorded labels and the miscalibration
    defects scale that PD (:mod:`riskkit.validate.pool`: which PD each part sees).
    """
    grades, power = cfg["validate"]["grades"], cfg["validate"]["power"]
    return PoolSpec(rows=power["pool_rows"], seed=cfg["seed"],
                    world=run_world(cfg).without_calendar(), grade_count=grades["count"],
                    boundaries=None if grades["boundaries"] is None
                    else tuple(grades["boundaries"]),
                    grade=power["grade"], driver=power["driver"])


def summary_lines(study: PowerStudy, n: int | None = None) -> list[str]:
    """False alarms of every calibration test, and the smallest understatement each
    detects with 80 % power at ``n`` (default: the size nearest 20,000)."""
    rates, alpha = study.rates, study.meta["alpha"]
    sizes = sorted(rates["n"].unique())
    n = n or min(sizes, key=lambda s: abs(s - 20_000))
    none = rates[rates["kind"] == "none"]
    lines = [f"false alarms at the {alpha:.0%} level (no defect, {study.meta['reps']} samples "
             "each; 95% Clopper-Pearson interval)",
             f"  {'test':<20}" + "".join(f"{f'n={s:,}':>22}" for s in sizes)]
    for test in CALIBRATION_TESTS:
        cells = []
        for s in sizes:
            row = none[(none["test"] == test) & (none["n"] == s)].iloc[0]
            cells.append(f"{row['rate']:6.1%} [{row['ci_low']:5.1%},{row['ci_high']:6.1%}]")
        lines.append(f"  {test:<20}" + "".join(f"{c:>22}" for c in cells))
    if (rates["kind"] == "pd_scale").any():
        found = detectable(rates, n)
        lines.append(f"smallest PD understatement detected with 80% power at n={n:,}")
        for row in found.itertuples(index=False):
            said = (f"{row.smallest:.1%}" if pd.notna(row.smallest) else
                    f"not within the studied {row.largest_studied:.0%}"
                    if pd.notna(row.largest_studied) else "no understatement studied")
            lines.append(f"  {row.test:<20} {said}")
    return lines


def run_power_study(cfg: dict[str, Any], out: str | os.PathLike[str], *,
                    executor: Executor | None = None,
                    quiet: bool = False) -> tuple[Path, PowerStudy]:
    """Run the study a resolved config describes and write its folder under ``out``.

    Parameters
    ----------
    cfg : dict
        A resolved config (:func:`power_config`).
    out : path
        Parent folder of the study's folder.
    executor : concurrent.futures.Executor, optional
        Where the tasks run (a Dask ``client.get_executor()``); default: a process pool of
        ``validate.power.workers``.
    quiet : bool

    Returns
    -------
    (Path, PowerStudy)
    """
    power = cfg["validate"]["power"]
    study = run_study(pool_spec(cfg), cells_from(power["defects"]), power["sizes"],
                      power["reps"], cfg["seed"], alpha=cfg["validate"]["alpha"],
                      thresholds=cfg["validate"]["thresholds"], workers=power["workers"],
                      executor=executor, quiet=quiet)
    runs = Path(out)
    name = f"{cfg['name']}-power"
    with staging_folder(runs, name) as tmp:
        write_text(tmp / "rates.csv", study.rates.to_csv(index=False))
        write_text(tmp / "cells.csv", study.cells.to_csv(index=False))
        sizes = sorted(study.rates["n"].unique())
        found = {int(n): detectable(study.rates, int(n)).to_dict(orient="records")
                 for n in sizes} if (study.rates["kind"] == "pd_scale").any() else {}
        write_json(tmp / "power.json", {"meta": study.meta, "config": cfg,
                                        "detectable_understatement": found})
        _figures(study, cfg, tmp / "figures")
        final = final_run_path(runs, name, datetime.now().strftime("%Y%m%d-%H%M%S"))
        os.replace(tmp, final)
    return final, study


def _figures(study: PowerStudy, cfg: dict[str, Any], folder: Path) -> None:
    lang, alpha = cfg["figures"]["lang"], study.meta["alpha"]
    rates = study.rates
    largest = int(max(rates["n"]))
    with charts.style_context(cfg["figures"]["variant"], lang):
        figs = {"false_alarms": charts.plot_false_alarms(rates, CALIBRATION_TESTS, alpha=alpha,
                                                         lang=lang)}
        for kind in KINDS[1:]:
            if not (rates["kind"] == kind).any():
                continue
            n = min(rates["n"].unique(), key=lambda s: abs(s - 20_000))
            for size in sorted({int(n), largest}):
                figs[f"power_{kind}_{size}"] = charts.plot_power(
                    rates, kind, size, CHART_TESTS[kind], alpha=alpha, lang=lang)
        charts.export_all(figs, folder, formats=cfg["figures"]["formats"], parallel=False)


def load_power_study(folder: str | os.PathLike[str]) -> PowerStudy:
    """A study :func:`run_power_study` wrote (``rates.csv``, ``cells.csv``, ``power.json``)."""
    path = Path(folder)
    missing = [f for f in ("rates.csv", "cells.csv", "power.json") if not (path / f).is_file()]
    if missing:
        raise RunError(f"{path} is not a validate-power folder: {', '.join(missing)} missing")
    rates = pd.read_csv(path / "rates.csv")
    return PowerStudy(rates, pd.read_csv(path / "cells.csv"),
                      read_json(path / "power.json")["meta"])


def study_for_notebook(rows: int, seed: int, reps: int, power_dir: str | None = None, *,
                       workers: int = 2, quiet: bool = True) -> PowerStudy:
    """Notebook 09's study: a ``riskkit validate-power`` folder when given, else the
    default defects on a pool of ``rows`` applicants at the sizes it can hold."""
    if power_dir is not None:
        return load_power_study(power_dir)
    sizes = [n for n in NOTEBOOK_SIZES if n <= rows] or [rows]
    cfg = C.resolve({"name": "notebook09", "seed": seed, "validate": {"power": {
        "pool_rows": rows, "sizes": sizes, "reps": reps, "workers": workers}}})
    power = cfg["validate"]["power"]
    return run_study(pool_spec(cfg), cells_from(power["defects"]), sizes, reps, seed,
                     alpha=cfg["validate"]["alpha"], thresholds=cfg["validate"]["thresholds"],
                     workers=workers, quiet=quiet)
