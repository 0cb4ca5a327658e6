"""Core: errors, atomic file writing and the feature registry (imports nothing else of riskkit)."""
