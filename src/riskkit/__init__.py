"""riskkit: credit-risk research on synthetic borrowers whose truth is known."""

from .synth import generate

__version__ = "0.1.0"

__all__ = ["__version__", "generate"]
