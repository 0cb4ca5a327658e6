"""A run's master scale: the PD grades of ``decisions.parquet`` (:mod:`riskkit.validate`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from riskkit.validate import MasterScale, build_scale
from riskkit.validate import section as validate_section

__all__ = ["MASTER_SCALE_FILE", "master_scale"]

#: Where a run keeps its master scale (``MasterScale.to_dict``), under ``models/``.
MASTER_SCALE_FILE = "master_scale.json"


def master_scale(cfg: dict[str, Any], decisions: pd.DataFrame) -> MasterScale:
    """The run's master scale: ``validate.grades`` fixed boundaries, or equal-share grades
    of the deployed model's PDs on the development sample (the train split).

    Parameters
    ----------
    cfg : dict
        The resolved run config (one written before the ``validate:`` section gets its
        defaults, so its scale can be rebuilt the same way).
    decisions : pandas.DataFrame
        The run's decisions (``split`` and ``pd_<deployed model>``).

    Returns
    -------
    MasterScale
    """
    grades = validate_section(cfg.get("validate"))["grades"]
    train = decisions[decisions["split"].astype(str) == "train"]
    return build_scale(train[f"pd_{cfg['policy']['model']}"].to_numpy(), grades["count"],
                       grades["boundaries"])
