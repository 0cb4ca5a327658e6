"""riskkit: credit-risk research on synthetic borrowers whose truth is known."""

__version__ = "0.1.0"

# the version must exist before submodules import it
from .synth import generate

__all__ = ["__version__", "generate"]
