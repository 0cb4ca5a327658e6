"""Where riskkit's own files are: the one place paths are derived from the package location."""

from __future__ import annotations

from pathlib import Path

#: ``src/riskkit/`` of the running package.
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def repo_root() -> Path:
    """The source checkout riskkit runs from (``src/riskkit/`` sits two levels below it).

    Returns
    -------
    Path
        The folder holding ``src/``, ``notebooks/`` and ``configs/`` in a source checkout.
    """
    return PACKAGE_DIR.parents[1]
