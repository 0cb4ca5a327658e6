"""Shared fixtures: small populations generated once per test session."""

from __future__ import annotations

import pandas as pd
import pytest

import riskkit


@pytest.fixture(scope="session")
def population() -> pd.DataFrame:
    """20,000 baseline applicants (seed 11): enough for stable rates, quick to make."""
    return riskkit.generate(rows=20_000, seed=11)
