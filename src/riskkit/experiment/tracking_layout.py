"""How a run looks in MLflow's UI: metric groups with the headline first, settings as
params, the run's real duration, PNG charts on top.

MLflow's UI lists a run's metrics alphabetically and charts them in sections by the prefix
before a ``/``; metrics without one come first. A riskkit run has about 750 metrics (500 of
them fairness by group), so a flat list buried the AUC under "fairness_...". Here:

* the **headline** keeps its plain name and so its place at the top: the deployed model's
  test AUC, KS, Brier score and calibration error, its out-of-time AUC, its reason fidelity,
  the policy's approval and bad rates (:data:`HEADLINE`);
* everything else is ``<group>/<name>``, the name unchanged (the sweep table's column
  name), the group its first word: ``models/lgbm_oot_ks``, ``fairness/fairness_test_...``,
  ``policy/policy_oot_approval_rate``, ``stability/stability_csi_max``;
* numbers that are **settings**, not results (a calibration's number of ECE bins, the
  policy's target approval rate), are params ``setting.<name>``, never metrics;
* the run's start and end come from its folder (``manifest.json`` written last, minus the
  stages' timings), so the UI shows how long the run took, not how long logging took;
* ``figures/`` holds the PNG of every chart; SVG and PDF stay in the ``run/`` artifact
  with the rest of the run folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["HEADLINE", "SETTINGS", "grouped_metrics", "run_times", "split_figures"]

#: The headline metrics, ``{model}`` the deployed model; shown first, in this order.
HEADLINE: tuple[str, ...] = (
    "{model}_test_auc", "{model}_test_ks", "{model}_test_brier", "{model}_test_ece",
    "{model}_oot_auc", "{model}_test_fidelity_top3", "policy_approval_rate",
    "policy_bad_rate_approved", "policy_oot_approval_rate", "policy_oot_bad_rate_approved")
#: Names (regular expressions) of numbers metrics.json carries that are settings of the run.
SETTINGS: tuple[str, ...] = (r"\w+_calibration_ece_bins", r"policy_cutoff_target")
_MODEL_GROUP = "models"


def grouped_metrics(flat: Mapping[str, float], deployed: str | None,
                    models: tuple[str, ...] = ()) -> tuple[dict[str, float], dict[str, str]]:
    """``flat`` (:func:`riskkit.experiment.tracking.flatten_metrics`) as MLflow metrics
    grouped by prefix, headline first, and the settings among them as params.

    Parameters
    ----------
    flat : mapping
        Metric name -> value.
    deployed : str or None
        The deployed model (``policy.model``), whose figures are the headline.
    models : tuple of str
        The run's model names: their metrics go into the ``models`` group.

    Returns
    -------
    tuple of (dict, dict)
        ``(metrics, params)``: metrics in order (headline first), params ``setting.<name>``.
    """
    settings = re.compile("|".join(f"(?:{p})" for p in SETTINGS))
    headline = [h.format(model=deployed) for h in HEADLINE] if deployed else []
    metrics = {name: flat[name] for name in headline if name in flat}
    params: dict[str, str] = {}
    for name, value in flat.items():
        if name in metrics:
            continue
        if settings.fullmatch(name):
            params[f"setting.{name}"] = f"{value:g}"
            continue
        first = name.split("_", 1)[0]
        group = _MODEL_GROUP if first in models else first
        metrics[f"{group}/{name}"] = value
    return metrics, params


def run_times(run_dir: Path, manifest: Mapping[str, Any]) -> tuple[int, int]:
    """``(start, end)`` of a run in milliseconds since the epoch, from its folder.

    The manifest is written last, so its modification time is when the run ended; the
    stages' timings (``timings_s``) add up to how long it ran.
    """
    end = (run_dir / "manifest.json").stat().st_mtime
    seconds = sum(float(v) for v in (manifest.get("timings_s") or {}).values()
                  if isinstance(v, int | float))
    return int(1000 * (end - seconds)), int(1000 * end)


def split_figures(run_dir: Path) -> list[Path]:
    """The PNG charts of a run, logged as ``figures/`` (the other formats stay in ``run/``)."""
    folder = run_dir / "figures"
    return sorted(folder.glob("*.png")) if folder.is_dir() else []
