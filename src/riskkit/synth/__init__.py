"""Synthetic worlds: the borrower population, its ground truth and its lifecycle."""

from .population import BLOCK_ROWS, fingerprint, generate, iter_blocks
from .scenarios import SCENARIOS, get_scenario
from .truth import DEFAULT_BAD_RATE, truth_model

__all__ = ["BLOCK_ROWS", "DEFAULT_BAD_RATE", "SCENARIOS", "fingerprint", "generate",
           "get_scenario", "iter_blocks", "truth_model"]
