"""``riskkit bench`` and every benchmark of riskkit, with their reference runs.

Each benchmark times riskkit and a reference in the same process, on the same data, and
reports the ratio (``benchmarks/README.md`` says how to run each and what the figures
mean). Library packages hold no benchmark code: it all lives here.

* :func:`main`, :func:`run_bench`, :func:`format_report` -- ``riskkit bench`` and its
  sections (``SECTIONS``) at ``QUICK``, ``FULL`` or one's own :class:`BenchSizes`;
* :func:`benchmark_treeshap`, :func:`scaling_table`, :func:`synthetic_credit_frame`,
  :func:`train_booster` -- FastTreeShap against shap and LightGBM (the ``shap`` section and
  the runs FastTreeShap's defaults were chosen from);
* :func:`benchmark_interventional`, :func:`refit_without_categoricals`,
  :func:`categorical_splits` -- interventional FastTreeShap against shap and woodelf;
* :func:`generator_section`, :func:`record_block_draws`, :func:`replay_draws` -- the
  generator against its own random draws;
* :func:`benchmark_lifecycle` -- borrower-months per second of the lifecycle simulation;
* :func:`benchmark_monitor` -- every table of ``riskkit monitor`` on a simulated book,
  against the simulation that wrote it and the bare read of its columns;
* :func:`validate_power_section` -- ``riskkit validate-power`` on the ``POWER_CELLS``
  against issue 28's budget (``POWER_BUDGET_S``);
* ``python -m riskkit.bench.measure COMMAND`` (:mod:`riskkit.bench.measure`, not imported
  here so that ``-m`` runs it cleanly) -- wall time and peak memory of a command and every
  process it starts, for the Dask engine;
* :func:`best` -- the timing helper every benchmark shares; ``WORLD`` -- the one world
  every benchmark draws its applicants from (stated, never the convenience ``generate``).
"""

from __future__ import annotations

from riskkit.bench.generator import generator_section, record_block_draws, replay_draws
from riskkit.bench.interventional import (
    benchmark_interventional,
    categorical_splits,
    refit_without_categoricals,
)
from riskkit.bench.lifecycle import benchmark_lifecycle
from riskkit.bench.monitor import benchmark_monitor
from riskkit.bench.runner import SECTIONS, format_report, main, run_bench
from riskkit.bench.sizes import FULL, POWER_BUDGET_S, QUICK, SEED, WORLD, BenchSizes, best
from riskkit.bench.treeshap import (
    benchmark_treeshap,
    scaling_table,
    synthetic_credit_frame,
    train_booster,
)
from riskkit.bench.validate_power import POWER_CELLS, validate_power_section

__all__ = [
    "FULL",
    "POWER_BUDGET_S",
    "POWER_CELLS",
    "QUICK",
    "SECTIONS",
    "SEED",
    "WORLD",
    "BenchSizes",
    "benchmark_interventional",
    "benchmark_lifecycle",
    "benchmark_monitor",
    "benchmark_treeshap",
    "best",
    "categorical_splits",
    "format_report",
    "generator_section",
    "main",
    "record_block_draws",
    "refit_without_categoricals",
    "replay_draws",
    "run_bench",
    "scaling_table",
    "synthetic_credit_frame",
    "train_booster",
    "validate_power_section",
]
