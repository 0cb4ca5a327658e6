"""``riskkit bench``: performance as ratios against a reference measured side by side.

A time alone says little (it depends on the machine and on what else runs on it), so
every section times riskkit *and* a reference in the same process, on the same data, one
after the other, and reports the ratio:

* ``shap`` -- FastTreeShap vs ``shap.TreeExplainer`` and LightGBM's ``pred_contrib`` on a
  model with the project's default parameters, and the largest difference between their
  values; a table by depth / leaves with the test AUC each reaches says what more depth
  would buy in AUC and cost in explaining time (:mod:`riskkit.bench.treeshap`);
* ``generator`` -- ``riskkit.generate`` and the Parquet writer against the *floor*: the
  generator's own random draws (recorded for a block, method and arguments) replayed with
  bare NumPy; and the peak memory of writing N rows, in a child process
  (:mod:`riskkit.bench.generator`);
* ``lifecycle`` -- borrower-months per second of the lifecycle simulation, as a multiple
  of the generator's rows per second (:mod:`riskkit.bench.lifecycle`);
* ``monitor`` -- every table of ``riskkit monitor`` on a simulated book (100,000 borrowers x
  36 months in full), as a share of the simulation's time and in borrower-months per second
  (:mod:`riskkit.bench.monitor`);
* ``run`` -- the stages of ``riskkit run`` at a small size, as shares of the total;
* ``interventional`` -- interventional FastTreeShap vs shap and woodelf-explainer
  (:mod:`riskkit.bench.interventional`);
* ``reject_inference`` -- not a timing: riskkit's reject-inference methods beside the
  rejectkit package's on ``configs/reject_inference.yaml``, graded by the truth
  (:mod:`riskkit.bench.rejectinf`; needs the ``bench`` extra);
* ``validate_power`` -- ``riskkit validate-power`` at ``power_reps`` repetitions x
  ``power_sizes`` x six defects (one size each) on two processes, against its 15-minute
  budget (issue 28: 200 x 4 x 6 on 2 cores; :mod:`riskkit.bench.validate_power`);
* ``fairness`` -- the run's fairness tables (intervals included) against fairlearn's
  ``MetricFrame`` group tables on the same applicants (:mod:`riskkit.bench.fairness`).

The load average is recorded with the figures: a ratio measured while other processes
compete for the cores is noisier. The generator's ratios are also given in CPU seconds.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from riskkit import __version__
from riskkit.bench.fairness import fairness_lines, fairness_section
from riskkit.bench.generator import generator_lines, generator_section
from riskkit.bench.interventional import interventional_lines, interventional_section
from riskkit.bench.lifecycle import lifecycle_lines, lifecycle_section
from riskkit.bench.monitor import monitor_lines, monitor_section
from riskkit.bench.rejectinf import reject_inference_lines, reject_inference_section
from riskkit.bench.sizes import FULL, QUICK, SEED, BenchSizes
from riskkit.bench.treeshap import shap_lines, shap_section
from riskkit.bench.validate_power import validate_power_lines, validate_power_section
from riskkit.core.errors import ConfigError
from riskkit.core.io import read_json, write_json
from riskkit.experiment import run_experiment
from riskkit.experiment.config import resolve

SECTIONS = ("shap", "generator", "lifecycle", "monitor", "run", "interventional",
            "validate_power", "fairness", "reject_inference")


def run_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """The ``run`` section: time per stage of a default ``riskkit run``, and its share.

    Parameters
    ----------
    sizes:
        ``run_rows``.
    quiet:
        Unused (the run is always quiet here); every section takes it.

    Returns
    -------
    dict
        ``rows``, ``oot_rows``, ``total_s`` (the stages' sum), ``wall_s`` and ``stages``:
        seconds and share per stage.
    """
    cfg = resolve({"name": "bench"}, rows=sizes.run_rows, seed=SEED % 1000)
    with tempfile.TemporaryDirectory(prefix="riskkit-bench-") as tmp:
        start = time.perf_counter()
        path = run_experiment(cfg, tmp, quiet=True)
        wall = time.perf_counter() - start
        timings = read_json(Path(path) / "manifest.json")["timings_s"]
    total = sum(timings.values())
    return {"rows": sizes.run_rows, "oot_rows": cfg["data"]["oot"]["rows"], "total_s": total,
            "wall_s": wall, "stages": {name: {"seconds": s, "share": s / total}
                                       for name, s in timings.items()}}


# ----------------------------------------------------------------------------- report
def _run_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    shares = ", ".join(f"{k} {v['share']:.0%}" for k, v in r["stages"].items())
    return [(f"run at {r['rows']:,} rows: share of {r['total_s']:.1f} s per stage", shares,
             "", "")]


def format_report(results: dict[str, Any]) -> str:
    """A plain-text table: section, figure, riskkit, reference, ratio.

    Parameters
    ----------
    results:
        :func:`run_bench`'s figures.

    Returns
    -------
    str
    """
    meta = results["meta"]
    head = (f"riskkit bench ({meta.get('mode', '?')}) - {meta['cpus']} CPUs, load "
            f"{meta['load_avg_start'][0]:.1f} -> {meta.get('load_avg_end', [float('nan')])[0]:.1f}")
    lines = [head, f"{'section':<10} {'figure':<62} {'riskkit':>12} {'reference':>12}  ratio"]
    formatters = {"shap": shap_lines, "generator": generator_lines,
                  "lifecycle": lifecycle_lines, "monitor": monitor_lines, "run": _run_lines,
                  "interventional": interventional_lines, "validate_power": validate_power_lines,
                  "fairness": fairness_lines, "reject_inference": reject_inference_lines}
    for name in [s for s in SECTIONS if s in results]:
        r = results[name]
        if r["status"] != "ok":
            lines.append(f"{name:<10} {r['status']}: {r['reason']}")
            continue
        for figure, ours, ref, ratio in formatters[name](r):
            if name == "run":
                lines.append(f"{name:<10} {figure}: {ours}")
            else:
                lines.append(f"{name:<10} {figure:<62} {ours:>12} {ref:>12}  {ratio}")
    if max(meta["load_avg_start"][0], meta.get("load_avg_end", [0])[0]) > (meta["cpus"] or 1):
        lines.append("note: the load average exceeded the CPU count: other processes shared "
                     "the cores, so the ratios are noisier than usual")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- driver
def _guarded(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a section; a missing module makes it unavailable, any other error failed."""
    start = time.perf_counter()
    try:
        result = {"status": "ok", **fn()}
    except ImportError as exc:
        result = {"status": "unavailable", "reason": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:  # a broken section must not hide the others' figures
        result = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc(limit=-6)}
    result["section_s"] = time.perf_counter() - start
    return result


def run_bench(sizes: BenchSizes, sections: Sequence[str] = SECTIONS,
              quiet: bool = True) -> dict[str, Any]:
    """Run the sections and return all figures as one dict (what ``--json`` writes).

    Parameters
    ----------
    sizes:
        How much work each section does (``QUICK``, ``FULL`` or smaller).
    sections:
        Names from ``SECTIONS``, run in that order.
    quiet:
        No progress bars.

    Returns
    -------
    dict
        ``meta`` (versions, CPUs, load average at the start and end, sizes) and one entry
        per section: its figures with ``status`` "ok", or ``status`` "unavailable" (a
        module is not installed) or "failed" with the ``reason``; ``section_s`` each.

    Raises
    ------
    ConfigError
        An unknown section name.
    """
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ConfigError(f"unknown bench section(s) {sorted(unknown)}; expected {SECTIONS}")
    results: dict[str, Any] = {"meta": {
        "riskkit": __version__, "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "load_avg_start": list(os.getloadavg()), "sizes": asdict(sizes),
    }}
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "shap": lambda: shap_section(sizes, quiet),
        "generator": lambda: generator_section(sizes, quiet),
        "lifecycle": lambda: lifecycle_section(
            sizes, quiet, results.get("generator", {}).get("generate_rows_per_s")),
        "monitor": lambda: monitor_section(sizes, quiet),
        "run": lambda: run_section(sizes, quiet),
        "interventional": lambda: interventional_section(sizes, quiet),
        "validate_power": lambda: validate_power_section(sizes, quiet),
        "fairness": lambda: fairness_section(sizes, quiet),
        "reject_inference": lambda: reject_inference_section(sizes, quiet),
    }
    disabled = logging.root.manager.disable
    logging.disable(max(disabled, logging.INFO))  # the sections' own progress logs: the
    try:  # bench prints one table instead
        for name in tqdm([s for s in SECTIONS if s in sections], desc="bench", unit="section",
                         disable=quiet, leave=False):
            results[name] = _guarded(name, runners[name])
    finally:
        logging.disable(disabled)
    results["meta"]["load_avg_end"] = list(os.getloadavg())
    return results


def main(quick: bool = False, json_path: Path | None = None, quiet: bool = False,
         sizes: BenchSizes | None = None, sections: Sequence[str] = SECTIONS) -> int:
    """``riskkit bench``: print the figures, optionally write them as JSON.

    Parameters
    ----------
    quick:
        ``QUICK`` sizes rather than ``FULL`` (about a minute of CPU on 2 cores).
    json_path:
        Where to write every figure as JSON (atomically), or None.
    quiet:
        No progress bars.
    sizes:
        Sizes of one's own; they override ``quick``.
    sections:
        The sections to run.

    Returns
    -------
    int
        0 when every section ran or was unavailable, 1 when one failed.
    """
    chosen = sizes or (QUICK if quick else FULL)
    results = run_bench(chosen, sections, quiet)
    results["meta"]["mode"] = "custom" if sizes else ("quick" if quick else "full")
    print(format_report(results))
    if json_path is not None:
        write_json(json_path, results)
    failed = [k for k, v in results.items() if isinstance(v, dict) and v.get("status") == "failed"]
    return 1 if failed else 0
