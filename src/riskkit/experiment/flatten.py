"""A run's ``metrics.json`` as one flat row: ``<model>_<split>_<metric>`` -> number.

Sweeps tabulate runs with it (one row per run) and experiment trackers log it (one metric
per name); both need the same names, so they live here once.

Names:

* ``models.<model>.<split>.<metric>`` -> ``<model>_<split>_<metric>`` (``lgbm_test_auc``);
  a number directly under a model -> ``<model>_<key>`` (``lgbm_psi``);
* ``explain.<model>.<metric>`` -> ``<model>_test_<metric>`` (explanations are measured on
  the test split's denials: ``lgbm_test_fidelity_top3``); a tree model's fidelity measured
  against the truth's reference sample, ``explain.<model>.interventional.<metric>`` ->
  ``<model>_test_interventional_<metric>``; every nested block alike
  (``lgbm_test_like_for_like_top3``, ``lgbm_test_stability_retrain_same_top3``);
* ``policy.<metric>`` (test) -> ``policy_<metric>``; ``policy.oot.<metric>`` ->
  ``policy_oot_<metric>``.

Only finite-or-NaN numbers are kept (booleans and text are left out); ``None`` becomes NaN
so every run of a sweep has the same columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

SPLITS = ("train", "valid", "test", "oot")


def _number(value: Any) -> float | None:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _leaves(prefix: str, section: Mapping[str, Any], out: dict[str, float]) -> None:
    for key, value in section.items():
        number = _number(value)
        if number is not None:
            out[f"{prefix}_{key}"] = number


def _nested(prefix: str, section: Mapping[str, Any], out: dict[str, float]) -> None:
    """Numbers of ``section`` and of the mappings in it, names joined by ``_``."""
    _leaves(prefix, section, out)
    for key, value in section.items():
        if isinstance(value, Mapping):
            _nested(f"{prefix}_{key}", value, out)


def flatten_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """Flatten a run's metrics into ``<model>_<split>_<metric>`` names (see the module doc).

    Parameters
    ----------
    metrics : mapping
        The content of a run's ``metrics.json``.

    Returns
    -------
    dict of str to float
        In a stable order: models, explanations, policy.
    """
    out: dict[str, float] = {}
    for model, entry in (metrics.get("models") or {}).items():
        for key, value in entry.items():
            if key in SPLITS and isinstance(value, Mapping):
                _leaves(f"{model}_{key}", value, out)
            elif (number := _number(value)) is not None:
                out[f"{model}_{key}"] = number
    for model, entry in (metrics.get("explain") or {}).items():
        if isinstance(entry, Mapping):
            _nested(f"{model}_test", entry, out)
    policy = metrics.get("policy") or {}
    _leaves("policy", {k: v for k, v in policy.items() if k not in SPLITS}, out)
    for split in SPLITS:
        if isinstance(policy.get(split), Mapping):
            _leaves(f"policy_{split}", policy[split], out)
    return out
