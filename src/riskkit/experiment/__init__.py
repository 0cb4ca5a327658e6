"""Experiments: config, splits, stages, the runner, the run folder and comparison.

Layer: above everything a run uses (synth, data, models, evaluate, policy, explain, charts,
lifecycle); below reporting and the entry points. Modules here import their siblings
directly, never this package, so importing it never loops.
"""

from __future__ import annotations

from riskkit.experiment.ensure import ensure_run
from riskkit.experiment.runfolder import Run, compare, load_run, read_run_registry, verify
from riskkit.experiment.runner import (
    INCOMPLETE_PREFIX,
    STAGES,
    Stages,
    final_run_path,
    run_experiment,
    run_from_config,
    staging_folder,
)
from riskkit.experiment.splits import OOT_ID_OFFSET, SPLITS, population_splits
from riskkit.experiment.stages import build_models, parquet_safe, policy_metrics, run_datacard

__all__ = ["INCOMPLETE_PREFIX", "OOT_ID_OFFSET", "SPLITS", "STAGES", "Run", "Stages",
           "build_models", "compare", "ensure_run", "final_run_path", "load_run",
           "parquet_safe", "policy_metrics", "population_splits", "read_run_registry",
           "run_datacard", "run_experiment", "run_from_config", "staging_folder", "verify"]
