"""Synthetic worlds: the borrower population, its ground truth and its lifecycle.

A :class:`World` is the truth as a value (shape, dials, label noise, bad rate, calendar);
everything that needs the truth is given one.
"""

from riskkit.synth.population import BLOCK_ROWS
from riskkit.synth.scenarios import SCENARIOS, get_scenario
from riskkit.synth.store import fingerprint, read_population, write_population
from riskkit.synth.truth import DEFAULT_BAD_RATE, truth_model
from riskkit.synth.world import World, generate

__all__ = ["BLOCK_ROWS", "DEFAULT_BAD_RATE", "SCENARIOS", "World", "fingerprint", "generate",
           "get_scenario", "read_population", "truth_model", "write_population"]
