"""Synthetic worlds: the borrower population, its ground truth and its lifecycle."""

from riskkit.synth.population import BLOCK_ROWS, generate, iter_blocks
from riskkit.synth.scenarios import SCENARIOS, get_scenario
from riskkit.synth.store import fingerprint, read_population, write_population
from riskkit.synth.truth import DEFAULT_BAD_RATE, truth_model

__all__ = ["BLOCK_ROWS", "DEFAULT_BAD_RATE", "SCENARIOS", "fingerprint", "generate",
           "get_scenario", "iter_blocks", "read_population", "truth_model",
           "write_population"]
