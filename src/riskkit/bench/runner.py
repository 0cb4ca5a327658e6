"""``riskkit bench``: performance as ratios against a reference measured side by side.

A time alone says little (it depends on the machine and on what else runs on it), so
every section times riskkit *and* a reference in the same process, on the same data, one
after the other, and reports the ratio:

* ``shap`` -- FastTreeShap vs ``shap.TreeExplainer`` and LightGBM's ``pred_contrib`` on a
  model with the project's default parameters, and the largest difference between their
  values; a table by depth / leaves with the test AUC each reaches says what more depth
  would buy in AUC and cost in explaining time;
* ``generator`` -- ``riskkit.generate`` and the Parquet writer against the *floor*: the
  generator's own random draws (recorded for a block, method and arguments) replayed with
  bare NumPy; and the peak memory of writing N rows, in a child process;
* ``lifecycle`` -- borrower-months per second of the lifecycle simulation, as a multiple
  of the generator's rows per second;
* ``monitor`` -- every table of ``riskkit monitor`` on a simulated book (100,000 borrowers x
  36 months in full), as a share of the simulation's time and in borrower-months per second;
* ``run`` -- the stages of ``riskkit run`` at a small size, as shares of the total;
* ``interventional`` -- interventional FastTreeShap vs shap and woodelf-explainer
  (:func:`riskkit.treeshap.interventional_benchmark`);
* ``reject_inference`` -- not a timing: riskkit's reject-inference methods beside the
  rejectkit package's on ``configs/reject_inference.yaml``, graded by the truth
  (:mod:`riskkit.bench.rejectinf`; needs the ``bench`` extra).
* ``validate_power`` -- ``riskkit validate-power`` at ``power_reps`` repetitions x
  ``power_sizes`` x six defects (one size each) on two processes, against its 15-minute
  budget (issue 28: 200 x 4 x 6 on 2 cores).

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
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from riskkit import __version__
from riskkit.bench.generator import generator_section
from riskkit.bench.rejectinf import reject_inference_lines, reject_inference_section
from riskkit.bench.sizes import FULL, POWER_BUDGET_S, QUICK, SEED, WORLD, BenchSizes
from riskkit.bench.sizes import best as _best
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import read_json, write_json
from riskkit.experiment import run_experiment
from riskkit.experiment.config import resolve
from riskkit.experiment.power_study import pool_spec
from riskkit.lifecycle.benchmark import benchmark_lifecycle
from riskkit.lifecycle.monitor.benchmark import benchmark_monitor
from riskkit.models import LGBMModel
from riskkit.scale.train import encode_partition
from riskkit.treeshap import FastTreeShap, interventional_benchmark, interventional_lines
from riskkit.validate import Cell, run_power

SECTIONS = ("shap", "generator", "lifecycle", "monitor", "run", "interventional",
            "validate_power", "reject_inference")
#: The six defects the validate-power section studies, one size each.
POWER_CELLS = (("none", 0.0), ("pd_scale", 0.85), ("grade_scale", 0.7), ("lost_driver", 0.5),
               ("drift", 0.25), ("correlation", 0.02))
# ----------------------------------------------------------------------------- shap
def _split(rows: int) -> tuple[Any, Any, Any]:

    pop = WORLD.generate(rows, SEED)
    a, b = int(rows * 0.6), int(rows * 0.8)
    return pop.iloc[:a], pop.iloc[a:b], pop.iloc[b:].reset_index(drop=True)


def _fit(train: Any, valid: Any, params: dict[str, Any] | None = None) -> Any:
    """An LGBMModel with the project's default parameters (under ``params``).

    Trained on one thread: training is not what is measured, and LightGBM's OpenMP threads
    slow down several-fold when other processes compete for the cores, which on a shared
    machine would make the bench's duration unpredictable for nothing.
    """

    return LGBMModel(params=params, contrib_engine="fast", num_threads=1).fit(
        train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])


def _matrix(model: Any, frame: Any) -> np.ndarray:
    """The float matrix the model's booster reads (categoricals as codes of its levels)."""

    return np.ascontiguousarray(encode_partition(frame, model.features_, model.levels_)
                                .to_numpy(dtype=float))


def _side_by_side(booster: Any, X: np.ndarray, rows: int, shap_rows: int, repeats: int,
                  with_lightgbm: bool) -> dict[str, Any]:
    """FastTreeShap on ``rows`` rows, shap (and LightGBM) on the first ``shap_rows``.

    Every explainer is built and called once on a few rows before it is timed, so numba's
    compilation (or cache load) and shap's model parsing are not in the rates; our
    construction (parsing the trees, building the tables) is reported as ``setup_s``.
    """
    import shap


    data, head = X[:rows], X[:shap_rows]
    start = time.perf_counter()
    ours = FastTreeShap(booster)
    setup_s = time.perf_counter() - start
    ours.contributions(head[:64])
    # ours takes a fraction of a second: best of 3 at least, so one preempted call on a
    # busy machine does not decide the figure
    ours_s, phi, _ = _best(ours.contributions, data, max(repeats, 3))
    explainer = shap.TreeExplainer(booster)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's notice about its binary output format
        explainer.shap_values(head[:10])
        shap_s, ref, _ = _best(explainer.shap_values, head, repeats)
    ref = np.asarray(ref)
    n = len(head)
    base = float(np.ravel(explainer.expected_value)[0])
    out = {
        "rows": len(data), "shap_rows": n, "setup_s": setup_s,
        "ours_rows_per_s": len(data) / ours_s, "shap_rows_per_s": n / shap_s,
        "speedup": shap_s / n / (ours_s / len(data)),
        "max_abs_diff": max(float(np.max(np.abs(phi[:n, :-1] - ref))),
                            float(np.max(np.abs(phi[:n, -1] - base)))),
        "n_trees": ours.stats["n_trees"], "deepest_leaf": ours.stats["max_depth"],
    }
    if with_lightgbm:
        booster.predict(head[:10], pred_contrib=True)
        lgb_s, lgb_phi, _ = _best(lambda d: booster.predict(d, pred_contrib=True), head, repeats)
        out["lightgbm_rows_per_s"] = n / lgb_s
        out["speedup_vs_lightgbm"] = out["ours_rows_per_s"] / out["lightgbm_rows_per_s"]
        out["max_abs_diff_lightgbm"] = float(np.max(np.abs(phi[:n] - lgb_phi)))
    return out


def shap_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """FastTreeShap vs shap and LightGBM on the default model, and the depth table."""
    from sklearn.metrics import roc_auc_score

    train, valid, test = _split(sizes.train_rows)
    model = _fit(train, valid)
    X = _matrix(model, test)
    result = _side_by_side(model.booster_, X, min(sizes.explain_rows, len(X)),
                           min(sizes.shap_rows, len(X)), sizes.repeats, with_lightgbm=True)
    model.contributions(test.iloc[:64])  # builds the model's FastTreeShap once
    end_to_end_s, _, _ = _best(model.contributions, test.iloc[:result["rows"]],
                               max(sizes.repeats, 3))
    auc = float(roc_auc_score(test[F.TARGET], model.predict_pd(test)))
    result.update({
        "train_rows": len(train), "test_auc": auc,
        "num_leaves": model.params_["num_leaves"], "max_depth": model.params_["max_depth"],
        "end_to_end_rows_per_s": result["rows"] / end_to_end_s,
        "seconds_per_million": {"ours": 1e6 / result["ours_rows_per_s"],
                                "shap": 1e6 / result["shap_rows_per_s"],
                                "lightgbm": 1e6 / result["lightgbm_rows_per_s"]},
    })
    default = (int(model.params_["num_leaves"]), int(model.params_["max_depth"]))
    table = []
    for leaves, depth in tqdm(sizes.settings, desc="depth table", disable=quiet, leave=False):
        m = model if (leaves, depth) == default else _fit(
            train, valid, {"num_leaves": leaves, "max_depth": depth})
        row = _side_by_side(m.booster_, X, min(sizes.scaling_rows, len(X)),
                            min(sizes.scaling_shap_rows, len(X)), sizes.repeats, False)
        m_auc = auc if m is model else float(roc_auc_score(test[F.TARGET], m.predict_pd(test)))
        table.append({"num_leaves": leaves, "max_depth": depth, "default": m is model,
                      "test_auc": m_auc, "auc_minus_default": m_auc - auc,
                      **{k: row[k] for k in ("n_trees", "deepest_leaf", "ours_rows_per_s",
                                             "shap_rows_per_s", "speedup", "max_abs_diff")}})
    result["scaling"] = table
    return result


def interventional_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """Interventional FastTreeShap vs shap and woodelf-explainer, on the default model."""
    train, valid, test = _split(sizes.train_rows)
    model = _fit(train, valid)
    return interventional_benchmark(
        model.booster_, _matrix(model, test), X_train=_matrix(model, train),
        y_train=train[F.TARGET].to_numpy(), params=model.params_, backgrounds=sizes.backgrounds,
        rows=sizes.explain_rows, shap_rows=sizes.interventional_shap_rows, repeats=sizes.repeats)


# ----------------------------------------------------------------------------- lifecycle / run
def lifecycle_section(sizes: BenchSizes, quiet: bool = True,
                      generator_rows_per_s: float | None = None) -> dict[str, Any]:
    """The lifecycle simulation's own benchmark: borrower-months per second."""
    result = dict(benchmark_lifecycle(WORLD, sizes.lifecycle_borrowers, sizes.lifecycle_months))
    rate = result.get("borrower_months_per_s")
    if rate and generator_rows_per_s:
        result["vs_generator"] = float(rate) / generator_rows_per_s
    return result


def monitor_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """Every monitoring table of a simulated book, against the simulation that made it."""
    return benchmark_monitor(WORLD, sizes.monitor_borrowers, sizes.monitor_months)


def run_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """Time per stage of a default ``riskkit run`` at ``run_rows`` rows, and its share."""

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


def validate_power_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """Seconds of a power study of six defects, as a share of the issue's 15-minute budget."""
    cfg = resolve({"name": "bench", "seed": SEED % 1000,
                   "validate": {"power": {"pool_rows": sizes.power_pool}}})
    cells = [Cell(kind, size) for kind, size in POWER_CELLS]
    start = time.perf_counter()
    study = run_power(pool_spec(cfg), cells, sizes.power_sizes, sizes.power_reps, cfg["seed"],
                      alpha=cfg["validate"]["alpha"], thresholds=cfg["validate"]["thresholds"],
                      workers=2, quiet=quiet)
    seconds = time.perf_counter() - start
    samples = sizes.power_reps * len(sizes.power_sizes) * len(cells)
    # on 2 free cores: half the CPU seconds, or the longest task if it alone takes longer
    two_cores = max(study.meta["cpu_seconds"] / 2, study.meta["longest_task_cpu_seconds"])
    return {"seconds": seconds, "budget_s": POWER_BUDGET_S, "share_of_budget": seconds / POWER_BUDGET_S,
            "cpu_seconds": study.meta["cpu_seconds"], "two_core_seconds": two_cores,
            "two_core_share_of_budget": two_cores / POWER_BUDGET_S,
            "reps": sizes.power_reps, "sizes": list(sizes.power_sizes), "defects": len(cells),
            "pool_rows": sizes.power_pool, "samples": samples,
            "applicants_per_s": sizes.power_reps * sum(sizes.power_sizes) * len(cells) / seconds,
            "false_alarm_jeffreys_portfolio": float(study.rates.query(
                "kind == 'none' and test == 'jeffreys_portfolio'")["rate"].mean())}


# ----------------------------------------------------------------------------- report
def _n(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:,.3g}"


def _times(ratio: float) -> str:
    return f"{ratio:,.1f}x faster" if ratio >= 1 else f"{1 / ratio:,.1f}x slower"


def _shap_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    per_m = r["seconds_per_million"]
    rows = [
        ("rows/s, FastTreeShap vs shap.TreeExplainer", _n(r["ours_rows_per_s"]),
         _n(r["shap_rows_per_s"]), _times(r["speedup"])),
        ("rows/s, FastTreeShap vs LightGBM pred_contrib", _n(r["ours_rows_per_s"]),
         _n(r["lightgbm_rows_per_s"]), _times(r["speedup_vs_lightgbm"])),
        ("max |ours - shap|, |ours - LightGBM|", f"{r['max_abs_diff']:.1e}",
         f"{r['max_abs_diff_lightgbm']:.1e}", "same values"),
        ("seconds to explain 1M applicants (ours, shap)", f"{per_m['ours']:,.1f}",
         f"{per_m['shap']:,.0f}", _times(r["speedup"])),
        ("end to end model.contributions rows/s", _n(r["end_to_end_rows_per_s"]),
         _n(r["ours_rows_per_s"]), f"{r['end_to_end_rows_per_s'] / r['ours_rows_per_s']:.2f}"
         " of the kernel"),
    ]
    for row in r["scaling"]:
        tag = " (default)" if row["default"] else ""
        rows.append((f"leaves {row['num_leaves']}, depth {row['max_depth']}{tag}: AUC "
                     f"{row['test_auc']:.4f} ({row['auc_minus_default']:+.4f})",
                     _n(row["ours_rows_per_s"]), _n(row["shap_rows_per_s"]),
                     _times(row["speedup"])))
    return rows


def _generator_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (f"generate {r['rows']:,} rows, rows/s vs floor ({r['draws_per_row']:.1f} draws/row)",
         _n(r["generate_rows_per_s"]), _n(r["floor_rows_per_s"]),
         f"{r['ratio']:.2f}x the floor"),
        ("... and write Parquet, rows/s vs floor", _n(r["parquet_rows_per_s"]),
         _n(r["floor_rows_per_s"]),
         f"{r['parquet_ratio']:.2f}x (target <= {r['targets']['parquet_ratio_max']:g}x)"),
        ("the same two ratios in CPU seconds (immune to other load)",
         f"{r['cpu_ratio']:.2f}x", f"{r['parquet_cpu_ratio']:.2f}x", ""),
        ("peak memory writing Parquet, MB (process baseline)", _n(r["peak_mb"]),
         _n(r["baseline_mb"]), f"{r['peak_mb'] / r['targets']['peak_mb_max']:.2f} of 2 GiB"),
    ]


def _lifecycle_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rate, ratio = float(r.get("borrower_months_per_s", "nan")), r.get("vs_generator")
    memory = next((k for k in ("added_rss_mb", "peak_traced_mb", "peak_rss_mb") if k in r), "")
    return [(f"{r.get('borrowers', 0):,} x {r.get('months', 0)} borrower-months/s vs "
             "generator rows/s", _n(rate), "" if ratio is None else _n(rate / ratio),
             "" if ratio is None else f"{ratio:.3f}"),
            (f"peak memory, MB ({memory})", _n(float(r.get(memory, "nan"))), "", "")]


def _monitor_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    size = f"{r['borrowers']:,} x {r['months']}"
    return [(f"monitor tables {size}: seconds vs the simulation's", f"{r['tables_s']:.2f}",
             f"{r['simulate_s']:.2f}", f"{r['tables_vs_simulate']:.2f} of it"),
            ("... reading the book vs reading its columns alone, s", f"{r['read_s']:.2f}",
             f"{r['read_columns_s']:.2f}", f"{r['read_vs_floor']:.2f}x the floor"),
            ("... borrower-months per second of the tables", _n(r["borrower_months_per_s"]),
             "", "")]


def _run_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    shares = ", ".join(f"{k} {v['share']:.0%}" for k, v in r["stages"].items())
    return [(f"run at {r['rows']:,} rows: share of {r['total_s']:.1f} s per stage", shares,
             "", "")]


def _power_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(f"validate-power {r['reps']} reps x {len(r['sizes'])} sizes x {r['defects']} "
             "defects, s vs budget", f"{r['seconds']:,.0f}", f"{r['budget_s']:,.0f}",
             f"{r['share_of_budget']:.2f} of the budget"),
            ("... in CPU seconds / 2 (two free cores; immune to other load)",
             f"{r['two_core_seconds']:,.0f}", f"{r['budget_s']:,.0f}",
             f"{r['two_core_share_of_budget']:.2f} of the budget"),
            ("... applicants scored and tested per second", _n(r["applicants_per_s"]), "", "")]


def format_report(results: dict[str, Any]) -> str:
    """A plain-text table: section, figure, riskkit, reference, ratio."""
    meta = results["meta"]
    head = (f"riskkit bench ({meta.get('mode', '?')}) - {meta['cpus']} CPUs, load "
            f"{meta['load_avg_start'][0]:.1f} -> {meta.get('load_avg_end', [float('nan')])[0]:.1f}")
    lines = [head, f"{'section':<10} {'figure':<62} {'riskkit':>12} {'reference':>12}  ratio"]
    formatters = {"shap": _shap_lines, "generator": _generator_lines,
                  "lifecycle": _lifecycle_lines, "monitor": _monitor_lines, "run": _run_lines,
                  "interventional": interventional_lines, "validate_power": _power_lines,
                  "reject_inference": reject_inference_lines}
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
    """All figures as one dict (what ``--json`` writes)."""
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

    Returns 0 when every section ran or was unavailable, 1 when one failed.
    """
    chosen = sizes or (QUICK if quick else FULL)
    results = run_bench(chosen, sections, quiet)
    results["meta"]["mode"] = "custom" if sizes else ("quick" if quick else "full")
    print(format_report(results))
    if json_path is not None:
        write_json(json_path, results)
    failed = [k for k, v in results.items() if isinstance(v, dict) and v.get("status") == "failed"]
    return 1 if failed else 0
