"""The ``validate_power`` section: ``riskkit validate-power`` against its time budget.

Issue 28 asks that a power study of 200 repetitions x 4 sample sizes x 6 defects finish
within 15 minutes on 2 cores (``POWER_BUDGET_S``). The section runs the same study at the
bench's sizes, from the pool a default config's study draws
(:func:`riskkit.experiment.power_study.pool_spec`), and reports its time as a share of that
budget, in wall seconds and in CPU seconds / 2 (what two free cores would take, immune to
other processes on a shared machine).
"""

from __future__ import annotations

import time
from typing import Any

from riskkit.bench.common import number
from riskkit.bench.sizes import POWER_BUDGET_S, SEED, BenchSizes
from riskkit.experiment.config import resolve
from riskkit.experiment.power_study import pool_spec
from riskkit.validate import Cell, run_power

#: The six defects the validate-power section studies, one size each.
POWER_CELLS = (("none", 0.0), ("pd_scale", 0.85), ("grade_scale", 0.7), ("lost_driver", 0.5),
               ("drift", 0.25), ("correlation", 0.02))


def validate_power_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """The ``validate_power`` section: a power study of the six ``POWER_CELLS`` on two
    processes, as a share of the issue's 15-minute budget.

    Parameters
    ----------
    sizes:
        ``power_reps`` repetitions at each of ``power_sizes``, from a pool of ``power_pool``
        applicants.
    quiet:
        No progress bar.

    Returns
    -------
    dict
        ``seconds``, ``budget_s``, ``share_of_budget``, ``cpu_seconds``,
        ``two_core_seconds`` and ``two_core_share_of_budget``; what was studied (``reps``,
        ``sizes``, ``defects``, ``pool_rows``, ``samples``), ``applicants_per_s`` scored
        and tested, and ``false_alarm_jeffreys_portfolio`` (a sanity figure: near the
        test's level).
    """
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
    return {"seconds": seconds, "budget_s": POWER_BUDGET_S,
            "share_of_budget": seconds / POWER_BUDGET_S,
            "cpu_seconds": study.meta["cpu_seconds"], "two_core_seconds": two_cores,
            "two_core_share_of_budget": two_cores / POWER_BUDGET_S,
            "reps": sizes.power_reps, "sizes": list(sizes.power_sizes), "defects": len(cells),
            "pool_rows": sizes.power_pool, "samples": samples,
            "applicants_per_s": sizes.power_reps * sum(sizes.power_sizes) * len(cells) / seconds,
            "false_alarm_jeffreys_portfolio": float(study.rates.query(
                "kind == 'none' and test == 'jeffreys_portfolio'")["rate"].mean())}


def validate_power_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The (figure, riskkit, reference, ratio) rows :func:`validate_power_section`'s figures
    print."""
    return [(f"validate-power {r['reps']} reps x {len(r['sizes'])} sizes x {r['defects']} "
             "defects, s vs budget", f"{r['seconds']:,.0f}", f"{r['budget_s']:,.0f}",
             f"{r['share_of_budget']:.2f} of the budget"),
            ("... in CPU seconds / 2 (two free cores; immune to other load)",
             f"{r['two_core_seconds']:,.0f}", f"{r['budget_s']:,.0f}",
             f"{r['two_core_share_of_budget']:.2f} of the budget"),
            ("... applicants scored and tested per second", number(r["applicants_per_s"]),
             "", "")]
