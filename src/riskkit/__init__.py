"""riskkit: credit-risk research on synthetic borrowers whose truth is known."""

__version__ = "0.1.0"
