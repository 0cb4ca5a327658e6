"""Shared fixtures: small populations generated once per test session."""

from __future__ import annotations

import pandas as pd
import pytest

import riskkit


@pytest.fixture(scope="session")
def population() -> pd.DataFrame:
    """20,000 baseline applicants (seed 11): enough for stable rates, quick to make."""
    return riskkit.generate(rows=20_000, seed=11)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The files with end-to-end (``slow``) tests run first, each file otherwise in order.

    ``make test`` hands each file whole to one of two workers (``--dist loadscope``), so a
    file's module-scoped fixtures (a run, a study, an executed notebook suite) are built
    once; with ``--no-loadscope-reorder`` the files go out in this order, and the longest
    ones starting first keep the two workers busy to the end. (``--dist loadgroup`` did
    nothing with pytest 9: pytest-xdist 3.8 names a group by a node attribute pytest no
    longer reads, so grouped tests were spread as by ``--dist load``.)
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: files stay whole
