"""Shared fixtures: small populations generated once per test session."""

from __future__ import annotations

import pandas as pd
import pytest

import riskkit


@pytest.fixture(scope="session")
def population() -> pd.DataFrame:
    """20,000 baseline applicants (seed 11): enough for stable rates, quick to make."""
    return riskkit.generate(rows=20_000, seed=11)


#: The files that take longest (``make test``'s ``--durations``, in seconds on 2 cores): the
#: notebooks run headless (claims 270, the notebook suite about 300), the reject-inference
#: grades' studies (65-120) and the determinism runs (70). Longest first.
LONGEST_FILES = ("test_notebook_claims.py", "test_notebooks.py",
                 "test_reject_inference_grades.py", "test_determinism.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files run first (:data:`LONGEST_FILES`), then the other files with
    end-to-end (``slow``) tests, then the rest, each file whole and in its own order.

    ``make test`` hands each file whole to one of two workers (``--dist loadscope``), so a
    file's module-scoped fixtures (a run, a study, an executed notebook suite) are built
    once; with ``--no-loadscope-reorder`` the files go out in this order. A worker takes a
    further file when it has two tests or fewer left, so the one-test claims file and the
    grades file go to one worker and the notebook suite to the other, and the short files
    fill in after them. (``--dist loadgroup`` did nothing with pytest 9: pytest-xdist 3.8
    names a group by a node attribute pytest no longer reads, so grouped tests were spread
    as by ``--dist load``.)
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> int:
        if item.path.name in LONGEST_FILES:
            return LONGEST_FILES.index(item.path.name)
        return len(LONGEST_FILES) + (item.path not in slow_files)

    items.sort(key=rank)  # stable: each file stays whole and in order
