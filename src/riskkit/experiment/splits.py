"""The run's applicants by split: regenerated exactly from the resolved config."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit.synth import generate
from riskkit.synth.worlds import WorldSpec, world_spec

SPLITS = ("train", "valid", "test", "oot")
OOT_ID_OFFSET = 1_000_000_000


def run_world(cfg: dict[str, Any]) -> WorldSpec:
    """The world (with its dials) a run's data are drawn from; ``baseline`` for a config
    written before worlds existed."""
    data = cfg["data"]
    return world_spec(data.get("world", "baseline"), data.get("truth"))


def population_splits(cfg: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The run's applicants by split, regenerated exactly from the resolved config.

    train / valid / test are a seeded random partition of one cohort; ``oot`` is a later
    cohort drawn from its own seed (optionally under another scenario) with applicant ids
    offset by one billion so they never collide with the first cohort's.
    """
    data = cfg["data"]
    spec = run_world(cfg)
    pop = generate(rows=data["rows"], seed=cfg["seed"], scenario=data["scenario"],
                   bad_rate=data["bad_rate"], world=spec)
    rng = np.random.default_rng(np.random.SeedSequence(cfg["seed"], spawn_key=(7,)))
    order = rng.permutation(len(pop))
    shares = data["split"]
    n_train = round(shares["train"] * len(pop))
    n_valid = round(shares["valid"] * len(pop))
    parts = {"train": order[:n_train], "valid": order[n_train:n_train + n_valid],
             "test": order[n_train + n_valid:]}
    out = {name: pop.iloc[np.sort(idx)].reset_index(drop=True) for name, idx in parts.items()}
    oot = data["oot"]
    if oot["rows"] > 0:
        later = generate(rows=oot["rows"], seed=cfg["seed"] + oot["seed_offset"],
                         scenario=oot["scenario"], bad_rate=data["bad_rate"], world=spec)
        later["applicant_id"] = later["applicant_id"] + OOT_ID_OFFSET
        out["oot"] = later
    return out
