"""Synthetic worlds: the borrower population, its ground truth and its lifecycle."""

from .population import BLOCK_ROWS, generate, iter_blocks
from .scenarios import SCENARIOS, get_scenario
from .store import fingerprint, read_population, write_population
from .truth import DEFAULT_BAD_RATE, truth_model

__all__ = ["BLOCK_ROWS", "DEFAULT_BAD_RATE", "SCENARIOS", "fingerprint", "generate",
           "get_scenario", "iter_blocks", "read_population", "truth_model",
           "write_population"]
