"""Reasons by driver group: the unit a denial letter speaks in ("borrowing frequency").

A letter that says "borrowing frequency" instead of naming applications in 30 days, in 90
days and loans in 12 months one by one makes a statement the data can back: correlated
drivers of one group share credit among themselves in any fitted model (and between two
fits of it), while the group's total is pinned down. Shapley values add up, so a group's
contribution is the sum of its features' (the group as one player whenever no term mixes
two groups); the same sum is taken of the truth, so the comparison stays like for like.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit.core.errors import ConfigError, DataError
from riskkit.core.registry import GROUPS, Registry

#: Values of ``explain.unit``.
UNITS: tuple[str, ...] = ("feature", "group")


def check_unit(unit: str) -> str:
    """``unit`` if it is one of :data:`UNITS`, else a ConfigError naming the key."""
    if unit not in UNITS:
        raise ConfigError(f"explain.unit = {unit!r}: expected one of {', '.join(UNITS)}")
    return unit


def group_label(group: str, lang: str = "en") -> str:
    """The words for a driver group ("borrowing frequency" / "借款频率"), or its name."""
    return GROUPS.get(group, {}).get(lang) or group.replace("_", " ")


def group_contributions(contrib: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Contributions summed by driver group, groups in the order their first feature appears.

    Parameters
    ----------
    contrib : pandas.DataFrame
        One column per feature (registry names).
    registry : Registry
        Where each feature's group is read.

    Returns
    -------
    pandas.DataFrame
        One column per group, ``contrib``'s index.
    """
    unknown = [c for c in contrib.columns if c not in registry]
    if unknown:
        raise DataError("contributions", [f"columns {unknown[:5]} are not in the registry"])
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(contrib.columns):
        groups.setdefault(registry[name].group, []).append(j)
    values = contrib.to_numpy(dtype=float)
    return pd.DataFrame({g: values[:, idx].sum(axis=1) for g, idx in groups.items()},
                        index=contrib.index)


def leading_features(contrib: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Per row and group, the member feature with the largest contribution (the one a
    group reason quotes).

    Parameters
    ----------
    contrib : pandas.DataFrame
        One column per feature.
    registry : Registry
        Where each feature's group is read.

    Returns
    -------
    pandas.DataFrame
        One column per group (as :func:`group_contributions`), feature names as values.
    """
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(contrib.columns):
        groups.setdefault(registry[name].group, []).append(j)
    values = contrib.to_numpy(dtype=float)
    names = np.asarray(contrib.columns, dtype=object)
    return pd.DataFrame({g: names[np.asarray(idx)[np.argmax(values[:, idx], axis=1)]]
                         for g, idx in groups.items()}, index=contrib.index)
