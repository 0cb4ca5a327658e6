"""Benchmark sizes and the timing helper every section shares."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from riskkit.synth import DEFAULT_BAD_RATE, World

SEED = 20_261_130
#: The world every benchmark draws its applicants from (stated, not defaulted).
WORLD = World("baseline", DEFAULT_BAD_RATE)


@dataclass(frozen=True)
class BenchSizes:
    """How much work each section does (``QUICK``, ``FULL``, or smaller ones for tests)."""

    train_rows: int  # population of the SHAP model: 60% train, 20% valid, 20% test
    explain_rows: int  # rows FastTreeShap explains (at most the test split)
    shap_rows: int  # rows shap.TreeExplainer and LightGBM's pred_contrib explain
    settings: tuple[tuple[int, int], ...]  # (num_leaves, max_depth) of the scaling table
    scaling_rows: int
    scaling_shap_rows: int
    generator_rows: int
    lifecycle_borrowers: int
    lifecycle_months: int
    run_rows: int
    repeats: int = 1  # best of n timings
    backgrounds: tuple[int, ...] = (100, 1000)  # interventional: background rows
    interventional_shap_rows: int = 20  # rows shap's interventional explainer explains
    reject_rows: int = 100_000  # reject inference: rows of configs/reject_inference.yaml
    monitor_borrowers: int = 100_000  # the monitoring tables of a simulated book ...
    monitor_months: int = 36  # ... of this many months
    # validate-power: repetitions x sample sizes x one size of each of the six defects
    power_reps: int = 20
    power_sizes: tuple[int, ...] = (1_000, 5_000)
    power_pool: int = 100_000
    fairness_rows: int = 50_000  # applicants of the fairness section (four attributes)


QUICK = BenchSizes(train_rows=100_000, explain_rows=20_000, shap_rows=2_000,
                   settings=((15, 4), (31, 6), (63, 8)), scaling_rows=10_000,
                   scaling_shap_rows=1_000, generator_rows=1_000_000,
                   lifecycle_borrowers=20_000, lifecycle_months=12, run_rows=5_000,
                   reject_rows=20_000, monitor_borrowers=20_000, monitor_months=12)
FULL = BenchSizes(train_rows=200_000, explain_rows=40_000, shap_rows=4_000,
                  settings=((7, 3), (15, 4), (31, 6), (31, 8), (63, 8), (127, -1)),
                  scaling_rows=20_000, scaling_shap_rows=2_000, generator_rows=1_000_000,
                  lifecycle_borrowers=100_000, lifecycle_months=24, run_rows=20_000,
                  repeats=3, power_reps=200, power_sizes=(1_000, 5_000, 20_000, 100_000),
                  power_pool=400_000, fairness_rows=250_000)
#: Targets the full bench is judged by (see benchmarks/README.md).
GENERATOR_FLOOR_TARGET = 3.0
GENERATOR_PEAK_TARGET_MB = 2048.0
#: validate-power at 200 repetitions x 4 sizes x 6 defects must finish within this (issue 28).
POWER_BUDGET_S = 15 * 60.0


def best(fn: Callable[[Any], Any], data: Any, repeats: int) -> tuple[float, Any, float]:
    """Fastest wall seconds, a result, and fastest CPU seconds (all threads) of ``fn(data)``.

    Parameters
    ----------
    fn, data:
        What is timed: ``fn(data)``.
    repeats:
        Calls; the fastest counts (at least one call).

    Returns
    -------
    (float, object, float)
        Wall seconds, the last call's result, CPU seconds.
    """
    wall = cpu = float("inf")
    result = None
    for _ in range(max(repeats, 1)):
        w, c = time.perf_counter(), time.process_time()
        result = fn(data)
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, result, cpu
