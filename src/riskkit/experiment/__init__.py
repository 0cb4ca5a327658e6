"""Experiments: config, splits, stages, the runner, the run folder and comparison."""

from __future__ import annotations

from riskkit.experiment.runner import (
    INCOMPLETE_PREFIX,
    OOT_ID_OFFSET,
    SPLITS,
    STAGES,
    Stages,
    build_models,
    ensure_run,
    final_run_path,
    parquet_safe,
    policy_metrics,
    population_splits,
    raw_pd,
    run_datacard,
    run_experiment,
    run_from_config,
    staging_folder,
    write_with_csv,
)

__all__ = ['SPLITS', 'OOT_ID_OFFSET', 'INCOMPLETE_PREFIX', 'population_splits', 'build_models', 'raw_pd', 'final_run_path', 'staging_folder', 'Stages', 'STAGES', 'run_experiment', 'parquet_safe', 'write_with_csv', 'policy_metrics', 'run_datacard', 'run_from_config', 'ensure_run']
