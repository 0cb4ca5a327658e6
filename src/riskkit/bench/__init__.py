"""``riskkit bench``: performance figures as ratios against a reference run in the same process."""

from __future__ import annotations

from riskkit.bench.generator import generator_section, record_block_draws, replay_draws
from riskkit.bench.runner import format_report, main, run_bench
from riskkit.bench.sizes import FULL, QUICK, SEED, BenchSizes

__all__ = ["FULL", "QUICK", "SEED", "BenchSizes", "format_report", "generator_section", "main",
           "record_block_draws", "replay_draws", "run_bench"]
